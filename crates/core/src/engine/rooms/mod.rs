//! Group chat on every device (XEP-0045 rooms): bookmarks that join a room everywhere
//! (XEP-0402), each room's history from its own archive (XEP-0313 at the room), exactly once,
//! occupants, self-pings that keep rooms joined (XEP-0410), and the room notification rule.
//!
//! A room's state here lives only while the stream does: a fresh login (`Input::Online`)
//! starts every room from `Left` and joins the bookmarked ones again; a resumed stream keeps
//! them, and pings each to be sure.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use jid::{BareJid, FullJid, Jid};

use super::inbound::{Envelope, Failure, MessageFacts, MucFacts, PresenceFacts, PubsubItem};
use super::outbound::{Outbound, Request};
use super::{Engine, Pending};
use crate::catchup::{CatchUp, PageRequest, Step};
use crate::event::{ErrorKind, Event, MessageView, OccupantChange, RoomStatus};
use crate::model::{DedupKeys, Direction, NewMessage, Show, StoredMessage, Via};
use crate::notify::{Decision, SilentReason};
use crate::readstate::{ReadPosition, ReadSource};
use crate::room::{self, Room, RoomMeta, RoomNotify};
use crate::rules;
use crate::store::{Inserted, Store};

mod history;
mod membership;
mod presence;

/// The PEP node of XEP-0402 bookmarks.
pub const BOOKMARKS_NODE: &str = "urn:xmpp:bookmarks:1";
/// Our account advertises XEP-0402 bookmarks (kept in sync with XEP-0048 private storage).
pub const BOOKMARKS_COMPAT: &str = "urn:xmpp:bookmarks:1#compat";

/// A room advertises XEP-0359 stanza-ids it stamps itself.
const SID_FEATURE: &str = "urn:xmpp:sid:0";
/// A room advertises a XEP-0313 archive.
const MAM_FEATURE: &str = "urn:xmpp:mam:2";
/// A room advertises XEP-0421 occupant-ids.
const OCCUPANT_ID_FEATURE: &str = "urn:xmpp:occupant-id:0";

/// How long a joined room may be quiet before this device pings itself in it (XEP-0410).
pub const SELF_PING_IDLE: Duration = Duration::minutes(5);
/// How long a self-ping may go unanswered before the room counts as lost.
pub const SELF_PING_TIMEOUT: Duration = Duration::seconds(60);
/// How many other nicks a join tries when ours is taken (`nick_`, `nick__`, ...).
const NICK_RETRIES: u8 = 3;
/// The most rooms one account keeps state for: bookmarks are input too.
pub const MAX_ROOMS: usize = 512;
/// The most occupants one room's list keeps.
pub const MAX_OCCUPANTS: usize = 5_000;

/// An occupant of a room, as this device knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OccupantInfo {
    /// Its nick.
    pub nick: String,
    /// Its role.
    pub role: String,
    /// Its affiliation.
    pub affiliation: String,
    /// Its real JID, where the room shows it.
    pub jid: Option<Jid>,
    /// Its XEP-0421 occupant-id, where the room offers them.
    pub occupant_id: Option<String>,
}

/// What the room offers, from its disco#info.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Features {
    sid: bool,
    mam: bool,
    occupant_id: bool,
}

/// A room of ours on this device.
#[derive(Debug, Clone)]
pub(super) struct RoomState {
    room: Room,
    status: RoomStatus,
    /// The nick of the join in flight (ours plus underscores after a conflict).
    joining_nick: Option<String>,
    nick_tries: u8,
    /// Create it when it does not exist: members-only or not.
    create: Option<bool>,
    /// The user joined it here: publish its bookmark once the room can be entered (joined,
    /// and configured if we created it), so no other device of ours tries a locked room.
    bookmark_when_open: bool,
    occupants: BTreeMap<String, OccupantInfo>,
    our_occupant_id: Option<String>,
    features: Features,
    catch_up: Option<CatchUp>,
    page: Vec<NewMessage>,
    stored: u64,
    duplicates: u64,
    /// When the room last said anything to us.
    last_heard: DateTime<Utc>,
    /// A self-ping in flight, since.
    ping_sent: Option<DateTime<Utc>>,
}

impl RoomState {
    fn new(room: Room, now: DateTime<Utc>) -> Self {
        Self {
            room,
            status: RoomStatus::Left,
            joining_nick: None,
            nick_tries: 0,
            create: None,
            bookmark_when_open: false,
            occupants: BTreeMap::new(),
            our_occupant_id: None,
            features: Features::default(),
            catch_up: None,
            page: Vec::new(),
            stored: 0,
            duplicates: 0,
            last_heard: now,
            ping_sent: None,
        }
    }

    /// Our occupant-id, where the room's are to be believed.
    fn trusted_occupant_id(&self) -> Option<&str> {
        self.our_occupant_id
            .as_deref()
            .filter(|_| self.features.occupant_id)
    }

    fn occupant_jid(&self) -> Option<FullJid> {
        self.room.jid.with_resource_str(&self.room.nick).ok()
    }
}

/// A room as a front end lists it: what is stored, and where it stands on this device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomView {
    /// The stored room.
    pub room: Room,
    /// Where it stands here.
    pub status: RoomStatus,
    /// Its occupants, by nick.
    pub occupants: Vec<OccupantInfo>,
}

impl Engine {
    /// Our rooms and where each stands on this device, by JID.
    pub fn rooms(&self) -> Vec<RoomView> {
        let mut all: Vec<RoomView> = self
            .rooms
            .values()
            .map(|s| RoomView {
                room: s.room.clone(),
                status: s.status,
                occupants: s.occupants.values().cloned().collect(),
            })
            .collect();
        all.sort_by(|a, b| a.room.jid.cmp(&b.room.jid));
        all
    }

    /// Whether `jid` is one of our rooms.
    pub fn is_room(&self, jid: &BareJid) -> bool {
        self.rooms.contains_key(jid)
    }

    /// Whether the room stamps its own stanza-ids (advertises `urn:xmpp:sid:0`), which
    /// XEP-0424 retractions and XEP-0333 markers name there.
    pub(in crate::engine) fn room_has_stanza_ids(&self, jid: &BareJid) -> bool {
        self.rooms.get(jid).is_some_and(|s| s.features.sid)
    }

    /// Rooms are per-account state too: which rooms the engine knows (for tests).
    #[cfg(test)]
    pub(super) fn room_status(&self, jid: &BareJid) -> Option<RoomStatus> {
        self.rooms.get(jid).map(|s| s.status)
    }
}

/// The rooms a device tracks, by JID.
pub(super) type Rooms = HashMap<BareJid, RoomState>;
