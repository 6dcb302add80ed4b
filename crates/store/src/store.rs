//! The [`Store`] trait on SQLite: each method one transaction or query.

use chrono::{DateTime, Utc};
use jid::BareJid;
use tandem_core::model::{ConversationSummary, Device, MessageId, NewMessage, Show, StoredMessage};
use tandem_core::readstate::ReadPosition;
use tandem_core::room::Room;
use tandem_core::store::{Inserted, Store};
use tandem_core::{Error, Result};

use crate::ids::WriteIds;
use crate::insert::insert_in;
use crate::rows::{
    column, device_from_row, join_time, message_from_row, room_from_row, split_time,
    MESSAGE_COLUMNS,
};
use crate::{sql, SqliteStore};

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
        let out = insert_page(&mut tx, &mut ids, account_id, msgs).await?;
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
        let rows = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM message WHERE conversation_id = ?1 \
                 ORDER BY server_time, rank, id"
        ))
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
        // backwards), its unread count through message_unread, its unread mentions through
        // message_mention, whether it is a room through the room table's primary key.
        let rows = sqlx::query(
            "SELECT c.peer, m.id, m.direction, m.sender, m.body, m.server_time, \
               m.server_time_ns, m.via, m.origin_id, m.stanza_id, m.stanza_attr_id, m.delivered, m.seen, \
               m.read, m.rank, m.occupant_nick, m.occupant_id, m.mention, m.edit, m.edited_at, \
               m.edited_at_ns, \
               (SELECT COUNT(*) FROM message u \
                  WHERE u.conversation_id = c.id AND u.direction = 'in' AND u.read = 0) \
                 AS unread, \
               (SELECT COUNT(*) FROM message n \
                  WHERE n.conversation_id = c.id AND n.direction = 'in' AND n.read = 0 \
                    AND n.mention = 1) \
                 AS mentions, \
               EXISTS (SELECT 1 FROM room r WHERE r.account_id = c.account_id AND r.jid = c.peer) \
                 AS is_room \
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
                let mentions: i64 = column(row, "conversation", "mentions")?;
                let mentions = u64::try_from(mentions)
                    .map_err(|_| Error::Corrupt(format!("mention count {mentions}")))?;
                Ok(ConversationSummary {
                    last: message_from_row(row, &peer)?,
                    peer,
                    unread,
                    room: column(row, "conversation", "is_room")?,
                    mentions,
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
        let rows = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM message \
                 WHERE conversation_id = ?1 AND (server_time, rank, id) < (?2, ?3, ?4) \
                 ORDER BY server_time DESC, rank DESC, id DESC LIMIT ?5"
        ))
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
        let mut tx = self.begin_write().await?;
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

    async fn upsert_room(&self, account: &BareJid, room: &Room) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let mut ids = WriteIds::new(self);
        let account_id = ids.account(&mut tx, account).await?;
        // An upsert, not INSERT OR REPLACE: the room's archive position (room_sync) and its
        // messages stay as they are.
        sqlx::query(
            "INSERT INTO room (account_id, jid, name, nick, autojoin, notify, gone) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
             ON CONFLICT (account_id, jid) DO UPDATE SET \
               name = excluded.name, nick = excluded.nick, autojoin = excluded.autojoin, \
               notify = excluded.notify, gone = excluded.gone",
        )
        .bind(account_id)
        .bind(room.jid.as_str())
        .bind(room.name.as_deref())
        .bind(&room.nick)
        .bind(room.autojoin)
        .bind(room.notify.as_str())
        .bind(room.gone.as_deref())
        .execute(&mut *tx)
        .await
        .map_err(sql("saving room"))?;
        self.commit(tx, ids.learned).await
    }

    async fn rooms(&self, account: &BareJid) -> Result<Vec<Room>> {
        let Some(account_id) = self.find_account(account).await? else {
            return Ok(Vec::new());
        };
        let rows = sqlx::query(
            "SELECT jid, name, nick, autojoin, notify, gone FROM room \
             WHERE account_id = ?1 ORDER BY jid",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await
        .map_err(sql("reading rooms"))?;
        rows.iter().map(room_from_row).collect()
    }

    async fn room_archive_position(
        &self,
        account: &BareJid,
        room: &BareJid,
    ) -> Result<Option<String>> {
        let Some(account_id) = self.find_account(account).await? else {
            return Ok(None);
        };
        let position: Option<Option<String>> = sqlx::query_scalar(
            "SELECT archive_position FROM room_sync WHERE account_id = ?1 AND room = ?2",
        )
        .bind(account_id)
        .bind(room.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(sql("reading room archive position"))?;
        Ok(position.flatten())
    }

    async fn store_room_page(
        &self,
        account: &BareJid,
        room: &BareJid,
        msgs: &[NewMessage],
        position: Option<&str>,
    ) -> Result<Vec<Inserted>> {
        if msgs.is_empty() && position.is_none() {
            return Ok(Vec::new());
        }
        let mut tx = self.begin_write().await?;
        let mut ids = WriteIds::new(self);
        let account_id = ids.account(&mut tx, account).await?;
        let out = insert_page(&mut tx, &mut ids, account_id, msgs).await?;
        if let Some(position) = position {
            sqlx::query(
                "INSERT INTO room_sync (account_id, room, archive_position) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (account_id, room) \
                 DO UPDATE SET archive_position = excluded.archive_position",
            )
            .bind(account_id)
            .bind(room.as_str())
            .bind(position)
            .execute(&mut *tx)
            .await
            .map_err(sql("saving room archive position"))?;
        }
        self.commit(tx, ids.learned).await?;
        Ok(out)
    }
}

/// Stores a page of messages in an open write transaction, each in its own conversation.
async fn insert_page(
    tx: &mut sqlx::SqliteConnection,
    ids: &mut WriteIds<'_>,
    account_id: i64,
    msgs: &[NewMessage],
) -> Result<Vec<Inserted>> {
    let mut out = Vec::with_capacity(msgs.len());
    for msg in msgs {
        let conversation_id = ids.conversation(&mut *tx, account_id, &msg.peer).await?;
        out.push(insert_in(&mut *tx, conversation_id, msg).await?);
    }
    Ok(out)
}
