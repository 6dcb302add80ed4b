//! The engine alone, without a server: the spec's use cases and the edge cases of
//! multi-device messaging, in milliseconds. The same behaviour is tested against a real
//! Prosody in `tests/`; these tests say what the machine does, stanza by stanza.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Duration as Delta, TimeZone, Utc};
use jid::{BareJid, FullJid, Jid};

use super::inbound::{
    Answer, Envelope, Failure, MessageFacts, PresenceFacts, PubsubItem, Query, Stamp,
};
use super::outbound::{Reply, Request};
use super::*;
use crate::activity::ActiveWindow;
use crate::event::QuietState;
use crate::model::{Direction, StoredMessage, Via};
use crate::notify::{Decision, SilentReason};
use crate::readstate::ReadSource;
use crate::store::MemoryStore;

pub(crate) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0)
        .single()
        .expect("a valid time")
}

pub(crate) fn jid(s: &str) -> Jid {
    Jid::new(s).expect("a valid JID")
}

pub(crate) fn bare(s: &str) -> BareJid {
    BareJid::new(s).expect("a valid JID")
}

pub(crate) fn full(s: &str) -> FullJid {
    FullJid::new(s).expect("a valid JID")
}

/// One device of alice@example.org, its store and its clock.
pub(crate) struct Rig {
    pub engine: Engine,
    pub store: MemoryStore,
    pub now: DateTime<Utc>,
    pub resource: String,
}

impl Rig {
    pub fn new(resource: &str) -> Self {
        Self::with(resource, true)
    }

    pub fn with(resource: &str, carbons: bool) -> Self {
        let counter = Arc::new(AtomicU64::new(0));
        let prefix = resource.to_owned();
        let ids: Ids =
            Box::new(move || format!("{prefix}-{}", counter.fetch_add(1, Ordering::Relaxed)));
        let cfg = EngineConfig {
            account: bare("alice@example.org"),
            resource: resource.to_owned(),
            carbons,
            device: DeviceType::Desktop,
            active_window: ActiveWindow::DEFAULT,
        };
        Self {
            engine: Engine::new(cfg, ids),
            store: MemoryStore::new(),
            now: t0(),
            resource: resource.to_owned(),
        }
    }

    pub fn me(&self) -> FullJid {
        full(&format!("alice@example.org/{}", self.resource))
    }

    pub fn tick(&mut self, secs: i64) {
        self.now += Delta::seconds(secs);
    }

    pub async fn input(&mut self, input: Input) -> Vec<Effect> {
        self.engine.handle(&self.store, input, self.now).await
    }

    pub async fn stanza(&mut self, stanza: Inbound) -> Vec<Effect> {
        self.input(Input::Stanza(Box::new(stanza))).await
    }

    pub async fn command(&mut self, cmd: Command) -> Vec<Effect> {
        self.input(Input::Command(cmd)).await
    }

    /// Signs in and answers the server's part: carbons enabled, the archive empty.
    pub async fn online(&mut self) -> Vec<Effect> {
        let mut effects = self
            .input(Input::Online {
                jid: self.me(),
                csi: true,
            })
            .await;
        let carbons = request_id(&effects, |r| matches!(r, Request::Carbons(_)));
        let page = request_id(&effects, |r| matches!(r, Request::ArchivePage(_)));
        effects.extend(
            self.answer(carbons.expect("carbons asked"), Answer::Empty)
                .await,
        );
        effects.extend(
            self.answer(
                page.expect("archive asked"),
                Answer::Fin {
                    last: None,
                    complete: true,
                },
            )
            .await,
        );
        effects
    }

    pub async fn answer(&mut self, id: String, answer: Answer) -> Vec<Effect> {
        self.stanza(Inbound::Result {
            from: None,
            id,
            answer,
        })
        .await
    }

    pub async fn history(&self, peer: &str) -> Vec<StoredMessage> {
        self.store
            .history(&bare("alice@example.org"), &bare(peer))
            .await
            .expect("history")
    }
}

pub(crate) fn request_id(effects: &[Effect], which: impl Fn(&Request) -> bool) -> Option<String> {
    effects.iter().find_map(|e| match e {
        Effect::Send(Outbound::Request { id, request, .. }) if which(request) => Some(id.clone()),
        _ => None,
    })
}

pub(crate) fn decisions(effects: &[Effect]) -> Vec<Decision> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Emit(Event::Notification { decision, .. }) => Some(decision.clone()),
            _ => None,
        })
        .collect()
}

pub(crate) fn sent(effects: &[Effect]) -> Vec<&Outbound> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send(o) => Some(o),
            _ => None,
        })
        .collect()
}

fn events(effects: &[Effect]) -> Vec<&Event> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Emit(ev) => Some(ev),
            _ => None,
        })
        .collect()
}

/// A chat message from bob to alice, with our server's stanza-id.
pub(crate) fn from_bob(n: u32, body: &str) -> MessageFacts {
    MessageFacts {
        from: Some(jid("bob@example.net/desk")),
        to: Some(jid("alice@example.org")),
        id: Some(format!("bob-{n}")),
        body: Some(body.to_owned()),
        stanza_ids: vec![(jid("alice@example.org"), format!("sid-{n}"))],
        receipt_request: true,
        ..MessageFacts::default()
    }
}

/// A presence of one of alice's devices.
pub(crate) fn device_presence(resource: &str, show: Show, idle: bool) -> Inbound {
    Inbound::Presence(PresenceFacts {
        from: Some(jid(&format!("alice@example.org/{resource}"))),
        show,
        delays: vec![],
        idle,
    })
}

