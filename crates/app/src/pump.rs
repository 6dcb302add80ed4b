//! The event pump: forwards every engine event to the UI, in order, and turns the engine's
//! notification decisions into notifications shown and withdrawn.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use jid::BareJid;
use tandem_client::Events;
use tandem_core::event::Event;
use tandem_core::model::{Direction, MessageId};
use tandem_core::notify::Decision;

use crate::{EventSink, Notice, Notifier};

/// Message texts kept for the notification that follows a `message` event.
const RECENT: usize = 256;
/// Longest text shown in a notification, in characters.
const NOTICE_CHARS: usize = 200;

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
                    recent.remember(m.id, m.body.clone());
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

fn notice(conversation: &BareJid, message_id: MessageId, body: Option<&str>) -> Notice {
    let body = body.unwrap_or("New message");
    let mut short: String = body.chars().take(NOTICE_CHARS).collect();
    if short.len() < body.len() {
        short.push('…');
    }
    Notice {
        conversation: conversation.clone(),
        message_id,
        title: conversation.to_string(),
        body: short,
    }
}

#[derive(Default)]
struct Recent {
    order: VecDeque<MessageId>,
    bodies: HashMap<MessageId, String>,
}

impl Recent {
    fn remember(&mut self, id: MessageId, body: String) {
        if self.bodies.insert(id, body).is_none() {
            self.order.push_back(id);
        }
        while self.order.len() > RECENT {
            if let Some(old) = self.order.pop_front() {
                self.bodies.remove(&old);
            }
        }
    }

    fn get(&self, id: MessageId) -> Option<&str> {
        self.bodies.get(&id).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_bodies_are_shortened_on_a_character_boundary() {
        let peer: BareJid = "bob@example.org".parse().expect("jid");
        let n = notice(&peer, MessageId(1), Some(&"é".repeat(500)));
        assert_eq!(n.body.chars().count(), NOTICE_CHARS + 1);
        assert!(n.body.ends_with('…'));
        assert_eq!(n.title, "bob@example.org");
        let short = notice(&peer, MessageId(2), Some("hi"));
        assert_eq!(short.body, "hi");
    }

    #[test]
    fn recent_bodies_are_bounded() {
        let mut r = Recent::default();
        for i in 0..(RECENT as i64 + 10) {
            r.remember(MessageId(i), format!("m{i}"));
        }
        assert!(r.get(MessageId(0)).is_none());
        assert_eq!(
            r.get(MessageId(RECENT as i64 + 9)),
            Some(&*format!("m{}", RECENT + 9))
        );
        assert_eq!(r.bodies.len(), RECENT);
    }
}
