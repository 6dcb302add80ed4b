//! What each of our devices is doing, as a device list shows it.
//!
//! [`device_status`] combines a stored [`Device`] (its presence as last seen) with what this
//! device knows of activity ([`Activity`]) and of quiet mode into one [`DeviceState`]:
//! the active device, one online in the foreground, one in the background (quiet), away, or
//! offline. The caller says what it knows about quiet mode: for this device, whether it is in
//! the background; for another, whether its latest presence carried an XEP-0319 idle element,
//! which is what a device going to the background sends with its away presence.

use chrono::{DateTime, Utc};
use jid::FullJid;
use serde::{Deserialize, Serialize};

use crate::activity::Activity;
use crate::model::{Device, DeviceType, Show};

/// What a device is doing, from most to least present.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum DeviceState {
    /// The active device ([`Activity::active_device`]): the one the user is at, which
    /// notifies.
    Active,
    /// Online and in the foreground, but not the active device.
    Online,
    /// Online with presence away, xa or dnd, set by the user.
    Away,
    /// In the background (quiet mode): this device after `background()`, or another whose
    /// presence is away or xa with an XEP-0319 idle element.
    Quiet,
    /// Not online.
    Offline,
}

impl DeviceState {
    /// The stable text form (`active`, `online`, `away`, `quiet`, `offline`).
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceState::Active => "active",
            DeviceState::Online => "online",
            DeviceState::Away => "away",
            DeviceState::Quiet => "quiet",
            DeviceState::Offline => "offline",
        }
    }
}

/// One of our devices with its state, as a device list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DeviceStatus {
    /// The resource's full JID.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub jid: FullJid,
    /// Its resource part.
    pub resource: String,
    /// Its kind.
    pub device_type: DeviceType,
    /// Its presence.
    pub show: Show,
    /// Whether it is online as far as we last saw.
    pub online: bool,
    /// Whether it is the device this profile runs.
    pub this_device: bool,
    /// What it is doing.
    pub state: DeviceState,
    /// When it last sent Available presence or a message, as seen by this device.
    pub last_activity: Option<DateTime<Utc>>,
    /// When we last saw its presence change.
    pub last_seen: DateTime<Utc>,
}

