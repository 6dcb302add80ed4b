//! Storing one copy of a message: new, or recognised as a duplicate by the unique indexes.

use jid::BareJid;
use sqlx::sqlite::SqliteConnection;
use tandem_core::model::{Direction, EditOf, MessageId, NewMessage, StoredMessage, Via};
use tandem_core::store::{plan_edit, EditPlan, Inserted, MAX_EDIT_CANDIDATES};
use tandem_core::{Error, Result};

use crate::rows::{column, message_from_row, split_time, MESSAGE_COLUMNS};
use crate::sql;

/// Stores one copy in an open write transaction, or recognises it and fills in the keys the
/// stored copy lacked.
pub(crate) async fn insert_in(
    conn: &mut SqliteConnection,
    conversation_id: i64,
    msg: &NewMessage,
) -> Result<Inserted> {
    if let Some(of) = &msg.edit {
        return edit_in(conn, conversation_id, msg, of).await;
    }
    let read = msg.direction == Direction::Out;
    let (secs, nanos) = split_time(msg.timestamp);
    let room = msg.room.as_ref();
    let inserted: Option<(i64, i64)> = sqlx::query_as(
        "INSERT INTO message (conversation_id, direction, sender, body, server_time, \
         server_time_ns, via, origin_id, stanza_id, stanza_attr_id, delivered, read, rank, \
         occupant_nick, occupant_id, mention) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0, ?11, \
                 (SELECT COALESCE(MAX(rank), 0) + 1 FROM message), ?12, ?13, ?14) \
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
    .bind(room.map(|r| r.nick.as_str()))
    .bind(room.and_then(|r| r.occupant_id.as_deref()))
    .bind(room.is_some_and(|r| r.mention))
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
            room: msg.room.clone(),
            edited: None,
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

/// Applies a correction or retraction in an open write transaction, as
/// [`plan_edit`] says: to the newest message of the conversation that the edit names and
/// its author wrote.
async fn edit_in(
    conn: &mut SqliteConnection,
    conversation_id: i64,
    msg: &NewMessage,
    of: &EditOf,
) -> Result<Inserted> {
    // Each id through its own index (message_receipt, message_edit_origin,
    // message_stanza_id), each bounded: ids are the sender's choice, and a sender who gave
    // thousands of messages one id must not make every edit read them all.
    let rows = sqlx::query(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM message WHERE id IN ( \
           SELECT id FROM (SELECT id FROM message WHERE conversation_id = ?1 \
             AND stanza_attr_id = ?2 ORDER BY id DESC LIMIT ?3) \
           UNION SELECT id FROM (SELECT id FROM message WHERE conversation_id = ?1 \
             AND origin_id = ?2 ORDER BY id DESC LIMIT ?3) \
           UNION SELECT id FROM (SELECT id FROM message WHERE conversation_id = ?1 \
             AND stanza_id = ?2 ORDER BY id DESC LIMIT ?3)) \
         ORDER BY server_time DESC, rank DESC, id DESC LIMIT ?3"
    ))
    .bind(conversation_id)
    .bind(&of.target)
    .bind(MAX_EDIT_CANDIDATES as i64)
    .fetch_all(&mut *conn)
    .await
    .map_err(sql("looking up the message an edit names"))?;
    let peer: &BareJid = &msg.peer;
    let candidates = rows
        .iter()
        .map(|r| message_from_row(r, peer))
        .collect::<Result<Vec<_>>>()?;
    match plan_edit(&candidates, msg) {
        EditPlan::Apply { id, body, edited } => {
            let (secs, nanos) = split_time(edited.at);
            sqlx::query(
                "UPDATE message SET body = ?1, edit = ?2, edited_at = ?3, edited_at_ns = ?4 \
                 WHERE id = ?5",
            )
            .bind(&body)
            .bind(edited.kind.as_str())
            .bind(secs)
            .bind(nanos)
            .bind(id.0)
            .execute(&mut *conn)
            .await
            .map_err(sql("editing a message"))?;
            let mut changed = candidates
                .into_iter()
                .find(|c| c.id == id)
                .ok_or_else(|| Error::Corrupt(format!("edited message {id:?} vanished")))?;
            changed.body = body;
            changed.edited = Some(edited);
            Ok(Inserted::Edited(changed))
        }
        EditPlan::Unchanged(id) => Ok(Inserted::Duplicate(id)),
        EditPlan::Refuse(refusal) => Ok(Inserted::Refused(refusal)),
        EditPlan::StoreAsMessage => {
            let plain = NewMessage {
                edit: None,
                ..msg.clone()
            };
            Box::pin(insert_in(conn, conversation_id, &plain)).await
        }
    }
}
