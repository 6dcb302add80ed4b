//! The narrow storage contract, an in-memory implementation, and the contract suite every
//! implementation must pass (`store_contract_tests!`, with the `testing` feature).
//!
//! Implementations must make deduplication a constraint: a message whose stanza-id (scoped
//! to account and conversation) or origin-id (scoped to account, conversation and direction)
//! is already stored is not stored again, and the keys the stored copy lacked are filled in.
//! [`Store::store_archive_page`] must be atomic: the page's messages and the new archive
//! position are committed together or not at all.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use jid::BareJid;

use crate::model::{
    ConversationSummary, Device, Direction, EditKind, Edited, MessageId, NewMessage, StoredMessage,
    Via,
};
use crate::readstate::ReadPosition;
use crate::room::Room;
use crate::rules::{self, EditRefusal};
use crate::{Error, Result};

/// The outcome of storing one copy of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
// The new message is handed on at once (an event, a decision); boxing it would cost an
// allocation per stored copy to save stack space for the duplicate case.
#[allow(clippy::large_enum_variant)]
pub enum Inserted {
    /// The message was new and is now stored.
    New(StoredMessage),
    /// Another copy was already stored under this id (for an edit: the message it names
    /// already reads so, or a later edit of it is already applied).
    Duplicate(MessageId),
    /// The copy was a correction or retraction (XEP-0308, XEP-0424) and changed the stored
    /// message it names: that message as it now is.
    Edited(StoredMessage),
    /// The copy was a correction or retraction that changes nothing, and why; it is not
    /// stored.
    Refused(EditRefusal),
}

impl Inserted {
    /// The stored message, when this copy was new.
    pub fn new_message(&self) -> Option<&StoredMessage> {
        match self {
            Inserted::New(m) => Some(m),
            Inserted::Duplicate(_) | Inserted::Edited(_) | Inserted::Refused(_) => None,
        }
    }
}

/// Per-profile persistence of messages, archive position and devices.
pub trait Store: Send + Sync {
    /// Stores one message copy unless a copy with one of its keys is already stored.
    fn insert_message(
        &self,
        account: &BareJid,
        msg: &NewMessage,
    ) -> impl Future<Output = Result<Inserted>> + Send;

    /// Stores a page of archive results and the new archive position, atomically.
    fn store_archive_page(
        &self,
        account: &BareJid,
        msgs: &[NewMessage],
        position: Option<&str>,
    ) -> impl Future<Output = Result<Vec<Inserted>>> + Send;

    /// The last archive id a committed page reached.
    fn archive_position(
        &self,
        account: &BareJid,
    ) -> impl Future<Output = Result<Option<String>>> + Send;

    /// A conversation, oldest first (server time, then arrival).
    fn history(
        &self,
        account: &BareJid,
        peer: &BareJid,
    ) -> impl Future<Output = Result<Vec<StoredMessage>>> + Send;

    /// The account's conversations, newest first (by their newest message's server time,
    /// then arrival), each with its newest message and its count of unread incoming
    /// messages.
    fn conversations(
        &self,
        account: &BareJid,
    ) -> impl Future<Output = Result<Vec<ConversationSummary>>> + Send;

