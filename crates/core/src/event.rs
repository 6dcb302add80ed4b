//! Events the engine publishes to its front ends (CLI, desktop app, scenario runner).
//!
//! Serialised with `serde` as one JSON object per event, tagged by an `event` field; this is
//! the stable `tandem listen --json` format.

use chrono::{DateTime, Utc};
use jid::{BareJid, FullJid, Jid};
use serde::{Deserialize, Serialize};

use crate::model::{Device, Direction, EditKind, MessageId, Show, StoredMessage, Via};
use crate::notify::Decision;
use crate::readstate::ReadSource;
use crate::room::RoomMeta;

/// A stored message as front ends see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MessageView {
    /// Row id.
    pub id: MessageId,
    /// The contact.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub conversation: BareJid,
    /// The text.
    pub body: String,
    /// In or out.
    pub direction: Direction,
    /// The sending device or contact.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub from: Jid,
    /// Server time, RFC 3339.
    pub timestamp: DateTime<Utc>,
    /// Read past this message.
    pub read: bool,
    /// Delivery confirmed by the contact (outgoing).
    pub delivered: bool,
    /// Displayed by the contact (outgoing): they sent a XEP-0333 displayed marker for it or
    /// a later message of ours.
    pub seen: bool,
    /// Arrived as a carbon.
    pub carbon: bool,
    /// Arrived through catch-up.
    pub archived: bool,
    /// How it arrived.
    pub via: Via,
    /// A one-to-one chat message or a room message.
    pub kind: ChatKind,
    /// For a room message: the occupant who wrote it, and whether it mentions us.
    pub occupant: Option<RoomMeta>,
    /// Corrected (the body is the latest text) or retracted (the body is empty) by its
    /// author; absent for a message as it was sent.
    pub edited: Option<EditKind>,
}

/// Whether a message belongs to a one-to-one chat or a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum ChatKind {
    /// One-to-one.
    Chat,
    /// A room (XEP-0045).
    Groupchat,
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
            seen: m.seen,
            carbon: m.carbon(),
            archived: m.archived(),
            via: m.via,
            kind: if m.room.is_some() {
                ChatKind::Groupchat
            } else {
                ChatKind::Chat
            },
            occupant: m.room.clone(),
            edited: m.edited.map(|e| e.kind),
        }
    }
}

/// Why the session went offline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OfflineReason {
    /// The connection dropped; the engine is reconnecting.
    ConnectionLost,
    /// The user asked to go offline.
    Requested,
}

/// What kind of failure an [`Event::Error`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// Signing in again after a drop failed (the message says why); the session keeps trying.
    Reconnecting,
    /// The store failed; what was already stored is untouched.
    Storage,
    /// A stanza that is not what it claims (a forged carbon) was dropped.
    Forged,
    /// The server refused or failed a request (carbons, the archive, PEP).
    Server,
    /// A command the user gave could not be carried out.
    Command,
}

/// Foreground or background, as told to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum QuietState {
    /// In the foreground: the server sends everything at once.
    Active,
    /// In the background: the server may hold back what is not urgent.
    Inactive,
}

/// Where a room of ours stands on this device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum RoomStatus {
    /// Join presence sent, waiting for the room.
    Joining,
    /// In the room.
    Joined,
    /// Not in the room (left here or on another device, or kicked).
    Left,
    /// The room is gone (destroyed, or not found): not rejoined.
    Gone,
}

/// What happened to an occupant.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OccupantChange {
    /// Joined (or was already there when we joined).
    Joined,
    /// Left.
    Left,
    /// Changed their nick to `to`.
    Renamed {
        /// The new nick.
        to: String,
    },
}

