//! Showing and withdrawing notifications: notify-rust on desktop (the freedesktop
//! notification service on Linux), tauri-plugin-notification on mobile. Which message
//! notifies is never decided here: the engine's decision arrives through
//! [`tandem_app::Notifier`]. Clicking a desktop notification opens its conversation.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use jid::BareJid;
use tandem_app::{Notice, Notifier};
use tauri::{AppHandle, Emitter, Manager};

/// The app name notifications carry.
pub const APP_NAME: &str = "Tandem";

/// The event the UI receives when a notification is clicked: the conversation to open.
pub const NAVIGATE: &str = "navigate";

/// Brings the main window forward and opens the conversation.
fn open_conversation(app: &AppHandle, conversation: &BareJid) {
    if let Some(window) = app.get_webview_window(crate::MAIN_WINDOW) {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
    if let Err(e) = app.emit(NAVIGATE, conversation.to_string()) {
        tracing::warn!(error = %e, "could not tell the UI to open the conversation");
    }
}

/// This platform's notifier.
pub fn platform(app: AppHandle) -> Arc<dyn Notifier> {
    #[cfg(desktop)]
    return Arc::new(Desktop::new(app));
    #[cfg(mobile)]
    return Arc::new(Mobile::new(app));
}

/// Desktop notifications through notify-rust, one per conversation, closed by id.
#[cfg(desktop)]
struct Desktop {
    app: AppHandle,
    shown: Arc<Mutex<HashMap<BareJid, Arc<notify_rust::NotificationHandle>>>>,
}

#[cfg(desktop)]
impl Desktop {
    fn new(app: AppHandle) -> Self {
        Self {
            app,
            shown: Arc::default(),
        }
    }
}

#[cfg(desktop)]
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(desktop)]
impl Notifier for Desktop {
    fn show(&self, notice: Notice) {
        let app = self.app.clone();
        let shown = self.shown.clone();
        tauri::async_runtime::spawn(async move {
            let mut n = notify_rust::Notification::new();
            n.appname(APP_NAME)
                .summary(&notice.title)
                .body(&notice.body)
                .action("default", "Open");
            // A newer message replaces the conversation's notification in place.
            let previous = lock(&shown).get(&notice.conversation).map(|h| h.id());
            if let Some(id) = previous {
                n.id(id);
            }
            let handle = match n.show_async().await {
                Ok(handle) => Arc::new(handle),
                Err(e) => {
                    tracing::warn!(error = %e, "could not show a notification");
                    return;
                }
            };
            tracing::info!(conversation = %notice.conversation, id = handle.id(), "notification shown");
            lock(&shown).insert(notice.conversation.clone(), handle.clone());
            let conversation = notice.conversation;
            let mut clicked = false;
            handle
                .wait_for_action_async(|response| {
                    clicked = response.is_default_action()
                        || *response == notify_rust::NotificationResponse::Action("default".into());
                })
                .await;
            if clicked {
                open_conversation(&app, &conversation);
            }
            let mut map = lock(&shown);
            if map
                .get(&conversation)
                .is_some_and(|h| Arc::ptr_eq(h, &handle))
            {
                map.remove(&conversation);
            }
        });
    }

    fn withdraw(&self, conversation: &BareJid) {
        let Some(handle) = lock(&self.shown).remove(conversation) else {
            return;
        };
        let conversation = conversation.clone();
        tauri::async_runtime::spawn(async move {
            handle.close_async().await;
            tracing::info!(%conversation, id = handle.id(), "notification withdrawn");
        });
    }
}

/// Mobile notifications through tauri-plugin-notification (Android, iOS).
#[cfg(mobile)]
struct Mobile {
    app: AppHandle,
}

#[cfg(mobile)]
impl Mobile {
    fn new(app: AppHandle) -> Self {
        use tauri_plugin_notification::NotificationExt;
        // A tap on a notification opens its conversation, as a click does on desktop.
        let handle = app.clone();
        let registered = app.notification().on_action(move |performed| {
            let conversation = performed
                .notification()
                .and_then(|n| n.extra().get("conversation"))
                .and_then(|v| v.as_str())
                .and_then(|s| s.parse::<BareJid>().ok());
            if let Some(conversation) = conversation {
                open_conversation(&handle, &conversation);
            }
        });
        if let Err(e) = registered {
            tracing::warn!(error = %e, "tapping a notification will not open its conversation");
        }
        Self { app }
    }

    /// A stable id per conversation, so a newer message replaces the notification and
    /// withdrawing removes it.
    fn id(conversation: &BareJid) -> i32 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        conversation.hash(&mut h);
        (h.finish() & 0x7fff_ffff) as i32
    }
}

#[cfg(mobile)]
impl Notifier for Mobile {
    fn show(&self, notice: Notice) {
        use tauri_plugin_notification::NotificationExt;
        let result = self
            .app
            .notification()
            .builder()
            .id(Self::id(&notice.conversation))
            .title(&notice.title)
            .body(&notice.body)
            .extra("conversation", notice.conversation.to_string())
            .show();
        if let Err(e) = result {
            tracing::warn!(error = %e, "could not show a notification");
        }
    }

    fn withdraw(&self, conversation: &BareJid) {
        use tauri_plugin_notification::NotificationExt;
        if let Err(e) = self
            .app
            .notification()
            .remove_active(vec![Self::id(conversation)])
        {
            tracing::warn!(error = %e, "could not withdraw a notification");
        }
    }
}
