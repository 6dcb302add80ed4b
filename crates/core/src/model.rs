//! Model types shared by every layer: messages, conversations, devices.
//!
//! These are the types the store persists, events carry and the CLI prints. They hold no
//! wire types; `tandem-client` converts stanzas into them exactly once.

use chrono::{DateTime, Utc};
use jid::{BareJid, FullJid, Jid};
use serde::{Deserialize, Serialize};

use crate::room::RoomMeta;

/// Whether a message was sent to us or by one of our devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Sent by the contact to us.
    In,
    /// Sent by one of our own devices.
    Out,
}

impl Direction {
    /// The stable text form used in the database and JSON (`"in"` / `"out"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }

    /// Parses the text form written by [`Direction::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "in" => Some(Direction::In),
            "out" => Some(Direction::Out),
            _ => None,
        }
    }
}

/// How a copy of a message reached this device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// Sent from this device.
    Local,
    /// Delivered directly to this device.
    Live,
    /// A copy of a message one of our other devices received (XEP-0280 `<received/>`).
    CarbonReceived,
    /// A copy of a message one of our other devices sent (XEP-0280 `<sent/>`).
    CarbonSent,
    /// Fetched from the server archive (XEP-0313) during catch-up.
    Archive,
}

impl Via {
    /// The stable text form used in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Local => "local",
            Via::Live => "live",
            Via::CarbonReceived => "carbon_received",
            Via::CarbonSent => "carbon_sent",
            Via::Archive => "archive",
        }
    }

    /// Parses the text form written by [`Via::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "local" => Via::Local,
            "live" => Via::Live,
            "carbon_received" => Via::CarbonReceived,
            "carbon_sent" => Via::CarbonSent,
            "archive" => Via::Archive,
            _ => return None,
        })
    }

    /// Whether this copy is a carbon of another device's traffic.
    pub fn is_carbon(self) -> bool {
        matches!(self, Via::CarbonReceived | Via::CarbonSent)
    }
}

/// The keys that identify one message across its live, carbon and archive copies.
///
/// Built by [`crate::rules::dedup_keys`]; the store enforces uniqueness on each key that is
/// present, scoped to account, conversation (and for origin-id, direction).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DedupKeys {
    /// XEP-0359 stanza-id stamped by our own server (`by` = our bare JID).
    pub stanza_id: Option<String>,
    /// XEP-0359 origin-id chosen by the sending client.
    pub origin_id: Option<String>,
}

impl DedupKeys {
    /// True when no key is known: such a message cannot be recognised again.
    pub fn is_empty(&self) -> bool {
        self.stanza_id.is_none() && self.origin_id.is_none()
    }
}

/// A one-to-one chat message about to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    /// The contact this conversation is with.
    pub peer: BareJid,
    /// Who sent it, as a full JID where known (the sending device's resource).
    pub from: Jid,
    /// In or out.
    pub direction: Direction,
    /// The text.
    pub body: String,
    /// The server's time for the message (XEP-0203 delay where present, else arrival).
    pub timestamp: DateTime<Utc>,
    /// How this copy arrived.
    pub via: Via,
    /// Identity for deduplication.
    pub keys: DedupKeys,
    /// The stanza's own `id` attribute (used to match receipts).
    pub stanza_attr_id: Option<String>,
    /// For a room message: who wrote it (the occupant) and whether it mentions us.
    pub room: Option<RoomMeta>,
    /// What it does to an earlier message of its conversation, when it is a XEP-0308
    /// correction or a XEP-0424 retraction rather than a message of its own.
    pub edit: Option<EditOf>,
}

/// A correction (XEP-0308) or retraction (XEP-0424): the earlier message it names, and
/// what it does to it. A store applies it only when [`crate::rules::may_edit`] says the
/// same author wrote both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditOf {
    /// The id the edit names: the original's `id` attribute or origin-id (a correction, a
    /// one-to-one retraction), or the room's stanza-id (a retraction in a room).
    pub target: String,
    /// Replace the text, or retract the message.
    pub kind: EditKind,
}

/// What was done to a stored message after it arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum EditKind {
    /// Its author corrected it (XEP-0308): the body is the latest correction's.
    Corrected,
    /// Its author retracted it (XEP-0424): the body is gone.
    Retracted,
}

impl EditKind {
    /// The stable text form used in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            EditKind::Corrected => "corrected",
            EditKind::Retracted => "retracted",
        }
    }

    /// Parses the text form written by [`EditKind::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "corrected" => Some(EditKind::Corrected),
            "retracted" => Some(EditKind::Retracted),
            _ => None,
        }
    }
}

/// The last edit applied to a stored message, and the server's time of that edit (a copy
/// of an older correction that arrives later changes nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edited {
    /// Corrected or retracted.
    pub kind: EditKind,
    /// The edit's server time.
    pub at: DateTime<Utc>,
}

/// Row id of a stored message, unique per profile.
///
/// Serialised as the bare number: serde writes a newtype struct as its content (no
/// `#[serde(transparent)]` needed, which ts-rs would not understand).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MessageId(#[cfg_attr(feature = "ts", ts(type = "number"))] pub i64);

