//! Group chat: joining (or creating) and leaving rooms on every device (XEP-0402 bookmarks
//! do that), how each room notifies, invitations, and our rooms as the room view lists
//! them. Every argument is checked here, so the UI gets one clear line for a bad one.

use jid::BareJid;
use tandem_core::engine::{OccupantInfo, RoomView};
use tandem_core::room::RoomNotify;

use crate::account::parse_account;
use crate::session::Running;
use crate::{App, AppError, AppErrorKind, Occupant, Result, RoomAccess, RoomInfo, MAX_NICK};

impl App {
    /// Joins a room on every device (it is bookmarked, so each of our devices joins it) and
    /// enters it here, as `nick` (our account's user part when `None`). `create`: `open` or
    /// `members_only` creates the room when it does not exist; `None` joins an existing one
    /// (or creates an open one). Progress comes as `room` events.
    pub async fn join_room(
        &self,
        room: &str,
        nick: Option<&str>,
        create: Option<&str>,
    ) -> Result<()> {
        let room = parse_room(room)?;
        let nick = parse_nick(&room, nick)?;
        let create = parse_access(create)?.map(|a| a == RoomAccess::MembersOnly);
        let running = self.require().await?;
        self.touch_ui();
        running.session.join(room, nick, create).await?;
        Ok(())
    }

    /// Leaves a room on every device (its bookmark stays, with autojoin off).
    pub async fn leave_room(&self, room: &str) -> Result<()> {
        let room = parse_room(room)?;
        let running = self.require().await?;
        ours(&running, &room).await?;
        running.session.leave(room).await?;
        Ok(())
    }

    /// How a room notifies: `all`, `mentions` (the default) or `none`.
    pub async fn set_room_notify(&self, room: &str, notify: &str) -> Result<()> {
        let room = parse_room(room)?;
        let notify = parse_notify(notify)?;
        let running = self.require().await?;
        ours(&running, &room).await?;
        running.session.set_room_notify(room, notify).await?;
        Ok(())
    }

    /// Our rooms, by JID, with where each stands on this device and who is in it.
    pub async fn rooms(&self) -> Result<Vec<RoomInfo>> {
        let running = self.require().await?;
        let rooms = running.session.rooms().await?;
        Ok(rooms.into_iter().map(room_info).collect())
    }

    /// Invites a contact (`jid`, an account) to a room of ours.
    pub async fn invite(&self, room: &str, jid: &str) -> Result<()> {
        let room = parse_room(room)?;
        let invitee = parse_account(jid)?;
        let running = self.require().await?;
        ours(&running, &room).await?;
        running.session.invite(room, invitee).await?;
        Ok(())
    }
}

/// The room, when it is one of ours; a clear error otherwise.
async fn ours(running: &Running, room: &BareJid) -> Result<RoomView> {
    running
        .session
        .rooms()
        .await?
        .into_iter()
        .find(|v| v.room.jid == *room)
        .ok_or_else(|| AppError::invalid(format!("{room} is not one of your rooms: join it first")))
}

/// A room's JID as typed: a bare JID with a local part (`room@service`).
pub(crate) fn parse_room(input: &str) -> Result<BareJid> {
    tandem_core::error::parse_room(input)
        .map_err(|e| AppError::new(AppErrorKind::InvalidJid, e.to_string()))
}

/// The nick to join as: `None` when left empty (the account's user part is used).
pub(crate) fn parse_nick(room: &BareJid, nick: Option<&str>) -> Result<Option<String>> {
    let Some(nick) = nick.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    if nick.len() > MAX_NICK {
        return Err(AppError::invalid(format!(
            "the nick is too long ({} bytes; at most {MAX_NICK})",
            nick.len()
        )));
    }
    if nick.chars().any(char::is_control) || room.with_resource_str(nick).is_err() {
        return Err(AppError::invalid(format!(
            "{nick:?} cannot be a nick in {room}: choose another"
        )));
    }
    Ok(Some(nick.to_owned()))
}

/// How to create the room: `open`, `members_only`, or `None` (join what exists).
pub(crate) fn parse_access(create: Option<&str>) -> Result<Option<RoomAccess>> {
    create
        .map(|c| {
            RoomAccess::parse(c.trim()).ok_or_else(|| {
                AppError::invalid(format!(
                    "unknown kind of room {c:?}: use \"open\" or \"members_only\""
                ))
            })
        })
        .transpose()
}

/// A notification setting: `all`, `mentions` or `none`.
pub(crate) fn parse_notify(notify: &str) -> Result<RoomNotify> {
    RoomNotify::parse(notify.trim()).ok_or_else(|| {
        AppError::invalid(format!(
            "unknown notification setting {notify:?}: use \"all\", \"mentions\" or \"none\""
        ))
    })
}

fn room_info(v: RoomView) -> RoomInfo {
    RoomInfo {
        jid: v.room.jid.to_string(),
        name: v.room.name.filter(|n| !n.trim().is_empty()),
        nick: v.room.nick,
        autojoin: v.room.autojoin,
        notify: v.room.notify,
        status: v.status,
        gone: v.room.gone,
        occupants: v.occupants.into_iter().map(occupant).collect(),
    }
}

