//! One signed-in device and the waits the tests share.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Result};
use jid::BareJid;
use tandem_client::{Events, Session, SessionConfig};
use tandem_core::event::{Event, MessageView};
use tandem_core::model::Show;
use tandem_core::notify::Decision;
use tandem_core::readstate::ReadSource;
use tandem_core::store::Store;
use tandem_store::SqliteStore;

use crate::PATIENCE;

/// One of our devices: a live session, its events and its store.
pub struct Dev {
    /// `user/resource`, for messages.
    pub name: String,
    /// The live session.
    pub session: Session,
    /// What the session reports.
    pub events: Events,
    /// The device's own SQLite database.
    pub store: Arc<SqliteStore>,
    /// The account's bare JID.
    pub account: BareJid,
    /// The configuration it signed in with (to sign in again).
    pub config: SessionConfig,
}

/// A presence event from our account's `resource` (or any contact's) with this show.
pub fn presence_of(resource: &str, show: Show) -> impl Fn(&Event) -> bool + '_ {
    move |e| {
        matches!(e, Event::Presence { jid, show: s, .. }
            if *s == show && jid.resource().is_some_and(|r| r.as_str() == resource))
    }
}

impl Dev {
    /// Waits until the catch-up that runs on every connect has finished.
    pub async fn caught_up(&mut self) -> Result<(u64, u64)> {
        loop {
            match self.next_event().await? {
                Event::CatchUp {
                    stored,
                    duplicates,
                    done: true,
                    ..
                } => return Ok((stored, duplicates)),
                _ => continue,
            }
        }
    }

    /// The next event, or an error after [`PATIENCE`].
    pub async fn next_event(&mut self) -> Result<Event> {
        match tokio::time::timeout(PATIENCE, self.events.recv()).await {
            Ok(Some(e)) => Ok(e),
            Ok(None) => Err(anyhow!("{}: session ended", self.name)),
            Err(_) => Err(anyhow!("{}: no event within {PATIENCE:?}", self.name)),
        }
    }

    /// The first event that `pred` accepts (`what` names it in the error after [`PATIENCE`]
    /// without one).
    pub async fn until(&mut self, what: &str, pred: impl Fn(&Event) -> bool) -> Result<Event> {
        loop {
            let e = self
                .next_event()
                .await
                .map_err(|e| anyhow!("{}: waiting for {what}: {e}", self.name))?;
            if pred(&e) {
                return Ok(e);
            }
        }
    }

    /// Waits for the next read-state change and says where it came from.
    pub async fn read_source(&mut self, what: &str) -> Result<ReadSource> {
        match self
            .until(what, |e| matches!(e, Event::Read { .. }))
            .await?
        {
            Event::Read { source, .. } => Ok(source),
            _ => unreachable!("until returns what the predicate accepts"),
        }
    }

    /// The notification decision about the message with this body.
    pub async fn decision_for(&mut self, body: &str) -> Result<Decision> {
        let mut id = None;
        loop {
            match self.next_event().await? {
                Event::Message(m) if m.body == body => id = Some(m.id),
                Event::Notification {
                    message_id,
                    decision,
                    ..
                } if Some(message_id) == id => return Ok(decision),
                _ => {}
            }
        }
    }

    /// Waits for the message with this body to be stored on this device.
    pub async fn expect_message(&mut self, body: &str) -> Result<MessageView> {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some(Event::Message(m))) if m.body == body => return Ok(m),
                Ok(Some(_)) => continue,
                Ok(None) => {
                    return Err(anyhow!("{}: session ended waiting for {body:?}", self.name))
                }
                Err(_) => {
                    return Err(anyhow!(
                        "{}: {body:?} did not arrive within {PATIENCE:?}",
                        self.name
                    ))
                }
            }
        }
    }

    /// Everything this device reported while waiting for the message with this body.
    pub async fn events_until(&mut self, body: &str) -> Result<Vec<Event>> {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        let mut seen = Vec::new();
        loop {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some(Event::Message(m))) if m.body == body => return Ok(seen),
                Ok(Some(e)) => seen.push(e),
                Ok(None) => {
                    return Err(anyhow!("{}: session ended waiting for {body:?}", self.name))
                }
                Err(_) => {
                    return Err(anyhow!(
                        "{}: {body:?} did not arrive; saw {seen:?}",
                        self.name
                    ))
                }
            }
        }
    }

    /// Checks that no message with this body is stored during `quiet`.
    pub async fn expect_no_message(&mut self, body: &str, quiet: Duration) -> Result<()> {
        let deadline = tokio::time::Instant::now() + quiet;
        loop {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some(Event::Message(m))) if m.body == body => {
                    return Err(anyhow!(
                        "{}: unexpectedly got {body:?} ({:?})",
                        self.name,
                        m.via
                    ))
                }
                Ok(Some(_)) => continue,
                Ok(None) | Err(_) => return Ok(()),
            }
        }
    }

    /// The bodies of the stored conversation with `peer`, in history order.
    pub async fn bodies(&self, peer: &BareJid) -> Result<Vec<String>> {
        Ok(self
            .store
            .history(&self.account, peer)
            .await?
            .into_iter()
            .map(|m| m.body)
            .collect())
    }

    /// Sends many messages, up to 100 in flight at once, each acknowledged by the server.
    pub async fn send_many(
        &self,
        to: &BareJid,
        bodies: impl Iterator<Item = String>,
    ) -> Result<()> {
        let bodies: Vec<String> = bodies.collect();
        for chunk in bodies.chunks(100) {
            let sends = chunk
                .iter()
                .map(|b| self.session.send(to.clone(), b.clone()));
            for r in futures::future::join_all(sends).await {
                r?;
            }
        }
        Ok(())
    }

    /// Signs out cleanly.
    pub async fn close(self) {
        self.session.close().await;
    }
}
