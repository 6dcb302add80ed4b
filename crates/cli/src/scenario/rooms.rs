//! Group chat in scenarios: the `join`, `leave`, `room_notify` and `destroy` steps, sending
//! to a room, the room expectations (`state`, `caught_up`) and the timeline's room lines.

use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Result};
use jid::BareJid;
use serde::Deserialize;
use tandem_core::engine::RoomView;
use tandem_core::event::{ChatKind, ErrorKind, Event, MessageView, RoomStatus};
use tandem_core::room::RoomNotify;

use super::{session, wait_until, Device, Expect};

/// How long a room step waits for the room to answer (joined, left, gone).
const ROOM_PATIENCE: Duration = Duration::from_secs(20);

/// How long a room expectation waits to come true.
const EXPECT_PATIENCE: Duration = Duration::from_secs(15);

/// `join = { device = "laptop", room = "family", nick = "al" }`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct JoinStep {
    pub(super) device: String,
    /// A local part (`family`, at the MUC service) or a full room JID.
    pub(super) room: String,
    /// Our nick in it (default: the stored one, else the account's local part).
    #[serde(default)]
    pub(super) nick: Option<String>,
}

/// `leave = { device = "phone", room = "family" }`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RoomStep {
    pub(super) device: String,
    pub(super) room: String,
}

/// `room_notify = { device = "phone", room = "family", notify = "all" }`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RoomNotifyStep {
    pub(super) device: String,
    pub(super) room: String,
    /// `all`, `mentions` or `none`.
    pub(super) notify: String,
}

/// `destroy = { device = "laptop", room = "family", reason = "moved" }`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DestroyStep {
    pub(super) device: String,
    pub(super) room: String,
    #[serde(default)]
    pub(super) reason: Option<String>,
}

/// A room as a scenario names it: a local part at the MUC service, or a full room JID.
pub(super) fn room_jid(name: &str, muc_domain: &str) -> Result<BareJid> {
    let text = if name.contains('@') {
        name.to_owned()
    } else {
        format!("{name}@{muc_domain}")
    };
    Ok(tandem_core::error::parse_room(&text)?)
}

fn parse_state(s: &str) -> Result<RoomStatus> {
    Ok(match s {
        "joining" => RoomStatus::Joining,
        "joined" => RoomStatus::Joined,
        "left" => RoomStatus::Left,
        "gone" => RoomStatus::Gone,
        other => bail!("unknown room state {other:?} (joining, joined, left or gone)"),
    })
}

fn state_str(s: RoomStatus) -> &'static str {
    match s {
        RoomStatus::Joining => "joining",
        RoomStatus::Joined => "joined",
        RoomStatus::Left => "left",
        RoomStatus::Gone => "gone",
    }
}

fn events_since(d: &Device, from: usize) -> Vec<Event> {
    d.log
        .lock()
        .map(|l| l[from.min(l.len())..].to_vec())
        .unwrap_or_default()
}

fn log_len(d: &Device) -> usize {
    d.log.lock().map(|l| l.len()).unwrap_or(0)
}

/// A command error the session reported since `from` (it refused a room command of ours).
fn refused(events: &[Event]) -> Option<String> {
    events.iter().find_map(|e| match e {
        Event::Error {
            kind: ErrorKind::Command,
            message,
        } => Some(message.clone()),
        _ => None,
    })
}

async fn view(d: &Device, room: &BareJid) -> Result<Option<RoomView>> {
    Ok(session(d)?
        .rooms()
        .await?
        .into_iter()
        .find(|v| v.room.jid == *room))
}

/// Where a room stands on the device: its state, `gone` for a room known to be gone (also
/// after a new sign-in, where it is not rejoined), and the reason when there is one.
fn standing(v: &RoomView, events: &[Event]) -> (RoomStatus, Option<String>) {
    let last_reason = || {
        events.iter().rev().find_map(|e| match e {
            Event::Room { room, reason, .. } if *room == v.room.jid => Some(reason.clone()),
            _ => None,
        })?
    };
    match (v.status, &v.room.gone) {
        (RoomStatus::Left | RoomStatus::Gone, Some(why)) => (RoomStatus::Gone, Some(why.clone())),
        (RoomStatus::Left, None) => (RoomStatus::Left, last_reason()),
        (s, _) => (s, None),
    }
}

fn with_reason(state: RoomStatus, reason: &Option<String>) -> String {
    match reason.as_deref().filter(|r| !r.is_empty()) {
        Some(r) => format!("{} ({r})", state_str(state)),
        None => state_str(state).to_owned(),
    }
}

