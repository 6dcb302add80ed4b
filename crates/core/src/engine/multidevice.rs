//! The multi-device behaviour: presence and our devices, the active device, notification
//! decisions, read state (markers, MDS, replies) and quiet mode.

use chrono::{DateTime, Utc};
use jid::{BareJid, Jid};

use super::inbound::{self, Envelope, MessageFacts, PresenceFacts, PubsubItem, Stamp};
use super::outbound::{Outbound, Request};
use super::{Engine, Pending};
use crate::activity::Signal;
use crate::counters::Counters;
use crate::event::{Event, QuietState};
use crate::model::{Device, Direction, Show, StoredMessage, Via};
use crate::notify::{self, decide, withdraws, Decision, NotifyInput, SilentReason};
use crate::readstate::{advance, ReadPosition, ReadSource};
use crate::status::{device_status, DeviceStatus};
use crate::store::Store;

/// The PEP node of XEP-0490 Message Displayed Synchronization.
pub const MDS_NODE: &str = "urn:xmpp:mds:displayed:0";

/// How many messages one backward step of [`Engine::find_named`] reads.
const SEARCH_PAGE: u32 = 100;

impl Engine {
    /// This device's counters at `now`.
    pub fn counters(&self, now: DateTime<Utc>) -> Counters {
        let mut c = self.counters.clone();
        if let Some(since) = self.quiet_since {
            c.quiet_mode_millis += millis_between(since, now);
        }
        c
    }

    /// Every device of our account as stored, each with its state as this device sees it
    /// at `now` (online first, then by resource).
    pub async fn devices<S: Store>(
        &self,
        store: &S,
        now: DateTime<Utc>,
    ) -> crate::Result<Vec<DeviceStatus>> {
        let devices = store.devices(&self.cfg.account).await?;
        Ok(devices
            .iter()
            .map(|d| {
                let quiet = if d.this_device && self.jid.as_ref() == Some(&d.jid) {
                    self.quiet
                } else {
                    self.idle.contains(&d.resource)
                };
                device_status(d, &self.activity, quiet, now)
            })
            .collect())
    }

    /// Sends our presence: `show` when in the foreground, away with XEP-0319 idle when quiet.
    pub(super) fn announce(&mut self, now: DateTime<Utc>) {
        let show = if self.quiet { Show::Away } else { self.show };
        self.send(Outbound::Presence {
            show,
            idle_since: self.quiet.then_some(now),
            device: self.cfg.device,
        });
        let me = self.cfg.resource.clone();
        self.activity.observe(&me, Signal::from(show), now);
    }

    pub(super) async fn set_quiet<S: Store>(&mut self, store: &S, quiet: bool, now: DateTime<Utc>) {
        if self.quiet == quiet {
            return;
        }
        self.quiet = quiet;
        if quiet {
            self.counters.quiet_mode_sessions += 1;
            self.quiet_since = Some(now);
        } else {
            if let Some(since) = self.quiet_since.take() {
                self.counters.quiet_mode_millis += millis_between(since, now);
            }
            self.flush_armed = true;
        }
        let told = self.jid.is_some() && self.csi;
        if quiet {
            // Presence first, so our other devices stop treating this one as active, then
            // ask the server to hold back what can wait.
            self.announce(now);
            if told {
                self.send(Outbound::ClientState { active: false });
            }
        } else {
            if told {
                self.send(Outbound::ClientState { active: true });
            }
            self.announce(now);
        }
        self.emit(Event::Quiet {
            state: if quiet {
                QuietState::Inactive
            } else {
                QuietState::Active
            },
            server: told,
        });
        // Back in the foreground with a conversation on screen: what arrived meanwhile is
        // now in front of the user.
        self.read_viewed(store, now).await;
    }

    /// Counts a stanza the server held back while we were inactive.
    pub(super) fn note_held(&mut self, delays: &[Stamp], now: DateTime<Utc>) {
        if let Some(since) = inbound::held_since(delays, &self.cfg.account) {
            self.counters.held_stanza(millis_between(since, now));
            if std::mem::take(&mut self.flush_armed) {
                self.counters.buffer_flushes += 1;
            }
        }
    }

