//! The session driver: starting a session on the profile's database with its event pump,
//! ending it, and reaching the running one.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use jid::BareJid;
use tandem_client::profile::Settings;
use tandem_client::{Session, SessionConfig};
use tandem_store::SqliteStore;

use crate::{lock, pump, App, AppError, AppErrorKind, Me, Result};

/// The running session and what belongs to it: its store, account, settings and event pump.
pub(crate) struct Running {
    pub(crate) session: Session,
    pub(crate) store: Arc<SqliteStore>,
    /// The account; fixed for the session's life.
    pub(crate) account: BareJid,
    /// What was saved last; changes that need no restart replace it in place.
    pub(crate) settings: StdMutex<Settings>,
    pub(crate) pump: tokio::task::JoinHandle<()>,
}

impl Running {
    pub(crate) fn settings(&self) -> Settings {
        lock(&self.settings).clone()
    }
}

impl App {
    pub(crate) async fn start(&self, settings: Settings, config: SessionConfig) -> Result<Me> {
        // One signed-in process per profile: taken at the first sign-in and held for the
        // app's life (a restart of the session must not lose it to another process).
        {
            let mut held = lock(&self.session_lock);
            if held.is_none() {
                *held = Some(self.profile.lock_session()?);
            }
        }
        let migrating = self.profile.lock_migrations().await?;
        let store = Arc::new(
            SqliteStore::open(&self.profile.database_path())
                .await
                .map_err(|e| {
                    AppError::new(
                        AppErrorKind::Storage,
                        format!(
                            "cannot open the database {}: {e}",
                            self.profile.database_path().display()
                        ),
                    )
                })?,
        );
        drop(migrating);
        store.quick_check().await.map_err(|e| {
            AppError::new(
                AppErrorKind::Storage,
                format!("{}: {e}", self.profile.database_path().display()),
            )
        })?;
        let (session, events) = Session::start(config, store.clone()).await?;
        self.notifications
            .store(settings.notifications, Ordering::SeqCst);
        let pump = pump::spawn(
            events,
            self.sink.clone(),
            self.notifier.clone(),
            self.notifications.clone(),
            settings.jid.clone(),
        );
        let running = Arc::new(Running {
            session,
            store,
            account: settings.jid.clone(),
            settings: StdMutex::new(settings),
            pump,
        });
        let (focused, open) = {
            let ui = self.lock_ui();
            (ui.focused, ui.open.clone())
        };
        *self.running.write().await = Some(running.clone());
        if !focused {
            running.session.background().await?;
        }
        self.apply_view(&running, focused, open).await?;
        Ok(me(&running))
    }

    pub(crate) async fn sign_out_quietly(&self) -> Option<Settings> {
        let running = self.running.write().await.take()?;
        let settings = running.settings();
        match Arc::try_unwrap(running) {
            Ok(running) => {
                running.session.close().await;
                running.store.close().await;
                // The pump ends when the session's event channel closes.
                let _ = tokio::time::timeout(Duration::from_secs(2), running.pump).await;
            }
            // A command still holds it; dropping our reference ends the session with it.
            Err(running) => running.pump.abort(),
        }
        Some(settings)
    }

    pub(crate) async fn replace_settings(&self, settings: Settings) {
        if let Some(running) = self.current().await {
            *lock(&running.settings) = settings;
        }
    }

    pub(crate) async fn current(&self) -> Option<Arc<Running>> {
        self.running.read().await.clone()
    }

    pub(crate) async fn require(&self) -> Result<Arc<Running>> {
        self.current().await.ok_or_else(AppError::not_signed_in)
    }
}

pub(crate) fn me(running: &Running) -> Me {
    let settings = running.settings();
    Me {
        account: running.account.to_string(),
        jid: running.session.jid().to_string(),
        resource: settings.resource,
        device: settings.device,
    }
}
