//! Corrections (XEP-0308) and retractions (XEP-0424): an edit changes the message it
//! names only when [`crate::rules::may_edit`] says the same author wrote both, each edit
//! counts once whatever copies of it arrive, and a later edit is never undone by an
//! older one.

use jid::BareJid;

use super::msg;
use crate::model::{Direction, EditKind, EditOf, NewMessage, StoredMessage, Via};
use crate::room::RoomMeta;
use crate::rules::EditRefusal;
use crate::store::{Inserted, Store};
use crate::testing::{alice, at, bob, jid};

/// A correction (or with `kind` Retracted, a retraction) of the message `target`.
fn edit(mut m: NewMessage, target: &str, kind: EditKind) -> NewMessage {
    m.edit = Some(EditOf {
        target: target.into(),
        kind,
    });
    if kind == EditKind::Retracted {
        m.body = String::new();
    }
    m
}

fn room() -> BareJid {
    jid("lounge@rooms.example.org").to_bare()
}

/// A live message of the lounge from `nick` (occupant-id `occ-NICK` unless `occupant` says
/// otherwise), with the id attribute `id`.
fn in_room(nick: &str, occupant: Option<&str>, body: &str, secs: i64, id: &str) -> NewMessage {
    let room = room();
    NewMessage {
        peer: room.clone(),
        from: jid(&format!("{room}/{nick}")),
        direction: Direction::In,
        body: body.into(),
        timestamp: at(secs),
        via: Via::Live,
        keys: Default::default(),
        stanza_attr_id: Some(id.into()),
        room: Some(RoomMeta {
            nick: nick.into(),
            occupant_id: occupant.map(str::to_owned),
            mention: false,
        }),
        edit: None,
    }
}

fn edited(inserted: &Inserted) -> StoredMessage {
    match inserted {
        Inserted::Edited(m) => m.clone(),
        other => panic!("expected an edit, got {other:?}"),
    }
}

async fn bodies(store: &impl Store, peer: &BareJid) -> Vec<(String, Option<EditKind>)> {
    store
        .history(&alice(), peer)
        .await
        .expect("history")
        .into_iter()
        .map(|m| (m.body, m.edited.map(|e| e.kind)))
        .collect()
}

/// The author's correction replaces the text of the message it names, which keeps its
/// id, place and read state; nothing new is stored.
pub async fn a_correction_replaces_the_text_of_its_authors_message(store: &impl Store) {
    let original = msg(Direction::In, "helo", 10, None, Some("m1"), Via::Live);
    let first = store
        .insert_message(&alice(), &original)
        .await
        .expect("insert");
    let first = first.new_message().cloned().expect("new");
    let fix = edit(
        msg(Direction::In, "hello", 20, None, Some("m2"), Via::Live),
        "m1",
        EditKind::Corrected,
    );
    let changed = edited(&store.insert_message(&alice(), &fix).await.expect("edit"));
    assert_eq!(changed.id, first.id);
    assert_eq!(changed.body, "hello");
    assert_eq!(changed.timestamp, first.timestamp, "it keeps its place");
    assert_eq!(
        changed.edited.map(|e| (e.kind, e.at)),
        Some((EditKind::Corrected, at(20)))
    );
    assert_eq!(
        bodies(store, &bob()).await,
        vec![("hello".into(), Some(EditKind::Corrected))]
    );
    let list = store.conversations(&alice()).await.expect("list");
    assert_eq!(list[0].unread, 1, "still one unread message");
}

/// Another copy of the same correction (its carbon, its archive copy) changes nothing; an
/// older correction that arrives after a newer one does not undo it.
pub async fn each_correction_counts_once_and_the_latest_wins(store: &impl Store) {
    let original = msg(Direction::In, "one", 10, None, Some("m1"), Via::Live);
    store
        .insert_message(&alice(), &original)
        .await
        .expect("insert");
    let second = edit(
        msg(Direction::In, "three", 30, None, Some("m3"), Via::Live),
        "m1",
        EditKind::Corrected,
    );
    edited(&store.insert_message(&alice(), &second).await.expect("edit"));
    let again = NewMessage {
        via: Via::Archive,
        ..second.clone()
    };
    let dup = store.insert_message(&alice(), &again).await.expect("copy");
    assert!(matches!(dup, Inserted::Duplicate(_)), "{dup:?}");
    let older = edit(
        msg(Direction::In, "two", 20, None, Some("m2"), Via::Archive),
        "m1",
        EditKind::Corrected,
    );
    let stale = store.insert_message(&alice(), &older).await.expect("stale");
    assert!(matches!(stale, Inserted::Duplicate(_)), "{stale:?}");
    assert_eq!(
        bodies(store, &bob()).await,
        vec![("three".into(), Some(EditKind::Corrected))]
    );
}

/// A correction from another occupant of the room (another occupant-id, or without
/// occupant-ids another nick) is refused and changes nothing; the same occupant under a
/// new nick is still its author.
pub async fn a_correction_from_another_occupant_is_refused(store: &impl Store) {
    let lounge = room();
    store
        .insert_message(&alice(), &in_room("bob", Some("B"), "meet at 5", 10, "r1"))
        .await
        .expect("insert");
    let forged = edit(
        in_room("bob", Some("M"), "meet at 6", 20, "r2"),
        "r1",
        EditKind::Corrected,
    );
    let out = store
        .insert_message(&alice(), &forged)
        .await
        .expect("forged");
    assert_eq!(out, Inserted::Refused(EditRefusal::NotTheAuthor));
    let other = edit(
        in_room("mallory", Some("M"), "meet at 7", 21, "r3"),
        "r1",
        EditKind::Retracted,
    );
    let out = store.insert_message(&alice(), &other).await.expect("other");
    assert_eq!(out, Inserted::Refused(EditRefusal::NotTheAuthor));
    assert_eq!(
        bodies(store, &lounge).await,
        vec![("meet at 5".into(), None)]
    );
    let renamed = edit(
        in_room("robert", Some("B"), "meet at 5:30", 30, "r4"),
        "r1",
        EditKind::Corrected,
    );
    edited(
        &store
            .insert_message(&alice(), &renamed)
            .await
            .expect("renamed"),
    );
    assert_eq!(
        bodies(store, &lounge).await,
        vec![("meet at 5:30".into(), Some(EditKind::Corrected))]
    );
}