    /// Decides about notifying for a newly stored message, and applies what it says about
    /// read state (a reply from another device of ours reads the conversation up to it).
    pub(super) async fn after_new<S: Store>(
        &mut self,
        store: &S,
        m: &StoredMessage,
        now: DateTime<Utc>,
    ) {
        let position = ReadPosition::from(m);
        if m.via == Via::CarbonSent {
            if let Some(resource) = m.from.resource() {
                self.activity
                    .observe(resource.as_str(), Signal::SentMessage, now);
            }
            self.move_read(
                store,
                &m.conversation,
                Some(position),
                ReadSource::Reply,
                &m.from,
            )
            .await;
        } else if m.via == Via::Archive && m.direction == Direction::Out {
            // A reply sent while this device was away reads the conversation just the same.
            self.move_read(
                store,
                &m.conversation,
                Some(position),
                ReadSource::Reply,
                &m.from,
            )
            .await;
        }
        let input = NotifyInput::from(m);
        let viewing = notify::viewing(self.viewing.as_ref(), self.quiet, &m.conversation);
        self.room_reply_reads(store, m).await;
        let decision = decide(
            &input,
            &self.activity,
            self.read.get(&m.conversation),
            viewing,
            now,
        );
        let decision = self.room_decision(m, decision);
        if decision == Decision::Notify {
            let newest = self
                .notified
                .entry(m.conversation.clone())
                .or_insert(position);
            if *newest < position {
                *newest = position;
            }
        }
        self.counters
            .decision(decision.notifies(), decision.as_str());
        let read_now = decision == Decision::Silent(SilentReason::Viewing);
        self.emit(Event::Notification {
            conversation: m.conversation.clone(),
            message_id: m.id,
            decision,
        });
        if read_now {
            self.read_locally(store, m.conversation.clone(), now).await;
        }
    }

    /// Remembers the conversation on screen and reads it if it has anything unread.
    pub(super) async fn set_viewing<S: Store>(
        &mut self,
        store: &S,
        peer: Option<BareJid>,
        now: DateTime<Utc>,
    ) {
        self.viewing = peer;
        self.read_viewed(store, now).await;
    }

    /// Reads the conversation on screen, if any, when the app is in the foreground and the
    /// conversation has a message past its read position.
    async fn read_viewed<S: Store>(&mut self, store: &S, now: DateTime<Utc>) {
        let Some(peer) = self.viewing.clone() else {
            return;
        };
        if !notify::viewing(Some(&peer), self.quiet, &peer) {
            return;
        }
        let newest = match store.history_page(&self.cfg.account, &peer, None, 1).await {
            Ok(page) => page.last().map(ReadPosition::from),
            Err(e) => return self.storage_error(format!("cannot read the conversation: {e}")),
        };
        let unread = newest.is_some_and(|n| self.read.get(&peer).is_none_or(|r| *r < n));
        if unread {
            self.read_locally(store, peer, now).await;
        }
    }

    /// Moves a conversation's read position forward when the rules allow it, and withdraws
    /// a notification the new position covers.
    pub(super) async fn move_read<S: Store>(
        &mut self,
        store: &S,
        peer: &BareJid,
        candidate: Option<ReadPosition>,
        source: ReadSource,
        from: &Jid,
    ) {
        match advance(
            self.read.get(peer),
            candidate.as_ref(),
            source,
            from,
            &self.cfg.account,
        ) {
            Ok(position) => {
                // Stored first: an event always describes what is already in the store.
                if let Err(e) = store
                    .mark_read(&self.cfg.account, peer, position.message)
                    .await
                {
                    self.storage_error(format!("cannot store the read position: {e}"));
                }
                self.emit(Event::Read {
                    conversation: peer.clone(),
                    up_to: position.message,
                    source,
                });
                if let Some(shown) = self.notified.get(peer) {
                    if withdraws(shown, &position) {
                        self.notified.remove(peer);
                        self.emit(Event::Withdrawn {
                            conversation: peer.clone(),
                        });
                    }
                }
                self.read.insert(peer.clone(), position);
            }
            Err(rejection) => {
                tracing::debug!(%rejection, %peer, ?source, "read position not moved")
            }
        }
    }

