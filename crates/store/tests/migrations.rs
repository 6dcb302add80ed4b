//! The embedded migrations: idempotent, recorded, and enforcing deduplication in SQL.

use std::path::Path;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::Row;
use tandem_core::model::{DedupKeys, Direction, EditKind, EditOf, NewMessage, Via};
use tandem_core::room::{Room, RoomMeta, RoomNotify};
use tandem_core::store::{Inserted, Store};
use tandem_core::testing::{alice, at, bare, bob, jid};
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
    assert_eq!(
        applied,
        [
            (1, true),
            (2, true),
            (3, true),
            (4, true),
            (5, true),
            (6, true)
        ]
    );
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

/// A database file at schema version `version`: the crate's first `version` migrations,
/// applied by a migrator of their own (as that older release would have).
async fn database_at_version(path: &Path, version: i64) -> sqlx::SqlitePool {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let older = tempfile::tempdir().expect("tempdir");
    for entry in std::fs::read_dir(&source).expect("migrations") {
        let entry = entry.expect("entry");
        let name = entry.file_name().into_string().expect("utf-8 name");
        let number: i64 = name[..4].parse().expect("numbered migration");
        if number <= version {
            std::fs::copy(entry.path(), older.path().join(&name)).expect("copy");
        }
    }
    let migrator = sqlx::migrate::Migrator::new(older.path())
        .await
        .expect("migrator");
    let pool = sqlx::SqlitePool::connect_with(
        SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .foreign_keys(true),
    )
    .await
    .expect("connect");
    migrator.run(&pool).await.expect("older migrations");
    pool
}

#[tokio::test]
async fn a_version_4_database_upgrades_to_rooms_and_keeps_its_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("profile.db");
    let pool = database_at_version(&path, 4).await;
    for sql in [
        "INSERT INTO account (id, jid) VALUES (1, 'alice@example.org')",
        "INSERT INTO conversation (id, account_id, peer, read_up_to) \
         VALUES (1, 1, 'bob@example.org', 1)",
        "INSERT INTO message (id, conversation_id, direction, sender, body, server_time, via, \
         stanza_id, read, rank) \
         VALUES (1, 1, 'in', 'bob@example.org/desk', 'old, read', 1700000001, 'archive', 'S1', 1, 1)",
        "INSERT INTO message (id, conversation_id, direction, sender, body, server_time, via, \
         stanza_id, read, rank) \
         VALUES (2, 1, 'in', 'bob@example.org/desk', 'old, unread', 1700000002, 'live', 'S2', 0, 2)",
        "INSERT INTO sync_state (account_id, archive_position) VALUES (1, 'S2')",
    ] {
        sqlx::query(sql).execute(&pool).await.expect(sql);
    }
    pool.close().await;

    let store = open(&path).await;
    let history = store.history(&alice(), &bob()).await.expect("history");
    let bodies: Vec<&str> = history.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies, ["old, read", "old, unread"]);
    assert!(history.iter().all(|m| m.room.is_none()), "{history:?}");
    assert_eq!(
        (history[0].read, history[1].read, history[1].rank),
        (true, false, 2)
    );
    assert_eq!(
        store
            .archive_position(&alice())
            .await
            .expect("pos")
            .as_deref(),
        Some("S2")
    );
    let list = store.conversations(&alice()).await.expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(
        (list[0].unread, list[0].room, list[0].mentions),
        (1, false, 0)
    );
    assert_eq!(store.read_positions(&alice()).await.expect("read").len(), 1);
    // Old keys still deduplicate.
    let copy = NewMessage {
        peer: bob(),
        from: jid("bob@example.org/desk"),
        direction: Direction::In,
        body: "old, unread".into(),
        timestamp: at(2),
        via: Via::Archive,
        keys: DedupKeys {
            stanza_id: Some("S2".into()),
            origin_id: None,
        },
        stanza_attr_id: None,
        room: None,
        edit: None,
    };
    assert_eq!(
        store.insert_message(&alice(), &copy).await.expect("insert"),
        Inserted::Duplicate(history[1].id)
    );

    // And the new schema is there: rooms, their positions, room messages.
    let lounge = Room {
        jid: bare("lounge@conference.example.org"),
        name: None,
        nick: "alice".into(),
        autojoin: true,
        notify: RoomNotify::Mentions,
        gone: None,
    };
    store.upsert_room(&alice(), &lounge).await.expect("room");
    let in_room = NewMessage {
        peer: lounge.jid.clone(),
        from: jid("lounge@conference.example.org/bob"),
        keys: DedupKeys {
            stanza_id: Some("L1".into()),
            origin_id: None,
        },
        room: Some(RoomMeta {
            nick: "bob".into(),
            occupant_id: None,
            mention: true,
        }),
        ..copy
    };
    store
        .store_room_page(&alice(), &lounge.jid, &[in_room], Some("L1"))
        .await
        .expect("room page");
    assert_eq!(
        store.rooms(&alice()).await.expect("rooms"),
        std::slice::from_ref(&lounge)
    );
    let list = store.conversations(&alice()).await.expect("list");
    let room = list.iter().find(|c| c.room).expect("the room is listed");
    assert_eq!((room.peer.clone(), room.mentions), (lounge.jid, 1));
    store.close().await;
}