/// Rule: a device's state. In order: not online is [`DeviceState::Offline`]; the active
/// device ([`Activity::active_device`] at `now`) is [`DeviceState::Active`]; a device in the
/// background is [`DeviceState::Quiet`]; presence away, xa or dnd is [`DeviceState::Away`];
/// anything else online is [`DeviceState::Online`].
///
/// `quiet` is what is known of the device's quiet mode: for this device
/// ([`Device::this_device`]), whether it is in the background; for another, whether its
/// latest presence carried an XEP-0319 idle element. Another device counts as quiet only when
/// that presence is also away or xa: idle with dnd is the user's dnd.
pub fn device_status(
    device: &Device,
    activity: &Activity,
    quiet: bool,
    now: DateTime<Utc>,
) -> DeviceStatus {
    let seen = activity.device(&device.resource);
    let state = if !device.online || device.show == Show::Unavailable {
        DeviceState::Offline
    } else if activity.active_device(now) == Some(device.resource.as_str()) {
        DeviceState::Active
    } else if quiet && (device.this_device || matches!(device.show, Show::Away | Show::Xa)) {
        DeviceState::Quiet
    } else if matches!(device.show, Show::Away | Show::Xa | Show::Dnd) {
        DeviceState::Away
    } else {
        DeviceState::Online
    };
    DeviceStatus {
        jid: device.jid.clone(),
        resource: device.resource.clone(),
        device_type: device.device_type,
        show: device.show,
        online: device.online,
        this_device: device.this_device,
        state,
        last_activity: seen.and_then(|d| d.last_active()),
        last_seen: device.last_seen,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::{Signal, DEFAULT_WINDOW};
    use crate::testing::{at, full};

    /// Device `resource` of alice as last seen with `show`; "laptop" is this device.
    fn device(resource: &str, show: Show) -> Device {
        Device {
            jid: full(&format!("alice@example.org/{resource}")),
            resource: resource.into(),
            show,
            device_type: DeviceType::Phone,
            online: show != Show::Unavailable,
            this_device: resource == "laptop",
            last_seen: at(1),
        }
    }

    /// What "laptop" has seen: (resource, signal, seconds).
    fn activity(observations: &[(&str, Signal, i64)]) -> Activity {
        let mut activity = Activity::new("laptop", DEFAULT_WINDOW);
        for (resource, signal, secs) in observations {
            activity.observe(resource, *signal, at(*secs));
        }
        activity
    }

    #[test]
    fn each_device_gets_one_state_in_order_offline_active_quiet_away_online() {
        use Signal::*;
        type Case<'a> = (
            &'a str,
            &'a str,
            Show,
            bool,
            &'a [(&'a str, Signal, i64)],
            DeviceState,
        );
        // (what it protects, device, presence, quiet, observations, expected at t=100)
        let cases: &[Case] = &[
            (
                "offline",
                "phone",
                Show::Unavailable,
                false,
                &[],
                DeviceState::Offline,
            ),
            (
                "offline even if it was active",
                "phone",
                Show::Unavailable,
                false,
                &[("phone", Available, 90)],
                DeviceState::Offline,
            ),
            (
                "the active device",
                "phone",
                Show::Available,
                false,
                &[("phone", Available, 90)],
                DeviceState::Active,
            ),
            (
                "this device, active",
                "laptop",
                Show::Available,
                false,
                &[("laptop", SentMessage, 90)],
                DeviceState::Active,
            ),
            (
                "online, another device is active",
                "phone",
                Show::Available,
                false,
                &[("phone", Available, 10), ("tablet", Available, 90)],
                DeviceState::Online,
            ),
            (
                "online, activity outside the window",
                "phone",
                Show::Chat,
                false,
                &[("phone", Available, -400)],
                DeviceState::Online,
            ),
            (
                "this device in the background",
                "laptop",
                Show::Away,
                true,
                &[("laptop", Available, 10), ("laptop", Away, 20)],
                DeviceState::Quiet,
            ),
            (
                "this device in the background, presence not yet reflected",
                "laptop",
                Show::Available,
                true,
                &[("laptop", Away, 20)],
                DeviceState::Quiet,
            ),
            (
                "another device away with idle",
                "phone",
                Show::Away,
                true,
                &[("phone", Away, 20)],
                DeviceState::Quiet,
            ),
            (
                "another device xa with idle",
                "phone",
                Show::Xa,
                true,
                &[("phone", Away, 20)],
                DeviceState::Quiet,
            ),
            (
                "idle with dnd is the user's dnd",
                "phone",
                Show::Dnd,
                true,
                &[("phone", Away, 20)],
                DeviceState::Away,
            ),
            (
                "idle on an available presence is not quiet",
                "phone",
                Show::Available,
                true,
                &[("phone", Available, -400)],
                DeviceState::Online,
            ),
            (
                "away without idle",
                "phone",
                Show::Away,
                false,
                &[("phone", Away, 20)],
                DeviceState::Away,
            ),
            ("xa", "phone", Show::Xa, false, &[], DeviceState::Away),
            ("dnd", "phone", Show::Dnd, false, &[], DeviceState::Away),
            (
                "replying from the lock screen makes it active again",
                "phone",
                Show::Away,
                true,
                &[("phone", Away, 20), ("phone", SentMessage, 30)],
                DeviceState::Active,
            ),
        ];
        for (name, resource, show, quiet, observations, want) in cases {
            let status = device_status(
                &device(resource, *show),
                &activity(observations),
                *quiet,
                at(100),
            );
            assert_eq!(status.state, *want, "{name}");
        }
    }

    #[test]
    fn the_status_carries_the_device_and_its_last_activity() {
        let phone = device("phone", Show::Away);
        let seen = activity(&[
            ("phone", Signal::Available, 40),
            ("phone", Signal::Away, 50),
        ]);
        let status = device_status(&phone, &seen, false, at(100));
        assert_eq!(status.jid, phone.jid);
        assert_eq!(status.resource, "phone");
        assert_eq!(status.device_type, DeviceType::Phone);
        assert_eq!(status.show, Show::Away);
        assert!(status.online && !status.this_device);
        assert_eq!(status.last_activity, Some(at(40)));
        assert_eq!(status.last_seen, at(1));
        let unseen = device_status(&device("tablet", Show::Available), &seen, false, at(100));
        assert_eq!(unseen.last_activity, None);
    }

    #[test]
    fn states_have_stable_text_forms() {
        for (state, text) in [
            (DeviceState::Active, "active"),
            (DeviceState::Online, "online"),
            (DeviceState::Away, "away"),
            (DeviceState::Quiet, "quiet"),
            (DeviceState::Offline, "offline"),
        ] {
            assert_eq!(state.as_str(), text);
        }
    }
}
