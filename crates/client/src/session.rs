//! The session actor: one task owns the stanza stream and talks to the store.
//!
//! Front ends hold a [`Session`] handle (commands in) and an [`Events`] receiver (events out).
//! Everything that arrives from the network goes through the rules of `tandem-core` before it
//! touches the store; nothing from the network can make this task panic.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use jid::{BareJid, FullJid, Jid};
use tandem_core::activity::{Activity, Signal};
use tandem_core::catchup::{CatchUp, PageRequest, Step};
use tandem_core::counters::Counters;
use tandem_core::event::{Event, MessageView, OfflineReason, QuietState};
use tandem_core::model::{
    DedupKeys, Device, DeviceType, Direction, NewMessage, Show, StoredMessage, Via,
};
use tandem_core::notify::{decide, withdraws, Decision, NotifyInput};
use tandem_core::readstate::{advance, ReadPosition, ReadSource};
use tandem_core::rules;
use tandem_core::store::{Inserted, Store};
use tokio::sync::{mpsc, oneshot};
use tokio_xmpp::minidom::Element;
use tokio_xmpp::parsers::{
    caps, carbons, delay::Delay, disco, hashes, iq::Iq, mam, message::Message,
    message::MessageType, ns, presence, receipts, roster, rsm, stanza_error, stanza_id,
};
use tokio_xmpp::stanzastream::{Event as StreamItem, StanzaStage, StanzaStream, StreamEvent};
use tokio_xmpp::Stanza;

use crate::connect::{self, ConnectConfig, ConnectError};
use crate::error::ClientError;
use crate::transport::Injector;

/// What a session needs to know.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// Login details.
    pub connect: ConnectConfig,
    /// Multi-device messaging (XEP-0280 carbons) on or off.
    pub carbons: bool,
    /// The type of device this profile runs on, advertised in disco#info.
    pub device: DeviceType,
    /// How long a sent message may wait for the server's acknowledgement.
    pub ack_timeout: Duration,
    /// How long a device stays the active one after its last Available presence or message.
    pub active_window: Duration,
}

/// Events from the session, in order.
pub type Events = mpsc::UnboundedReceiver<Event>;

/// Node advertised in our entity capabilities (XEP-0115).
pub const CAPS_NODE: &str = "https://tandem.chat";

#[derive(Debug)]
enum Command {
    Send {
        to: Jid,
        body: String,
        reply: oneshot::Sender<Result<StoredMessage, ClientError>>,
    },
    Raw(Box<Stanza>),
    Foreground,
    Background,
    Presence(Show),
    Read(BareJid),
    Counters(oneshot::Sender<Counters>),
    Close {
        reply: oneshot::Sender<()>,
    },
}

/// A running session. Dropping it ends the session without a clean goodbye; prefer [`Session::close`].
#[derive(Debug)]
pub struct Session {
    commands: mpsc::Sender<Command>,
    jid: FullJid,
    task: tokio::task::JoinHandle<()>,
}

