//! The contract every [`Store`] passes. Run it with [`crate::store_contract_tests!`].

use chrono::{DateTime, TimeZone, Utc};
use jid::{BareJid, FullJid, Jid};

use super::{Inserted, Store};
use crate::model::{
    DedupKeys, Device, DeviceType, Direction, MessageId, NewMessage, Show, StoredMessage, Via,
};

fn bare(s: &str) -> BareJid {
    BareJid::new(s).expect("contract jid")
}

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + secs, 0)
        .single()
        .expect("contract time")
}

/// A message in alice's conversation with bob.
pub fn msg(
    direction: Direction,
    body: &str,
    secs: i64,
    stanza_id: Option<&str>,
    origin_id: Option<&str>,
    via: Via,
) -> NewMessage {
    let from = match direction {
        Direction::In => "bob@example.org/desk",
        Direction::Out => "alice@example.org/laptop",
    };
    NewMessage {
        peer: bare("bob@example.org"),
        from: Jid::new(from).expect("contract jid"),
        direction,
        body: body.into(),
        timestamp: at(secs),
        via,
        keys: DedupKeys {
            stanza_id: stanza_id.map(Into::into),
            origin_id: origin_id.map(Into::into),
        },
        stanza_attr_id: origin_id.map(Into::into),
    }
}

fn alice() -> BareJid {
    bare("alice@example.org")
}

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
    let history = store
        .history(&alice(), &bare("bob@example.org"))
        .await
        .expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].keys.stanza_id.as_deref(), Some("S2"));
}

/// An origin-id only identifies a message within one conversation and one direction: a
/// contact reusing our origin-id cannot make our message, or theirs, disappear.
pub async fn origin_id_dedup_is_scoped_to_conversation_and_direction(store: &impl Store) {
    let ours = msg(Direction::Out, "mine", 1, None, Some("O3"), Via::Local);
    let theirs = msg(Direction::In, "theirs", 2, None, Some("O3"), Via::Live);
    let mut elsewhere = msg(Direction::In, "colin", 3, None, Some("O3"), Via::Live);
    elsewhere.peer = bare("colin@example.org");
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
        .history(&alice(), &bare("bob@example.org"))
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
    let history = store
        .history(&alice(), &bare("bob@example.org"))
        .await
        .expect("history");
    let bodies: Vec<&str> = history.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies, ["old-1", "old-2", "new"]);
    assert_eq!(history[2].timestamp, at(20), "the server's time");
    assert_eq!(history[2].via, Via::Live, "the copy kept is the first one");
    // Pages and the conversation list agree.
    let page = store
        .history_page(&alice(), &bare("bob@example.org"), None, 1)
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
        .history(&alice(), &bare("bob@example.org"))
        .await
        .expect("history")
        .pop()
        .map(|m| m.body);
    assert_eq!(last.as_deref(), Some("later"));
}

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
    let h = store
        .history(&alice(), &bare("bob@example.org"))
        .await
        .expect("history");
    assert!(h[0].read);
    assert!(!h[1].read);
}

/// A receipt marks our message delivered once; receipts for unknown ids change nothing.
pub async fn receipts_mark_delivered_once(store: &impl Store) {
    let sent = msg(Direction::Out, "o", 1, None, Some("R1"), Via::Local);
    let Inserted::New(stored) = store.insert_message(&alice(), &sent).await.expect("insert") else {
        panic!("new")
    };
    let bob = bare("bob@example.org");
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
    let bob = bare("bob@example.org");
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
        .mark_read(&alice(), &bare("colin@example.org"), ids[2])
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
    let bob = bare("bob@example.org");
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
        .mark_seen(&alice(), &bare("colin@example.org"), ids[3])
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

/// The conversation list is newest first, by each conversation's newest message (server
/// time, then arrival, whatever order the copies were stored in), and counts the incoming
/// messages not read yet.
pub async fn conversations_are_listed_newest_first_with_unread_counts(store: &impl Store) {
    let bob = bare("bob@example.org");
    let colin = bare("colin@example.org");
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
    let bob = bare("bob@example.org");
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
    other.peer = bare("colin@example.org");
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

/// Devices are kept per resource, go offline together, and list online first.
pub async fn devices_are_tracked_per_resource(store: &impl Store) {
    let device = |res: &str, online: bool, kind: DeviceType| Device {
        jid: FullJid::new(&format!("alice@example.org/{res}")).expect("jid"),
        resource: res.into(),
        show: if online {
            Show::Available
        } else {
            Show::Unavailable
        },
        device_type: kind,
        online,
        this_device: false,
        last_seen: at(5),
    };
    store
        .upsert_device(&alice(), &device("phone", true, DeviceType::Phone))
        .await
        .expect("up");
    store
        .upsert_device(&alice(), &device("laptop", true, DeviceType::Desktop))
        .await
        .expect("up");
    store
        .upsert_device(&alice(), &device("old", false, DeviceType::Unknown))
        .await
        .expect("up");
    let list = store.devices(&alice()).await.expect("devices");
    let names: Vec<&str> = list.iter().map(|d| d.resource.as_str()).collect();
    assert_eq!(names, ["laptop", "phone", "old"]);
    assert_eq!(list[1].device_type, DeviceType::Phone);

    store
        .upsert_device(&alice(), &device("phone", false, DeviceType::Phone))
        .await
        .expect("up");
    assert!(!store
        .devices(&alice())
        .await
        .expect("devices")
        .iter()
        .any(|d| d.resource == "phone" && d.online));

    store
        .mark_devices_offline(&alice(), at(9))
        .await
        .expect("offline");
    let list = store.devices(&alice()).await.expect("devices");
    assert!(list
        .iter()
        .all(|d| !d.online && d.show == Show::Unavailable));
    assert_eq!(
        store
            .devices(&bare("zed@example.org"))
            .await
            .expect("devices"),
        vec![]
    );
}

/// Generates one `#[tokio::test]` per contract check for a store built by `$make`
/// (an async expression evaluated afresh for each test).
#[macro_export]
macro_rules! store_contract_tests {
    ($make:expr) => {
        $crate::store_contract_tests!(@tests $make;
            stores_one_message_once_across_its_copies,
            a_duplicate_fills_in_missing_keys,
            origin_id_dedup_is_scoped_to_conversation_and_direction,
            accounts_are_isolated,
            messages_without_keys_are_all_kept,
            archive_pages_commit_their_position,
            history_is_oldest_first,
            an_archive_copy_puts_a_live_copy_in_the_server_s_order,
            outgoing_messages_are_read_incoming_start_unread,
            receipts_mark_delivered_once,
            seen_marks_our_messages_up_to_the_position,
            reading_marks_messages_up_to_the_position,
            conversations_are_listed_newest_first_with_unread_counts,
            history_pages_walk_back_oldest_first,
            devices_are_tracked_per_resource
        );
    };
    (@tests $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                let store = $make;
                $crate::store::contract::$name(&store).await;
            }
        )*
    };
}

#[cfg(test)]
mod memory {
    use crate::store::MemoryStore;
    crate::store_contract_tests!(MemoryStore::new());
}
