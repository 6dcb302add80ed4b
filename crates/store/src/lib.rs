//! tandem-store: the SQLite implementation of [`tandem_core::store::Store`].
//!
//! [`SqliteStore`] keeps one profile's messages, archive position and devices in a SQLite
//! database run in WAL mode, with numbered migrations embedded from `migrations/`. Its
//! semantics are those of [`tandem_core::store::MemoryStore`], checked by the same contract
//! suite; deduplication is enforced by partial unique indexes, and every write runs in one
//! `BEGIN IMMEDIATE` transaction, so an archive page and its position commit together or not
//! at all.
//!
//! Failures of the database surface as [`Error::Storage`] (whose message names what was being
//! done, e.g. the path being opened), rows this version cannot read as [`Error::Corrupt`].
#![warn(missing_docs)]

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use jid::{BareJid, FullJid, Jid};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Row, SqlitePool};
use tandem_core::model::{
    ConversationSummary, DedupKeys, Device, DeviceType, Direction, MessageId, NewMessage, Show,
    StoredMessage, Via,
};
use tandem_core::readstate::ReadPosition;
use tandem_core::store::{Inserted, Store};
use tandem_core::{Error, Result};

/// The schema migrations, embedded at build time from `migrations/`.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// How long a statement waits for another connection's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Connections kept for a database file (WAL lets readers run beside the one writer).
const FILE_POOL_SIZE: u32 = 4;

/// A [`Store`] in a SQLite database.
///
/// Cheap to share behind an `Arc`; all methods take `&self`. Concurrent writers are
/// serialised by SQLite (`BEGIN IMMEDIATE` plus a 5 s busy timeout).
pub struct SqliteStore {
    pool: SqlitePool,
    location: Location,
    /// Row ids of accounts and conversations known to be committed. Rows are never deleted
    /// by this store, so an id once seen stays valid.
    ids: Mutex<IdCache>,
}

#[derive(Debug, Clone)]
enum Location {
    File(PathBuf),
    Memory,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File(p) => write!(f, "{}", p.display()),
            Location::Memory => f.write_str(":memory:"),
        }
    }
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("location", &self.location)
            .field("closed", &self.pool.is_closed())
            .finish_non_exhaustive()
    }
}

/// Why the database failed, with what the store was doing; boxed into [`Error::Storage`].
#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error("{context}: {source}")]
    Sql {
        context: Cow<'static, str>,
        #[source]
        source: sqlx::Error,
    },
    #[error("{context}: {source}")]
    Migrate {
        context: String,
        #[source]
        source: sqlx::migrate::MigrateError,
    },
}

/// Maps a sqlx error into [`Error::Storage`] naming what was being done.
fn sql(context: &'static str) -> impl FnOnce(sqlx::Error) -> Error {
    move |source| {
        Error::storage(Failure::Sql {
            context: Cow::Borrowed(context),
            source,
        })
    }
}

#[derive(Debug, Default)]
struct IdCache {
    accounts: HashMap<BareJid, i64>,
    conversations: HashMap<(i64, BareJid), i64>,
}

impl IdCache {
    fn merge(&mut self, other: IdCache) {
        self.accounts.extend(other.accounts);
        self.conversations.extend(other.conversations);
    }
}

impl SqliteStore {
    /// Opens (creating it if missing) the database file at `path` and brings its schema up to
    /// date. The parent directory must exist.
    ///
    /// The database runs in WAL mode with `synchronous = NORMAL`, foreign keys on and a 5 s
    /// busy timeout. A file that is not a SQLite database, or whose schema is newer than this
    /// version knows, gives [`Error::Storage`] naming the path.
    pub async fn open(path: &Path) -> Result<Self> {
        let location = Location::File(path.to_owned());
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            .max_connections(FILE_POOL_SIZE)
            // A local file needs no liveness ping before every use.
            .test_before_acquire(false)
            .connect_with(options)
            .await
            .map_err(|source| {
                Error::storage(Failure::Sql {
                    context: format!("opening database {location}").into(),
                    source,
                })
            })?;
        Self::migrate(pool, location).await
    }

