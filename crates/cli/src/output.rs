//! Text for people: aligned columns, local times, no debug dumps.

use chrono::{DateTime, Local, Utc};
use jid::{BareJid, Jid};
use tandem_client::profile::{PasswordStore, Settings};
use tandem_core::engine::RoomView;
use tandem_core::event::{
    ErrorKind, Event, MessageView, OccupantChange, OfflineReason, RoomStatus,
};
use tandem_core::model::{Device, Direction, EditKind, StoredMessage, Via};
use tandem_core::room::{Room, RoomMeta};

/// Text from the network made safe for a terminal: C0 and C1 control characters (escape
/// sequences that move the cursor, clear the screen or retitle the window), DEL and the
/// bidirectional controls (which reorder what follows them, so "txt.exe" can show as
/// "exe.txt") are shown as `\u{..}` instead of acting. Newlines stay.
pub fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    fn unsafe_char(c: char) -> bool {
        (c.is_control() && c != '\n')
            || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    }
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Text from the network that must stay on one line (a nick, a reason, a room's name):
/// line breaks and runs of white space become one space.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Prints a line of human output, made [`terminal_safe`].
pub fn print_line(text: &str) {
    println!("{}", terminal_safe(text));
}

/// The profile's settings, in one line.
pub fn settings_line(s: &Settings) -> String {
    format!(
        "{}/{} ({}), multi-device messaging {}, server {}, password in {}",
        s.jid,
        s.resource,
        s.device.as_str(),
        if s.carbons { "on" } else { "off" },
        s.server.as_deref().unwrap_or("from DNS"),
        match s.password_store {
            PasswordStore::Keyring => "the keyring",
            PasswordStore::File => "a private file",
        }
    )
}

fn local(ts: DateTime<Utc>) -> String {
    ts.with_timezone(&Local)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// Who wrote a message, for people: `me (device)` for ours, the contact, or in a room the
/// occupant's nick (ours is `me`).
fn sender(from: &Jid, direction: Direction, account: &BareJid, room: Option<&RoomMeta>) -> String {
    if let Some(meta) = room {
        return match direction {
            Direction::Out => "me".into(),
            Direction::In => one_line(&meta.nick),
        };
    }
    match (direction, from.resource()) {
        (Direction::Out, Some(r)) => format!("me ({r})"),
        (Direction::Out, None) => "me".into(),
        (Direction::In, _) if from.to_bare() == *account => "me".into(),
        (Direction::In, _) => from.to_bare().to_string(),
    }
}

fn via_note(via: Via) -> &'static str {
    match via {
        Via::Local | Via::Live => "",
        Via::CarbonReceived => "  [carbon]",
        Via::CarbonSent => "  [sent carbon]",
        Via::Archive => "  [archive]",
    }
}

/// A message its author retracted shows that it was; a corrected one is marked.
fn shown_body(body: &str, edited: Option<EditKind>) -> String {
    match edited {
        Some(EditKind::Retracted) => "(retracted by its author)".into(),
        Some(EditKind::Corrected) => format!("{body}  [edited]"),
        None => body.to_owned(),
    }
}

/// A room message that mentions us is marked.
fn mention_note(room: Option<&RoomMeta>) -> &'static str {
    match room {
        Some(meta) if meta.mention => "  [mention]",
        _ => "",
    }
}

/// A stored message as one history line (a body's own line breaks are indented).
pub fn message_line(m: &StoredMessage, account: &BareJid) -> String {
    let arrow = match m.direction {
        Direction::In => "←",
        Direction::Out => "→",
    };
    let ticks = match (m.direction, m.delivered) {
        (Direction::Out, true) => " ✓",
        _ => "",
    };
    format!(
        "{}  {arrow} {:<22} {}{ticks}{}{}",
        local(m.timestamp),
        sender(&m.from, m.direction, account, m.room.as_ref()),
        shown_body(&m.body, m.edited.map(|e| e.kind)).replace('\n', "\n                        "),
        via_note(m.via),
        mention_note(m.room.as_ref())
    )
}