    /// One page of a conversation, oldest first: the `limit` messages just before `before`
    /// in history order (server time, then arrival), or the newest `limit` messages when
    /// `before` is `None`. Empty when `before` is not a message of this conversation.
    fn history_page(
        &self,
        account: &BareJid,
        peer: &BareJid,
        before: Option<MessageId>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<StoredMessage>>> + Send;

    /// Marks our outgoing message with this stanza `id` attribute as delivered.
    /// Returns its id when one was found and not yet marked.
    fn mark_delivered(
        &self,
        account: &BareJid,
        peer: &BareJid,
        stanza_attr_id: &str,
    ) -> impl Future<Output = Result<Option<MessageId>>> + Send;

    /// Marks our outgoing message `up_to` and every earlier outgoing message of the
    /// conversation (by server time, then arrival) seen by the contact. Returns true when
    /// `up_to` was not seen yet; false, changing nothing, when it already was (seen ticks only
    /// move forward) or is not an outgoing message of this conversation.
    fn mark_seen(
        &self,
        account: &BareJid,
        peer: &BareJid,
        up_to: MessageId,
    ) -> impl Future<Output = Result<bool>> + Send;

    /// Marks the conversation read up to `up_to` (that message and every earlier one, by
    /// server time then arrival) and remembers the position. Returns false, changing
    /// nothing, when `up_to` is not a message of this conversation. Whether the position may
    /// move is the rules' business (`readstate::advance`), not the store's.
    fn mark_read(
        &self,
        account: &BareJid,
        peer: &BareJid,
        up_to: MessageId,
    ) -> impl Future<Output = Result<bool>> + Send;

    /// Each conversation's stored read position, by contact.
    fn read_positions(
        &self,
        account: &BareJid,
    ) -> impl Future<Output = Result<Vec<(BareJid, ReadPosition)>>> + Send;

    /// Number of messages stored for the account.
    fn message_count(&self, account: &BareJid) -> impl Future<Output = Result<u64>> + Send;

    /// Inserts or replaces a device (keyed by account and resource).
    fn upsert_device(
        &self,
        account: &BareJid,
        device: &Device,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Marks every device of the account offline (on connect, before presence arrives).
    fn mark_devices_offline(
        &self,
        account: &BareJid,
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<()>> + Send;

    /// The account's devices as last seen: online first, then by resource.
    fn devices(&self, account: &BareJid) -> impl Future<Output = Result<Vec<Device>>> + Send;

    /// Inserts or replaces a room (keyed by account and room JID). Its archive position
    /// ([`Store::room_archive_position`]) and its messages are kept.
    fn upsert_room(
        &self,
        account: &BareJid,
        room: &Room,
    ) -> impl Future<Output = Result<()>> + Send;

    /// The account's rooms, by JID.
    fn rooms(&self, account: &BareJid) -> impl Future<Output = Result<Vec<Room>>> + Send;

    /// The last id of the room's archive (XEP-0313 at the room's JID) that a committed page
    /// of that room reached.
    fn room_archive_position(
        &self,
        account: &BareJid,
        room: &BareJid,
    ) -> impl Future<Output = Result<Option<String>>> + Send;

    /// Stores a page of the room's archive and the room's new archive position, atomically
    /// (like [`Store::store_archive_page`], but the position is the room's own).
    fn store_room_page(
        &self,
        account: &BareJid,
        room: &BareJid,
        msgs: &[NewMessage],
        position: Option<&str>,
    ) -> impl Future<Output = Result<Vec<Inserted>>> + Send;
}

/// The most stored messages an edit's target id is looked up among (newest first): ids
/// are the sender's choice, so several messages may share one.
pub const MAX_EDIT_CANDIDATES: usize = 8;

/// What a store does with a correction or retraction (a [`NewMessage`] with `edit`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditPlan {
    /// Change the stored message: its new body (empty for a retraction), what was done
    /// and when.
    Apply {
        /// The message to change.
        id: MessageId,
        /// Its body from now on.
        body: String,
        /// What was done to it, and the edit's time.
        edited: Edited,
    },
    /// Nothing to change: `Inserted::Duplicate(id)`.
    Unchanged(MessageId),
    /// A correction whose original is not stored (it was never received, or it was an edit
    /// itself): store it as a message of its own, as a client without XEP-0308 shows it.
    StoreAsMessage,
    /// Refused: `Inserted::Refused`.
    Refuse(EditRefusal),
}

/// Every store's edit semantics, given the stored messages of the edit's conversation that
/// [`rules::edit_names`] matches, newest first (at most [`MAX_EDIT_CANDIDATES`]): the
/// newest one the same author wrote ([`rules::may_edit`]) is changed, unless a later edit
/// of it is already applied or it already reads so (another copy of the same edit).
pub fn plan_edit(candidates: &[StoredMessage], edit: &NewMessage) -> EditPlan {
    let Some(of) = &edit.edit else {
        return EditPlan::StoreAsMessage;
    };
    let mut refusal = None;
    let original = candidates.iter().find(|c| match rules::may_edit(c, edit) {
        Ok(()) => true,
        Err(r) => {
            refusal.get_or_insert(r);
            false
        }
    });
    let Some(original) = original else {
        // Another copy of the retraction that retracted it changes nothing either.
        let retracted = candidates
            .iter()
            .find(|c| c.edited.is_some_and(|e| e.kind == EditKind::Retracted));
        return match (refusal, of.kind, retracted) {
            (Some(EditRefusal::Retracted), EditKind::Retracted, Some(c)) => {
                EditPlan::Unchanged(c.id)
            }
            (Some(r), _, _) => EditPlan::Refuse(r),
            (None, EditKind::Corrected, _) => EditPlan::StoreAsMessage,
            (None, EditKind::Retracted, _) => EditPlan::Refuse(EditRefusal::NoTarget),
        };
    };
    let body = match of.kind {
        EditKind::Corrected => edit.body.clone(),
        EditKind::Retracted => String::new(),
    };
    let stale = original.edited.is_some_and(|e| e.at > edit.timestamp);
    if stale || (original.body == body && original.edited.map(|e| e.kind) == Some(of.kind)) {
        return EditPlan::Unchanged(original.id);
    }
    EditPlan::Apply {
        id: original.id,
        body,
        edited: Edited {
            kind: of.kind,
            at: edit.timestamp,
        },
    }
}

#[derive(Debug, Default)]
struct Inner {
    next_id: i64,
    /// The last rank given ([`StoredMessage::rank`]).
    last_rank: i64,
    messages: Vec<(BareJid, StoredMessage, Option<String>)>,
    positions: HashMap<BareJid, String>,
    /// Each room's archive position, by (account, room): apart from the account's own.
    room_positions: HashMap<(BareJid, BareJid), String>,
    rooms: HashMap<(BareJid, BareJid), Room>,
    read_up_to: HashMap<(BareJid, BareJid), MessageId>,
    devices: HashMap<(BareJid, String), Device>,
}

/// A [`Store`] in memory, for unit tests and ephemeral sessions.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Inner>> {
        self.inner
            .lock()
            .map_err(|_| Error::Corrupt("memory store lock poisoned".into()))
    }
}

