//! The order of history, its pages and the conversation list: the server's.

use jid::BareJid;

use super::msg;
use crate::model::{Direction, MessageId, NewMessage, StoredMessage, Via};
use crate::store::{Inserted, Store};
use crate::testing::{alice, at, bare, bob, colin};

/// History is oldest first by server time, ties broken by arrival.
pub async fn history_is_oldest_first(store: &impl Store) {
    for (body, secs, id) in [
        ("third", 30, "c"),
        ("first", 10, "a"),
        ("second", 20, "b"),
        ("second-b", 20, "b2"),
    ] {
        let m = msg(Direction::In, body, secs, Some(id), None, Via::Archive);
        store.insert_message(&alice(), &m).await.expect("insert");
    }
    let bodies: Vec<String> = store
        .history(&alice(), &bob())
        .await
        .expect("history")
        .into_iter()
        .map(|m| m.body)
        .collect();
    assert_eq!(bodies, ["first", "second", "second-b", "third"]);
}

/// History is the server's order: a live copy stored while catch-up still pages through
/// older messages of the same second moves behind them when its archive copy arrives, at
/// the archive's time (our clock may differ from the server's).
pub async fn an_archive_copy_puts_a_live_copy_in_the_server_s_order(store: &impl Store) {
    // Live "new" arrives first, stamped by our clock (a second early).
    let live = msg(Direction::In, "new", 19, Some("s3"), Some("o3"), Via::Live);
    store.insert_message(&alice(), &live).await.expect("insert");
    // Catch-up: two older messages of second 20, then the archive copy of "new".
    let page = [
        msg(
            Direction::In,
            "old-1",
            20,
            Some("s1"),
            Some("o1"),
            Via::Archive,
        ),
        msg(
            Direction::In,
            "old-2",
            20,
            Some("s2"),
            Some("o2"),
            Via::Archive,
        ),
        msg(
            Direction::In,
            "new",
            20,
            Some("s3"),
            Some("o3"),
            Via::Archive,
        ),
    ];
    let stored = store
        .store_archive_page(&alice(), &page, Some("s3"))
        .await
        .expect("page");
    assert!(matches!(stored[2], Inserted::Duplicate(_)), "{stored:?}");
    let history = store.history(&alice(), &bob()).await.expect("history");
    let bodies: Vec<&str> = history.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies, ["old-1", "old-2", "new"]);
    assert_eq!(history[2].timestamp, at(20), "the server's time");
    assert_eq!(history[2].via, Via::Live, "the copy kept is the first one");
    // Pages and the conversation list agree.
    let page = store
        .history_page(&alice(), &bob(), None, 1)
        .await
        .expect("page");
    assert_eq!(page[0].body, "new");
    let list = store.conversations(&alice()).await.expect("list");
    assert_eq!(list[0].last.body, "new");
    // A later live message of the same second still comes after it.
    let later = msg(Direction::In, "later", 20, Some("s4"), None, Via::Live);
    store
        .insert_message(&alice(), &later)
        .await
        .expect("insert");
    let last = store
        .history(&alice(), &bob())
        .await
        .expect("history")
        .pop()
        .map(|m| m.body);
    assert_eq!(last.as_deref(), Some("later"));
}

