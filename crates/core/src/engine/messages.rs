//! Messages in and out: live messages, carbons (XEP-0280), receipts (XEP-0184), sending,
//! and catching up from the archive (XEP-0313).

use chrono::{DateTime, Utc};
use jid::{BareJid, Jid};

use super::inbound::{Envelope, MessageFacts, MessageKind};
use super::outbound::{Chat, Outbound, Request};
use super::{Engine, Pending};
use crate::activity::Signal;
use crate::catchup::{CatchUp, PageRequest, Step};
use crate::event::{ErrorKind, Event, MessageView};
use crate::model::{
    server_second, DedupKeys, Direction, EditKind, EditOf, MessageId, NewMessage, StoredMessage,
    Via,
};
use crate::readstate::{ReadPosition, ReadSource};
use crate::room::RoomMeta;
use crate::rules;
use crate::store::{Inserted, Store};

/// Why a message of ours was not sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The text cannot be carried by XMPP (refused before anything is stored).
    #[error("the text contains U+{0:04X}, which XMPP cannot carry")]
    Unsendable(u32),
    /// A message with the same id is already stored.
    #[error("message id collision")]
    Collision,
    /// The message is for a room this device is not in (yet).
    #[error("not in the room {0} (join it first, or wait until it is joined)")]
    NotInRoom(jid::BareJid),
    /// The message cannot be corrected or retracted (the reason says why).
    #[error("cannot edit that message: {0}")]
    NotEditable(&'static str),
    /// The store refused the edit.
    #[error("cannot edit that message: {0}")]
    Refused(crate::rules::EditRefusal),
    /// The store failed; nothing was sent.
    #[error(transparent)]
    Store(#[from] crate::Error),
}

/// The body a retraction carries for clients without XEP-0424 (the text XEP-0424's
/// examples use).
pub const RETRACTION_FALLBACK: &str =
    "This person attempted to retract a previous message, but it's unsupported by your client.";

impl Engine {
    /// Stores a message of ours, reads its conversation up to it (replying reads), and
    /// returns it with the stanza to send. The caller sends it and waits for the server's
    /// acknowledgement; the message is stored first, so it is never lost.
    pub async fn send_message<S: Store>(
        &mut self,
        store: &S,
        to: Jid,
        body: String,
        now: DateTime<Utc>,
    ) -> (Result<(StoredMessage, Chat), SendError>, Vec<super::Effect>) {
        let result = self.compose(store, to, body, now).await;
        (result, std::mem::take(&mut self.out))
    }

    async fn compose<S: Store>(
        &mut self,
        store: &S,
        to: Jid,
        body: String,
        now: DateTime<Utc>,
    ) -> Result<(StoredMessage, Chat), SendError> {
        // XML 1.0 cannot carry most C0 controls: refuse them here, before anything is
        // stored, rather than store a message the stream will never send.
        if let Some(c) = body.chars().find(|c| !rules::xml_char(*c)) {
            return Err(SendError::Unsendable(u32::from(c)));
        }
        let peer = to.to_bare();
        let (from, room, kind, to) = self.addressing(to)?;
        let id = self.new_id();
        let msg = NewMessage {
            peer,
            from,
            direction: Direction::Out,
            body: body.clone(),
            timestamp: server_second(now),
            via: Via::Local,
            keys: DedupKeys {
                stanza_id: None,
                origin_id: Some(id.clone()),
            },
            stanza_attr_id: Some(id.clone()),
            room,
            edit: None,
        };
        let stored = match store.insert_message(&self.cfg.account, &msg).await? {
            Inserted::New(stored) => stored,
            _ => return Err(SendError::Collision),
        };
        self.emit(Event::Message(MessageView::from(&stored)));
        let me = self.cfg.resource.clone();
        self.activity.observe(&me, Signal::SentMessage, now);
        // Replying reads the conversation up to the reply.
        let from = if stored.room.is_some() {
            Jid::from(self.cfg.account.clone())
        } else {
            stored.from.clone()
        };
        self.move_read(
            store,
            &stored.conversation,
            Some(ReadPosition::from(&stored)),
            ReadSource::Local,
            &from,
        )
        .await;
        Ok((
            stored,
            Chat {
                to,
                id,
                body,
                kind,
                edit: None,
            },
        ))
    }

    /// Who a message of ours to `to` comes from and where it goes: our occupant, to the
    /// room (which must be joined), or our device, to the contact as addressed.
    fn addressing(&self, to: Jid) -> Result<(Jid, Option<RoomMeta>, MessageKind, Jid), SendError> {
        let peer = to.to_bare();
        if self.is_room(&peer) {
            let (from, meta) = self
                .own_room_meta(&peer)
                .ok_or_else(|| SendError::NotInRoom(peer.clone()))?;
            return Ok((from, Some(meta), MessageKind::Groupchat, Jid::from(peer)));
        }
        let from = self
            .jid
            .clone()
            .map(Jid::from)
            .unwrap_or_else(|| Jid::from(self.cfg.account.clone()));
        Ok((from, None, MessageKind::Chat, to))
    }

    /// Corrects (`Some(text)`, XEP-0308) or retracts (`None`, XEP-0424) a message of ours:
    /// changes the stored copy on this device and returns it (as it now is) with the
    /// stanza that tells the contact's devices, the room, and our other devices (its
    /// carbon or the room's reflection). Only our own messages can be edited.
    pub async fn edit_message<S: Store>(
        &mut self,
        store: &S,
        conversation: BareJid,
        target: MessageId,
        text: Option<String>,
        now: DateTime<Utc>,
    ) -> (Result<(StoredMessage, Chat), SendError>, Vec<super::Effect>) {
        let result = self
            .compose_edit(store, conversation, target, text, now)
            .await;
        (result, std::mem::take(&mut self.out))
    }

    async fn compose_edit<S: Store>(
        &mut self,
        store: &S,
        peer: BareJid,
        target: MessageId,
        text: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<(StoredMessage, Chat), SendError> {
        if let Some(c) = text
            .iter()
            .flat_map(|t| t.chars())
            .find(|c| !rules::xml_char(*c))
        {
            return Err(SendError::Unsendable(u32::from(c)));
        }
        if text.as_deref().is_some_and(|t| t.trim().is_empty()) {
            return Err(SendError::NotEditable(
                "a correction needs some text (or retract it)",
            ));
        }
        let original = self
            .find_named(store, &peer, |m| m.id == target)
            .await
            .ok_or(SendError::NotEditable(
                "no such message in this conversation",
            ))?;
        if original.direction != Direction::Out {
            return Err(SendError::NotEditable(
                "only our own messages can be edited",
            ));
        }
        let room = self.is_room(&peer);
        let (from, meta, kind, to) = self.addressing(Jid::from(peer.clone()))?;
        // XEP-0424 names a room message by the room's stanza-id; everything else by the
        // message's own id (ours: also its origin-id).
        let named = match (room, text.is_none(), &original.keys.stanza_id) {
            (true, true, Some(room_id)) if self.room_has_stanza_ids(&peer) => room_id.clone(),
            _ => original
                .stanza_attr_id
                .clone()
                .or_else(|| original.keys.origin_id.clone())
                .ok_or(SendError::NotEditable("the message has no id to name"))?,
        };
        let edit_kind = if text.is_some() {
            EditKind::Corrected
        } else {
            EditKind::Retracted
        };
        let id = self.new_id();
        let msg = NewMessage {
            peer: peer.clone(),
            from,
            direction: Direction::Out,
            body: text.clone().unwrap_or_default(),
            timestamp: server_second(now),
            via: Via::Local,
            keys: DedupKeys {
                stanza_id: None,
                origin_id: Some(id.clone()),
            },
            stanza_attr_id: Some(id.clone()),
            room: meta,
            edit: Some(EditOf {
                target: named.clone(),
                kind: edit_kind,
            }),
        };
        let changed = match store.insert_message(&self.cfg.account, &msg).await? {
            Inserted::Edited(m) => {
                self.on_edit(&Inserted::Edited(m.clone()));
                m
            }
            Inserted::Duplicate(_) => original,
            Inserted::Refused(refusal) => return Err(SendError::Refused(refusal)),
            Inserted::New(_) => return Err(SendError::NotEditable("the message is not stored")),
        };
        let me = self.cfg.resource.clone();
        self.activity.observe(&me, Signal::SentMessage, now);
        let body = text.unwrap_or_else(|| RETRACTION_FALLBACK.to_owned());
        Ok((
            changed,
            Chat {
                to,
                id,
                body,
                kind,
                edit: Some(EditOf {
                    target: named,
                    kind: edit_kind,
                }),
            },
        ))
    }

    pub(super) fn request_page(&mut self, req: PageRequest) {
        self.page.clear();
        self.request(None, Request::ArchivePage(req), Pending::ArchivePage);
    }

    pub(super) fn on_archive_result(
        &mut self,
        outer: &Envelope,
        query_id: Option<String>,
        id: String,
        delay: Option<DateTime<Utc>>,
        inner: MessageFacts,
        now: DateTime<Utc>,
    ) {
        let expected = self.catch_up.as_ref().and_then(|c| c.expected_query_id());
        if let Err(rejection) = rules::accept_archive_result(
            outer.from.as_ref(),
            &self.cfg.account,
            query_id.as_deref(),
            expected,
        ) {
            tracing::warn!(%rejection, "dropped archive result");
            return;
        }
        // Our own archive's stamp: the time our server archived the message.
        let stamp = delay.map(|d| d.min(now)).unwrap_or(now);
        if let Some(mut msg) =
            inner.to_new_message(Via::Archive, stamp, &self.cfg.account, self.jid.as_ref())
        {
            // The archive id is the stanza-id our own server gave the message.
            msg.keys.stanza_id = Some(id);
            self.page.push(msg);
        }
    }

    pub(super) async fn on_carbon<S: Store>(
        &mut self,
        store: &S,
        outer: &Envelope,
        sent: bool,
        delay: Option<DateTime<Utc>>,
        inner: MessageFacts,
        now: DateTime<Utc>,
    ) {
        if let Err(rejection) = rules::accept_carbon(outer.from.as_ref(), &self.cfg.account) {
            tracing::warn!(%rejection, "dropped carbon");
            self.emit(Event::Error {
                kind: ErrorKind::Forged,
                message: format!("dropped a forged carbon: {rejection}"),
            });
            return;
        }
        if inner.kind == MessageKind::Groupchat {
            return;
        }
        let via = if sent {
            self.counters.carbons_sent += 1;
            Via::CarbonSent
        } else {
            self.counters.carbons_received += 1;
            Via::CarbonReceived
        };
        if let Some(id) = inner.marker() {
            // Ours (sent by another device of ours) is read state; the contact's (received
            // by another device of ours) says they saw our messages.
            let id = id.to_owned();
            return match via {
                Via::CarbonSent => self.on_own_marker(store, &inner, id).await,
                _ => self.on_contact_marker(store, &inner, id).await,
            };
        }
        if let Some(id) = inner.receipt() {
            // Another device of ours got (or sent) a receipt; a sent one says nothing new.
            if via == Via::CarbonReceived {
                let id = id.to_owned();
                self.on_receipt(store, &inner, id).await;
            }
            return;
        }
        // The carbon's own delay is our server's; the forwarded message's is the sender's.
        let stamp = delay
            .map(|d| d.min(now))
            .or_else(|| inner.trusted_delay(&self.cfg.account, now))
            .unwrap_or(now);
        if let Some(msg) = inner.to_new_message(via, stamp, &self.cfg.account, self.jid.as_ref()) {
            self.store_live(store, msg, now).await;
        }
    }

    pub(super) async fn on_live_message<S: Store>(
        &mut self,
        store: &S,
        m: MessageFacts,
        now: DateTime<Utc>,
    ) {
        if let Some(invite) = &m.invite {
            return self.on_invite(invite, m.from.as_ref());
        }
        match m.kind {
            MessageKind::Groupchat => return self.on_room_message(store, &m, now).await,
            MessageKind::Error => {
                tracing::info!(from = ?m.from, "message bounced with an error");
                return;
            }
            _ => {}
        }
        if let Some(id) = m.receipt() {
            let id = id.to_owned();
            return self.on_receipt(store, &m, id).await;
        }
        if let Some(id) = m.marker() {
            let id = id.to_owned();
            return self.on_contact_marker(store, &m, id).await;
        }
        let stamp = m.trusted_delay(&self.cfg.account, now).unwrap_or(now);
        let Some(msg) = m.to_new_message(Via::Live, stamp, &self.cfg.account, self.jid.as_ref())
        else {
            return;
        };
        let direction = msg.direction;
        self.store_live(store, msg, now).await;
        if m.receipt_request && direction == Direction::In {
            if let (Some(to), Some(of)) = (m.from.clone(), m.id.clone()) {
                let id = self.new_id();
                self.send(Outbound::Receipt {
                    to,
                    id,
                    of,
                    kind: m.kind,
                });
            }
        }
    }

    async fn on_receipt<S: Store>(&mut self, store: &S, m: &MessageFacts, id: String) {
        let Some(peer) = m.from.as_ref().map(Jid::to_bare) else {
            return;
        };
        match store.mark_delivered(&self.cfg.account, &peer, &id).await {
            Ok(Some(mid)) => self.emit(Event::Delivered {
                conversation: peer,
                id: mid,
            }),
            Ok(None) => {}
            Err(e) => self.storage_error(format!("cannot store receipt: {e}")),
        }
    }

    pub(super) async fn store_live<S: Store>(
        &mut self,
        store: &S,
        msg: NewMessage,
        now: DateTime<Utc>,
    ) {
        match store.insert_message(&self.cfg.account, &msg).await {
            Ok(Inserted::New(stored)) => {
                self.emit(Event::Message(MessageView::from(&stored)));
                self.after_new(store, &stored, now).await;
            }
            Ok(Inserted::Duplicate(id)) => {
                self.counters.duplicates_dropped += 1;
                tracing::debug!(?id, "duplicate copy dropped")
            }
            Ok(r @ (Inserted::Edited(_) | Inserted::Refused(_))) => self.on_edit(&r),
            Err(e) => self.storage_error(format!("cannot store message: {e}")),
        }
    }

    /// A correction or retraction was stored (the message it changed is shown as it now
    /// is), or refused (logged: it changes nothing, and nothing else).
    pub(super) fn on_edit(&mut self, r: &Inserted) {
        match r {
            Inserted::Edited(m) => {
                tracing::debug!(id = ?m.id, edited = ?m.edited, "message edited by its author");
                let retracted = m.edited.is_some_and(|e| e.kind == EditKind::Retracted);
                let notified = self.notified.get(&m.conversation) == Some(&ReadPosition::from(m));
                if retracted && notified {
                    // The conversation's notification shows it: it goes with it.
                    self.notified.remove(&m.conversation);
                    self.emit(Event::Withdrawn {
                        conversation: m.conversation.clone(),
                    });
                }
                self.emit(Event::Edited(MessageView::from(m)));
            }
            Inserted::Refused(refusal) => {
                tracing::warn!(%refusal, "dropped a correction or retraction")
            }
            Inserted::New(_) | Inserted::Duplicate(_) => {}
        }
    }

    pub(super) async fn finish_page<S: Store>(
        &mut self,
        store: &S,
        last: Option<String>,
        complete: bool,
        now: DateTime<Utc>,
    ) {
        tracing::debug!(results = self.page.len(), "archive page received");
        let Some(run) = self.catch_up.as_ref() else {
            return;
        };
        let page = std::mem::take(&mut self.page);
        // Only move the stored position forward together with the page (atomically).
        let position = last.clone().filter(|l| Some(l.as_str()) != run.position());
        let position = position.or_else(|| run.position().map(str::to_owned));
        let account = self.cfg.account.clone();
        match store
            .store_archive_page(&account, &page, position.as_deref())
            .await
        {
            Ok(results) => {
                for r in &results {
                    match r {
                        Inserted::New(m) => {
                            self.run_stored += 1;
                            self.emit(Event::Message(MessageView::from(m)));
                            self.after_new(store, m, now).await;
                        }
                        Inserted::Duplicate(_) => {
                            self.run_duplicates += 1;
                            self.counters.duplicates_dropped += 1;
                        }
                        Inserted::Edited(_) | Inserted::Refused(_) => self.on_edit(r),
                    }
                }
            }
            Err(e) => {
                self.storage_error(format!("cannot store archive page: {e}; catch-up stopped"));
                self.end_catch_up();
                return;
            }
        }
        let Some(run) = self.catch_up.as_mut() else {
            return;
        };
        let step = run.page_done(last, complete);
        let pages = run.pages();
        tracing::info!(
            pages,
            stored = self.run_stored,
            duplicates = self.run_duplicates,
            "archive page stored"
        );
        match step {
            Step::Next(req) => {
                self.emit(Event::CatchUp {
                    stored: self.run_stored,
                    duplicates: self.run_duplicates,
                    pages,
                    done: false,
                });
                self.request_page(req);
            }
            Step::Done => self.end_catch_up(),
        }
    }

    pub(super) fn end_catch_up(&mut self) {
        let pages = self
            .catch_up
            .take()
            .map(|c: CatchUp| c.pages())
            .unwrap_or(0);
        self.page.clear();
        self.emit(Event::CatchUp {
            stored: self.run_stored,
            duplicates: self.run_duplicates,
            pages,
            done: true,
        });
    }
}