impl Inner {
    fn insert(&mut self, account: &BareJid, msg: &NewMessage) -> Inserted {
        if let Some(of) = &msg.edit {
            let mut candidates: Vec<StoredMessage> = self
                .messages
                .iter()
                .filter(|(acc, m, _)| {
                    acc == account && m.conversation == msg.peer && rules::edit_names(m, &of.target)
                })
                .map(|(_, m, _)| m.clone())
                .collect();
            candidates.sort_by_key(|m| std::cmp::Reverse(m.order()));
            candidates.truncate(MAX_EDIT_CANDIDATES);
            match plan_edit(&candidates, msg) {
                EditPlan::Apply { id, body, edited } => {
                    let Some((_, m, _)) = self.messages.iter_mut().find(|(_, m, _)| m.id == id)
                    else {
                        return Inserted::Duplicate(id);
                    };
                    m.body = body;
                    m.edited = Some(edited);
                    return Inserted::Edited(m.clone());
                }
                EditPlan::Unchanged(id) => return Inserted::Duplicate(id),
                EditPlan::Refuse(r) => return Inserted::Refused(r),
                EditPlan::StoreAsMessage => {
                    let plain = NewMessage {
                        edit: None,
                        ..msg.clone()
                    };
                    return self.insert(account, &plain);
                }
            }
        }
        let existing = self.messages.iter_mut().find(|(acc, m, _)| {
            acc == account
                && m.conversation == msg.peer
                && ((msg.keys.stanza_id.is_some() && m.keys.stanza_id == msg.keys.stanza_id)
                    || (msg.keys.origin_id.is_some()
                        && m.direction == msg.direction
                        && m.keys.origin_id == msg.keys.origin_id))
        });
        if let Some((_, m, _)) = existing {
            let id = m.id;
            if msg.via == Via::Archive && m.via != Via::Archive {
                // The archive says when, and in which order, the server archived it.
                m.timestamp = msg.timestamp;
                self.last_rank += 1;
                m.rank = self.last_rank;
            }
            if m.keys.stanza_id.is_none() {
                m.keys.stanza_id = msg.keys.stanza_id.clone();
            }
            if m.keys.origin_id.is_none() {
                m.keys.origin_id = msg.keys.origin_id.clone();
            }
            return Inserted::Duplicate(id);
        }
        self.next_id += 1;
        self.last_rank += 1;
        let stored = StoredMessage {
            id: MessageId(self.next_id),
            conversation: msg.peer.clone(),
            body: msg.body.clone(),
            direction: msg.direction,
            from: msg.from.clone(),
            timestamp: msg.timestamp,
            read: msg.direction == Direction::Out,
            delivered: false,
            seen: false,
            via: msg.via,
            keys: msg.keys.clone(),
            stanza_attr_id: msg.stanza_attr_id.clone(),
            rank: self.last_rank,
            room: msg.room.clone(),
            edited: None,
        };
        self.messages
            .push((account.clone(), stored.clone(), msg.stanza_attr_id.clone()));
        Inserted::New(stored)
    }
}

