//! The app model: everything the desktop and mobile shells do, without Tauri.
//!
//! A shell builds one [`App`] with a [`Notifier`] (how this platform shows and withdraws a
//! notification) and an event sink (how engine events reach its UI), then delegates each
//! UI command to one method here, and reports window focus with [`App::window_focus`].
//!
//! The app model owns the profile (settings, password, database) and at most one running
//! session. It turns the engine's notification decisions into shown and withdrawn
//! notifications (never deciding itself whether to notify: that is the engine's
//! [`tandem_core::notify`] rule), maps focus to foreground/background after a short
//! debounce, and tells the engine which conversation is on screen, so a conversation open
//! in the focused window is read as messages arrive.

#![warn(missing_docs)]

pub mod bindings;
pub mod dto;
pub mod error;
mod focus;
pub mod links;
mod pump;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::{Duration, Instant};

use jid::BareJid;
use tandem_client::profile::{new_resource, PasswordStore, Profile, Settings};
use tandem_client::{Session, SessionConfig};
use tandem_core::activity::ActiveWindow;
use tandem_core::counters::Counters;
use tandem_core::event::{Event, MessageView};
use tandem_core::model::{MessageId, Show};
use tandem_core::status::DeviceStatus;
use tandem_core::store::Store;
use tandem_store::SqliteStore;
use tokio::sync::RwLock;

pub use dto::{AppSettings, ConversationSummary, Me, SavedAccount, SignIn};
pub use error::{AppError, AppErrorKind, Result};

/// How this platform shows notifications. Implementations must not block for long: they
/// are called from the engine's event pump.
pub trait Notifier: Send + Sync + 'static {
    /// Shows (or replaces) the notification for this conversation.
    fn show(&self, notice: Notice);
    /// Withdraws the notification shown for this conversation, if any.
    fn withdraw(&self, conversation: &BareJid);
}

/// A notification to show: the engine decided `notify` for this message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The conversation (clicking the notification opens it).
    pub conversation: BareJid,
    /// The message.
    pub message_id: MessageId,
    /// The title: who wrote.
    pub title: String,
    /// The text, shortened.
    pub body: String,
}

/// Where engine events go (the UI). Called in order, from the event pump.
pub type EventSink = Arc<dyn Fn(&Event) + Send + Sync>;

/// Longest message the composer may send (bytes); XMPP servers commonly cap stanzas near here.
pub const MAX_BODY: usize = 64 * 1024;
/// Most messages one history page may hold.
pub const MAX_PAGE: u32 = 500;
/// How long a focus change must last before it counts (a focus flicker is not a switch).
pub const FOCUS_DEBOUNCE: Duration = Duration::from_millis(400);
/// User activity re-announces Available presence at most this often, so the device in use
/// stays the active one (the rule counts Available presence and messages).
pub const PRESENCE_REFRESH: Duration = Duration::from_secs(60);

struct Running {
    session: Session,
    store: Arc<SqliteStore>,
    /// The account; fixed for the session's life.
    account: BareJid,
    /// What was saved last; changes that need no restart replace it in place.
    settings: StdMutex<Settings>,
    pump: tokio::task::JoinHandle<()>,
}

impl Running {
    fn settings(&self) -> Settings {
        lock(&self.settings).clone()
    }
}

/// Locks plain data; a panic elsewhere cannot leave it inconsistent.
fn lock<T>(m: &StdMutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// What the window shows and whether it has focus.
#[derive(Debug)]
struct Ui {
    focused: bool,
    open: Option<BareJid>,
    last_refresh: Option<Instant>,
}

/// The app model. One per process; cheap to share behind an `Arc`.
pub struct App {
    profile: Profile,
    notifier: Arc<dyn Notifier>,
    sink: EventSink,
    running: RwLock<Option<Arc<Running>>>,
    ui: StdMutex<Ui>,
    notifications: Arc<AtomicBool>,
    focus: focus::Debouncer,
    /// The profile's session lock, once signed in.
    session_lock: StdMutex<Option<tandem_client::lock::ProfileLock>>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("profile", &self.profile.dir())
            .finish_non_exhaustive()
    }
}

/// The platform's data directory for Tandem's profile (e.g. `~/.local/share/tandem`), where
/// a shell opens the app unless told otherwise.
pub fn default_profile_dir() -> Option<std::path::PathBuf> {
    Profile::default_dir()
}

impl App {
    /// Opens the profile in `dir`. Must be called inside a tokio runtime (it starts the
    /// focus debouncer). The window is assumed focused until told otherwise.
    pub fn new(dir: &Path, notifier: Arc<dyn Notifier>, sink: EventSink) -> Result<Arc<App>> {
        let profile = Profile::open(dir)?;
        let app = Arc::new_cyclic(|weak: &std::sync::Weak<App>| App {
            profile,
            notifier,
            sink,
            running: RwLock::new(None),
            ui: StdMutex::new(Ui {
                focused: true,
                open: None,
                last_refresh: None,
            }),
            notifications: Arc::new(AtomicBool::new(true)),
            focus: {
                let weak = weak.clone();
                focus::Debouncer::start(FOCUS_DEBOUNCE, move |focused| {
                    let weak = weak.clone();
                    async move {
                        let Some(app) = weak.upgrade() else {
                            return false;
                        };
                        app.apply_focus(focused).await;
                        true
                    }
                })
            },
            session_lock: StdMutex::new(None),
        });
        Ok(app)
    }

