//! What the profile's commands share: opening its database, signing in on it, keeping the
//! session's counters, and reading JIDs from the command line.

use std::sync::Arc;

use anyhow::{anyhow, bail, Context, Result};
use jid::BareJid;
use tandem_client::profile::{Profile, Settings};
use tandem_client::Session;
use tandem_core::activity::ActiveWindow;
use tandem_store::SqliteStore;

/// The file in the profile that keeps the last session's counters.
pub(crate) const COUNTERS_FILE: &str = "counters.json";

/// Keeps the session's counters in the profile for `tandem counters`.
pub(crate) async fn save_counters(profile: &Profile, session: &Session) {
    if let Ok(c) = session.counters().await {
        if let Ok(text) = serde_json::to_string_pretty(&c) {
            if let Err(e) = std::fs::write(profile.dir().join(COUNTERS_FILE), text) {
                tracing::warn!(error = %e, "cannot save counters");
            }
        }
    }
}

/// An account's bare JID from the command line: it needs a user part.
pub(crate) fn parse_bare(input: &str) -> Result<BareJid> {
    let jid = tandem_core::error::parse_bare(input)?;
    if jid.node().is_none() {
        bail!("invalid JID {input:?}: an account needs a user part (user@domain)");
    }
    Ok(jid)
}

/// A contact (bare or full JID) from the command line: it needs a user part.
pub(crate) fn parse_contact(input: &str) -> Result<jid::Jid> {
    let jid = jid::Jid::new(input).map_err(|e| anyhow!("invalid JID {input:?}: {e}"))?;
    if jid.node().is_none() {
        bail!("invalid JID {input:?}: a contact needs a user part (user@domain)");
    }
    Ok(jid)
}

/// Opens the profile's database (migrating it, one process at a time).
pub(crate) async fn open_store(profile: &Profile) -> Result<Arc<SqliteStore>> {
    // Never two processes migrating at once; read-only commands open beside a session.
    let _migrating = profile.lock_migrations().await?;
    let store = SqliteStore::open(&profile.database_path())
        .await
        .with_context(|| {
            format!(
                "cannot open the database {}",
                profile.database_path().display()
            )
        })?;
    Ok(Arc::new(store))
}

/// A signed-in session on the profile, which it holds (one connected process per profile)
/// until the [`Connected`] is dropped.
pub(crate) struct Connected {
    /// The profile's settings.
    pub(crate) settings: Settings,
    /// Its database.
    pub(crate) store: Arc<SqliteStore>,
    /// The signed-in session.
    pub(crate) session: Session,
    /// The session's events, from its `connected` on.
    pub(crate) events: tandem_client::Events,
    /// The profile, held while connected.
    pub(crate) _lock: tandem_client::lock::ProfileLock,
}

/// Takes the profile and signs in on it.
pub(crate) async fn connect(profile: &Profile, window: Option<ActiveWindow>) -> Result<Connected> {
    let lock = profile.lock_session()?;
    let settings = profile.settings()?;
    let mut config = profile.session_config(&settings).await?;
    if let Some(window) = window {
        config.active_window = window;
    }
    let store = open_store(profile).await?;
    store
        .quick_check()
        .await
        .with_context(|| format!("{}", profile.database_path().display()))?;
    let (session, events) = Session::start(config, store.clone()).await?;
    Ok(Connected {
        settings,
        store,
        session,
        events,
        _lock: lock,
    })
}