fn own_envelope() -> Envelope {
    Envelope {
        from: Some(jid("alice@example.org")),
        delays: vec![],
    }
}

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
async fn a_message_notifies_on_the_active_device_only() {
    // The seed's flow use case: the phone sent Available presence most recently, so the
    // phone notifies and the laptop stays silent; when no device is active, both notify.
    let mut laptop = Rig::new("laptop");
    laptop.online().await;
    laptop.tick(1);
    laptop
        .stanza(device_presence("phone", Show::Available, false))
        .await;
    laptop.tick(1);
    let effects = laptop.stanza(Inbound::Message(from_bob(1, "hi"))).await;
    assert_eq!(
        decisions(&effects),
        vec![Decision::Silent(SilentReason::ActiveElsewhere {
            device: "phone".into()
        })]
    );
    // Six minutes later nobody is active: every device notifies.
    laptop.tick(360);
    let effects = laptop
        .stanza(Inbound::Message(from_bob(2, "still there?")))
        .await;
    assert_eq!(decisions(&effects), vec![Decision::Notify]);
}

#[tokio::test]
async fn the_device_that_sent_a_message_last_is_the_active_one() {
    let mut laptop = Rig::new("laptop");
    laptop.online().await;
    laptop
        .stanza(device_presence("phone", Show::Available, false))
        .await;
    laptop.tick(5);
    // The laptop replies: it is now the active device and notifies.
    let (result, _) = laptop
        .engine
        .send_message(
            &laptop.store,
            jid("bob@example.net"),
            "on it".into(),
            laptop.now,
        )
        .await;
    result.expect("sent");
    laptop.tick(5);
    let effects = laptop.stanza(Inbound::Message(from_bob(3, "thanks"))).await;
    assert_eq!(decisions(&effects), vec![Decision::Notify]);
}

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
    };
    let forged = rig
        .stanza(Inbound::Pubsub {
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

#[tokio::test]
async fn quiet_mode_tells_the_server_and_counts_what_it_held() {
    // The seed's quiet-mode use case: backgrounded, the device says so (presence away with
    // idle, then <inactive/>); what the server held comes stamped by our bare JID; back in
    // front it says <active/> first, and the first held stanza after that is a flush.
    let mut rig = Rig::new("phone");
    rig.online().await;
    let effects = rig.command(Command::Background).await;
    let out = sent(&effects);
    assert!(matches!(
        out[..],
        [
            Outbound::Presence {
                show: Show::Away,
                idle_since: Some(_),
                ..
            },
            Outbound::ClientState { active: false }
        ]
    ));
    assert!(events(&effects).contains(&&Event::Quiet {
        state: QuietState::Inactive,
        server: true
    }));
    assert!(rig.engine.quiet());
    rig.tick(30);
    let effects = rig.command(Command::Foreground).await;
    assert!(matches!(
        sent(&effects)[..],
        [
            Outbound::ClientState { active: true },
            Outbound::Presence {
                show: Show::Available,
                idle_since: None,
                ..
            }
        ]
    ));
    let mut held = from_bob(1, "while you were away");
    held.delays = vec![Stamp {
        at: rig.now - Delta::seconds(20),
        from: Some(jid("alice@example.org")),
    }];
    rig.stanza(Inbound::Message(held)).await;
    let counters = rig.engine.counters(rig.now);
    assert_eq!(counters.quiet_mode_sessions, 1);
    assert_eq!(counters.quiet_mode_millis, 30_000);
    assert_eq!(counters.buffer_flushes, 1);
    assert_eq!(counters.buffer_flush_packets, 1);
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
            .archive_position(&bare("alice@example.org"))
            .await
            .expect("position")
            .as_deref(),
        Some("arch-1")
    );
    assert!(rig.engine.catching_up());
}

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
async fn a_position_the_archive_forgot_restarts_catch_up_from_the_start() {
    let mut rig = Rig::new("laptop");
    rig.store
        .store_archive_page(&bare("alice@example.org"), &[], Some("gone"))
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

use crate::catchup::PageRequest as PageRequestAfter;

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

#[tokio::test]
async fn another_device_coming_online_is_asked_what_it_is() {
    let mut rig = Rig::new("laptop");
    rig.online().await;
    let effects = rig
        .stanza(device_presence("phone", Show::Available, false))
        .await;
    let id = request_id(&effects, |r| *r == Request::DiscoInfo).expect("asked");
    rig.stanza(Inbound::Result {
        from: Some(jid("alice@example.org/phone")),
        id,
        answer: Answer::DiscoInfo {
            identities: vec![("client".into(), "phone".into())],
        },
    })
    .await;
    let devices = rig
        .engine
        .devices(&rig.store, rig.now)
        .await
        .expect("devices");
    let phone = devices
        .iter()
        .find(|d| d.resource == "phone")
        .expect("the phone");
    assert_eq!(phone.device_type, DeviceType::Phone);
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

#[tokio::test]
async fn changing_the_window_reaches_the_running_engine() {
    let mut rig = Rig::new("laptop");
    rig.online().await;
    rig.stanza(device_presence("phone", Show::Available, false))
        .await;
    let window = ActiveWindow::from_secs(10).expect("a valid window");
    rig.command(Command::SetWindow(window)).await;
    rig.tick(20);
    let effects = rig.stanza(Inbound::Message(from_bob(1, "hi"))).await;
    assert_eq!(decisions(&effects), vec![Decision::Notify]);
    assert_eq!(rig.engine.active_window(), Duration::from_secs(10));
}

#[test]
fn a_message_we_sent_is_out_and_one_we_received_is_in() {
    let account = bare("alice@example.org");
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

mod properties;