/// Something a front end should know about.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Event {
    /// The session is online (again).
    Connected {
        /// Our bound full JID.
        #[cfg_attr(feature = "ts", ts(type = "string"))]
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
    /// A stored message was corrected or retracted by its author: the message as it now
    /// is, under the id it was first shown with.
    Edited(MessageView),
    /// A contact's or device's presence changed.
    Presence {
        /// Whose presence.
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        jid: Jid,
        /// Their availability.
        show: Show,
        /// When it was sent, if the server held it back or replayed it (XEP-0203 delay).
        #[serde(skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        delay: Option<DateTime<Utc>>,
    },
    /// Our account's set of devices changed.
    Device {
        /// All devices as now known, this one included.
        devices: Vec<Device>,
    },
    /// The contact's client confirmed delivery of one of our messages.
    Delivered {
        /// The contact.
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        conversation: BareJid,
        /// Our message.
        id: MessageId,
    },
    /// The contact displayed our messages up to this one (a XEP-0333 displayed marker from
    /// their client): it and every earlier outgoing message of the conversation are seen.
    /// Only moves forward.
    Seen {
        /// The contact.
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        conversation: BareJid,
        /// Our newest message now seen.
        up_to: MessageId,
    },
    /// Catch-up progress, after each archive page and once at the end.
    CatchUp {
        /// Messages newly stored in this run.
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        stored: u64,
        /// Copies already stored and skipped.
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        duplicates: u64,
        /// Pages read.
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        pages: u64,
        /// The archive has been read to its end.
        done: bool,
    },
    /// What this device decided about notifying for a newly stored message, and why.
    /// Flattened: `{"event":"notification","conversation":..,"message_id":..,
    /// "decision":"silent","reason":"active_elsewhere","device":"laptop"}`.
    Notification {
        /// The conversation.
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        conversation: BareJid,
        /// The message.
        message_id: MessageId,
        /// Notify, or silent with a reason.
        #[serde(flatten)]
        decision: Decision,
    },
    /// A notification shown for this conversation is withdrawn (it was read elsewhere).
    Withdrawn {
        /// The conversation.
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        conversation: BareJid,
    },
    /// The conversation's read position moved forward.
    Read {
        /// The conversation.
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        conversation: BareJid,
        /// The newest message now read.
        up_to: MessageId,
        /// What moved it: this device, a displayed marker or an MDS item from another device
        /// of ours, or a reply sent from another device.
        source: ReadSource,
    },
    /// This device entered or left quiet mode (XEP-0352 client state).
    Quiet {
        /// `active` (foreground) or `inactive` (background).
        state: QuietState,
        /// Whether the server was told (it advertises `urn:xmpp:csi:0`).
        server: bool,
    },
    /// This device's counters, on request.
    Counters(crate::counters::Counters),
    /// A room of ours changed state on this device (joined, left, gone).
    Room {
        /// The room.
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        room: BareJid,
        /// Its state now.
        state: RoomStatus,
        /// Why, in one line, when it left or is gone (kicked, destroyed, not found, ...).
        #[serde(skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        reason: Option<String>,
    },
    /// Someone joined, left or renamed themselves in a room we are in.
    Occupant {
        /// The room.
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        room: BareJid,
        /// The occupant's nick (the old one for a nick change).
        nick: String,
        /// What happened.
        change: OccupantChange,
        /// Its role now (`moderator`, `participant`, `visitor`, `none`).
        role: String,
        /// It is us.
        this_is_us: bool,
    },
    /// A room's history was caught up with from its archive (XEP-0313 at the room).
    RoomCatchUp {
        /// The room.
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        room: BareJid,
        /// New messages stored so far in this run.
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        stored: u64,
        /// Copies that were already stored.
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        duplicates: u64,
        /// The room's archive is done.
        done: bool,
    },
    /// Our server stored a room's bookmark (XEP-0402): every device of ours follows it now.
    Bookmarked {
        /// The room.
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        room: BareJid,
        /// Joined on every device (false: left everywhere).
        autojoin: bool,
    },
    /// An invitation to a room (XEP-0045 mediated or XEP-0249 direct).
    Invite {
        /// The room.
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        room: BareJid,
        /// Who invites: their JID, or their occupant JID (room/nick) where the room does not
        /// show real JIDs.
        #[cfg_attr(feature = "ts", ts(type = "string"))]
        from: Jid,
        /// Their reason, if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        reason: Option<String>,
    },
    /// Something went wrong that the user should see; the session goes on.
    Error {
        /// What kind of failure it was.
        kind: ErrorKind,
        /// One line, for people.
        message: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::SilentReason;

    fn json(event: &Event) -> String {
        serde_json::to_string(event).expect("json")
    }

    #[test]
    fn seen_and_viewing_have_their_listen_json_shapes() {
        let bob = crate::testing::bob();
        assert_eq!(
            json(&Event::Seen {
                conversation: bob.clone(),
                up_to: MessageId(7),
            }),
            r#"{"event":"seen","conversation":"bob@example.org","up_to":7}"#
        );
        assert_eq!(
            json(&Event::Notification {
                conversation: bob,
                message_id: MessageId(8),
                decision: Decision::Silent(SilentReason::Viewing),
            }),
            r#"{"event":"notification","conversation":"bob@example.org","message_id":8,"decision":"silent","reason":"viewing"}"#
        );
    }
}
