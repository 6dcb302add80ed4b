//! A room's messages: its archive (XEP-0313 at the room) caught up with exactly once, live
//! messages, our own in the room, the room notification rule and invitations.

use super::*;

impl Engine {
    /// What the room offers: start its catch-up from its archive.
    pub(in crate::engine) async fn on_room_info<S: Store>(
        &mut self,
        store: &S,
        jid: &BareJid,
        features: &[String],
    ) {
        let has = |f: &str| features.iter().any(|x| x == f);
        let features = Features {
            sid: has(SID_FEATURE),
            mam: has(MAM_FEATURE),
            occupant_id: has(OCCUPANT_ID_FEATURE),
        };
        let Some(s) = self.rooms.get_mut(jid) else {
            return;
        };
        if s.status != RoomStatus::Joined {
            return;
        }
        s.features = features;
        if !features.mam {
            return self.emit(Event::RoomCatchUp {
                room: jid.clone(),
                stored: 0,
                duplicates: 0,
                done: true,
            });
        }
        let position = match store.room_archive_position(&self.cfg.account, jid).await {
            Ok(p) => p,
            Err(e) => {
                return self.storage_error(format!("cannot read {jid}'s archive position: {e}"))
            }
        };
        let run_id = self.new_id();
        let Some(s) = self.rooms.get_mut(jid) else {
            return;
        };
        let mut run = CatchUp::new(position, run_id);
        let req = run.next_request();
        s.catch_up = Some(run);
        s.stored = 0;
        s.duplicates = 0;
        self.request_room_page(jid, req);
    }

    pub(in crate::engine) fn request_room_page(&mut self, jid: &BareJid, req: PageRequest) {
        if let Some(s) = self.rooms.get_mut(jid) {
            s.page.clear();
        }
        self.request(
            Some(Jid::from(jid.clone())),
            Request::RoomPage(req),
            Pending::RoomPage(jid.clone()),
        );
    }

    /// An archive result from one of our rooms, if it is one: `true` when it was handled
    /// here (kept for the page, or dropped).
    pub(in crate::engine) fn on_room_archive_result(
        &mut self,
        outer: &Envelope,
        query_id: Option<&str>,
        id: &str,
        delay: Option<DateTime<Utc>>,
        inner: &MessageFacts,
        now: DateTime<Utc>,
    ) -> bool {
        let Some(jid) = outer
            .from
            .as_ref()
            .filter(|f| f.try_as_full().is_err())
            .map(Jid::to_bare)
        else {
            return false;
        };
        let Some(s) = self.rooms.get(&jid) else {
            return false;
        };
        let expected = s.catch_up.as_ref().and_then(|c| c.expected_query_id());
        if let Err(rejection) =
            rules::accept_archive_result(outer.from.as_ref(), &jid, query_id, expected)
        {
            tracing::warn!(%rejection, room = %jid, "dropped room archive result");
            return true;
        }
        // The room's archive stamps the time it archived the message.
        let stamp = delay.map(|d| d.min(now)).unwrap_or(now);
        if let Some(mut msg) = self.room_message(&jid, inner, Via::Archive, stamp) {
            // The room's archive id is the stanza-id the room gave the message.
            msg.keys.stanza_id = Some(id.to_owned());
            if let Some(s) = self.rooms.get_mut(&jid) {
                // A page holds what we asked for: a room that sends more before its <fin/>
                // is not let fill our memory.
                if s.page.len() < crate::catchup::PAGE_SIZE {
                    s.page.push(msg);
                } else {
                    tracing::warn!(room = %jid, "dropped an archive result past the page size");
                }
            }
        }
        true
    }

    /// The end of a page of a room's archive: store it with the room's new position, then
    /// the next page or the end.
    pub(in crate::engine) async fn finish_room_page<S: Store>(
        &mut self,
        store: &S,
        jid: &BareJid,
        last: Option<String>,
        complete: bool,
        now: DateTime<Utc>,
    ) {
        let Some(s) = self.rooms.get_mut(jid) else {
            return;
        };
        let Some(run) = s.catch_up.as_ref() else {
            return;
        };
        let page = std::mem::take(&mut s.page);
        let position = last
            .clone()
            .filter(|l| Some(l.as_str()) != run.position())
            .or_else(|| run.position().map(str::to_owned));
        let account = self.cfg.account.clone();
        let results = match store
            .store_room_page(&account, jid, &page, position.as_deref())
            .await
        {
            Ok(r) => r,
            Err(e) => {
                self.storage_error(format!("cannot store {jid}'s archive page: {e}"));
                return self.end_room_catch_up(jid);
            }
        };
        for r in &results {
            match r {
                Inserted::New(m) => {
                    if let Some(s) = self.rooms.get_mut(jid) {
                        s.stored += 1;
                    }
                    self.emit(Event::Message(MessageView::from(m)));
                    self.after_new(store, m, now).await;
                }
                Inserted::Duplicate(_) => {
                    if let Some(s) = self.rooms.get_mut(jid) {
                        s.duplicates += 1;
                    }
                    self.counters.duplicates_dropped += 1;
                }
                Inserted::Edited(_) | Inserted::Refused(_) => self.on_edit(r),
            }
        }
        let Some(s) = self.rooms.get_mut(jid) else {
            return;
        };
        let Some(run) = s.catch_up.as_mut() else {
            return;
        };
        let step = run.page_done(last, complete);
        tracing::info!(
            room = %jid,
            pages = run.pages(),
            stored = s.stored,
            duplicates = s.duplicates,
            "room archive page stored"
        );
        match step {
            Step::Next(req) => {
                let (stored, duplicates) = (s.stored, s.duplicates);
                self.emit(Event::RoomCatchUp {
                    room: jid.clone(),
                    stored,
                    duplicates,
                    done: false,
                });
                self.request_room_page(jid, req);
            }
            Step::Done => self.end_room_catch_up(jid),
        }
    }