/// Waits (bounded) for a `Room` event of `room` in `want` after `from`; fails at once when
/// the room reaches another final state or the session refuses the command.
async fn until_room(
    d: &Device,
    from: usize,
    room: &BareJid,
    want: RoomStatus,
    what: &str,
) -> Result<usize> {
    let name = &d.spec.name;
    let start = Instant::now();
    loop {
        let events = events_since(d, from);
        for (i, e) in events.iter().enumerate() {
            if let Event::Room {
                room: r,
                state,
                reason,
            } = e
            {
                if r != room {
                    continue;
                }
                if *state == want {
                    return Ok(from + i + 1);
                }
                if matches!(state, RoomStatus::Left | RoomStatus::Gone) {
                    bail!(
                        "device {name}: {what} room {room}, but it is {}",
                        with_reason(*state, reason)
                    );
                }
            }
        }
        if let Some(message) = refused(&events) {
            bail!("device {name}: {what} room {room}, but the session refused: {message}");
        }
        if start.elapsed() > ROOM_PATIENCE {
            bail!(
                "device {name}: {what} room {room}, but it is not {} after {} s",
                state_str(want),
                ROOM_PATIENCE.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Joins and waits until the room is joined on the device and its history caught up.
pub(super) async fn join(d: &mut Device, step: &JoinStep, muc_domain: &str) -> Result<()> {
    let room = room_jid(&step.room, muc_domain)?;
    let from = log_len(d);
    let s = session(d)?;
    s.join(room.clone(), step.nick.clone(), None).await?;
    // A round trip through the session: the join has been handled when this answers.
    if view(d, &room)
        .await?
        .is_some_and(|v| v.status == RoomStatus::Joined)
    {
        return Ok(()); // already in it here (from the bookmark)
    }
    let joined = until_room(d, from, &room, RoomStatus::Joined, "could not join").await?;
    let caught_up = wait_until(ROOM_PATIENCE, || {
        events_since(d, joined)
            .iter()
            .any(|e| matches!(e, Event::RoomCatchUp { room: r, done: true, .. } if *r == room))
    })
    .await;
    if !caught_up {
        bail!(
            "device {}: joined room {room}, but its history was not caught up after {} s",
            d.spec.name,
            ROOM_PATIENCE.as_secs()
        );
    }
    Ok(())
}

/// Leaves (on every device of the account) and waits until it is left on this one.
pub(super) async fn leave(d: &mut Device, step: &RoomStep, muc_domain: &str) -> Result<()> {
    let room = room_jid(&step.room, muc_domain)?;
    let from = log_len(d);
    session(d)?.leave(room.clone()).await?;
    until_room(d, from, &room, RoomStatus::Left, "could not leave").await?;
    Ok(())
}

/// Sets how the room notifies on this device, and checks that the setting took.
pub(super) async fn room_notify(
    d: &mut Device,
    step: &RoomNotifyStep,
    muc_domain: &str,
) -> Result<()> {
    let room = room_jid(&step.room, muc_domain)?;
    let notify = RoomNotify::parse(&step.notify).ok_or_else(|| {
        anyhow!(
            "unknown room notify {:?} (all, mentions or none)",
            step.notify
        )
    })?;
    let from = log_len(d);
    session(d)?.set_room_notify(room.clone(), notify).await?;
    let now = view(d, &room).await?;
    if now.as_ref().is_some_and(|v| v.room.notify == notify) {
        return Ok(());
    }
    let why = refused(&events_since(d, from)).unwrap_or_else(|| match now {
        None => "it is not one of its rooms".into(),
        Some(v) => format!("it is still {}", v.room.notify.as_str()),
    });
    bail!(
        "device {}: cannot make room {room} notify {}: {why}",
        d.spec.name,
        notify.as_str()
    )
}

/// The room's owner destroys it (XEP-0045 §10.9); waits until it is gone on this device.
pub(super) async fn destroy(d: &mut Device, step: &DestroyStep, muc_domain: &str) -> Result<()> {
    let room = room_jid(&step.room, muc_domain)?;
    let reason = step
        .reason
        .as_deref()
        .map(|r| format!("<reason>{}</reason>", xml_escape(r)))
        .unwrap_or_default();
    let xml = format!(
        "<iq xmlns='jabber:client' type='set' id='scenario-destroy-{}' to='{}'>\
         <query xmlns='http://jabber.org/protocol/muc#owner'><destroy>{reason}</destroy></query>\
         </iq>",
        uuid::Uuid::new_v4().simple(),
        xml_escape(room.as_str())
    );
    // tandem-cli does not depend on the XML crates: parse into the element type of the
    // client's own builders, and from that into the stanza `send_raw` takes.
    let element = parse_like(tandem_client::wire::handmade::room_config, &xml)
        .map_err(|e| anyhow!("cannot build the destroy request: {e}"))?;
    let from = log_len(d);
    session(d)?
        .send_raw(
            element
                .try_into()
                .map_err(|e| anyhow!("cannot build the destroy request: {e:?}"))?,
        )
        .await?;
    until_room(d, from, &room, RoomStatus::Gone, "destroyed")
        .await
        .map_err(|e| anyhow!("{e} (only the room's owner can destroy it)"))?;
    Ok(())
}

/// Parses `xml` as the type `_like` returns.
fn parse_like<T: std::str::FromStr>(_like: fn(bool) -> T, xml: &str) -> Result<T, T::Err> {
    xml.parse()
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\'' => out.push_str("&apos;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// Before sending to a room: the device must be in it (else the session would send a chat
/// message to the room's JID).
pub(super) async fn ensure_in(d: &Device, room: &BareJid) -> Result<()> {
    match view(d, room).await? {
        Some(v) if v.status == RoomStatus::Joined => Ok(()),
        Some(v) => {
            let (state, reason) = standing(&v, &events_since(d, 0));
            bail!(
                "device {} cannot send to room {room}: it is {}",
                d.spec.name,
                with_reason(state, &reason)
            )
        }
        None => bail!(
            "device {} cannot send to room {room}: it is not one of its rooms",
            d.spec.name
        ),
    }
}

/// The room expectations: `state` (with `reason`, a part of the room's reason) and
/// `caught_up` (new messages stored by the room's catch-ups since the device signed in).
pub(super) async fn check(e: &Expect, d: &Device, room: &BareJid) -> Result<()> {
    let name = &d.spec.name;
    if e.state.is_none() && e.caught_up.is_none() && e.message.is_none() {
        bail!("expect with room {room}: say what of it (state, caught_up or message)");
    }
    if let Some(want) = &e.state {
        let want = parse_state(want)?;
        let start = Instant::now();
        loop {
            let got = view(d, room)
                .await?
                .map(|v| standing(&v, &events_since(d, 0)));
            let ok = got.as_ref().is_some_and(|(state, reason)| {
                *state == want
                    && e.reason
                        .as_deref()
                        .is_none_or(|r| reason.as_deref().is_some_and(|got| got.contains(r)))
            });
            if ok {
                break;
            }
            if start.elapsed() > EXPECT_PATIENCE {
                let expected = with_reason(want, &e.reason);
                bail!(
                    "device {name}: expected room {room} to be {expected}, but {}",
                    match got {
                        Some((state, reason)) => format!("it is {}", with_reason(state, &reason)),
                        None => "it is not one of its rooms".into(),
                    }
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    if let Some(want) = e.caught_up {
        // Every catch-up of the room since the device signed in, finished.
        let runs = || -> Vec<u64> {
            events_since(d, d.signed_in_at)
                .iter()
                .filter_map(|ev| match ev {
                    Event::RoomCatchUp {
                        room: r,
                        stored,
                        done: true,
                        ..
                    } if r == room => Some(*stored),
                    _ => None,
                })
                .collect()
        };
        let ok = wait_until(EXPECT_PATIENCE, || {
            let runs = runs();
            !runs.is_empty() && runs.iter().sum::<u64>() == want
        })
        .await;
        if !ok {
            let runs = runs();
            bail!(
                "device {name}: expected room {room} to catch up {want} new messages, but {}",
                match runs.as_slice() {
                    [] => "its catch-up did not finish".to_owned(),
                    [one] => format!("it caught up {one}"),
                    more => format!(
                        "it caught up {} in {} runs ({})",
                        more.iter().sum::<u64>(),
                        more.len(),
                        more.iter()
                            .map(u64::to_string)
                            .collect::<Vec<_>>()
                            .join(" + ")
                    ),
                }
            );
        }
    }
    Ok(())
}

/// A room message's line prefix in the timeline: `family/bob `.
pub(super) fn message_origin(m: &MessageView) -> String {
    if m.kind != ChatKind::Groupchat {
        return String::new();
    }
    let room = m
        .conversation
        .node()
        .map(|n| n.to_string())
        .unwrap_or_else(|| m.conversation.to_string());
    match &m.occupant {
        Some(o) => format!("{room}/{} ", o.nick),
        None => format!("{room} "),
    }
}

/// The timeline's line for a room event (none for the ones it leaves out).
pub(super) fn timeline_line(e: &Event) -> Option<String> {
    Some(match e {
        Event::Room {
            room,
            state: state @ (RoomStatus::Joined | RoomStatus::Left | RoomStatus::Gone),
            reason,
        } => format!("  room {room}: {}", with_reason(*state, reason)),
        Event::RoomCatchUp {
            room,
            stored,
            duplicates,
            done: true,
        } => format!(
            "  room {room}: caught up {stored}{}",
            if *duplicates > 0 {
                format!(" ({duplicates} already stored)")
            } else {
                String::new()
            }
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_room_is_a_local_part_at_the_muc_service_or_a_full_jid() {
        let muc = "conference.tandem.test";
        assert_eq!(
            room_jid("family", muc).expect("room").as_str(),
            "family@conference.tandem.test"
        );
        assert_eq!(
            room_jid("team@rooms.example.org", muc)
                .expect("room")
                .as_str(),
            "team@rooms.example.org"
        );
        assert!(room_jid("", muc).is_err());
    }

    #[test]
    fn the_destroy_request_is_xml_the_client_accepts() {
        let xml = format!(
            "<iq xmlns='jabber:client' type='set' id='x' to='r@c.example'>\
             <query xmlns='http://jabber.org/protocol/muc#owner'><destroy>\
             <reason>{}</reason></destroy></query></iq>",
            xml_escape("a <b> & 'c'")
        );
        let el = parse_like(tandem_client::wire::handmade::room_config, &xml).expect("xml");
        assert_eq!(el.name(), "iq");
        assert!(String::from(&el).contains("a &lt;b&gt; &amp;"));
    }
}
