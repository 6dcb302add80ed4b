//! Text for people: aligned columns, local times, no debug dumps.

use chrono::{DateTime, Local, Utc};
use jid::{BareJid, Jid};
use tandem_client::profile::{PasswordStore, Settings};
use tandem_core::event::{ErrorKind, Event, MessageView, OfflineReason};
use tandem_core::model::{Device, Direction, StoredMessage, Via};

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

/// Prints a line of human output, made [`terminal_safe`].
pub fn print_line(text: &str) {
    println!("{}", terminal_safe(text));
}

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

fn sender(from: &Jid, direction: Direction, account: &BareJid) -> String {
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
        "{}  {arrow} {:<22} {}{ticks}{}",
        local(m.timestamp),
        sender(&m.from, m.direction, account),
        m.body.replace('\n', "\n                        "),
        via_note(m.via)
    )
}

fn view_line(m: &MessageView, account: &BareJid) -> String {
    let arrow = match m.direction {
        Direction::In => "←",
        Direction::Out => "→",
    };
    format!(
        "{}  {} {arrow} {:<22} {}{}",
        local(m.timestamp),
        m.conversation,
        sender(&m.from, m.direction, account),
        m.body,
        via_note(m.via)
    )
}

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
    pub fn new(json: bool, account: BareJid) -> Self {
        Self { json, account }
    }

    pub fn event(&self, event: &Event) {
        if self.json {
            match serde_json::to_string(event) {
                Ok(line) => println!("{line}"),
                Err(e) => tracing::error!(error = %e, "cannot encode event"),
            }
            return;
        }
        let text = match event {
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
            Event::Error { message, .. } => format!("error: {message}"),
            _ => return,
        };
        print_line(&text);
    }

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
