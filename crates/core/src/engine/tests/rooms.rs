//! Group chat: bookmarks join a room on every device (and only our own bookmarks do), each
//! room's history comes from its archive exactly once, rooms stay joined, and notifications
//! follow the active-device rule and the room's own setting.

use super::super::inbound::{BookmarkFacts, MessageKind, MucFacts};
use super::*;
use crate::engine::rooms::BOOKMARKS_COMPAT;
use crate::event::{OccupantChange, RoomStatus};
use crate::room::{RoomMeta, RoomNotify};

pub(super) const ROOM: &str = "room@conference.example.org";

pub(super) fn room() -> BareJid {
    bare(ROOM)
}

fn occupant(nick: &str) -> Jid {
    jid(&format!("{ROOM}/{nick}"))
}

fn bookmark(room: &str, autojoin: bool) -> PubsubItem {
    PubsubItem {
        id: Some(room.into()),
        bookmark: Some(BookmarkFacts {
            name: Some("The room".into()),
            autojoin,
            nick: Some("alice".into()),
        }),
        ..PubsubItem::default()
    }
}

fn muc_presence(nick: &str, show: Show, codes: &[u16]) -> Inbound {
    Inbound::Presence(PresenceFacts {
        from: Some(occupant(nick)),
        show,
        delays: vec![],
        idle: false,
        muc: Some(MucFacts {
            role: "participant".into(),
            affiliation: "member".into(),
            codes: codes.to_vec(),
            ..MucFacts::default()
        }),
    })
}

/// A room message from `nick`, with the room's stanza-id `sid`.
pub(super) fn in_room(nick: &str, sid: &str, body: &str) -> MessageFacts {
    MessageFacts {
        from: Some(occupant(nick)),
        to: Some(jid("alice@example.org/laptop")),
        id: Some(format!("{nick}-{sid}")),
        kind: MessageKind::Groupchat,
        body: Some(body.into()),
        stanza_ids: vec![(jid(ROOM), sid.into())],
        ..MessageFacts::default()
    }
}

/// The bookmark published, if any: (autojoin, nick).
fn published(effects: &[Effect]) -> Option<(bool, String)> {
    sent(effects).into_iter().find_map(|o| match o {
        Outbound::Request {
            request: Request::PublishBookmark { autojoin, nick, .. },
            ..
        } => Some((*autojoin, nick.clone())),
        _ => None,
    })
}

fn joins(effects: &[Effect]) -> Vec<String> {
    sent(effects)
        .into_iter()
        .filter_map(|o| match o {
            Outbound::JoinRoom { to } => Some(to.to_string()),
            _ => None,
        })
        .collect()
}

fn room_events(effects: &[Effect]) -> Vec<(RoomStatus, Option<String>)> {
    events(effects)
        .into_iter()
        .filter_map(|e| match e {
            Event::Room { state, reason, .. } => Some((*state, reason.clone())),
            _ => None,
        })
        .collect()
}

impl Rig {
    /// Answers the sign-in's bookmarks request with these items.
    async fn bookmarks(&mut self, signed_in: &[Effect], items: Vec<PubsubItem>) -> Vec<Effect> {
        self.bookmarks_on(signed_in, items, &[BOOKMARKS_COMPAT])
            .await
    }

    /// Answers the sign-in's question about our account (its `features`), then the bookmark
    /// fetch that follows with these items.
    async fn bookmarks_on(
        &mut self,
        signed_in: &[Effect],
        items: Vec<PubsubItem>,
        features: &[&str],
    ) -> Vec<Effect> {
        let info =
            request_id(signed_in, |r| matches!(r, Request::DiscoInfo)).expect("account info asked");
        let asked = self
            .answer(
                info,
                Answer::DiscoInfo {
                    identities: vec![("account".into(), "registered".into())],
                    features: features.iter().map(|f| f.to_string()).collect(),
                },
            )
            .await;
        let id = request_id(&asked, |r| {
            matches!(r, Request::Bookmarks | Request::LegacyBookmarks)
        })
        .expect("bookmarks asked");
        let mut effects = asked;
        effects.extend(self.answer(id, Answer::Items(items)).await);
        effects
    }
    /// Signs in with the room bookmarked, enters it and answers its disco#info (`features`)
    /// and, when it has an archive, an empty first page. Returns the effects of entering.
    /// Answers the room's disco#info asked in `effects` with these features.
    async fn room_info(&mut self, effects: &[Effect], features: &[&str]) -> Vec<Effect> {
        let info =
            request_id(effects, |r| matches!(r, Request::RoomInfo)).expect("room info asked");
        self.stanza(Inbound::Result {
            from: Some(jid(ROOM)),
            id: info,
            answer: Answer::DiscoInfo {
                identities: vec![("conference".into(), "text".into())],
                features: features.iter().map(|f| f.to_string()).collect(),
            },
        })
        .await
    }