    /// The profile directory.
    pub fn dir(&self) -> &Path {
        self.profile.dir()
    }

    /// The account saved on this device, to prefill the sign-in form.
    pub fn saved_account(&self) -> Result<Option<SavedAccount>> {
        Ok(self.profile.saved_settings()?.map(|s| SavedAccount {
            jid: s.jid.to_string(),
            server: s.server,
            ca_file: s.ca_file.map(|p| p.display().to_string()),
            device: s.device,
        }))
    }

    /// Signs in with the saved account, if there is one.
    pub async fn restore(&self) -> Result<Option<Me>> {
        if let Some(running) = self.current().await {
            return Ok(Some(me(&running)));
        }
        let Some(settings) = self.profile.saved_settings()? else {
            return Ok(None);
        };
        let config = self.profile.session_config(&settings).await?;
        self.start(settings, config).await.map(Some)
    }

    /// Signs in; on success the account is saved on this device (the password in the
    /// keyring, or a file only the user can read).
    pub async fn sign_in(&self, form: SignIn) -> Result<Me> {
        let jid = parse_account(&form.jid)?;
        if form.password.is_empty() {
            return Err(AppError::invalid("enter the password"));
        }
        let saved = self.profile.saved_settings().ok().flatten();
        let same_account = saved.as_ref().filter(|s| s.jid == jid);
        let mut settings = Settings {
            resource: same_account
                .filter(|s| s.device == form.device)
                .map(|s| s.resource.clone())
                .unwrap_or_else(|| new_resource(form.device)),
            device: form.device,
            server: filled(form.server.as_deref()).map(str::to_owned),
            ca_file: filled(form.ca_file.as_deref()).map(PathBuf::from),
            carbons: same_account.is_none_or(|s| s.carbons),
            password_store: PasswordStore::File,
            active_window_secs: same_account.and_then(|s| s.active_window_secs),
            notifications: same_account.is_none_or(|s| s.notifications),
            jid,
        };
        self.sign_out_quietly().await;
        let config = self
            .profile
            .session_config_with(&settings, form.password.clone());
        let me = self.start(settings.clone(), config).await?;
        settings.password_store = self
            .profile
            .store_password(&settings.jid, &form.password)
            .await?;
        self.profile.save_settings(&settings)?;
        self.replace_settings(settings).await;
        Ok(me)
    }

    /// Ends the session and forgets the password (the account stays for the form).
    pub async fn sign_out(&self) -> Result<()> {
        let settings = self.sign_out_quietly().await;
        self.release_profile();
        if let Some(settings) = settings.or(self.profile.saved_settings()?) {
            self.profile.forget_password(&settings).await?;
        }
        Ok(())
    }

    /// Conversations, newest first, with unread counts.
    pub async fn conversations(&self) -> Result<Vec<ConversationSummary>> {
        let running = self.require().await?;
        let list = running
            .store
            .conversations(&running.account)
            .await?
            .into_iter()
            .map(|c| ConversationSummary {
                peer: c.peer.to_string(),
                last: MessageView::from(&c.last),
                unread: u32::try_from(c.unread).unwrap_or(u32::MAX),
            })
            .collect();
        Ok(list)
    }

    /// Up to `limit` messages before `before` (the newest when `None`), oldest first.
    pub async fn history(
        &self,
        peer: &str,
        before: Option<MessageId>,
        limit: u32,
    ) -> Result<Vec<MessageView>> {
        let peer = parse_contact(peer)?;
        let running = self.require().await?;
        let page = running
            .store
            .history_page(&running.account, &peer, before, limit.clamp(1, MAX_PAGE))
            .await?;
        Ok(page.iter().map(MessageView::from).collect())
    }

    /// Sends a message; returns it as stored.
    pub async fn send(&self, peer: &str, body: String) -> Result<MessageView> {
        let peer = parse_contact(peer)?;
        if body.trim().is_empty() {
            return Err(AppError::invalid("the message is empty"));
        }
        if body.len() > MAX_BODY {
            return Err(AppError::invalid(format!(
                "the message is too long ({} KiB; at most {} KiB)",
                body.len() / 1024,
                MAX_BODY / 1024
            )));
        }
        let running = self.require().await?;
        self.touch_ui();
        let stored = running.session.send(peer, body).await?;
        Ok(MessageView::from(&stored))
    }

    /// The conversation on screen (`None`: none). While the window has focus it is read,
    /// now and as messages arrive.
    pub async fn open(&self, peer: Option<&str>) -> Result<()> {
        let peer = peer.map(parse_contact).transpose()?;
        let focused = {
            let mut ui = self.lock_ui();
            ui.open.clone_from(&peer);
            ui.focused
        };
        if let Some(running) = self.current().await {
            self.apply_view(&running, focused, peer).await?;
        }
        Ok(())
    }