    pub(in crate::engine) fn end_room_catch_up(&mut self, jid: &BareJid) {
        let Some(s) = self.rooms.get_mut(jid) else {
            return;
        };
        s.catch_up = None;
        s.page.clear();
        let (stored, duplicates) = (s.stored, s.duplicates);
        self.emit(Event::RoomCatchUp {
            room: jid.clone(),
            stored,
            duplicates,
            done: true,
        });
    }

    /// A groupchat message, live: from one of our rooms we are in, or dropped.
    pub(in crate::engine) async fn on_room_message<S: Store>(
        &mut self,
        store: &S,
        m: &MessageFacts,
        now: DateTime<Utc>,
    ) {
        let Some(from) = m.from.as_ref() else { return };
        let jid = from.to_bare();
        let Some(s) = self.rooms.get_mut(&jid) else {
            tracing::debug!(%from, "dropped a groupchat message from a room we are not in");
            return;
        };
        if !matches!(s.status, RoomStatus::Joined | RoomStatus::Joining) {
            return;
        }
        s.last_heard = now;
        if from.try_as_full().is_err() {
            // The room's own voice (a subject without an occupant, a status): nothing to store.
            return;
        }
        if m.subject && m.body.is_none() {
            return;
        }
        if let Some(marker) = m.marker() {
            return self.on_room_marker(store, &jid, m, marker.to_owned()).await;
        }
        // Live room messages carry no time we trust more than our clock: the room's own
        // archive time comes with its archive copy.
        if let Some(msg) = self.room_message(&jid, m, Via::Live, now) {
            self.store_live(store, msg, now).await;
        }
    }

    /// A XEP-0333 displayed marker in a room: read state when our own occupant sent it
    /// (another device of ours displayed the room up to that message); anyone else's
    /// marker says nothing to us.
    async fn on_room_marker<S: Store>(
        &mut self,
        store: &S,
        jid: &BareJid,
        m: &MessageFacts,
        named: String,
    ) {
        let Some(s) = self.rooms.get(jid) else { return };
        let Some(nick) = m
            .from
            .as_ref()
            .and_then(|f| f.resource().map(|r| r.to_string()))
        else {
            return;
        };
        let meta = RoomMeta {
            nick,
            occupant_id: m.occupant_id.clone().filter(|_| s.features.occupant_id),
            mention: false,
        };
        if !room::is_us(&meta, &s.room.nick, s.trusted_occupant_id()) {
            return;
        }
        // In a room a marker names the room's stanza-id (XEP-0333 §3.3), or, from older
        // clients, the message's own id.
        let by_room_id = s.features.sid;
        let target = self
            .find_named(store, jid, |stored| {
                (by_room_id && stored.keys.stanza_id.as_deref() == Some(named.as_str()))
                    || stored.stanza_attr_id.as_deref() == Some(named.as_str())
            })
            .await
            .as_ref()
            .map(ReadPosition::from);
        let me = Jid::from(self.cfg.account.clone());
        self.move_read(store, jid, target, ReadSource::Marker, &me)
            .await;
    }

