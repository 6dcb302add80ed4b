//! What crosses the IPC boundary besides the engine's own events: the sign-in form, the
//! signed-in identity, conversation summaries, rooms and settings. TypeScript declarations
//! are generated from these types (see [`crate::bindings`]).

use serde::{Deserialize, Serialize};
use tandem_core::event::{MessageView, RoomStatus};
use tandem_core::model::DeviceType;
use tandem_core::room::RoomNotify;

/// The sign-in form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct SignIn {
    /// The account, `user@domain`.
    pub jid: String,
    /// Its password.
    pub password: String,
    /// `HOST:PORT` to connect to instead of the domain (advanced).
    pub server: Option<String>,
    /// A PEM file with an extra CA to trust (advanced).
    pub ca_file: Option<String>,
    /// The type of this device, shown to the account's other devices.
    pub device: DeviceType,
}

/// The account saved on this device, to prefill the sign-in form (never the password).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct SavedAccount {
    /// The account.
    pub jid: String,
    /// `HOST:PORT`, when set.
    pub server: Option<String>,
    /// The extra CA file, when set.
    pub ca_file: Option<String>,
    /// This device's type.
    pub device: DeviceType,
}

/// Who is signed in, on which device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Me {
    /// The account's bare JID.
    pub account: String,
    /// This device's full JID.
    pub jid: String,
    /// This device's resource (its name among the account's devices).
    pub resource: String,
    /// This device's type.
    pub device: DeviceType,
}

/// One line of the conversation list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ConversationSummary {
    /// The contact's bare JID, or the room's.
    pub peer: String,
    /// The newest message.
    pub last: MessageView,
    /// Incoming messages not yet read.
    pub unread: u32,
    /// The conversation is one of our rooms (`peer` is the room's JID).
    pub room: bool,
    /// Unread room messages that mention us (always 0 for a one-to-one chat).
    pub mentions: u32,
}

/// How `join_room` creates a room that does not exist yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum RoomAccess {
    /// Anyone may enter.
    Open,
    /// Only members (those invited) may enter.
    MembersOnly,
}

impl RoomAccess {
    /// The text form (`open`, `members_only`), as the UI sends it.
    pub fn as_str(self) -> &'static str {
        match self {
            RoomAccess::Open => "open",
            RoomAccess::MembersOnly => "members_only",
        }
    }

    /// Parses the text form written by [`RoomAccess::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(RoomAccess::Open),
            "members_only" => Some(RoomAccess::MembersOnly),
            _ => None,
        }
    }
}

/// A room of ours, as the room view shows it: its bookmark, where it stands on this device
/// and who is in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct RoomInfo {
    /// The room's bare JID.
    pub jid: String,
    /// Its name (the bookmark's, else the room's own), if any.
    pub name: Option<String>,
    /// Our nick in it.
    pub nick: String,
    /// Joined on every device (the bookmark's autojoin).
    pub autojoin: bool,
    /// How it notifies.
    pub notify: RoomNotify,
    /// Where it stands on this device.
    pub status: RoomStatus,
    /// Why the room is gone (destroyed, or not found), once it is.
    pub gone: Option<String>,
    /// Who is in it, by nick (empty unless joined).
    pub occupants: Vec<Occupant>,
}

/// Someone in a room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Occupant {
    /// Their nick.
    pub nick: String,
    /// Their role: `moderator`, `participant`, `visitor` or `none`.
    pub role: String,
    /// Their affiliation: `owner`, `admin`, `member`, `outcast` or `none`.
    pub affiliation: String,
    /// Their real bare JID, where the room shows it.
    pub jid: Option<String>,
}

/// The settings a user can change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct AppSettings {
    /// Multi-device messaging (XEP-0280 carbons) on or off.
    pub multi_device: bool,
    /// How long a device stays the active one after its last Available presence or message.
    pub active_window_secs: u32,
    /// Desktop notifications on or off.
    pub notifications: bool,
    /// This device's type.
    pub device: DeviceType,
}
