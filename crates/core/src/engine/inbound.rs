//! What the engine reads: the facts the wire layer found in a stanza, before any trust
//! decision. The wire layer (`tandem-client`'s `wire`) only parses; whether a carbon is
//! forged, which stanza-id counts or which delay is our server's is decided here, by the
//! engine and the rules it calls, where a test without a server can reach it.

use chrono::{DateTime, Utc};
use jid::{BareJid, FullJid, Jid};

use crate::model::{Direction, EditKind, EditOf, NewMessage, Show, Via};
use crate::rules;

/// The most MDS items one PubSub event is read for: a PEP event carries one item (the
/// publish); a flood of items must not turn into a flood of history lookups.
pub const MAX_MDS_ITEMS: usize = 64;

/// A `<message/>`'s `type` (RFC 6121 §5.2.2).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MessageKind {
    /// One-to-one chat.
    #[default]
    Chat,
    /// A standalone message.
    Normal,
    /// An alert or notice, no reply expected.
    Headline,
    /// A room message (handled elsewhere).
    Groupchat,
    /// A bounce.
    Error,
}

/// A XEP-0203 delay: when, and who says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    /// The time given.
    pub at: DateTime<Utc>,
    /// Who stamped it (absent: nobody said).
    pub from: Option<Jid>,
}

/// One message as the wire read it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageFacts {
    /// `from`, as delivered.
    pub from: Option<Jid>,
    /// `to`, as delivered.
    pub to: Option<Jid>,
    /// The message's own `id` attribute.
    pub id: Option<String>,
    /// Its `type`.
    pub kind: MessageKind,
    /// The body (the best one for us), if any.
    pub body: Option<String>,
    /// Every XEP-0359 `<stanza-id/>` it carries: (by, id).
    pub stanza_ids: Vec<(Jid, String)>,
    /// Its XEP-0359 `<origin-id/>`.
    pub origin_id: Option<String>,
    /// Every XEP-0203 `<delay/>` it carries.
    pub delays: Vec<Stamp>,
    /// It asks for a XEP-0184 receipt.
    pub receipt_request: bool,
    /// The message a XEP-0184 receipt in it confirms.
    pub receipt_of: Option<String>,
    /// The message a XEP-0333 displayed marker in it names.
    pub displayed_of: Option<String>,
    /// Its XEP-0421 `<occupant-id/>` (a room message; the room's word only where the room
    /// advertises `urn:xmpp:occupant-id:0`).
    pub occupant_id: Option<String>,
    /// The URIs of its XEP-0372 `type='mention'` references (at most
    /// [`MAX_REFERENCES`]).
    pub references: Vec<String>,
    /// It carries a `<subject/>` (a room's topic).
    pub subject: bool,
    /// A room invitation it carries (XEP-0045 mediated or XEP-0249 direct).
    pub invite: Option<InviteFacts>,
    /// The earlier message it corrects (XEP-0308) or retracts (XEP-0424).
    pub edit: Option<EditOf>,
}

/// The most XEP-0372 references one message is read for.
pub const MAX_REFERENCES: usize = 16;

/// A room invitation as the wire read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteFacts {
    /// The room.
    pub room: BareJid,
    /// Who invites: the mediated invite's `from` (the inviter's JID, as the room says), or
    /// the direct invite's sender.
    pub from: Option<Jid>,
    /// The reason given.
    pub reason: Option<String>,
    /// A XEP-0249 direct invite (sent by the inviter), not one mediated by the room.
    pub direct: bool,
}

impl MessageFacts {
    /// The delay our own server stamped, never later than `now`: only a delay `from` our
    /// domain (offline delivery) or our bare JID (what quiet mode held back) counts
    /// ([`rules::vouched_by_our_server`]). A contact's own `<delay/>` is attacker-chosen: a
    /// 2099 stamp made every later message of the conversation look already read.
    pub fn trusted_delay(&self, account: &BareJid, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.delays
            .iter()
            .find(|d| {
                d.from
                    .as_ref()
                    .is_some_and(|from| rules::vouched_by_our_server(from, account))
            })
            .map(|d| d.at.min(now))
    }

    /// When our server held this stanza back for us (quiet mode): mod_csi_simple, and
    /// XEP-0352 servers generally, stamp those with a delay from our own bare JID.
    pub fn held_since(&self, account: &BareJid) -> Option<DateTime<Utc>> {
        held_since(&self.delays, account)
    }

