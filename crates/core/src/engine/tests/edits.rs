//! Corrections (XEP-0308) and retractions (XEP-0424): only the author's count, in a room
//! the same occupant; an edit changes the stored message in place and says so; ours are
//! sent to every device and the room.

use super::rooms::{in_room, room, FULL, ROOM};
use super::*;
use crate::engine::inbound::MessageKind;
use crate::model::{EditKind, EditOf, MessageId};

fn correcting(mut m: MessageFacts, target: &str) -> MessageFacts {
    m.edit = Some(EditOf {
        target: target.into(),
        kind: EditKind::Corrected,
    });
    m
}

fn retracting(mut m: MessageFacts, target: &str) -> MessageFacts {
    m.edit = Some(EditOf {
        target: target.into(),
        kind: EditKind::Retracted,
    });
    m.body = Some(crate::engine::RETRACTION_FALLBACK.into());
    m
}

fn with_occupant_id(mut m: MessageFacts, id: &str) -> MessageFacts {
    m.occupant_id = Some(id.into());
    m
}

fn edited(effects: &[Effect]) -> Vec<(String, Option<EditKind>)> {
    events(effects)
        .into_iter()
        .filter_map(|e| match e {
            Event::Edited(m) => Some((m.body.clone(), m.edited)),
            _ => None,
        })
        .collect()
}

async fn bodies(rig: &Rig, peer: &str) -> Vec<(String, Option<EditKind>)> {
    rig.history(peer)
        .await
        .into_iter()
        .map(|m| (m.body, m.edited.map(|e| e.kind)))
        .collect()
}

#[tokio::test]
async fn a_correction_from_another_occupant_is_ignored_and_the_authors_applies() {
    let mut rig = Rig::new("laptop");
    rig.in_room(FULL).await;
    let original = with_occupant_id(in_room("bob", "r1", "meet at 5"), "occ-bob");
    let id = original.id.clone().expect("id");
    rig.stanza(Inbound::Message(original)).await;

    // Mallory takes bob's nick after he left: another occupant-id.
    let forged = with_occupant_id(
        correcting(in_room("bob", "r2", "meet at 6, bring cash"), &id),
        "occ-mallory",
    );
    let effects = rig.stanza(Inbound::Message(forged)).await;
    assert!(edited(&effects).is_empty(), "{effects:?}");
    assert!(
        decisions(&effects).is_empty(),
        "a refused edit says nothing"
    );
    let by_other = with_occupant_id(retracting(in_room("colin", "r3", ""), &id), "occ-colin");
    rig.stanza(Inbound::Message(by_other)).await;
    assert_eq!(bodies(&rig, ROOM).await, vec![("meet at 5".into(), None)]);

    let fix = with_occupant_id(
        correcting(in_room("bob", "r4", "meet at 5:30"), &id),
        "occ-bob",
    );
    let effects = rig.stanza(Inbound::Message(fix)).await;
    assert_eq!(
        edited(&effects),
        vec![("meet at 5:30".into(), Some(EditKind::Corrected))]
    );
    assert!(
        decisions(&effects).is_empty(),
        "a correction is not a new message: it does not notify"
    );
    assert_eq!(
        bodies(&rig, ROOM).await,
        vec![("meet at 5:30".into(), Some(EditKind::Corrected))]
    );
}

#[tokio::test]
async fn a_retraction_by_the_author_empties_the_message_and_withdraws_its_notification() {
    let mut rig = Rig::new("laptop");
    rig.online().await;
    let effects = rig.stanza(Inbound::Message(from_bob(1, "secret"))).await;
    assert_eq!(decisions(&effects), vec![Decision::Notify]);
    let mut gone = retracting(from_bob(2, ""), "bob-1");
    gone.receipt_request = false;
    let effects = rig.stanza(Inbound::Message(gone)).await;
    assert_eq!(
        edited(&effects),
        vec![(String::new(), Some(EditKind::Retracted))]
    );
    assert!(
        events(&effects)
            .iter()
            .any(|e| matches!(e, Event::Withdrawn { .. })),
        "{effects:?}"
    );
    assert_eq!(
        bodies(&rig, "bob@example.net").await,
        vec![(String::new(), Some(EditKind::Retracted))],
        "the fallback body is not stored"
    );
}