/// A message as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredMessage {
    /// Its row id.
    pub id: MessageId,
    /// The contact this conversation is with.
    pub conversation: BareJid,
    /// The text.
    pub body: String,
    /// In or out.
    pub direction: Direction,
    /// The sending device or contact, as a full JID where known.
    pub from: Jid,
    /// The server's time.
    pub timestamp: DateTime<Utc>,
    /// Whether the conversation was read past this message (outgoing ones always are).
    pub read: bool,
    /// Whether the contact's client confirmed delivery (XEP-0184), for outgoing messages.
    pub delivered: bool,
    /// Whether the contact displayed it or a later message of ours (a XEP-0333 displayed
    /// marker from the contact), for outgoing messages.
    pub seen: bool,
    /// How the stored copy arrived.
    pub via: Via,
    /// Keys used for deduplication.
    pub keys: DedupKeys,
    /// The stanza's own `id` attribute, which XEP-0333 markers and XEP-0184 receipts name.
    pub stanza_attr_id: Option<String>,
    /// Where the message stands among those of its second: the server's order (see
    /// [`StoredMessage::order`]).
    pub rank: i64,
    /// For a room message: who wrote it (the occupant) and whether it mentions us.
    pub room: Option<RoomMeta>,
    /// The last correction or retraction its author applied, if any.
    pub edited: Option<Edited>,
}

impl StoredMessage {
    /// History order: the server's time, then the server's order within the second
    /// (`rank`), then the row id. Every store sorts by this.
    ///
    /// A copy gets the next rank when it is stored, and again when its archive copy meets
    /// a copy that came another way (live, carbon, sent here), together with the archive's
    /// time: so a live copy that arrived while catch-up was still paging through older
    /// messages of the same second moves behind them, where the server archived it.
    pub fn order(&self) -> (DateTime<Utc>, i64, MessageId) {
        (self.timestamp, self.rank, self.id)
    }

    /// Whether it arrived as a carbon.
    pub fn carbon(&self) -> bool {
        self.via.is_carbon()
    }
    /// Whether it arrived through catch-up from the archive.
    pub fn archived(&self) -> bool {
        self.via == Via::Archive
    }
}

/// What kind of device a resource runs on, from its XEP-0030 identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum DeviceType {
    /// `client/pc`.
    Desktop,
    /// `client/phone`.
    Phone,
    /// `client/handheld`.
    Tablet,
    /// `client/web`.
    Web,
    /// The device did not say.
    #[default]
    Unknown,
}

impl DeviceType {
    /// Maps an XEP-0030 identity (category, type) to a device type.
    pub fn from_identity(category: &str, type_: &str) -> Self {
        if category != "client" {
            return DeviceType::Unknown;
        }
        match type_ {
            "pc" => DeviceType::Desktop,
            "phone" => DeviceType::Phone,
            "handheld" => DeviceType::Tablet,
            "web" => DeviceType::Web,
            _ => DeviceType::Unknown,
        }
    }

    /// The XEP-0030 `client/…` identity type we advertise for this device type.
    pub fn identity_type(self) -> &'static str {
        match self {
            DeviceType::Desktop | DeviceType::Unknown => "pc",
            DeviceType::Phone => "phone",
            DeviceType::Tablet => "handheld",
            DeviceType::Web => "web",
        }
    }

    /// The stable text form (`desktop`, `phone`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceType::Desktop => "desktop",
            DeviceType::Phone => "phone",
            DeviceType::Tablet => "tablet",
            DeviceType::Web => "web",
            DeviceType::Unknown => "unknown",
        }
    }

    /// Parses the text form written by [`DeviceType::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "desktop" => DeviceType::Desktop,
            "phone" => DeviceType::Phone,
            "tablet" => DeviceType::Tablet,
            "web" => DeviceType::Web,
            "unknown" => DeviceType::Unknown,
            _ => return None,
        })
    }
}

/// Presence availability of a device or contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Show {
    /// Available with no `<show/>`.
    Available,
    /// Free for chat.
    Chat,
    /// Away.
    Away,
    /// Extended away.
    Xa,
    /// Do not disturb.
    Dnd,
    /// Offline.
    Unavailable,
}

impl Show {
    /// The stable text form.
    pub fn as_str(self) -> &'static str {
        match self {
            Show::Available => "available",
            Show::Chat => "chat",
            Show::Away => "away",
            Show::Xa => "xa",
            Show::Dnd => "dnd",
            Show::Unavailable => "unavailable",
        }
    }

    /// Parses the text form written by [`Show::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "available" => Show::Available,
            "chat" => Show::Chat,
            "away" => Show::Away,
            "xa" => Show::Xa,
            "dnd" => Show::Dnd,
            "unavailable" => Show::Unavailable,
            _ => return None,
        })
    }
}

/// One of our account's devices (a resource), as last seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Device {
    /// The resource's full JID.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub jid: FullJid,
    /// Its resource part.
    pub resource: String,
    /// Its presence.
    pub show: Show,
    /// Its kind.
    pub device_type: DeviceType,
    /// Whether it is online as far as we last saw.
    pub online: bool,
    /// Whether it is the device this profile runs.
    pub this_device: bool,
    /// When we last saw its presence change.
    pub last_seen: DateTime<Utc>,
}

/// One conversation as a conversation list shows it: the contact, the newest message and
/// how many incoming messages are not read yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationSummary {
    /// The contact.
    pub peer: BareJid,
    /// The newest message (server time, then arrival).
    pub last: StoredMessage,
    /// Incoming messages not read yet.
    pub unread: u64,
    /// The conversation is one of our rooms (the peer is the room's JID).
    pub room: bool,
    /// Unread room messages that mention us.
    pub mentions: u64,
}

/// Archive stamps (XEP-0203 delays) carry whole seconds, while live messages are stamped
/// with our clock. Keeping every timestamp to the second makes copies from both sources sort
/// together; within a second, the server's order decides ([`StoredMessage::order`]).
pub fn server_second(t: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::SubsecRound;
    t.trunc_subsecs(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_id_is_a_bare_number_in_json() {
        assert_eq!(serde_json::to_string(&MessageId(42)).expect("json"), "42");
        assert_eq!(
            serde_json::from_str::<MessageId>("42").expect("json"),
            MessageId(42)
        );
    }
}
