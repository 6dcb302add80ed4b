//! The active device, notifications, read state and quiet mode against a real Prosody.

use std::time::Duration;

use anyhow::{anyhow, Result};
use tandem_core::event::{Event, QuietState};
use tandem_core::model::{DeviceType, Show};
use tandem_core::notify::{Decision, SilentReason};
use tandem_core::readstate::ReadSource;
use tandem_core::store::Store;
use tandem_tests::{presence_of, Household, World};

#[tokio::test]
async fn only_the_active_device_notifies() -> Result<()> {
    let w = World::new()?;
    let Household {
        mut laptop,
        mut phone,
        bob,
    } = w.household().await?;
    // The phone signed in last: its Available presence is the most recent.
    laptop
        .until(
            "the phone's presence",
            presence_of("phone", Show::Available),
        )
        .await?;

    bob.session.send(w.jid("alice"), "first".into()).await?;
    assert_eq!(phone.decision_for("first").await?, Decision::Notify);
    assert_eq!(
        laptop.decision_for("first").await?,
        Decision::Silent(SilentReason::ActiveElsewhere {
            device: "phone".into()
        })
    );

    // Replying from the laptop makes it the active device (the phone sees the sent carbon).
    laptop
        .session
        .send(w.jid("bob"), "answer from the laptop".into())
        .await?;
    phone.expect_message("answer from the laptop").await?;
    bob.session.send(w.jid("alice"), "second".into()).await?;
    assert_eq!(laptop.decision_for("second").await?, Decision::Notify);
    assert_eq!(
        phone.decision_for("second").await?,
        Decision::Silent(SilentReason::ActiveElsewhere {
            device: "laptop".into()
        })
    );
    let c = phone.session.counters().await?;
    assert!(c.carbons_sent >= 1, "{c:?}");
    assert_eq!(c.notifications_shown, 1, "{c:?}");
    assert_eq!(
        c.notifications_suppressed.get("active_elsewhere"),
        Some(&1),
        "{c:?}"
    );
    assert_eq!(
        c.notifications_suppressed.get("own_message"),
        Some(&1),
        "{c:?}"
    );
    for d in [laptop, phone, bob] {
        d.close().await;
    }
    Ok(())
}

#[tokio::test]
async fn reading_on_one_device_marks_read_and_withdraws_on_the_other() -> Result<()> {
    let w = World::new()?;
    let Household {
        mut laptop,
        mut phone,
        bob,
    } = w.household().await?;
    // The laptop goes to the background: the phone is the active device and notifies.
    laptop.session.background().await?;
    phone
        .until("the laptop going away", presence_of("laptop", Show::Away))
        .await?;
    bob.session.send(w.jid("alice"), "read me".into()).await?;
    assert_eq!(phone.decision_for("read me").await?, Decision::Notify);

    // Read on the laptop: the phone's read state moves through the laptop's displayed marker,
    // and its notification is withdrawn.
    laptop.expect_message("read me").await?;
    laptop.session.read(w.jid("bob")).await?;
    assert_eq!(
        phone.read_source("the read marker").await?,
        ReadSource::Marker
    );
    phone
        .until("the withdrawal", |e| matches!(e, Event::Withdrawn { .. }))
        .await?;

    // The read state is stored on both devices (so `history` shows it and it survives restarts).
    use tandem_core::store::Store;
    for dev in [&laptop, &phone] {
        let history = dev.store.history(&w.jid("alice"), &w.jid("bob")).await?;
        assert!(history.iter().all(|m| m.read), "{}: {history:?}", dev.name);
        assert_eq!(
            dev.store.read_positions(&w.jid("alice")).await?.len(),
            1,
            "{}",
            dev.name
        );
    }

    // A reply sent from the laptop also counts as reading, on the phone.
    bob.session.send(w.jid("alice"), "another".into()).await?;
    phone.expect_message("another").await?;
    laptop.session.send(w.jid("bob"), "replying".into()).await?;
    assert_eq!(phone.read_source("the reply").await?, ReadSource::Reply);
    for d in [laptop, phone, bob] {
        d.close().await;
    }
    Ok(())
}

