//! IQs: an answer counts only from the party asked, and what others ask us is answered or
//! refused.

use super::*;

#[tokio::test]
async fn an_iq_answer_from_a_party_we_did_not_ask_is_ignored() {
    let mut rig = Rig::new("laptop");
    let effects = rig
        .input(Input::Online {
            jid: rig.me(),
            csi: true,
        })
        .await;
    let page = request_id(&effects, |r| matches!(r, Request::ArchivePage(_))).expect("asked");
    let forged = rig
        .stanza(Inbound::Result {
            from: Some(jid("bob@example.net/desk")),
            id: page.clone(),
            answer: Answer::Fin {
                last: Some("bogus".into()),
                complete: true,
            },
        })
        .await;
    assert!(forged.is_empty());
    assert!(rig.engine.catching_up());
    let done = rig
        .answer(
            page,
            Answer::Fin {
                last: None,
                complete: true,
            },
        )
        .await;
    assert!(events(&done)
        .iter()
        .any(|e| matches!(e, Event::CatchUp { done: true, .. })));
}

#[tokio::test]
async fn disco_and_ping_are_answered_and_anything_else_refused() {
    let mut rig = Rig::new("laptop");
    rig.online().await;
    let asker = jid("bob@example.net/desk");
    for (query, reply) in [
        (
            Query::DiscoInfo { node: None },
            Reply::DiscoInfo {
                node: None,
                device: DeviceType::Desktop,
            },
        ),
        (Query::Ping, Reply::Empty),
        (Query::Other, Reply::ServiceUnavailable),
    ] {
        let effects = rig
            .stanza(Inbound::Get {
                from: Some(asker.clone()),
                id: "q".into(),
                query,
            })
            .await;
        assert_eq!(
            sent(&effects),
            vec![&Outbound::Reply {
                to: asker.clone(),
                id: "q".into(),
                reply
            }]
        );
    }
    // A roster push only from our own account.
    let effects = rig
        .stanza(Inbound::Set {
            from: Some(asker.clone()),
            id: "push".into(),
            roster: true,
        })
        .await;
    assert!(matches!(
        sent(&effects)[..],
        [Outbound::Reply {
            reply: Reply::ServiceUnavailable,
            ..
        }]
    ));
}
