//! The active device: which of our devices the user is at right now.
//!
//! A device of ours is *active* when it is the one that most recently sent Available
//! presence or a message, and that happened within the active window ([`DEFAULT_WINDOW`],
//! five minutes, configurable). There is no coordinator: each device works it out itself from
//! what it sees, and feeds every such observation to [`Activity::observe`]:
//!
//! * its own presence and its own sends (the resource is its own);
//! * our other devices' presence (available, or away / xa / dnd / unavailable);
//! * our other devices' messages, seen as sent carbons (XEP-0280 `<sent/>`), under the
//!   resource of the carbon's inner `from`.
//!
//! A device going to the background announces it (presence away), so it stops being active
//! at once; coming to the foreground sends Available presence, which makes it active.
//!
//! Times are the caller's: pass the time each signal happened (server time where the stanza
//! carries one, else arrival), and `now` when asking.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use crate::model::Show;

/// How long after its last Available presence or message a device stays active, unless it
/// goes away first: five minutes.
pub const DEFAULT_WINDOW: Duration = ActiveWindow::DEFAULT.duration();

/// The active window, validated: the one type every front end (CLI, app, scenarios, demo)
/// and the engine use, with one default and one set of bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ActiveWindow(Duration);

/// An active window out of bounds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the active window must be between {} and {} (got {})", secs(*min), secs(*max), secs(*got))]
pub struct WindowError {
    /// What was asked for.
    pub got: Duration,
    /// The shortest allowed.
    pub min: Duration,
    /// The longest allowed.
    pub max: Duration,
}

