//! Messages in and out: live messages, carbons (XEP-0280), receipts (XEP-0184), sending,
//! and catching up from the archive (XEP-0313).

use super::*;
use crate::wire::{self, displayed_of, receipt_of, server_second, trusted_delay};

impl<S: Store + 'static> Actor<S> {
    pub(super) async fn request_page(&mut self, req: PageRequest) {
        let query = mam::Query {
            queryid: Some(mam::QueryId(req.query_id)),
            node: None,
            form: None,
            set: Some(rsm::SetQuery {
                max: Some(req.max),
                after: req.after,
                before: None,
                index: None,
            }),
            flip_page: false,
        };
        self.page.clear();
        self.send_iq(Iq::from_set(new_id(), query), Pending::ArchivePage)
            .await;
    }

    pub(super) async fn on_message(&mut self, m: Message) {
        // Archive results (XEP-0313), carbons (XEP-0280), our PEP events, or a live message.
        for el in &m.payloads {
            if el.is("event", ns::PUBSUB_EVENT) {
                let own = m
                    .from
                    .as_ref()
                    .is_none_or(|f| f.try_as_full().is_err() && f.to_bare() == self.account);
                if own {
                    let el = el.clone();
                    return self.on_mds(&m, &el).await;
                }
                return;
            }
            if el.is("result", ns::MAM) {
                return self.on_archive_result(&m, el.clone());
            }
            if el.is("received", ns::CARBONS) || el.is("sent", ns::CARBONS) {
                return self.on_carbon(&m, el.clone()).await;
            }
        }
        self.on_live_message(m).await;
    }

    pub(super) fn on_archive_result(&mut self, outer: &Message, el: Element) {
        let result = match mam::Result_::try_from(el) {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "dropped malformed archive result");
                return;
            }
        };
        let expected = self.catch_up.as_ref().and_then(|c| c.expected_query_id());
        let query_id = result.queryid.as_ref().map(|q| q.0.as_str());
        if let Err(rejection) =
            rules::accept_archive_result(outer.from.as_ref(), &self.account, query_id, expected)
        {
            tracing::warn!(%rejection, "dropped archive result");
            return;
        }
        let inner = &result.forwarded.message;
        if inner.type_ == MessageType::Groupchat {
            return;
        }
        // Our own archive's stamp: the time our server archived the message.
        let now = Utc::now();
        let stamp = result
            .forwarded
            .delay
            .as_ref()
            .map(|d| d.stamp.0.with_timezone(&Utc).min(now))
            .unwrap_or(now);
        if let Some(mut msg) =
            wire::new_message(inner, Via::Archive, stamp, &self.account, self.jid.as_ref())
        {
            // The archive id is the stanza-id our own server gave the message.
            msg.keys.stanza_id = Some(result.id.clone());
            self.page.push(msg);
        }
    }

    pub(super) async fn on_carbon(&mut self, outer: &Message, el: Element) {
        if let Err(rejection) = rules::accept_carbon(outer.from.as_ref(), &self.account) {
            tracing::warn!(%rejection, "dropped carbon");
            self.emit(Event::Error {
                message: format!("dropped a forged carbon: {rejection}"),
            });
            return;
        }
        let (forwarded, via) = if el.is("received", ns::CARBONS) {
            match carbons::Received::try_from(el) {
                Ok(r) => (r.forwarded, Via::CarbonReceived),
                Err(e) => return tracing::warn!(error = %e, "dropped malformed carbon"),
            }
        } else {
            match carbons::Sent::try_from(el) {
                Ok(s) => (s.forwarded, Via::CarbonSent),
                Err(e) => return tracing::warn!(error = %e, "dropped malformed carbon"),
            }
        };
        let inner = forwarded.message;
        if inner.type_ == MessageType::Groupchat {
            return;
        }
        match via {
            Via::CarbonReceived => self.counters.carbons_received += 1,
            _ => self.counters.carbons_sent += 1,
        }
        if inner.bodies.is_empty() {
            if let Some(id) = displayed_of(&inner) {
                // Ours (sent by another device of ours) is read state; the contact's (received
                // by another device of ours) says they saw our messages.
                return match via {
                    Via::CarbonSent => self.on_own_marker(&inner, id).await,
                    _ => self.on_contact_marker(&inner, id).await,
                };
            }
        }
        if let Some(id) = receipt_of(&inner) {
            // Another device of ours got (or sent) a receipt; a sent one says nothing new.
            if via == Via::CarbonReceived {
                self.on_receipt(&inner, id).await;
            }
            return;
        }
        // The carbon's own delay is our server's; the forwarded message's is the sender's.
        let now = Utc::now();
        let stamp = forwarded
            .delay
            .map(|d| d.stamp.0.with_timezone(&Utc).min(now))
            .or_else(|| trusted_delay(&inner, &self.account, now))
            .unwrap_or(now);
        if let Some(msg) = wire::new_message(&inner, via, stamp, &self.account, self.jid.as_ref()) {
            self.store_live(msg).await;
        }
    }

    pub(super) async fn on_live_message(&mut self, m: Message) {
        match m.type_ {
            MessageType::Groupchat => return,
            MessageType::Error => {
                tracing::info!(from = ?m.from, "message bounced with an error");
                return;
            }
            _ => {}
        }
        if let Some(id) = receipt_of(&m) {
            self.on_receipt(&m, id).await;
            return;
        }
        if m.bodies.is_empty() {
            if let Some(id) = displayed_of(&m) {
                return self.on_contact_marker(&m, id).await;
            }
        }
        let now = Utc::now();
        let stamp = trusted_delay(&m, &self.account, now).unwrap_or(now);
        let Some(msg) = wire::new_message(&m, Via::Live, stamp, &self.account, self.jid.as_ref())
        else {
            return;
        };
        let wants_receipt = m.payloads.iter().any(|p| p.is("request", ns::RECEIPTS));
        let direction = msg.direction;
        self.store_live(msg).await;
        if wants_receipt && direction == Direction::In {
            if let (Some(from), Some(id)) = (m.from.clone(), m.id.clone()) {
                let mut ack = Message::new(Some(from));
                ack.type_ = m.type_.clone();
                ack.id = Some(tokio_xmpp::parsers::message::Id(new_id()));
                ack.payloads.push(receipts::Received { id: id.0 }.into());
                self.send_stanza(ack).await;
            }
        }
    }

    pub(super) async fn on_receipt(&mut self, m: &Message, id: String) {
        let Some(peer) = m.from.as_ref().map(Jid::to_bare) else {
            return;
        };
        match self.store.mark_delivered(&self.account, &peer, &id).await {
            Ok(Some(mid)) => self.emit(Event::Delivered {
                conversation: peer,
                id: mid,
            }),
            Ok(None) => {}
            Err(e) => self.error(format!("cannot store receipt: {e}")),
        }
    }

    pub(super) async fn store_live(&mut self, msg: NewMessage) {
        match self.store.insert_message(&self.account, &msg).await {
            Ok(Inserted::New(stored)) => {
                self.emit(Event::Message(MessageView::from(&stored)));
                self.after_new(&stored).await;
            }
            Ok(Inserted::Duplicate(id)) => {
                self.counters.duplicates_dropped += 1;
                tracing::debug!(?id, "duplicate copy dropped")
            }
            Err(e) => self.error(format!("cannot store message: {e}")),
        }
    }

    pub(super) async fn send_message(
        &mut self,
        to: Jid,
        body: String,
        reply: oneshot::Sender<Result<StoredMessage, ClientError>>,
    ) {
        // XML 1.0 cannot carry most C0 controls: refuse them here, before anything is
        // stored, rather than store a message the stream will never send.
        if let Some(c) = body.chars().find(|c| !rules::xml_char(*c)) {
            let _ = reply.send(Err(ClientError::InvalidMessage(format!(
                "the text contains U+{:04X}, which XMPP cannot carry",
                u32::from(c)
            ))));
            return;
        }
        let id = new_id();
        let from = self
            .jid
            .clone()
            .map(Jid::from)
            .unwrap_or_else(|| Jid::from(self.account.clone()));
        let msg = NewMessage {
            peer: to.to_bare(),
            from,
            direction: Direction::Out,
            body: body.clone(),
            timestamp: server_second(Utc::now()),
            via: Via::Local,
            keys: DedupKeys {
                stanza_id: None,
                origin_id: Some(id.clone()),
            },
            stanza_attr_id: Some(id.clone()),
        };
        let stored = match self.store.insert_message(&self.account, &msg).await {
            Ok(Inserted::New(stored)) => stored,
            Ok(Inserted::Duplicate(_)) => {
                let _ = reply.send(Err(ClientError::Store("message id collision".into())));
                return;
            }
            Err(e) => {
                let _ = reply.send(Err(ClientError::Store(e.to_string())));
                return;
            }
        };
        self.emit(Event::Message(MessageView::from(&stored)));
        let me = self.cfg.connect.resource.clone();
        self.activity.observe(&me, Signal::SentMessage, Utc::now());
        // Replying reads the conversation up to the reply.
        let from = stored.from.clone();
        self.move_read(
            &stored.conversation,
            Some(ReadPosition::from(&stored)),
            ReadSource::Local,
            &from,
        )
        .await;
        let stanza = Message::chat(Some(to))
            .with_body(Default::default(), body)
            .with_payload(stanza_id::OriginId { id: id.clone() })
            .with_payload(receipts::Request)
            .with_payload(tokio_xmpp::parsers::displayed_markers::Markable);
        let mut stanza = stanza;
        stanza.id = Some(tokio_xmpp::parsers::message::Id(id));
        let mut token = self.stream.send(Box::new(stanza.into())).await;
        let timeout = self.cfg.ack_timeout;
        tokio::spawn(async move {
            let outcome = tokio::time::timeout(timeout, token.wait_for(StanzaStage::Acked)).await;
            let result = match outcome {
                Ok(Some(state)) if state == StanzaStage::Acked => Ok(stored),
                Ok(Some(state)) => Err(ClientError::NotAcknowledged(format!("{state:?}"))),
                Ok(None) => Err(ClientError::Closed),
                Err(_) => Err(ClientError::NotAcknowledged(format!(
                    "no acknowledgement within {} s",
                    timeout.as_secs()
                ))),
            };
            let _ = reply.send(result);
        });
    }

    pub(super) async fn finish_page(&mut self, last: Option<String>, complete: bool) {
        tracing::debug!(results = self.page.len(), "archive page received");
        let Some(run) = self.catch_up.as_mut() else {
            return;
        };
        let page = std::mem::take(&mut self.page);
        // Only move the stored position forward together with the page (atomically).
        let position = last.clone().filter(|l| Some(l.as_str()) != run.position());
        let position = position.or_else(|| run.position().map(str::to_owned));
        match self
            .store
            .store_archive_page(&self.account, &page, position.as_deref())
            .await
        {
            Ok(results) => {
                for r in &results {
                    match r {
                        Inserted::New(m) => {
                            self.run_stored += 1;
                            let _ = self.events.send(Event::Message(MessageView::from(m)));
                            self.after_new(m).await;
                        }
                        Inserted::Duplicate(_) => {
                            self.run_duplicates += 1;
                            self.counters.duplicates_dropped += 1;
                        }
                    }
                }
            }
            Err(e) => {
                self.error(format!("cannot store archive page: {e}; catch-up stopped"));
                self.end_catch_up().await;
                return;
            }
        }
        let Some(run) = self.catch_up.as_mut() else {
            return;
        };
        let step = run.page_done(last, complete);
        let pages = run.pages();
        tracing::info!(
            pages,
            stored = self.run_stored,
            duplicates = self.run_duplicates,
            "archive page stored"
        );
        match step {
            Step::Next(req) => {
                self.emit(Event::CatchUp {
                    stored: self.run_stored,
                    duplicates: self.run_duplicates,
                    pages,
                    done: false,
                });
                self.request_page(req).await;
            }
            Step::Done => self.end_catch_up().await,
        }
    }

    pub(super) async fn end_catch_up(&mut self) {
        let pages = self.catch_up.take().map(|c| c.pages()).unwrap_or(0);
        self.page.clear();
        self.emit(Event::CatchUp {
            stored: self.run_stored,
            duplicates: self.run_duplicates,
            pages,
            done: true,
        });
    }
}