    /// Checks the whole file for damage (`PRAGMA quick_check`): a database whose pages were
    /// overwritten can open and answer the first queries, and only fail (or worse, return
    /// wrong rows) later. Commands that sign in run this before they write.
    pub async fn quick_check(&self) -> Result<()> {
        let damaged = |detail: String| {
            Error::Corrupt(format!(
                "the database is damaged ({detail}); move it away to start afresh from the server's archive"
            ))
        };
        let rows: Vec<String> = sqlx::query_scalar("PRAGMA quick_check")
            .fetch_all(&self.pool)
            .await
            .map_err(|e| damaged(e.to_string()))?;
        match rows.as_slice() {
            [ok] if ok == "ok" => Ok(()),
            problems => Err(damaged(format!(
                "quick_check: {}",
                problems
                    .iter()
                    .take(3)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("; ")
            ))),
        }
    }

    /// Opens a fresh, empty database in memory, for tests and ephemeral sessions.
    ///
    /// It lives on a single connection that the pool never retires; it is gone once the
    /// store is closed or dropped.
    pub async fn open_in_memory() -> Result<Self> {
        let options = SqliteConnectOptions::new()
            .filename(":memory:")
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            .min_connections(1)
            .max_connections(1)
            .test_before_acquire(false)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
            .map_err(sql("opening in-memory database"))?;
        Self::migrate(pool, Location::Memory).await
    }

    async fn migrate(pool: SqlitePool, location: Location) -> Result<Self> {
        if let Err(source) = MIGRATOR.run(&pool).await {
            pool.close().await;
            return Err(Error::storage(Failure::Migrate {
                context: format!("migrating database {location}"),
                source,
            }));
        }
        tracing::debug!(%location, "store opened");
        Ok(Self {
            pool,
            location,
            ids: Mutex::new(IdCache::default()),
        })
    }

    /// The connection pool, for diagnostics and tests. Writing through it bypasses the
    /// store's invariants.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Closes every connection, checkpointing the WAL into the database file. Later calls
    /// fail with [`Error::Storage`].
    pub async fn close(&self) {
        self.pool.close().await;
    }

    fn ids(&self) -> Result<MutexGuard<'_, IdCache>> {
        self.ids
            .lock()
            .map_err(|_| Error::Corrupt("store id cache lock poisoned".into()))
    }

    /// Begins a write transaction, taking the write lock up front so it cannot fail to
    /// upgrade halfway through.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        self.pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(sql("beginning write transaction"))
    }

    /// The id of a committed account row, if the account was ever written.
    async fn find_account(&self, account: &BareJid) -> Result<Option<i64>> {
        if let Some(id) = self.ids()?.accounts.get(account) {
            return Ok(Some(*id));
        }
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM account WHERE jid = ?1")
            .bind(account.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(sql("looking up account"))?;
        if let Some(id) = id {
            self.ids()?.accounts.insert(account.clone(), id);
        }
        Ok(id)
    }

    /// The id of a committed conversation row, if one was ever written.
    async fn find_conversation(&self, account: &BareJid, peer: &BareJid) -> Result<Option<i64>> {
        let Some(account_id) = self.find_account(account).await? else {
            return Ok(None);
        };
        let key = (account_id, peer.clone());
        if let Some(id) = self.ids()?.conversations.get(&key) {
            return Ok(Some(*id));
        }
        let id: Option<i64> =
            sqlx::query_scalar("SELECT id FROM conversation WHERE account_id = ?1 AND peer = ?2")
                .bind(account_id)
                .bind(peer.as_str())
                .fetch_optional(&self.pool)
                .await
                .map_err(sql("looking up conversation"))?;
        if let Some(id) = id {
            self.ids()?.conversations.insert(key, id);
        }
        Ok(id)
    }

    /// Commits `tx` and only then remembers the ids it learned.
    async fn commit(
        &self,
        tx: sqlx::Transaction<'static, sqlx::Sqlite>,
        learned: IdCache,
    ) -> Result<()> {
        tx.commit().await.map_err(sql("committing"))?;
        self.ids()?.merge(learned);
        Ok(())
    }
}