impl Store for MemoryStore {
    async fn insert_message(&self, account: &BareJid, msg: &NewMessage) -> Result<Inserted> {
        Ok(self.lock()?.insert(account, msg))
    }

    async fn store_archive_page(
        &self,
        account: &BareJid,
        msgs: &[NewMessage],
        position: Option<&str>,
    ) -> Result<Vec<Inserted>> {
        let mut inner = self.lock()?;
        let out = msgs.iter().map(|m| inner.insert(account, m)).collect();
        if let Some(p) = position {
            inner.positions.insert(account.clone(), p.to_owned());
        }
        Ok(out)
    }

    async fn archive_position(&self, account: &BareJid) -> Result<Option<String>> {
        Ok(self.lock()?.positions.get(account).cloned())
    }

    async fn history(&self, account: &BareJid, peer: &BareJid) -> Result<Vec<StoredMessage>> {
        let inner = self.lock()?;
        let mut out: Vec<StoredMessage> = inner
            .messages
            .iter()
            .filter(|(acc, m, _)| acc == account && m.conversation == *peer)
            .map(|(_, m, _)| m.clone())
            .collect();
        out.sort_by_key(StoredMessage::order);
        Ok(out)
    }

    async fn conversations(&self, account: &BareJid) -> Result<Vec<ConversationSummary>> {
        let inner = self.lock()?;
        let mut by_peer: HashMap<&BareJid, ConversationSummary> = HashMap::new();
        for (_, m, _) in inner.messages.iter().filter(|(a, _, _)| a == account) {
            let unread = m.direction == Direction::In && !m.read;
            let mention = unread && m.room.as_ref().is_some_and(|r| r.mention);
            let (unread, mention) = (u64::from(unread), u64::from(mention));
            match by_peer.get_mut(&m.conversation) {
                Some(summary) => {
                    summary.unread += unread;
                    summary.mentions += mention;
                    if summary.last.order() < m.order() {
                        summary.last = m.clone();
                    }
                }
                None => {
                    by_peer.insert(
                        &m.conversation,
                        ConversationSummary {
                            peer: m.conversation.clone(),
                            last: m.clone(),
                            unread,
                            room: inner
                                .rooms
                                .contains_key(&(account.clone(), m.conversation.clone())),
                            mentions: mention,
                        },
                    );
                }
            }
        }
        let mut out: Vec<ConversationSummary> = by_peer.into_values().collect();
        out.sort_by_key(|s| std::cmp::Reverse(s.last.order()));
        Ok(out)
    }

    async fn history_page(
        &self,
        account: &BareJid,
        peer: &BareJid,
        before: Option<MessageId>,
        limit: u32,
    ) -> Result<Vec<StoredMessage>> {
        let history = self.history(account, peer).await?;
        let end = match before {
            Some(before) => match history.iter().position(|m| m.id == before) {
                Some(end) => end,
                None => return Ok(Vec::new()),
            },
            None => history.len(),
        };
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        Ok(history[end.saturating_sub(limit)..end].to_vec())
    }

    async fn mark_delivered(
        &self,
        account: &BareJid,
        peer: &BareJid,
        stanza_attr_id: &str,
    ) -> Result<Option<MessageId>> {
        let mut inner = self.lock()?;
        let found = inner.messages.iter_mut().find(|(acc, m, attr)| {
            acc == account
                && m.conversation == *peer
                && m.direction == Direction::Out
                && !m.delivered
                && attr.as_deref() == Some(stanza_attr_id)
        });
        Ok(found.map(|(_, m, _)| {
            m.delivered = true;
            m.id
        }))
    }

    async fn mark_seen(&self, account: &BareJid, peer: &BareJid, up_to: MessageId) -> Result<bool> {
        let mut inner = self.lock()?;
        let Some(target) = inner
            .messages
            .iter()
            .find(|(a, m, _)| {
                a == account
                    && m.conversation == *peer
                    && m.id == up_to
                    && m.direction == Direction::Out
                    && !m.seen
            })
            .map(|(_, m, _)| m.order())
        else {
            return Ok(false);
        };
        for (a, m, _) in inner.messages.iter_mut() {
            if a == account
                && m.conversation == *peer
                && m.direction == Direction::Out
                && m.order() <= target
            {
                m.seen = true;
            }
        }
        Ok(true)
    }