    /// The receipt this message is, when it has no body.
    pub fn receipt(&self) -> Option<&str> {
        self.receipt_of.as_deref().filter(|_| self.body.is_none())
    }

    /// The displayed marker this message is, when it has no body.
    pub fn marker(&self) -> Option<&str> {
        self.displayed_of.as_deref().filter(|_| self.body.is_none())
    }

    /// What the store keeps of a one-to-one message with a body, seen from `account` on the
    /// device bound as `own`, stamped `stamp`; `None` for anything else (no body, a room
    /// message, not one of our conversations).
    pub fn to_new_message(
        &self,
        via: Via,
        stamp: DateTime<Utc>,
        account: &BareJid,
        own: Option<&FullJid>,
    ) -> Option<NewMessage> {
        if matches!(self.kind, MessageKind::Groupchat | MessageKind::Error) {
            return None;
        }
        let body = self.text()?;
        let cp = match rules::counterpart(self.from.as_ref(), self.to.as_ref(), account) {
            Ok(cp) => cp,
            Err(rejection) => {
                tracing::warn!(%rejection, "dropped message");
                return None;
            }
        };
        let keys = rules::dedup_keys(
            self.stanza_ids.iter().map(|(by, id)| (by, id.as_str())),
            self.origin_id.as_deref(),
            account,
        );
        let from = match (&self.from, cp.direction) {
            (Some(f), _) => f.clone(),
            (None, Direction::Out) => own
                .cloned()
                .map(Jid::from)
                .unwrap_or_else(|| Jid::from(account.clone())),
            (None, Direction::In) => Jid::from(account.clone()),
        };
        Some(NewMessage {
            peer: cp.peer,
            from,
            direction: cp.direction,
            body,
            timestamp: crate::model::server_second(stamp),
            via,
            keys,
            stanza_attr_id: self.id.clone(),
            room: None,
            edit: self.edit.clone(),
        })
    }

    /// The text to store: the body, if it has one; a retraction needs none (its body, if
    /// any, is a fallback for clients without XEP-0424, and is not kept).
    pub fn text(&self) -> Option<String> {
        match &self.edit {
            Some(e) if e.kind == EditKind::Retracted => Some(String::new()),
            _ => self.body.clone().filter(|b| !b.is_empty()),
        }
    }
}

/// When our server held a stanza with these delays back for us (see
/// [`MessageFacts::held_since`]).
pub fn held_since(delays: &[Stamp], account: &BareJid) -> Option<DateTime<Utc>> {
    delays
        .iter()
        .find(|d| {
            d.from
                .as_ref()
                .is_some_and(|f| f.try_as_full().is_err() && f.to_bare() == *account)
        })
        .map(|d| d.at)
}

/// The outside of a wrapper (carbon, archive result, PubSub event): who sent it, and its
/// delays (a held-back carbon carries one).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Envelope {
    /// The wrapper's `from`.
    pub from: Option<Jid>,
    /// The wrapper's own delays.
    pub delays: Vec<Stamp>,
}

/// One item of a PubSub event or of a PubSub items result.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PubsubItem {
    /// The item id (for MDS and bookmarks: the conversation's or the room's bare JID).
    pub id: Option<String>,
    /// For an MDS item (XEP-0490): the stanza-id it names, (by, id).
    pub displayed: Option<(Jid, String)>,
    /// For a bookmark (XEP-0402 `<conference/>`): what it says.
    pub bookmark: Option<BookmarkFacts>,
}

/// A XEP-0402 bookmark's `<conference/>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BookmarkFacts {
    /// Its name.
    pub name: Option<String>,
    /// Join it on every device.
    pub autojoin: bool,
    /// The nick to join with.
    pub nick: Option<String>,
}

/// A room's word in an occupant's presence (XEP-0045 `<x xmlns='…muc#user'/>`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MucFacts {
    /// The occupant's role (`moderator`, `participant`, `visitor`, `none`).
    pub role: String,
    /// The occupant's affiliation (`owner`, `admin`, `member`, `outcast`, `none`).
    pub affiliation: String,
    /// The occupant's real JID, where the room shows it.
    pub jid: Option<Jid>,
    /// The new nick of a nick change (status 303).
    pub new_nick: Option<String>,
    /// The status codes (110 this is us, 201 new room, 303 nick change, 307 kicked, 332
    /// system shutdown, ...), at most 16.
    pub codes: Vec<u16>,
    /// The room was destroyed: the reason given (possibly empty).
    pub destroyed: Option<String>,
    /// The occupant's XEP-0421 occupant-id.
    pub occupant_id: Option<String>,
}