/// Resolves account and conversation ids inside a write transaction, creating rows as
/// needed. Ids learned here reach the store's cache only once the transaction commits.
struct WriteIds<'a> {
    committed: &'a Mutex<IdCache>,
    learned: IdCache,
}

impl<'a> WriteIds<'a> {
    fn new(store: &'a SqliteStore) -> Self {
        Self {
            committed: &store.ids,
            learned: IdCache::default(),
        }
    }

    fn cached_account(&self, account: &BareJid) -> Result<Option<i64>> {
        if let Some(id) = self.learned.accounts.get(account) {
            return Ok(Some(*id));
        }
        let committed = self
            .committed
            .lock()
            .map_err(|_| Error::Corrupt("store id cache lock poisoned".into()))?;
        Ok(committed.accounts.get(account).copied())
    }

    fn cached_conversation(&self, key: &(i64, BareJid)) -> Result<Option<i64>> {
        if let Some(id) = self.learned.conversations.get(key) {
            return Ok(Some(*id));
        }
        let committed = self
            .committed
            .lock()
            .map_err(|_| Error::Corrupt("store id cache lock poisoned".into()))?;
        Ok(committed.conversations.get(key).copied())
    }

    async fn account(&mut self, conn: &mut SqliteConnection, account: &BareJid) -> Result<i64> {
        if let Some(id) = self.cached_account(account)? {
            return Ok(id);
        }
        let found: Option<i64> = sqlx::query_scalar("SELECT id FROM account WHERE jid = ?1")
            .bind(account.as_str())
            .fetch_optional(&mut *conn)
            .await
            .map_err(sql("looking up account"))?;
        let id = match found {
            Some(id) => id,
            None => sqlx::query_scalar("INSERT INTO account (jid) VALUES (?1) RETURNING id")
                .bind(account.as_str())
                .fetch_one(&mut *conn)
                .await
                .map_err(sql("creating account"))?,
        };
        self.learned.accounts.insert(account.clone(), id);
        Ok(id)
    }

    async fn conversation(
        &mut self,
        conn: &mut SqliteConnection,
        account_id: i64,
        peer: &BareJid,
    ) -> Result<i64> {
        let key = (account_id, peer.clone());
        if let Some(id) = self.cached_conversation(&key)? {
            return Ok(id);
        }
        let found: Option<i64> =
            sqlx::query_scalar("SELECT id FROM conversation WHERE account_id = ?1 AND peer = ?2")
                .bind(account_id)
                .bind(peer.as_str())
                .fetch_optional(&mut *conn)
                .await
                .map_err(sql("looking up conversation"))?;
        let id = match found {
            Some(id) => id,
            None => sqlx::query_scalar(
                "INSERT INTO conversation (account_id, peer) VALUES (?1, ?2) RETURNING id",
            )
            .bind(account_id)
            .bind(peer.as_str())
            .fetch_one(&mut *conn)
            .await
            .map_err(sql("creating conversation"))?,
        };
        self.learned.conversations.insert(key, id);
        Ok(id)
    }
}

