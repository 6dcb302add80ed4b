//! alice on a laptop and a phone, and bob, against a real Prosody: every device sees every
//! one-to-one message, each stored once, and forged carbons are refused.

use std::time::Duration;

use anyhow::Result;
use tandem_core::model::{DeviceType, Direction, Via};
use tandem_core::store::Store;
use tandem_tests::{Household, World};
use xmpp_parsers::{carbons, forwarding::Forwarded, message::Message, stanza::Stanza};

/// A carbon the way an attacker would build it: sent from a contact's account, wrapping a
/// message that claims `claimed_from` wrote to `claimed_to`.
fn forged_carbon(to: &str, claimed_from: &str, claimed_to: &str, body: &str) -> Result<Stanza> {
    let mut inner =
        Message::chat(Some(claimed_to.parse()?)).with_body(Default::default(), body.into());
    inner.from = Some(claimed_from.parse()?);
    let outer = Message::chat(Some(to.parse()?)).with_payload(carbons::Received {
        forwarded: Forwarded {
            delay: None,
            message: inner,
        },
    });
    Ok(Stanza::Message(outer))
}

#[tokio::test]
async fn a_message_to_the_bare_jid_reaches_both_devices() -> Result<()> {
    let w = World::new()?;
    let Household {
        mut laptop,
        mut phone,
        bob,
    } = w.household().await?;

    bob.session
        .send(w.jid("alice"), "hello both".into())
        .await?;
    let on_laptop = laptop.expect_message("hello both").await?;
    let on_phone = phone.expect_message("hello both").await?;
    for m in [&on_laptop, &on_phone] {
        assert_eq!(m.direction, Direction::In);
        assert_eq!(m.conversation, w.jid("bob"));
        assert_eq!(m.from.to_bare(), w.jid("bob"));
        assert!(!m.archived);
    }
    // Stored exactly once on each device.
    for dev in [&laptop, &phone] {
        let history = dev.store.history(&w.jid("alice"), &w.jid("bob")).await?;
        assert_eq!(
            history.iter().filter(|m| m.body == "hello both").count(),
            1,
            "{}",
            dev.name
        );
    }
    for d in [laptop, phone, bob] {
        d.close().await;
    }
    Ok(())
}

#[tokio::test]
async fn laptop_to_bob_shows_on_the_phone_as_a_sent_carbon() -> Result<()> {
    let w = World::new()?;
    let laptop = w.laptop().await?;
    let mut phone = w.phone().await?;
    let mut bob = w.bob().await?;

    let sent = laptop
        .session
        .send(w.jid("bob"), "from my laptop".into())
        .await?;
    assert_eq!(sent.via, Via::Local);
    let on_phone = phone.expect_message("from my laptop").await?;
    assert_eq!(on_phone.direction, Direction::Out);
    assert_eq!(on_phone.via, Via::CarbonSent);
    assert!(on_phone.carbon);
    assert_eq!(on_phone.conversation, w.jid("bob"));
    assert_eq!(
        on_phone.from.resource().map(|r| r.to_string()),
        Some("laptop".into())
    );
    let on_bob = bob.expect_message("from my laptop").await?;
    assert_eq!(on_bob.direction, Direction::In);
    for d in [laptop, phone, bob] {
        d.close().await;
    }
    Ok(())
}

#[tokio::test]
async fn bob_to_the_laptop_shows_on_the_phone_as_a_received_carbon() -> Result<()> {
    let w = World::new()?;
    let Household {
        mut laptop,
        mut phone,
        bob,
    } = w.household().await?;

    let laptop_jid = w.jid("alice").with_resource_str("laptop")?;
    bob.session
        .send(laptop_jid, "just for the laptop".into())
        .await?;
    let on_laptop = laptop.expect_message("just for the laptop").await?;
    assert_eq!(on_laptop.via, Via::Live);
    let on_phone = phone.expect_message("just for the laptop").await?;
    assert_eq!(on_phone.via, Via::CarbonReceived);
    assert_eq!(on_phone.direction, Direction::In);
    assert!(on_phone.carbon);
    for d in [laptop, phone, bob] {
        d.close().await;
    }
    Ok(())
}

#[tokio::test]
async fn with_carbons_off_the_phone_no_longer_sees_the_laptops_messages() -> Result<()> {
    let w = World::new()?;
    let laptop = w.laptop().await?;
    let mut phone = w.device("alice", "phone", DeviceType::Phone, false).await?;
    let mut bob = w.bob().await?;

    laptop
        .session
        .send(w.jid("bob"), "phone should not see this".into())
        .await?;
    bob.expect_message("phone should not see this").await?;
    phone
        .expect_no_message("phone should not see this", Duration::from_millis(1500))
        .await?;
    // Messages addressed to the account still reach the phone directly.
    bob.session
        .send(w.jid("alice"), "but this, yes".into())
        .await?;
    assert_eq!(phone.expect_message("but this, yes").await?.via, Via::Live);
    for d in [laptop, phone, bob] {
        d.close().await;
    }
    Ok(())
}

