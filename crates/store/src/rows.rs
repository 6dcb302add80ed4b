//! Reading rows back into model types, reporting what this version cannot read as corrupt.

use chrono::{DateTime, Utc};
use jid::{BareJid, FullJid, Jid};
use sqlx::sqlite::SqliteRow;
use sqlx::Row;
use tandem_core::model::{
    DedupKeys, Device, DeviceType, Direction, EditKind, Edited, MessageId, Show, StoredMessage, Via,
};
use tandem_core::room::{Room, RoomMeta, RoomNotify};
use tandem_core::{Error, Result};

/// A time as the two columns it is stored in: seconds and nanoseconds.
pub(crate) fn split_time(t: DateTime<Utc>) -> (i64, i64) {
    (t.timestamp(), i64::from(t.timestamp_subsec_nanos()))
}

/// A time read back from its two columns; out of range is corrupt data (`what` names the
/// row).
pub(crate) fn join_time(what: &str, secs: i64, nanos: i64) -> Result<DateTime<Utc>> {
    u32::try_from(nanos)
        .ok()
        .and_then(|n| DateTime::from_timestamp(secs, n))
        .ok_or_else(|| Error::Corrupt(format!("{what}: time {secs}s + {nanos}ns is out of range")))
}

/// Reads one column, reporting a value of the wrong type as corrupt data.
pub(crate) fn column<'r, T>(row: &'r SqliteRow, what: &str, name: &str) -> Result<T>
where
    T: sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
{
    row.try_get(name)
        .map_err(|e| Error::Corrupt(format!("{what}: column {name}: {e}")))
}

/// The columns of a message row that [`message_from_row`] reads, in a `SELECT`.
pub(crate) const MESSAGE_COLUMNS: &str = "id, direction, sender, body, server_time, \
    server_time_ns, via, origin_id, stanza_id, stanza_attr_id, delivered, seen, read, rank, \
    occupant_nick, occupant_id, mention, edit, edited_at, edited_at_ns";

/// A message row of `conversation`, with the columns of [`MESSAGE_COLUMNS`].
pub(crate) fn message_from_row(row: &SqliteRow, conversation: &BareJid) -> Result<StoredMessage> {
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
    // A room message names its occupant; a one-to-one message has no occupant columns.
    let occupant_nick: Option<String> = column(row, &what, "occupant_nick")?;
    let occupant_id: Option<String> = column(row, &what, "occupant_id")?;
    let mention: bool = column(row, &what, "mention")?;
    let room = match occupant_nick {
        Some(nick) => Some(RoomMeta {
            nick,
            occupant_id,
            mention,
        }),
        None if occupant_id.is_none() && !mention => None,
        None => {
            return Err(Error::Corrupt(format!(
                "{what}: occupant-id or mention without an occupant nick"
            )))
        }
    };
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
        room,
        edited: edited_from_row(row, &what)?,
    })
}

/// A message's last edit: its kind and time, all three columns or none.
fn edited_from_row(row: &SqliteRow, what: &str) -> Result<Option<Edited>> {
    let kind: Option<String> = column(row, what, "edit")?;
    let secs: Option<i64> = column(row, what, "edited_at")?;
    let nanos: Option<i64> = column(row, what, "edited_at_ns")?;
    match (kind, secs, nanos) {
        (None, None, None) => Ok(None),
        (Some(kind), Some(secs), Some(nanos)) => Ok(Some(Edited {
            kind: EditKind::parse(&kind)
                .ok_or_else(|| Error::Corrupt(format!("{what}: unknown edit {kind:?}")))?,
            at: join_time(what, secs, nanos)?,
        })),
        _ => Err(Error::Corrupt(format!("{what}: an edit without its time"))),
    }
}

/// A room row.
pub(crate) fn room_from_row(row: &SqliteRow) -> Result<Room> {
    let jid: String = column(row, "room", "jid")?;
    let what = format!("room {jid:?}");
    let jid =
        BareJid::new(&jid).map_err(|e| Error::Corrupt(format!("{what}: not a bare JID: {e}")))?;
    let notify: String = column(row, &what, "notify")?;
    let notify = RoomNotify::parse(&notify)
        .ok_or_else(|| Error::Corrupt(format!("{what}: unknown notify setting {notify:?}")))?;
    Ok(Room {
        name: column(row, &what, "name")?,
        nick: column(row, &what, "nick")?,
        autojoin: column(row, &what, "autojoin")?,
        gone: column(row, &what, "gone")?,
        jid,
        notify,
    })
}

/// A device row.
pub(crate) fn device_from_row(row: &SqliteRow) -> Result<Device> {
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
