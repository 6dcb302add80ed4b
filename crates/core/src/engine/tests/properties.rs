//! Properties of the engine over any interleaving of what the network delivers: every
//! message stored once, read positions that only move forward, and notifications on exactly
//! one device or on all of them.

use proptest::prelude::*;

use super::*;

/// What reaches the laptop, in some order.
#[derive(Debug, Clone)]
enum Delivery {
    /// The live copy of message `n`.
    Live(u32),
    /// A carbon of message `n` (the phone got it addressed to its full JID).
    Carbon(u32),
    /// The archive result of message `n`, in the running catch-up.
    Archived(u32),
    /// The user reads the conversation here.
    Read,
    /// Another device of ours read up to message `n` (an MDS item).
    Mds(u32),
    /// A second passes.
    Tick,
}

fn delivery(messages: u32) -> impl Strategy<Value = Delivery> {
    prop_oneof![
        3 => (0..messages).prop_map(Delivery::Live),
        2 => (0..messages).prop_map(Delivery::Carbon),
        3 => (0..messages).prop_map(Delivery::Archived),
        1 => Just(Delivery::Read),
        1 => (0..messages).prop_map(Delivery::Mds),
        2 => Just(Delivery::Tick),
    ]
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime")
}

fn message(n: u32) -> MessageFacts {
    from_bob(n, &format!("message {n}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_message_is_stored_once_and_read_positions_only_move_forward(
        deliveries in proptest::collection::vec(delivery(6), 1..40)
    ) {
        runtime().block_on(async {
            let mut rig = Rig::new("laptop");
            let effects = rig.input(Input::Online { jid: rig.me(), csi: true }).await;
            let carbons = request_id(&effects, |r| matches!(r, Request::Carbons(_))).expect("asked");
            rig.answer(carbons, Answer::Empty).await;
            let page = request_id(&effects, |r| matches!(r, Request::ArchivePage(_))).expect("asked");
            let query_id = sent(&effects).iter().find_map(|o| match o {
                Outbound::Request { request: Request::ArchivePage(p), .. } => Some(p.query_id.clone()),
                _ => None,
            }).expect("a query id");
            let peer = bare("bob@example.net");
            let mut delivered = std::collections::BTreeSet::new();
            let mut stored_events = 0usize;
            let mut read = None;
            let mut all = Vec::new();
            for d in deliveries {
                let effects = match d {
                    Delivery::Live(n) => {
                        delivered.insert(n);
                        rig.stanza(Inbound::Message(message(n))).await
                    }
                    Delivery::Carbon(n) => {
                        delivered.insert(n);
                        let mut inner = message(n);
                        inner.to = Some(jid("alice@example.org/phone"));
                        rig.stanza(Inbound::Carbon {
                            outer: Envelope { from: Some(jid("alice@example.org")), delays: vec![] },
                            sent: false,
                            delay: None,
                            inner,
                        }).await
                    }
                    Delivery::Archived(n) => {
                        delivered.insert(n);
                        rig.stanza(Inbound::Archived {
                            outer: Envelope::default(),
                            query_id: Some(query_id.clone()),
                            id: format!("sid-{n}"),
                            delay: Some(t0() - Delta::minutes(10) + Delta::seconds(n.into())),
                            inner: message(n),
                        }).await
                    }
                    Delivery::Read => rig.command(Command::Read(peer.clone())).await,
                    Delivery::Mds(n) => rig.stanza(Inbound::Pubsub {
                        retracted: vec![],
                        outer: Envelope::default(),
                        node: MDS_NODE.into(),
                        items: vec![PubsubItem {
                            id: Some(peer.to_string()),
                            displayed: Some((jid("alice@example.org"), format!("sid-{n}"))),
                            bookmark: None,
                        }],
                    }).await,
                    Delivery::Tick => {
                        rig.tick(1);
                        Vec::new()
                    }
                };
                stored_events += effects.iter().filter(|e| matches!(e, Effect::Emit(Event::Message(_)))).count();
                let now = rig.engine.read.get(&peer).copied();
                prop_assert!(now >= read, "the read position moved back: {read:?} -> {now:?}");
                read = now;
                all.extend(effects);
            }
            let effects = rig.answer(page, Answer::Fin { last: Some("sid-end".into()), complete: true }).await;
            stored_events += effects.iter().filter(|e| matches!(e, Effect::Emit(Event::Message(_)))).count();
            let now = rig.engine.read.get(&peer).copied();
            prop_assert!(now >= read, "the read position moved back at the end of catch-up");
            let history = rig.history("bob@example.net").await;
            prop_assert_eq!(history.len(), delivered.len(), "each message once: {:?}", history);
            prop_assert_eq!(stored_events, delivered.len(), "one Message event per message");
            // No archive copy ever notifies, and no message notifies twice.
            let mut notified = std::collections::BTreeSet::new();
            all.extend(effects);
            for e in &all {
                if let Effect::Emit(Event::Notification { message_id, decision: Decision::Notify, .. }) = e {
                    prop_assert!(notified.insert(*message_id), "notified twice for {message_id:?}");
                    let m = history.iter().find(|m| m.id == *message_id).expect("stored");
                    prop_assert!(m.via != Via::Archive);
                }
            }
            Ok(())
        })?;
    }

    #[test]
    fn exactly_the_active_device_notifies_or_every_device_does(
        steps in proptest::collection::vec((0u8..6, 1i64..200), 1..30)
    ) {
        runtime().block_on(async {
            let mut laptop = Rig::new("laptop");
            let mut phone = Rig::new("phone");
            laptop.online().await;
            phone.online().await;
            // Both start from the same knowledge: each has seen the other's Available.
            laptop.stanza(device_presence("phone", Show::Available, false)).await;
            let mut n = 0;
            for (kind, secs) in steps {
                laptop.tick(secs);
                phone.tick(secs);
                match kind {
                    // A device announces Available or goes away; the other sees its presence.
                    0..=3 => {
                        let (actor, other, name) = if kind % 2 == 0 {
                            (&mut laptop, &mut phone, "laptop")
                        } else {
                            (&mut phone, &mut laptop, "phone")
                        };
                        let show = if kind < 2 { Show::Available } else { Show::Away };
                        actor.command(Command::Presence(show)).await;
                        other.stanza(device_presence(name, show, false)).await;
                    }
                    // A message from bob reaches both devices.
                    _ => {
                        n += 1;
                        let a = decisions(&laptop.stanza(Inbound::Message(message(n))).await);
                        let b = decisions(&phone.stanza(Inbound::Message(message(n))).await);
                        prop_assert_eq!(a.len(), 1);
                        prop_assert_eq!(b.len(), 1);
                        let notifying = [&a[0], &b[0]].iter().filter(|d| d.notifies()).count();
                        prop_assert!(notifying == 1 || notifying == 2,
                            "laptop {:?}, phone {:?}", &a[0], &b[0]);
                        if notifying == 1 {
                            // The silent one names the other as the active device.
                            for d in [&a[0], &b[0]] {
                                if !d.notifies() {
                                    let elsewhere = matches!(d, Decision::Silent(SilentReason::ActiveElsewhere { .. }));
                                    prop_assert!(elsewhere);
                                }
                            }
                        }
                    }
                }
            }
            Ok(())
        })?;
    }
}
