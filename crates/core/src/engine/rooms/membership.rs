//! Which rooms this device is in: joining and leaving (here or, through the bookmarks,
//! on another device), bookmarks (XEP-0402), self-pings (XEP-0410) and gone rooms.

use super::*;

impl Engine {
    /// A fresh stream: every room starts from `Left`; the stored ones are loaded, and the
    /// bookmarks asked for (their answer joins the autojoin rooms).
    pub(in crate::engine) async fn rooms_online<S: Store>(
        &mut self,
        store: &S,
        now: DateTime<Utc>,
    ) {
        for state in self.rooms.values_mut() {
            *state = RoomState::new(state.room.clone(), now);
        }
        match store.rooms(&self.cfg.account).await {
            Ok(rooms) => {
                for room in rooms.into_iter().take(MAX_ROOMS) {
                    self.rooms
                        .insert(room.jid.clone(), RoomState::new(room, now));
                }
            }
            Err(e) => self.storage_error(format!("cannot load rooms: {e}")),
        }
        self.bookmarks_refetched = false;
        // Where do our bookmarks live? XEP-0402 where the account says so, else XEP-0048.
        self.legacy_bookmarks = None;
        let account = Jid::from(self.cfg.account.clone());
        self.request(Some(account), Request::DiscoInfo, Pending::AccountInfo);
    }

    /// A room we created is configured (open to others): bookmark it now if the user
    /// joined it here.
    pub(in crate::engine) fn on_room_configured(&mut self, jid: &BareJid, bookmark: bool) {
        if !bookmark {
            return;
        }
        if let Some(room) = self.rooms.get(jid).map(|s| s.room.clone()) {
            self.publish_bookmark(&room);
        }
    }

    /// Our server stored a bookmark we published.
    pub(in crate::engine) fn on_bookmarked(&mut self, room: BareJid) {
        self.bookmarks_local.remove(&room);
        if let Some(autojoin) = self.rooms.get(&room).map(|s| s.room.autojoin) {
            self.emit(Event::Bookmarked { room, autojoin });
        }
    }

    /// Our PEP service just learnt our `+notify` interests: fetch the bookmarks once more
    /// (once per stream), for any published between our sign-in's fetch and now.
    pub(in crate::engine) fn bookmarks_after_caps(&mut self) {
        // Only XEP-0402 notifies; and before our account said which kind it has, the first
        // fetch is still to come (after this).
        if !std::mem::replace(&mut self.bookmarks_refetched, true)
            && self.legacy_bookmarks == Some(false)
        {
            self.request(None, Request::Bookmarks, Pending::Bookmarks);
        }
    }

    /// Our account's features: fetch the bookmarks where they live.
    pub(in crate::engine) fn on_account_info(&mut self, features: &[String]) {
        let legacy = !features.iter().any(|f| f == BOOKMARKS_COMPAT);
        self.legacy_bookmarks = Some(legacy);
        if legacy {
            tracing::info!("no XEP-0402 bookmarks on this server: using XEP-0048 private storage");
            self.request(None, Request::LegacyBookmarks, Pending::Bookmarks);
        } else {
            self.request(None, Request::Bookmarks, Pending::Bookmarks);
        }
        // What the user did here that the server never confirmed (the stream dropped
        // first) is published again, where the bookmarks live, so no join or leave is lost.
        let unconfirmed: Vec<Room> = self
            .bookmarks_local
            .iter()
            .filter_map(|j| self.rooms.get(j).map(|s| s.room.clone()))
            .collect();
        for room in unconfirmed {
            self.publish_bookmark(&room);
        }
    }

    /// The stream was resumed: rooms are still joined as far as the server is concerned,
    /// but a room may have dropped us meanwhile: ping each.
    pub(in crate::engine) fn rooms_resumed(&mut self, now: DateTime<Utc>) {
        let joined: Vec<BareJid> = self
            .rooms
            .iter()
            .filter(|(_, s)| s.status == RoomStatus::Joined)
            .map(|(j, _)| j.clone())
            .collect();
        for room in joined {
            self.self_ping(&room, now);
        }
    }

    /// Once a minute or so: ping rooms that were quiet for [`SELF_PING_IDLE`] (never in
    /// quiet mode: that would wake the phone), and rejoin those whose ping went unanswered.
    pub(in crate::engine) fn rooms_tick(&mut self, now: DateTime<Utc>) {
        let mut lost = Vec::new();
        let mut ping = Vec::new();
        for (jid, s) in &self.rooms {
            if s.status != RoomStatus::Joined {
                continue;
            }
            match s.ping_sent {
                Some(since) if now - since >= SELF_PING_TIMEOUT => lost.push(jid.clone()),
                Some(_) => {}
                None if !self.quiet && now - s.last_heard >= SELF_PING_IDLE => {
                    ping.push(jid.clone())
                }
                None => {}
            }
        }
        for room in ping {
            self.self_ping(&room, now);
        }
        for room in lost {
            tracing::info!(%room, "self-ping unanswered; rejoining");
            self.rejoin(&room, now);
        }
    }

