//! Catch-up volume: 10,000 archived messages stored in pages of 50, as the client does.

use chrono::{TimeZone, Utc};
use tandem_core::model::{DedupKeys, Direction, NewMessage, Via};
use tandem_core::store::{Inserted, Store};
use tandem_core::{BareJid, Jid};
use tandem_store::SqliteStore;

const TOTAL: usize = 10_000;
const PAGE: usize = 50;
const PEERS: usize = 20;

fn archived(i: usize) -> NewMessage {
    let peer = format!("peer{}@example.org", i % PEERS);
    // Every third message is one of ours.
    let (direction, from) = match i % 3 {
        0 => (Direction::Out, "alice@example.org/laptop".to_owned()),
        _ => (Direction::In, format!("{peer}/desk")),
    };
    NewMessage {
        peer: BareJid::new(&peer).expect("jid"),
        from: Jid::new(&from).expect("jid"),
        direction,
        body: format!("archived message number {i}"),
        timestamp: Utc
            .timestamp_opt(1_700_000_000 + i as i64, 0)
            .single()
            .expect("time"),
        via: Via::Archive,
        keys: DedupKeys {
            stanza_id: Some(format!("mam-{i}")),
            origin_id: Some(format!("origin-{i}")),
        },
        stanza_attr_id: Some(format!("origin-{i}")),
        room: None,
        edit: None,
    }
}

#[tokio::test]
/// Correctness at catch-up scale; speed is measured by `bench-catchup`, not asserted here.
async fn ten_thousand_archived_messages_in_pages_of_fifty() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(&dir.path().join("profile.db"))
        .await
        .expect("open");
    let alice = BareJid::new("alice@example.org").expect("jid");
    let messages: Vec<NewMessage> = (0..TOTAL).map(archived).collect();

    for page in messages.chunks(PAGE) {
        let position = page.last().and_then(|m| m.keys.stanza_id.as_deref());
        let out = store
            .store_archive_page(&alice, page, position)
            .await
            .expect("page");
        assert!(out.iter().all(|i| matches!(i, Inserted::New(_))));
    }

    // A second catch-up over the same range (e.g. after losing the position) is all
    // duplicates and stores nothing.
    for page in messages.chunks(PAGE) {
        let out = store
            .store_archive_page(&alice, page, None)
            .await
            .expect("replay");
        assert!(out.iter().all(|i| matches!(i, Inserted::Duplicate(_))));
    }

    assert_eq!(
        store.message_count(&alice).await.expect("count"),
        TOTAL as u64
    );
    assert_eq!(
        store
            .archive_position(&alice)
            .await
            .expect("pos")
            .as_deref(),
        Some(format!("mam-{}", TOTAL - 1).as_str())
    );
    let history = store
        .history(&alice, &BareJid::new("peer7@example.org").expect("jid"))
        .await
        .expect("history");
    assert_eq!(history.len(), TOTAL / PEERS);
    assert!(history.windows(2).all(|w| w[0].timestamp < w[1].timestamp));
}