    pub(super) async fn in_room(&mut self, features: &[&str]) -> Vec<Effect> {
        let signed_in = self.online().await;
        let mut effects = self.bookmarks(&signed_in, vec![bookmark(ROOM, true)]).await;
        effects.extend(
            self.stanza(muc_presence("alice", Show::Available, &[110]))
                .await,
        );
        let answered = self.room_info(&effects, features).await;
        effects.extend(answered.clone());
        if let Some(page) = request_id(&answered, |r| matches!(r, Request::RoomPage(_))) {
            effects.extend(
                self.stanza(Inbound::Result {
                    from: Some(jid(ROOM)),
                    id: page,
                    answer: Answer::Fin {
                        last: None,
                        complete: true,
                    },
                })
                .await,
            );
        }
        effects
    }
}

pub(super) const FULL: &[&str] = &["urn:xmpp:sid:0", "urn:xmpp:mam:2", "urn:xmpp:occupant-id:0"];

#[tokio::test]
async fn bookmarks_at_sign_in_join_the_autojoin_rooms_without_history() {
    let mut rig = Rig::new("laptop");
    let signed_in = rig.online().await;
    let effects = rig
        .bookmarks(
            &signed_in,
            vec![
                bookmark(ROOM, true),
                bookmark("quiet@conference.example.org", false),
            ],
        )
        .await;
    assert_eq!(joins(&effects), vec![format!("{ROOM}/alice")]);
    assert_eq!(rig.engine.room_status(&room()), Some(RoomStatus::Joining));
    let stored = rig.store.rooms(&alice()).await.expect("rooms");
    assert_eq!(stored.len(), 2);
    assert!(stored
        .iter()
        .any(|r| r.jid == room() && r.autojoin && r.nick == "alice"));
}

#[tokio::test]
async fn a_bookmark_event_from_anyone_but_our_account_never_joins_a_room() {
    let mut rig = Rig::new("laptop");
    let signed_in = rig.online().await;
    rig.bookmarks(&signed_in, vec![]).await;
    for forger in ["bob@example.net", "alice@example.org/phone", "example.org"] {
        let effects = rig
            .stanza(Inbound::Pubsub {
                outer: Envelope {
                    from: Some(jid(forger)),
                    delays: vec![],
                },
                node: BOOKMARKS_NODE.into(),
                items: vec![bookmark("trap@conference.evil.example", true)],
                retracted: vec![],
            })
            .await;
        assert!(joins(&effects).is_empty(), "{forger}: {effects:?}");
    }
    assert!(rig.store.rooms(&alice()).await.expect("rooms").is_empty());
    // Our own account's event joins at once, with no restart.
    let effects = rig
        .stanza(Inbound::Pubsub {
            outer: own_envelope(),
            node: BOOKMARKS_NODE.into(),
            items: vec![bookmark(ROOM, true)],
            retracted: vec![],
        })
        .await;
    assert_eq!(joins(&effects), vec![format!("{ROOM}/alice")]);
}

#[tokio::test]
async fn joining_bookmarks_the_room_and_leaving_turns_autojoin_off_everywhere() {
    let mut rig = Rig::new("laptop");
    let signed_in = rig.online().await;
    rig.bookmarks(&signed_in, vec![]).await;
    let effects = rig
        .command(Command::Join {
            room: room(),
            nick: Some("Alice".into()),
            create: None,
        })
        .await;
    assert_eq!(joins(&effects), vec![format!("{ROOM}/Alice")]);
    assert_eq!(published(&effects), None, "not before the room let us in");
    let effects = rig
        .stanza(muc_presence("Alice", Show::Available, &[110]))
        .await;
    assert_eq!(published(&effects), Some((true, "Alice".to_owned())));

    // Another device left: its bookmark update (autojoin off) makes this one leave.
    let effects = rig
        .stanza(Inbound::Pubsub {
            outer: own_envelope(),
            node: BOOKMARKS_NODE.into(),
            items: vec![bookmark(ROOM, false)],
            retracted: vec![],
        })
        .await;
    assert!(sent(&effects)
        .iter()
        .any(|o| matches!(o, Outbound::LeaveRoom { .. })));
    assert_eq!(room_events(&effects)[0].0, RoomStatus::Left);
    let stored = rig.store.rooms(&alice()).await.expect("rooms");
    assert!(!stored[0].autojoin, "the bookmark stays, autojoin off");

    // Leaving here publishes autojoin off.
    rig.command(Command::Join {
        room: room(),
        nick: None,
        create: None,
    })
    .await;
    let effects = rig.command(Command::Leave(room())).await;
    assert!(sent(&effects).iter().any(|o| matches!(
        o,
        Outbound::Request {
            request: Request::PublishBookmark {
                autojoin: false,
                ..
            },
            ..
        }
    )));
}