#[tokio::test]
async fn in_quiet_mode_the_server_holds_presence_until_the_device_is_active() -> Result<()> {
    let w = World::new()?;
    let mut laptop = w.laptop().await?;
    let mut phone = w.phone().await?;

    phone.session.background().await?;
    let quiet = phone
        .until("quiet mode", |e| matches!(e, Event::Quiet { .. }))
        .await?;
    assert!(
        matches!(
            quiet,
            Event::Quiet {
                state: QuietState::Inactive,
                server: true
            }
        ),
        "{quiet:?}"
    );
    laptop
        .until("the phone going away", presence_of("phone", Show::Away))
        .await?;
    // Prosody flushes on any traffic from the client (our away presence and its stream
    // management acks among it) and then stays flushing for csi_resume_inactive_delay (5 s)
    // before it holds stanzas again.
    tokio::time::sleep(Duration::from_secs(6)).await;
    laptop.session.presence(Show::Dnd).await?;
    let is_dnd = |e: &Event| matches!(e, Event::Presence { jid, show: Show::Dnd, .. } if jid.resource().is_some_and(|r| r.as_str() == "laptop"));
    // Held back by the server while the phone is inactive...
    let deadline = tokio::time::Instant::now() + Duration::from_millis(1500);
    while let Ok(Some(e)) = tokio::time::timeout_at(deadline, phone.events.recv()).await {
        assert!(!is_dnd(&e), "presence delivered while inactive");
    }
    // ...and delivered as soon as it is active again.
    let sent = chrono::Utc::now();
    phone.session.foreground().await?;
    let held = phone.until("the held presence", is_dnd).await?;
    let Event::Presence {
        delay: Some(stamp), ..
    } = held
    else {
        return Err(anyhow!("held presence without a delay stamp: {held:?}"));
    };
    assert!(stamp <= sent, "stamped {stamp}, released {sent}");
    let c = phone.session.counters().await?;
    assert_eq!(c.quiet_mode_sessions, 1, "{c:?}");
    assert_eq!(c.buffer_flushes, 1, "{c:?}");
    assert!(c.buffer_flush_packets >= 1, "{c:?}");
    assert!(
        c.buffer_avg_queued_millis >= 500,
        "held for at least the quiet wait: {c:?}"
    );
    assert_eq!(c.sessions, 2, "{c:?}");
    for d in [laptop, phone] {
        d.close().await;
    }
    Ok(())
}

#[tokio::test]
async fn read_state_reaches_a_device_without_carbons_through_mds() -> Result<()> {
    let w = World::new()?;
    // Carbons off: the laptop never sees the phone's displayed markers, only our PEP.
    let mut laptop = w
        .device("alice", "laptop", DeviceType::Desktop, false)
        .await?;
    let mut phone = w.phone().await?;
    let bob = w.bob().await?;
    bob.session
        .send(w.jid("alice"), "sync my read state".into())
        .await?;
    laptop.expect_message("sync my read state").await?;
    phone.expect_message("sync my read state").await?;
    // Give the server time to learn the laptop's +notify from its capabilities.
    tokio::time::sleep(Duration::from_millis(500)).await;
    phone.session.read(w.jid("bob")).await?;
    assert_eq!(laptop.read_source("the MDS item").await?, ReadSource::Mds);
    for d in [laptop, phone, bob] {
        d.close().await;
    }
    Ok(())
}

