//! The tandem-core store contract, run against SQLite: once on a database file per test (so
//! WAL and the connection pool are exercised) and once in memory.

use chrono::{DateTime, Utc};
use tandem_core::model::{ConversationSummary, Device, MessageId, NewMessage, StoredMessage};
use tandem_core::room::Room;
use tandem_core::store::{Inserted, Store};
use tandem_core::{BareJid, Result};
use tandem_store::SqliteStore;
use tempfile::TempDir;

/// A store on a fresh database file, deleted with the store.
#[derive(Debug)]
struct FileStore {
    // Declared first so it is dropped before the directory.
    store: SqliteStore,
    _dir: TempDir,
}

impl FileStore {
    async fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = SqliteStore::open(&dir.path().join("profile.db"))
            .await
            .expect("open");
        Self { store, _dir: dir }
    }
}

impl Store for FileStore {
    async fn insert_message(&self, account: &BareJid, msg: &NewMessage) -> Result<Inserted> {
        self.store.insert_message(account, msg).await
    }
    async fn store_archive_page(
        &self,
        account: &BareJid,
        msgs: &[NewMessage],
        position: Option<&str>,
    ) -> Result<Vec<Inserted>> {
        self.store.store_archive_page(account, msgs, position).await
    }
    async fn archive_position(&self, account: &BareJid) -> Result<Option<String>> {
        self.store.archive_position(account).await
    }
    async fn history(&self, account: &BareJid, peer: &BareJid) -> Result<Vec<StoredMessage>> {
        self.store.history(account, peer).await
    }
    async fn conversations(&self, account: &BareJid) -> Result<Vec<ConversationSummary>> {
        self.store.conversations(account).await
    }
    async fn history_page(
        &self,
        account: &BareJid,
        peer: &BareJid,
        before: Option<MessageId>,
        limit: u32,
    ) -> Result<Vec<StoredMessage>> {
        self.store.history_page(account, peer, before, limit).await
    }
    async fn mark_delivered(
        &self,
        account: &BareJid,
        peer: &BareJid,
        stanza_attr_id: &str,
    ) -> Result<Option<MessageId>> {
        self.store
            .mark_delivered(account, peer, stanza_attr_id)
            .await
    }
    async fn mark_seen(&self, account: &BareJid, peer: &BareJid, up_to: MessageId) -> Result<bool> {
        self.store.mark_seen(account, peer, up_to).await
    }
    async fn mark_read(
        &self,
        account: &BareJid,
        peer: &BareJid,
        up_to: tandem_core::model::MessageId,
    ) -> Result<bool> {
        self.store.mark_read(account, peer, up_to).await
    }
    async fn read_positions(
        &self,
        account: &BareJid,
    ) -> Result<Vec<(BareJid, tandem_core::readstate::ReadPosition)>> {
        self.store.read_positions(account).await
    }
    async fn message_count(&self, account: &BareJid) -> Result<u64> {
        self.store.message_count(account).await
    }
    async fn upsert_device(&self, account: &BareJid, device: &Device) -> Result<()> {
        self.store.upsert_device(account, device).await
    }
    async fn mark_devices_offline(&self, account: &BareJid, at: DateTime<Utc>) -> Result<()> {
        self.store.mark_devices_offline(account, at).await
    }
    async fn devices(&self, account: &BareJid) -> Result<Vec<Device>> {
        self.store.devices(account).await
    }
    async fn upsert_room(&self, account: &BareJid, room: &Room) -> Result<()> {
        self.store.upsert_room(account, room).await
    }
    async fn rooms(&self, account: &BareJid) -> Result<Vec<Room>> {
        self.store.rooms(account).await
    }
    async fn room_archive_position(
        &self,
        account: &BareJid,
        room: &BareJid,
    ) -> Result<Option<String>> {
        self.store.room_archive_position(account, room).await
    }
    async fn store_room_page(
        &self,
        account: &BareJid,
        room: &BareJid,
        msgs: &[NewMessage],
        position: Option<&str>,
    ) -> Result<Vec<Inserted>> {
        self.store
            .store_room_page(account, room, msgs, position)
            .await
    }
}

mod file {
    use super::FileStore;
    tandem_core::store_contract_tests!(FileStore::new().await);
}

mod memory {
    use tandem_store::SqliteStore;
    tandem_core::store_contract_tests!(SqliteStore::open_in_memory().await.expect("open"));
}