#[tokio::test]
async fn the_history_comes_from_the_room_s_archive_once_and_live_copies_are_duplicates() {
    let mut rig = Rig::new("laptop");
    let signed_in = rig.online().await;
    let mut effects = rig.bookmarks(&signed_in, vec![bookmark(ROOM, true)]).await;
    effects.extend(rig.stanza(muc_presence("bob", Show::Available, &[])).await);
    effects.extend(
        rig.stanza(muc_presence("alice", Show::Available, &[110]))
            .await,
    );
    assert!(events(&effects).iter().any(|e| matches!(
        e,
        Event::Occupant {
            change: OccupantChange::Joined,
            this_is_us: false,
            ..
        }
    )));
    let effects = rig.room_info(&effects, FULL).await;
    let Some(Outbound::Request {
        id: page_id,
        to,
        request: Request::RoomPage(page),
    }) = sent(&effects).into_iter().next().cloned()
    else {
        panic!("no room page asked: {effects:?}");
    };
    assert_eq!(to, Some(jid(ROOM)));
    assert_eq!(page.after, None, "a new room: its whole history");
    let result = |n: u32, from: &str| Inbound::Archived {
        outer: Envelope {
            from: Some(jid(from)),
            delays: vec![],
        },
        query_id: Some(page.query_id.clone()),
        id: format!("r{n}"),
        delay: Some(t0() - Delta::minutes(10) + Delta::seconds(i64::from(n))),
        inner: in_room("bob", &format!("r{n}"), &format!("old {n}")),
    };
    rig.stanza(result(1, ROOM)).await;
    rig.stanza(result(2, ROOM)).await;
    // A result from anyone but the room is not the room's history.
    rig.stanza(result(3, "bob@example.net")).await;
    let effects = rig
        .stanza(Inbound::Result {
            from: Some(jid(ROOM)),
            id: page_id,
            answer: Answer::Fin {
                last: Some("r2".into()),
                complete: true,
            },
        })
        .await;
    assert_eq!(
        decisions(&effects),
        vec![Decision::Silent(SilentReason::CatchUp); 2]
    );
    assert!(events(&effects).iter().any(|e| matches!(
        e,
        Event::RoomCatchUp {
            stored: 2,
            done: true,
            ..
        }
    )));
    assert_eq!(
        rig.store
            .room_archive_position(&alice(), &room())
            .await
            .expect("position"),
        Some("r2".into())
    );
    // The live copy of r2 is a duplicate; r4 is new.
    rig.stanza(Inbound::Message(in_room("bob", "r2", "old 2")))
        .await;
    rig.stanza(Inbound::Message(in_room("bob", "r4", "new")))
        .await;
    let bodies: Vec<String> = rig
        .history(ROOM)
        .await
        .into_iter()
        .map(|m| m.body)
        .collect();
    assert_eq!(bodies, ["old 1", "old 2", "new"]);
    let stored = rig.history(ROOM).await;
    assert_eq!(
        stored[0].room,
        Some(RoomMeta {
            nick: "bob".into(),
            occupant_id: None,
            mention: false
        })
    );
}

#[tokio::test]
async fn without_urn_xmpp_sid_0_a_room_s_stanza_ids_are_not_trusted() {
    let mut rig = Rig::new("laptop");
    rig.in_room(&["urn:xmpp:mam:2"]).await;
    // Bob claims the same stanza-id for two different messages: both are kept.
    rig.stanza(Inbound::Message(in_room("bob", "same", "one")))
        .await;
    rig.stanza(Inbound::Message(in_room("bob", "same", "two")))
        .await;
    assert_eq!(rig.history(ROOM).await.len(), 2);
}