#[tokio::test]
async fn in_quiet_mode_a_contacts_presence_arrives_only_after_active_with_a_delay_stamp(
) -> Result<()> {
    use xmpp_parsers::presence::{Presence, Type};
    use xmpp_parsers::stanza::Stanza;
    let w = World::new()?;
    let mut phone = w.phone().await?;
    let bob = w.bob().await?;
    // alice subscribes to bob's presence; bob approves.
    let mut subscribe = Presence::new(Type::Subscribe);
    subscribe.to = Some(w.jid("bob").into());
    phone.session.send_raw(Stanza::Presence(subscribe)).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut subscribed = Presence::new(Type::Subscribed);
    subscribed.to = Some(w.jid("alice").into());
    bob.session.send_raw(Stanza::Presence(subscribed)).await?;
    let bob_jid = w.jid("bob");
    let from_bob = |show: Show| {
        let bob_jid = bob_jid.clone();
        move |e: &Event| matches!(e, Event::Presence { jid, show: s, .. } if jid.to_bare() == bob_jid && *s == show)
    };
    phone
        .until("bob's presence", from_bob(Show::Available))
        .await?;

    phone.session.background().await?;
    // Prosody stays flushing for csi_resume_inactive_delay (5 s) after the last flush.
    tokio::time::sleep(Duration::from_secs(6)).await;
    bob.session.presence(Show::Away).await?;
    let deadline = tokio::time::Instant::now() + Duration::from_millis(1500);
    while let Ok(Some(e)) = tokio::time::timeout_at(deadline, phone.events.recv()).await {
        assert!(
            !from_bob(Show::Away)(&e),
            "bob's presence delivered while inactive"
        );
    }
    let released = chrono::Utc::now();
    phone.session.foreground().await?;
    let held = phone
        .until("bob's held presence", from_bob(Show::Away))
        .await?;
    let Event::Presence {
        delay: Some(stamp), ..
    } = held
    else {
        return Err(anyhow!("held presence without a delay stamp: {held:?}"));
    };
    assert!(stamp <= released, "stamped {stamp}, released {released}");
    for d in [phone, bob] {
        d.close().await;
    }
    Ok(())
}

#[tokio::test]
async fn a_conversation_on_screen_is_read_as_messages_arrive_and_stays_silent() -> Result<()> {
    let w = World::new()?;
    let mut phone = w.phone().await?;
    // The laptop signs in last: it is the active device.
    let mut laptop = w.laptop().await?;
    let bob = w.bob().await?;
    phone
        .until(
            "the laptop's presence",
            presence_of("laptop", Show::Available),
        )
        .await?;

    laptop.session.viewing(Some(w.jid("bob"))).await?;
    bob.session.send(w.jid("alice"), "on screen".into()).await?;
    assert_eq!(
        laptop.decision_for("on screen").await?,
        Decision::Silent(SilentReason::Viewing)
    );
    assert_eq!(
        laptop.read_source("reading what is on screen").await?,
        ReadSource::Local
    );
    // The phone leaves it to the active laptop, then learns it was read there.
    assert_eq!(
        phone.decision_for("on screen").await?,
        Decision::Silent(SilentReason::ActiveElsewhere {
            device: "laptop".into()
        })
    );
    let read = phone.read_source("the laptop's read position").await?;
    assert!(
        matches!(read, ReadSource::Marker | ReadSource::Mds),
        "{read:?}"
    );
    use tandem_core::store::Store;
    for dev in [&laptop, &phone] {
        let history = dev.store.history(&w.jid("alice"), &w.jid("bob")).await?;
        assert!(history.iter().all(|m| m.read), "{}: {history:?}", dev.name);
    }
    let c = laptop.session.counters().await?;
    assert_eq!(c.notifications_suppressed.get("viewing"), Some(&1), "{c:?}");
    assert_eq!(c.notifications_shown, 0, "{c:?}");

    // In the background nothing is on screen: the message waits, unread...
    laptop.session.background().await?;
    laptop
        .until("quiet mode", |e| matches!(e, Event::Quiet { .. }))
        .await?;
    bob.session
        .send(w.jid("alice"), "while hidden".into())
        .await?;
    let decision = laptop.decision_for("while hidden").await?;
    assert_ne!(decision, Decision::Silent(SilentReason::Viewing));
    // ...until the window is back in front, when it is read at once.
    laptop.session.foreground().await?;
    assert_eq!(
        laptop.read_source("reading on return").await?,
        ReadSource::Local
    );
    // Nothing on screen: a new message is decided as usual.
    laptop.session.viewing(None).await?;
    bob.session.send(w.jid("alice"), "closed".into()).await?;
    assert_eq!(laptop.decision_for("closed").await?, Decision::Notify);
    for d in [laptop, phone, bob] {
        d.close().await;
    }
    Ok(())
}

