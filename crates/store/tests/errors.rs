//! Damaged databases give clear errors, never panics.

use sqlx::Row;
use tandem_core::model::{DedupKeys, Direction, NewMessage, Via};
use tandem_core::store::Store;
use tandem_core::testing::bare;
use tandem_core::{Error, Jid};
use tandem_store::SqliteStore;

#[tokio::test]
async fn a_file_that_is_not_a_database_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("profile.db");
    // Deterministic junk: an xorshift stream, 16 KiB.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let junk: Vec<u8> = (0..16 * 1024)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    std::fs::write(&path, &junk).expect("write junk");

    let err = SqliteStore::open(&path)
        .await
        .expect_err("junk is not a database");
    assert!(matches!(err, Error::Storage(_)), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains(&path.display().to_string()),
        "names the file: {text}"
    );
    assert!(text.contains("not a database"), "says why: {text}");
    assert_eq!(
        std::fs::read(&path).expect("read back"),
        junk,
        "file untouched"
    );
}

#[tokio::test]
async fn a_missing_directory_is_a_storage_error_naming_the_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("no-such-dir").join("profile.db");
    let err = SqliteStore::open(&path).await.expect_err("no directory");
    assert!(matches!(err, Error::Storage(_)), "{err:?}");
    assert!(err.to_string().contains("no-such-dir"), "{err}");
}

#[tokio::test]
async fn a_closed_store_reports_errors() {
    let store = SqliteStore::open_in_memory().await.expect("open");
    store.close().await;
    let err = store
        .message_count(&bare("alice@example.org"))
        .await
        .expect_err("closed");
    assert!(matches!(err, Error::Storage(_)), "{err:?}");
}

/// Stores one message from bob to alice, then damages its row with `damage`.
async fn damaged_history(damage: &str) -> Error {
    let store = SqliteStore::open_in_memory().await.expect("open");
    let alice = bare("alice@example.org");
    let bob = bare("bob@example.org");
    let msg = NewMessage {
        peer: bob.clone(),
        from: Jid::new("bob@example.org/desk").expect("jid"),
        direction: Direction::In,
        body: "hi".into(),
        timestamp: chrono::Utc::now(),
        via: Via::Live,
        keys: DedupKeys::default(),
        stanza_attr_id: None,
        room: None,
        edit: None,
    };
    store.insert_message(&alice, &msg).await.expect("insert");
    sqlx::query(damage)
        .execute(store.pool())
        .await
        .expect("damage");
    store.history(&alice, &bob).await.expect_err("corrupt row")
}

#[tokio::test]
async fn corrupt_message_rows_are_reported_as_corrupt() {
    for (damage, expected) in [
        (
            "UPDATE message SET sender = '@example.org'",
            "sender \"@example.org\" is not a JID",
        ),
        (
            "UPDATE message SET via = 'pigeon'",
            "unknown arrival path \"pigeon\"",
        ),
        (
            "UPDATE message SET server_time = 'yesterday'",
            "column server_time",
        ),
        (
            "UPDATE message SET server_time = 9223372036854775807",
            "out of range",
        ),
        (
            "UPDATE message SET body = CAST(x'c328' AS TEXT)",
            "column body",
        ),
        (
            "UPDATE message SET occupant_nick = CAST(x'c328' AS TEXT)",
            "column occupant_nick",
        ),
    ] {
        match damaged_history(damage).await {
            Error::Corrupt(text) => {
                assert!(text.contains(expected), "{damage}: {text}");
                assert!(
                    text.starts_with("message 1"),
                    "{damage}: names the row: {text}"
                );
            }
            other => panic!("{damage}: expected Corrupt, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn corrupt_device_rows_are_reported_as_corrupt() {
    let store = SqliteStore::open_in_memory().await.expect("open");
    sqlx::query("INSERT INTO account (id, jid) VALUES (1, 'alice@example.org')")
        .execute(store.pool())
        .await
        .expect("account");
    for (row, expected) in [
        (
            "('phone', 'alice@example.org/phone', 'sleepy', 'phone')",
            "unknown presence \"sleepy\"",
        ),
        (
            "('phone', 'alice@example.org/phone', 'away', 'toaster')",
            "unknown device type \"toaster\"",
        ),
        (
            "('phone', 'alice@example.org', 'away', 'phone')",
            "is not a full JID",
        ),
    ] {
        sqlx::query("DELETE FROM device")
            .execute(store.pool())
            .await
            .expect("clear");
        sqlx::query(&format!(
            "INSERT INTO device (account_id, resource, jid, show, device_type, online, \
             this_device, last_seen) SELECT 1, column1, column2, column3, column4, 1, 0, 0 \
             FROM (VALUES {row})"
        ))
        .execute(store.pool())
        .await
        .expect("insert device");
        match store.devices(&bare("alice@example.org")).await {
            Err(Error::Corrupt(text)) => {
                assert!(text.contains(expected), "{row}: {text}");
                assert!(text.starts_with("device \"phone\""), "{text}");
            }
            other => panic!("{row}: expected Corrupt, got {other:?}"),
        }
    }
    // The schema itself is intact.
    let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM device")
        .fetch_one(store.pool())
        .await
        .expect("count")
        .get("n");
    assert_eq!(n, 1);
}

#[tokio::test]
async fn corrupt_room_rows_are_reported_as_corrupt() {
    let store = SqliteStore::open_in_memory().await.expect("open");
    sqlx::query("INSERT INTO account (id, jid) VALUES (1, 'alice@example.org')")
        .execute(store.pool())
        .await
        .expect("account");
    for (row, expected) in [
        ("('room@example.org/alice', NULL)", "not a bare JID"),
        ("('room@example.org', CAST(x'c328' AS TEXT))", "column name"),
    ] {
        sqlx::query("DELETE FROM room")
            .execute(store.pool())
            .await
            .expect("clear");
        sqlx::query(&format!(
            "INSERT INTO room (account_id, jid, name, nick, autojoin, notify) \
             SELECT 1, column1, column2, 'alice', 1, 'all' FROM (VALUES {row})"
        ))
        .execute(store.pool())
        .await
        .expect("insert room");
        match store.rooms(&bare("alice@example.org")).await {
            Err(Error::Corrupt(text)) => {
                assert!(text.contains(expected), "{row}: {text}");
                assert!(text.starts_with("room \"room@example.org"), "{text}");
            }
            other => panic!("{row}: expected Corrupt, got {other:?}"),
        }
    }
}
