//! Group chat on every signed-in device, against a real Prosody (its MUC component with
//! `muc_mam`, and `mod_bookmarks`): join once, joined everywhere; the whole room history
//! on every device, once; notifications by the active-device rule and the room's setting;
//! forged bookmarks and stanza-ids.

use std::time::Duration;

use anyhow::{anyhow, Result};
use jid::BareJid;
use tandem_core::event::{ChatKind, Event, RoomStatus};
use tandem_core::model::{DeviceType, EditKind};
use tandem_core::notify::{Decision, SilentReason};
use tandem_core::store::Store;
use tandem_tests::{Dev, Household, World};
use xmpp_parsers::message::{Id, Message, MessageType};
use xmpp_parsers::minidom::Element;
use xmpp_parsers::stanza::Stanza;

fn room_jid(w: &World, name: &str) -> BareJid {
    format!("{name}@{}", w.lab.muc_domain())
        .parse()
        .expect("a room JID")
}

/// Waits for this room's state on `dev`.
async fn room_state(dev: &mut Dev, room: &BareJid, want: RoomStatus) -> Result<Event> {
    let what = format!("{room} {want:?}");
    dev.until(
        &what,
        |e| matches!(e, Event::Room { room: r, state, .. } if r == room && *state == want),
    )
    .await
}

/// Joins `room` on `dev` and waits until it is joined and its history caught up.
async fn join(dev: &mut Dev, room: &BareJid) -> Result<()> {
    dev.session.join(room.clone(), None, None).await?;
    room_state(dev, room, RoomStatus::Joined).await?;
    caught_up_in(dev, room).await
}

async fn caught_up_in(dev: &mut Dev, room: &BareJid) -> Result<()> {
    dev.until(
        "the room's catch-up",
        |e| matches!(e, Event::RoomCatchUp { room: r, done: true, .. } if r == room),
    )
    .await?;
    Ok(())
}

/// The notification decision for the room message with this body.
async fn room_decision(dev: &mut Dev, body: &str) -> Result<Decision> {
    dev.decision_for(body).await
}

#[tokio::test]
async fn a_room_joined_on_one_device_is_joined_on_every_other_at_once() -> Result<()> {
    let w = World::new()?;
    let Household {
        mut laptop,
        mut phone,
        mut bob,
    } = w.household().await?;
    let room = room_jid(&w, "family");
    join(&mut laptop, &room).await?;
    // The phone joins from the bookmark notification, without a restart.
    room_state(&mut phone, &room, RoomStatus::Joined).await?;
    caught_up_in(&mut phone, &room).await?;
    join(&mut bob, &room).await?;

    // The phone signed in last: it is the active device; a mention notifies there only.
    bob.session
        .send(room.clone(), "alice, dinner at eight?".into())
        .await?;
    assert_eq!(
        room_decision(&mut phone, "alice, dinner at eight?").await?,
        Decision::Notify
    );
    assert_eq!(
        room_decision(&mut laptop, "alice, dinner at eight?").await?,
        Decision::Silent(SilentReason::ActiveElsewhere {
            device: "phone".into()
        })
    );
    // Not a mention: silent under the default setting.
    bob.session
        .send(room.clone(), "who brings wine?".into())
        .await?;
    assert_eq!(
        room_decision(&mut phone, "who brings wine?").await?,
        Decision::Silent(SilentReason::NotMentioned)
    );
    // The message is a room message from the occupant bob on both devices.
    laptop.expect_message("who brings wine?").await?;
    for dev in [&laptop, &phone] {
        let history = dev.store.history(&dev.account, &room).await?;
        let m = history
            .iter()
            .find(|m| m.body == "who brings wine?")
            .ok_or_else(|| anyhow!("{}: not stored", dev.name))?;
        assert_eq!(m.room.as_ref().map(|r| r.nick.as_str()), Some("bob"));
    }

    // Alice answers from the laptop: on the phone it is her own message and reads the room.
    laptop.session.send(room.clone(), "I do".into()).await?;
    assert_eq!(
        room_decision(&mut phone, "I do").await?,
        Decision::Silent(SilentReason::OwnMessage)
    );
    let history = phone.store.history(&phone.account, &room).await?;
    assert!(history.iter().all(|m| m.read), "{history:?}");
    let laptop_copy = laptop.store.history(&laptop.account, &room).await?;
    assert_eq!(
        laptop_copy.iter().filter(|m| m.body == "I do").count(),
        1,
        "the room's echo met the local copy: {laptop_copy:?}"
    );

    // Leaving on the phone leaves everywhere; the bookmark stays with autojoin off.
    phone.session.leave(room.clone()).await?;
    room_state(&mut laptop, &room, RoomStatus::Left).await?;
    let rooms = laptop.store.rooms(&laptop.account).await?;
    assert!(
        rooms.iter().any(|r| r.jid == room && !r.autojoin),
        "{rooms:?}"
    );
    Household { laptop, phone, bob }.close().await;
    Ok(())
}