/// Ids are the sender's choice: when another occupant's message shares the id, the edit
/// changes the one its author wrote.
pub async fn an_edit_finds_its_authors_message_among_others_with_the_id(store: &impl Store) {
    let lounge = room();
    for (nick, occ, body, secs) in [("bob", "B", "bob's", 10), ("mallory", "M", "mallory's", 11)] {
        store
            .insert_message(&alice(), &in_room(nick, Some(occ), body, secs, "same"))
            .await
            .expect("insert");
    }
    let fix = edit(
        in_room("bob", Some("B"), "bob's, fixed", 20, "x"),
        "same",
        EditKind::Corrected,
    );
    edited(&store.insert_message(&alice(), &fix).await.expect("edit"));
    assert_eq!(
        bodies(store, &lounge).await,
        vec![
            ("bob's, fixed".into(), Some(EditKind::Corrected)),
            ("mallory's".into(), None)
        ]
    );
}

/// A retraction empties the message for good: a later correction is refused, another copy
/// of the retraction changes nothing, and a retraction of nothing stored is refused
/// (never stored as a message of its own).
pub async fn a_retraction_removes_the_text_for_good(store: &impl Store) {
    let original = msg(Direction::Out, "oops", 10, None, Some("o1"), Via::Local);
    store
        .insert_message(&alice(), &original)
        .await
        .expect("insert");
    // From another device of ours.
    let mut retract = edit(
        msg(Direction::Out, "", 20, None, Some("o2"), Via::CarbonSent),
        "o1",
        EditKind::Retracted,
    );
    retract.from = jid("alice@example.org/phone");
    let gone = edited(
        &store
            .insert_message(&alice(), &retract)
            .await
            .expect("retract"),
    );
    assert_eq!(gone.body, "");
    let copy = NewMessage {
        via: Via::Archive,
        ..retract.clone()
    };
    let dup = store.insert_message(&alice(), &copy).await.expect("copy");
    assert!(matches!(dup, Inserted::Duplicate(_)), "{dup:?}");
    let revive = edit(
        msg(Direction::Out, "back", 30, None, Some("o3"), Via::Local),
        "o1",
        EditKind::Corrected,
    );
    let out = store
        .insert_message(&alice(), &revive)
        .await
        .expect("revive");
    assert_eq!(out, Inserted::Refused(EditRefusal::Retracted));
    let nothing = edit(
        msg(Direction::In, "", 40, None, Some("i9"), Via::Live),
        "unknown",
        EditKind::Retracted,
    );
    let out = store
        .insert_message(&alice(), &nothing)
        .await
        .expect("nothing");
    assert_eq!(out, Inserted::Refused(EditRefusal::NoTarget));
    assert_eq!(
        bodies(store, &bob()).await,
        vec![(String::new(), Some(EditKind::Retracted))]
    );
}

/// A correction of a message that is not stored loses nothing: it is stored as a message
/// of its own, as a client without XEP-0308 shows it.
pub async fn a_correction_of_nothing_stored_is_kept_as_a_message(store: &impl Store) {
    let fix = edit(
        msg(Direction::In, "hello", 20, None, Some("m2"), Via::Live),
        "never-seen",
        EditKind::Corrected,
    );
    let out = store.insert_message(&alice(), &fix).await.expect("insert");
    let stored = out.new_message().cloned().expect("stored as new");
    assert_eq!(stored.body, "hello");
    assert_eq!(stored.edited, None);
}

/// An archive page applies its edits in order, to messages stored before it or earlier in
/// the same page, and commits them with its position.
pub async fn an_archive_page_applies_its_edits_in_order(store: &impl Store) {
    let page = [
        msg(Direction::In, "a", 10, Some("S1"), Some("m1"), Via::Archive),
        edit(
            msg(Direction::In, "b", 11, Some("S2"), Some("m2"), Via::Archive),
            "m1",
            EditKind::Corrected,
        ),
        msg(Direction::In, "c", 12, Some("S3"), Some("m3"), Via::Archive),
        edit(
            msg(Direction::In, "", 13, Some("S4"), Some("m4"), Via::Archive),
            "m3",
            EditKind::Retracted,
        ),
    ];
    let out = store
        .store_archive_page(&alice(), &page, Some("S4"))
        .await
        .expect("page");
    assert!(matches!(out[1], Inserted::Edited(_)), "{out:?}");
    assert!(matches!(out[3], Inserted::Edited(_)), "{out:?}");
    assert_eq!(
        store
            .archive_position(&alice())
            .await
            .expect("position")
            .as_deref(),
        Some("S4")
    );
    assert_eq!(
        bodies(store, &bob()).await,
        vec![
            ("b".into(), Some(EditKind::Corrected)),
            (String::new(), Some(EditKind::Retracted))
        ]
    );
    assert_eq!(store.message_count(&alice()).await.expect("count"), 2);
}