    /// What the store keeps of a room message with a body.
    pub(in crate::engine) fn room_message(
        &self,
        jid: &BareJid,
        m: &MessageFacts,
        via: Via,
        stamp: DateTime<Utc>,
    ) -> Option<NewMessage> {
        let s = self.rooms.get(jid)?;
        let body = m.text()?;
        let from = m.from.as_ref()?.try_as_full().ok()?.clone();
        let nick = from.resource().to_string();
        let occupant_id = m.occupant_id.clone().filter(|_| s.features.occupant_id);
        let mut meta = RoomMeta {
            nick,
            occupant_id,
            mention: false,
        };
        let ours = room::is_us(&meta, &s.room.nick, s.trusted_occupant_id());
        let occupant = s.occupant_jid().map(|j| j.to_string()).unwrap_or_default();
        meta.mention = !ours
            && room::mentions(
                &body,
                &s.room.nick,
                &m.references,
                &self.cfg.account,
                &occupant,
            );
        let keys = if s.features.sid {
            rules::dedup_keys(
                m.stanza_ids.iter().map(|(by, id)| (by, id.as_str())),
                m.origin_id.as_deref(),
                jid,
            )
        } else {
            DedupKeys {
                stanza_id: None,
                origin_id: m.origin_id.clone(),
            }
        };
        Some(NewMessage {
            peer: jid.clone(),
            from: Jid::from(from),
            direction: if ours { Direction::Out } else { Direction::In },
            body,
            timestamp: crate::model::server_second(stamp),
            via,
            keys,
            stanza_attr_id: m.id.clone(),
            room: Some(meta),
            edit: m.edit.clone(),
        })
    }

    /// A room message of ours about to be stored and sent: our occupant and nick.
    pub(in crate::engine) fn own_room_meta(&self, jid: &BareJid) -> Option<(Jid, RoomMeta)> {
        let s = self.rooms.get(jid)?;
        if s.status != RoomStatus::Joined {
            return None;
        }
        let from = Jid::from(s.occupant_jid()?);
        Some((
            from,
            RoomMeta {
                nick: s.room.nick.clone(),
                occupant_id: s.trusted_occupant_id().map(str::to_owned),
                mention: false,
            },
        ))
    }

    /// The room rule on top of the one-to-one decision: a room notifies for every message,
    /// mentions only (the default) or never.
    pub(in crate::engine) fn room_decision(
        &self,
        m: &StoredMessage,
        decision: Decision,
    ) -> Decision {
        let (Some(meta), Decision::Notify) = (m.room.as_ref(), &decision) else {
            return decision;
        };
        match self.rooms.get(&m.conversation).map(|s| s.room.notify) {
            Some(RoomNotify::All) | None => decision,
            Some(RoomNotify::Mentions) if meta.mention => decision,
            Some(RoomNotify::Mentions) => Decision::Silent(SilentReason::NotMentioned),
            Some(RoomNotify::None) => Decision::Silent(SilentReason::RoomMuted),
        }
    }

    /// A message of ours in a room that another device of ours sent reads the room, as a
    /// reply does in a one-to-one chat.
    pub(in crate::engine) async fn room_reply_reads<S: Store>(
        &mut self,
        store: &S,
        m: &StoredMessage,
    ) {
        if m.room.is_none() || m.direction != Direction::Out || m.via == Via::Local {
            return;
        }
        let me = Jid::from(self.cfg.account.clone());
        self.move_read(
            store,
            &m.conversation,
            Some(ReadPosition::from(m)),
            ReadSource::Reply,
            &me,
        )
        .await;
    }

    /// A self-ping answer: still joined, or not (XEP-0410 §4: `not-acceptable` and
    /// `item-not-found` mean the room lost us; any other error means we are in).
    pub(in crate::engine) fn on_self_ping(
        &mut self,
        jid: &BareJid,
        failure: Option<&Failure>,
        now: DateTime<Utc>,
    ) {
        let lost = failure
            .is_some_and(|f| matches!(f.condition.as_str(), "not-acceptable" | "item-not-found"));
        if let Some(s) = self.rooms.get_mut(jid) {
            s.ping_sent = None;
            s.last_heard = now;
        }
        if lost {
            tracing::info!(room = %jid, "self-ping says we are no longer in the room; rejoining");
            self.rejoin(jid, now);
        }
    }

    /// The room's archive failed: its catch-up stops, the room stays joined.
    pub(in crate::engine) fn on_room_page_error(&mut self, jid: &BareJid, failure: &Failure) {
        self.error(
            ErrorKind::Server,
            format!(
                "{jid}'s archive failed: {}; its catch-up stopped",
                failure.condition
            ),
        );
        self.end_room_catch_up(jid);
    }
}

impl Engine {
    /// A room invitation: shown, never acted on by itself (joining is the user's choice).
    pub(in crate::engine) fn on_invite(
        &mut self,
        invite: &crate::engine::inbound::InviteFacts,
        sender: Option<&Jid>,
    ) {
        // A mediated invite comes from the room, naming the inviter (their JID, or their
        // occupant JID in a room that hides real JIDs); a direct one from the inviter's
        // device. Either way who invites is only a claim: shown, not trusted.
        let from = if invite.direct {
            sender.map(|s| Jid::from(s.to_bare()))
        } else {
            invite.from.clone()
        };
        let Some(from) = from else { return };
        if invite.room.node().is_none() {
            return;
        }
        self.emit(Event::Invite {
            room: invite.room.clone(),
            from,
            reason: invite.reason.clone(),
        });
    }
}