#[tokio::test]
async fn device_states_show_the_active_device_and_the_one_in_the_background() -> Result<()> {
    use tandem_core::status::{DeviceState, DeviceStatus};
    fn states(list: &[DeviceStatus]) -> Vec<(String, DeviceState, bool)> {
        list.iter()
            .map(|d| (d.resource.clone(), d.state, d.this_device))
            .collect()
    }
    let w = World::new()?;
    let mut laptop = w.laptop().await?;
    // The phone signs in last: it is the active device.
    let mut phone = w.phone().await?;
    laptop
        .until(
            "the phone's presence",
            presence_of("phone", Show::Available),
        )
        .await?;
    assert_eq!(
        states(&laptop.session.devices().await?),
        [
            ("laptop".to_owned(), DeviceState::Online, true),
            ("phone".to_owned(), DeviceState::Active, false),
        ]
    );

    // The phone goes to the background (away with idle): quiet, and the laptop takes over.
    phone.session.background().await?;
    phone
        .until("quiet mode", |e| matches!(e, Event::Quiet { .. }))
        .await?;
    laptop
        .until("the phone going away", presence_of("phone", Show::Away))
        .await?;
    let seen_by_laptop = laptop.session.devices().await?;
    assert_eq!(
        states(&seen_by_laptop),
        [
            ("laptop".to_owned(), DeviceState::Active, true),
            ("phone".to_owned(), DeviceState::Quiet, false),
        ]
    );
    assert!(seen_by_laptop[1].last_activity.is_some());
    assert_eq!(seen_by_laptop[1].device_type, DeviceType::Phone);
    let seen_by_phone = phone.session.devices().await?;
    assert_eq!(
        states(&seen_by_phone),
        [
            ("laptop".to_owned(), DeviceState::Active, false),
            ("phone".to_owned(), DeviceState::Quiet, true),
        ]
    );

    // A plain away (set by the user, no idle) is away, not quiet.
    laptop.session.presence(Show::Away).await?;
    phone
        .until("the laptop going away", presence_of("laptop", Show::Away))
        .await?;
    assert_eq!(
        states(&phone.session.devices().await?),
        [
            ("laptop".to_owned(), DeviceState::Away, false),
            ("phone".to_owned(), DeviceState::Quiet, true),
        ]
    );
    let laptop_closed = laptop.session.jid().resource().to_string();
    laptop.close().await;
    phone
        .until("the laptop going offline", |e| {
            matches!(
                e,
                Event::Presence {
                    show: Show::Unavailable,
                    ..
                }
            )
        })
        .await?;
    let after = phone.session.devices().await?;
    assert!(
        after
            .iter()
            .any(|d| d.resource == laptop_closed && d.state == DeviceState::Offline),
        "{after:?}"
    );
    phone.close().await;
    Ok(())
}

