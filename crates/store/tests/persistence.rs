//! What survives closing and reopening the database file, and what a failed page leaves.

use chrono::{DateTime, TimeZone, Utc};
use tandem_core::model::{DedupKeys, Device, DeviceType, Direction, NewMessage, Show, Via};
use tandem_core::store::{Inserted, Store};
use tandem_core::testing::bare;
use tandem_core::{FullJid, Jid};
use tandem_store::SqliteStore;

fn at(secs: i64, nanos: u32) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + secs, nanos)
        .single()
        .expect("time")
}

fn incoming(body: &str, secs: i64, stanza_id: &str) -> NewMessage {
    NewMessage {
        peer: bare("bob@example.org"),
        from: Jid::new("bob@example.org/desk").expect("jid"),
        direction: Direction::In,
        body: body.into(),
        timestamp: at(secs, 123_456_789),
        via: Via::Archive,
        keys: DedupKeys {
            stanza_id: Some(stanza_id.into()),
            origin_id: None,
        },
        stanza_attr_id: None,
        room: None,
        edit: None,
    }
}

async fn fill(store: &SqliteStore) -> (Vec<Inserted>, Device) {
    let alice = bare("alice@example.org");
    let page = vec![incoming("one", 1, "A1"), incoming("two", 2, "A2")];
    let out = store
        .store_archive_page(&alice, &page, Some("A2"))
        .await
        .expect("page");
    let device = Device {
        jid: FullJid::new("alice@example.org/phone").expect("jid"),
        resource: "phone".into(),
        show: Show::Dnd,
        device_type: DeviceType::Phone,
        online: true,
        this_device: true,
        last_seen: at(3, 42),
    };
    store.upsert_device(&alice, &device).await.expect("device");
    (out, device)
}

async fn check(store: &SqliteStore, stored: &[Inserted], device: &Device) {
    let alice = bare("alice@example.org");
    let history = store
        .history(&alice, &bare("bob@example.org"))
        .await
        .expect("history");
    let expected: Vec<_> = stored
        .iter()
        .map(|i| i.new_message().expect("new").clone())
        .collect();
    assert_eq!(history, expected, "messages round-trip exactly");
    assert_eq!(
        store
            .archive_position(&alice)
            .await
            .expect("pos")
            .as_deref(),
        Some("A2")
    );
    assert_eq!(
        store.devices(&alice).await.expect("devices"),
        std::slice::from_ref(device)
    );
    // Dedup keys survive too.
    let again = store
        .insert_message(&alice, &incoming("one", 1, "A1"))
        .await
        .expect("insert");
    assert!(matches!(again, Inserted::Duplicate(_)));
}

#[tokio::test]
async fn history_position_and_devices_survive_close_and_reopen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("profile.db");
    let store = SqliteStore::open(&path).await.expect("open");
    let (stored, device) = fill(&store).await;
    store.close().await;

    let store = SqliteStore::open(&path).await.expect("reopen");
    check(&store, &stored, &device).await;
}

#[tokio::test]
async fn committed_data_survives_dropping_the_store_without_closing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("profile.db");
    let store = SqliteStore::open(&path).await.expect("open");
    let (stored, device) = fill(&store).await;
    drop(store);

    let store = SqliteStore::open(&path).await.expect("reopen");
    check(&store, &stored, &device).await;
}

#[tokio::test]
async fn a_page_that_fails_midway_stores_nothing_and_keeps_the_old_position() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(&dir.path().join("profile.db"))
        .await
        .expect("open");
    let alice = bare("alice@example.org");
    let carol = bare("carol@example.org");
    store
        .store_archive_page(&alice, &[incoming("zero", 0, "A0")], Some("A0"))
        .await
        .expect("first page");
    // Make the database refuse one message of the next page.
    sqlx::query(
        "CREATE TRIGGER refuse BEFORE INSERT ON message WHEN NEW.body = 'boom' \
         BEGIN SELECT RAISE(ABORT, 'refused'); END",
    )
    .execute(store.pool())
    .await
    .expect("trigger");

    // A new account and conversation are created inside the failing transaction too.
    let mut to_carol = incoming("hello carol", 1, "C1");
    to_carol.peer = carol.clone();
    let page = [
        incoming("one", 1, "A1"),
        to_carol.clone(),
        incoming("boom", 2, "A2"),
    ];
    for account in [&alice, &bare("zed@example.org")] {
        let err = store
            .store_archive_page(account, &page, Some("A2"))
            .await
            .expect_err("page must fail");
        assert!(err.to_string().contains("refused"), "{err}");
    }
    assert_eq!(store.message_count(&alice).await.expect("count"), 1);
    assert_eq!(
        store
            .archive_position(&alice)
            .await
            .expect("pos")
            .as_deref(),
        Some("A0")
    );
    assert_eq!(
        store
            .message_count(&bare("zed@example.org"))
            .await
            .expect("count"),
        0
    );
    assert_eq!(
        store
            .archive_position(&bare("zed@example.org"))
            .await
            .expect("pos"),
        None
    );

    // Nothing of the rolled-back ids lingers: the same page stores fully once allowed.
    sqlx::query("DROP TRIGGER refuse")
        .execute(store.pool())
        .await
        .expect("drop trigger");
    for account in [&alice, &bare("zed@example.org")] {
        let out = store
            .store_archive_page(account, &page, Some("A2"))
            .await
            .expect("page");
        assert!(out.iter().all(|i| matches!(i, Inserted::New(_))));
        assert_eq!(
            store.history(account, &carol).await.expect("history")[0].body,
            "hello carol"
        );
        assert_eq!(
            store
                .archive_position(account)
                .await
                .expect("pos")
                .as_deref(),
            Some("A2")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_on_one_file_all_succeed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = std::sync::Arc::new(
        SqliteStore::open(&dir.path().join("profile.db"))
            .await
            .expect("open"),
    );
    let alice = bare("alice@example.org");
    let mut tasks = Vec::new();
    for t in 0..8 {
        let store = store.clone();
        let alice = alice.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..50 {
                let id = format!("T{t}-{i}");
                let mut m = incoming(&id, i, &id);
                if i % 2 == 0 {
                    m.peer = bare(&format!("peer{t}@example.org"));
                }
                store.insert_message(&alice, &m).await.expect("insert");
                store.history(&alice, &m.peer).await.expect("read");
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    assert_eq!(store.message_count(&alice).await.expect("count"), 400);
}
