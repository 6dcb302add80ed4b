//! Each message stored once, whichever copies of it arrive, and archive pages committed with
//! their position.

use super::msg;
use crate::model::{Direction, NewMessage, Via};
use crate::store::{Inserted, Store};
use crate::testing::{alice, bare, bob, colin};

/// Live, carbon and archive copies of one message are stored once.
pub async fn stores_one_message_once_across_its_copies(store: &impl Store) {
    let live = msg(Direction::In, "hi", 1, Some("S1"), Some("O1"), Via::Live);
    let first = store.insert_message(&alice(), &live).await.expect("insert");
    let Inserted::New(stored) = first else {
        panic!("first copy must be new")
    };
    let carbon = msg(
        Direction::In,
        "hi",
        1,
        None,
        Some("O1"),
        Via::CarbonReceived,
    );
    assert_eq!(
        store
            .insert_message(&alice(), &carbon)
            .await
            .expect("insert"),
        Inserted::Duplicate(stored.id)
    );
    let archived = msg(Direction::In, "hi", 1, Some("S1"), None, Via::Archive);
    let page = store
        .store_archive_page(&alice(), &[archived], Some("S1"))
        .await
        .expect("page");
    assert_eq!(page, vec![Inserted::Duplicate(stored.id)]);
    assert_eq!(store.message_count(&alice()).await.expect("count"), 1);
}

/// A copy that knows a key the stored one lacked fills it in, so later copies that carry
/// only that key are recognised too.
pub async fn a_duplicate_fills_in_missing_keys(store: &impl Store) {
    let sent = msg(Direction::Out, "yo", 1, None, Some("O2"), Via::Local);
    let Inserted::New(stored) = store.insert_message(&alice(), &sent).await.expect("insert") else {
        panic!("new")
    };
    let archived = msg(
        Direction::Out,
        "yo",
        1,
        Some("S2"),
        Some("O2"),
        Via::Archive,
    );
    store
        .insert_message(&alice(), &archived)
        .await
        .expect("insert");
    let only_stanza_id = msg(Direction::Out, "yo", 1, Some("S2"), None, Via::Archive);
    assert_eq!(
        store
            .insert_message(&alice(), &only_stanza_id)
            .await
            .expect("insert"),
        Inserted::Duplicate(stored.id)
    );
    let history = store.history(&alice(), &bob()).await.expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].keys.stanza_id.as_deref(), Some("S2"));
}

/// An origin-id only identifies a message within one conversation and one direction: a
/// contact reusing our origin-id cannot make our message, or theirs, disappear.
pub async fn origin_id_dedup_is_scoped_to_conversation_and_direction(store: &impl Store) {
    let ours = msg(Direction::Out, "mine", 1, None, Some("O3"), Via::Local);
    let theirs = msg(Direction::In, "theirs", 2, None, Some("O3"), Via::Live);
    let mut elsewhere = msg(Direction::In, "colin", 3, None, Some("O3"), Via::Live);
    elsewhere.peer = colin();
    for m in [&ours, &theirs, &elsewhere] {
        assert!(matches!(
            store.insert_message(&alice(), m).await.expect("insert"),
            Inserted::New(_)
        ));
    }
}

/// Accounts never see each other's messages or dedup against each other.
pub async fn accounts_are_isolated(store: &impl Store) {
    let m = msg(Direction::In, "hi", 1, Some("S9"), Some("O9"), Via::Live);
    let other = bare("zed@example.org");
    assert!(matches!(
        store.insert_message(&alice(), &m).await.expect("insert"),
        Inserted::New(_)
    ));
    assert!(matches!(
        store.insert_message(&other, &m).await.expect("insert"),
        Inserted::New(_)
    ));
    assert_eq!(store.message_count(&other).await.expect("count"), 1);
}

/// Messages without any key cannot be recognised, so each copy is kept.
pub async fn messages_without_keys_are_all_kept(store: &impl Store) {
    let m = msg(Direction::In, "legacy", 1, None, None, Via::Live);
    store.insert_message(&alice(), &m).await.expect("insert");
    store.insert_message(&alice(), &m).await.expect("insert");
    assert_eq!(store.message_count(&alice()).await.expect("count"), 2);
}

/// An archive page and its position are committed together; the position is readable back.
pub async fn archive_pages_commit_their_position(store: &impl Store) {
    assert_eq!(store.archive_position(&alice()).await.expect("pos"), None);
    let page: Vec<NewMessage> = (0..3)
        .map(|i| {
            let id = format!("A{i}");
            msg(
                Direction::In,
                &format!("m{i}"),
                i,
                Some(&id),
                None,
                Via::Archive,
            )
        })
        .collect();
    let out = store
        .store_archive_page(&alice(), &page, Some("A2"))
        .await
        .expect("page");
    assert!(out.iter().all(|i| matches!(i, Inserted::New(_))));
    assert_eq!(
        store
            .archive_position(&alice())
            .await
            .expect("pos")
            .as_deref(),
        Some("A2")
    );
    // Replaying the page (a crash before the next one) stores nothing twice.
    let again = store
        .store_archive_page(&alice(), &page, Some("A2"))
        .await
        .expect("page");
    assert!(again.iter().all(|i| matches!(i, Inserted::Duplicate(_))));
    assert_eq!(store.message_count(&alice()).await.expect("count"), 3);
}