#[tokio::test]
async fn the_database_checks_rooms_and_occupant_columns() {
    let store = SqliteStore::open_in_memory().await.expect("open");
    let pool = store.pool();
    for sql in [
        "INSERT INTO account (id, jid) VALUES (1, 'alice@example.org')",
        "INSERT INTO conversation (id, account_id, peer) VALUES (1, 1, 'room@example.org')",
        "INSERT INTO room (account_id, jid, nick, autojoin, notify) \
         VALUES (1, 'room@example.org', 'alice', 1, 'mentions')",
        "INSERT INTO message (conversation_id, direction, sender, body, server_time, via, \
         occupant_nick, occupant_id, mention) \
         VALUES (1, 'in', 'room@example.org/bob', 'hi', 0, 'live', 'bob', 'occ', 1)",
    ] {
        sqlx::query(sql).execute(pool).await.expect(sql);
    }
    for sql in [
        // One room per account and JID.
        "INSERT INTO room (account_id, jid, nick, autojoin, notify) \
         VALUES (1, 'room@example.org', 'al', 0, 'all')",
        // A nick, a known notify setting, a boolean autojoin, an account.
        "INSERT INTO room (account_id, jid, nick, autojoin, notify) \
         VALUES (1, 'r2@example.org', NULL, 1, 'all')",
        "INSERT INTO room (account_id, jid, nick, autojoin, notify) \
         VALUES (1, 'r2@example.org', 'alice', 1, 'loud')",
        "INSERT INTO room (account_id, jid, nick, autojoin, notify) \
         VALUES (1, 'r2@example.org', 'alice', 2, 'all')",
        "INSERT INTO room (account_id, jid, nick, autojoin, notify) \
         VALUES (7, 'r2@example.org', 'alice', 1, 'all')",
        // An occupant-id or a mention needs an occupant; a mention is a boolean.
        "INSERT INTO message (conversation_id, direction, sender, body, server_time, via, \
         occupant_id) VALUES (1, 'in', 'room@example.org/bob', 'hi', 0, 'live', 'occ')",
        "INSERT INTO message (conversation_id, direction, sender, body, server_time, via, \
         mention) VALUES (1, 'in', 'room@example.org/bob', 'hi', 0, 'live', 1)",
        "INSERT INTO message (conversation_id, direction, sender, body, server_time, via, \
         occupant_nick, mention) VALUES (1, 'in', 'room@example.org/bob', 'hi', 0, 'live', 'bob', 2)",
    ] {
        assert!(
            sqlx::query(sql).execute(pool).await.is_err(),
            "accepted: {sql}"
        );
    }
    let (unique, partial): (bool, bool) = sqlx::query_as(
        "SELECT \"unique\", partial FROM pragma_index_list('message') WHERE name = 'message_mention'",
    )
    .fetch_one(pool)
    .await
    .expect("message_mention");
    assert!(!unique && partial, "message_mention is a partial index");
}