fn view_line(m: &MessageView, account: &BareJid) -> String {
    let arrow = match m.direction {
        Direction::In => "←",
        Direction::Out => "→",
    };
    format!(
        "{}  {} {arrow} {:<22} {}{}{}",
        local(m.timestamp),
        m.conversation,
        sender(&m.from, m.direction, account, m.occupant.as_ref()),
        shown_body(&m.body, m.edited),
        via_note(m.via),
        mention_note(m.occupant.as_ref())
    )
}

/// The devices as a table for people.
pub fn devices_table(devices: &[Device]) -> String {
    if devices.is_empty() {
        return "no devices seen yet\n".into();
    }
    let width = devices
        .iter()
        .map(|d| d.resource.len())
        .max()
        .unwrap_or(8)
        .max(8);
    let mut out = format!(
        "{:<width$}  {:<8}  {:<11}  {:<7}  last seen\n",
        "DEVICE", "TYPE", "STATE", "ONLINE"
    );
    for d in devices {
        out.push_str(&format!(
            "{:<width$}  {:<8}  {:<11}  {:<7}  {}{}\n",
            d.resource,
            d.device_type.as_str(),
            d.show.as_str(),
            if d.online { "yes" } else { "no" },
            local(d.last_seen),
            if d.this_device { "  (this device)" } else { "" },
        ));
    }
    out
}