/// The conversation list is newest first, by each conversation's newest message (server
/// time, then arrival, whatever order the copies were stored in), and counts the incoming
/// messages not read yet.
pub async fn conversations_are_listed_newest_first_with_unread_counts(store: &impl Store) {
    let bob = bob();
    let colin = colin();
    let dave = bare("dave@example.org");
    let to = |peer: &BareJid, mut m: NewMessage| {
        m.peer = peer.clone();
        m
    };
    // (conversation, message): bob's newest is at 40 although stored before colin's 30;
    // dave's two messages share a second, so arrival breaks the tie.
    let msgs = [
        to(
            &bob,
            msg(Direction::In, "b1", 10, Some("b1"), None, Via::Live),
        ),
        to(
            &bob,
            msg(Direction::In, "b2", 40, Some("b2"), None, Via::Archive),
        ),
        to(
            &bob,
            msg(Direction::Out, "b3", 20, None, Some("b3"), Via::Local),
        ),
        to(
            &colin,
            msg(Direction::In, "c1", 30, Some("c1"), None, Via::Live),
        ),
        to(
            &dave,
            msg(Direction::Out, "d1", 5, None, Some("d1"), Via::Local),
        ),
        to(
            &dave,
            msg(Direction::In, "d2", 5, Some("d2"), None, Via::Live),
        ),
    ];
    let mut ids = Vec::new();
    for m in &msgs {
        let Inserted::New(stored) = store.insert_message(&alice(), m).await.expect("insert") else {
            panic!("new")
        };
        ids.push(stored.id);
    }
    assert!(store.mark_read(&alice(), &bob, ids[0]).await.expect("read"));
    // Another account's messages are not counted.
    store
        .insert_message(&bare("zed@example.org"), &msgs[3])
        .await
        .expect("insert");

    let list = store.conversations(&alice()).await.expect("conversations");
    let got: Vec<(String, String, u64)> = list
        .iter()
        .map(|c| (c.peer.to_string(), c.last.body.clone(), c.unread))
        .collect();
    assert_eq!(
        got,
        [
            ("bob@example.org".to_owned(), "b2".to_owned(), 1),
            ("colin@example.org".to_owned(), "c1".to_owned(), 1),
            ("dave@example.org".to_owned(), "d2".to_owned(), 1),
        ]
    );
    assert_eq!(list[0].last.id, ids[1]);
    assert_eq!(list[0].last.conversation, bob);
    assert!(store
        .conversations(&bare("nobody@example.org"))
        .await
        .expect("conversations")
        .is_empty());
}

/// History pages walk back from the newest message: each page holds the messages just
/// before the given one, oldest first; a message the conversation does not have gives an
/// empty page.
pub async fn history_pages_walk_back_oldest_first(store: &impl Store) {
    let bob = bob();
    // Stored out of order; two share a second.
    for (body, secs) in [("m3", 30), ("m1", 10), ("m2", 20), ("m4", 40), ("m4b", 40)] {
        let m = msg(Direction::In, body, secs, Some(body), None, Via::Archive);
        store.insert_message(&alice(), &m).await.expect("insert");
    }
    let bodies =
        |page: &[StoredMessage]| -> Vec<String> { page.iter().map(|m| m.body.clone()).collect() };
    let newest = store
        .history_page(&alice(), &bob, None, 2)
        .await
        .expect("page");
    assert_eq!(bodies(&newest), ["m4", "m4b"]);
    let before = store
        .history_page(&alice(), &bob, Some(newest[0].id), 2)
        .await
        .expect("page");
    assert_eq!(bodies(&before), ["m2", "m3"]);
    let last = store
        .history_page(&alice(), &bob, Some(before[0].id), 2)
        .await
        .expect("page");
    assert_eq!(bodies(&last), ["m1"]);
    assert!(store
        .history_page(&alice(), &bob, Some(last[0].id), 2)
        .await
        .expect("page")
        .is_empty());
    let all = store
        .history_page(&alice(), &bob, None, 100)
        .await
        .expect("page");
    assert_eq!(bodies(&all), ["m1", "m2", "m3", "m4", "m4b"]);
    assert!(store
        .history_page(&alice(), &bob, None, 0)
        .await
        .expect("page")
        .is_empty());
    // Unknown, or a message of another conversation.
    let mut other = msg(Direction::In, "c", 50, Some("c"), None, Via::Live);
    other.peer = colin();
    let Inserted::New(other) = store
        .insert_message(&alice(), &other)
        .await
        .expect("insert")
    else {
        panic!("new")
    };
    assert!(store
        .history_page(&alice(), &bob, Some(other.id), 10)
        .await
        .expect("page")
        .is_empty());
    assert!(store
        .history_page(&alice(), &bob, Some(MessageId(999_999)), 10)
        .await
        .expect("page")
        .is_empty());
}