impl Session {
    /// Connects, enables carbons (when on), announces presence and starts catching up.
    /// Returns once the session is online, or with a one-line error when the first login
    /// fails (never retries a first login: a wrong password would retry forever).
    pub async fn start<S: Store + 'static>(
        cfg: SessionConfig,
        store: Arc<S>,
    ) -> Result<(Session, Events), ClientError> {
        let account = cfg.connect.jid.clone();
        cfg.connect.full_jid()?;
        let tls = connect::tls_config(cfg.connect.ca_file.as_deref())?;
        // The first login happens here, once: its failure is the caller's answer. Later
        // logins (after a drop) are the reconnector's job.
        let injector = Injector::new();
        let first = connect::login(&cfg.connect, tls.clone(), &injector).await?;
        let (login_errors_tx, login_errors) = mpsc::unbounded_channel();
        let shutdown = Arc::new(AtomicBool::new(false));
        let stream = StanzaStream::new(
            reconnector(
                cfg.connect.clone(),
                tls,
                injector.clone(),
                first,
                login_errors_tx,
                shutdown.clone(),
            ),
            64,
        );
        let (events_tx, events_rx) = mpsc::unbounded_channel();
        let (cmd_tx, cmd_rx) = mpsc::channel(32);
        let (ready_tx, ready_rx) = oneshot::channel();
        let activity = Activity::new(cfg.connect.resource.clone(), cfg.active_window);
        let actor = Actor {
            counters: Counters::default(),
            quiet_since: None,
            flush_armed: false,
            injector,
            csi: false,
            quiet: false,
            show: Show::Available,
            activity,
            read: HashMap::new(),
            notified: HashMap::new(),
            account,
            cfg,
            store,
            stream,
            events: events_tx,
            login_errors,
            shutdown,
            ready: Some(ready_tx),
            jid: None,
            pending: HashMap::new(),
            catch_up: None,
            page: Vec::new(),
            run_stored: 0,
            run_duplicates: 0,
            devices: HashMap::new(),
        };
        let task = tokio::spawn(actor.run(cmd_rx));
        match ready_rx.await {
            Ok(Ok(jid)) => Ok((
                Session {
                    commands: cmd_tx,
                    jid,
                    task,
                },
                events_rx,
            )),
            Ok(Err(e)) => {
                task.abort();
                Err(e)
            }
            Err(_) => Err(ClientError::Closed),
        }
    }

    /// Our bound full JID.
    pub fn jid(&self) -> &FullJid {
        &self.jid
    }

    /// Sends a one-to-one message and waits until the server has acknowledged it
    /// (XEP-0198). The message is stored first, so it is never lost.
    /// `to` may be a bare JID (all the contact's devices) or a full JID (one device).
    pub async fn send(
        &self,
        to: impl Into<Jid>,
        body: String,
    ) -> Result<StoredMessage, ClientError> {
        let (reply, rx) = oneshot::channel();
        self.commands
            .send(Command::Send {
                to: to.into(),
                body,
                reply,
            })
            .await
            .map_err(|_| ClientError::Closed)?;
        rx.await.map_err(|_| ClientError::Closed)?
    }

    /// Sends a stanza exactly as given. For tools and tests that need to put something on
    /// the wire the engine would never send itself (a forged carbon, say).
    pub async fn send_raw(&self, stanza: Stanza) -> Result<(), ClientError> {
        self.commands
            .send(Command::Raw(Box::new(stanza)))
            .await
            .map_err(|_| ClientError::Closed)
    }

    /// The app came to the foreground: `<active/>` (XEP-0352), then Available presence.
    pub async fn foreground(&self) -> Result<(), ClientError> {
        self.command(Command::Foreground).await
    }

    /// The app went to the background: presence away with XEP-0319 idle (so our other devices
    /// stop treating this one as active at once), then `<inactive/>` (XEP-0352) so the server
    /// may hold back what is not urgent.
    pub async fn background(&self) -> Result<(), ClientError> {
        self.command(Command::Background).await
    }

    /// Announces a presence (available, away, xa or dnd).
    pub async fn presence(&self, show: Show) -> Result<(), ClientError> {
        self.command(Command::Presence(show)).await
    }

    /// The user read the conversation on this device: marks it read here, and tells the
    /// contact and our other devices (a XEP-0333 displayed marker, copied by carbons).
    pub async fn read(&self, peer: BareJid) -> Result<(), ClientError> {
        self.command(Command::Read(peer)).await
    }

    /// This device's counters now.
    pub async fn counters(&self) -> Result<Counters, ClientError> {
        let (reply, rx) = oneshot::channel();
        self.command(Command::Counters(reply)).await?;
        rx.await.map_err(|_| ClientError::Closed)
    }

    async fn command(&self, cmd: Command) -> Result<(), ClientError> {
        self.commands
            .send(cmd)
            .await
            .map_err(|_| ClientError::Closed)
    }

    /// Says goodbye to the server and ends the session.
    pub async fn close(self) {
        let (reply, rx) = oneshot::channel();
        if self.commands.send(Command::Close { reply }).await.is_ok() {
            let _ = tokio::time::timeout(Duration::from_secs(8), rx).await;
        }
        self.task.abort();
    }
}

/// The connector given to tokio-xmpp. Its first call hands over the stream of the first
/// login; after a drop it logs in again with backoff (1 s doubling to 30 s), reporting each
/// failure, until it succeeds or the session ends. It never drops the slot while the session
/// lives: tokio-xmpp 6 treats a dropped slot as a crash of its worker.
type Slot = oneshot::Sender<tokio_xmpp::stanzastream::Connection>;