#[tokio::test]
async fn a_contact_cannot_edit_another_contacts_or_our_messages() {
    let mut rig = Rig::new("laptop");
    rig.online().await;
    rig.stanza(Inbound::Message(from_bob(1, "from bob"))).await;
    // Mallory names bob's message: it is not in her conversation, so it is hers alone.
    let mut mallory = correcting(from_bob(2, "from mallory"), "bob-1");
    mallory.from = Some(jid("mallory@example.net/x"));
    let effects = rig.stanza(Inbound::Message(mallory)).await;
    assert!(edited(&effects).is_empty());
    assert_eq!(
        bodies(&rig, "bob@example.net").await,
        vec![("from bob".into(), None)]
    );
    // Bob names a message of ours.
    let (sent, _) = rig
        .engine
        .send_message(&rig.store, jid("bob@example.net"), "ours".into(), rig.now)
        .await;
    let (ours, chat) = sent.expect("sent");
    let forged = correcting(from_bob(3, "not what alice said"), &chat.id);
    let effects = rig.stanza(Inbound::Message(forged)).await;
    assert!(edited(&effects).is_empty());
    let history = rig.history("bob@example.net").await;
    let kept = history.iter().find(|m| m.id == ours.id).expect("ours");
    assert_eq!((kept.body.as_str(), kept.edited), ("ours", None));
}

#[tokio::test]
async fn a_correction_from_another_device_of_ours_arrives_as_a_carbon() {
    let mut rig = Rig::new("laptop");
    rig.online().await;
    let (sent, _) = rig
        .engine
        .send_message(&rig.store, jid("bob@example.net"), "helo".into(), rig.now)
        .await;
    let (_, chat) = sent.expect("sent");
    let effects = rig
        .stanza(Inbound::Carbon {
            outer: own_envelope(),
            sent: true,
            delay: None,
            inner: correcting(
                MessageFacts {
                    from: Some(jid("alice@example.org/phone")),
                    to: Some(jid("bob@example.net")),
                    id: Some("phone-fix".into()),
                    body: Some("hello".into()),
                    ..MessageFacts::default()
                },
                &chat.id,
            ),
        })
        .await;
    assert_eq!(
        edited(&effects),
        vec![("hello".into(), Some(EditKind::Corrected))]
    );
}

#[tokio::test]
async fn our_correction_and_retraction_go_out_and_change_our_copy() {
    let mut rig = Rig::new("laptop");
    rig.in_room(FULL).await;
    let (sent, _) = rig
        .engine
        .send_message(&rig.store, Jid::from(room()), "helo all".into(), rig.now)
        .await;
    let (ours, chat) = sent.expect("sent");
    // The room reflects it with its stanza-id.
    let mut reflected = in_room("alice", "r9", "helo all");
    reflected.id = Some(chat.id.clone());
    reflected.origin_id = Some(chat.id.clone());
    rig.stanza(Inbound::Message(reflected)).await;

    let (fixed, effects) = rig
        .engine
        .edit_message(
            &rig.store,
            room(),
            ours.id,
            Some("hello all".into()),
            rig.now,
        )
        .await;
    let (changed, out) = fixed.expect("corrected");
    assert_eq!((changed.id, changed.body.as_str()), (ours.id, "hello all"));
    assert_eq!(
        edited(&effects),
        vec![("hello all".into(), Some(EditKind::Corrected))]
    );
    assert_eq!(out.kind, MessageKind::Groupchat);
    assert_eq!(
        out.edit,
        Some(EditOf {
            target: chat.id.clone(),
            kind: EditKind::Corrected
        }),
        "a correction names the message's own id"
    );

    let (gone, _) = rig
        .engine
        .edit_message(&rig.store, room(), ours.id, None, rig.now)
        .await;
    let (changed, out) = gone.expect("retracted");
    assert_eq!(changed.body, "");
    assert_eq!(
        out.edit.map(|e| e.target),
        Some("r9".into()),
        "in a room a retraction names the room's stanza-id"
    );
    assert_eq!(out.body, crate::engine::RETRACTION_FALLBACK);

    // The reflection of our retraction changes nothing more.
    let mut echo = retracting(in_room("alice", "r10", ""), "r9");
    echo.id = Some(out.id.clone());
    let effects = rig.stanza(Inbound::Message(echo)).await;
    assert!(edited(&effects).is_empty(), "{effects:?}");
}

#[tokio::test]
async fn only_our_own_messages_can_be_edited() {
    let mut rig = Rig::new("laptop");
    rig.online().await;
    rig.stanza(Inbound::Message(from_bob(1, "bob's"))).await;
    let theirs = rig.history("bob@example.net").await[0].id;
    let (result, _) = rig
        .engine
        .edit_message(
            &rig.store,
            bare("bob@example.net"),
            theirs,
            Some("x".into()),
            rig.now,
        )
        .await;
    assert!(
        matches!(result, Err(crate::engine::SendError::NotEditable(_))),
        "{result:?}"
    );
    let (result, _) = rig
        .engine
        .edit_message(
            &rig.store,
            bare("bob@example.net"),
            MessageId(999),
            None,
            rig.now,
        )
        .await;
    assert!(matches!(
        result,
        Err(crate::engine::SendError::NotEditable(_))
    ));
}
