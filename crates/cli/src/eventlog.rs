//! Sessions whose events are collected in a shared log, for the demo and the scenario runner
//! (which look back at what each device received and decided).

use std::sync::{Arc, Mutex};

use tandem_client::{ClientError, Session, SessionConfig};
use tandem_core::event::Event;
use tandem_store::SqliteStore;

/// Every event a device's sessions produced, in order.
pub type Log = Arc<Mutex<Vec<Event>>>;

/// Starts a session and appends its events to `log` from a background task.
pub async fn start(
    config: SessionConfig,
    store: Arc<SqliteStore>,
    log: &Log,
) -> Result<Session, ClientError> {
    let (session, mut events) = Session::start(config, store).await?;
    let log = log.clone();
    tokio::spawn(async move {
        while let Some(e) = events.recv().await {
            if let Ok(mut l) = log.lock() {
                l.push(e);
            }
        }
    });
    Ok(session)
}
