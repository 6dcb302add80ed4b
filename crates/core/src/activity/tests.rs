//! The active-device rule and the active window, case by case.

use Signal::*;

use super::*;
use crate::testing::at;

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