#[tokio::test]
async fn a_forged_second_stanza_id_makes_neither_count() {
    let mut rig = Rig::new("laptop");
    rig.in_room(FULL).await;
    rig.stanza(Inbound::Message(in_room("bob", "s1", "first")))
        .await;
    let mut forged = in_room("colin", "s2", "second");
    // Colin adds a claim in the room's name for bob's message: two claims, neither counts.
    forged.stanza_ids.push((jid(ROOM), "s1".into()));
    rig.stanza(Inbound::Message(forged)).await;
    let bodies: Vec<String> = rig
        .history(ROOM)
        .await
        .into_iter()
        .map(|m| m.body)
        .collect();
    assert_eq!(bodies, ["first", "second"]);
}

#[tokio::test]
async fn our_reflected_message_meets_its_local_copy() {
    let mut rig = Rig::new("laptop");
    rig.in_room(FULL).await;
    let (sent_msg, chat) = match rig
        .engine
        .send_message(&rig.store, Jid::from(room()), "hello room".into(), rig.now)
        .await
        .0
    {
        Ok(ok) => ok,
        Err(e) => panic!("not sent: {e}"),
    };
    assert_eq!(chat.kind, MessageKind::Groupchat);
    assert_eq!(sent_msg.direction, Direction::Out);
    let mut echo = in_room("alice", "s9", "hello room");
    echo.origin_id = Some(chat.id.clone());
    rig.stanza(Inbound::Message(echo)).await;
    let history = rig.history(ROOM).await;
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(
        history[0].keys.stanza_id.as_deref(),
        Some("s9"),
        "the room's id filled in"
    );
}

#[tokio::test]
async fn a_room_not_joined_cannot_be_written_to() {
    let mut rig = Rig::new("laptop");
    let signed_in = rig.online().await;
    rig.bookmarks(&signed_in, vec![bookmark(ROOM, false)]).await;
    let (result, _) = rig
        .engine
        .send_message(&rig.store, Jid::from(room()), "anyone?".into(), rig.now)
        .await;
    assert!(matches!(result, Err(SendError::NotInRoom(_))), "{result:?}");
    assert!(rig.history(ROOM).await.is_empty());
}

#[tokio::test]
async fn rooms_notify_for_mentions_by_default_and_as_set() {
    let mut rig = Rig::new("laptop");
    rig.in_room(FULL).await;
    let decide = |effects: Vec<Effect>| decisions(&effects);
    let e = rig
        .stanza(Inbound::Message(in_room("bob", "a", "hi all")))
        .await;
    assert_eq!(
        decide(e),
        vec![Decision::Silent(SilentReason::NotMentioned)]
    );
    let e = rig
        .stanza(Inbound::Message(in_room("bob", "b", "alice: lunch?")))
        .await;
    assert_eq!(decide(e), vec![Decision::Notify]);
    assert!(rig.history(ROOM).await[1]
        .room
        .as_ref()
        .is_some_and(|m| m.mention));
    let mut reference = in_room("bob", "c", "see above");
    reference.references = vec!["xmpp:alice@example.org".into()];
    let e = rig.stanza(Inbound::Message(reference)).await;
    assert_eq!(decide(e), vec![Decision::Notify]);

    rig.command(Command::RoomNotify {
        room: room(),
        notify: RoomNotify::All,
    })
    .await;
    let e = rig
        .stanza(Inbound::Message(in_room("bob", "d", "anything")))
        .await;
    assert_eq!(decide(e), vec![Decision::Notify]);
    rig.command(Command::RoomNotify {
        room: room(),
        notify: RoomNotify::None,
    })
    .await;
    let e = rig
        .stanza(Inbound::Message(in_room("bob", "e", "alice!")))
        .await;
    assert_eq!(decide(e), vec![Decision::Silent(SilentReason::RoomMuted)]);
    assert_eq!(
        rig.store.rooms(&alice()).await.expect("rooms")[0].notify,
        RoomNotify::None,
        "the setting is stored"
    );
}

#[tokio::test]
async fn a_mention_stays_silent_when_another_device_is_active() {
    let mut rig = Rig::new("laptop");
    rig.in_room(FULL).await;
    rig.tick(10);
    rig.stanza(device_presence("phone", Show::Available, false))
        .await;
    let e = rig
        .stanza(Inbound::Message(in_room("bob", "a", "alice?")))
        .await;
    assert_eq!(
        decisions(&e),
        vec![Decision::Silent(SilentReason::ActiveElsewhere {
            device: "phone".into()
        })]
    );
}

