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
mod tests;