fn secs(d: Duration) -> String {
    match d.as_secs() {
        s if s >= 3600 && s % 3600 == 0 => format!("{} h", s / 3600),
        s if s >= 60 && s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

impl ActiveWindow {
    /// The spec's five minutes.
    pub const DEFAULT: ActiveWindow = ActiveWindow(Duration::from_secs(5 * 60));
    /// The shortest window at all (scenarios and tests use a few seconds).
    pub const MIN: Duration = Duration::from_secs(1);
    /// The longest window: a day.
    pub const MAX: Duration = Duration::from_secs(24 * 3600);
    /// The shortest window a person sets in a settings screen: shorter ones make the active
    /// device change while the user reads.
    pub const USER_MIN: Duration = Duration::from_secs(30);

    /// A window of `d`, within [`Self::MIN`]..=[`Self::MAX`].
    pub fn new(d: Duration) -> Result<Self, WindowError> {
        Self::bounded(d, Self::MIN)
    }

    /// A window of `secs` seconds, within [`Self::MIN`]..=[`Self::MAX`].
    pub fn from_secs(secs: u64) -> Result<Self, WindowError> {
        Self::new(Duration::from_secs(secs))
    }

    /// A window set by a person in a settings screen: within
    /// [`Self::USER_MIN`]..=[`Self::MAX`].
    pub fn user_setting(secs: u64) -> Result<Self, WindowError> {
        Self::bounded(Duration::from_secs(secs), Self::USER_MIN)
    }

    fn bounded(d: Duration, min: Duration) -> Result<Self, WindowError> {
        if (min..=Self::MAX).contains(&d) {
            Ok(Self(d))
        } else {
            Err(WindowError {
                got: d,
                min,
                max: Self::MAX,
            })
        }
    }

    /// Its length.
    pub const fn duration(self) -> Duration {
        self.0
    }

    /// Its length in whole seconds.
    pub const fn secs(self) -> u64 {
        self.0.as_secs()
    }
}

impl Default for ActiveWindow {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Something a device did that bears on whether it is active.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Signal {
    /// Available presence (no `<show/>`, or `chat`): the device came to the foreground.
    Available,
    /// Presence `away`, `xa` or `dnd`: the device went to the background.
    Away,
    /// Unavailable presence: the device went offline.
    Unavailable,
    /// The device sent a message (for our other devices, a sent carbon). Sending is user
    /// activity, so it makes the device active even after it said it was away.
    SentMessage,
}

impl Signal {
    /// Whether this signal is user activity (Available presence or a sent message) rather
    /// than the device announcing it is no longer in use.
    pub fn is_activity(self) -> bool {
        matches!(self, Signal::Available | Signal::SentMessage)
    }
}

impl From<Show> for Signal {
    /// Maps a presence to its signal: available and chat are [`Signal::Available`]; away,
    /// xa and dnd are [`Signal::Away`]; unavailable is [`Signal::Unavailable`].
    fn from(show: Show) -> Self {
        match show {
            Show::Available | Show::Chat => Signal::Available,
            Show::Away | Show::Xa | Show::Dnd => Signal::Away,
            Show::Unavailable => Signal::Unavailable,
        }
    }
}

/// When a signal happened, and in which order it was observed. Ordered by time first; among
/// signals with the same time, the one observed later is the more recent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Stamp {
    at: DateTime<Utc>,
    seq: u64,
}

/// What one device has been seen doing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceActivity {
    /// Its most recent activity (Available presence or sent message).
    last_active: Option<Stamp>,
    /// The most recent time it said it was away or unavailable.
    last_inactive: Option<Stamp>,
}

impl DeviceActivity {
    /// When the device last sent Available presence or a message.
    pub fn last_active(&self) -> Option<DateTime<Utc>> {
        self.last_active.map(|s| s.at)
    }

    /// Whether the device is in use as far as we know: it has shown activity, and has not
    /// gone away or unavailable since. Signals are compared by the time they happened, so a
    /// late-arriving older signal does not undo a newer one.
    pub fn available(&self) -> bool {
        match (self.last_active, self.last_inactive) {
            (Some(active), Some(inactive)) => active > inactive,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }

    fn latest(&self) -> Option<Stamp> {
        self.last_active.max(self.last_inactive)
    }
}

/// What this device knows about the activity of all our devices, itself included.
#[derive(Debug, Clone)]
pub struct Activity {
    me: String,
    window: TimeDelta,
    devices: HashMap<String, DeviceActivity>,
    seq: u64,
}

impl Activity {
    /// Starts with nothing seen. `me` is this device's resource; `window` is how long
    /// activity counts (usually [`DEFAULT_WINDOW`]).
    pub fn new(me: impl Into<String>, window: Duration) -> Self {
        Self {
            me: me.into(),
            window: to_delta(window),
            devices: HashMap::new(),
            seq: 0,
        }
    }

    /// This device's resource.
    pub fn me(&self) -> &str {
        &self.me
    }

    /// The active window.
    pub fn window(&self) -> Duration {
        self.window.to_std().unwrap_or(Duration::MAX)
    }

    /// Changes the active window; applies to everything already observed.
    pub fn set_window(&mut self, window: Duration) {
        self.window = to_delta(window);
    }

    /// Records that the device `resource` did `signal` at `at`.
    ///
    /// Observations may arrive out of order: each device keeps its latest activity and its
    /// latest away/unavailable by `at`, so an older signal arriving late changes nothing it
    /// should not. Two signals with the same `at` are ordered by observation: the later
    /// observation wins.
    pub fn observe(&mut self, resource: &str, signal: Signal, at: DateTime<Utc>) {
        self.seq += 1;
        let stamp = Stamp { at, seq: self.seq };
        let device = self.devices.entry(resource.to_owned()).or_default();
        let slot = if signal.is_activity() {
            &mut device.last_active
        } else {
            &mut device.last_inactive
        };
        *slot = (*slot).max(Some(stamp));
    }

    /// What has been seen of one device.
    pub fn device(&self, resource: &str) -> Option<&DeviceActivity> {
        self.devices.get(resource)
    }

    /// Rule: the active device is, among devices not away or unavailable since their last
    /// activity, the one with the most recent activity (Available presence or a sent
    /// message), provided that activity is within the window before `now` (inclusive; a
    /// time after `now`, from clock skew, counts as within). `None` when no device is active.
    ///
    /// A device that went away does not block the others: if the laptop was used last but
    /// went to the background, the phone is active when its own activity is within the
    /// window. Ties on time go to the later observation.
    pub fn active_device(&self, now: DateTime<Utc>) -> Option<&str> {
        self.devices
            .iter()
            .filter(|(_, d)| d.available())
            .filter_map(|(r, d)| d.last_active.map(|s| (s, r)))
            .filter(|(s, _)| self.within_window(s.at, now))
            .max_by_key(|(s, _)| *s)
            .map(|(_, r)| r.as_str())
    }

    /// Whether this device is the active one.
    pub fn is_me_active(&self, now: DateTime<Utc>) -> bool {
        self.active_device(now) == Some(self.me.as_str())
    }

    /// Forgets devices whose latest signal is older than the window before `now`. They
    /// cannot be active at `now` or later, and any signal that could make them active again
    /// is newer than what is forgotten, so pruning never changes an answer for `now` or later.
    pub fn prune(&mut self, now: DateTime<Utc>) {
        let window = self.window;
        self.devices
            .retain(|_, d| d.latest().is_some_and(|s| within(window, s.at, now)));
    }

    fn within_window(&self, at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        within(self.window, at, now)
    }
}

/// Whether `at` is at most `window` before `now` (times after `now` count as within).
fn within(window: TimeDelta, at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now.signed_duration_since(at) <= window
}

fn to_delta(window: Duration) -> TimeDelta {
    TimeDelta::from_std(window).unwrap_or(TimeDelta::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use Signal::*;

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + secs, 0)
            .single()
            .expect("test time")
    }

    /// This device is "laptop"; the account also has "phone" and "tablet".
    fn seen(observations: &[(&str, Signal, i64)]) -> Activity {
        let mut activity = Activity::new("laptop", DEFAULT_WINDOW);
        for (resource, signal, secs) in observations {
            activity.observe(resource, *signal, at(*secs));
        }
        activity
    }

    /// (resource, signal, seconds) in the order they are observed.
    type Observations<'a> = &'a [(&'a str, Signal, i64)];

    /// (what it protects, observations, now, expected active device)
    type Case<'a> = (&'a str, Observations<'a>, i64, Option<&'a str>);

    fn check(cases: &[Case]) {
        for (name, observations, now, want) in cases {
            let activity = seen(observations);
            assert_eq!(activity.active_device(at(*now)), *want, "{name}");
        }
    }

    #[test]
    fn the_device_that_most_recently_sent_available_or_a_message_is_active() {
        check(&[
            ("nothing seen", &[], 0, None),
            (
                "one available",
                &[("phone", Available, 0)],
                10,
                Some("phone"),
            ),
            (
                "later presence wins",
                &[("phone", Available, 0), ("laptop", Available, 5)],
                10,
                Some("laptop"),
            ),
            (
                "a sent carbon makes the sender active",
                &[("laptop", Available, 0), ("phone", SentMessage, 5)],
                10,
                Some("phone"),
            ),
            (
                "our own send makes us active",
                &[("phone", Available, 0), ("laptop", SentMessage, 5)],
                10,
                Some("laptop"),
            ),
            (
                "a device that only went away was never active",
                &[("phone", Away, 0)],
                10,
                None,
            ),
        ]);
    }

    #[test]
    fn activity_counts_only_within_the_window() {
        let window = DEFAULT_WINDOW.as_secs() as i64;
        check(&[
            ("just now", &[("phone", Available, 0)], 0, Some("phone")),
            (
                "exactly the window ago",
                &[("phone", Available, 0)],
                window,
                Some("phone"),
            ),
            (
                "one second past the window",
                &[("phone", Available, 0)],
                window + 1,
                None,
            ),
            (
                "a message renews the window",
                &[("phone", Available, 0), ("phone", SentMessage, 200)],
                window + 100,
                Some("phone"),
            ),
            (
                "the most recent device expired, so nobody is active",
                &[("laptop", Available, 0), ("phone", Available, 10)],
                window + 20,
                None,
            ),
            (
                "a signal stamped after now (clock skew) counts",
                &[("phone", Available, 30)],
                0,
                Some("phone"),
            ),
        ]);
    }

    #[test]
    fn going_to_the_background_stops_being_active_at_once() {
        check(&[
            (
                "away right after available",
                &[("phone", Available, 0), ("phone", Away, 1)],
                2,
                None,
            ),
            (
                "unavailable",
                &[("phone", SentMessage, 0), ("phone", Unavailable, 1)],
                2,
                None,
            ),
            (
                "we went to the background ourselves",
                &[("laptop", SentMessage, 0), ("laptop", Away, 1)],
                2,
                None,
            ),
            (
                "coming back to the foreground makes it active again",
                &[
                    ("phone", Available, 0),
                    ("phone", Away, 1),
                    ("phone", Available, 2),
                ],
                3,
                Some("phone"),
            ),
        ]);
    }

    #[test]
    fn away_xa_and_dnd_end_activity_available_and_chat_start_it() {
        for (show, want) in [
            (Show::Available, Available),
            (Show::Chat, Available),
            (Show::Away, Away),
            (Show::Xa, Away),
            (Show::Dnd, Away),
            (Show::Unavailable, Unavailable),
        ] {
            assert_eq!(Signal::from(show), want, "{show:?}");
            assert_eq!(Signal::from(show).is_activity(), want == Available);
        }
        assert!(SentMessage.is_activity());
    }

    #[test]
    fn a_device_that_went_away_hands_over_to_the_next_most_recent() {
        check(&[
            (
                "phone is still within its window",
                &[
                    ("phone", Available, 0),
                    ("laptop", Available, 60),
                    ("laptop", Away, 120),
                ],
                180,
                Some("phone"),
            ),
            (
                "phone's window is over",
                &[
                    ("phone", Available, 0),
                    ("laptop", Available, 250),
                    ("laptop", Away, 260),
                ],
                301,
                None,
            ),
            (
                "phone went away too",
                &[
                    ("phone", Available, 0),
                    ("laptop", Available, 60),
                    ("phone", Unavailable, 90),
                    ("laptop", Away, 120),
                ],
                180,
                None,
            ),
        ]);
    }

    #[test]
    fn a_message_sent_while_away_makes_the_device_active_again() {
        check(&[
            (
                "reply from the phone's lock screen",
                &[
                    ("laptop", Available, 0),
                    ("phone", Away, 5),
                    ("phone", SentMessage, 10),
                ],
                20,
                Some("phone"),
            ),
            (
                "but going away after the send ends it",
                &[("phone", SentMessage, 10), ("phone", Away, 11)],
                20,
                None,
            ),
        ]);
    }

    #[test]
    fn ties_go_to_the_later_observation() {
        check(&[
            (
                "two devices in the same second",
                &[("phone", Available, 5), ("laptop", Available, 5)],
                10,
                Some("laptop"),
            ),
            (
                "the same two, observed the other way round",
                &[("laptop", Available, 5), ("phone", Available, 5)],
                10,
                Some("phone"),
            ),
            (
                "away observed after available in the same second",
                &[("phone", Available, 5), ("phone", Away, 5)],
                10,
                None,
            ),
            (
                "available observed after away in the same second",
                &[("phone", Away, 5), ("phone", Available, 5)],
                10,
                Some("phone"),
            ),
        ]);
    }

    #[test]
    fn a_late_older_signal_does_not_undo_a_newer_one() {
        check(&[
            (
                "old available arrives after a newer away",
                &[("phone", Away, 20), ("phone", Available, 10)],
                30,
                None,
            ),
            (
                "old away arrives after a newer available",
                &[("phone", Available, 20), ("phone", Away, 10)],
                30,
                Some("phone"),
            ),
            (
                "old activity of another device does not take over",
                &[("phone", Available, 20), ("tablet", SentMessage, 10)],
                30,
                Some("phone"),
            ),
        ]);
    }

    #[test]
    fn this_device_knows_whether_it_is_the_active_one() {
        // (observations, now, laptop is active)
        let cases: &[(Observations, i64, bool)] = &[
            (&[], 0, false),
            (&[("laptop", Available, 0)], 10, true),
            (
                &[("laptop", Available, 0), ("phone", SentMessage, 5)],
                10,
                false,
            ),
            (&[("laptop", Available, 0), ("laptop", Away, 5)], 10, false),
            (&[("laptop", Available, 0)], 400, false),
        ];
        for (observations, now, want) in cases {
            assert_eq!(
                seen(observations).is_me_active(at(*now)),
                *want,
                "{observations:?} at {now}"
            );
        }
    }

    #[test]
    fn the_window_is_configurable() {
        let mut activity = seen(&[("phone", Available, 0)]);
        assert_eq!(activity.window(), DEFAULT_WINDOW);
        assert_eq!(activity.active_device(at(120)), Some("phone"));
        activity.set_window(Duration::from_secs(60));
        assert_eq!(activity.window(), Duration::from_secs(60));
        assert_eq!(activity.active_device(at(60)), Some("phone"));
        assert_eq!(activity.active_device(at(61)), None);
        activity.set_window(Duration::from_secs(3600));
        assert_eq!(activity.active_device(at(3000)), Some("phone"));
        // A window too large for the clock's range means "forever".
        activity.set_window(Duration::MAX);
        assert_eq!(activity.active_device(at(10_000_000)), Some("phone"));
    }

    #[test]
    fn a_device_reports_what_was_seen_of_it() {
        let activity = seen(&[("phone", Available, 0), ("phone", Away, 5)]);
        let phone = activity.device("phone").expect("phone was seen");
        assert_eq!(phone.last_active(), Some(at(0)));
        assert!(!phone.available());
        assert!(activity.device("tablet").is_none());
        assert_eq!(activity.me(), "laptop");
    }

    #[test]
    fn pruning_forgets_only_devices_that_cannot_be_active() {
        let observations = [
            ("tablet", Available, 0),
            ("tablet", Unavailable, 10),
            ("phone", Available, 250),
            ("laptop", Away, 400),
        ];
        let mut activity = seen(&observations);
        let before: Vec<_> = (350..700)
            .map(|t| activity.active_device(at(t)).map(str::to_owned))
            .collect();
        activity.prune(at(350));
        assert!(activity.device("tablet").is_none(), "expired is forgotten");
        assert!(activity.device("phone").is_some(), "within the window");
        assert!(activity.device("laptop").is_some(), "signal after now");
        let after: Vec<_> = (350..700)
            .map(|t| activity.active_device(at(t)).map(str::to_owned))
            .collect();
        assert_eq!(before, after);
    }

    #[test]
    fn the_window_has_one_default_and_one_set_of_bounds() {
        assert_eq!(ActiveWindow::default().secs(), 300);
        assert_eq!(DEFAULT_WINDOW, ActiveWindow::DEFAULT.duration());
        assert!(ActiveWindow::from_secs(5).is_ok(), "scenarios use seconds");
        assert!(ActiveWindow::from_secs(0).is_err());
        assert!(ActiveWindow::from_secs(24 * 3600 + 1).is_err());
        let e = ActiveWindow::user_setting(5).expect_err("too short for a person");
        assert_eq!(
            e.to_string(),
            "the active window must be between 30 s and 24 h (got 5 s)"
        );
        assert!(ActiveWindow::user_setting(120).is_ok());
    }
}