    pub(in crate::engine) fn self_ping(&mut self, room: &BareJid, now: DateTime<Utc>) {
        let Some(s) = self.rooms.get_mut(room) else {
            return;
        };
        let Some(me) = s.occupant_jid() else { return };
        s.ping_sent = Some(now);
        self.request(
            Some(Jid::from(me)),
            Request::SelfPing,
            Pending::SelfPing(room.clone()),
        );
    }

    /// The user joins (or creates) a room on this device: stored with autojoin, bookmarked
    /// (so every other device joins it too), and entered.
    pub(in crate::engine) async fn join_room<S: Store>(
        &mut self,
        store: &S,
        jid: BareJid,
        nick: Option<String>,
        create: Option<bool>,
        now: DateTime<Utc>,
    ) {
        if jid.node().is_none() {
            return self.error(
                ErrorKind::Command,
                format!("{jid} is not a room (a room JID has a local part: room@service)"),
            );
        }
        if !self.rooms.contains_key(&jid) && self.rooms.len() >= MAX_ROOMS {
            return self.error(ErrorKind::Command, format!("at most {MAX_ROOMS} rooms"));
        }
        let default_nick = || self.cfg.account.node().map(|n| n.to_string());
        let mut room = match self.rooms.get(&jid) {
            Some(s) => s.room.clone(),
            None => Room {
                jid: jid.clone(),
                name: None,
                nick: String::new(),
                autojoin: true,
                notify: RoomNotify::default(),
                gone: None,
            },
        };
        if let Some(nick) = nick.filter(|n| !n.trim().is_empty()) {
            room.nick = nick;
        }
        if room.nick.is_empty() {
            room.nick = default_nick().unwrap_or_else(|| "tandem".into());
        }
        room.autojoin = true;
        room.gone = None;
        self.bookmarks_local.insert(jid.clone());
        if self.save_room(store, &room).await.is_err() {
            return;
        }
        let state = self
            .rooms
            .entry(jid.clone())
            .or_insert_with(|| RoomState::new(room.clone(), now));
        state.room = room.clone();
        state.create = create;
        if state.status == RoomStatus::Joined {
            // Already in it here (joined from the bookmark): make sure autojoin is on.
            return self.publish_bookmark(&room);
        }
        state.bookmark_when_open = true;
        self.enter(&jid, now);
    }

    /// The user leaves a room on this device: autojoin off in the bookmark (which stays),
    /// so every device leaves.
    pub(in crate::engine) async fn leave_room<S: Store>(
        &mut self,
        store: &S,
        jid: BareJid,
        now: DateTime<Utc>,
    ) {
        let Some(mut room) = self.rooms.get(&jid).map(|s| s.room.clone()) else {
            return self.error(ErrorKind::Command, format!("{jid} is not one of our rooms"));
        };
        self.bookmarks_local.insert(jid.clone());
        room.autojoin = false;
        if self.save_room(store, &room).await.is_err() {
            return;
        }
        self.publish_bookmark(&room);
        if let Some(s) = self.rooms.get_mut(&jid) {
            s.room = room;
        }
        self.exit(&jid, None, now);
    }

    /// The user changes how a room notifies.
    pub(in crate::engine) async fn set_room_notify<S: Store>(
        &mut self,
        store: &S,
        jid: BareJid,
        notify: RoomNotify,
    ) {
        let Some(mut room) = self.rooms.get(&jid).map(|s| s.room.clone()) else {
            return self.error(ErrorKind::Command, format!("{jid} is not one of our rooms"));
        };
        room.notify = notify;
        if self.save_room(store, &room).await.is_ok() {
            if let Some(s) = self.rooms.get_mut(&jid) {
                s.room = room;
            }
        }
    }

    /// The user invites a contact to a room we are in (a mediated invite, XEP-0045 §7.8.2).
    pub(in crate::engine) fn invite(&mut self, room: BareJid, invitee: BareJid) {
        if self.rooms.get(&room).map(|s| s.status) != Some(RoomStatus::Joined) {
            return self.error(ErrorKind::Command, format!("not in {room}"));
        }
        self.send(Outbound::InviteToRoom { room, invitee });
    }