/// A presence as the wire read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresenceFacts {
    /// Its sender.
    pub from: Option<Jid>,
    /// Available (with its show) or unavailable.
    pub show: Show,
    /// Its XEP-0203 delays (held back, or replayed).
    pub delays: Vec<Stamp>,
    /// It carries XEP-0319 idle (the device went to the background).
    pub idle: bool,
    /// From a room: the room's `<x xmlns='…muc#user'/>`.
    pub muc: Option<MucFacts>,
}

/// An IQ get, by what it asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// XEP-0030 disco#info, at a node or none.
    DiscoInfo {
        /// The node asked about.
        node: Option<String>,
    },
    /// XEP-0199 ping.
    Ping,
    /// Anything else (refused).
    Other,
}

/// What an IQ result carried, by what the wire recognised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Nothing (or nothing the engine reads).
    Empty,
    /// A XEP-0313 `<fin/>`: the last id of the page and whether the archive is done.
    Fin {
        /// The page's last archive id.
        last: Option<String>,
        /// The archive has no more pages.
        complete: bool,
    },
    /// A XEP-0030 disco#info result's identities, (category, type), and features.
    DiscoInfo {
        /// The identities.
        identities: Vec<(String, String)>,
        /// The features (at most 256).
        features: Vec<String>,
    },
    /// A XEP-0060 items result (at most [`MAX_MDS_ITEMS`] items are read).
    Items(Vec<PubsubItem>),
    /// A payload the wire could not read as what it looks like (logged there).
    Malformed,
}

/// Why a request failed (RFC 6120 §8.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The defined condition, as its element name (`item-not-found`).
    pub condition: String,
}

impl Failure {
    /// The condition the archive gives for a position it does not know.
    pub fn item_not_found(&self) -> bool {
        self.condition == "item-not-found"
    }
}

/// A stanza as the wire read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    /// A message: a live chat message, a receipt or a marker.
    Message(MessageFacts),
    /// A XEP-0280 carbon: a copy of a message another device of ours sent or received.
    Carbon {
        /// The wrapper.
        outer: Envelope,
        /// `<sent/>` (another device of ours sent it) rather than `<received/>`.
        sent: bool,
        /// The forwarded message's delay (our server's).
        delay: Option<DateTime<Utc>>,
        /// The copied message.
        inner: MessageFacts,
    },
    /// A XEP-0313 archive result.
    Archived {
        /// The wrapper.
        outer: Envelope,
        /// The query it answers.
        query_id: Option<String>,
        /// The archive's id of the message.
        id: String,
        /// When our archive stored it.
        delay: Option<DateTime<Utc>>,
        /// The archived message.
        inner: MessageFacts,
    },
    /// A XEP-0060 PubSub event.
    Pubsub {
        /// The wrapper.
        outer: Envelope,
        /// The node.
        node: String,
        /// Its published items (at most [`MAX_MDS_ITEMS`] are read).
        items: Vec<PubsubItem>,
        /// The ids of its retracted items (at most [`MAX_MDS_ITEMS`]).
        retracted: Vec<String>,
    },
    /// A presence.
    Presence(PresenceFacts),
    /// A presence of type `error` (for a room: the join failed).
    PresenceError {
        /// Who answers.
        from: Option<Jid>,
        /// Why.
        failure: Failure,
    },
    /// A presence the engine does not act on (subscription, probe), with its delays.
    OtherPresence {
        /// Its delays (a held-back one still counts as held).
        delays: Vec<Stamp>,
    },
    /// An IQ get.
    Get {
        /// Who asks.
        from: Option<Jid>,
        /// Its id.
        id: String,
        /// What it asks.
        query: Query,
    },
    /// An IQ set.
    Set {
        /// Who sets.
        from: Option<Jid>,
        /// Its id.
        id: String,
        /// A roster push (RFC 6121 §2.1.6).
        roster: bool,
    },
    /// An IQ result.
    Result {
        /// Who answers.
        from: Option<Jid>,
        /// The id of the request it answers.
        id: String,
        /// What it carries.
        answer: Answer,
    },
    /// An IQ error.
    Error {
        /// Who answers.
        from: Option<Jid>,
        /// The id of the request it answers.
        id: String,
        /// Why.
        failure: Failure,
    },
}