#[tokio::test]
async fn our_message_from_another_device_is_our_own_and_reads_the_room() {
    let mut rig = Rig::new("laptop");
    rig.in_room(FULL).await;
    rig.stanza(Inbound::Message(in_room("bob", "a", "alice, there?")))
        .await;
    let e = rig
        .stanza(Inbound::Message(in_room(
            "alice",
            "b",
            "yes (from my phone)",
        )))
        .await;
    assert_eq!(
        decisions(&e),
        vec![Decision::Silent(SilentReason::OwnMessage)]
    );
    assert!(events(&e).iter().any(|ev| matches!(
        ev,
        Event::Read {
            source: ReadSource::Reply,
            ..
        }
    )));
    assert!(events(&e)
        .iter()
        .any(|ev| matches!(ev, Event::Withdrawn { .. })));
    assert!(rig.history(ROOM).await.iter().all(|m| m.read));
}

#[tokio::test]
async fn reading_a_room_publishes_the_room_s_stanza_id_and_only_that_reads_it_elsewhere() {
    let mut rig = Rig::new("laptop");
    rig.in_room(FULL).await;
    rig.stanza(Inbound::Message(in_room("bob", "s1", "one")))
        .await;
    let effects = rig.command(Command::Read(room())).await;
    let published = sent(&effects).into_iter().find_map(|o| match o {
        Outbound::Request {
            request: Request::PublishMds { stanza_id, by, .. },
            ..
        } => Some((stanza_id.clone(), by.clone())),
        _ => None,
    });
    assert_eq!(published, Some(("s1".into(), room())));
    assert!(
        !sent(&effects)
            .iter()
            .any(|o| matches!(o, Outbound::Displayed { .. })),
        "no chat marker to a room"
    );

    rig.stanza(Inbound::Message(in_room("bob", "s2", "two")))
        .await;
    let mds = |by: &str| Inbound::Pubsub {
        outer: own_envelope(),
        node: MDS_NODE.into(),
        items: vec![PubsubItem {
            id: Some(ROOM.into()),
            displayed: Some((jid(by), "s2".into())),
            bookmark: None,
        }],
        retracted: vec![],
    };
    // Our server's stamp cannot name a room message.
    let e = rig.stanza(mds("alice@example.org")).await;
    assert!(!events(&e).iter().any(|ev| matches!(ev, Event::Read { .. })));
    let e = rig.stanza(mds(ROOM)).await;
    assert!(events(&e).iter().any(|ev| matches!(
        ev,
        Event::Read {
            source: ReadSource::Mds,
            ..
        }
    )));
}

#[tokio::test]
async fn an_idle_room_is_pinged_and_rejoined_when_the_ping_says_we_are_out() {
    let mut rig = Rig::new("laptop");
    rig.in_room(FULL).await;
    rig.tick(60);
    assert!(
        sent(&rig.input(Input::Tick).await).is_empty(),
        "not idle yet"
    );
    rig.tick(5 * 60);
    let effects = rig.input(Input::Tick).await;
    let ping = sent(&effects).into_iter().find_map(|o| match o {
        Outbound::Request {
            id,
            to,
            request: Request::SelfPing,
        } => Some((id.clone(), to.clone())),
        _ => None,
    });
    let (id, to) = ping.expect("a self-ping");
    assert_eq!(to, Some(occupant("alice")));
    let effects = rig
        .stanza(Inbound::Error {
            from: Some(occupant("alice")),
            id,
            failure: Failure {
                condition: "not-acceptable".into(),
            },
        })
        .await;
    assert_eq!(joins(&effects), vec![format!("{ROOM}/alice")]);
}

#[tokio::test]
async fn a_phone_in_quiet_mode_never_pings_but_an_unanswered_ping_still_rejoins() {
    let mut rig = Rig::new("phone");
    rig.in_room(FULL).await;
    rig.command(Command::Background).await;
    rig.tick(30 * 60);
    assert!(
        sent(&rig.input(Input::Tick).await).is_empty(),
        "quiet: no ping"
    );
    rig.command(Command::Foreground).await;
    rig.tick(1);
    let e = rig.input(Input::Tick).await;
    assert!(sent(&e).iter().any(|o| matches!(
        o,
        Outbound::Request {
            request: Request::SelfPing,
            ..
        }
    )));
    rig.tick(61);
    let e = rig.input(Input::Tick).await;
    assert_eq!(
        joins(&e),
        vec![format!("{ROOM}/alice")],
        "no answer in 60 s: rejoin"
    );
}

#[tokio::test]
async fn after_resumption_every_joined_room_is_pinged() {
    let mut rig = Rig::new("laptop");
    rig.in_room(FULL).await;
    rig.input(Input::Suspended).await;
    let e = rig.input(Input::Resumed).await;
    assert!(sent(&e).iter().any(|o| matches!(
        o,
        Outbound::Request {
            request: Request::SelfPing,
            ..
        }
    )));
}