fn reconnector(
    cfg: ConnectConfig,
    tls: Arc<tokio_rustls::rustls::ClientConfig>,
    injector: Injector,
    first: tokio_xmpp::stanzastream::Connection,
    errors: mpsc::UnboundedSender<ConnectError>,
    shutdown: Arc<AtomicBool>,
) -> Box<dyn FnMut(Option<String>, Slot) + Send> {
    let mut first = Some(first);
    Box::new(move |_location, slot: Slot| {
        if let Some(conn) = first.take() {
            let _ = slot.send(conn);
            return;
        }
        let cfg = cfg.clone();
        let tls = tls.clone();
        let injector = injector.clone();
        let errors = errors.clone();
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            let mut delay = Duration::from_secs(1);
            loop {
                if shutdown.load(Ordering::Relaxed) || slot.is_closed() {
                    // The session is over; nobody waits for this connection. Parking the
                    // slot (instead of dropping it) keeps tokio-xmpp's worker from panicking.
                    std::mem::forget(slot);
                    return;
                }
                match connect::login(&cfg, tls.clone(), &injector).await {
                    Ok(conn) => {
                        let _ = slot.send(conn);
                        return;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, ?delay, "reconnect failed; retrying");
                        let _ = errors.send(e);
                        tokio::time::sleep(delay).await;
                        delay = (delay * 2).min(Duration::from_secs(30));
                    }
                }
            }
        });
    })
}

#[derive(Debug)]
enum Pending {
    Carbons,
    Roster,
    ArchivePage,
    DiscoInfo(FullJid),
    MdsPublish,
}

