//! The session actor: one task owns the stanza stream and pumps it through the engine.
//!
//! Front ends hold a [`Session`] handle (commands in) and an [`Events`] receiver (events out).
//! The actor holds no rule and no multi-device state: every stanza goes socket -> wire
//! ([`crate::wire::inbound`]) -> engine (`tandem_core::engine::Engine`, which persists
//! through the store) -> effects, which the actor carries out: stanzas back through the wire
//! ([`crate::wire::outbound`]) to the socket, events to front ends. Nothing from the network
//! can make this task panic.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use futures::StreamExt;
use jid::{BareJid, FullJid, Jid};
use tandem_core::activity::ActiveWindow;
use tandem_core::counters::Counters;
use tandem_core::engine::outbound::Chat;
use tandem_core::engine::{self, Effect, Engine, EngineConfig, Input, RoomView, SendError};
use tandem_core::event::{ErrorKind, Event, OfflineReason};
use tandem_core::model::{MessageId, Show, StoredMessage};
use tandem_core::status::DeviceStatus;
use tandem_core::store::Store;
use tokio::sync::{mpsc, oneshot};
use tokio_xmpp::parsers::{ns, presence};
use tokio_xmpp::stanzastream::{Event as StreamItem, StanzaStage, StanzaStream, StreamEvent};
use tokio_xmpp::Stanza;

use crate::connect::{self, ConnectError};
use crate::error::ClientError;
use crate::transport::Injector;
use crate::wire::{self, Wire};

mod config;
mod reconnect;

pub use config::SessionConfig;
use reconnect::reconnector;

pub use crate::wire::outbound::CAPS_NODE;

/// How often the engine is told that time passed (`Input::Tick`).
const TICK: Duration = Duration::from_secs(60);

/// Events from the session, in order.
pub type Events = mpsc::UnboundedReceiver<Event>;

