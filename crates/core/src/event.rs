//! Events the engine publishes to its front ends (CLI, desktop app, scenario runner).
//!
//! Serialised with `serde` as one JSON object per event, tagged by an `event` field; this is
//! the stable `tandem listen --json` format.

use chrono::{DateTime, Utc};
use jid::{BareJid, FullJid, Jid};
use serde::Serialize;

use crate::model::{Device, Direction, MessageId, Show, StoredMessage, Via};

/// A stored message as front ends see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageView {
    /// Row id.
    pub id: MessageId,
    /// The contact.
    pub conversation: BareJid,
    /// The text.
    pub body: String,
    /// In or out.
    pub direction: Direction,
    /// The sending device or contact.
    pub from: Jid,
    /// Server time, RFC 3339.
    pub timestamp: DateTime<Utc>,
    /// Read past this message.
    pub read: bool,
    /// Delivery confirmed by the contact (outgoing).
    pub delivered: bool,
    /// Arrived as a carbon.
    pub carbon: bool,
    /// Arrived through catch-up.
    pub archived: bool,
    /// How it arrived.
    pub via: Via,
}

impl From<&StoredMessage> for MessageView {
    fn from(m: &StoredMessage) -> Self {
        Self {
            id: m.id,
            conversation: m.conversation.clone(),
            body: m.body.clone(),
            direction: m.direction,
            from: m.from.clone(),
            timestamp: m.timestamp,
            read: m.read,
            delivered: m.delivered,
            carbon: m.carbon(),
            archived: m.archived(),
            via: m.via,
        }
    }
}

/// Why the session went offline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OfflineReason {
    /// The connection dropped; the engine is reconnecting.
    ConnectionLost,
    /// The user asked to go offline.
    Requested,
}

/// Something a front end should know about.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Event {
    /// The session is online (again).
    Connected {
        /// Our bound full JID.
        jid: FullJid,
        /// Whether the previous stream was resumed (XEP-0198) rather than started anew.
        resumed: bool,
    },
    /// The session went offline.
    Disconnected {
        /// Why.
        reason: OfflineReason,
    },
    /// A message was stored (each message once, whatever copies arrive).
    Message(MessageView),
    /// A contact's or device's presence changed.
    Presence {
        /// Whose presence.
        jid: Jid,
        /// Their availability.
        show: Show,
    },
    /// Our account's set of devices changed.
    Device {
        /// All devices as now known, this one included.
        devices: Vec<Device>,
    },
    /// The contact's client confirmed delivery of one of our messages.
    Delivered {
        /// The contact.
        conversation: BareJid,
        /// Our message.
        id: MessageId,
    },
    /// Catch-up progress, after each archive page and once at the end.
    CatchUp {
        /// Messages newly stored in this run.
        stored: u64,
        /// Copies already stored and skipped.
        duplicates: u64,
        /// Pages read.
        pages: u64,
        /// The archive has been read to its end.
        done: bool,
    },
    /// Something went wrong that the user should see; the session goes on.
    Error {
        /// One line, for people.
        message: String,
    },
}
