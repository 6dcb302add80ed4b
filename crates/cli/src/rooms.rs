//! Group chat (XEP-0045 rooms, joined on every device through XEP-0402 bookmarks): `join`,
//! `leave` and `send` to a room, which sign in, and `rooms` and `notify`, which only use the
//! stored profile.

use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use jid::{BareJid, Jid};
use tandem_client::profile::Profile;
use tandem_client::{Events, Session};
use tandem_core::activity::ActiveWindow;
use tandem_core::event::{ErrorKind, Event, RoomStatus};
use tandem_core::room::{Room, RoomNotify};
use tandem_core::store::Store;

use crate::connect::{connect, open_store, save_counters, Connected};
use crate::online::Outgoing;
use crate::output;

/// How long a command waits for a room to be joined (or left) on this device.
pub(crate) const ROOM_PATIENCE: Duration = Duration::from_secs(20);

/// A room JID from the command line: it needs a local part (`room@service`).
pub(crate) fn parse_room(input: &str) -> Result<BareJid> {
    Ok(tandem_core::error::parse_room(input)?)
}

/// The profile's stored room `jid`, if it is one of ours.
pub(crate) async fn stored_room(profile: &Profile, jid: &BareJid) -> Result<Option<Room>> {
    let settings = profile.settings()?;
    let store = open_store(profile).await?;
    let rooms = store.rooms(&settings.jid).await?;
    Ok(rooms.into_iter().find(|r| r.jid == *jid))
}

/// What became of a room while a command waited for it.
enum Outcome {
    /// Joined on this device.
    Joined,
    /// Not joined: left (or refused), or gone, with the reason when there is one.
    NotJoined(RoomStatus, Option<String>),
    /// The session refused a command of ours (not a room, too many rooms, a nick it cannot
    /// carry): the error event says why, and no room event follows.
    Refused(String),
}

/// Waits until `room` is joined on this device, or says why not (left, refused or gone),
/// within `patience`. Errors the session reports meanwhile are kept in `errors`, for the
/// caller to show once it knows how the command ends.
async fn until_joined(
    events: &mut Events,
    room: &BareJid,
    patience: Duration,
    errors: &mut Vec<(ErrorKind, String)>,
) -> Result<Outcome> {
    let deadline = tokio::time::Instant::now() + patience;
    loop {
        let event = match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Some(e)) => e,
            Ok(None) => bail!("the session ended before {room} was joined"),
            Err(_) => bail!("{room} was not joined within {} s", patience.as_secs()),
        };
        match event {
            Event::Room {
                room: r,
                state,
                reason,
            } if r == *room => match state {
                RoomStatus::Joining => {}
                RoomStatus::Joined => return Ok(Outcome::Joined),
                RoomStatus::Left | RoomStatus::Gone => {
                    return Ok(Outcome::NotJoined(state, reason))
                }
            },
            Event::Error {
                kind: ErrorKind::Command,
                message,
            } => return Ok(Outcome::Refused(message)),
            Event::Error { kind, message } => errors.push((kind, message)),
            _ => {}
        }
    }
}

/// Waits (bounded) until our server stored the room's bookmark; a wait that runs out is
/// reported among `errors`.
async fn bookmarked(events: &mut Events, room: &BareJid, errors: &mut Vec<(ErrorKind, String)>) {
    let deadline = tokio::time::Instant::now() + ROOM_PATIENCE;
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Some(Event::Bookmarked { room: r, .. })) if r == *room => return,
            Ok(Some(Event::Error { kind, message })) => errors.push((kind, message)),
            Ok(Some(_)) => {}
            Ok(None) => return,
            Err(_) => {
                return errors.push((
                    ErrorKind::Server,
                    format!(
                        "the server did not store {room}'s bookmark: other devices may not follow"
                    ),
                ))
            }
        }
    }
}

/// Why a room is not joined, in one line (`what`: "cannot join", "not in the room").
fn not_joined(
    what: &str,
    room: &BareJid,
    status: RoomStatus,
    reason: Option<String>,
) -> anyhow::Error {
    let reason = reason.map(|r| output::one_line(&r));
    match (status, reason) {
        (RoomStatus::Gone, Some(r)) => anyhow!("{room} is gone: {r}"),
        (RoomStatus::Gone, None) => anyhow!("{room} is gone"),
        (_, Some(r)) => anyhow!("{what} {room}: {r}"),
        (_, None) => anyhow!("{what} {room}: the room did not let us in"),
    }
}

/// Shows the errors a session reported on stderr, one line each.
fn show_errors(errors: &[(ErrorKind, String)]) {
    for (_, message) in errors {
        eprintln!(
            "tandem: {}",
            output::terminal_safe(&output::one_line(message))
        );
    }
}

