//! The notification decision: which device shows an incoming message.
//!
//! An incoming message notifies on the active device only ([`crate::activity`]); when no
//! device is active, on every device. Never for our own messages, for archive or catch-up
//! copies, or for a conversation already read past that message. Every device runs the same
//! rule on what it sees, so with the same observations exactly one device notifies, or all
//! of them do.
//!
//! Each decision is a value with its reason ([`Decision`]), so front ends and the scenario
//! runner can show or assert why a message stayed silent. A notification already shown is
//! withdrawn once the conversation is read up to or past it, on any device ([`withdraws`]).

use chrono::{DateTime, Utc};
use jid::BareJid;
use serde::{Deserialize, Serialize};

use crate::activity::Activity;
use crate::model::{Direction, MessageId, StoredMessage, Via};
use crate::readstate::ReadPosition;

/// What the notification decision needs to know about a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotifyInput {
    /// In or out.
    pub direction: Direction,
    /// How this copy reached this device.
    pub via: Via,
    /// Its row id.
    pub id: MessageId,
    /// Its server time.
    pub timestamp: DateTime<Utc>,
    /// Its rank within the second ([`StoredMessage::rank`]).
    pub rank: i64,
}

impl NotifyInput {
    /// Its position in the conversation, for comparison with the read state.
    pub fn position(&self) -> ReadPosition {
        ReadPosition::ranked(self.id, self.timestamp, self.rank)
    }
}

impl From<&StoredMessage> for NotifyInput {
    fn from(m: &StoredMessage) -> Self {
        Self {
            direction: m.direction,
            via: m.via,
            id: m.id,
            timestamp: m.timestamp,
            rank: m.rank,
        }
    }
}

/// Why a message does not notify on this device.
///
/// Serialised as an object tagged by a `reason` field, e.g.
/// `{"reason":"active_elsewhere","device":"phone"}` or `{"reason":"catch_up"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "reason", rename_all = "snake_case")]
#[non_exhaustive]
pub enum SilentReason {
    /// Another of our devices is active; it notifies instead.
    ActiveElsewhere {
        /// The active device's resource.
        device: String,
    },
    /// We sent it, from this device or another (a sent carbon).
    OwnMessage,
    /// A copy fetched from the archive during catch-up.
    CatchUp,
    /// The conversation was already read up to or past it.
    AlreadyRead,
    /// The conversation is on screen in this device's focused window: it is read at once.
    Viewing,
    /// A room set to notify for mentions only (the default), and this one does not
    /// mention us.
    NotMentioned,
    /// A room set to notify for nothing.
    RoomMuted,
}

impl SilentReason {
    /// The stable text form (`active_elsewhere`, `own_message`, `catch_up`, `already_read`,
    /// `viewing`).
    pub fn as_str(&self) -> &'static str {
        match self {
            SilentReason::ActiveElsewhere { .. } => "active_elsewhere",
            SilentReason::OwnMessage => "own_message",
            SilentReason::CatchUp => "catch_up",
            SilentReason::AlreadyRead => "already_read",
            SilentReason::Viewing => "viewing",
            SilentReason::NotMentioned => "not_mentioned",
            SilentReason::RoomMuted => "room_muted",
        }
    }
}

/// Whether this device notifies for a message, and if not, why.
///
/// Serialised as an object tagged by a `decision` field, the reason's fields alongside:
/// `{"decision":"notify"}`, `{"decision":"silent","reason":"own_message"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    /// Show a notification.
    Notify,
    /// Stay silent, for this reason.
    Silent(SilentReason),
}

impl Decision {
    /// Whether to show a notification.
    pub fn notifies(&self) -> bool {
        matches!(self, Decision::Notify)
    }

    /// The stable text form: `notify`, or the reason's ([`SilentReason::as_str`]).
    pub fn as_str(&self) -> &'static str {
        match self {
            Decision::Notify => "notify",
            Decision::Silent(reason) => reason.as_str(),
        }
    }
}

/// Rule: our own messages never notify, whichever device sent them.
fn own_message(msg: &NotifyInput) -> bool {
    msg.direction == Direction::Out || matches!(msg.via, Via::Local | Via::CarbonSent)
}

