//! What a room says through presence: occupants joining, leaving and renaming, our own
//! entry (and the configuration of a room we created), kicks, shutdowns, destruction and
//! refused joins.

use super::*;

impl Engine {
    /// A presence from one of our rooms, if it is one: `true` when it was handled here.
    pub(in crate::engine) async fn on_room_presence<S: Store>(
        &mut self,
        store: &S,
        p: &PresenceFacts,
        now: DateTime<Utc>,
    ) -> bool {
        let Some(from) = p.from.as_ref().and_then(|f| f.try_as_full().ok()) else {
            return false;
        };
        let jid = from.to_bare();
        let Some(s) = self.rooms.get_mut(&jid) else {
            return false;
        };
        if !matches!(s.status, RoomStatus::Joined | RoomStatus::Joining) {
            // Not in it (left, or gone): nothing the room says about occupants matters.
            return true;
        }
        s.last_heard = now;
        let nick = from.resource().to_string();
        let muc = p.muc.clone().unwrap_or_default();
        let is_self = muc.codes.contains(&110)
            || (s.status == RoomStatus::Joining && s.joining_nick.as_deref() == Some(&nick));
        if p.show == Show::Unavailable {
            let says_why = muc.destroyed.is_some()
                || muc
                    .codes
                    .iter()
                    .any(|c| matches!(c, 301 | 303 | 307 | 321 | 322 | 332));
            if is_self && s.status == RoomStatus::Joining && !says_why {
                // The answer to an earlier leave, overtaken by this join: the room's answer
                // to the join (our presence, or an error) is still to come.
                tracing::debug!(room = %jid, "ignored the echo of an earlier leave while joining");
                return true;
            }
            if is_self {
                self.on_self_unavailable(store, &jid, &muc, now).await;
            } else {
                self.occupant_left(&jid, nick, &muc);
            }
            return true;
        }
        let info = OccupantInfo {
            nick: nick.clone(),
            role: muc.role.clone(),
            affiliation: muc.affiliation.clone(),
            jid: muc.jid.clone(),
            occupant_id: muc.occupant_id.clone(),
        };
        let known = s.occupants.contains_key(&nick);
        if known || s.occupants.len() < MAX_OCCUPANTS {
            s.occupants.insert(nick.clone(), info);
        }
        if !known {
            self.emit(Event::Occupant {
                room: jid.clone(),
                nick: nick.clone(),
                change: OccupantChange::Joined,
                role: muc.role.clone(),
                this_is_us: is_self,
            });
        }
        if is_self {
            self.on_self_joined(store, &jid, nick, &muc).await;
        }
        true
    }

    pub(in crate::engine) async fn on_self_joined<S: Store>(
        &mut self,
        store: &S,
        jid: &BareJid,
        nick: String,
        muc: &MucFacts,
    ) {
        let Some(s) = self.rooms.get_mut(jid) else {
            return;
        };
        if s.status == RoomStatus::Joined {
            s.our_occupant_id = muc.occupant_id.clone();
            return;
        }
        s.status = RoomStatus::Joined;
        s.joining_nick = None;
        s.nick_tries = 0;
        s.our_occupant_id = muc.occupant_id.clone();
        let nick_changed = s.room.nick != nick;
        s.room.nick = nick;
        let create = s.create.take();
        let bookmark = std::mem::take(&mut s.bookmark_when_open);
        let room = s.room.clone();
        if nick_changed {
            // The room gave us another nick (ours was taken, or it enforces one).
            let _ = self.save_room(store, &room).await;
        }
        if muc.codes.contains(&201) {
            // A new room, locked until its owner configures it (XEP-0045 §10.1): our
            // other devices learn of it (the bookmark) once it is configured.
            let members_only = create.unwrap_or(false);
            self.request(
                Some(Jid::from(jid.clone())),
                Request::ConfigureRoom { members_only },
                Pending::ConfigureRoom(jid.clone(), bookmark),
            );
        } else if bookmark {
            self.publish_bookmark(&room);
        }
        self.emit(Event::Room {
            room: jid.clone(),
            state: RoomStatus::Joined,
            reason: None,
        });
        self.request(
            Some(Jid::from(jid.clone())),
            Request::RoomInfo,
            Pending::RoomInfo(jid.clone()),
        );
    }