#[tokio::test]
async fn a_device_that_was_offline_gets_the_room_s_history_exactly_once_and_in_order() -> Result<()>
{
    const BURST: usize = 120;
    let w = World::new()?;
    let mut laptop = w.laptop().await?;
    let mut bob = w.bob().await?;
    let room = room_jid(&w, "burst");
    join(&mut laptop, &room).await?;
    join(&mut bob, &room).await?;
    let bodies: Vec<String> = (0..BURST).map(|i| format!("room message {i:03}")).collect();
    for chunk in bodies.chunks(40) {
        let sends = chunk
            .iter()
            .map(|b| bob.session.send(room.clone(), b.clone()));
        for r in futures::future::join_all(sends).await {
            r?;
        }
    }
    laptop.expect_message(&bodies[BURST - 1]).await?;

    // The phone was never signed in: it joins from the bookmark and reads the archive.
    let mut phone = w.phone().await?;
    room_state(&mut phone, &room, RoomStatus::Joined).await?;
    let mut notified = 0;
    loop {
        match phone.next_event().await? {
            Event::Notification { decision, .. } if decision.notifies() => notified += 1,
            Event::RoomCatchUp {
                room: r,
                done: true,
                stored,
                ..
            } if r == room => {
                assert_eq!(stored as usize, BURST);
                break;
            }
            _ => {}
        }
    }
    assert_eq!(notified, 0, "no burst of stale notifications");
    let got = phone.bodies(&room).await?;
    assert_eq!(got, bodies);

    // Signed in again: nothing new, nothing twice.
    let config = phone.config.clone();
    phone.close().await;
    let mut phone = w.sign_in(config).await?;
    room_state(&mut phone, &room, RoomStatus::Joined).await?;
    let stored = loop {
        if let Event::RoomCatchUp {
            room: r,
            done: true,
            stored,
            ..
        } = phone.next_event().await?
        {
            if r == room {
                break stored;
            }
        }
    };
    assert_eq!(stored, 0);
    assert_eq!(phone.bodies(&room).await?, bodies);
    for d in [laptop, phone, bob] {
        d.close().await;
    }
    Ok(())
}

#[tokio::test]
async fn a_forged_bookmark_from_a_contact_never_makes_us_join() -> Result<()> {
    let w = World::new()?;
    let mut laptop = w.laptop().await?;
    let bob = w.bob().await?;
    let trap = room_jid(&w, "trap");
    // CVE-2023-28686: bob sends alice a PubSub event that looks like her own bookmark.
    let conference = Element::builder("conference", "urn:xmpp:bookmarks:1")
        .attr(
            xmpp_parsers::minidom::rxml::xml_ncname!("autojoin").into(),
            "true",
        )
        .build();
    let item = Element::builder("item", "http://jabber.org/protocol/pubsub#event")
        .attr(
            xmpp_parsers::minidom::rxml::xml_ncname!("id").into(),
            trap.to_string(),
        )
        .append(conference)
        .build();
    let items = Element::builder("items", "http://jabber.org/protocol/pubsub#event")
        .attr(
            xmpp_parsers::minidom::rxml::xml_ncname!("node").into(),
            "urn:xmpp:bookmarks:1",
        )
        .append(item)
        .build();
    let event = Element::builder("event", "http://jabber.org/protocol/pubsub#event")
        .append(items)
        .build();
    let mut forged = Message::new(Some(w.jid("alice").into()));
    forged.type_ = MessageType::Headline;
    forged.id = Some(Id("forged-bookmark".into()));
    forged.payloads.push(event);
    bob.session.send_raw(Stanza::Message(forged)).await?;
    bob.session.send(w.jid("alice"), "after".into()).await?;
    let seen = laptop.events_until("after").await?;
    assert!(
        !seen
            .iter()
            .any(|e| matches!(e, Event::Room { room, .. } if *room == trap)),
        "{seen:?}"
    );
    assert!(laptop.store.rooms(&laptop.account).await?.is_empty());
    for d in [laptop, bob] {
        d.close().await;
    }
    Ok(())
}

