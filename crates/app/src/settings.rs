//! The settings a user can change, and saving them into the running session.

use std::sync::atomic::Ordering;

use tandem_client::profile::Settings;
use tandem_core::activity::ActiveWindow;

use crate::{App, AppError, AppSettings, Result};

impl App {
    /// The settings a user can change.
    pub async fn settings(&self) -> Result<AppSettings> {
        let settings = match self.current().await {
            Some(running) => running.settings(),
            None => self
                .profile
                .saved_settings()?
                .ok_or_else(AppError::not_signed_in)?,
        };
        Ok(app_settings(&settings))
    }

    /// Saves the settings. Changing multi-device messaging or the device type restarts the
    /// session (they are negotiated when it starts); a new active window reaches the
    /// running session at once.
    pub async fn save_settings(&self, new: AppSettings) -> Result<AppSettings> {
        let window = ActiveWindow::user_setting(u64::from(new.active_window_secs))
            .map_err(|e| AppError::invalid(e.to_string()))?;
        let running = self.current().await;
        let mut settings = match &running {
            Some(r) => r.settings(),
            None => self
                .profile
                .saved_settings()?
                .ok_or_else(AppError::not_signed_in)?,
        };
        let restart = settings.carbons != new.multi_device || settings.device != new.device;
        let new_window = window_secs(&settings) != new.active_window_secs;
        settings.carbons = new.multi_device;
        settings.device = new.device;
        settings.active_window_secs = Some(u64::from(new.active_window_secs));
        settings.notifications = new.notifications;
        self.profile.save_settings(&settings)?;
        self.notifications
            .store(settings.notifications, Ordering::SeqCst);
        if running.is_some() {
            if restart {
                let config = self.profile.session_config(&settings).await?;
                self.sign_out_quietly().await;
                self.start(settings.clone(), config).await?;
            } else {
                if let (true, Some(running)) = (new_window, &running) {
                    // The running engine takes the new window at once.
                    running.session.set_active_window(window).await?;
                }
                self.replace_settings(settings.clone()).await;
            }
        }
        Ok(app_settings(&settings))
    }
}

fn app_settings(s: &Settings) -> AppSettings {
    AppSettings {
        multi_device: s.carbons,
        active_window_secs: window_secs(s),
        notifications: s.notifications,
        device: s.device,
    }
}

/// The active window the settings give, in seconds (the default when unset).
fn window_secs(s: &Settings) -> u32 {
    let secs = s.window().unwrap_or_default().secs();
    u32::try_from(secs).unwrap_or(u32::MAX)
}
