//! What the store marks on messages: read, delivered, seen.

use super::msg;
use crate::model::{Direction, StoredMessage, Via};
use crate::store::{Inserted, Store};
use crate::testing::{alice, at, bare, bob, colin};

/// Outgoing messages are read; incoming ones start unread.
pub async fn outgoing_messages_are_read_incoming_start_unread(store: &impl Store) {
    store
        .insert_message(
            &alice(),
            &msg(Direction::Out, "o", 1, None, Some("x1"), Via::Local),
        )
        .await
        .expect("insert");
    store
        .insert_message(
            &alice(),
            &msg(Direction::In, "i", 2, None, Some("x2"), Via::Live),
        )
        .await
        .expect("insert");
    let h = store.history(&alice(), &bob()).await.expect("history");
    assert!(h[0].read);
    assert!(!h[1].read);
}

/// A receipt marks our message delivered once; receipts for unknown ids change nothing.
pub async fn receipts_mark_delivered_once(store: &impl Store) {
    let sent = msg(Direction::Out, "o", 1, None, Some("R1"), Via::Local);
    let Inserted::New(stored) = store.insert_message(&alice(), &sent).await.expect("insert") else {
        panic!("new")
    };
    let bob = bob();
    assert_eq!(
        store
            .mark_delivered(&alice(), &bob, "R1")
            .await
            .expect("mark"),
        Some(stored.id)
    );
    assert_eq!(
        store
            .mark_delivered(&alice(), &bob, "R1")
            .await
            .expect("mark"),
        None
    );
    assert_eq!(
        store
            .mark_delivered(&alice(), &bob, "nope")
            .await
            .expect("mark"),
        None
    );
    assert!(store.history(&alice(), &bob).await.expect("history")[0].delivered);
}

/// Reading marks the conversation read up to a message (not later ones), the position is
/// kept, and a message of another conversation is refused.
pub async fn reading_marks_messages_up_to_the_position(store: &impl Store) {
    let bob = bob();
    let mut ids = Vec::new();
    for (i, body) in ["one", "two", "three"].iter().enumerate() {
        let m = msg(Direction::In, body, 10 + i as i64, None, None, Via::Live);
        let Inserted::New(stored) = store.insert_message(&alice(), &m).await.expect("insert")
        else {
            panic!("new")
        };
        ids.push(stored.id);
    }
    assert!(store.mark_read(&alice(), &bob, ids[1]).await.expect("mark"));
    let read: Vec<bool> = store
        .history(&alice(), &bob)
        .await
        .expect("history")
        .iter()
        .map(|m| m.read)
        .collect();
    assert_eq!(read, vec![true, true, false]);
    let positions = store.read_positions(&alice()).await.expect("positions");
    assert_eq!(positions.len(), 1);
    assert_eq!(
        (positions[0].0.clone(), positions[0].1.message),
        (bob.clone(), ids[1])
    );
    assert_eq!(positions[0].1.timestamp, at(11));
    // Not a message of this conversation: nothing changes.
    assert!(!store
        .mark_read(&alice(), &colin(), ids[2])
        .await
        .expect("mark"));
    assert!(store
        .read_positions(&bare("zed@example.org"))
        .await
        .expect("positions")
        .is_empty());
}

/// The contact's displayed marker marks our message and every earlier one of ours seen;
/// seen ticks only move forward, and only for our own messages of that conversation.
pub async fn seen_marks_our_messages_up_to_the_position(store: &impl Store) {
    let bob = bob();
    let mut ids = Vec::new();
    for (direction, body, secs) in [
        (Direction::Out, "o1", 1),
        (Direction::In, "i1", 2),
        (Direction::Out, "o2", 3),
        (Direction::Out, "o3", 4),
    ] {
        let m = msg(direction, body, secs, None, Some(body), Via::Local);
        let Inserted::New(stored) = store.insert_message(&alice(), &m).await.expect("insert")
        else {
            panic!("new")
        };
        assert!(!stored.seen);
        ids.push(stored.id);
    }
    let seen =
        |history: Vec<StoredMessage>| -> Vec<bool> { history.iter().map(|m| m.seen).collect() };
    assert!(store.mark_seen(&alice(), &bob, ids[2]).await.expect("seen"));
    assert_eq!(
        seen(store.history(&alice(), &bob).await.expect("history")),
        [true, false, true, false]
    );
    // Backwards, again, an incoming message, another conversation: nothing changes.
    assert!(!store.mark_seen(&alice(), &bob, ids[0]).await.expect("seen"));
    assert!(!store.mark_seen(&alice(), &bob, ids[2]).await.expect("seen"));
    assert!(!store.mark_seen(&alice(), &bob, ids[1]).await.expect("seen"));
    assert!(!store
        .mark_seen(&alice(), &colin(), ids[3])
        .await
        .expect("seen"));
    assert!(!store
        .mark_seen(&bare("zed@example.org"), &bob, ids[3])
        .await
        .expect("seen"));
    assert_eq!(
        seen(store.history(&alice(), &bob).await.expect("history")),
        [true, false, true, false]
    );
    assert!(store.mark_seen(&alice(), &bob, ids[3]).await.expect("seen"));
    let history = store.history(&alice(), &bob).await.expect("history");
    assert_eq!(seen(history.clone()), [true, false, true, true]);
    // Seen is not read: the incoming message is still unread.
    assert!(!history[1].read);
}