/// Rule: copies fetched from the archive during catch-up never notify; the user is told
/// about them by the conversation list, not one alert per message.
fn catch_up(msg: &NotifyInput) -> bool {
    msg.via == Via::Archive
}

/// Rule: a message the conversation was already read up to or past does not notify.
fn already_read(msg: &NotifyInput, read_up_to: Option<&ReadPosition>) -> bool {
    read_up_to.is_some_and(|read| msg.position() <= *read)
}

/// Rule: a conversation is being viewed on this device when it is the one on screen and the
/// app is in the foreground (not after `background()`: a hidden window shows nothing).
pub fn viewing(on_screen: Option<&BareJid>, in_background: bool, conversation: &BareJid) -> bool {
    !in_background && on_screen == Some(conversation)
}

/// Rule: when another of our devices is active, it notifies and this one stays silent.
/// Returns that device's resource.
fn active_elsewhere(activity: &Activity, now: DateTime<Utc>) -> Option<&str> {
    activity
        .active_device(now)
        .filter(|device| *device != activity.me())
}

/// Decides whether this device notifies for `msg`.
///
/// `activity` is what this device knows of our devices' activity, `read_up_to` the
/// conversation's read state ([`crate::readstate`]), `viewing` whether the conversation is
/// on screen here ([`viewing`]), `now` the current time. Checks, in order:
/// [`SilentReason::OwnMessage`], [`SilentReason::CatchUp`], [`SilentReason::AlreadyRead`],
/// [`SilentReason::Viewing`], [`SilentReason::ActiveElsewhere`]; a message that passes them
/// all notifies, whether this device is the active one or no device is active.
///
/// Viewing comes before active-elsewhere: the user is looking at this conversation here,
/// whatever another device's last presence says. It comes after already-read, which is a
/// fact about the message (a viewing device reads only what is not read yet).
pub fn decide(
    msg: &NotifyInput,
    activity: &Activity,
    read_up_to: Option<&ReadPosition>,
    viewing: bool,
    now: DateTime<Utc>,
) -> Decision {
    let reason = if own_message(msg) {
        SilentReason::OwnMessage
    } else if catch_up(msg) {
        SilentReason::CatchUp
    } else if already_read(msg, read_up_to) {
        SilentReason::AlreadyRead
    } else if viewing {
        SilentReason::Viewing
    } else if let Some(device) = active_elsewhere(activity, now) {
        SilentReason::ActiveElsewhere {
            device: device.to_owned(),
        }
    } else {
        return Decision::Notify;
    };
    Decision::Silent(reason)
}

