//! Rooms (XEP-0045): kept per account and JID apart from their archive positions, their
//! pages committed with their own position, and their messages carrying who wrote them.

use jid::BareJid;

use super::msg;
use crate::model::{DedupKeys, Direction, NewMessage, StoredMessage, Via};
use crate::room::{Room, RoomMeta, RoomNotify};
use crate::store::{Inserted, Store};
use crate::testing::{alice, at, bare, bob, jid};

/// `local@conference.example.org`, one of alice's rooms.
fn room_jid(local: &str) -> BareJid {
    bare(&format!("{local}@conference.example.org"))
}

/// A room as bookmarked, with alice's nick, joined everywhere and notifying on mentions.
fn room(local: &str) -> Room {
    Room {
        jid: room_jid(local),
        name: None,
        nick: "alice".into(),
        autojoin: true,
        notify: RoomNotify::Mentions,
        gone: None,
    }
}

/// An archived message of `room` from the occupant `nick` (alice's own, outgoing, when the
/// nick is "alice"), with an occupant-id, mentioning no one.
fn room_msg(room: &BareJid, nick: &str, body: &str, secs: i64, stanza_id: &str) -> NewMessage {
    NewMessage {
        peer: room.clone(),
        from: jid(&format!("{room}/{nick}")),
        direction: if nick == "alice" {
            Direction::Out
        } else {
            Direction::In
        },
        body: body.into(),
        timestamp: at(secs),
        via: Via::Archive,
        keys: DedupKeys {
            stanza_id: Some(stanza_id.into()),
            origin_id: None,
        },
        stanza_attr_id: None,
        room: Some(RoomMeta {
            nick: nick.into(),
            occupant_id: Some(format!("occ-{nick}")),
            mention: false,
        }),
        edit: None,
    }
}

/// The same message, mentioning us.
fn mentioning(mut m: NewMessage) -> NewMessage {
    if let Some(meta) = m.room.as_mut() {
        meta.mention = true;
    }
    m
}

/// The stored message of a copy that must have been new.
fn new(inserted: &Inserted) -> StoredMessage {
    match inserted {
        Inserted::New(m) => m.clone(),
        other => panic!("expected a new message, got {other:?}"),
    }
}

/// Rooms are kept per account and JID and listed by JID; upserting one again replaces every
/// field, including clearing its name and why it is gone.
pub async fn rooms_are_upserted_and_listed_by_jid(store: &impl Store) {
    assert!(store.rooms(&alice()).await.expect("rooms").is_empty());
    let lounge = Room {
        name: Some("The lounge".into()),
        notify: RoomNotify::All,
        ..room("lounge")
    };
    let attic = Room {
        nick: "al".into(),
        autojoin: false,
        notify: RoomNotify::None,
        gone: Some("destroyed".into()),
        ..room("attic")
    };
    let cellar = room("cellar");
    for r in [&lounge, &attic, &cellar] {
        store.upsert_room(&alice(), r).await.expect("upsert");
    }
    assert_eq!(
        store.rooms(&alice()).await.expect("rooms"),
        [attic.clone(), cellar.clone(), lounge.clone()]
    );

    let renamed = Room {
        name: Some("Lounge, upstairs".into()),
        nick: "alice2".into(),
        autojoin: false,
        notify: RoomNotify::Mentions,
        gone: Some("not found".into()),
        ..lounge.clone()
    };
    store.upsert_room(&alice(), &renamed).await.expect("upsert");
    assert_eq!(
        store.rooms(&alice()).await.expect("rooms"),
        [attic.clone(), cellar.clone(), renamed.clone()]
    );
    let cleared = Room {
        name: None,
        gone: None,
        ..renamed
    };
    store.upsert_room(&alice(), &cleared).await.expect("upsert");
    assert_eq!(
        store.rooms(&alice()).await.expect("rooms"),
        [attic.clone(), cellar.clone(), cleared]
    );

    // Another account's room of the same JID is its own.
    let zed = bare("zed@example.org");
    let zeds_attic = Room {
        nick: "zed".into(),
        ..room("attic")
    };
    store.upsert_room(&zed, &zeds_attic).await.expect("upsert");
    assert_eq!(store.rooms(&zed).await.expect("rooms"), [zeds_attic]);
    assert_eq!(store.rooms(&alice()).await.expect("rooms")[0], attic);
    assert!(store
        .rooms(&bare("nobody@example.org"))
        .await
        .expect("rooms")
        .is_empty());
}

