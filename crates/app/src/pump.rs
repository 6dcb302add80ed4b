//! The event pump: forwards every engine event to the UI, in order, and turns the engine's
//! notification decisions into notifications shown and withdrawn.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use jid::BareJid;
use tandem_client::Events;
use tandem_core::event::{ChatKind, Event, MessageView};
use tandem_core::model::{Direction, MessageId};
use tandem_core::notify::Decision;

use crate::{EventSink, Notice, Notifier};

/// Message texts kept for the notification that follows a `message` event.
const RECENT: usize = 256;
/// Longest text shown in a notification, in characters.
const NOTICE_CHARS: usize = 200;
/// Longest nick shown in a room notification's title, in characters.
const NICK_CHARS: usize = 40;

pub(crate) fn spawn(
    mut events: Events,
    sink: EventSink,
    notifier: Arc<dyn Notifier>,
    enabled: Arc<AtomicBool>,
    account: BareJid,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut recent = Recent::default();
        while let Some(event) = events.recv().await {
            match &event {
                Event::Message(m) if m.direction == Direction::In => {
                    recent.remember(m.id, Seen::of(m));
                }
                Event::Notification {
                    conversation,
                    message_id,
                    decision: Decision::Notify,
                } => {
                    if enabled.load(Ordering::SeqCst) {
                        notifier.show(notice(conversation, *message_id, recent.get(*message_id)));
                    } else {
                        tracing::debug!(%conversation, "notifications are off; not shown");
                    }
                }
                Event::Withdrawn { conversation } | Event::Read { conversation, .. } => {
                    notifier.withdraw(conversation);
                }
                _ => {}
            }
            sink(&event);
        }
        tracing::debug!(%account, "session events ended");
    })
}

fn notice(conversation: &BareJid, message_id: MessageId, seen: Option<&Seen>) -> Notice {
    let body = seen.map_or("New message", |s| s.body.as_str());
    let mut short: String = body.chars().take(NOTICE_CHARS).collect();
    if short.len() < body.len() {
        short.push('…');
    }
    let title = match seen.and_then(|s| s.nick.as_deref()) {
        // A room message: who wrote it, and where.
        Some(nick) => format!("{} in {conversation}", short_nick(nick)),
        None => conversation.to_string(),
    };
    Notice {
        conversation: conversation.clone(),
        message_id,
        title,
        body: short,
    }
}

/// A nick for a notification's title: one line, not too long.
fn short_nick(nick: &str) -> String {
    let line: String = nick.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut short: String = line.chars().take(NICK_CHARS).collect();
    if short.len() < line.len() {
        short.push('…');
    }
    short
}

/// What a notification shows of a message that was just stored.
struct Seen {
    body: String,
    /// The occupant who wrote it, for a room message.
    nick: Option<String>,
}

impl Seen {
    fn of(m: &MessageView) -> Self {
        Self {
            body: m.body.clone(),
            nick: m
                .occupant
                .as_ref()
                .filter(|_| m.kind == ChatKind::Groupchat)
                .map(|o| o.nick.clone()),
        }
    }
}

#[derive(Default)]
struct Recent {
    order: VecDeque<MessageId>,
    bodies: HashMap<MessageId, Seen>,
}

impl Recent {
    fn remember(&mut self, id: MessageId, body: Seen) {
        if self.bodies.insert(id, body).is_none() {
            self.order.push_back(id);
        }
        while self.order.len() > RECENT {
            if let Some(old) = self.order.pop_front() {
                self.bodies.remove(&old);
            }
        }
    }

    fn get(&self, id: MessageId) -> Option<&Seen> {
        self.bodies.get(&id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(body: &str) -> Seen {
        Seen {
            body: body.into(),
            nick: None,
        }
    }

    #[test]
    fn long_bodies_are_shortened_on_a_character_boundary() {
        let peer: BareJid = "bob@example.org".parse().expect("jid");
        let n = notice(&peer, MessageId(1), Some(&text(&"é".repeat(500))));
        assert_eq!(n.body.chars().count(), NOTICE_CHARS + 1);
        assert!(n.body.ends_with('…'));
        assert_eq!(n.title, "bob@example.org");
        let short = notice(&peer, MessageId(2), Some(&text("hi")));
        assert_eq!(short.body, "hi");
        assert_eq!(notice(&peer, MessageId(3), None).body, "New message");
    }

    #[test]
    fn a_room_notification_names_the_occupant_and_the_room() {
        let room: BareJid = "tea@conference.example.org".parse().expect("jid");
        let seen = Seen {
            body: "alice: tea?".into(),
            nick: Some("bob\n  the builder".into()),
        };
        let n = notice(&room, MessageId(1), Some(&seen));
        assert_eq!(n.title, "bob the builder in tea@conference.example.org");
        assert_eq!(n.body, "alice: tea?");
        let long = Seen {
            body: "hi".into(),
            nick: Some("n".repeat(100)),
        };
        let n = notice(&room, MessageId(2), Some(&long));
        assert!(
            n.title
                .starts_with(&format!("{}… in ", "n".repeat(NICK_CHARS))),
            "{}",
            n.title
        );
    }

    #[test]
    fn recent_bodies_are_bounded() {
        let mut r = Recent::default();
        for i in 0..(RECENT as i64 + 10) {
            r.remember(MessageId(i), text(&format!("m{i}")));
        }
        assert!(r.get(MessageId(0)).is_none());
        assert_eq!(
            r.get(MessageId(RECENT as i64 + 9)).map(|s| s.body.as_str()),
            Some(&*format!("m{}", RECENT + 9))
        );
        assert_eq!(r.bodies.len(), RECENT);
    }
}
