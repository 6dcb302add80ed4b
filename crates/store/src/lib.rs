//! tandem-store: the SQLite implementation of [`tandem_core::store::Store`].
//!
//! [`SqliteStore`] keeps one profile's messages, archive positions, devices and rooms in a
//! SQLite database run in WAL mode, with numbered migrations embedded from `migrations/`. Its
//! semantics are those of [`tandem_core::store::MemoryStore`], checked by the same contract
//! suite; deduplication is enforced by partial unique indexes, and every write runs in one
//! `BEGIN IMMEDIATE` transaction, so an archive page (a room's too) and its position commit
//! together or not at all.
//!
//! Failures of the database surface as [`Error::Storage`] (whose message names what was being
//! done, e.g. the path being opened), rows this version cannot read as [`Error::Corrupt`].
#![warn(missing_docs)]

mod ids;
mod insert;
mod rows;
mod store;

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use jid::BareJid;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use tandem_core::{Error, Result};

use crate::ids::IdCache;

/// The schema migrations, embedded at build time from `migrations/`.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// How long a statement waits for another connection's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Connections kept for a database file (WAL lets readers run beside the one writer).
const FILE_POOL_SIZE: u32 = 4;

/// A [`Store`](tandem_core::store::Store) in a SQLite database.
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