    /// Every device of the account, this one included, with its state.
    pub async fn devices(&self) -> Result<Vec<DeviceStatus>> {
        let running = self.require().await?;
        Ok(running.session.devices().await?)
    }

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

    /// This device's counters now.
    pub async fn counters(&self) -> Result<Counters> {
        let running = self.require().await?;
        Ok(running.session.counters().await?)
    }

    /// The user typed, scrolled or clicked in the window: this device is in use.
    pub async fn activity(&self) -> Result<()> {
        let Some(running) = self.current().await else {
            return Ok(());
        };
        let refresh = {
            let mut ui = self.lock_ui();
            let due = ui
                .last_refresh
                .is_none_or(|at| at.elapsed() >= PRESENCE_REFRESH);
            if due {
                ui.last_refresh = Some(Instant::now());
            }
            due
        };
        if refresh {
            running.session.presence(Show::Available).await?;
        }
        Ok(())
    }

    /// Checks a link from a message before the shell opens it in the browser.
    pub fn external_link(&self, url: &str) -> Result<String> {
        links::external_link(url).map(|u| u.to_string())
    }

    /// The window gained or lost focus (or was minimised, hidden, suspended). Applied once
    /// it has lasted [`FOCUS_DEBOUNCE`].
    pub fn window_focus(&self, focused: bool) {
        self.focus.set(focused);
    }

    /// Ends the session cleanly (on quit).
    pub async fn shutdown(&self) {
        self.sign_out_quietly().await;
        self.release_profile();
    }

    /// Lets another process sign in on the profile (after sign-out or on quit).
    fn release_profile(&self) {
        *lock(&self.session_lock) = None;
    }

    // ---- internals ----

    async fn start(&self, settings: Settings, config: SessionConfig) -> Result<Me> {
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

    async fn sign_out_quietly(&self) -> Option<Settings> {
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

    async fn replace_settings(&self, settings: Settings) {
        if let Some(running) = self.current().await {
            *lock(&running.settings) = settings;
        }
    }

    async fn current(&self) -> Option<Arc<Running>> {
        self.running.read().await.clone()
    }

    async fn require(&self) -> Result<Arc<Running>> {
        self.current().await.ok_or_else(AppError::not_signed_in)
    }

    fn lock_ui(&self) -> std::sync::MutexGuard<'_, Ui> {
        lock(&self.ui)
    }

    fn touch_ui(&self) {
        self.lock_ui().last_refresh = Some(Instant::now());
    }

    /// Tells the engine what is on screen; reads it when the window has focus.
    async fn apply_view(
        &self,
        running: &Running,
        focused: bool,
        open: Option<BareJid>,
    ) -> Result<()> {
        let viewing = open.filter(|_| focused);
        running.session.viewing(viewing.clone()).await?;
        if let Some(peer) = viewing {
            // Its `read` event withdraws a notification shown for it (see the pump).
            running.session.read(peer).await?;
        }
        Ok(())
    }

    /// Applies a debounced focus change.
    async fn apply_focus(&self, focused: bool) {
        let open = {
            let mut ui = self.lock_ui();
            ui.focused = focused;
            ui.open.clone()
        };
        let Some(running) = self.current().await else {
            return;
        };
        let result = async {
            if focused {
                running.session.foreground().await?;
                self.apply_view(&running, true, open).await
            } else {
                self.apply_view(&running, false, open).await?;
                running.session.background().await.map_err(AppError::from)
            }
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, focused, "could not apply the window's focus");
        }
    }
}

fn me(running: &Running) -> Me {
    let settings = running.settings();
    Me {
        account: running.account.to_string(),
        jid: running.session.jid().to_string(),
        resource: settings.resource,
        device: settings.device,
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

/// An optional form field, trimmed; `None` when left empty.
fn filled(field: Option<&str>) -> Option<&str> {
    field.map(str::trim).filter(|s| !s.is_empty())
}

fn parse_account(input: &str) -> Result<BareJid> {
    let jid = parse_contact(input)?;
    if jid.node().is_none() {
        return Err(AppError::new(
            AppErrorKind::InvalidJid,
            format!(
                "invalid JID {:?}: an account needs a user part (user@domain)",
                input.trim()
            ),
        ));
    }
    Ok(jid)
}

fn parse_contact(input: &str) -> Result<BareJid> {
    tandem_core::error::parse_bare(input.trim())
        .map_err(|e| AppError::new(AppErrorKind::InvalidJid, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_need_a_user_part() {
        assert_eq!(
            parse_account("example.org").expect_err("no node").kind,
            AppErrorKind::InvalidJid
        );
        assert_eq!(
            parse_account(" alice@example.org ")
                .expect("ok")
                .to_string(),
            "alice@example.org"
        );
        assert_eq!(
            parse_contact("not a jid@@").expect_err("bad").kind,
            AppErrorKind::InvalidJid
        );
    }
}