#[tokio::test]
async fn a_forged_carbon_is_not_stored() -> Result<()> {
    let w = World::new()?;
    let mut phone = w.phone().await?;
    let mut bob = w.bob().await?;

    // bob's account sends alice/phone a "carbon" claiming colin wrote to alice.
    let phone_jid = w.jid("alice").with_resource_str("phone")?.to_string();
    let stanza = forged_carbon(
        &phone_jid,
        &w.jid("colin").to_string(),
        &w.jid("alice").to_string(),
        "forged!",
    )?;
    bob.session.send_raw(stanza).await?;
    // Then a genuine message, so we know the forged one has been processed before it.
    bob.session.send(w.jid("alice"), "genuine".into()).await?;
    let mut saw_drop = false;
    loop {
        match phone.next_event().await? {
            tandem_core::event::Event::Message(m) => {
                assert_ne!(m.body, "forged!", "forged carbon stored");
                if m.body == "genuine" {
                    break;
                }
            }
            tandem_core::event::Event::Error {
                kind: tandem_core::event::ErrorKind::Forged,
                message,
            } if message.contains("forged carbon") => saw_drop = true,
            _ => {}
        }
    }
    assert!(saw_drop, "the drop is reported");
    let colin = phone
        .store
        .history(&w.jid("alice"), &w.jid("colin"))
        .await?;
    assert!(colin.is_empty(), "nothing stored for colin: {colin:?}");
    let _ = bob
        .expect_no_message("forged!", Duration::from_millis(10))
        .await;
    for d in [phone, bob] {
        d.close().await;
    }
    Ok(())
}

#[tokio::test]
async fn each_device_knows_the_others_type() -> Result<()> {
    let w = World::new()?;
    let mut laptop = w.laptop().await?;
    let phone = w.phone().await?;
    let tablet = w
        .device("alice", "tablet", DeviceType::Tablet, true)
        .await?;
    let deadline = tokio::time::Instant::now() + tandem_tests::PATIENCE;
    loop {
        let devices = laptop.store.devices(&w.jid("alice")).await?;
        let kind = |r: &str| {
            devices
                .iter()
                .find(|d| d.resource == r && d.online)
                .map(|d| d.device_type)
        };
        if kind("phone") == Some(DeviceType::Phone) && kind("tablet") == Some(DeviceType::Tablet) {
            assert_eq!(kind("laptop"), Some(DeviceType::Desktop));
            assert!(devices
                .iter()
                .any(|d| d.resource == "laptop" && d.this_device));
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "device types not learnt: {devices:?}"
        );
        let _ = tokio::time::timeout(Duration::from_millis(200), laptop.events.recv()).await;
    }
    tablet.close().await;
    // A device that signs out is shown offline.
    let deadline = tokio::time::Instant::now() + tandem_tests::PATIENCE;
    loop {
        let devices = laptop.store.devices(&w.jid("alice")).await?;
        if devices.iter().any(|d| d.resource == "tablet" && !d.online) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "tablet still online: {devices:?}"
        );
        let _ = tokio::time::timeout(Duration::from_millis(200), laptop.events.recv()).await;
    }
    for d in [laptop, phone] {
        d.close().await;
    }
    Ok(())
}

#[tokio::test]
async fn malformed_payloads_are_dropped_and_the_session_goes_on() -> Result<()> {
    use xmpp_parsers::minidom::Element;
    fn xml(s: &str) -> Result<Element> {
        Ok(s.parse()?)
    }
    let w = World::new()?;
    let mut phone = w.phone().await?;
    let bob = w.bob().await?;
    let alice: xmpp_parsers::jid::Jid = w.jid("alice").into();

    let hostile = [
        // A delay stamp that is not a date, a stanza-id claiming to be our server's with an
        // empty id, an origin-id without an id, a receipt without an id.
        xml("<delay xmlns='urn:xmpp:delay' stamp='yesterday'/>")?,
        xml(&format!(
            "<stanza-id xmlns='urn:xmpp:sid:0' by='{}' id=''/>",
            w.jid("alice")
        ))?,
        xml("<origin-id xmlns='urn:xmpp:sid:0'/>")?,
        xml("<received xmlns='urn:xmpp:receipts'/>")?,
    ];
    let mut m =
        Message::chat(Some(alice.clone())).with_body(Default::default(), "odd but readable".into());
    m.payloads.extend(hostile);
    bob.session.send_raw(Stanza::Message(m)).await?;
    // A carbon without a forwarded message, and an archive result nobody asked for.
    let empty_carbon = Message::chat(Some(alice.clone())).with_payloads(vec![Element::builder(
        "received",
        "urn:xmpp:carbons:2",
    )
    .build()]);
    bob.session.send_raw(Stanza::Message(empty_carbon)).await?;
    let stray_result = Message::chat(Some(alice.clone())).with_payloads(vec![xml(
        "<result xmlns='urn:xmpp:mam:2' id='x' queryid='not-ours'/>",
    )?]);
    bob.session.send_raw(Stanza::Message(stray_result)).await?;
    bob.session
        .send(w.jid("alice"), "still here".into())
        .await?;

    let odd = phone.expect_message("odd but readable").await?;
    assert_eq!(odd.direction, Direction::In);
    phone.expect_message("still here").await?;
    let history = phone.store.history(&w.jid("alice"), &w.jid("bob")).await?;
    assert_eq!(history.len(), 2, "{history:?}");
    for d in [phone, bob] {
        d.close().await;
    }
    Ok(())
}