    pub(in crate::engine) async fn save_room<S: Store>(
        &mut self,
        store: &S,
        room: &Room,
    ) -> Result<(), ()> {
        match store.upsert_room(&self.cfg.account, room).await {
            Ok(()) => Ok(()),
            Err(e) => {
                self.storage_error(format!("cannot store room {}: {e}", room.jid));
                Err(())
            }
        }
    }

    pub(in crate::engine) fn publish_bookmark(&mut self, room: &Room) {
        if self.legacy_bookmarks == Some(true) {
            // XEP-0048 keeps every bookmark in one document: store it whole, with this one
            // as it is now. (No notification reaches our other devices: they read it at
            // their next sign-in.)
            let mut all: Vec<Room> = self
                .rooms
                .values()
                .filter(|s| s.room.jid != room.jid)
                .map(|s| s.room.clone())
                .collect();
            all.push(room.clone());
            all.sort_by(|a, b| a.jid.cmp(&b.jid));
            return self.request(
                None,
                Request::StoreLegacyBookmarks(all),
                Pending::BookmarkPublish(room.jid.clone()),
            );
        }
        self.request(
            None,
            Request::PublishBookmark {
                room: room.jid.clone(),
                name: room.name.clone(),
                autojoin: room.autojoin,
                nick: room.nick.clone(),
            },
            Pending::BookmarkPublish(room.jid.clone()),
        );
    }

    /// Sends the join presence (history off: the room's archive brings it).
    pub(in crate::engine) fn enter(&mut self, jid: &BareJid, now: DateTime<Utc>) {
        let Some(s) = self.rooms.get_mut(jid) else {
            return;
        };
        if matches!(s.status, RoomStatus::Joined | RoomStatus::Joining) {
            return;
        }
        let nick = s
            .joining_nick
            .clone()
            .unwrap_or_else(|| s.room.nick.clone());
        let Ok(to) = jid.with_resource_str(&nick) else {
            let message = format!("{nick:?} cannot be a nick in {jid}");
            return self.error(ErrorKind::Command, message);
        };
        s.status = RoomStatus::Joining;
        s.joining_nick = Some(nick);
        s.last_heard = now;
        s.ping_sent = None;
        self.send(Outbound::JoinRoom { to });
        self.emit(Event::Room {
            room: jid.clone(),
            state: RoomStatus::Joining,
            reason: None,
        });
    }

    /// Leaves the room on this device (if in it) and says so.
    pub(in crate::engine) fn exit(
        &mut self,
        jid: &BareJid,
        reason: Option<String>,
        now: DateTime<Utc>,
    ) {
        let Some(s) = self.rooms.get_mut(jid) else {
            return;
        };
        let was_in = matches!(s.status, RoomStatus::Joined | RoomStatus::Joining);
        let to = s.occupant_jid();
        *s = RoomState::new(s.room.clone(), now);
        if was_in {
            if let Some(to) = to {
                self.send(Outbound::LeaveRoom { to });
            }
        }
        self.emit(Event::Room {
            room: jid.clone(),
            state: RoomStatus::Left,
            reason,
        });
    }

    /// Enters again after the room lost us (a failed self-ping, a shutdown kick).
    pub(in crate::engine) fn rejoin(&mut self, jid: &BareJid, now: DateTime<Utc>) {
        if let Some(s) = self.rooms.get_mut(jid) {
            *s = RoomState::new(s.room.clone(), now);
        }
        self.enter(jid, now);
    }

    /// The room is gone (destroyed, or not found): shown as such, autojoin off, never
    /// retried.
    pub(in crate::engine) async fn room_gone<S: Store>(
        &mut self,
        store: &S,
        jid: &BareJid,
        reason: String,
        now: DateTime<Utc>,
    ) {
        let Some(mut room) = self.rooms.get(jid).map(|s| s.room.clone()) else {
            return;
        };
        room.autojoin = false;
        room.gone = Some(reason.clone());
        if self.save_room(store, &room).await.is_ok() {
            self.publish_bookmark(&room);
        }
        if let Some(s) = self.rooms.get_mut(jid) {
            *s = RoomState::new(room, now);
            s.status = RoomStatus::Gone;
        }
        self.emit(Event::Room {
            room: jid.clone(),
            state: RoomStatus::Gone,
            reason: Some(reason),
        });
    }

