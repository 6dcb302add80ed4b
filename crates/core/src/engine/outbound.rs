//! What the engine asks the I/O around it to do: stanzas to send, as model values (the wire
//! layer turns them into XML), and events for front ends.

use chrono::{DateTime, Utc};
use jid::{BareJid, FullJid, Jid};

use super::inbound::MessageKind;
use crate::catchup::PageRequest;
use crate::event::Event;
use crate::model::{DeviceType, Show};

/// A chat message of ours: sent with XEP-0359 origin-id (= `id`), a XEP-0184 receipt
/// request and XEP-0333 `<markable/>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chat {
    /// To whom: a bare JID (all the contact's devices) or a full JID (one device).
    pub to: Jid,
    /// The stanza id, also its origin-id.
    pub id: String,
    /// The text.
    pub body: String,
    /// One-to-one (`Chat`) or to a room (`Groupchat`: no receipt request).
    pub kind: MessageKind,
    /// A correction (XEP-0308) or retraction (XEP-0424) of an earlier message of ours: the
    /// id it names, and what it does. A retraction's body is the fallback text for clients
    /// without XEP-0424.
    pub edit: Option<crate::model::EditOf>,
}

/// A request the engine waits an answer for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// XEP-0280: enable (`true`) or disable carbons.
    Carbons(bool),
    /// RFC 6121: fetch the roster.
    Roster,
    /// XEP-0313: one page of our archive.
    ArchivePage(PageRequest),
    /// XEP-0030: what a device of ours is.
    DiscoInfo,
    /// XEP-0490: publish a conversation's read position to our PEP.
    PublishMds {
        /// The conversation (the item id).
        peer: BareJid,
        /// The stanza-id (by our account, or for a room by the room) of the newest message
        /// read.
        stanza_id: String,
        /// Who stamped the stanza-id: our account, or the room.
        by: BareJid,
    },
    /// XEP-0402: our bookmarks (the items of our PEP node `urn:xmpp:bookmarks:1`).
    Bookmarks,
    /// XEP-0402: publish one room's bookmark (item id = the room's JID) with
    /// `pubsub#access_model` whitelist and `pubsub#persist_items`.
    PublishBookmark {
        /// The room.
        room: BareJid,
        /// Its name.
        name: Option<String>,
        /// Join it on every device.
        autojoin: bool,
        /// Our nick.
        nick: String,
    },
    /// XEP-0048: our bookmarks in private storage (XEP-0049), on servers without XEP-0402.
    LegacyBookmarks,
    /// XEP-0048: store every room's bookmark in private storage (it is one document).
    StoreLegacyBookmarks(Vec<crate::room::Room>),
    /// XEP-0030: what a room offers (`to` is the room).
    RoomInfo,
    /// XEP-0313: one page of a room's archive (`to` is the room).
    RoomPage(PageRequest),
    /// XEP-0410: are we still in the room? (a ping to our own occupant JID).
    SelfPing,
    /// XEP-0045 §10.1: configure a room we just created (`to` is the room): an instant
    /// room, or members-only.
    ConfigureRoom {
        /// Only members may enter.
        members_only: bool,
    },
}

/// An answer to a request someone sent us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// An empty result (a ping, a roster push).
    Empty,
    /// Our disco#info (XEP-0030, XEP-0115), at a node or none.
    DiscoInfo {
        /// The node asked about.
        node: Option<String>,
        /// What this device is.
        device: DeviceType,
    },
    /// `service-unavailable`: we do not answer that.
    ServiceUnavailable,
}

/// A stanza (or nonza) to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outbound {
    /// A XEP-0184 receipt for a message we received.
    Receipt {
        /// The sender of the message.
        to: Jid,
        /// This stanza's id.
        id: String,
        /// The message it confirms.
        of: String,
        /// The type of the message it confirms.
        kind: MessageKind,
    },
    /// A XEP-0333 displayed marker (carbons copy it to our other devices).
    Displayed {
        /// The contact.
        to: BareJid,
        /// This stanza's id.
        id: String,
        /// The contact's message, by its own id.
        of: String,
    },
    /// Our presence: `show`, with our entity capabilities (XEP-0115) for `device`, and
    /// XEP-0319 idle when `idle_since` is set (in the background).
    Presence {
        /// What we announce.
        show: Show,
        /// In the background since.
        idle_since: Option<DateTime<Utc>>,
        /// What this device is (its caps hash is computed from it).
        device: DeviceType,
    },
    /// XEP-0045: enter a room as `to` (room/nick), asking for no history
    /// (`<history maxstanzas='0'/>`): the room's archive brings it.
    JoinRoom {
        /// Our occupant JID.
        to: FullJid,
    },
    /// XEP-0045: leave a room (unavailable presence to our occupant JID).
    LeaveRoom {
        /// Our occupant JID.
        to: FullJid,
    },
    /// XEP-0045 mediated invite, sent through the room.
    InviteToRoom {
        /// The room.
        room: BareJid,
        /// Who is invited.
        invitee: BareJid,
    },
    /// XEP-0352 client state: `<active/>` or `<inactive/>`.
    ClientState {
        /// In the foreground.
        active: bool,
    },
    /// A request; its answer comes back as an IQ result or error with this id.
    Request {
        /// The IQ id.
        id: String,
        /// To whom (absent: our own account).
        to: Option<Jid>,
        /// What is asked.
        request: Request,
    },
    /// An answer to someone's IQ.
    Reply {
        /// Who asked.
        to: Jid,
        /// Their IQ id.
        id: String,
        /// The answer.
        reply: Reply,
    },
}

/// What the engine asks for, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Put this on the wire.
    Send(Outbound),
    /// Tell front ends (already true in the store).
    Emit(Event),
    /// The session is up: the server answered the carbons request of the first login.
    Ready(FullJid),
}