/// Stores one copy in an open write transaction, or recognises it and fills in the keys the
/// stored copy lacked.
async fn insert_in(
    conn: &mut SqliteConnection,
    conversation_id: i64,
    msg: &NewMessage,
) -> Result<Inserted> {
    let read = msg.direction == Direction::Out;
    let (secs, nanos) = split_time(msg.timestamp);
    let inserted: Option<(i64, i64)> = sqlx::query_as(
        "INSERT INTO message (conversation_id, direction, sender, body, server_time, \
         server_time_ns, via, origin_id, stanza_id, stanza_attr_id, delivered, read, rank) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0, ?11, \
                 (SELECT COALESCE(MAX(rank), 0) + 1 FROM message)) \
         ON CONFLICT DO NOTHING RETURNING id, rank",
    )
    .bind(conversation_id)
    .bind(msg.direction.as_str())
    .bind(msg.from.to_string())
    .bind(&msg.body)
    .bind(secs)
    .bind(nanos)
    .bind(msg.via.as_str())
    .bind(msg.keys.origin_id.as_deref())
    .bind(msg.keys.stanza_id.as_deref())
    .bind(msg.stanza_attr_id.as_deref())
    .bind(read)
    .fetch_optional(&mut *conn)
    .await
    .map_err(sql("inserting message"))?;

    if let Some((id, rank)) = inserted {
        return Ok(Inserted::New(StoredMessage {
            id: MessageId(id),
            conversation: msg.peer.clone(),
            body: msg.body.clone(),
            direction: msg.direction,
            from: msg.from.clone(),
            timestamp: msg.timestamp,
            read,
            delivered: false,
            seen: false,
            via: msg.via,
            keys: msg.keys.clone(),
            stanza_attr_id: msg.stanza_attr_id.clone(),
            rank,
        }));
    }

    // A unique index refused the row: find the copy already stored (the oldest, when its
    // stanza-id and origin-id name two different rows).
    let existing = sqlx::query(
        "SELECT id, stanza_id, origin_id, via FROM message \
         WHERE conversation_id = ?1 \
           AND (stanza_id = ?2 OR (direction = ?3 AND origin_id = ?4)) \
         ORDER BY id LIMIT 1",
    )
    .bind(conversation_id)
    .bind(msg.keys.stanza_id.as_deref())
    .bind(msg.direction.as_str())
    .bind(msg.keys.origin_id.as_deref())
    .fetch_optional(&mut *conn)
    .await
    .map_err(sql("looking up duplicate message"))?
    .ok_or_else(|| {
        Error::Corrupt(format!(
            "conversation {conversation_id}: a message was refused as a duplicate but no \
             stored message shares its keys"
        ))
    })?;
    let id: i64 = column(&existing, "message", "id")?;
    let stored_stanza: Option<String> = column(&existing, "message", "stanza_id")?;
    let stored_origin: Option<String> = column(&existing, "message", "origin_id")?;
    let stored_via: String = column(&existing, "message", "via")?;

    // The archive copy of a message that came another way: it says when, and in which
    // order, the server archived it (see migrations/0004_server_order.sql).
    if msg.via == Via::Archive && stored_via != Via::Archive.as_str() {
        sqlx::query(
            "UPDATE message SET server_time = ?1, server_time_ns = ?2, \
               rank = (SELECT MAX(rank) + 1 FROM message) WHERE id = ?3",
        )
        .bind(secs)
        .bind(nanos)
        .bind(id)
        .execute(&mut *conn)
        .await
        .map_err(sql("placing a message in the server's order"))?;
    }

    // Fill in what the stored copy lacked. `OR IGNORE`: if another stored message already
    // holds that key, the two rows stay as they are rather than breaking uniqueness.
    if stored_stanza.is_none() {
        if let Some(stanza_id) = &msg.keys.stanza_id {
            sqlx::query(
                "UPDATE OR IGNORE message SET stanza_id = ?1 WHERE id = ?2 AND stanza_id IS NULL",
            )
            .bind(stanza_id)
            .bind(id)
            .execute(&mut *conn)
            .await
            .map_err(sql("filling in stanza-id"))?;
        }
    }
    if stored_origin.is_none() {
        if let Some(origin_id) = &msg.keys.origin_id {
            sqlx::query(
                "UPDATE OR IGNORE message SET origin_id = ?1 WHERE id = ?2 AND origin_id IS NULL",
            )
            .bind(origin_id)
            .bind(id)
            .execute(&mut *conn)
            .await
            .map_err(sql("filling in origin-id"))?;
        }
    }
    Ok(Inserted::Duplicate(MessageId(id)))
}

fn split_time(t: DateTime<Utc>) -> (i64, i64) {
    (t.timestamp(), i64::from(t.timestamp_subsec_nanos()))
}

fn join_time(what: &str, secs: i64, nanos: i64) -> Result<DateTime<Utc>> {
    u32::try_from(nanos)
        .ok()
        .and_then(|n| DateTime::from_timestamp(secs, n))
        .ok_or_else(|| Error::Corrupt(format!("{what}: time {secs}s + {nanos}ns is out of range")))
}