    pub(super) async fn read_locally<S: Store>(
        &mut self,
        store: &S,
        peer: BareJid,
        _now: DateTime<Utc>,
    ) {
        let last = match store.history_page(&self.cfg.account, &peer, None, 1).await {
            Ok(mut page) => page.pop(),
            Err(e) => return self.storage_error(format!("cannot read the conversation: {e}")),
        };
        let Some(last) = last else {
            return;
        };
        let me = self
            .jid
            .clone()
            .map(Jid::from)
            .unwrap_or_else(|| Jid::from(self.cfg.account.clone()));
        self.move_read(
            store,
            &peer,
            Some(ReadPosition::from(&last)),
            ReadSource::Local,
            &me,
        )
        .await;
        // Tell the contact (and, through carbons, our other devices) with a displayed marker
        // for the newest incoming message. XEP-0333 names the message by its own `id`, never
        // by our archive's stanza-id: that id is our server's, and handing it to the contact
        // let a contact aim forged claims at one particular message.
        // Rooms: no marker to the room (everyone would see it); MDS tells our devices.
        let room = self.is_room(&peer);
        let marker_id = if room {
            None
        } else {
            self.find_named(store, &peer, |m| {
                m.direction == Direction::In && m.stanza_attr_id.is_some()
            })
            .await
            .and_then(|m| m.stanza_attr_id)
        };
        if let Some(of) = marker_id {
            let id = self.new_id();
            self.send(Outbound::Displayed {
                to: peer.clone(),
                id,
                of,
            });
        }
        // Publish the position to our PEP (XEP-0490 Message Displayed Synchronization), so
        // our other devices learn it even without carbons.
        let stamped = self
            .find_named(store, &peer, |m| m.keys.stanza_id.is_some())
            .await
            .and_then(|m| m.keys.stanza_id);
        if let Some(stanza_id) = stamped {
            // A room's messages carry the room's stanza-ids; ours carry our server's.
            let by = if room {
                peer.clone()
            } else {
                self.cfg.account.clone()
            };
            self.request(
                None,
                Request::PublishMds {
                    peer,
                    stanza_id,
                    by,
                },
                Pending::MdsPublish,
            );
        }
    }

    /// A PubSub event: only our own PEP's MDS items (XEP-0490) mean anything here, each
    /// that another device of ours read a conversation.
    pub(super) async fn on_pubsub<S: Store>(
        &mut self,
        store: &S,
        outer: &Envelope,
        node: &str,
        items: &[PubsubItem],
        _now: DateTime<Utc>,
    ) {
        let account = self.cfg.account.clone();
        let own = outer
            .from
            .as_ref()
            .is_none_or(|f| f.try_as_full().is_err() && f.to_bare() == account);
        if !own || node != MDS_NODE {
            return;
        }
        let from = outer
            .from
            .clone()
            .unwrap_or_else(|| Jid::from(account.clone()));
        for item in items.iter().take(inbound::MAX_MDS_ITEMS) {
            let Some(peer) = item.id.as_deref().and_then(|id| BareJid::new(id).ok()) else {
                continue;
            };
            // Only a stanza-id our own server stamped names one of our messages; in a room,
            // only one the room stamped.
            let stamper = if self.is_room(&peer) {
                peer.clone()
            } else {
                account.clone()
            };
            let Some((_, id)) = item.displayed.as_ref().filter(|(by, id)| {
                !id.is_empty() && by.try_as_full().is_err() && by.to_bare() == stamper
            }) else {
                continue;
            };
            let target = self
                .find_named(store, &peer, |m| {
                    m.keys.stanza_id.as_deref() == Some(id.as_str())
                })
                .await
                .as_ref()
                .map(ReadPosition::from);
            self.move_read(store, &peer, target, ReadSource::Mds, &from)
                .await;
        }
    }

    /// A displayed marker one of our other devices sent (seen here as a sent carbon).
    pub(super) async fn on_own_marker<S: Store>(
        &mut self,
        store: &S,
        inner: &MessageFacts,
        id: String,
    ) {
        let Some(peer) = inner.to.as_ref().map(Jid::to_bare) else {
            return;
        };
        let from = inner
            .from
            .clone()
            .unwrap_or_else(|| Jid::from(self.cfg.account.clone()));
        // The marker names the contact's message by its `id` (XEP-0333).
        let target = self
            .find_named(store, &peer, |m| {
                m.direction == Direction::In && m.stanza_attr_id.as_deref() == Some(id.as_str())
            })
            .await
            .as_ref()
            .map(ReadPosition::from);
        self.move_read(store, &peer, target, ReadSource::Marker, &from)
            .await;
    }

