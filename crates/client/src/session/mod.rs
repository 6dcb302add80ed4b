//! The session actor: one task owns the stanza stream and talks to the store.
//!
//! Front ends hold a [`Session`] handle (commands in) and an [`Events`] receiver (events out).
//! Everything that arrives from the network goes through the rules of `tandem-core` before it
//! touches the store; nothing from the network can make this task panic.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use futures::StreamExt;
use jid::{BareJid, FullJid, Jid};
use tandem_core::activity::{Activity, Signal};
use tandem_core::catchup::{CatchUp, PageRequest, Step};
use tandem_core::counters::Counters;
use tandem_core::event::{Event, MessageView, OfflineReason, QuietState};
use tandem_core::model::{
    DedupKeys, Device, DeviceType, Direction, NewMessage, Show, StoredMessage, Via,
};
use tandem_core::notify::{self, decide, withdraws, Decision, NotifyInput, SilentReason};
use tandem_core::readstate::{advance, ReadPosition, ReadSource};
use tandem_core::rules;
use tandem_core::status::{device_status, DeviceStatus};
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

mod messages;
mod multidevice;

use multidevice::{CSI_INACTIVE, MDS_NODE_NOTIFY};

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
    Viewing(Option<BareJid>),
    Counters(oneshot::Sender<Counters>),
    Devices(oneshot::Sender<Result<Vec<DeviceStatus>, ClientError>>),
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
            viewing: None,
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
            idle: HashSet::new(),
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

    /// Which conversation is on screen in this device's focused window (`None`: none, or
    /// the window lost focus). While one is set and the app is in the foreground (see
    /// [`Session::background`]), that conversation is read as [`Session::read`] reads it:
    /// at once when it has unread messages, and as each new message arrives, which then
    /// stays silent (`SilentReason::Viewing`).
    pub async fn viewing(&self, peer: Option<BareJid>) -> Result<(), ClientError> {
        self.command(Command::Viewing(peer)).await
    }

    /// This device's counters now.
    pub async fn counters(&self) -> Result<Counters, ClientError> {
        let (reply, rx) = oneshot::channel();
        self.command(Command::Counters(reply)).await?;
        rx.await.map_err(|_| ClientError::Closed)
    }

    /// Every device of our account as last seen, this one included (online first, then by
    /// resource), each with its state: active, online, away, quiet (in the background) or
    /// offline (`tandem_core::status::device_status`).
    pub async fn devices(&self) -> Result<Vec<DeviceStatus>, ClientError> {
        let (reply, rx) = oneshot::channel();
        self.command(Command::Devices(reply)).await?;
        rx.await.map_err(|_| ClientError::Closed)?
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
    let mut storm = StormGuard::default();
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
        let hold_off = storm.next(std::time::Instant::now());
        tokio::spawn(async move {
            if !hold_off.is_zero() {
                tracing::warn!(
                    ?hold_off,
                    "the connection keeps dropping; waiting before the next login"
                );
                tokio::time::sleep(hold_off).await;
            }
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

/// Keeps a connection that fails as soon as it is up from reconnecting in a tight loop
/// (whatever makes it fail: a stanza we cannot read, a server that drops us). A drop within
/// [`StormGuard::QUICK`] of the previous one doubles the wait before the next login, from
/// one second up to thirty; a connection that lasted longer resets it.
#[derive(Debug, Default)]
struct StormGuard {
    last: Option<std::time::Instant>,
    wait: Duration,
}

impl StormGuard {
    const QUICK: Duration = Duration::from_secs(10);
    const MAX: Duration = Duration::from_secs(30);

    /// How long to wait before reconnecting after a drop at `now`.
    fn next(&mut self, now: std::time::Instant) -> Duration {
        let quick = self
            .last
            .is_some_and(|last| now.duration_since(last) < Self::QUICK);
        self.last = Some(now);
        self.wait = if quick {
            (self.wait * 2).clamp(Duration::from_secs(1), Self::MAX)
        } else {
            Duration::ZERO
        };
        self.wait
    }
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
    /// The conversation on screen in a focused window, if any.
    viewing: Option<BareJid>,
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
    /// Requests waiting for their response, with the JID each was sent to.
    pending: HashMap<String, (Pending, Option<Jid>)>,
    catch_up: Option<CatchUp>,
    page: Vec<NewMessage>,
    run_stored: u64,
    run_duplicates: u64,
    devices: HashMap<String, Device>,
    /// Our other devices whose latest presence carried XEP-0319 idle, by resource.
    idle: HashSet<String>,
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
                    Some(Command::Viewing(peer)) => self.set_viewing(peer).await,
                    Some(Command::Counters(reply)) => {
                        let _ = reply.send(self.counters_now());
                    }
                    Some(Command::Devices(reply)) => {
                        let _ = reply.send(self.device_statuses().await);
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
        let (id, to) = match &iq {
            Iq::Get { id, to, .. }
            | Iq::Set { id, to, .. }
            | Iq::Result { id, to, .. }
            | Iq::Error { id, to, .. } => (id.clone(), to.clone()),
        };
        self.pending.insert(id, (purpose, to));
        self.send_stanza(iq).await;
    }

    /// The request `id` answers, when `from` is the party it asked; a response from anybody
    /// else is dropped and the request stays pending.
    fn take_pending(&mut self, id: &str, from: Option<&Jid>) -> Option<Pending> {
        let (_, asked) = self.pending.get(id)?;
        if !rules::answers_request(asked.as_ref(), from, &self.account, self.jid.as_ref()) {
            tracing::warn!(
                ?from,
                id,
                "dropped an IQ response from a party we did not ask"
            );
            return None;
        }
        self.pending.remove(id).map(|(purpose, _)| purpose)
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
        self.idle.clear();
        match self.store.read_positions(&self.account).await {
            Ok(positions) => {
                self.read.extend(positions);
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
                if let Some(purpose) = self.take_pending(&id, from.as_ref()) {
                    self.on_result(purpose, payload).await;
                }
            }
            Iq::Error {
                id, error, from, ..
            } => {
                if let Some(purpose) = self.take_pending(&id, from.as_ref()) {
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

    async fn on_result(&mut self, purpose: Pending, payload: Option<Element>) {
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
                // Only the device itself describes it (`take_pending` checked who answered).
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
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::StormGuard;

    #[test]
    fn a_connection_that_keeps_dropping_backs_off_and_a_lasting_one_resets() {
        let mut guard = StormGuard::default();
        let t0 = Instant::now();
        let s = Duration::from_secs;
        assert_eq!(
            guard.next(t0),
            Duration::ZERO,
            "the first drop reconnects at once"
        );
        let waits: Vec<_> = (1..=7).map(|i| guard.next(t0 + s(i))).collect();
        assert_eq!(waits, [s(1), s(2), s(4), s(8), s(16), s(30), s(30)]);
        assert_eq!(
            guard.next(t0 + s(60)),
            Duration::ZERO,
            "a stream that lasted resets it"
        );
    }
}