/// The stored rooms as a table for people (network text kept on one line each).
pub fn rooms_table(rooms: &[Room]) -> String {
    if rooms.is_empty() {
        return "no rooms yet (tandem join ROOM)\n".into();
    }
    let width = rooms
        .iter()
        .map(|r| r.jid.as_str().chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let nicks: Vec<String> = rooms.iter().map(|r| one_line(&r.nick)).collect();
    let nick_width = nicks
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let mut out = format!(
        "{:<width$}  {:<nick_width$}  {:<8}  {:<8}  name\n",
        "ROOM", "NICK", "AUTOJOIN", "NOTIFY"
    );
    for (r, nick) in rooms.iter().zip(&nicks) {
        let mut name = r.name.as_deref().map(one_line).unwrap_or_default();
        if let Some(gone) = &r.gone {
            if !name.is_empty() {
                name.push_str("  ");
            }
            name.push_str(&format!("(gone: {})", one_line(gone)));
        }
        out.push_str(
            format!(
                "{:<width$}  {nick:<nick_width$}  {:<8}  {:<8}  {name}",
                r.jid.as_str(),
                if r.autojoin { "yes" } else { "no" },
                r.notify.as_str(),
            )
            .trim_end(),
        );
        out.push('\n');
    }
    out
}

/// The session's rooms (`listen`'s `rooms`) as text: one line a room, with its occupants.
fn room_views_text(rooms: &[RoomView]) -> String {
    if rooms.is_empty() {
        return "no rooms".into();
    }
    rooms
        .iter()
        .map(|v| {
            let nicks: Vec<String> = v.occupants.iter().map(|o| one_line(&o.nick)).collect();
            format!(
                "{} as {}: {}, notify {}, autojoin {}{}",
                v.room.jid,
                one_line(&v.room.nick),
                status_str(v.status),
                v.room.notify.as_str(),
                if v.room.autojoin { "on" } else { "off" },
                if nicks.is_empty() {
                    String::new()
                } else {
                    format!("; {} here: {}", nicks.len(), nicks.join(", "))
                }
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn status_str(s: RoomStatus) -> &'static str {
    match s {
        RoomStatus::Joining => "joining",
        RoomStatus::Joined => "joined",
        RoomStatus::Left => "left",
        RoomStatus::Gone => "gone",
    }
}

/// A room as `listen --json`'s `rooms` lists it: the stored room, where it stands on this
/// device, and its occupants.
#[derive(Debug, serde::Serialize)]
struct RoomJson<'a> {
    #[serde(flatten)]
    room: &'a Room,
    status: RoomStatus,
    occupants: Vec<OccupantJson<'a>>,
}

/// An occupant as `listen --json`'s `rooms` lists it.
#[derive(Debug, serde::Serialize)]
struct OccupantJson<'a> {
    nick: &'a str,
    role: &'a str,
    affiliation: &'a str,
    jid: Option<String>,
    occupant_id: Option<&'a str>,
}

/// `listen --json`'s answer to `rooms`: `{"event":"rooms","rooms":[...]}`.
#[derive(Debug, serde::Serialize)]
struct RoomsJson<'a> {
    event: &'static str,
    rooms: Vec<RoomJson<'a>>,
}

/// This device's counters as a table for people.
pub fn counters_table(c: &tandem_core::counters::Counters) -> String {
    let mut rows: Vec<(String, String)> = vec![
        (
            "MDMSessions (our devices online)".into(),
            c.sessions.to_string(),
        ),
        (
            "MDMQuietModeSessions".into(),
            c.quiet_mode_sessions.to_string(),
        ),
        (
            "time in quiet mode".into(),
            format!("{:.1} s", c.quiet_mode_millis as f64 / 1000.0),
        ),
        ("MDMBufferFlushes".into(), c.buffer_flushes.to_string()),
        (
            "MDMBufferFlushPacketCount".into(),
            c.buffer_flush_packets.to_string(),
        ),
        (
            "MDMBufferAvgQueuedTime".into(),
            format!("{} ms", c.buffer_avg_queued_millis),
        ),
        ("carbons received".into(), c.carbons_received.to_string()),
        ("carbons sent".into(), c.carbons_sent.to_string()),
        (
            "notifications shown".into(),
            c.notifications_shown.to_string(),
        ),
    ];
    for (reason, n) in &c.notifications_suppressed {
        rows.push((format!("notifications suppressed: {reason}"), n.to_string()));
    }
    rows.push((
        "duplicates dropped".into(),
        c.duplicates_dropped.to_string(),
    ));
    let width = rows
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    rows.iter()
        .map(|(k, v)| format!("{k:<width$}  {v:>8}\n"))
        .collect()
}

/// Prints events as JSON lines or as text for people.
#[derive(Debug)]
pub struct Printer {
    json: bool,
    account: BareJid,
}

impl Printer {
    /// Prints for `account`: JSON lines when `json`, else text.
    pub fn new(json: bool, account: BareJid) -> Self {
        Self { json, account }
    }

    /// Prints one event (text: one line, or nothing for the events people need not see).
    pub fn event(&self, event: &Event) {
        if self.json {
            match serde_json::to_string(event) {
                Ok(line) => println!("{line}"),
                Err(e) => tracing::error!(error = %e, "cannot encode event"),
            }
            return;
        }
        if let Some(text) = self.text(event) {
            print_line(&text);
        }
    }

    /// An event as text for people (not yet made [`terminal_safe`]), or `None` for the
    /// events people need not see.
    pub fn text(&self, event: &Event) -> Option<String> {
        Some(match event {
            Event::Connected { jid, resumed } => {
                format!(
                    "connected as {jid}{}",
                    if *resumed { " (resumed)" } else { "" }
                )
            }
            Event::Disconnected {
                reason: OfflineReason::Requested,
            } => "signed out".into(),
            Event::Disconnected { .. } => "connection lost; reconnecting…".into(),
            Event::Message(m) => view_line(m, &self.account),
            Event::Edited(m) => {
                format!("message {} edited: {}", m.id.0, view_line(m, &self.account))
            }
            Event::Presence { jid, show, delay } => match delay {
                Some(at) => format!("{jid} is {} (since {})", show.as_str(), local(*at)),
                None => format!("{jid} is {}", show.as_str()),
            },
            Event::Device { devices } => {
                let online: Vec<_> = devices
                    .iter()
                    .filter(|d| d.online)
                    .map(|d| format!("{} ({})", d.resource, d.device_type.as_str()))
                    .collect();
                format!("our devices online: {}", online.join(", "))
            }
            Event::Delivered { conversation, id } => {
                format!("{conversation} received message {}", id.0)
            }
            Event::CatchUp {
                stored,
                pages,
                done: true,
                ..
            } => format!("caught up: {stored} new messages from {pages} archive pages"),
            Event::Notification {
                conversation,
                message_id,
                decision,
            } => format!(
                "{} message {} from {conversation}: {}",
                if decision.notifies() {
                    "notify"
                } else {
                    "silent"
                },
                message_id.0,
                decision.as_str()
            ),
            Event::Seen {
                conversation,
                up_to,
            } => format!("{conversation} saw our messages up to message {}", up_to.0),
            Event::Withdrawn { conversation } => {
                format!("notification for {conversation} withdrawn (read elsewhere)")
            }
            Event::Read {
                conversation,
                up_to,
                source,
            } => format!(
                "{conversation} read up to message {} ({})",
                up_to.0,
                source.as_str()
            ),
            Event::Quiet { state, server } => format!(
                "quiet mode {}{}",
                match state {
                    tandem_core::event::QuietState::Inactive => "on (background)",
                    tandem_core::event::QuietState::Active => "off (foreground)",
                },
                if *server {
                    ""
                } else {
                    "; the server does not support it"
                }
            ),
            Event::Counters(c) => counters_table(c).trim_end().to_owned(),
            Event::Room {
                room,
                state,
                reason,
            } => {
                let reason = reason.as_deref().map(one_line);
                match (state, reason) {
                    (RoomStatus::Joining, _) => format!("joining {room}…"),
                    (RoomStatus::Joined, _) => format!("joined {room}"),
                    (RoomStatus::Left, Some(r)) => format!("left {room}: {r}"),
                    (RoomStatus::Left, None) => format!("left {room}"),
                    (RoomStatus::Gone, Some(r)) => format!("{room} is gone: {r}"),
                    (RoomStatus::Gone, None) => format!("{room} is gone"),
                }
            }
            Event::Occupant {
                room,
                nick,
                change,
                role,
                this_is_us,
            } => {
                let who = if *this_is_us {
                    format!("{} (us)", one_line(nick))
                } else {
                    one_line(nick)
                };
                match change {
                    OccupantChange::Joined => format!("{who} is in {room} ({})", one_line(role)),
                    OccupantChange::Left => format!("{who} left {room}"),
                    OccupantChange::Renamed { to } => {
                        format!("{who} is now {} in {room}", one_line(to))
                    }
                }
            }
            Event::RoomCatchUp {
                room,
                stored,
                done: true,
                ..
            } => format!("caught up {room}: {stored} new messages from its archive"),
            Event::Bookmarked { room, autojoin } => {
                if *autojoin {
                    format!("{room} is bookmarked: every device joins it")
                } else {
                    format!("{room} is bookmarked without autojoin: every device leaves it")
                }
            }
            Event::Invite { room, from, reason } => match reason.as_deref().map(one_line) {
                Some(r) if !r.is_empty() => {
                    format!("{from} invites us to {room}: {r} (join {room})")
                }
                _ => format!("{from} invites us to {room} (join {room})"),
            },
            Event::Error { message, .. } => format!("error: {}", one_line(message)),
            _ => return None,
        })
    }

    /// Prints the session's rooms (`listen`'s `rooms`): one JSON line, or a line a room.
    pub fn rooms(&self, rooms: &[RoomView]) {
        if self.json {
            let line = RoomsJson {
                event: "rooms",
                rooms: rooms
                    .iter()
                    .map(|v| RoomJson {
                        room: &v.room,
                        status: v.status,
                        occupants: v
                            .occupants
                            .iter()
                            .map(|o| OccupantJson {
                                nick: &o.nick,
                                role: &o.role,
                                affiliation: &o.affiliation,
                                jid: o.jid.as_ref().map(|j| j.to_string()),
                                occupant_id: o.occupant_id.as_deref(),
                            })
                            .collect(),
                    })
                    .collect(),
            };
            match serde_json::to_string(&line) {
                Ok(line) => println!("{line}"),
                Err(e) => tracing::error!(error = %e, "cannot encode rooms"),
            }
            return;
        }
        print_line(&room_views_text(rooms));
    }

    /// Prints a command's failure as an error event.
    pub fn error(&self, message: &str) {
        self.event(&Event::Error {
            kind: ErrorKind::Command,
            message: message.to_owned(),
        });
    }
}

#[cfg(test)]
mod safety_tests {
    use super::terminal_safe;

    #[test]
    fn bidi_and_control_characters_are_shown_not_obeyed() {
        let cases = [
            (
                "plain text, üñíçødé and emoji 🎉",
                "plain text, üñíçødé and emoji 🎉",
            ),
            ("two\nlines", "two\nlines"),
            ("invoice\u{202E}fdp.exe", "invoice\\u{202e}fdp.exe"),
            ("\u{2066}isolate\u{2069}", "\\u{2066}isolate\\u{2069}"),
            (
                "\u{1b}[2J\u{1b}]0;owned\u{7}",
                "\\u{1b}[2J\\u{1b}]0;owned\\u{7}",
            ),
            (
                "c1 \u{9b}31m and nel \u{85}",
                "c1 \\u{9b}31m and nel \\u{85}",
            ),
            ("cr\rtab\tdel\u{7f}", "cr\\u{d}tab\\u{9}del\\u{7f}"),
            (
                "marks \u{200E}\u{200F}\u{61C}",
                "marks \\u{200e}\\u{200f}\\u{61c}",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(terminal_safe(input), want, "{input:?}");
        }
    }
}

#[cfg(test)]
mod room_tests {
    use chrono::Utc;
    use tandem_core::event::{ChatKind, Event, MessageView, OccupantChange, RoomStatus};
    use tandem_core::model::{DedupKeys, Direction, MessageId, StoredMessage, Via};
    use tandem_core::room::{Room, RoomMeta, RoomNotify};

    use super::{message_line, rooms_table, terminal_safe, Printer};

    fn alice() -> jid::BareJid {
        "alice@example.org".parse().expect("jid")
    }

    fn lounge() -> jid::BareJid {
        "lounge@conference.example.org".parse().expect("jid")
    }

    fn text(event: Event) -> String {
        let printer = Printer::new(false, alice());
        let text = printer.text(&event).expect("printed");
        terminal_safe(&text).into_owned()
    }

    fn stored(nick: &str, direction: Direction, mention: bool) -> StoredMessage {
        StoredMessage {
            id: MessageId(1),
            conversation: lounge(),
            body: "hello".into(),
            direction,
            from: format!("{}/{nick}", lounge()).parse().expect("jid"),
            timestamp: Utc::now(),
            read: true,
            delivered: false,
            seen: false,
            via: Via::Live,
            keys: DedupKeys {
                stanza_id: None,
                origin_id: None,
            },
            stanza_attr_id: None,
            rank: 0,
            room: Some(RoomMeta {
                nick: nick.into(),
                occupant_id: None,
                mention,
            }),
            edited: None,
        }
    }

    #[test]
    fn room_events_are_one_line_each_and_cannot_drive_the_terminal() {
        let cases = [
            (
                Event::Room {
                    room: lounge(),
                    state: RoomStatus::Joined,
                    reason: None,
                },
                "joined lounge@conference.example.org",
            ),
            (
                Event::Room {
                    room: lounge(),
                    state: RoomStatus::Left,
                    reason: Some("kicked:\nconnected as mallory".into()),
                },
                "left lounge@conference.example.org: kicked: connected as mallory",
            ),
            (
                Event::Room {
                    room: lounge(),
                    state: RoomStatus::Gone,
                    reason: Some("the room was destroyed: \u{1b}[2Jbye".into()),
                },
                "lounge@conference.example.org is gone: the room was destroyed: \\u{1b}[2Jbye",
            ),
            (
                Event::Occupant {
                    room: lounge(),
                    nick: "bob".into(),
                    change: OccupantChange::Joined,
                    role: "participant".into(),
                    this_is_us: false,
                },
                "bob is in lounge@conference.example.org (participant)",
            ),
            (
                Event::Occupant {
                    room: lounge(),
                    nick: "alice".into(),
                    change: OccupantChange::Renamed { to: "ally".into() },
                    role: "participant".into(),
                    this_is_us: true,
                },
                "alice (us) is now ally in lounge@conference.example.org",
            ),
            (
                Event::Occupant {
                    room: lounge(),
                    nick: "bob".into(),
                    change: OccupantChange::Left,
                    role: "none".into(),
                    this_is_us: false,
                },
                "bob left lounge@conference.example.org",
            ),
            (
                Event::RoomCatchUp {
                    room: lounge(),
                    stored: 3,
                    duplicates: 1,
                    done: true,
                },
                "caught up lounge@conference.example.org: 3 new messages from its archive",
            ),
            (
                Event::Invite {
                    room: lounge(),
                    from: "bob@example.org".parse().expect("jid"),
                    reason: Some("come\nalong \u{202E}now".into()),
                },
                "bob@example.org invites us to lounge@conference.example.org: come along \\u{202e}now (join lounge@conference.example.org)",
            ),
        ];
        for (event, want) in cases {
            assert_eq!(text(event), want);
        }
        // A room's catch-up in progress is not for people.
        let printer = Printer::new(false, alice());
        assert!(printer
            .text(&Event::RoomCatchUp {
                room: lounge(),
                stored: 3,
                duplicates: 0,
                done: false,
            })
            .is_none());
    }

    #[test]
    fn a_room_message_is_from_its_occupant_and_a_mention_is_marked() {
        let line = message_line(&stored("bob", Direction::In, true), &alice());
        assert!(line.contains("← bob "), "{line}");
        assert!(line.ends_with("hello  [mention]"), "{line}");
        assert!(!line.contains("lounge@"), "{line}");
        let line = message_line(&stored("alice", Direction::Out, false), &alice());
        assert!(line.contains("→ me "), "{line}");
        assert!(line.ends_with("hello"), "{line}");
        let view = MessageView::from(&stored("bob", Direction::In, false));
        assert_eq!(view.kind, ChatKind::Groupchat);
        let line = text(Event::Message(view));
        assert!(
            line.contains("lounge@conference.example.org ← bob "),
            "{line}"
        );
    }

    #[test]
    fn the_rooms_table_keeps_network_text_on_one_line() {
        let rooms = [
            Room {
                jid: lounge(),
                name: Some("The\nLounge".into()),
                nick: "alice".into(),
                autojoin: true,
                notify: RoomNotify::Mentions,
                gone: None,
            },
            Room {
                jid: "old@conference.example.org".parse().expect("jid"),
                name: None,
                nick: "ally".into(),
                autojoin: false,
                notify: RoomNotify::None,
                gone: Some("the room was\ndestroyed".into()),
            },
        ];
        let table = rooms_table(&rooms);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 3, "{table}");
        assert!(lines[0].starts_with("ROOM"), "{table}");
        assert!(
            lines[1].contains("alice") && lines[1].contains("yes") && lines[1].contains("mentions"),
            "{table}"
        );
        assert!(lines[1].ends_with("The Lounge"), "{table}");
        assert!(
            lines[2].contains("no") && lines[2].contains("none"),
            "{table}"
        );
        assert!(
            lines[2].ends_with("(gone: the room was destroyed)"),
            "{table}"
        );
        assert_eq!(rooms_table(&[]), "no rooms yet (tandem join ROOM)\n");
    }
}
