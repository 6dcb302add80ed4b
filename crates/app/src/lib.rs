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

mod account;
pub mod bindings;
pub mod dto;
pub mod error;
mod focus;
pub mod links;
mod pump;
mod rooms;
mod session;
mod settings;
mod view;

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

pub use dto::{
    AppSettings, ConversationSummary, Me, Occupant, RoomAccess, RoomInfo, SavedAccount, SignIn,
};
pub use error::{AppError, AppErrorKind, Result};
use jid::BareJid;
use session::Running;
use tandem_client::profile::Profile;
use tandem_core::event::Event;
use tandem_core::model::MessageId;
use tokio::sync::RwLock;
use view::Ui;

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
/// Longest nick a room join accepts (bytes): the limit of a JID's resource part.
pub const MAX_NICK: usize = 1023;
/// Most messages one history page may hold.
pub const MAX_PAGE: u32 = 500;
/// How long a focus change must last before it counts (a focus flicker is not a switch).
pub const FOCUS_DEBOUNCE: Duration = Duration::from_millis(400);
/// User activity re-announces Available presence at most this often, so the device in use
/// stays the active one (the rule counts Available presence and messages).
pub const PRESENCE_REFRESH: Duration = Duration::from_secs(60);

/// Locks plain data; a panic elsewhere cannot leave it inconsistent.
fn lock<T>(m: &StdMutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
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
}
