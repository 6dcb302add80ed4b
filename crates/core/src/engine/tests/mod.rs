//! The engine alone, without a server: the spec's use cases and the edge cases of
//! multi-device messaging, in milliseconds. The same behaviour is tested against a real
//! Prosody in `tests/`; these tests say what the machine does, stanza by stanza.
//!
//! This module holds the rig (one device, its store and clock) and the stanzas the tests
//! share; the tests are in the submodules, one per use case.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Duration as Delta, TimeZone, Utc};
use jid::FullJid;

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
use crate::testing::{alice, bare, full, jid};

pub(crate) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0)
        .single()
        .expect("a valid time")
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
            account: alice(),
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
            .history(&alice(), &bare(peer))
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
        muc: None,
    })
}

fn own_envelope() -> Envelope {
    Envelope {
        from: Some(jid("alice@example.org")),
        delays: vec![],
    }
}

mod devices;
mod edits;
mod iq;
mod messages;
mod properties;
mod quiet_mode;
mod read_state;
mod rooms;
mod sign_in;