#[tokio::test]
async fn a_forged_room_stanza_id_cannot_make_a_real_message_a_duplicate() -> Result<()> {
    let w = World::new()?;
    let mut laptop = w.laptop().await?;
    let mut bob = w.bob().await?;
    let room = room_jid(&w, "forgery");
    join(&mut laptop, &room).await?;
    join(&mut bob, &room).await?;
    bob.session
        .send(room.clone(), "the real one".into())
        .await?;
    let real = laptop.expect_message("the real one").await?;
    assert_eq!(real.kind, ChatKind::Groupchat);
    let stored = laptop.store.history(&laptop.account, &room).await?;
    let real_id = stored
        .iter()
        .find(|m| m.body == "the real one")
        .and_then(|m| m.keys.stanza_id.clone())
        .ok_or_else(|| anyhow!("the room stamped no stanza-id: {stored:?}"))?;
    // Bob claims the room's stanza-id of the real message for a new one.
    let mut forged = Message::groupchat(Some(room.clone().into()))
        .with_body(Default::default(), "the forgery".into());
    forged.id = Some(Id("forged-sid".into()));
    forged.payloads.push(
        xmpp_parsers::stanza_id::StanzaId {
            id: real_id,
            by: room.clone().into(),
        }
        .into(),
    );
    bob.session.send_raw(Stanza::Message(forged)).await?;
    laptop.expect_message("the forgery").await?;
    let bodies = laptop.bodies(&room).await?;
    assert_eq!(bodies, ["the real one", "the forgery"]);
    for d in [laptop, bob] {
        d.close().await;
    }
    Ok(())
}

