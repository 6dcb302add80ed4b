//! Signing in: carbons, roster, presence, then catching up from the archive page by page,
//! silently, resuming where it stopped.

use super::*;
use crate::catchup::PageRequest as PageRequestAfter;

#[tokio::test]
async fn signing_in_enables_carbons_fetches_the_roster_announces_and_catches_up() {
    let mut rig = Rig::new("laptop");
    let effects = rig
        .input(Input::Online {
            jid: rig.me(),
            csi: true,
        })
        .await;
    let out = sent(&effects);
    assert!(matches!(
        out[0],
        Outbound::Request {
            request: Request::Carbons(true),
            ..
        }
    ));
    assert!(matches!(
        out[1],
        Outbound::Request {
            request: Request::Roster,
            ..
        }
    ));
    assert!(matches!(
        out[2],
        Outbound::Presence {
            show: Show::Available,
            idle_since: None,
            ..
        }
    ));
    assert!(matches!(
        out[3],
        Outbound::Request {
            request: Request::ArchivePage(_),
            ..
        }
    ));
    assert!(!effects.iter().any(|e| matches!(e, Effect::Ready(_))));
    let id = request_id(&effects, |r| matches!(r, Request::Carbons(_))).expect("asked");
    let effects = rig.answer(id, Answer::Empty).await;
    assert_eq!(effects, vec![Effect::Ready(rig.me())]);
}

#[tokio::test]
async fn with_multi_device_messaging_off_carbons_are_disabled() {
    let mut rig = Rig::with("laptop", false);
    let effects = rig
        .input(Input::Online {
            jid: rig.me(),
            csi: false,
        })
        .await;
    assert!(request_id(&effects, |r| *r == Request::Carbons(false)).is_some());
}

#[tokio::test]
async fn catch_up_pages_through_the_archive_silently_and_remembers_where_it_stopped() {
    let mut rig = Rig::new("laptop");
    let effects = rig
        .input(Input::Online {
            jid: rig.me(),
            csi: true,
        })
        .await;
    let page = request_id(&effects, |r| matches!(r, Request::ArchivePage(_))).expect("asked");
    let query_id = sent(&effects)
        .iter()
        .find_map(|o| match o {
            Outbound::Request {
                request: Request::ArchivePage(p),
                ..
            } => Some(p.query_id.clone()),
            _ => None,
        })
        .expect("a query id");
    let archived = |n: u32, query: Option<String>| Inbound::Archived {
        outer: own_envelope(),
        query_id: query,
        id: format!("arch-{n}"),
        delay: Some(t0() - Delta::hours(1) + Delta::seconds(n.into())),
        inner: from_bob(n, "old"),
    };
    rig.stanza(archived(1, Some(query_id.clone()))).await;
    // A result for another query (or from someone else) is not ours to store.
    rig.stanza(archived(2, Some("someone-elses".into()))).await;
    let effects = rig
        .answer(
            page,
            Answer::Fin {
                last: Some("arch-1".into()),
                complete: false,
            },
        )
        .await;
    assert_eq!(
        decisions(&effects),
        vec![Decision::Silent(SilentReason::CatchUp)]
    );
    let next = sent(&effects)
        .iter()
        .find_map(|o| match o {
            Outbound::Request {
                request: Request::ArchivePage(p),
                ..
            } => Some(p.after.clone()),
            _ => None,
        })
        .expect("the next page");
    assert_eq!(next.as_deref(), Some("arch-1"));
    assert_eq!(rig.history("bob@example.net").await.len(), 1);
    assert_eq!(
        rig.store
            .archive_position(&alice())
            .await
            .expect("position")
            .as_deref(),
        Some("arch-1")
    );
    assert!(rig.engine.catching_up());
}

#[tokio::test]
async fn a_position_the_archive_forgot_restarts_catch_up_from_the_start() {
    let mut rig = Rig::new("laptop");
    rig.store
        .store_archive_page(&alice(), &[], Some("gone"))
        .await
        .expect("position");
    let effects = rig
        .input(Input::Online {
            jid: rig.me(),
            csi: true,
        })
        .await;
    let page = request_id(&effects, |r| matches!(r, Request::ArchivePage(_))).expect("asked");
    let effects = rig
        .stanza(Inbound::Error {
            from: None,
            id: page,
            failure: Failure {
                condition: "item-not-found".into(),
            },
        })
        .await;
    assert!(matches!(
        sent(&effects)[..],
        [Outbound::Request {
            request: Request::ArchivePage(PageRequestAfter { after: None, .. }),
            ..
        }]
    ));
}