    async fn mark_read(&self, account: &BareJid, peer: &BareJid, up_to: MessageId) -> Result<bool> {
        let mut inner = self.lock()?;
        let Some(target) = inner
            .messages
            .iter()
            .find(|(a, m, _)| a == account && m.conversation == *peer && m.id == up_to)
            .map(|(_, m, _)| m.order())
        else {
            return Ok(false);
        };
        for (a, m, _) in inner.messages.iter_mut() {
            if a == account && m.conversation == *peer && m.order() <= target {
                m.read = true;
            }
        }
        inner
            .read_up_to
            .insert((account.clone(), peer.clone()), up_to);
        Ok(true)
    }

    async fn read_positions(&self, account: &BareJid) -> Result<Vec<(BareJid, ReadPosition)>> {
        let inner = self.lock()?;
        let mut out: Vec<_> = inner
            .read_up_to
            .iter()
            .filter(|((a, _), _)| a == account)
            .filter_map(|((_, peer), id)| {
                inner
                    .messages
                    .iter()
                    .find(|(_, m, _)| m.id == *id)
                    .map(|(_, m, _)| (peer.clone(), ReadPosition::from(m)))
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    async fn message_count(&self, account: &BareJid) -> Result<u64> {
        let inner = self.lock()?;
        Ok(inner
            .messages
            .iter()
            .filter(|(a, _, _)| a == account)
            .count() as u64)
    }

    async fn upsert_device(&self, account: &BareJid, device: &Device) -> Result<()> {
        self.lock()?
            .devices
            .insert((account.clone(), device.resource.clone()), device.clone());
        Ok(())
    }

    async fn mark_devices_offline(&self, account: &BareJid, at: DateTime<Utc>) -> Result<()> {
        for ((acc, _), d) in self.lock()?.devices.iter_mut() {
            if acc == account && d.online {
                d.online = false;
                d.show = crate::model::Show::Unavailable;
                d.last_seen = at;
            }
        }
        Ok(())
    }

    async fn devices(&self, account: &BareJid) -> Result<Vec<Device>> {
        let inner = self.lock()?;
        let mut out: Vec<Device> = inner
            .devices
            .iter()
            .filter(|((acc, _), _)| acc == account)
            .map(|(_, d)| d.clone())
            .collect();
        out.sort_by(|a, b| b.online.cmp(&a.online).then(a.resource.cmp(&b.resource)));
        Ok(out)
    }

    async fn upsert_room(&self, account: &BareJid, room: &Room) -> Result<()> {
        // Rooms and their archive positions are kept apart: replacing one keeps the other.
        self.lock()?
            .rooms
            .insert((account.clone(), room.jid.clone()), room.clone());
        Ok(())
    }

    async fn rooms(&self, account: &BareJid) -> Result<Vec<Room>> {
        let inner = self.lock()?;
        let mut out: Vec<Room> = inner
            .rooms
            .iter()
            .filter(|((acc, _), _)| acc == account)
            .map(|(_, r)| r.clone())
            .collect();
        out.sort_by(|a, b| a.jid.cmp(&b.jid));
        Ok(out)
    }

    async fn room_archive_position(
        &self,
        account: &BareJid,
        room: &BareJid,
    ) -> Result<Option<String>> {
        Ok(self
            .lock()?
            .room_positions
            .get(&(account.clone(), room.clone()))
            .cloned())
    }

    async fn store_room_page(
        &self,
        account: &BareJid,
        room: &BareJid,
        msgs: &[NewMessage],
        position: Option<&str>,
    ) -> Result<Vec<Inserted>> {
        // One lock for the page and the position: committed together.
        let mut inner = self.lock()?;
        let out = msgs.iter().map(|m| inner.insert(account, m)).collect();
        if let Some(p) = position {
            inner
                .room_positions
                .insert((account.clone(), room.clone()), p.to_owned());
        }
        Ok(out)
    }
}

#[cfg(any(test, feature = "testing"))]
#[doc(hidden)]
pub mod contract;