#[tokio::test]
async fn a_destroyed_room_is_gone_its_autojoin_off_and_never_retried() {
    let mut rig = Rig::new("laptop");
    rig.in_room(FULL).await;
    let Inbound::Presence(mut gone) = muc_presence("alice", Show::Unavailable, &[110]) else {
        unreachable!()
    };
    if let Some(muc) = gone.muc.as_mut() {
        muc.destroyed = Some("moved elsewhere".into());
    }
    let effects = rig.stanza(Inbound::Presence(gone)).await;
    assert_eq!(
        room_events(&effects),
        vec![(
            RoomStatus::Gone,
            Some("the room was destroyed: moved elsewhere".into())
        )]
    );
    assert!(sent(&effects).iter().any(|o| matches!(
        o,
        Outbound::Request {
            request: Request::PublishBookmark {
                autojoin: false,
                ..
            },
            ..
        }
    )));
    let stored = &rig.store.rooms(&alice()).await.expect("rooms")[0];
    assert!(!stored.autojoin && stored.gone.is_some(), "{stored:?}");
    rig.tick(3600);
    assert!(joins(&rig.input(Input::Tick).await).is_empty());
}

#[tokio::test]
async fn a_room_that_does_not_exist_is_gone_and_a_taken_nick_is_retried() {
    let mut rig = Rig::new("laptop");
    let signed_in = rig.online().await;
    rig.bookmarks(&signed_in, vec![bookmark(ROOM, true)]).await;
    let e = rig
        .stanza(Inbound::PresenceError {
            from: Some(occupant("alice")),
            failure: Failure {
                condition: "conflict".into(),
            },
        })
        .await;
    assert_eq!(joins(&e), vec![format!("{ROOM}/alice_")]);
    let e = rig
        .stanza(Inbound::PresenceError {
            from: Some(occupant("alice_")),
            failure: Failure {
                condition: "item-not-found".into(),
            },
        })
        .await;
    assert_eq!(room_events(&e)[0].0, RoomStatus::Gone);
}

#[tokio::test]
async fn a_shutdown_kick_rejoins_and_a_plain_kick_does_not() {
    let mut rig = Rig::new("laptop");
    rig.in_room(FULL).await;
    let e = rig
        .stanza(muc_presence("alice", Show::Unavailable, &[110, 332]))
        .await;
    assert_eq!(joins(&e), vec![format!("{ROOM}/alice")]);
    rig.stanza(muc_presence("alice", Show::Available, &[110]))
        .await;
    let e = rig
        .stanza(muc_presence("alice", Show::Unavailable, &[110, 307]))
        .await;
    assert!(joins(&e).is_empty());
    assert_eq!(
        room_events(&e),
        vec![(RoomStatus::Left, Some("kicked from the room".into()))]
    );
}

#[tokio::test]
async fn occupants_join_rename_and_leave() {
    let mut rig = Rig::new("laptop");
    rig.in_room(FULL).await;
    rig.stanza(muc_presence("bob", Show::Available, &[])).await;
    let Inbound::Presence(mut renamed) = muc_presence("bob", Show::Unavailable, &[303]) else {
        unreachable!()
    };
    if let Some(muc) = renamed.muc.as_mut() {
        muc.new_nick = Some("robert".into());
    }
    let e = rig.stanza(Inbound::Presence(renamed)).await;
    assert!(events(&e).iter().any(|ev| matches!(
        ev,
        Event::Occupant { change: OccupantChange::Renamed { to }, .. } if to == "robert"
    )));
    let nicks: Vec<String> = rig.engine.rooms()[0]
        .occupants
        .iter()
        .map(|o| o.nick.clone())
        .collect();
    assert_eq!(nicks, ["alice", "robert"]);
    rig.stanza(muc_presence("robert", Show::Unavailable, &[]))
        .await;
    assert_eq!(rig.engine.rooms()[0].occupants.len(), 1);
}

#[tokio::test]
async fn a_message_from_a_room_we_are_not_in_is_dropped() {
    let mut rig = Rig::new("laptop");
    rig.online().await;
    rig.stanza(Inbound::Message(in_room("bob", "x", "let me in")))
        .await;
    assert!(rig.history(ROOM).await.is_empty());
}