/// Upserting a room (again, or only after its first page) keeps its archive position and its
/// messages, and gives no position to a room that had none.
pub async fn replacing_a_room_keeps_its_archive_position_and_messages(store: &impl Store) {
    let lounge = room("lounge");
    store.upsert_room(&alice(), &lounge).await.expect("upsert");
    assert_eq!(
        store
            .room_archive_position(&alice(), &lounge.jid)
            .await
            .expect("pos"),
        None
    );
    let page = [room_msg(&lounge.jid, "bob", "hi", 1, "L1")];
    store
        .store_room_page(&alice(), &lounge.jid, &page, Some("L1"))
        .await
        .expect("page");
    let replaced = Room {
        nick: "alice2".into(),
        notify: RoomNotify::All,
        ..lounge.clone()
    };
    store
        .upsert_room(&alice(), &replaced)
        .await
        .expect("upsert");
    assert_eq!(
        store
            .room_archive_position(&alice(), &lounge.jid)
            .await
            .expect("pos")
            .as_deref(),
        Some("L1")
    );
    assert_eq!(
        store
            .history(&alice(), &lounge.jid)
            .await
            .expect("history")
            .len(),
        1
    );

    // A page stored before the room is: upserting it afterwards keeps the position.
    let attic = room("attic");
    let page = [room_msg(&attic.jid, "bob", "up here", 2, "A1")];
    store
        .store_room_page(&alice(), &attic.jid, &page, Some("A1"))
        .await
        .expect("page");
    store.upsert_room(&alice(), &attic).await.expect("upsert");
    store.upsert_room(&alice(), &attic).await.expect("upsert");
    assert_eq!(
        store
            .room_archive_position(&alice(), &attic.jid)
            .await
            .expect("pos")
            .as_deref(),
        Some("A1")
    );
    assert_eq!(store.message_count(&alice()).await.expect("count"), 2);
    assert_eq!(
        store.rooms(&alice()).await.expect("rooms"),
        [attic, replaced]
    );
}

/// Each room has its own archive position, apart from every other room's and from the
/// account's own (one-to-one) archive position; a page without a position keeps it, an
/// empty page with one moves it.
pub async fn room_archive_positions_are_per_room_and_apart_from_the_account_s(store: &impl Store) {
    let (lounge, attic) = (room_jid("lounge"), room_jid("attic"));
    let room_pos = |room: BareJid| async move {
        store
            .room_archive_position(&alice(), &room)
            .await
            .expect("pos")
    };
    let account_pos = || async { store.archive_position(&alice()).await.expect("pos") };

    store
        .store_room_page(
            &alice(),
            &lounge,
            &[room_msg(&lounge, "bob", "l1", 1, "l1")],
            Some("l1"),
        )
        .await
        .expect("page");
    assert_eq!(room_pos(lounge.clone()).await.as_deref(), Some("l1"));
    assert_eq!(room_pos(attic.clone()).await, None);
    assert_eq!(
        account_pos().await,
        None,
        "a room page is not the account's"
    );

    let one_to_one = msg(Direction::In, "b1", 2, Some("x1"), None, Via::Archive);
    store
        .store_archive_page(&alice(), &[one_to_one], Some("x1"))
        .await
        .expect("page");
    assert_eq!(account_pos().await.as_deref(), Some("x1"));
    assert_eq!(room_pos(lounge.clone()).await.as_deref(), Some("l1"));
    assert_eq!(room_pos(attic.clone()).await, None);

    store
        .store_room_page(&alice(), &attic, &[], Some("a1"))
        .await
        .expect("empty page");
    assert_eq!(room_pos(attic.clone()).await.as_deref(), Some("a1"));
    assert_eq!(room_pos(lounge.clone()).await.as_deref(), Some("l1"));
    assert_eq!(account_pos().await.as_deref(), Some("x1"));

    store
        .store_room_page(
            &alice(),
            &lounge,
            &[room_msg(&lounge, "bob", "l2", 3, "l2")],
            None,
        )
        .await
        .expect("page");
    assert_eq!(room_pos(lounge.clone()).await.as_deref(), Some("l1"));
    store
        .store_room_page(&alice(), &lounge, &[], Some("l3"))
        .await
        .expect("page");
    assert_eq!(room_pos(lounge.clone()).await.as_deref(), Some("l3"));
    assert_eq!(room_pos(attic).await.as_deref(), Some("a1"));
    assert_eq!(account_pos().await.as_deref(), Some("x1"));

    assert_eq!(
        store
            .room_archive_position(&bare("zed@example.org"), &lounge)
            .await
            .expect("pos"),
        None
    );
    assert_eq!(store.message_count(&alice()).await.expect("count"), 3);
}