#[tokio::test]
async fn a_version_5_database_upgrades_to_edits_and_its_messages_can_be_corrected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("profile.db");
    let pool = database_at_version(&path, 5).await;
    for sql in [
        "INSERT INTO account (id, jid) VALUES (1, 'alice@example.org')",
        "INSERT INTO conversation (id, account_id, peer) VALUES (1, 1, 'bob@example.org')",
        "INSERT INTO message (id, conversation_id, direction, sender, body, server_time, via, \
         stanza_attr_id, rank) \
         VALUES (1, 1, 'in', 'bob@example.org/desk', 'helo', 1700000001, 'live', 'm1', 1)",
    ] {
        sqlx::query(sql).execute(&pool).await.expect(sql);
    }
    pool.close().await;

    let store = open(&path).await;
    let history = store.history(&alice(), &bob()).await.expect("history");
    assert_eq!(history[0].edited, None, "an old row was never edited");
    let fix = NewMessage {
        peer: bob(),
        from: jid("bob@example.org/phone"),
        direction: Direction::In,
        body: "hello".into(),
        timestamp: at(1_700_000_005),
        via: Via::Live,
        keys: DedupKeys::default(),
        stanza_attr_id: Some("m2".into()),
        room: None,
        edit: Some(EditOf {
            target: "m1".into(),
            kind: EditKind::Corrected,
        }),
    };
    let out = store.insert_message(&alice(), &fix).await.expect("edit");
    assert!(
        matches!(out, Inserted::Edited(ref m) if m.body == "hello"),
        "{out:?}"
    );
    store.close().await;
    let store = open(&path).await;
    let history = store.history(&alice(), &bob()).await.expect("history");
    assert_eq!(
        (
            history.len(),
            history[0].body.as_str(),
            history[0].edited.map(|e| e.kind)
        ),
        (1, "hello", Some(EditKind::Corrected))
    );
    store.close().await;
}

#[tokio::test]
async fn the_database_checks_edit_columns() {
    let store = SqliteStore::open_in_memory().await.expect("open");
    let pool = store.pool();
    for sql in [
        "INSERT INTO account (id, jid) VALUES (1, 'alice@example.org')",
        "INSERT INTO conversation (id, account_id, peer) VALUES (1, 1, 'bob@example.org')",
        "INSERT INTO message (conversation_id, direction, sender, body, server_time, via, \
         edit, edited_at, edited_at_ns) \
         VALUES (1, 'in', 'bob@example.org/x', '', 0, 'live', 'retracted', 5, 0)",
    ] {
        sqlx::query(sql).execute(pool).await.expect(sql);
    }
    for sql in [
        // A known kind of edit, always with its time, and a time in range.
        "INSERT INTO message (conversation_id, direction, sender, body, server_time, via, \
         edit, edited_at, edited_at_ns) \
         VALUES (1, 'in', 'bob@example.org/x', '', 0, 'live', 'deleted', 5, 0)",
        "INSERT INTO message (conversation_id, direction, sender, body, server_time, via, \
         edit) VALUES (1, 'in', 'bob@example.org/x', '', 0, 'live', 'corrected')",
        "INSERT INTO message (conversation_id, direction, sender, body, server_time, via, \
         edited_at, edited_at_ns) VALUES (1, 'in', 'bob@example.org/x', '', 0, 'live', 5, 0)",
        "INSERT INTO message (conversation_id, direction, sender, body, server_time, via, \
         edit, edited_at, edited_at_ns) \
         VALUES (1, 'in', 'bob@example.org/x', '', 0, 'live', 'corrected', 5, 2000000000)",
    ] {
        assert!(
            sqlx::query(sql).execute(pool).await.is_err(),
            "accepted: {sql}"
        );
    }
}