/// Reads one column, reporting a value of the wrong type as corrupt data.
fn column<'r, T>(row: &'r SqliteRow, what: &str, name: &str) -> Result<T>
where
    T: sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
{
    row.try_get(name)
        .map_err(|e| Error::Corrupt(format!("{what}: column {name}: {e}")))
}

fn message_from_row(row: &SqliteRow, conversation: &BareJid) -> Result<StoredMessage> {
    let id: i64 = column(row, "message", "id")?;
    let what = format!("message {id}");
    let direction: String = column(row, &what, "direction")?;
    let direction = Direction::parse(&direction)
        .ok_or_else(|| Error::Corrupt(format!("{what}: unknown direction {direction:?}")))?;
    let sender: String = column(row, &what, "sender")?;
    let from = Jid::new(&sender)
        .map_err(|e| Error::Corrupt(format!("{what}: sender {sender:?} is not a JID: {e}")))?;
    let via: String = column(row, &what, "via")?;
    let via = Via::parse(&via)
        .ok_or_else(|| Error::Corrupt(format!("{what}: unknown arrival path {via:?}")))?;
    let timestamp = join_time(
        &what,
        column(row, &what, "server_time")?,
        column(row, &what, "server_time_ns")?,
    )?;
    Ok(StoredMessage {
        id: MessageId(id),
        conversation: conversation.clone(),
        body: column(row, &what, "body")?,
        direction,
        from,
        timestamp,
        read: column(row, &what, "read")?,
        delivered: column(row, &what, "delivered")?,
        seen: column(row, &what, "seen")?,
        via,
        keys: DedupKeys {
            stanza_id: column(row, &what, "stanza_id")?,
            origin_id: column(row, &what, "origin_id")?,
        },
        stanza_attr_id: column(row, &what, "stanza_attr_id")?,
        rank: column(row, &what, "rank")?,
    })
}

fn device_from_row(row: &SqliteRow) -> Result<Device> {
    let resource: String = column(row, "device", "resource")?;
    let what = format!("device {resource:?}");
    let jid: String = column(row, &what, "jid")?;
    let jid = FullJid::new(&jid)
        .map_err(|e| Error::Corrupt(format!("{what}: {jid:?} is not a full JID: {e}")))?;
    let show: String = column(row, &what, "show")?;
    let show = Show::parse(&show)
        .ok_or_else(|| Error::Corrupt(format!("{what}: unknown presence {show:?}")))?;
    let device_type: String = column(row, &what, "device_type")?;
    let device_type = DeviceType::parse(&device_type)
        .ok_or_else(|| Error::Corrupt(format!("{what}: unknown device type {device_type:?}")))?;
    let last_seen = join_time(
        &what,
        column(row, &what, "last_seen")?,
        column(row, &what, "last_seen_ns")?,
    )?;
    Ok(Device {
        jid,
        online: column(row, &what, "online")?,
        this_device: column(row, &what, "this_device")?,
        resource,
        show,
        device_type,
        last_seen,
    })
}

impl Store for SqliteStore {
    async fn insert_message(&self, account: &BareJid, msg: &NewMessage) -> Result<Inserted> {
        let mut tx = self.begin_write().await?;
        let mut ids = WriteIds::new(self);
        let account_id = ids.account(&mut tx, account).await?;
        let conversation_id = ids.conversation(&mut tx, account_id, &msg.peer).await?;
        let out = insert_in(&mut tx, conversation_id, msg).await?;
        self.commit(tx, ids.learned).await?;
        Ok(out)
    }