/// Rule: a notification shown for the message at `notified` is withdrawn once the
/// conversation is read up to or past it (`read_up_to`), on this device or another. Both
/// positions are of the same conversation.
pub fn withdraws(notified: &ReadPosition, read_up_to: &ReadPosition) -> bool {
    notified <= read_up_to
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::{Signal, DEFAULT_WINDOW};
    use crate::testing::{at, bob, colin, jid, pos};

    /// Message 10 from the contact at t=100, as `via` delivered it.
    fn incoming(via: Via) -> NotifyInput {
        NotifyInput {
            direction: Direction::In,
            via,
            id: MessageId(10),
            timestamp: at(100),
            rank: 10,
        }
    }

    /// What device `me` knows after these observations.
    fn activity(me: &str, observations: Observations) -> Activity {
        let mut activity = Activity::new(me, DEFAULT_WINDOW);
        for (resource, signal, secs) in observations {
            activity.observe(resource, *signal, at(*secs));
        }
        activity
    }

    /// (resource, signal, seconds) in the order they are observed.
    type Observations<'a> = &'a [(&'a str, Signal, i64)];

    fn silent(reason: SilentReason) -> Decision {
        Decision::Silent(reason)
    }
    fn elsewhere(device: &str) -> Decision {
        silent(SilentReason::ActiveElsewhere {
            device: device.into(),
        })
    }

    #[test]
    fn own_messages_never_notify() {
        let nobody = activity("laptop", &[]);
        // (direction, via)
        let cases = [
            (Direction::Out, Via::Local),
            (Direction::Out, Via::CarbonSent),
            (Direction::Out, Via::Live),
            (Direction::Out, Via::Archive),
            (Direction::In, Via::CarbonSent),
            (Direction::In, Via::Local),
        ];
        for (direction, via) in cases {
            let msg = NotifyInput {
                direction,
                ..incoming(via)
            };
            assert_eq!(
                decide(&msg, &nobody, None, false, at(100)),
                silent(SilentReason::OwnMessage),
                "{direction:?} via {via:?}"
            );
        }
    }

    #[test]
    fn archive_and_catch_up_copies_never_notify() {
        // Even when this device is the active one.
        for act in [
            activity("laptop", &[]),
            activity("laptop", &[("laptop", Signal::Available, 90)]),
        ] {
            assert_eq!(
                decide(&incoming(Via::Archive), &act, None, false, at(100)),
                silent(SilentReason::CatchUp)
            );
        }
    }

    #[test]
    fn a_conversation_read_up_to_or_past_the_message_does_not_notify() {
        let nobody = activity("laptop", &[]);
        // (read state, expected)
        let cases = [
            (None, Decision::Notify),
            (Some(pos(5, 50)), Decision::Notify),
            // Same second, earlier row: not yet read.
            (Some(pos(9, 100)), Decision::Notify),
            (Some(pos(10, 100)), silent(SilentReason::AlreadyRead)),
            (Some(pos(11, 100)), silent(SilentReason::AlreadyRead)),
            (Some(pos(3, 200)), silent(SilentReason::AlreadyRead)),
        ];
        for (read, want) in cases {
            assert_eq!(
                decide(&incoming(Via::Live), &nobody, read.as_ref(), false, at(100)),
                want,
                "read up to {read:?}"
            );
        }
    }

    #[test]
    fn an_incoming_message_notifies_on_the_active_device_only() {
        // (what it protects, observations, expected on "laptop")
        let cases: &[(&str, Observations, Decision)] = &[
            (
                "we are active",
                &[
                    ("phone", Signal::Available, 50),
                    ("laptop", Signal::SentMessage, 90),
                ],
                Decision::Notify,
            ),
            (
                "the phone is active",
                &[
                    ("laptop", Signal::Available, 50),
                    ("phone", Signal::SentMessage, 90),
                ],
                elsewhere("phone"),
            ),
            ("nobody is active", &[], Decision::Notify),
            (
                "the phone's activity is outside the window",
                &[("phone", Signal::Available, -300)],
                Decision::Notify,
            ),
            (
                "the phone went to the background",
                &[
                    ("phone", Signal::Available, 50),
                    ("phone", Signal::Away, 60),
                ],
                Decision::Notify,
            ),
            (
                "we went to the background, the phone is still active",
                &[
                    ("phone", Signal::Available, 50),
                    ("laptop", Signal::Available, 60),
                    ("laptop", Signal::Away, 70),
                ],
                elsewhere("phone"),
            ),
        ];
        for via in [Via::Live, Via::CarbonReceived] {
            for (name, observations, want) in cases {
                let act = activity("laptop", observations);
                assert_eq!(
                    &decide(&incoming(via), &act, None, false, at(100)),
                    want,
                    "{name} via {via:?}"
                );
            }
        }
    }

    #[test]
    fn exactly_one_device_notifies_or_all_do() {
        let devices = ["laptop", "phone", "tablet"];
        let scenarios: &[Observations] = &[
            &[],
            &[("phone", Signal::Available, 90)],
            &[
                ("phone", Signal::Available, 80),
                ("tablet", Signal::SentMessage, 90),
            ],
            &[
                ("phone", Signal::Available, 80),
                ("phone", Signal::Away, 90),
            ],
            &[("laptop", Signal::Available, -500)],
        ];
        for observations in scenarios {
            let notifying = devices
                .iter()
                .filter(|me| {
                    decide(
                        &incoming(Via::Live),
                        &activity(me, observations),
                        None,
                        false,
                        at(100),
                    )
                    .notifies()
                })
                .count();
            assert!(
                notifying == 1 || notifying == devices.len(),
                "{observations:?}: {notifying} devices notify"
            );
        }
    }

    /// (what it protects, message, activity, read state, viewing, expected)
    type OrderCase<'a> = (
        &'a str,
        NotifyInput,
        &'a Activity,
        Option<ReadPosition>,
        bool,
        Decision,
    );

    #[test]
    fn checks_run_in_order_own_catch_up_read_viewing_active() {
        let phone_active = activity("laptop", &[("phone", Signal::Available, 90)]);
        let nobody = activity("laptop", &[]);
        let read = Some(pos(20, 200));
        let own_archived = NotifyInput {
            direction: Direction::Out,
            ..incoming(Via::Archive)
        };
        let cases: &[OrderCase] = &[
            (
                "own and archived: own",
                own_archived,
                &phone_active,
                read,
                true,
                silent(SilentReason::OwnMessage),
            ),
            (
                "archived, read and viewed: catch-up",
                incoming(Via::Archive),
                &phone_active,
                read,
                true,
                silent(SilentReason::CatchUp),
            ),
            (
                "read, viewed and another device active: already read",
                incoming(Via::Live),
                &phone_active,
                read,
                true,
                silent(SilentReason::AlreadyRead),
            ),
            (
                "viewed while another device is active: viewing",
                incoming(Via::Live),
                &phone_active,
                None,
                true,
                silent(SilentReason::Viewing),
            ),
            (
                "a carbon of a message viewed here: viewing",
                incoming(Via::CarbonReceived),
                &phone_active,
                None,
                true,
                silent(SilentReason::Viewing),
            ),
            (
                "viewed and nobody active: viewing, not a popup",
                incoming(Via::Live),
                &nobody,
                None,
                true,
                silent(SilentReason::Viewing),
            ),
            (
                "only another device active",
                incoming(Via::Live),
                &phone_active,
                None,
                false,
                elsewhere("phone"),
            ),
        ];
        for (name, msg, act, read, viewing, want) in cases {
            assert_eq!(
                &decide(msg, act, read.as_ref(), *viewing, at(100)),
                want,
                "{name}"
            );
        }
    }

    #[test]
    fn a_conversation_is_viewed_only_when_on_screen_in_the_foreground() {
        let bob = bob();
        let colin = colin();
        // (on screen, in the background, viewed)
        let cases = [
            (Some(&bob), false, true),
            (Some(&bob), true, false),
            (Some(&colin), false, false),
            (None, false, false),
            (None, true, false),
        ];
        for (on_screen, background, want) in cases {
            assert_eq!(
                viewing(on_screen, background, &bob),
                want,
                "{on_screen:?}, background {background}"
            );
        }
    }

    #[test]
    fn decisions_have_stable_text_forms() {
        let cases = [
            (Decision::Notify, "notify"),
            (elsewhere("phone"), "active_elsewhere"),
            (silent(SilentReason::OwnMessage), "own_message"),
            (silent(SilentReason::CatchUp), "catch_up"),
            (silent(SilentReason::AlreadyRead), "already_read"),
            (silent(SilentReason::Viewing), "viewing"),
        ];
        for (decision, text) in cases {
            assert_eq!(decision.as_str(), text);
            assert_eq!(decision.notifies(), text == "notify");
        }
    }

    #[test]
    fn a_notification_is_withdrawn_once_read_up_to_or_past_it() {
        let notified = pos(10, 100);
        // (read up to, withdrawn)
        let cases = [
            (pos(5, 50), false),
            (pos(9, 100), false),
            (pos(10, 100), true),
            (pos(11, 100), true),
            (pos(3, 200), true),
        ];
        for (read, want) in cases {
            assert_eq!(withdraws(&notified, &read), want, "read up to {read:?}");
        }
    }

    #[test]
    fn the_input_is_taken_from_the_stored_message() {
        let m = StoredMessage {
            id: MessageId(10),
            conversation: bob(),
            body: "hi".into(),
            direction: Direction::In,
            from: jid("bob@example.org/x"),
            timestamp: at(100),
            read: false,
            delivered: false,
            seen: false,
            via: Via::CarbonReceived,
            keys: Default::default(),
            stanza_attr_id: None,
            rank: 10,
            room: None,
            edited: None,
        };
        let input = NotifyInput::from(&m);
        assert_eq!(input, incoming(Via::CarbonReceived));
        assert_eq!(input.position(), pos(10, 100));
    }
}