#[derive(Debug)]
enum Command {
    Send {
        to: Jid,
        body: String,
        reply: oneshot::Sender<Result<StoredMessage, ClientError>>,
    },
    Edit {
        conversation: BareJid,
        target: MessageId,
        text: Option<String>,
        reply: oneshot::Sender<Result<StoredMessage, ClientError>>,
    },
    Raw(Box<Stanza>),
    Engine(engine::Command),
    Counters(oneshot::Sender<Counters>),
    Rooms(oneshot::Sender<Vec<RoomView>>),
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
        let engine = Engine::new(
            EngineConfig {
                account: cfg.connect.jid.clone(),
                resource: cfg.connect.resource.clone(),
                carbons: cfg.carbons,
                device: cfg.device,
                active_window: cfg.active_window,
            },
            Box::new(new_id),
        );
        let actor = Actor {
            engine,
            injector,
            cfg,
            store,
            stream,
            events: events_tx,
            login_errors,
            shutdown,
            ready: Some(ready_tx),
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

    /// Corrects a message of ours (XEP-0308) on every device of both parties, or of the
    /// room: the stored message as it now reads, once the server acknowledged the
    /// correction.
    pub async fn correct(
        &self,
        conversation: BareJid,
        target: MessageId,
        text: String,
    ) -> Result<StoredMessage, ClientError> {
        self.edit(conversation, target, Some(text)).await
    }

    /// Retracts a message of ours (XEP-0424) everywhere it was shown.
    pub async fn retract(
        &self,
        conversation: BareJid,
        target: MessageId,
    ) -> Result<StoredMessage, ClientError> {
        self.edit(conversation, target, None).await
    }

    async fn edit(
        &self,
        conversation: BareJid,
        target: MessageId,
        text: Option<String>,
    ) -> Result<StoredMessage, ClientError> {
        let (reply, rx) = oneshot::channel();
        self.commands
            .send(Command::Edit {
                conversation,
                target,
                text,
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
        self.engine(engine::Command::Foreground).await
    }

    /// The app went to the background: presence away with XEP-0319 idle (so our other devices
    /// stop treating this one as active at once), then `<inactive/>` (XEP-0352) so the server
    /// may hold back what is not urgent.
    pub async fn background(&self) -> Result<(), ClientError> {
        self.engine(engine::Command::Background).await
    }

    /// Announces a presence (available, away, xa or dnd).
    pub async fn presence(&self, show: Show) -> Result<(), ClientError> {
        self.engine(engine::Command::Presence(show)).await
    }

    /// The user read the conversation on this device: marks it read here, and tells the
    /// contact and our other devices (a XEP-0333 displayed marker, copied by carbons).
    pub async fn read(&self, peer: BareJid) -> Result<(), ClientError> {
        self.engine(engine::Command::Read(peer)).await
    }

    /// Which conversation is on screen in this device's focused window (`None`: none, or
    /// the window lost focus). While one is set and the app is in the foreground (see
    /// [`Session::background`]), that conversation is read as [`Session::read`] reads it:
    /// at once when it has unread messages, and as each new message arrives, which then
    /// stays silent (`SilentReason::Viewing`).
    pub async fn viewing(&self, peer: Option<BareJid>) -> Result<(), ClientError> {
        self.engine(engine::Command::Viewing(peer)).await
    }

    /// Changes how long a device stays the active one after its last activity; applies at
    /// once, to everything already seen, without restarting the session.
    pub async fn set_active_window(&self, window: ActiveWindow) -> Result<(), ClientError> {
        self.engine(engine::Command::SetWindow(window)).await
    }

    /// Joins a room on every device: bookmarks it (XEP-0402, autojoin) so each of our
    /// devices joins it, and enters it here. `create`: create it when it does not exist
    /// (`Some(true)`: members-only). Progress comes as `Event::Room`.
    pub async fn join(
        &self,
        room: BareJid,
        nick: Option<String>,
        create: Option<bool>,
    ) -> Result<(), ClientError> {
        self.engine(engine::Command::Join { room, nick, create })
            .await
    }

    /// Leaves a room on every device (its bookmark stays, with autojoin off).
    pub async fn leave(&self, room: BareJid) -> Result<(), ClientError> {
        self.engine(engine::Command::Leave(room)).await
    }

    /// How a room notifies: every message, mentions only (the default) or never.
    pub async fn set_room_notify(
        &self,
        room: BareJid,
        notify: tandem_core::room::RoomNotify,
    ) -> Result<(), ClientError> {
        self.engine(engine::Command::RoomNotify { room, notify })
            .await
    }

    /// Invites a contact to a room we are in (XEP-0045 mediated invite).
    pub async fn invite(&self, room: BareJid, invitee: BareJid) -> Result<(), ClientError> {
        self.engine(engine::Command::Invite { room, invitee }).await
    }

    /// Our rooms and where each stands on this device, with their occupants.
    pub async fn rooms(&self) -> Result<Vec<RoomView>, ClientError> {
        let (reply, rx) = oneshot::channel();
        self.command(Command::Rooms(reply)).await?;
        rx.await.map_err(|_| ClientError::Closed)
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

    async fn engine(&self, cmd: engine::Command) -> Result<(), ClientError> {
        self.command(Command::Engine(cmd)).await
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

struct Actor<S> {
    engine: Engine,
    injector: Injector,
    cfg: SessionConfig,
    store: Arc<S>,
    stream: StanzaStream,
    events: mpsc::UnboundedSender<Event>,
    login_errors: mpsc::UnboundedReceiver<ConnectError>,
    shutdown: Arc<AtomicBool>,
    ready: Option<oneshot::Sender<Result<FullJid, ClientError>>>,
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl<S: Store + 'static> Actor<S> {
    async fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        // Time for the engine (rooms' self-pings): once a minute, never a burst of catch-up
        // ticks after a suspend.
        let mut ticks = tokio::time::interval(TICK);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks.tick().await;
        loop {
            tokio::select! {
                _ = ticks.tick() => self.input(Input::Tick).await,
                item = self.stream.next() => match item {
                    Some(StreamItem::Stream(ev)) => self.on_stream_event(ev).await,
                    Some(StreamItem::Stanza(stanza)) => {
                        if let Some(inbound) = wire::inbound(stanza) {
                            self.input(Input::Stanza(Box::new(inbound))).await;
                        }
                    }
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
                    self.error(ErrorKind::Reconnecting, format!("reconnecting: {e}"));
                }
                cmd = commands.recv() => match cmd {
                    Some(Command::Send { to, body, reply }) => self.send_message(to, body, reply).await,
                    Some(Command::Edit { conversation, target, text, reply }) => {
                        let (result, effects) = self
                            .engine
                            .edit_message(&*self.store, conversation, target, text, Utc::now())
                            .await;
                        self.apply(effects).await;
                        self.dispatch(result, reply).await;
                    }
                    Some(Command::Raw(stanza)) => self.send_stanza(*stanza).await,
                    Some(Command::Engine(cmd)) => self.input(Input::Command(cmd)).await,
                    Some(Command::Rooms(reply)) => {
                        let _ = reply.send(self.engine.rooms());
                    }
                    Some(Command::Counters(reply)) => {
                        let _ = reply.send(self.engine.counters(Utc::now()));
                    }
                    Some(Command::Devices(reply)) => {
                        let devices = self.engine.devices(&*self.store, Utc::now()).await;
                        let _ = reply.send(devices.map_err(ClientError::from));
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

    /// One input through the engine, and what it asks for carried out.
    async fn input(&mut self, input: Input) {
        let effects = self.engine.handle(&*self.store, input, Utc::now()).await;
        self.apply(effects).await;
    }

    async fn apply(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Send(out) => match wire::outbound(out) {
                    Wire::Stanza(stanza) => self.send_stanza(*stanza).await,
                    Wire::Nonza(xml) => {
                        self.injector.inject(&xml);
                    }
                },
                Effect::Emit(event) => self.emit(event),
                Effect::Ready(jid) => {
                    if let Some(ready) = self.ready.take() {
                        let _ = ready.send(Ok(jid));
                    }
                }
            }
        }
    }

    fn emit(&self, event: Event) {
        let _ = self.events.send(event);
    }

    fn error(&self, kind: ErrorKind, message: String) {
        tracing::warn!(?kind, "{message}");
        self.emit(Event::Error { kind, message });
    }

    async fn close(self) {
        self.shutdown.store(true, Ordering::Relaxed);
        // Front ends still reading events learn that this was asked for, not a drop.
        self.emit(Event::Disconnected {
            reason: OfflineReason::Requested,
        });
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

    async fn on_stream_event(&mut self, ev: StreamEvent) {
        match ev {
            StreamEvent::Reset {
                bound_jid,
                features,
            } => {
                let csi = features.others.iter().any(|e| e.is("csi", ns::CSI));
                let jid = match bound_jid.try_into_full() {
                    Ok(full) => full,
                    Err(bare) => {
                        self.error(
                            ErrorKind::Server,
                            format!("server bound a bare JID {bare}; using our resource"),
                        );
                        match self.cfg.connect.full_jid() {
                            Ok(j) => j,
                            Err(_) => return,
                        }
                    }
                };
                self.input(Input::Online { jid, csi }).await;
            }
            StreamEvent::Suspended => self.input(Input::Suspended).await,
            StreamEvent::Resumed => self.input(Input::Resumed).await,
        }
    }

    /// Stores the message (through the engine), then sends it and answers once the server
    /// acknowledged it, or the acknowledgement timed out.
    async fn send_message(
        &mut self,
        to: Jid,
        body: String,
        reply: oneshot::Sender<Result<StoredMessage, ClientError>>,
    ) {
        let (result, effects) = self
            .engine
            .send_message(&*self.store, to, body, Utc::now())
            .await;
        self.apply(effects).await;
        self.dispatch(result, reply).await;
    }

    /// Sends what the engine composed (a message, a correction, a retraction) and answers
    /// once the server acknowledged it, or the acknowledgement timed out.
    async fn dispatch(
        &mut self,
        result: Result<(StoredMessage, Chat), SendError>,
        reply: oneshot::Sender<Result<StoredMessage, ClientError>>,
    ) {
        let (stored, chat) = match result {
            Ok(sent) => sent,
            Err(e) => {
                let _ = reply.send(Err(match e {
                    SendError::Store(e) => ClientError::Store(e),
                    other => ClientError::InvalidMessage(other.to_string()),
                }));
                return;
            }
        };
        let stanza = wire::outbound::chat(&chat);
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
}