#[tokio::test]
async fn a_new_room_we_create_is_configured() {
    let mut rig = Rig::new("laptop");
    let signed_in = rig.online().await;
    rig.bookmarks(&signed_in, vec![]).await;
    rig.command(Command::Join {
        room: room(),
        nick: None,
        create: Some(true),
    })
    .await;
    let e = rig
        .stanza(muc_presence("alice", Show::Available, &[110, 201]))
        .await;
    let configure = sent(&e).into_iter().find_map(|o| match o {
        Outbound::Request {
            id,
            request: Request::ConfigureRoom { members_only: true },
            ..
        } => Some(id.clone()),
        _ => None,
    });
    let configure = configure.expect("the new room configured");
    // Locked until configured: our other devices would be refused, so no bookmark yet.
    assert_eq!(published(&e), None);
    let e = rig
        .stanza(Inbound::Result {
            from: Some(jid(ROOM)),
            id: configure,
            answer: Answer::Empty,
        })
        .await;
    assert_eq!(published(&e), Some((true, "alice".to_owned())));
}

#[tokio::test]
async fn only_our_own_occupant_s_marker_reads_the_room() {
    let mut rig = Rig::new("laptop");
    rig.in_room(FULL).await;
    rig.stanza(Inbound::Message(in_room("bob", "s1", "one")))
        .await;
    let marker = |nick: &str| MessageFacts {
        from: Some(occupant(nick)),
        kind: MessageKind::Groupchat,
        displayed_of: Some("s1".into()),
        ..MessageFacts::default()
    };
    let e = rig.stanza(Inbound::Message(marker("colin"))).await;
    assert!(!events(&e).iter().any(|ev| matches!(ev, Event::Read { .. })));
    assert!(rig.history(ROOM).await.iter().all(|m| !m.read));
    let e = rig.stanza(Inbound::Message(marker("alice"))).await;
    assert!(events(&e).iter().any(|ev| matches!(
        ev,
        Event::Read {
            source: ReadSource::Marker,
            ..
        }
    )));
    assert!(rig.history(ROOM).await.iter().all(|m| m.read));
}

#[tokio::test]
async fn a_room_cannot_fill_our_memory_with_one_archive_page() {
    let mut rig = Rig::new("laptop");
    let signed_in = rig.online().await;
    let mut effects = rig.bookmarks(&signed_in, vec![bookmark(ROOM, true)]).await;
    effects.extend(
        rig.stanza(muc_presence("alice", Show::Available, &[110]))
            .await,
    );
    let effects = rig.room_info(&effects, FULL).await;
    let Some(Outbound::Request {
        id: page_id,
        request: Request::RoomPage(page),
        ..
    }) = sent(&effects).into_iter().next().cloned()
    else {
        panic!("no room page asked");
    };
    for n in 0..5_000u32 {
        rig.stanza(Inbound::Archived {
            outer: Envelope {
                from: Some(jid(ROOM)),
                delays: vec![],
            },
            query_id: Some(page.query_id.clone()),
            id: format!("r{n}"),
            delay: None,
            inner: in_room("bob", &format!("r{n}"), &format!("flood {n}")),
        })
        .await;
    }
    rig.stanza(Inbound::Result {
        from: Some(jid(ROOM)),
        id: page_id,
        answer: Answer::Fin {
            last: Some("r4999".into()),
            complete: true,
        },
    })
    .await;
    assert_eq!(rig.history(ROOM).await.len(), crate::catchup::PAGE_SIZE);
}

#[tokio::test]
async fn a_join_right_after_sign_in_is_not_undone_by_the_older_bookmark_list() {
    let mut rig = Rig::new("laptop");
    let signed_in = rig.online().await;
    // The user joins before the sign-in's bookmark list is answered.
    rig.command(Command::Join {
        room: room(),
        nick: None,
        create: None,
    })
    .await;
    let e = rig.bookmarks(&signed_in, vec![]).await;
    assert!(
        !sent(&e)
            .iter()
            .any(|o| matches!(o, Outbound::LeaveRoom { .. })),
        "{e:?}"
    );
    assert!(room_events(&e).is_empty(), "{e:?}");
    assert_eq!(rig.engine.room_status(&room()), Some(RoomStatus::Joining));
    assert!(rig.store.rooms(&alice()).await.expect("rooms")[0].autojoin);
    // The echo of a leave from before this join does not end it.
    let e = rig
        .stanza(muc_presence("alice", Show::Unavailable, &[110]))
        .await;
    assert!(room_events(&e).is_empty(), "{e:?}");
    let e = rig
        .stanza(muc_presence("alice", Show::Available, &[110]))
        .await;
    assert_eq!(room_events(&e), vec![(RoomStatus::Joined, None)]);
}