#[tokio::test]
async fn the_contact_reading_our_messages_marks_them_seen_on_each_of_our_devices() -> Result<()> {
    use tandem_core::store::Store;
    use xmpp_parsers::displayed_markers::Displayed;
    use xmpp_parsers::message::{Id, Message};
    use xmpp_parsers::stanza::Stanza;
    let w = World::new()?;
    let Household {
        mut laptop,
        mut phone,
        mut bob,
    } = w.household().await?;
    let first = laptop.session.send(w.jid("bob"), "one".into()).await?;
    let second = laptop.session.send(w.jid("bob"), "two".into()).await?;
    bob.expect_message("two").await?;
    phone.expect_message("two").await?;
    assert!(!second.seen);

    // Bob reads: his displayed marker names our newest message; both devices of ours get it.
    bob.session.read(w.jid("alice")).await?;
    let is_seen = |e: &Event| matches!(e, Event::Seen { .. });
    for dev in [&mut laptop, &mut phone] {
        let seen = dev.until("the contact's displayed marker", is_seen).await?;
        let Event::Seen {
            conversation,
            up_to,
        } = seen
        else {
            unreachable!()
        };
        assert_eq!(conversation, w.jid("bob"));
        let history = dev.store.history(&w.jid("alice"), &w.jid("bob")).await?;
        let newest = history
            .iter()
            .find(|m| m.body == "two")
            .ok_or_else(|| anyhow!("{}: two not stored", dev.name))?;
        assert_eq!(up_to, newest.id, "{}", dev.name);
        assert!(history.iter().all(|m| m.seen), "{}: {history:?}", dev.name);
    }
    let history = laptop.store.history(&w.jid("alice"), &w.jid("bob")).await?;
    assert_eq!(history[0].id, first.id);

    // A marker sent to the laptop alone reaches the phone as a received carbon.
    let third = laptop.session.send(w.jid("bob"), "three".into()).await?;
    phone.expect_message("three").await?;
    let origin = third
        .keys
        .origin_id
        .clone()
        .ok_or_else(|| anyhow!("sent without origin-id"))?;
    let mut marker = Message::chat(Some(laptop.session.jid().clone().into()));
    marker.id = Some(Id("marker-3".into()));
    marker.payloads.push(Displayed { id: Id(origin) }.into());
    bob.session.send_raw(Stanza::Message(marker)).await?;
    for dev in [&mut laptop, &mut phone] {
        dev.until("the marker for three", is_seen).await?;
        let history = dev.store.history(&w.jid("alice"), &w.jid("bob")).await?;
        assert!(history.iter().all(|m| m.seen), "{}: {history:?}", dev.name);
    }

    // Our own device's marker is read state, never "seen": bob's messages are not ours.
    bob.session.send(w.jid("alice"), "from bob".into()).await?;
    phone.expect_message("from bob").await?;
    laptop.expect_message("from bob").await?;
    phone.session.read(w.jid("bob")).await?;
    let read = laptop
        .until("the phone's marker", |e| {
            matches!(e, Event::Read { .. } | Event::Seen { .. })
        })
        .await?;
    assert!(matches!(read, Event::Read { .. }), "{read:?}");
    // Bob, for whom alice is the contact, sees it as seen.
    bob.until("alice's marker", is_seen).await?;
    let bob_side = bob.store.history(&w.jid("bob"), &w.jid("alice")).await?;
    assert!(bob_side.iter().any(|m| m.body == "from bob" && m.seen));
    for d in [laptop, phone, bob] {
        d.close().await;
    }
    Ok(())
}

#[tokio::test]
async fn a_reply_sent_while_this_device_was_away_reads_the_conversation_on_catch_up() -> Result<()>
{
    let w = World::new()?;
    let mut phone = w.phone().await?;
    let bob = w.bob().await?;
    bob.session
        .send(w.jid("alice"), "are you coming tonight?".into())
        .await?;
    phone.expect_message("are you coming tonight?").await?;
    phone
        .session
        .send(w.jid("bob"), "yes, at eight".into())
        .await?;
    // The laptop signs in afterwards and finds both in the archive (device() waits for the
    // catch-up to finish): bob's message is read, because alice answered it from her phone.
    let laptop = w.laptop().await?;
    let history = laptop.store.history(&laptop.account, &w.jid("bob")).await?;
    let question = history
        .iter()
        .find(|m| m.body == "are you coming tonight?")
        .ok_or_else(|| anyhow!("the laptop did not catch up bob's message: {history:?}"))?;
    assert!(question.read, "{question:?}");
    let summary = laptop.store.conversations(&laptop.account).await?;
    assert_eq!(summary.first().map(|c| c.unread), Some(0), "{summary:?}");
    for d in [laptop, phone, bob] {
        d.close().await;
    }
    Ok(())
}