    async fn store_archive_page(
        &self,
        account: &BareJid,
        msgs: &[NewMessage],
        position: Option<&str>,
    ) -> Result<Vec<Inserted>> {
        if msgs.is_empty() && position.is_none() {
            return Ok(Vec::new());
        }
        let mut tx = self.begin_write().await?;
        let mut ids = WriteIds::new(self);
        let account_id = ids.account(&mut tx, account).await?;
        let mut out = Vec::with_capacity(msgs.len());
        for msg in msgs {
            let conversation_id = ids.conversation(&mut tx, account_id, &msg.peer).await?;
            out.push(insert_in(&mut tx, conversation_id, msg).await?);
        }
        if let Some(position) = position {
            sqlx::query(
                "INSERT INTO sync_state (account_id, archive_position) VALUES (?1, ?2) \
                 ON CONFLICT (account_id) DO UPDATE SET archive_position = excluded.archive_position",
            )
            .bind(account_id)
            .bind(position)
            .execute(&mut *tx)
            .await
            .map_err(sql("saving archive position"))?;
        }
        self.commit(tx, ids.learned).await?;
        Ok(out)
    }

    async fn archive_position(&self, account: &BareJid) -> Result<Option<String>> {
        let Some(account_id) = self.find_account(account).await? else {
            return Ok(None);
        };
        let position: Option<Option<String>> =
            sqlx::query_scalar("SELECT archive_position FROM sync_state WHERE account_id = ?1")
                .bind(account_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(sql("reading archive position"))?;
        Ok(position.flatten())
    }

    async fn history(&self, account: &BareJid, peer: &BareJid) -> Result<Vec<StoredMessage>> {
        let Some(conversation_id) = self.find_conversation(account, peer).await? else {
            return Ok(Vec::new());
        };
        let rows = sqlx::query(
            "SELECT id, direction, sender, body, server_time, server_time_ns, via, origin_id, \
             stanza_id, stanza_attr_id, delivered, seen, read, rank FROM message WHERE conversation_id = ?1 \
             ORDER BY server_time, rank, id",
        )
        .bind(conversation_id)
        .fetch_all(&self.pool)
        .await
        .map_err(sql("reading history"))?;
        rows.iter().map(|r| message_from_row(r, peer)).collect()
    }

    async fn conversations(&self, account: &BareJid) -> Result<Vec<ConversationSummary>> {
        let Some(account_id) = self.find_account(account).await? else {
            return Ok(Vec::new());
        };
        // One query: each conversation's newest message through message_history (read
        // backwards), its unread count through message_unread.
        let rows = sqlx::query(
            "SELECT c.peer, m.id, m.direction, m.sender, m.body, m.server_time, \
               m.server_time_ns, m.via, m.origin_id, m.stanza_id, m.stanza_attr_id, m.delivered, m.seen, \
               m.read, m.rank, \
               (SELECT COUNT(*) FROM message u \
                  WHERE u.conversation_id = c.id AND u.direction = 'in' AND u.read = 0) \
                 AS unread \
             FROM conversation c \
             JOIN message m ON m.id = ( \
                 SELECT l.id FROM message l WHERE l.conversation_id = c.id \
                 ORDER BY l.server_time DESC, l.rank DESC, l.id DESC LIMIT 1) \
             WHERE c.account_id = ?1 \
             ORDER BY m.server_time DESC, m.rank DESC, m.id DESC",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await
        .map_err(sql("listing conversations"))?;
        rows.iter()
            .map(|row| {
                let peer: String = column(row, "conversation", "peer")?;
                let peer = BareJid::new(&peer)
                    .map_err(|e| Error::Corrupt(format!("conversation peer {peer:?}: {e}")))?;
                let unread: i64 = column(row, "conversation", "unread")?;
                let unread = u64::try_from(unread)
                    .map_err(|_| Error::Corrupt(format!("unread count {unread}")))?;
                Ok(ConversationSummary {
                    last: message_from_row(row, &peer)?,
                    peer,
                    unread,
                })
            })
            .collect()
    }

    async fn history_page(
        &self,
        account: &BareJid,
        peer: &BareJid,
        before: Option<MessageId>,
        limit: u32,
    ) -> Result<Vec<StoredMessage>> {
        let Some(conversation_id) = self.find_conversation(account, peer).await? else {
            return Ok(Vec::new());
        };
        // Without `before`, start past the end: (i64::MAX, ..) sorts after every message.
        let start = match before {
            Some(before) => {
                let found: Option<(i64, i64)> = sqlx::query_as(
                    "SELECT server_time, rank FROM message \
                     WHERE id = ?1 AND conversation_id = ?2",
                )
                .bind(before.0)
                .bind(conversation_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(sql("reading a history page"))?;
                match found {
                    Some((secs, rank)) => (secs, rank, before.0),
                    None => return Ok(Vec::new()),
                }
            }
            None => (i64::MAX, i64::MAX, i64::MAX),
        };
        let rows = sqlx::query(
            "SELECT id, direction, sender, body, server_time, server_time_ns, via, origin_id, \
             stanza_id, stanza_attr_id, delivered, seen, read, rank FROM message \
             WHERE conversation_id = ?1 AND (server_time, rank, id) < (?2, ?3, ?4) \
             ORDER BY server_time DESC, rank DESC, id DESC LIMIT ?5",
        )
        .bind(conversation_id)
        .bind(start.0)
        .bind(start.1)
        .bind(start.2)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(sql("reading a history page"))?;
        let mut page = rows
            .iter()
            .map(|r| message_from_row(r, peer))
            .collect::<Result<Vec<_>>>()?;
        page.reverse();
        Ok(page)
    }

    async fn mark_delivered(
        &self,
        account: &BareJid,
        peer: &BareJid,
        stanza_attr_id: &str,
    ) -> Result<Option<MessageId>> {
        let Some(conversation_id) = self.find_conversation(account, peer).await? else {
            return Ok(None);
        };
        let id: Option<i64> = sqlx::query_scalar(
            "UPDATE message SET delivered = 1 WHERE id = ( \
                 SELECT id FROM message \
                 WHERE conversation_id = ?1 AND stanza_attr_id = ?2 \
                   AND direction = 'out' AND delivered = 0 \
                 ORDER BY id LIMIT 1) \
             RETURNING id",
        )
        .bind(conversation_id)
        .bind(stanza_attr_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(sql("marking message delivered"))?;
        Ok(id.map(MessageId))
    }

    async fn mark_seen(&self, account: &BareJid, peer: &BareJid, up_to: MessageId) -> Result<bool> {
        let Some(conversation_id) = self.find_conversation(account, peer).await? else {
            return Ok(false);
        };
        let mut tx = self.begin_write().await?;
        let target: Option<(i64, i64)> = sqlx::query_as(
            "SELECT server_time, rank FROM message \
             WHERE id = ?1 AND conversation_id = ?2 AND direction = 'out' AND seen = 0",
        )
        .bind(up_to.0)
        .bind(conversation_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(sql("marking seen"))?;
        let Some((secs, rank)) = target else {
            return Ok(false);
        };
        sqlx::query(
            "UPDATE message SET seen = 1 WHERE conversation_id = ?1 AND direction = 'out' \
               AND seen = 0 AND (server_time, rank, id) <= (?2, ?3, ?4)",
        )
        .bind(conversation_id)
        .bind(secs)
        .bind(rank)
        .bind(up_to.0)
        .execute(&mut *tx)
        .await
        .map_err(sql("marking seen"))?;
        tx.commit().await.map_err(sql("marking seen"))?;
        Ok(true)
    }

    async fn mark_read(&self, account: &BareJid, peer: &BareJid, up_to: MessageId) -> Result<bool> {
        let Some(conversation_id) = self.find_conversation(account, peer).await? else {
            return Ok(false);
        };
        let mut tx = self.pool.begin().await.map_err(sql("marking read"))?;
        let target: Option<(i64, i64)> = sqlx::query_as(
            "SELECT server_time, rank FROM message WHERE id = ?1 AND conversation_id = ?2",
        )
        .bind(up_to.0)
        .bind(conversation_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(sql("marking read"))?;
        let Some((secs, rank)) = target else {
            return Ok(false);
        };
        sqlx::query(
            "UPDATE message SET read = 1 WHERE conversation_id = ?1 AND read = 0 \
               AND (server_time, rank, id) <= (?2, ?3, ?4)",
        )
        .bind(conversation_id)
        .bind(secs)
        .bind(rank)
        .bind(up_to.0)
        .execute(&mut *tx)
        .await
        .map_err(sql("marking read"))?;
        sqlx::query("UPDATE conversation SET read_up_to = ?1 WHERE id = ?2")
            .bind(up_to.0)
            .bind(conversation_id)
            .execute(&mut *tx)
            .await
            .map_err(sql("marking read"))?;
        tx.commit().await.map_err(sql("marking read"))?;
        Ok(true)
    }

    async fn read_positions(&self, account: &BareJid) -> Result<Vec<(BareJid, ReadPosition)>> {
        let Some(account_id) = self.find_account(account).await? else {
            return Ok(Vec::new());
        };
        let rows: Vec<(String, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT c.peer, m.id, m.server_time, m.server_time_ns, m.rank \
             FROM conversation c JOIN message m ON m.id = c.read_up_to \
             WHERE c.account_id = ?1 ORDER BY c.peer",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await
        .map_err(sql("reading read positions"))?;
        rows.into_iter()
            .map(|(peer, id, secs, nanos, rank)| {
                let peer = BareJid::new(&peer)
                    .map_err(|e| Error::Corrupt(format!("conversation peer {peer:?}: {e}")))?;
                let at = join_time("read position", secs, nanos)?;
                Ok((peer, ReadPosition::ranked(MessageId(id), at, rank)))
            })
            .collect()
    }

    async fn message_count(&self, account: &BareJid) -> Result<u64> {
        let Some(account_id) = self.find_account(account).await? else {
            return Ok(0);
        };
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM message \
             WHERE conversation_id IN (SELECT id FROM conversation WHERE account_id = ?1)",
        )
        .bind(account_id)
        .fetch_one(&self.pool)
        .await
        .map_err(sql("counting messages"))?;
        u64::try_from(count).map_err(|_| Error::Corrupt(format!("message count {count}")))
    }

    async fn upsert_device(&self, account: &BareJid, device: &Device) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let mut ids = WriteIds::new(self);
        let account_id = ids.account(&mut tx, account).await?;
        let (secs, nanos) = split_time(device.last_seen);
        sqlx::query(
            "INSERT INTO device (account_id, resource, jid, show, device_type, online, \
             this_device, last_seen, last_seen_ns) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
             ON CONFLICT (account_id, resource) DO UPDATE SET \
               jid = excluded.jid, show = excluded.show, device_type = excluded.device_type, \
               online = excluded.online, this_device = excluded.this_device, \
               last_seen = excluded.last_seen, last_seen_ns = excluded.last_seen_ns",
        )
        .bind(account_id)
        .bind(&device.resource)
        .bind(device.jid.to_string())
        .bind(device.show.as_str())
        .bind(device.device_type.as_str())
        .bind(device.online)
        .bind(device.this_device)
        .bind(secs)
        .bind(nanos)
        .execute(&mut *tx)
        .await
        .map_err(sql("saving device"))?;
        self.commit(tx, ids.learned).await
    }

    async fn mark_devices_offline(&self, account: &BareJid, at: DateTime<Utc>) -> Result<()> {
        let Some(account_id) = self.find_account(account).await? else {
            return Ok(());
        };
        let (secs, nanos) = split_time(at);
        sqlx::query(
            "UPDATE device SET online = 0, show = ?1, last_seen = ?2, last_seen_ns = ?3 \
             WHERE account_id = ?4 AND online = 1",
        )
        .bind(Show::Unavailable.as_str())
        .bind(secs)
        .bind(nanos)
        .bind(account_id)
        .execute(&self.pool)
        .await
        .map_err(sql("marking devices offline"))?;
        Ok(())
    }

    async fn devices(&self, account: &BareJid) -> Result<Vec<Device>> {
        let Some(account_id) = self.find_account(account).await? else {
            return Ok(Vec::new());
        };
        let rows = sqlx::query(
            "SELECT resource, jid, show, device_type, online, this_device, last_seen, \
             last_seen_ns FROM device WHERE account_id = ?1 ORDER BY online DESC, resource",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await
        .map_err(sql("reading devices"))?;
        rows.iter().map(device_from_row).collect()
    }
}
