//! Read state across devices: replies, markers and MDS items from our other devices read a
//! conversation, the contact's markers mark it seen, and reading here tells everyone.

use super::*;

#[tokio::test]
async fn a_reply_from_another_device_reads_the_conversation_and_withdraws_the_notification() {
    let mut rig = Rig::new("laptop");
    rig.online().await;
    let effects = rig.stanza(Inbound::Message(from_bob(1, "lunch?"))).await;
    assert_eq!(decisions(&effects), vec![Decision::Notify]);
    rig.tick(2);
    let effects = rig
        .stanza(Inbound::Carbon {
            outer: own_envelope(),
            sent: true,
            delay: None,
            inner: MessageFacts {
                from: Some(jid("alice@example.org/phone")),
                to: Some(jid("bob@example.net")),
                id: Some("phone-1".into()),
                body: Some("yes".into()),
                stanza_ids: vec![(jid("alice@example.org"), "sid-2".into())],
                ..MessageFacts::default()
            },
        })
        .await;
    let events = events(&effects);
    assert!(events.iter().any(|e| matches!(
        e,
        Event::Read {
            source: ReadSource::Reply,
            ..
        }
    )));
    assert!(events.iter().any(|e| matches!(e, Event::Withdrawn { .. })));
}

#[tokio::test]
async fn a_marker_from_another_device_reads_and_one_from_the_contact_marks_seen() {
    let mut rig = Rig::new("laptop");
    rig.online().await;
    rig.stanza(Inbound::Message(from_bob(1, "hello"))).await;
    // The phone displayed bob's message: a sent carbon of its marker.
    let effects = rig
        .stanza(Inbound::Carbon {
            outer: own_envelope(),
            sent: true,
            delay: None,
            inner: MessageFacts {
                from: Some(jid("alice@example.org/phone")),
                to: Some(jid("bob@example.net")),
                displayed_of: Some("bob-1".into()),
                ..MessageFacts::default()
            },
        })
        .await;
    assert!(events(&effects).iter().any(|e| matches!(
        e,
        Event::Read {
            source: ReadSource::Marker,
            ..
        }
    )));
    // Bob displayed our message.
    let (sent_msg, _) = rig
        .engine
        .send_message(
            &rig.store,
            jid("bob@example.net"),
            "see you".into(),
            rig.now,
        )
        .await;
    let (stored, chat) = sent_msg.expect("sent");
    let effects = rig
        .stanza(Inbound::Message(MessageFacts {
            from: Some(jid("bob@example.net/desk")),
            to: Some(jid("alice@example.org/laptop")),
            displayed_of: Some(chat.id),
            ..MessageFacts::default()
        }))
        .await;
    assert_eq!(
        events(&effects),
        vec![&Event::Seen {
            conversation: bare("bob@example.net"),
            up_to: stored.id
        }]
    );
}

#[tokio::test]
async fn an_mds_item_from_our_account_reads_and_one_from_anybody_else_does_not() {
    let mut rig = Rig::new("laptop");
    rig.online().await;
    rig.stanza(Inbound::Message(from_bob(1, "hello"))).await;
    let item = PubsubItem {
        id: Some("bob@example.net".into()),
        displayed: Some((jid("alice@example.org"), "sid-1".into())),
        bookmark: None,
    };
    let forged = rig
        .stanza(Inbound::Pubsub {
            retracted: vec![],
            outer: Envelope {
                from: Some(jid("mallory@example.net")),
                delays: vec![],
            },
            node: MDS_NODE.into(),
            items: vec![item.clone()],
        })
        .await;
    assert!(events(&forged).is_empty());
    let own = rig
        .stanza(Inbound::Pubsub {
            retracted: vec![],
            outer: own_envelope(),
            node: MDS_NODE.into(),
            items: vec![item],
        })
        .await;
    assert!(events(&own).iter().any(|e| matches!(
        e,
        Event::Read {
            source: ReadSource::Mds,
            ..
        }
    )));
}

#[tokio::test]
async fn reading_here_tells_the_contact_and_our_other_devices() {
    let mut rig = Rig::new("laptop");
    rig.online().await;
    rig.stanza(Inbound::Message(from_bob(1, "hello"))).await;
    let effects = rig.command(Command::Read(bare("bob@example.net"))).await;
    let out = sent(&effects);
    assert!(out.iter().any(|o| matches!(
        o,
        Outbound::Displayed { of, .. } if of == "bob-1"
    )));
    assert!(out.iter().any(|o| matches!(
        o,
        Outbound::Request {
            request: Request::PublishMds { stanza_id, .. },
            ..
        } if stanza_id == "sid-1"
    )));
}

#[tokio::test]
async fn viewing_a_conversation_reads_new_messages_silently() {
    let mut rig = Rig::new("laptop");
    rig.online().await;
    rig.command(Command::Viewing(Some(bare("bob@example.net"))))
        .await;
    let effects = rig.stanza(Inbound::Message(from_bob(1, "look"))).await;
    assert_eq!(
        decisions(&effects),
        vec![Decision::Silent(SilentReason::Viewing)]
    );
    assert!(events(&effects).iter().any(|e| matches!(
        e,
        Event::Read {
            source: ReadSource::Local,
            ..
        }
    )));
    // In the background the window shows nothing: the message notifies.
    rig.command(Command::Background).await;
    rig.tick(400);
    let effects = rig.stanza(Inbound::Message(from_bob(2, "there?"))).await;
    assert_eq!(decisions(&effects), vec![Decision::Notify]);
}