    pub(in crate::engine) async fn on_self_unavailable<S: Store>(
        &mut self,
        store: &S,
        jid: &BareJid,
        muc: &MucFacts,
        now: DateTime<Utc>,
    ) {
        if let Some(reason) = &muc.destroyed {
            let reason = if reason.is_empty() {
                "the room was destroyed".to_owned()
            } else {
                format!("the room was destroyed: {reason}")
            };
            return self.room_gone(store, jid, reason, now).await;
        }
        if muc.codes.contains(&303) {
            // Our own nick change: the new nick's presence follows.
            if let (Some(s), Some(new)) = (self.rooms.get_mut(jid), muc.new_nick.clone()) {
                s.occupants.remove(&s.room.nick);
                s.room.nick = new;
                let room = s.room.clone();
                let _ = self.save_room(store, &room).await;
            }
            return;
        }
        if muc.codes.contains(&332) {
            // The room's service is shutting down: come back when it does.
            tracing::info!(%jid, "room service shut down; rejoining");
            if let Some(s) = self.rooms.get_mut(jid) {
                *s = RoomState::new(s.room.clone(), now);
            }
            self.emit(Event::Room {
                room: jid.clone(),
                state: RoomStatus::Left,
                reason: Some("the room's service shut down".into()),
            });
            return self.enter(jid, now);
        }
        let reason = if muc.codes.contains(&307) {
            Some("kicked from the room".to_owned())
        } else if muc.codes.contains(&301) {
            Some("banned from the room".to_owned())
        } else if muc.codes.contains(&321) {
            Some("removed: affiliation changed".to_owned())
        } else if muc.codes.contains(&322) {
            Some("removed: the room is now members-only".to_owned())
        } else {
            None
        };
        if let Some(s) = self.rooms.get_mut(jid) {
            *s = RoomState::new(s.room.clone(), now);
        }
        self.emit(Event::Room {
            room: jid.clone(),
            state: RoomStatus::Left,
            reason,
        });
    }

    pub(in crate::engine) fn occupant_left(&mut self, jid: &BareJid, nick: String, muc: &MucFacts) {
        let Some(s) = self.rooms.get_mut(jid) else {
            return;
        };
        let Some(mut info) = s.occupants.remove(&nick) else {
            return;
        };
        let change = match muc.new_nick.clone().filter(|_| muc.codes.contains(&303)) {
            Some(to) => {
                info.nick = to.clone();
                s.occupants.insert(to.clone(), info.clone());
                OccupantChange::Renamed { to }
            }
            None => OccupantChange::Left,
        };
        self.emit(Event::Occupant {
            room: jid.clone(),
            nick,
            change,
            role: info.role,
            this_is_us: false,
        });
    }

    /// A presence error from one of our rooms: `true` when it was handled here.
    pub(in crate::engine) async fn on_room_presence_error<S: Store>(
        &mut self,
        store: &S,
        from: Option<&Jid>,
        failure: &Failure,
        now: DateTime<Utc>,
    ) -> bool {
        let Some(jid) = from.map(Jid::to_bare) else {
            return false;
        };
        let Some(s) = self.rooms.get_mut(&jid) else {
            return false;
        };
        if s.status != RoomStatus::Joining {
            return true;
        }
        match failure.condition.as_str() {
            "conflict" if s.nick_tries < NICK_RETRIES => {
                s.nick_tries += 1;
                let tried = s
                    .joining_nick
                    .clone()
                    .unwrap_or_else(|| s.room.nick.clone());
                s.joining_nick = Some(format!("{tried}_"));
                s.status = RoomStatus::Left;
                self.enter(&jid, now);
            }
            "item-not-found" | "gone" | "remote-server-not-found" => {
                let reason = format!("the room does not exist ({})", failure.condition);
                self.room_gone(store, &jid, reason, now).await;
            }
            condition => {
                let reason = match condition {
                    "conflict" => "our nick is taken in the room".to_owned(),
                    "not-authorized" => "the room needs a password".to_owned(),
                    "registration-required" => "the room is members-only".to_owned(),
                    "forbidden" => "banned from the room".to_owned(),
                    "service-unavailable" => "the room is full".to_owned(),
                    other => format!("the room refused us: {other}"),
                };
                *s = RoomState::new(s.room.clone(), now);
                self.error(ErrorKind::Server, format!("cannot join {jid}: {reason}"));
                self.emit(Event::Room {
                    room: jid,
                    state: RoomStatus::Left,
                    reason: Some(reason),
                });
            }
        }
        true
    }
}
