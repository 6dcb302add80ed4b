//! Messages in and out: every copy stored once, carbons only from our own account, server
//! time only from our server, receipts, and what cannot be sent.

use super::*;

#[tokio::test]
async fn live_carbon_and_archive_copies_are_stored_once() {
    let mut rig = Rig::new("laptop");
    rig.online().await;
    let live = from_bob(1, "once");
    rig.stanza(Inbound::Message(live.clone())).await;
    let carbon = rig
        .stanza(Inbound::Carbon {
            outer: own_envelope(),
            sent: false,
            delay: None,
            inner: live.clone(),
        })
        .await;
    assert!(
        decisions(&carbon).is_empty(),
        "a duplicate copy says nothing"
    );
    assert_eq!(rig.history("bob@example.net").await.len(), 1);
    assert_eq!(rig.engine.counters(rig.now).duplicates_dropped, 1);
}

#[tokio::test]
async fn a_carbon_not_from_our_account_is_dropped_and_reported() {
    let mut rig = Rig::new("laptop");
    rig.online().await;
    let effects = rig
        .stanza(Inbound::Carbon {
            outer: Envelope {
                from: Some(jid("mallory@example.net")),
                delays: vec![],
            },
            sent: true,
            delay: None,
            inner: MessageFacts {
                from: Some(jid("alice@example.org/phone")),
                to: Some(jid("bob@example.net")),
                body: Some("forged".into()),
                ..MessageFacts::default()
            },
        })
        .await;
    assert!(rig.history("bob@example.net").await.is_empty());
    assert!(matches!(
        events(&effects)[..],
        [Event::Error {
            kind: crate::event::ErrorKind::Forged,
            ..
        }]
    ));
}

#[tokio::test]
async fn a_contacts_delay_is_not_server_time() {
    let mut rig = Rig::new("laptop");
    rig.online().await;
    let mut m = from_bob(1, "from the future");
    m.delays = vec![Stamp {
        at: Utc
            .with_ymd_and_hms(2099, 1, 1, 0, 0, 0)
            .single()
            .expect("time"),
        from: Some(jid("bob@example.net")),
    }];
    rig.stanza(Inbound::Message(m)).await;
    assert_eq!(rig.history("bob@example.net").await[0].timestamp, rig.now);
}

#[tokio::test]
async fn a_receipt_is_sent_for_a_message_that_asks() {
    let mut rig = Rig::new("laptop");
    rig.online().await;
    let effects = rig.stanza(Inbound::Message(from_bob(1, "ack?"))).await;
    assert!(sent(&effects).iter().any(|o| matches!(
        o,
        Outbound::Receipt { of, .. } if of == "bob-1"
    )));
}

#[tokio::test]
async fn a_message_xmpp_cannot_carry_is_refused_before_it_is_stored() {
    let mut rig = Rig::new("laptop");
    rig.online().await;
    let (result, effects) = rig
        .engine
        .send_message(
            &rig.store,
            jid("bob@example.net"),
            "bell\u{7}".into(),
            rig.now,
        )
        .await;
    assert!(matches!(result, Err(SendError::Unsendable(7))));
    assert!(effects.is_empty());
    assert!(rig.history("bob@example.net").await.is_empty());
}

#[test]
fn a_message_we_sent_is_out_and_one_we_received_is_in() {
    let account = alice();
    let received = from_bob(1, "in")
        .to_new_message(Via::Live, t0(), &account, None)
        .expect("a message");
    assert_eq!(received.direction, Direction::In);
    let sent = MessageFacts {
        from: Some(jid("alice@example.org/phone")),
        to: Some(jid("bob@example.net")),
        body: Some("out".into()),
        ..MessageFacts::default()
    }
    .to_new_message(Via::CarbonSent, t0(), &account, None)
    .expect("a message");
    assert_eq!(sent.direction, Direction::Out);
    assert_eq!(sent.peer, bare("bob@example.net"));
}