#[tokio::test]
async fn a_join_the_server_never_confirmed_is_published_again_at_the_next_sign_in() {
    let mut rig = Rig::new("laptop");
    let signed_in = rig.online().await;
    rig.bookmarks(&signed_in, vec![]).await;
    rig.command(Command::Join {
        room: room(),
        nick: None,
        create: None,
    })
    .await;
    rig.stanza(muc_presence("alice", Show::Available, &[110]))
        .await;
    // The stream drops before the publish is answered; a fresh login follows.
    rig.input(Input::Suspended).await;
    let signed_in = rig.online().await;
    assert_eq!(
        published(&signed_in),
        None,
        "not before it knows where bookmarks live"
    );
    let e = rig.bookmarks(&signed_in, vec![]).await;
    assert_eq!(published(&e), Some((true, "alice".to_owned())));
    assert_eq!(
        joins(&e),
        vec![format!("{ROOM}/alice")],
        "and entered again"
    );
    // The older list (without it) did not undo the join.
    assert!(!sent(&e)
        .iter()
        .any(|o| matches!(o, Outbound::LeaveRoom { .. })));
}

#[tokio::test]
async fn without_xep_0402_bookmarks_live_in_xep_0048_private_storage() {
    let mut rig = Rig::new("laptop");
    let signed_in = rig.online().await;
    // An account that does not advertise urn:xmpp:bookmarks:1#compat (ejabberd 23.01).
    let effects = rig
        .bookmarks_on(
            &signed_in,
            vec![bookmark(ROOM, true)],
            &["http://jabber.org/protocol/disco#info"],
        )
        .await;
    assert!(sent(&effects).iter().any(|o| matches!(
        o,
        Outbound::Request {
            request: Request::LegacyBookmarks,
            ..
        }
    )));
    assert_eq!(joins(&effects), vec![format!("{ROOM}/alice")]);
    rig.stanza(muc_presence("alice", Show::Available, &[110]))
        .await;
    // Joining another room stores the whole document: both rooms.
    rig.command(Command::Join {
        room: bare("other@conference.example.org"),
        nick: None,
        create: None,
    })
    .await;
    let e = rig
        .stanza(Inbound::Presence(PresenceFacts {
            from: Some(jid("other@conference.example.org/alice")),
            show: Show::Available,
            delays: vec![],
            idle: false,
            muc: Some(MucFacts {
                codes: vec![110],
                ..MucFacts::default()
            }),
        }))
        .await;
    let stored = sent(&e).into_iter().find_map(|o| match o {
        Outbound::Request {
            request: Request::StoreLegacyBookmarks(rooms),
            ..
        } => Some(
            rooms
                .iter()
                .map(|r| (r.jid.to_string(), r.autojoin))
                .collect::<Vec<_>>(),
        ),
        _ => None,
    });
    assert_eq!(
        stored,
        Some(vec![
            ("other@conference.example.org".to_owned(), true),
            (ROOM.to_owned(), true)
        ])
    );
    assert!(published(&e).is_none(), "no PEP publish on such a server");
}

#[tokio::test]
async fn invitations_are_shown_with_who_invites_and_never_join_by_themselves() {
    use super::super::inbound::InviteFacts;
    let mut rig = Rig::new("laptop");
    let signed_in = rig.online().await;
    rig.bookmarks(&signed_in, vec![]).await;
    let invite = |from: &str, inviter: Option<&str>, direct: bool| {
        Inbound::Message(MessageFacts {
            from: Some(jid(from)),
            kind: MessageKind::Normal,
            invite: Some(InviteFacts {
                room: room(),
                from: inviter.map(jid),
                reason: Some("tea?".into()),
                direct,
            }),
            ..MessageFacts::default()
        })
    };
    let shown = |effects: &[Effect]| {
        events(effects)
            .into_iter()
            .filter_map(|e| match e {
                Event::Invite { from, reason, .. } => Some((from.to_string(), reason.clone())),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    // Mediated, in a room that hides real JIDs: the inviter's occupant JID.
    let e = rig
        .stanza(invite(ROOM, Some(&format!("{ROOM}/bob")), false))
        .await;
    assert_eq!(
        shown(&e),
        vec![(format!("{ROOM}/bob"), Some("tea?".into()))]
    );
    assert!(joins(&e).is_empty());
    // Direct (XEP-0249): the sender, as a bare JID.
    let e = rig.stanza(invite("bob@example.net/desk", None, true)).await;
    assert_eq!(
        shown(&e),
        vec![("bob@example.net".to_owned(), Some("tea?".into()))]
    );
    assert!(joins(&e).is_empty());
    assert!(rig.store.rooms(&alice()).await.expect("rooms").is_empty());
}
