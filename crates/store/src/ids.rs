//! The row ids of accounts and conversations: cached once committed, and resolved (or
//! created) inside a write transaction.

use std::collections::HashMap;
use std::sync::Mutex;

use jid::BareJid;
use sqlx::sqlite::SqliteConnection;
use tandem_core::{Error, Result};

use crate::{sql, SqliteStore};

/// Row ids of accounts and conversations, by account JID and by (account id, peer).
#[derive(Debug, Default)]
pub(crate) struct IdCache {
    pub(crate) accounts: HashMap<BareJid, i64>,
    pub(crate) conversations: HashMap<(i64, BareJid), i64>,
}

impl IdCache {
    /// Adds what `other` learned.
    pub(crate) fn merge(&mut self, other: IdCache) {
        self.accounts.extend(other.accounts);
        self.conversations.extend(other.conversations);
    }
}

/// Resolves account and conversation ids inside a write transaction, creating rows as
/// needed. Ids learned here reach the store's cache only once the transaction commits.
pub(crate) struct WriteIds<'a> {
    committed: &'a Mutex<IdCache>,
    pub(crate) learned: IdCache,
}

impl<'a> WriteIds<'a> {
    pub(crate) fn new(store: &'a SqliteStore) -> Self {
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

    pub(crate) async fn account(
        &mut self,
        conn: &mut SqliteConnection,
        account: &BareJid,
    ) -> Result<i64> {
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

    pub(crate) async fn conversation(
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