    /// A displayed marker from the contact's client (live, or a received carbon of it): they
    /// saw our message, and so every earlier one of ours. Our own devices' markers never get
    /// here (they are read state: [`Self::on_own_marker`]).
    pub(super) async fn on_contact_marker<S: Store>(
        &mut self,
        store: &S,
        m: &MessageFacts,
        id: String,
    ) {
        let Some(peer) = m.from.as_ref().map(Jid::to_bare) else {
            return;
        };
        if peer == self.cfg.account {
            return;
        }
        let Some(target) = self
            .find_named(store, &peer, |m| {
                m.direction == Direction::Out
                    && (m.stanza_attr_id.as_deref() == Some(id.as_str())
                        || m.keys.origin_id.as_deref() == Some(id.as_str()))
            })
            .await
        else {
            return tracing::debug!(%peer, "displayed marker for a message we do not have");
        };
        match store.mark_seen(&self.cfg.account, &peer, target.id).await {
            Ok(true) => self.emit(Event::Seen {
                conversation: peer,
                up_to: target.id,
            }),
            Ok(false) => {}
            Err(e) => self.storage_error(format!("cannot store the seen position: {e}")),
        }
    }

    /// The newest stored message of the conversation that `named` picks out. Reads the
    /// history backwards a page at a time: what a marker, an MDS item or a read names is
    /// nearly always recent, and a long conversation is never loaded whole.
    pub(super) async fn find_named<S: Store>(
        &mut self,
        store: &S,
        peer: &BareJid,
        named: impl Fn(&StoredMessage) -> bool,
    ) -> Option<StoredMessage> {
        let mut before = None;
        loop {
            let mut page = match store
                .history_page(&self.cfg.account, peer, before, SEARCH_PAGE)
                .await
            {
                Ok(page) => page,
                Err(e) => {
                    self.storage_error(format!("cannot read the conversation: {e}"));
                    return None;
                }
            };
            if let Some(found) = page.iter().rposition(&named) {
                return Some(page.swap_remove(found));
            }
            if page.len() < SEARCH_PAGE as usize {
                return None;
            }
            before = page.first().map(|m| m.id);
        }
    }

    pub(super) async fn on_presence<S: Store>(
        &mut self,
        store: &S,
        p: PresenceFacts,
        now: DateTime<Utc>,
    ) {
        let Some(from) = p.from.clone() else { return };
        let show = p.show;
        // When it was sent, if it was held back or replayed.
        let delay = p.delays.first().map(|d| d.at);
        self.emit(Event::Presence {
            jid: from.clone(),
            show,
            delay,
        });
        if from.to_bare() != self.cfg.account {
            return;
        }
        let Ok(full) = from.try_into_full() else {
            return;
        };
        let this = self.jid.as_ref() == Some(&full);
        let resource = full.resource().to_string();
        let known = self.devices.get(&resource).cloned();
        let online = show != Show::Unavailable;
        let device = Device {
            jid: full.clone(),
            resource: resource.clone(),
            show,
            device_type: if this {
                self.cfg.device
            } else {
                known.as_ref().map(|d| d.device_type).unwrap_or_default()
            },
            online,
            this_device: this,
            last_seen: now,
        };
        if p.idle {
            self.idle.insert(resource.clone());
        } else {
            self.idle.remove(&resource);
        }
        if !this {
            // Activity dates from when the presence was sent, not when it reached us.
            let at = delay.map_or(now, |d| d.min(now));
            self.activity.observe(&resource, Signal::from(show), at);
        }
        let needs_disco = online && !this && known.as_ref().is_none_or(|d| !d.online);
        self.update_device(store, device).await;
        if needs_disco {
            self.request(
                Some(Jid::from(full.clone())),
                Request::DiscoInfo,
                Pending::DiscoInfo(full),
            );
        }
    }

    pub(super) async fn update_device<S: Store>(&mut self, store: &S, device: Device) {
        if let Err(e) = store.upsert_device(&self.cfg.account, &device).await {
            self.storage_error(format!("cannot store device: {e}"));
        }
        self.devices.insert(device.resource.clone(), device);
        self.counters.sessions = self.devices.values().filter(|d| d.online).count() as u64;
        let mut all: Vec<Device> = self.devices.values().cloned().collect();
        all.sort_by(|a, b| b.online.cmp(&a.online).then(a.resource.cmp(&b.resource)));
        self.emit(Event::Device { devices: all });
    }
}

fn millis_between(since: DateTime<Utc>, now: DateTime<Utc>) -> u64 {
    (now - since).num_milliseconds().max(0) as u64
}