/// A room page and its position commit together; replaying it, repeating a message within
/// one page, or the archive copy of a message that came live, stores nothing twice.
pub async fn a_room_page_commits_with_its_position(store: &impl Store) {
    let lounge = room_jid("lounge");
    let page: Vec<NewMessage> = (0..3)
        .map(|i| room_msg(&lounge, "bob", &format!("m{i}"), i, &format!("L{i}")))
        .collect();
    let out = store
        .store_room_page(&alice(), &lounge, &page, Some("L2"))
        .await
        .expect("page");
    let stored: Vec<StoredMessage> = out.iter().map(new).collect();
    assert_eq!(
        store
            .room_archive_position(&alice(), &lounge)
            .await
            .expect("pos")
            .as_deref(),
        Some("L2")
    );
    // Replaying the page (a crash before the next one) stores nothing twice.
    let again = store
        .store_room_page(&alice(), &lounge, &page, Some("L2"))
        .await
        .expect("page");
    let ids: Vec<Inserted> = stored.iter().map(|m| Inserted::Duplicate(m.id)).collect();
    assert_eq!(again, ids);
    assert_eq!(store.message_count(&alice()).await.expect("count"), 3);

    // The same message twice within one page.
    let twice = [
        room_msg(&lounge, "carol", "again", 10, "L10"),
        room_msg(&lounge, "carol", "again", 10, "L10"),
    ];
    let out = store
        .store_room_page(&alice(), &lounge, &twice, Some("L10"))
        .await
        .expect("page");
    let first = new(&out[0]);
    assert_eq!(out[1], Inserted::Duplicate(first.id));

    // The archive copy of a message that came live (stanza-id), and of one we sent
    // (origin-id, reflected by the room with its stanza-id).
    let mut live = room_msg(&lounge, "bob", "live", 20, "L20");
    live.via = Via::Live;
    let live = new(&store.insert_message(&alice(), &live).await.expect("insert"));
    let mut sent = room_msg(&lounge, "alice", "mine", 21, "unused");
    sent.via = Via::Local;
    sent.keys = DedupKeys {
        stanza_id: None,
        origin_id: Some("O21".into()),
    };
    let sent = new(&store.insert_message(&alice(), &sent).await.expect("insert"));
    let mut reflected = room_msg(&lounge, "alice", "mine", 21, "L21");
    reflected.keys.origin_id = Some("O21".into());
    let out = store
        .store_room_page(
            &alice(),
            &lounge,
            &[room_msg(&lounge, "bob", "live", 20, "L20"), reflected],
            Some("L21"),
        )
        .await
        .expect("page");
    assert_eq!(
        out,
        [Inserted::Duplicate(live.id), Inserted::Duplicate(sent.id)]
    );
    assert_eq!(
        store
            .room_archive_position(&alice(), &lounge)
            .await
            .expect("pos")
            .as_deref(),
        Some("L21")
    );
    assert_eq!(store.message_count(&alice()).await.expect("count"), 6);
    let history = store.history(&alice(), &lounge).await.expect("history");
    assert_eq!(history.len(), 6);
    assert_eq!(history[5].keys.stanza_id.as_deref(), Some("L21"));
}

/// A room message keeps who wrote it (nick, occupant-id if any) and whether it mentions us,
/// through history, history pages and the conversation list; a one-to-one message has none.
pub async fn a_room_message_keeps_its_occupant_and_mention(store: &impl Store) {
    let lounge = room_jid("lounge");
    let with_id = mentioning(room_msg(&lounge, "bob", "alice: look", 1, "L1"));
    let mut without_id = room_msg(&lounge, "carol", "hi all", 2, "L2");
    without_id.room = Some(RoomMeta {
        nick: "carol".into(),
        occupant_id: None,
        mention: false,
    });
    let ours = room_msg(&lounge, "alice", "hello", 3, "L3");
    let page = [with_id, without_id, ours];
    let out = store
        .store_room_page(&alice(), &lounge, &page, Some("L3"))
        .await
        .expect("page");
    let stored: Vec<StoredMessage> = out.iter().map(new).collect();
    let metas: Vec<Option<RoomMeta>> = page.iter().map(|m| m.room.clone()).collect();
    let got = |history: &[StoredMessage]| -> Vec<Option<RoomMeta>> {
        history.iter().map(|m| m.room.clone()).collect()
    };
    assert_eq!(got(&stored), metas);
    let history = store.history(&alice(), &lounge).await.expect("history");
    assert_eq!(history, stored, "room messages round-trip exactly");
    assert_eq!(got(&history), metas);
    let page = store
        .history_page(&alice(), &lounge, None, 10)
        .await
        .expect("page");
    assert_eq!(got(&page), metas);
    let list = store.conversations(&alice()).await.expect("list");
    assert_eq!(list[0].last.room, metas[2]);

    let one_to_one = msg(Direction::In, "hi", 4, Some("S4"), None, Via::Live);
    let stored = new(&store
        .insert_message(&alice(), &one_to_one)
        .await
        .expect("insert"));
    assert_eq!(stored.room, None);
    assert_eq!(
        store.history(&alice(), &bob()).await.expect("history")[0].room,
        None
    );
}