fn occupant(o: OccupantInfo) -> Occupant {
    Occupant {
        nick: o.nick,
        role: o.role,
        affiliation: o.affiliation,
        jid: o.jid.map(|j| j.to_bare().to_string()),
    }
}

#[cfg(test)]
mod tests {
    use tandem_core::event::RoomStatus;
    use tandem_core::room::Room;

    use super::*;

    fn room() -> BareJid {
        "tea@conference.example.org".parse().expect("jid")
    }

    /// The error is one line that names what was wrong.
    fn one_line(e: &AppError, names: &str) {
        assert!(!e.message.contains('\n'), "{e:?}");
        assert!(
            e.message.contains(names),
            "{names:?} not in {:?}",
            e.message
        );
    }

    #[test]
    fn a_room_needs_a_local_part_and_a_valid_jid() {
        assert_eq!(
            parse_room(" Tea@Conference.Example.org ")
                .expect("ok")
                .to_string(),
            "tea@conference.example.org"
        );
        for bad in ["conference.example.org", "not a jid@@", "", "@example.org"] {
            let e = parse_room(bad).expect_err(bad);
            assert_eq!(e.kind, AppErrorKind::InvalidJid, "{bad}: {e:?}");
            assert!(!e.message.contains('\n'), "{e:?}");
        }
        let e = parse_room("conference.example.org").expect_err("no node");
        one_line(&e, "needs a local part");
    }

    #[test]
    fn an_empty_nick_is_the_default_and_a_bad_one_is_refused() {
        assert_eq!(parse_nick(&room(), None).expect("none"), None);
        assert_eq!(parse_nick(&room(), Some("   ")).expect("blank"), None);
        assert_eq!(
            parse_nick(&room(), Some(" Alice ")).expect("ok").as_deref(),
            Some("Alice")
        );
        assert_eq!(
            parse_nick(&room(), Some("<b>Ålice</b>"))
                .expect("markup is text")
                .as_deref(),
            Some("<b>Ålice</b>")
        );
        let e = parse_nick(&room(), Some("bad\u{7}bell")).expect_err("control");
        assert_eq!(e.kind, AppErrorKind::InvalidInput);
        one_line(&e, "cannot be a nick");
        let e = parse_nick(&room(), Some(&"n".repeat(MAX_NICK + 1))).expect_err("long");
        assert_eq!(e.kind, AppErrorKind::InvalidInput);
        one_line(&e, "too long");
    }

    #[test]
    fn a_room_is_created_open_or_members_only() {
        assert_eq!(parse_access(None).expect("none"), None);
        assert_eq!(
            parse_access(Some("open")).expect("open"),
            Some(RoomAccess::Open)
        );
        assert_eq!(
            parse_access(Some("members_only")).expect("members"),
            Some(RoomAccess::MembersOnly)
        );
        for bad in ["public", "Members-Only", ""] {
            let e = parse_access(Some(bad)).expect_err(bad);
            assert_eq!(e.kind, AppErrorKind::InvalidInput);
            one_line(&e, "members_only");
        }
        for a in [RoomAccess::Open, RoomAccess::MembersOnly] {
            assert_eq!(
                serde_json::to_value(a).expect("json"),
                serde_json::json!(a.as_str())
            );
        }
    }

    #[test]
    fn a_notification_setting_is_all_mentions_or_none() {
        assert_eq!(parse_notify("all").expect("all"), RoomNotify::All);
        assert_eq!(
            parse_notify(" mentions ").expect("mentions"),
            RoomNotify::Mentions
        );
        assert_eq!(parse_notify("none").expect("none"), RoomNotify::None);
        for bad in ["loud", "ALL", "", "mention"] {
            let e = parse_notify(bad).expect_err(bad);
            assert_eq!(e.kind, AppErrorKind::InvalidInput);
            one_line(&e, "\"all\", \"mentions\" or \"none\"");
        }
    }

    #[test]
    fn a_room_reaches_the_ui_with_its_state_and_occupants() {
        let view = RoomView {
            room: Room {
                jid: room(),
                name: Some("Tea time".into()),
                nick: "alice".into(),
                autojoin: true,
                notify: RoomNotify::Mentions,
                gone: None,
            },
            status: RoomStatus::Joined,
            occupants: vec![OccupantInfo {
                nick: "bob".into(),
                role: "moderator".into(),
                affiliation: "owner".into(),
                jid: Some("bob@example.org/phone".parse().expect("jid")),
                occupant_id: Some("x1".into()),
            }],
        };
        let json = serde_json::to_value(room_info(view)).expect("json");
        assert_eq!(
            json,
            serde_json::json!({
                "jid": "tea@conference.example.org",
                "name": "Tea time",
                "nick": "alice",
                "autojoin": true,
                "notify": "mentions",
                "status": "joined",
                "gone": null,
                "occupants": [
                    {"nick": "bob", "role": "moderator", "affiliation": "owner", "jid": "bob@example.org"}
                ],
            })
        );
    }
}
