//! The embedded migrations: idempotent, recorded, and enforcing deduplication in SQL.

use std::path::Path;

use sqlx::Row;
use tandem_core::Error;
use tandem_store::SqliteStore;

async fn open(path: &Path) -> SqliteStore {
    SqliteStore::open(path).await.expect("open")
}

#[tokio::test]
async fn reopening_runs_no_migration_twice_and_records_every_version() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("profile.db");
    let store = open(&path).await;
    store.close().await;
    assert!(path.exists(), "the database file is created");

    let store = open(&path).await;
    let rows = sqlx::query("SELECT version, success FROM _sqlx_migrations ORDER BY version")
        .fetch_all(store.pool())
        .await
        .expect("migrations table");
    let applied: Vec<(i64, bool)> = rows
        .iter()
        .map(|r| (r.get("version"), r.get("success")))
        .collect();
    assert_eq!(applied, [(1, true), (2, true), (3, true), (4, true)]);
    store.close().await;
}

#[tokio::test]
async fn connections_use_wal_normal_sync_and_foreign_keys() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir.path().join("profile.db")).await;
    let mut conn = store.pool().acquire().await.expect("conn");
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut *conn)
        .await
        .expect("journal_mode");
    assert_eq!(mode, "wal");
    let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(&mut *conn)
        .await
        .expect("synchronous");
    assert_eq!(sync, 1, "synchronous = NORMAL");
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(&mut *conn)
        .await
        .expect("foreign_keys");
    assert_eq!(fk, 1);
    let timeout: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
        .fetch_one(&mut *conn)
        .await
        .expect("busy_timeout");
    assert_eq!(timeout, 5000);
}

#[tokio::test]
async fn dedup_indexes_exist_and_are_partial_and_unique() {
    let store = SqliteStore::open_in_memory().await.expect("open");
    for (name, columns) in [
        ("message_stanza_id", "conversation_id, stanza_id"),
        ("message_origin_id", "conversation_id, direction, origin_id"),
    ] {
        let (unique, partial): (bool, bool) = sqlx::query_as(
            "SELECT \"unique\", partial FROM pragma_index_list('message') WHERE name = ?1",
        )
        .bind(name)
        .fetch_one(store.pool())
        .await
        .unwrap_or_else(|e| panic!("index {name}: {e}"));
        assert!(unique && partial, "{name} is a partial unique index");
        let cols: Vec<String> =
            sqlx::query_scalar("SELECT name FROM pragma_index_info(?1) ORDER BY seqno")
                .bind(name)
                .fetch_all(store.pool())
                .await
                .expect("index info");
        assert_eq!(cols.join(", "), columns);
    }
}

#[tokio::test]
async fn the_database_itself_rejects_duplicate_keys() {
    let store = SqliteStore::open_in_memory().await.expect("open");
    let pool = store.pool();
    for sql in [
        "INSERT INTO account (id, jid) VALUES (1, 'alice@example.org')",
        "INSERT INTO conversation (id, account_id, peer) VALUES (1, 1, 'bob@example.org')",
        "INSERT INTO conversation (id, account_id, peer) VALUES (2, 1, 'colin@example.org')",
    ] {
        sqlx::query(sql).execute(pool).await.expect(sql);
    }
    let insert = |conversation: i64,
                  direction: &'static str,
                  origin: Option<&'static str>,
                  stanza: Option<&'static str>| {
        sqlx::query(
            "INSERT INTO message (conversation_id, direction, sender, body, server_time, via, \
             origin_id, stanza_id) VALUES (?1, ?2, 'bob@example.org/desk', 'hi', 0, 'live', ?3, ?4)",
        )
        .bind(conversation)
        .bind(direction)
        .bind(origin)
        .bind(stanza)
        .execute(pool)
    };
    let is_unique_violation = |r: Result<_, sqlx::Error>| match r {
        Err(sqlx::Error::Database(e)) => e.is_unique_violation(),
        _ => false,
    };

    insert(1, "in", Some("O1"), Some("S1"))
        .await
        .expect("first");
    assert!(is_unique_violation(insert(1, "in", None, Some("S1")).await));
    assert!(is_unique_violation(insert(1, "in", Some("O1"), None).await));
    // Scopes: another direction, another conversation.
    insert(1, "out", Some("O1"), None)
        .await
        .expect("other direction");
    insert(2, "in", Some("O1"), Some("S1"))
        .await
        .expect("other conversation");
    // Keyless rows never conflict.
    insert(1, "in", None, None).await.expect("keyless");
    insert(1, "in", None, None).await.expect("keyless again");
    // The direction is checked.
    assert!(insert(1, "sideways", None, None).await.is_err());
}

#[tokio::test]
async fn a_database_from_a_newer_version_is_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("profile.db");
    let store = open(&path).await;
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (9999, 'from the future', 1, x'00', 0)",
    )
    .execute(store.pool())
    .await
    .expect("fake migration");
    store.close().await;

    let err = SqliteStore::open(&path).await.expect_err("newer schema");
    assert!(matches!(err, Error::Storage(_)), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("profile.db"), "{text}");
    assert!(text.contains("migration 9999"), "{text}");
}