    /// Our bookmarks (the items result, `full`: every bookmark there is) or a change to
    /// them (an event from our own PEP: `full` false). Autojoin bookmarks are joined at
    /// once; a room whose bookmark lost autojoin, or was retracted, is left.
    pub(in crate::engine) async fn on_bookmarks<S: Store>(
        &mut self,
        store: &S,
        items: &[PubsubItem],
        retracted: &[String],
        full: bool,
        now: DateTime<Utc>,
    ) {
        tracing::debug!(
            items = items.len(),
            retracted = retracted.len(),
            full,
            "bookmarks"
        );
        let mut listed = Vec::new();
        for item in items.iter().take(MAX_ROOMS) {
            let (Some(id), Some(b)) = (item.id.as_deref(), item.bookmark.as_ref()) else {
                continue;
            };
            let Ok(jid) = BareJid::new(id) else {
                tracing::warn!(id, "ignored a bookmark whose id is not a JID");
                continue;
            };
            if jid.node().is_none() {
                continue;
            }
            listed.push(jid.clone());
            if full && self.bookmarks_local.contains(&jid) {
                // Joined or left here since the list was asked for: the list is older.
                continue;
            }
            if !self.rooms.contains_key(&jid) && self.rooms.len() >= MAX_ROOMS {
                continue;
            }
            let current = self.rooms.get(&jid).map(|s| s.room.clone());
            let nick = b
                .nick
                .clone()
                .filter(|n| !n.trim().is_empty())
                .or_else(|| current.as_ref().map(|r| r.nick.clone()))
                .filter(|n| !n.is_empty())
                .or_else(|| self.cfg.account.node().map(|n| n.to_string()))
                .unwrap_or_else(|| "tandem".into());
            let room = Room {
                jid: jid.clone(),
                name: b
                    .name
                    .clone()
                    .or_else(|| current.as_ref().and_then(|r| r.name.clone())),
                nick,
                autojoin: b.autojoin,
                notify: current.as_ref().map(|r| r.notify).unwrap_or_default(),
                // A bookmark set to autojoin again (joined anew somewhere) clears "gone".
                gone: if b.autojoin {
                    None
                } else {
                    current.as_ref().and_then(|r| r.gone.clone())
                },
            };
            if current.as_ref() != Some(&room) && self.save_room(store, &room).await.is_err() {
                continue;
            }
            let state = self
                .rooms
                .entry(jid.clone())
                .or_insert_with(|| RoomState::new(room.clone(), now));
            let nick_changed = state.room.nick != room.nick;
            state.room = room.clone();
            if room.autojoin {
                if nick_changed && state.status == RoomStatus::Joined {
                    self.rejoin(&jid, now);
                } else {
                    self.enter(&jid, now);
                }
            } else if matches!(state.status, RoomStatus::Joined | RoomStatus::Joining) {
                self.exit(&jid, Some("left on another device".into()), now);
            }
        }
        let mut gone_from_bookmarks: Vec<BareJid> = retracted
            .iter()
            .filter_map(|id| BareJid::new(id).ok())
            .collect();
        if full {
            gone_from_bookmarks.extend(
                self.rooms
                    .iter()
                    .filter(|(j, s)| {
                        s.room.autojoin && !listed.contains(j) && !self.bookmarks_local.contains(*j)
                    })
                    .map(|(j, _)| j.clone()),
            );
        }
        if full {
            // Joined here but not confirmed by the server yet (the list is older): still in.
            let local: Vec<BareJid> = self
                .bookmarks_local
                .iter()
                .filter(|j| {
                    self.rooms
                        .get(*j)
                        .is_some_and(|s| s.room.autojoin && s.room.gone.is_none())
                })
                .cloned()
                .collect();
            for jid in local {
                self.enter(&jid, now);
            }
        }
        for jid in gone_from_bookmarks {
            let Some(mut room) = self.rooms.get(&jid).map(|s| s.room.clone()) else {
                continue;
            };
            if room.autojoin {
                room.autojoin = false;
                if self.save_room(store, &room).await.is_err() {
                    continue;
                }
                if let Some(s) = self.rooms.get_mut(&jid) {
                    s.room = room;
                }
            }
            if self
                .rooms
                .get(&jid)
                .is_some_and(|s| matches!(s.status, RoomStatus::Joined | RoomStatus::Joining))
            {
                self.exit(&jid, Some("left on another device".into()), now);
            }
        }
    }

    /// The bookmarks could not be fetched: a missing node means none; anything else leaves
    /// the stored rooms as they are and joins the autojoin ones.
    pub(in crate::engine) async fn on_bookmarks_error<S: Store>(
        &mut self,
        store: &S,
        failure: Failure,
        now: DateTime<Utc>,
    ) {
        if failure.item_not_found() {
            return self.on_bookmarks(store, &[], &[], true, now).await;
        }
        tracing::warn!(condition = %failure.condition, "bookmarks unavailable; joining stored rooms");
        let autojoin: Vec<BareJid> = self
            .rooms
            .iter()
            .filter(|(_, s)| s.room.autojoin && s.room.gone.is_none())
            .map(|(j, _)| j.clone())
            .collect();
        for jid in autojoin {
            self.enter(&jid, now);
        }
    }
}