/// The conversation list marks our rooms and counts each one's unread incoming messages that
/// mention us; reading drops the count, and a new mention raises it again.
pub async fn conversations_mark_rooms_and_count_unread_mentions(store: &impl Store) {
    let lounge = room("lounge");
    store.upsert_room(&alice(), &lounge).await.expect("upsert");
    let jid = &lounge.jid;
    let page = [
        mentioning(room_msg(jid, "bob", "alice?", 1, "L1")),
        room_msg(jid, "carol", "hi", 2, "L2"),
        mentioning(room_msg(jid, "bob", "alice!!", 3, "L3")),
        // Ours, naming ourselves: read, so not counted.
        mentioning(room_msg(jid, "alice", "alice is here", 4, "L4")),
    ];
    let ids: Vec<_> = store
        .store_room_page(&alice(), jid, &page, Some("L4"))
        .await
        .expect("page")
        .iter()
        .map(|i| new(i).id)
        .collect();
    let one_to_one = msg(Direction::In, "b1", 5, Some("b1"), None, Via::Live);
    store
        .insert_message(&alice(), &one_to_one)
        .await
        .expect("insert");

    let summary = |peer: BareJid| async move {
        let list = store.conversations(&alice()).await.expect("list");
        let found = list.into_iter().find(|c| c.peer == peer).expect("listed");
        (found.room, found.unread, found.mentions)
    };
    assert_eq!(summary(jid.clone()).await, (true, 3, 2));
    assert_eq!(summary(bob()).await, (false, 1, 0));

    assert!(store.mark_read(&alice(), jid, ids[0]).await.expect("read"));
    assert_eq!(summary(jid.clone()).await, (true, 2, 1));
    assert!(store.mark_read(&alice(), jid, ids[2]).await.expect("read"));
    assert_eq!(summary(jid.clone()).await, (true, 0, 0));

    let later = mentioning(room_msg(jid, "carol", "alice, later", 6, "L6"));
    store
        .store_room_page(&alice(), jid, &[later], Some("L6"))
        .await
        .expect("page");
    assert_eq!(summary(jid.clone()).await, (true, 1, 1));
    assert_eq!(summary(bob()).await, (false, 1, 0));
}

/// One-to-one conversations are not rooms and count no mentions; nor is a conversation
/// whose room we did not store (yet), whoever else has a room of that JID.
pub async fn one_to_one_conversations_are_not_rooms(store: &impl Store) {
    for (body, secs) in [("b1", 1), ("b2", 2)] {
        let m = msg(Direction::In, body, secs, Some(body), None, Via::Live);
        store.insert_message(&alice(), &m).await.expect("insert");
    }
    let attic = room("attic");
    let page = [mentioning(room_msg(&attic.jid, "bob", "alice", 3, "A1"))];
    store
        .store_room_page(&alice(), &attic.jid, &page, None)
        .await
        .expect("page");
    store
        .upsert_room(&bare("zed@example.org"), &attic)
        .await
        .expect("upsert");
    // Another of alice's rooms, with no messages: not listed.
    store
        .upsert_room(&alice(), &room("cellar"))
        .await
        .expect("upsert");

    let list = store.conversations(&alice()).await.expect("list");
    let got: Vec<(String, bool)> = list.iter().map(|c| (c.peer.to_string(), c.room)).collect();
    assert_eq!(
        got,
        [
            ("attic@conference.example.org".to_owned(), false),
            ("bob@example.org".to_owned(), false),
        ]
    );
    assert_eq!((list[1].unread, list[1].mentions), (2, 0));

    store.upsert_room(&alice(), &attic).await.expect("upsert");
    let list = store.conversations(&alice()).await.expect("list");
    assert!(list[0].room, "{:?}", list[0]);
    assert!(!list[1].room);
    assert_eq!(list[1].mentions, 0);
}

/// A stanza-id identifies a message within one room only (each room stamps its own): the
/// same ids in two rooms, and in a one-to-one conversation, are three messages.
pub async fn the_same_stanza_id_in_two_rooms_is_two_messages(store: &impl Store) {
    let (lounge, attic) = (room_jid("lounge"), room_jid("attic"));
    let mut ids = Vec::new();
    for room in [&lounge, &attic] {
        let mut m = room_msg(room, "bob", "hi", 1, "S1");
        m.keys.origin_id = Some("O1".into());
        let out = store
            .store_room_page(&alice(), room, &[m], Some("S1"))
            .await
            .expect("page");
        ids.push(new(&out[0]).id);
    }
    assert_ne!(ids[0], ids[1]);
    let one_to_one = msg(Direction::In, "hi", 1, Some("S1"), Some("O1"), Via::Live);
    new(&store
        .insert_message(&alice(), &one_to_one)
        .await
        .expect("insert"));
    assert_eq!(store.message_count(&alice()).await.expect("count"), 3);
    for room in [&lounge, &attic] {
        let history = store.history(&alice(), room).await.expect("history");
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].conversation, *room);
    }
}