struct Actor<S> {
    counters: Counters,
    /// When the current quiet stretch began.
    quiet_since: Option<std::time::Instant>,
    /// Became active: the next held-back stanza starts a buffer flush.
    flush_armed: bool,
    injector: Injector,
    /// The server advertises XEP-0352 client state indication.
    csi: bool,
    /// In the background (quiet mode).
    quiet: bool,
    /// The presence this device announces when not quiet.
    show: Show,
    activity: Activity,
    read: HashMap<BareJid, ReadPosition>,
    /// The newest message a notification was shown for, per conversation.
    notified: HashMap<BareJid, ReadPosition>,
    account: BareJid,
    cfg: SessionConfig,
    store: Arc<S>,
    stream: StanzaStream,
    events: mpsc::UnboundedSender<Event>,
    login_errors: mpsc::UnboundedReceiver<ConnectError>,
    shutdown: Arc<AtomicBool>,
    ready: Option<oneshot::Sender<Result<FullJid, ClientError>>>,
    jid: Option<FullJid>,
    pending: HashMap<String, Pending>,
    catch_up: Option<CatchUp>,
    page: Vec<NewMessage>,
    run_stored: u64,
    run_duplicates: u64,
    devices: HashMap<String, Device>,
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl<S: Store + 'static> Actor<S> {
    async fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        loop {
            tokio::select! {
                item = self.stream.next() => match item {
                    Some(StreamItem::Stream(ev)) => self.on_stream_event(ev).await,
                    Some(StreamItem::Stanza(stanza)) => self.on_stanza(stanza).await,
                    None => {
                        self.shutdown.store(true, Ordering::Relaxed);
                        if let Some(ready) = self.ready.take() {
                            let _ = ready.send(Err(ClientError::Closed));
                        } else {
                            self.emit(Event::Disconnected { reason: OfflineReason::ConnectionLost });
                        }
                        return;
                    }
                },
                Some(e) = self.login_errors.recv() => {
                    self.error(format!("reconnecting: {e}"));
                }
                cmd = commands.recv() => match cmd {
                    Some(Command::Send { to, body, reply }) => self.send_message(to, body, reply).await,
                    Some(Command::Raw(stanza)) => self.send_stanza(*stanza).await,
                    Some(Command::Foreground) => self.set_quiet(false).await,
                    Some(Command::Background) => self.set_quiet(true).await,
                    Some(Command::Presence(show)) => {
                        self.show = show;
                        self.announce().await;
                    }
                    Some(Command::Read(peer)) => self.read_locally(peer).await,
                    Some(Command::Counters(reply)) => {
                        let _ = reply.send(self.counters_now());
                    }
                    Some(Command::Close { reply }) => {
                        self.close().await;
                        let _ = reply.send(());
                        return;
                    }
                    None => {
                        self.close().await;
                        return;
                    }
                },
            }
        }
    }

    fn emit(&self, event: Event) {
        let _ = self.events.send(event);
    }

    fn error(&self, message: String) {
        tracing::warn!("{message}");
        self.emit(Event::Error { message });
    }

    async fn close(self) {
        self.shutdown.store(true, Ordering::Relaxed);
        let stream = self.stream;
        let _ = tokio::time::timeout(Duration::from_secs(5), async move {
            let _ = stream
                .send(Box::new(presence::Presence::unavailable().into()))
                .await;
            stream.close().await;
        })
        .await;
    }

    async fn send_stanza(&self, stanza: impl Into<Stanza>) {
        // The token is dropped: delivery of protocol stanzas is tracked by their replies.
        let _ = self.stream.send(Box::new(stanza.into())).await;
    }

    async fn send_iq(&mut self, iq: Iq, purpose: Pending) {
        let id = match &iq {
            Iq::Get { id, .. }
            | Iq::Set { id, .. }
            | Iq::Result { id, .. }
            | Iq::Error { id, .. } => id.clone(),
        };
        self.pending.insert(id, purpose);
        self.send_stanza(iq).await;
    }

    async fn on_stream_event(&mut self, ev: StreamEvent) {
        match ev {
            StreamEvent::Reset {
                bound_jid,
                features,
            } => {
                self.csi = features.others.iter().any(|e| e.is("csi", ns::CSI));
                let jid = match bound_jid.try_into_full() {
                    Ok(full) => full,
                    Err(bare) => {
                        self.error(format!(
                            "server bound a bare JID {bare}; using our resource"
                        ));
                        match self.cfg.connect.full_jid() {
                            Ok(j) => j,
                            Err(_) => return,
                        }
                    }
                };
                self.jid = Some(jid.clone());
                self.pending.clear();
                self.catch_up = None;
                self.page.clear();
                self.come_online(jid).await;
            }
            StreamEvent::Suspended => self.emit(Event::Disconnected {
                reason: OfflineReason::ConnectionLost,
            }),
            StreamEvent::Resumed => {
                if let Some(jid) = self.jid.clone() {
                    self.emit(Event::Connected { jid, resumed: true });
                }
            }
        }
    }

    async fn come_online(&mut self, jid: FullJid) {
        let now = Utc::now();
        if let Err(e) = self.store.mark_devices_offline(&self.account, now).await {
            self.error(format!("cannot update devices: {e}"));
        }
        self.devices.clear();
        match self.store.read_positions(&self.account).await {
            Ok(positions) => {
                for (peer, id, at) in positions {
                    self.read.insert(peer, ReadPosition::new(id, at));
                }
            }
            Err(e) => self.error(format!("cannot load read positions: {e}")),
        }
        // Multi-device messaging: enable (or explicitly disable) carbons.
        if self.cfg.carbons {
            self.send_iq(Iq::from_set(new_id(), carbons::Enable), Pending::Carbons)
                .await;
        } else {
            self.send_iq(Iq::from_set(new_id(), carbons::Disable), Pending::Carbons)
                .await;
        }
        self.send_iq(
            Iq::from_get(
                new_id(),
                roster::Roster {
                    ver: None,
                    items: vec![],
                },
            ),
            Pending::Roster,
        )
        .await;
        self.announce().await;
        if self.quiet && self.csi {
            self.injector.inject(CSI_INACTIVE);
        }
        let this = Device {
            jid: jid.clone(),
            resource: jid.resource().to_string(),
            show: Show::Available,
            device_type: self.cfg.device,
            online: true,
            this_device: true,
            last_seen: now,
        };
        self.update_device(this).await;
        self.emit(Event::Connected {
            jid: jid.clone(),
            resumed: false,
        });
        // Catch up from the archive after the last page this profile stored.
        match self.store.archive_position(&self.account).await {
            Ok(position) => {
                let mut run = CatchUp::new(position, new_id());
                let req = run.next_request();
                self.catch_up = Some(run);
                self.run_stored = 0;
                self.run_duplicates = 0;
                self.request_page(req).await;
            }
            Err(e) => self.error(format!("cannot read archive position: {e}")),
        }
    }

    /// Sends our presence: `show` when in the foreground, away with XEP-0319 idle when quiet.
    async fn announce(&mut self) {
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

    async fn set_quiet(&mut self, quiet: bool) {
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
    }

    fn counters_now(&self) -> Counters {
        let mut c = self.counters.clone();
        if let Some(since) = self.quiet_since {
            c.quiet_mode_millis += since.elapsed().as_millis() as u64;
        }
        c
    }

    /// Counts a stanza the server held back while we were inactive: mod_csi_simple (and
    /// XEP-0352 servers generally) stamp those with a delay from our own bare JID.
    fn note_held(&mut self, payloads: &[Element]) {
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
    async fn after_new(&mut self, m: &StoredMessage) {
        let now = Utc::now();
        let position = ReadPosition::from(m);
        if m.via == Via::CarbonSent {
            if let Some(resource) = m.from.resource() {
                self.activity
                    .observe(resource.as_str(), Signal::SentMessage, now);
            }
            self.move_read(&m.conversation, Some(position), ReadSource::Reply, &m.from)
                .await;
        }
        let input = NotifyInput::from(m);
        let decision = decide(&input, &self.activity, self.read.get(&m.conversation), now);
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
        self.emit(Event::Notification {
            conversation: m.conversation.clone(),
            message_id: m.id,
            decision,
        });
    }

    /// Moves a conversation's read position forward when the rules allow it, and withdraws
    /// a notification the new position covers.
    async fn move_read(
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

    async fn read_locally(&mut self, peer: BareJid) {
        let history = match self.store.history(&self.account, &peer).await {
            Ok(h) => h,
            Err(e) => return self.error(format!("cannot read the conversation: {e}")),
        };
        let Some(last) = history.last() else {
            return;
        };
        let me = self
            .jid
            .clone()
            .map(Jid::from)
            .unwrap_or_else(|| Jid::from(self.account.clone()));
        self.move_read(
            &peer,
            Some(ReadPosition::from(last)),
            ReadSource::Local,
            &me,
        )
        .await;
        // Tell the contact (and, through carbons, our other devices) with a displayed marker
        // for the newest incoming message.
        let peer_for_mds = peer.clone();
        let marker_id = history
            .iter()
            .rev()
            .find(|m| m.direction == Direction::In)
            .and_then(|m| {
                m.keys
                    .origin_id
                    .clone()
                    .or_else(|| m.keys.stanza_id.clone())
            });
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
        self.publish_mds(&peer_for_mds, &history).await;
    }

    /// Publishes this conversation's read position to our account's PEP (XEP-0490 Message
    /// Displayed Synchronization), so our other devices learn it even without carbons.
    async fn publish_mds(&mut self, peer: &BareJid, history: &[StoredMessage]) {
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
    async fn on_mds(&mut self, outer: &Message, event: &Element) {
        let Some(items) = event
            .children()
            .find(|c| c.is("items", ns::PUBSUB_EVENT) && c.attr("node") == Some(MDS_NODE))
        else {
            return;
        };
        let from = outer
            .from
            .clone()
            .unwrap_or_else(|| Jid::from(self.account.clone()));
        for item in items.children().filter(|c| c.is("item", ns::PUBSUB_EVENT)) {
            let Some(peer) = item.attr("id").and_then(|id| BareJid::new(id).ok()) else {
                continue;
            };
            let Some(id) = item
                .get_child("displayed", MDS_NODE)
                .and_then(|d| d.get_child("stanza-id", ns::SID))
                .filter(|s| s.attr("by") == Some(self.account.to_string().as_str()))
                .and_then(|s| s.attr("id"))
                .map(str::to_owned)
            else {
                continue;
            };
            let history = match self.store.history(&self.account, &peer).await {
                Ok(h) => h,
                Err(e) => return self.error(format!("cannot read the conversation: {e}")),
            };
            let target = history
                .iter()
                .rev()
                .find(|m| m.keys.stanza_id.as_deref() == Some(id.as_str()))
                .map(ReadPosition::from);
            self.move_read(&peer, target, ReadSource::Mds, &from).await;
        }
    }

    /// A displayed marker one of our other devices sent (seen here as a sent carbon).
    async fn on_own_marker(&mut self, inner: &Message, id: String) {
        let Some(peer) = inner.to.as_ref().map(Jid::to_bare) else {
            return;
        };
        let from = inner
            .from
            .clone()
            .unwrap_or_else(|| Jid::from(self.account.clone()));
        let history = match self.store.history(&self.account, &peer).await {
            Ok(h) => h,
            Err(e) => return self.error(format!("cannot read the conversation: {e}")),
        };
        let target = history
            .iter()
            .rev()
            .find(|m| {
                m.keys.origin_id.as_deref() == Some(id.as_str())
                    || m.keys.stanza_id.as_deref() == Some(id.as_str())
            })
            .map(ReadPosition::from);
        self.move_read(&peer, target, ReadSource::Marker, &from)
            .await;
    }

    fn disco_info(&self, node: Option<String>) -> disco::DiscoInfoResult {
        disco::DiscoInfoResult {
            node,
            identities: vec![disco::Identity::new(
                "client",
                self.cfg.device.identity_type(),
                "en",
                "Tandem",
            )],
            features: [
                ns::DISCO_INFO,
                ns::CAPS,
                ns::RECEIPTS,
                ns::DISPLAYED_MARKERS,
                ns::SID,
                ns::PING,
                MDS_NODE_NOTIFY,
            ]
            .into_iter()
            .map(str::to_owned)
            .collect(),
            extensions: vec![],
        }
    }

    async fn request_page(&mut self, req: PageRequest) {
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

    async fn on_stanza(&mut self, stanza: Stanza) {
        match stanza {
            Stanza::Message(m) => {
                self.note_held(&m.payloads);
                self.on_message(m).await
            }
            Stanza::Presence(p) => {
                self.note_held(&p.payloads);
                self.on_presence(p).await
            }
            Stanza::Iq(iq) => self.on_iq(iq).await,
        }
    }

    // ---- messages ---------------------------------------------------------------------

    async fn on_message(&mut self, m: Message) {
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

    fn on_archive_result(&mut self, outer: &Message, el: Element) {
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
        let stamp = result
            .forwarded
            .delay
            .as_ref()
            .map(|d| d.stamp.0.with_timezone(&Utc))
            .unwrap_or_else(Utc::now);
        if let Some(mut msg) = self.to_new_message(inner, Via::Archive, stamp) {
            // The archive id is the stanza-id our own server gave the message.
            msg.keys.stanza_id = Some(result.id.clone());
            self.page.push(msg);
        }
    }

    async fn on_carbon(&mut self, outer: &Message, el: Element) {
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
        if via == Via::CarbonSent && inner.bodies.is_empty() {
            if let Some(id) = displayed_of(&inner) {
                return self.on_own_marker(&inner, id).await;
            }
        }
        if let Some(id) = receipt_of(&inner) {
            // Another device of ours got (or sent) a receipt; a sent one says nothing new.
            if via == Via::CarbonReceived {
                self.on_receipt(&inner, id).await;
            }
            return;
        }
        let stamp = forwarded
            .delay
            .map(|d| d.stamp.0.with_timezone(&Utc))
            .or_else(|| delay_of(&inner))
            .unwrap_or_else(Utc::now);
        if let Some(msg) = self.to_new_message(&inner, via, stamp) {
            self.store_live(msg).await;
        }
    }

    async fn on_live_message(&mut self, m: Message) {
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
        let stamp = delay_of(&m).unwrap_or_else(Utc::now);
        let Some(msg) = self.to_new_message(&m, Via::Live, stamp) else {
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

    async fn on_receipt(&mut self, m: &Message, id: String) {
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

    /// Converts a one-to-one message with a body into what the store keeps.
    fn to_new_message(&self, m: &Message, via: Via, stamp: DateTime<Utc>) -> Option<NewMessage> {
        let (_, body) = m.get_best_body(vec![])?;
        if body.is_empty() {
            return None;
        }
        let cp = match rules::counterpart(m.from.as_ref(), m.to.as_ref(), &self.account) {
            Ok(cp) => cp,
            Err(rejection) => {
                tracing::warn!(%rejection, "dropped message");
                return None;
            }
        };
        let mut stanza_ids = Vec::new();
        let mut origin_id = None;
        for p in &m.payloads {
            if p.is("stanza-id", ns::SID) {
                if let Ok(s) = stanza_id::StanzaId::try_from(p.clone()) {
                    stanza_ids.push((s.by, s.id));
                }
            } else if p.is("origin-id", ns::SID) {
                if let Ok(o) = stanza_id::OriginId::try_from(p.clone()) {
                    origin_id = Some(o.id);
                }
            }
        }
        let keys = rules::dedup_keys(
            stanza_ids.iter().map(|(by, id)| (by, id.as_str())),
            origin_id.as_deref(),
            &self.account,
        );
        let from = match (&m.from, cp.direction) {
            (Some(f), _) => f.clone(),
            (None, Direction::Out) => self
                .jid
                .clone()
                .map(Jid::from)
                .unwrap_or_else(|| Jid::from(self.account.clone())),
            (None, Direction::In) => Jid::from(self.account.clone()),
        };
        Some(NewMessage {
            peer: cp.peer,
            from,
            direction: cp.direction,
            body: body.clone(),
            timestamp: server_second(stamp),
            via,
            keys,
            stanza_attr_id: m.id.as_ref().map(|i| i.0.clone()),
        })
    }

    async fn store_live(&mut self, msg: NewMessage) {
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

    async fn send_message(
        &mut self,
        to: Jid,
        body: String,
        reply: oneshot::Sender<Result<StoredMessage, ClientError>>,
    ) {
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

    // ---- presence and devices ----------------------------------------------------------

    async fn on_presence(&mut self, p: presence::Presence) {
        let Some(from) = p.from.clone() else { return };
        let show = match p.type_ {
            presence::Type::None => match p.show {
                None => Show::Available,
                Some(presence::Show::Chat) => Show::Chat,
                Some(presence::Show::Away) => Show::Away,
                Some(presence::Show::Xa) => Show::Xa,
                Some(presence::Show::Dnd) => Show::Dnd,
            },
            presence::Type::Unavailable => Show::Unavailable,
            _ => return,
        };
        // A replayed or held-back presence carries the time it was sent (XEP-0203).
        let delay = p
            .payloads
            .iter()
            .find(|e| e.is("delay", ns::DELAY))
            .and_then(|e| Delay::try_from(e.clone()).ok())
            .map(|d| d.stamp.0.with_timezone(&Utc));
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

    async fn update_device(&mut self, device: Device) {
        if let Err(e) = self.store.upsert_device(&self.account, &device).await {
            self.error(format!("cannot store device: {e}"));
        }
        self.devices.insert(device.resource.clone(), device);
        self.counters.sessions = self.devices.values().filter(|d| d.online).count() as u64;
        let mut all: Vec<Device> = self.devices.values().cloned().collect();
        all.sort_by(|a, b| b.online.cmp(&a.online).then(a.resource.cmp(&b.resource)));
        self.emit(Event::Device { devices: all });
    }

    // ---- iq ---------------------------------------------------------------------------

    async fn on_iq(&mut self, iq: Iq) {
        match iq {
            Iq::Get {
                from, id, payload, ..
            } => self.answer_get(from, id, payload).await,
            Iq::Set {
                from, id, payload, ..
            } => {
                // Roster pushes come from our own account; acknowledge them. Refuse the rest.
                let own = from.as_ref().is_none_or(|f| f.to_bare() == self.account);
                if own && payload.is("query", ns::ROSTER) {
                    if let Some(to) = from.or_else(|| Some(Jid::from(self.account.clone()))) {
                        self.send_stanza(Iq::empty_result(to, id)).await;
                    }
                } else {
                    self.refuse(from, id).await;
                }
            }
            Iq::Result {
                id, payload, from, ..
            } => {
                if let Some(purpose) = self.pending.remove(&id) {
                    self.on_result(purpose, from, payload).await;
                }
            }
            Iq::Error { id, error, .. } => {
                if let Some(purpose) = self.pending.remove(&id) {
                    self.on_iq_error(purpose, error).await;
                }
            }
        }
    }

    async fn answer_get(&mut self, from: Option<Jid>, id: String, payload: Element) {
        let Some(to) = from else { return };
        if payload.is("query", ns::DISCO_INFO) {
            let node = payload.attr("node").map(str::to_owned);
            let result = self.disco_info(node);
            self.send_stanza(Iq::from_result(id, Some(result)).with_to(to))
                .await;
        } else if payload.is("ping", ns::PING) {
            self.send_stanza(Iq::empty_result(to, id)).await;
        } else {
            self.refuse(Some(to), id).await;
        }
    }

    async fn refuse(&mut self, from: Option<Jid>, id: String) {
        let Some(to) = from else { return };
        let error = stanza_error::StanzaError::new(
            stanza_error::ErrorType::Cancel,
            stanza_error::DefinedCondition::ServiceUnavailable,
            "en",
            "",
        );
        self.send_stanza(Iq::from_error(id, error).with_to(to))
            .await;
    }

    async fn on_result(&mut self, purpose: Pending, from: Option<Jid>, payload: Option<Element>) {
        match purpose {
            Pending::Carbons => self.mark_ready(),
            Pending::Roster | Pending::MdsPublish => {}
            Pending::ArchivePage => {
                let fin = payload.and_then(|p| mam::Fin::try_from(p).ok());
                match fin {
                    Some(fin) => self.finish_page(fin.set.last, fin.complete).await,
                    None => {
                        self.error("archive answered without <fin/>; catch-up stopped".into());
                        self.end_catch_up().await;
                    }
                }
            }
            Pending::DiscoInfo(full) => {
                // Only the device itself (or our server on its behalf) describes it.
                if from
                    .as_ref()
                    .is_some_and(|f| f.try_as_full().ok() != Some(&full))
                {
                    return;
                }
                let Some(info) = payload.and_then(|p| disco::DiscoInfoResult::try_from(p).ok())
                else {
                    return;
                };
                let device_type = info
                    .identities
                    .iter()
                    .map(|i| DeviceType::from_identity(&i.category, &i.type_))
                    .find(|t| *t != DeviceType::Unknown)
                    .unwrap_or(DeviceType::Unknown);
                if let Some(mut d) = self.devices.get(full.resource().as_str()).cloned() {
                    d.device_type = device_type;
                    self.update_device(d).await;
                }
            }
        }
    }

    async fn on_iq_error(&mut self, purpose: Pending, error: stanza_error::StanzaError) {
        match purpose {
            Pending::Carbons => {
                self.error(format!(
                    "server refused carbons (multi-device messaging): {:?}",
                    error.defined_condition
                ));
                self.mark_ready();
            }
            Pending::Roster => {}
            Pending::ArchivePage => {
                let restart = matches!(
                    error.defined_condition,
                    stanza_error::DefinedCondition::ItemNotFound
                ) && self
                    .catch_up
                    .as_ref()
                    .is_some_and(|c| c.position().is_some());
                if restart {
                    // Our position fell out of the archive: page from the start; the store's
                    // dedup constraint keeps what we already have from being stored twice.
                    tracing::warn!(
                        "archive position no longer known to the server; restarting catch-up"
                    );
                    let mut run = CatchUp::new(None, new_id());
                    let req = run.next_request();
                    self.catch_up = Some(run);
                    self.request_page(req).await;
                } else {
                    self.error(format!(
                        "archive query failed: {:?}; catch-up stopped",
                        error.defined_condition
                    ));
                    self.end_catch_up().await;
                }
            }
            Pending::DiscoInfo(_) => {}
            Pending::MdsPublish => {
                self.error(format!(
                    "could not publish the read position (XEP-0490): {:?}",
                    error.defined_condition
                ));
            }
        }
    }

    fn mark_ready(&mut self) {
        if let (Some(ready), Some(jid)) = (self.ready.take(), self.jid.clone()) {
            let _ = ready.send(Ok(jid));
        }
    }

    async fn finish_page(&mut self, last: Option<String>, complete: bool) {
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

    async fn end_catch_up(&mut self) {
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

/// Archive stamps (XEP-0203 delays) carry whole seconds, while live messages are stamped
/// with our clock. Keeping every timestamp to the second makes copies from both sources sort
/// together; within a second, history falls back to arrival order.
fn server_second(t: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::SubsecRound;
    t.trunc_subsecs(0)
}

const MDS_NODE: &str = "urn:xmpp:mds:displayed:0";
const MDS_NODE_NOTIFY: &str = "urn:xmpp:mds:displayed:0+notify";

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\'', "&apos;")
        .replace('"', "&quot;")
}

const CSI_INACTIVE: &str = "<inactive xmlns='urn:xmpp:csi:0'/>";
const CSI_ACTIVE: &str = "<active xmlns='urn:xmpp:csi:0'/>";

fn displayed_of(m: &Message) -> Option<String> {
    m.payloads
        .iter()
        .find(|p| p.is("displayed", ns::DISPLAYED_MARKERS))
        .and_then(|p| tokio_xmpp::parsers::displayed_markers::Displayed::try_from(p.clone()).ok())
        .map(|d| d.id.0)
}

fn receipt_of(m: &Message) -> Option<String> {
    m.payloads
        .iter()
        .find(|p| p.is("received", ns::RECEIPTS))
        .and_then(|p| receipts::Received::try_from(p.clone()).ok())
        .map(|r| r.id)
        .filter(|_| m.bodies.is_empty())
}

fn delay_of(m: &Message) -> Option<DateTime<Utc>> {
    m.payloads
        .iter()
        .find(|p| p.is("delay", ns::DELAY))
        .and_then(|p| Delay::try_from(p.clone()).ok())
        .map(|d| d.stamp.0.with_timezone(&Utc))
}
