//! The multi-device behaviour of the session actor: presence and our devices, the active
//! device, notification decisions, read state (markers, MDS, replies) and quiet mode.

use super::*;

impl<S: Store + 'static> Actor<S> {
    /// Sends our presence: `show` when in the foreground, away with XEP-0319 idle when quiet.
    pub(super) async fn announce(&mut self) {
        let show = if self.quiet { Show::Away } else { self.show };
        let mut presence = presence::Presence::available();
        presence.show = match show {
            Show::Away => Some(presence::Show::Away),
            Show::Xa => Some(presence::Show::Xa),
            Show::Dnd => Some(presence::Show::Dnd),
            Show::Chat => Some(presence::Show::Chat),
            Show::Available | Show::Unavailable => None,
        };
        let caps = caps::hash_caps(
            &caps::compute_disco(&self.disco_info(None)),
            hashes::Algo::Sha_1,
        )
        .map(|hash| caps::Caps::new(CAPS_NODE, hash));
        if let Ok(caps) = caps {
            presence.add_payload(caps);
        }
        let now = Utc::now();
        if self.quiet {
            presence.add_payload(tokio_xmpp::parsers::idle::Idle {
                since: tokio_xmpp::parsers::date::DateTime(now.fixed_offset()),
            });
        }
        self.send_stanza(presence).await;
        let me = self.cfg.connect.resource.clone();
        self.activity.observe(&me, Signal::from(show), now);
    }

    pub(super) async fn set_quiet(&mut self, quiet: bool) {
        if self.quiet == quiet {
            return;
        }
        self.quiet = quiet;
        if quiet {
            self.counters.quiet_mode_sessions += 1;
            self.quiet_since = Some(std::time::Instant::now());
        } else {
            if let Some(since) = self.quiet_since.take() {
                self.counters.quiet_mode_millis += since.elapsed().as_millis() as u64;
            }
            self.flush_armed = true;
        }
        let told = self.jid.is_some() && self.csi;
        if quiet {
            // Presence first, so our other devices stop treating this one as active, then
            // ask the server to hold back what can wait.
            self.announce().await;
            if told {
                self.injector.inject(CSI_INACTIVE);
            }
        } else {
            if told {
                self.injector.inject(CSI_ACTIVE);
            }
            self.announce().await;
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
        self.read_viewed().await;
    }

    pub(super) fn counters_now(&self) -> Counters {
        let mut c = self.counters.clone();
        if let Some(since) = self.quiet_since {
            c.quiet_mode_millis += since.elapsed().as_millis() as u64;
        }
        c
    }

    /// Counts a stanza the server held back while we were inactive: mod_csi_simple (and
    /// XEP-0352 servers generally) stamp those with a delay from our own bare JID.
    pub(super) fn note_held(&mut self, payloads: &[Element]) {
        let held = payloads
            .iter()
            .filter(|e| e.is("delay", ns::DELAY))
            .filter_map(|e| Delay::try_from(e.clone()).ok())
            .find(|d| {
                d.from
                    .as_ref()
                    .is_some_and(|f| f.try_as_full().is_err() && f.to_bare() == self.account)
            });
        if let Some(d) = held {
            let held_for = (Utc::now() - d.stamp.0.with_timezone(&Utc))
                .num_milliseconds()
                .max(0) as u64;
            self.counters.held_stanza(held_for);
            if std::mem::take(&mut self.flush_armed) {
                self.counters.buffer_flushes += 1;
            }
        }
    }

    /// Decides about notifying for a newly stored message, and applies what it says about
    /// read state (a reply from another device of ours reads the conversation up to it).
    pub(super) async fn after_new(&mut self, m: &StoredMessage) {
        let now = Utc::now();
        let position = ReadPosition::from(m);
        if m.via == Via::CarbonSent {
            if let Some(resource) = m.from.resource() {
                self.activity
                    .observe(resource.as_str(), Signal::SentMessage, now);
            }
            self.move_read(&m.conversation, Some(position), ReadSource::Reply, &m.from)
                .await;
        } else if m.via == Via::Archive && m.direction == Direction::Out {
            // A reply sent while this device was away reads the conversation just the same.
            self.move_read(&m.conversation, Some(position), ReadSource::Reply, &m.from)
                .await;
        }
        let input = NotifyInput::from(m);
        let viewing = notify::viewing(self.viewing.as_ref(), self.quiet, &m.conversation);
        let decision = decide(
            &input,
            &self.activity,
            self.read.get(&m.conversation),
            viewing,
            now,
        );
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
            self.read_locally(m.conversation.clone()).await;
        }
    }

    /// Remembers the conversation on screen and reads it if it has anything unread.
    pub(super) async fn set_viewing(&mut self, peer: Option<BareJid>) {
        self.viewing = peer;
        self.read_viewed().await;
    }

    /// Reads the conversation on screen, if any, when the app is in the foreground and the
    /// conversation has a message past its read position.
    pub(super) async fn read_viewed(&mut self) {
        let Some(peer) = self.viewing.clone() else {
            return;
        };
        if !notify::viewing(Some(&peer), self.quiet, &peer) {
            return;
        }
        let newest = match self.store.history_page(&self.account, &peer, None, 1).await {
            Ok(page) => page.last().map(ReadPosition::from),
            Err(e) => return self.error(format!("cannot read the conversation: {e}")),
        };
        let unread = newest.is_some_and(|n| self.read.get(&peer).is_none_or(|r| *r < n));
        if unread {
            self.read_locally(peer).await;
        }
    }

    /// Moves a conversation's read position forward when the rules allow it, and withdraws
    /// a notification the new position covers.
    pub(super) async fn move_read(
        &mut self,
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
            &self.account,
        ) {
            Ok(position) => {
                // Stored first: an event always describes what is already in the store.
                if let Err(e) = self
                    .store
                    .mark_read(&self.account, peer, position.message)
                    .await
                {
                    self.error(format!("cannot store the read position: {e}"));
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

    pub(super) async fn read_locally(&mut self, peer: BareJid) {
        let last = match self.store.history_page(&self.account, &peer, None, 1).await {
            Ok(mut page) => page.pop(),
            Err(e) => return self.error(format!("cannot read the conversation: {e}")),
        };
        let Some(last) = last else {
            return;
        };
        let me = self
            .jid
            .clone()
            .map(Jid::from)
            .unwrap_or_else(|| Jid::from(self.account.clone()));
        self.move_read(
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
        let marker_id = self
            .find_named(&peer, |m| {
                m.direction == Direction::In && m.stanza_attr_id.is_some()
            })
            .await
            .and_then(|m| m.stanza_attr_id);
        if let Some(id) = marker_id {
            let mut marker = Message::chat(Some(Jid::from(peer.clone())));
            marker.id = Some(tokio_xmpp::parsers::message::Id(new_id()));
            marker.payloads.push(
                tokio_xmpp::parsers::displayed_markers::Displayed {
                    id: tokio_xmpp::parsers::message::Id(id),
                }
                .into(),
            );
            self.send_stanza(marker).await;
        }
        let stamped = self.find_named(&peer, |m| m.keys.stanza_id.is_some()).await;
        if let Some(stamped) = stamped {
            self.publish_mds(&peer, std::slice::from_ref(&stamped))
                .await;
        }
    }

    /// Publishes this conversation's read position to our account's PEP (XEP-0490 Message
    /// Displayed Synchronization), so our other devices learn it even without carbons.
    pub(super) async fn publish_mds(&mut self, peer: &BareJid, history: &[StoredMessage]) {
        let Some(stanza_id) = history.iter().rev().find_map(|m| m.keys.stanza_id.clone()) else {
            return;
        };
        let xml = format!(
            "<pubsub xmlns='http://jabber.org/protocol/pubsub'>\
               <publish node='{MDS_NODE}'><item id='{peer}'>\
                 <displayed xmlns='{MDS_NODE}'><stanza-id xmlns='urn:xmpp:sid:0' by='{by}' id='{id}'/></displayed>\
               </item></publish>\
               <publish-options><x xmlns='jabber:x:data' type='submit'>\
                 <field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/pubsub#publish-options</value></field>\
                 <field var='pubsub#persist_items'><value>true</value></field>\
                 <field var='pubsub#max_items'><value>max</value></field>\
                 <field var='pubsub#send_last_published_item'><value>never</value></field>\
                 <field var='pubsub#access_model'><value>whitelist</value></field>\
               </x></publish-options>\
             </pubsub>",
            peer = xml_escape(&peer.to_string()),
            by = xml_escape(&self.account.to_string()),
            id = xml_escape(&stanza_id),
        );
        match xml.parse::<Element>() {
            Ok(payload) => {
                let iq = Iq::Set {
                    from: None,
                    to: None,
                    id: new_id(),
                    payload,
                };
                self.send_iq(iq, Pending::MdsPublish).await;
            }
            Err(e) => tracing::warn!(error = %e, "cannot build the MDS item"),
        }
    }

    /// An MDS item from our own PEP (XEP-0490): another device of ours read a conversation.
    pub(super) async fn on_mds(&mut self, outer: &Message, event: &Element) {
        let from = outer
            .from
            .clone()
            .unwrap_or_else(|| Jid::from(self.account.clone()));
        for (peer, id) in crate::wire::mds_items(event, &self.account) {
            let target = self
                .find_read_target(&peer, |m| m.keys.stanza_id.as_deref() == Some(id.as_str()))
                .await;
            self.move_read(&peer, target, ReadSource::Mds, &from).await;
        }
    }

    /// A displayed marker one of our other devices sent (seen here as a sent carbon).
    pub(super) async fn on_own_marker(&mut self, inner: &Message, id: String) {
        let Some(peer) = inner.to.as_ref().map(Jid::to_bare) else {
            return;
        };
        let from = inner
            .from
            .clone()
            .unwrap_or_else(|| Jid::from(self.account.clone()));
        // The marker names the contact's message by its `id` (XEP-0333).
        let target = self
            .find_read_target(&peer, |m| {
                m.direction == Direction::In && m.stanza_attr_id.as_deref() == Some(id.as_str())
            })
            .await;
        self.move_read(&peer, target, ReadSource::Marker, &from)
            .await;
    }

    /// A displayed marker from the contact's client (live, or a received carbon of it): they
    /// saw our message, and so every earlier one of ours. Our own devices' markers never get
    /// here (they are read state: [`Self::on_own_marker`]).
    pub(super) async fn on_contact_marker(&mut self, m: &Message, id: String) {
        let Some(peer) = m.from.as_ref().map(Jid::to_bare) else {
            return;
        };
        if peer == self.account {
            return;
        }
        let Some(target) = self
            .find_named(&peer, |m| {
                m.direction == Direction::Out
                    && (m.stanza_attr_id.as_deref() == Some(id.as_str())
                        || m.keys.origin_id.as_deref() == Some(id.as_str()))
            })
            .await
        else {
            return tracing::debug!(%peer, "displayed marker for a message we do not have");
        };
        match self.store.mark_seen(&self.account, &peer, target.id).await {
            Ok(true) => self.emit(Event::Seen {
                conversation: peer,
                up_to: target.id,
            }),
            Ok(false) => {}
            Err(e) => self.error(format!("cannot store the seen position: {e}")),
        }
    }

    /// The newest stored message of the conversation that `named` picks out (a marker's or an
    /// MDS item's message), as a read position; `None` when we do not have it.
    async fn find_read_target(
        &self,
        peer: &BareJid,
        named: impl Fn(&StoredMessage) -> bool,
    ) -> Option<ReadPosition> {
        self.find_named(peer, named)
            .await
            .as_ref()
            .map(ReadPosition::from)
    }

    /// The newest stored message of the conversation that `named` picks out. Reads the
    /// history backwards a page at a time: what a marker, an MDS item or a read names is
    /// nearly always recent, and a long conversation is never loaded whole.
    async fn find_named(
        &self,
        peer: &BareJid,
        named: impl Fn(&StoredMessage) -> bool,
    ) -> Option<StoredMessage> {
        let mut before = None;
        loop {
            let mut page = match self
                .store
                .history_page(&self.account, peer, before, SEARCH_PAGE)
                .await
            {
                Ok(page) => page,
                Err(e) => {
                    self.error(format!("cannot read the conversation: {e}"));
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

    pub(super) async fn on_presence(&mut self, p: presence::Presence) {
        let Some(from) = p.from.clone() else { return };
        let Some(crate::wire::PresenceInfo { show, delay, idle }) = crate::wire::presence_info(&p)
        else {
            return;
        };
        self.emit(Event::Presence {
            jid: from.clone(),
            show,
            delay,
        });
        if from.to_bare() != self.account {
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
            last_seen: Utc::now(),
        };
        if idle {
            self.idle.insert(resource.clone());
        } else {
            self.idle.remove(&resource);
        }
        if !this {
            // Activity dates from when the presence was sent, not when it reached us.
            let at = delay.map_or_else(Utc::now, |d| d.min(Utc::now()));
            self.activity.observe(&resource, Signal::from(show), at);
        }
        let needs_disco = online && !this && known.as_ref().is_none_or(|d| !d.online);
        self.update_device(device).await;
        if needs_disco {
            let query = disco::DiscoInfoQuery { node: None };
            let iq = Iq::from_get(new_id(), query).with_to(Jid::from(full.clone()));
            self.send_iq(iq, Pending::DiscoInfo(full)).await;
        }
    }

    /// Our devices as stored, each with its state as this device sees it now.
    pub(super) async fn device_statuses(&self) -> Result<Vec<DeviceStatus>, ClientError> {
        let devices = self.store.devices(&self.account).await?;
        let now = Utc::now();
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

    pub(super) async fn update_device(&mut self, device: Device) {
        if let Err(e) = self.store.upsert_device(&self.account, &device).await {
            self.error(format!("cannot store device: {e}"));
        }
        self.devices.insert(device.resource.clone(), device);
        self.counters.sessions = self.devices.values().filter(|d| d.online).count() as u64;
        let mut all: Vec<Device> = self.devices.values().cloned().collect();
        all.sort_by(|a, b| b.online.cmp(&a.online).then(a.resource.cmp(&b.resource)));
        self.emit(Event::Device { devices: all });
    }
}

pub(super) fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\'', "&apos;")
        .replace('"', "&quot;")
}

/// How many messages one backward step of [`Actor::find_named`] reads.
const SEARCH_PAGE: u32 = 100;

pub(super) use crate::wire::MDS_NODE;

pub(super) const MDS_NODE_NOTIFY: &str = "urn:xmpp:mds:displayed:0+notify";

pub(super) const CSI_INACTIVE: &str = "<inactive xmlns='urn:xmpp:csi:0'/>";

pub(super) const CSI_ACTIVE: &str = "<active xmlns='urn:xmpp:csi:0'/>";