/// `tandem join ROOM [--nick N] [--create] [--members-only]`.
pub(crate) async fn join(
    profile: &Profile,
    room: &str,
    nick: Option<String>,
    create: Option<bool>,
    window: Option<ActiveWindow>,
) -> Result<()> {
    let room = parse_room(room)?;
    if let Some(n) = &nick {
        if n.trim().is_empty() {
            bail!("an empty nick cannot join a room");
        }
    }
    let Connected {
        session,
        mut events,
        _lock,
        ..
    } = connect(profile, window).await?;
    let result = joined(&session, &mut events, &room, nick, create).await;
    save_counters(profile, &session).await;
    session.close().await;
    let (nick, history) = result?;
    output::print_line(&format!(
        "joined {room} as {} ({history} messages of history)",
        output::one_line(&nick)
    ));
    Ok(())
}

/// Joins and waits for the room's history: our nick in it and how many messages its archive
/// brought.
async fn joined(
    session: &Session,
    events: &mut Events,
    room: &BareJid,
    nick: Option<String>,
    create: Option<bool>,
) -> Result<(String, u64)> {
    let mut errors = Vec::new();
    session.join(room.clone(), nick, create).await?;
    match until_joined(events, room, ROOM_PATIENCE, &mut errors).await {
        Ok(Outcome::Joined) => {}
        Ok(Outcome::NotJoined(status, reason)) => {
            return Err(not_joined("cannot join", room, status, reason))
        }
        Ok(Outcome::Refused(message)) => bail!("{}", output::one_line(&message)),
        // A store that failed to keep the room: that, rather than the wait, is the answer.
        Err(e) => match errors.iter().find(|(kind, _)| *kind == ErrorKind::Storage) {
            Some((_, message)) => bail!("{}", output::one_line(message)),
            None => return Err(e),
        },
    }
    // Joined: the room's archive follows (a room without one says so at once).
    let deadline = tokio::time::Instant::now() + ROOM_PATIENCE;
    let history = loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Some(Event::RoomCatchUp {
                room: r,
                stored,
                done: true,
                ..
            })) if r == *room => break stored,
            Ok(Some(Event::Error { kind, message })) => errors.push((kind, message)),
            Ok(Some(_)) => {}
            Ok(None) => bail!("the session ended while reading {room}'s history"),
            Err(_) => {
                errors.push((
                    ErrorKind::Server,
                    format!(
                        "{room}'s history was not caught up within {} s",
                        ROOM_PATIENCE.as_secs()
                    ),
                ));
                break 0;
            }
        }
    };
    // Every other device follows once our server stored the bookmark: wait for that
    // before signing out, or the join would stay on this device only.
    bookmarked(events, room, &mut errors).await;
    show_errors(&errors);
    let nick = session
        .rooms()
        .await?
        .into_iter()
        .find(|v| v.room.jid == *room)
        .map(|v| v.room.nick)
        .ok_or_else(|| anyhow!("{room} is not among the session's rooms"))?;
    Ok((nick, history))
}

/// `tandem leave ROOM`: leaves on every device (the bookmark stays, autojoin off).
pub(crate) async fn leave(
    profile: &Profile,
    room: &str,
    window: Option<ActiveWindow>,
) -> Result<()> {
    let room = parse_room(room)?;
    let Some(stored) = stored_room(profile, &room).await? else {
        bail!("{room} is not one of our rooms (see tandem rooms)");
    };
    let Connected {
        session,
        mut events,
        _lock,
        ..
    } = connect(profile, window).await?;
    let result = left(&session, &mut events, &stored).await;
    save_counters(profile, &session).await;
    session.close().await;
    result?;
    println!("left {room}");
    Ok(())
}

async fn left(session: &Session, events: &mut Events, room: &Room) -> Result<()> {
    let mut errors = Vec::new();
    if room.autojoin && room.gone.is_none() {
        // The session joins it by itself once the bookmarks are in: leave after that, so
        // that join cannot come after our leave.
        match until_joined(events, &room.jid, ROOM_PATIENCE, &mut errors).await? {
            Outcome::Joined => {}
            // Left on another device meanwhile, or refused: leaving still turns autojoin
            // off for good.
            Outcome::NotJoined(..) => {}
            Outcome::Refused(message) => bail!("{}", output::one_line(&message)),
        }
    } else {
        // Not joined here: leave once the sign-in's catch-up (and so the bookmarks, asked
        // for at the same time) is in.
        until_caught_up(events, &mut errors).await;
    }
    session.leave(room.jid.clone()).await?;
    let deadline = tokio::time::Instant::now() + ROOM_PATIENCE;
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Some(Event::Room {
                room: r,
                state: RoomStatus::Left | RoomStatus::Gone,
                ..
            })) if r == room.jid => break,
            Ok(Some(Event::Error {
                kind: ErrorKind::Command | ErrorKind::Storage,
                message,
            })) => bail!("{}", output::one_line(&message)),
            Ok(Some(Event::Error { kind, message })) => errors.push((kind, message)),
            Ok(Some(_)) => {}
            Ok(None) => bail!("the session ended before {} was left", room.jid),
            Err(_) => bail!(
                "{} was not left within {} s",
                room.jid,
                ROOM_PATIENCE.as_secs()
            ),
        }
    }
    bookmarked(events, &room.jid, &mut errors).await;
    show_errors(&errors);
    Ok(())
}