#[tokio::test]
async fn a_destroyed_room_is_shown_gone_on_every_device_and_not_rejoined() -> Result<()> {
    let w = World::new()?;
    let mut laptop = w.laptop().await?;
    let mut phone = w.phone().await?;
    let room = room_jid(&w, "short-lived");
    join(&mut laptop, &room).await?;
    room_state(&mut phone, &room, RoomStatus::Joined).await?;
    // The laptop created it, so it owns it: destroy it (XEP-0045 §10.9).
    let destroy = Element::builder("query", "http://jabber.org/protocol/muc#owner")
        .append(
            Element::builder("destroy", "http://jabber.org/protocol/muc#owner")
                .append(
                    Element::builder("reason", "http://jabber.org/protocol/muc#owner")
                        .append("we moved")
                        .build(),
                )
                .build(),
        )
        .build();
    let iq = xmpp_parsers::iq::Iq::Set {
        from: None,
        to: Some(room.clone().into()),
        id: "destroy-1".into(),
        payload: destroy,
    };
    laptop.session.send_raw(Stanza::Iq(iq)).await?;
    for dev in [&mut laptop, &mut phone] {
        let gone = room_state(dev, &room, RoomStatus::Gone).await?;
        assert!(
            matches!(&gone, Event::Room { reason: Some(r), .. } if r.contains("we moved")),
            "{gone:?}"
        );
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    for dev in [&laptop, &phone] {
        let rooms = dev.store.rooms(&dev.account).await?;
        let stored = rooms.iter().find(|r| r.jid == room);
        assert!(
            stored.is_some_and(|r| !r.autojoin && r.gone.is_some()),
            "{}: {rooms:?}",
            dev.name
        );
    }
    for d in [laptop, phone] {
        d.close().await;
    }
    Ok(())
}

/// Waits for the `edited` event of the message now reading `body` (empty: retracted).
async fn edited(dev: &mut Dev, body: &str) -> Result<tandem_core::event::MessageView> {
    let ev = dev
        .until(
            &format!("the edit to {body:?}"),
            |e| matches!(e, Event::Edited(m) if m.body == body),
        )
        .await?;
    match ev {
        Event::Edited(m) => Ok(m),
        other => Err(anyhow!("not an edit: {other:?}")),
    }
}

#[tokio::test]
async fn a_correction_from_another_occupant_is_ignored_and_the_authors_reaches_every_device(
) -> Result<()> {
    let w = World::new()?;
    let Household {
        mut laptop,
        mut phone,
        mut bob,
    } = w.household().await?;
    let mut colin = w.device("colin", "pc", DeviceType::Desktop, true).await?;
    let room = room_jid(&w, "plans");
    join(&mut laptop, &room).await?;
    room_state(&mut phone, &room, RoomStatus::Joined).await?;
    caught_up_in(&mut phone, &room).await?;
    join(&mut bob, &room).await?;
    join(&mut colin, &room).await?;

    let original = bob.session.send(room.clone(), "meet at 5".into()).await?;
    let id = original
        .stanza_attr_id
        .clone()
        .ok_or_else(|| anyhow!("our message has an id"))?;
    for dev in [&mut laptop, &mut phone] {
        dev.expect_message("meet at 5").await?;
    }
    // Bob corrects his own.
    bob.session
        .correct(room.clone(), original.id, "meet at 5:30".into())
        .await?;
    for dev in [&mut laptop, &mut phone] {
        let seen = edited(dev, "meet at 5:30").await?;
        assert_eq!(seen.edited, Some(EditKind::Corrected));
    }
    // Then colin names bob's message in a correction of his own, and says something.
    let mut forged = Message::groupchat(Some(room.clone().into()))
        .with_body(Default::default(), "meet at 6, bring cash".into());
    forged.id = Some(Id("colin-fix".into()));
    forged
        .payloads
        .push(xmpp_parsers::message_correct::Replace { id: Id(id.clone()) }.into());
    colin.session.send_raw(Stanza::Message(forged)).await?;
    colin.session.send(room.clone(), "after".into()).await?;
    for dev in [&mut laptop, &mut phone] {
        let seen = dev.events_until("after").await?;
        assert!(
            !seen.iter().any(|e| matches!(e, Event::Edited(_))),
            "{}: {seen:?}",
            dev.name
        );
        assert_eq!(
            dev.bodies(&room).await?,
            ["meet at 5:30", "after"],
            "{}",
            dev.name
        );
    }
    // And bob's own device shows its correction, once.
    bob.expect_message("after").await?;
    assert_eq!(bob.bodies(&room).await?, ["meet at 5:30", "after"]);
    for d in [laptop, phone, bob, colin] {
        d.close().await;
    }
    Ok(())
}

#[tokio::test]
async fn a_retraction_reaches_a_device_that_was_offline_through_the_archive() -> Result<()> {
    let w = World::new()?;
    let mut laptop = w.laptop().await?;
    let bob = w.bob().await?;
    let sent = bob
        .session
        .send(w.jid("alice"), "oops, wrong chat".into())
        .await?;
    laptop.expect_message("oops, wrong chat").await?;
    bob.session.retract(w.jid("alice"), sent.id).await?;
    let gone = edited(&mut laptop, "").await?;
    assert_eq!(gone.edited, Some(EditKind::Retracted));
    // The phone was off: its catch-up brings the message and its retraction, in order.
    let phone = w.phone().await?;
    let history = phone.store.history(&phone.account, &w.jid("bob")).await?;
    let shown: Vec<_> = history
        .iter()
        .map(|m| (m.body.as_str(), m.edited.map(|e| e.kind)))
        .collect();
    assert_eq!(shown, [("", Some(EditKind::Retracted))]);
    for d in [laptop, phone, bob] {
        d.close().await;
    }
    Ok(())
}