/// Waits (bounded) for the one-to-one catch-up every sign-in runs.
async fn until_caught_up(events: &mut Events, errors: &mut Vec<(ErrorKind, String)>) {
    let deadline = tokio::time::Instant::now() + ROOM_PATIENCE;
    while let Ok(Some(event)) = tokio::time::timeout_at(deadline, events.recv()).await {
        match event {
            Event::CatchUp { done: true, .. } => return,
            Event::Error { kind, message } => errors.push((kind, message)),
            _ => {}
        }
    }
}

/// `tandem send ROOM TEXT`, for a room of ours (`room`, as stored): waits for the session
/// to join it (it joins autojoin rooms at sign-in), then sends.
pub(crate) async fn send(
    profile: &Profile,
    room: Room,
    what: Outgoing,
    window: Option<ActiveWindow>,
) -> Result<()> {
    if let Some(reason) = &room.gone {
        bail!("{} is gone: {}", room.jid, output::one_line(reason));
    }
    if !room.autojoin {
        bail!(
            "not in the room {jid}: join {jid} first (tandem join {jid})",
            jid = room.jid
        );
    }
    let Connected {
        session,
        mut events,
        store,
        settings,
        _lock,
    } = connect(profile, window).await?;
    let mut errors = Vec::new();
    let result = match until_joined(&mut events, &room.jid, ROOM_PATIENCE, &mut errors).await {
        Ok(Outcome::Joined) => {
            what.deliver(
                &session,
                &store,
                &settings.jid,
                &Jid::from(room.jid.clone()),
            )
            .await
        }
        Ok(Outcome::NotJoined(status, reason)) => {
            Err(not_joined("not in the room", &room.jid, status, reason))
        }
        Ok(Outcome::Refused(message)) => Err(anyhow!("{}", output::one_line(&message))),
        Err(e) => Err(e),
    };
    save_counters(profile, &session).await;
    session.close().await;
    result
}

/// `tandem rooms [--json]`: the profile's rooms as stored, without signing in.
pub(crate) async fn list(profile: &Profile, json: bool) -> Result<()> {
    let settings = profile.settings()?;
    let store = open_store(profile).await?;
    let rooms = store.rooms(&settings.jid).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&rooms)?);
    } else {
        print!("{}", output::terminal_safe(&output::rooms_table(&rooms)));
    }
    Ok(())
}

/// `tandem notify ROOM all|mentions|none`: how the stored room notifies on this device.
/// Offline, but never beside a session on the profile (its own copy of the room would
/// win): that session's `listen` takes `notify` instead.
pub(crate) async fn notify(profile: &Profile, room: &str, notify: RoomNotify) -> Result<()> {
    let room = parse_room(room)?;
    let _lock = profile.lock_session().map_err(|e| {
        anyhow!(
            "{e}: use its listen command `notify {room} {}` instead",
            notify.as_str()
        )
    })?;
    let settings = profile.settings()?;
    let store = open_store(profile).await?;
    let mut stored = store
        .rooms(&settings.jid)
        .await?
        .into_iter()
        .find(|r| r.jid == room)
        .ok_or_else(|| anyhow!("{room} is not one of our rooms (see tandem rooms)"))?;
    stored.notify = notify;
    store
        .upsert_room(&settings.jid, &stored)
        .await
        .with_context(|| format!("cannot store {room}"))?;
    println!("{room} notifies: {}", notify.as_str());
    Ok(())
}

/// Whether a JID typed on the command line is one of the stored rooms (for `send`, which
/// takes contacts and rooms alike), with the room when it is.
pub(crate) async fn room_for(profile: &Profile, to: &jid::Jid) -> Result<Option<Room>> {
    let room = stored_room(profile, &to.to_bare()).await?;
    if let (Some(room), Some(_)) = (&room, to.resource()) {
        bail!(
            "{to} is an occupant of {jid}: private messages are not supported; send to {jid}",
            jid = room.jid
        );
    }
    Ok(room)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_room_needs_a_local_part() {
        assert!(parse_room("room@conference.example.org").is_ok());
        let e = parse_room("conference.example.org").expect_err("no local part");
        assert!(e.to_string().contains("room@service"), "{e}");
        assert!(parse_room("not a jid@@").is_err());
    }
}
