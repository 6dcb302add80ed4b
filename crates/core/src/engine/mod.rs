//! The multi-device engine: everything a signed-in device knows and decides, as a state
//! machine without I/O.
//!
//! [`Engine`] takes typed inputs ([`Input`]: the stream came up or went down, an [`Inbound`]
//! stanza as the wire read it, a user [`Command`]), each with `now`, and returns
//! [`Effect`]s: stanzas to send as model values ([`Outbound`]) and events for front ends. It
//! persists through the [`Store`] port as it goes rather than returning store writes as
//! effects, because its next decision depends on what the store answered (a new message or
//! a duplicate copy, the newest message of a conversation); the in-memory store makes it a
//! pure, millisecond machine in tests. The session actor in `tandem-client` only pumps:
//! socket -> wire -> engine -> effects -> socket and front ends.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use jid::{BareJid, FullJid, Jid};

use crate::activity::{ActiveWindow, Activity};
use crate::catchup::CatchUp;
use crate::counters::Counters;
use crate::event::{ErrorKind, Event, OfflineReason};
use crate::model::{Device, DeviceType, NewMessage, Show};
use crate::readstate::ReadPosition;
use crate::rules;
use crate::store::Store;

pub mod inbound;
mod messages;
mod multidevice;
pub mod outbound;
mod rooms;

pub use inbound::Inbound;
pub use messages::{SendError, RETRACTION_FALLBACK};
pub use multidevice::MDS_NODE;
pub use outbound::{Effect, Outbound};
pub use rooms::{
    OccupantInfo, RoomView, BOOKMARKS_NODE, MAX_OCCUPANTS, MAX_ROOMS, SELF_PING_IDLE,
    SELF_PING_TIMEOUT,
};

/// What the engine of one device needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineConfig {
    /// Our account.
    pub account: BareJid,
    /// This device's resource.
    pub resource: String,
    /// Multi-device messaging (XEP-0280 carbons) on or off.
    pub carbons: bool,
    /// The type of device this is, advertised in disco#info.
    pub device: DeviceType,
    /// How long a device stays the active one after its last Available presence or message.
    pub active_window: ActiveWindow,
}

/// Where the engine gets fresh stanza and query ids (random in the client, counted in tests).
pub type Ids = Box<dyn FnMut() -> String + Send + Sync>;

/// What the user asked this device to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// The app came to the foreground: `<active/>` (XEP-0352), then Available presence.
    Foreground,
    /// The app went to the background: presence away with XEP-0319 idle, then `<inactive/>`.
    Background,
    /// Announce a presence.
    Presence(Show),
    /// The user read the conversation on this device.
    Read(BareJid),
    /// The conversation on screen in a focused window, if any.
    Viewing(Option<BareJid>),
    /// A new active window (how long a device stays active after its last activity).
    SetWindow(ActiveWindow),
    /// Join a room on every device (bookmarked with autojoin), or create it.
    Join {
        /// The room.
        room: BareJid,
        /// Our nick (default: the stored one, else our account's local part).
        nick: Option<String>,
        /// Create it if it does not exist: `Some(true)` members-only, `Some(false)` open.
        create: Option<bool>,
    },
    /// Leave a room on every device (its bookmark stays, autojoin off).
    Leave(BareJid),
    /// How a room notifies.
    RoomNotify {
        /// The room.
        room: BareJid,
        /// The setting.
        notify: crate::room::RoomNotify,
    },
    /// Invite a contact to a room we are in.
    Invite {
        /// The room.
        room: BareJid,
        /// The contact.
        invitee: BareJid,
    },
}

/// One input to the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A new stream is up (a fresh login, not a resumption), bound to `jid`.
    Online {
        /// Our bound full JID.
        jid: FullJid,
        /// The server advertises XEP-0352 client state indication.
        csi: bool,
    },
    /// The stream dropped; the client is trying to resume it.
    Suspended,
    /// The stream was resumed (XEP-0198): nothing was lost.
    Resumed,
    /// A stanza from the server.
    Stanza(Box<Inbound>),
    /// A user command.
    Command(Command),
    /// Time passes (about once a minute): rooms' self-pings.
    Tick,
}

/// A request waiting for its answer.
#[derive(Debug, Clone)]
enum Pending {
    Carbons,
    Roster,
    ArchivePage,
    DiscoInfo(FullJid),
    MdsPublish,
    /// What our account offers (whether bookmarks are XEP-0402 or XEP-0048).
    AccountInfo,
    Bookmarks,
    BookmarkPublish(BareJid),
    RoomInfo(BareJid),
    RoomPage(BareJid),
    SelfPing(BareJid),
    /// Configuring a room we created; publish its bookmark after.
    ConfigureRoom(BareJid, bool),
}

/// The state of one signed-in device, and the rules it applies to everything that happens.
pub struct Engine {
    cfg: EngineConfig,
    ids: Ids,
    /// Effects produced by the input being handled.
    out: Vec<Effect>,
    /// Our bound JID, once online.
    jid: Option<FullJid>,
    /// Ready was reported (the first carbons answer came back).
    ready: bool,
    counters: Counters,
    /// When the current quiet stretch began.
    quiet_since: Option<DateTime<Utc>>,
    /// Became active: the next held-back stanza starts a buffer flush.
    flush_armed: bool,
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
    /// Requests waiting for their response, with the JID each was sent to.
    pending: HashMap<String, (Pending, Option<Jid>)>,
    catch_up: Option<CatchUp>,
    /// The archive results of the page being read.
    page: Vec<NewMessage>,
    run_stored: u64,
    run_duplicates: u64,
    devices: HashMap<String, Device>,
    /// Our other devices whose latest presence carried XEP-0319 idle, by resource.
    idle: HashSet<String>,
    /// Our rooms on this device.
    rooms: rooms::Rooms,
    /// The bookmarks were fetched again after our PEP service learnt our caps.
    bookmarks_refetched: bool,
    /// Rooms joined or left here whose bookmark the server has not confirmed yet: a full
    /// bookmark list asked for before is older than what the user just did.
    bookmarks_local: HashSet<BareJid>,
    /// Where our bookmarks live, once our account said: XEP-0402 PEP (`Some(false)`) or
    /// XEP-0048 private storage (`Some(true)`).
    legacy_bookmarks: Option<bool>,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("account", &self.cfg.account)
            .field("jid", &self.jid)
            .field("quiet", &self.quiet)
            .field("catching_up", &self.catch_up.is_some())
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// A device that is not online yet.
    pub fn new(cfg: EngineConfig, ids: Ids) -> Self {
        let activity = Activity::new(cfg.resource.clone(), cfg.active_window.duration());
        Self {
            cfg,
            ids,
            out: Vec::new(),
            jid: None,
            ready: false,
            counters: Counters::default(),
            quiet_since: None,
            flush_armed: false,
            csi: false,
            quiet: false,
            show: Show::Available,
            activity,
            read: HashMap::new(),
            viewing: None,
            notified: HashMap::new(),
            pending: HashMap::new(),
            catch_up: None,
            page: Vec::new(),
            run_stored: 0,
            run_duplicates: 0,
            devices: HashMap::new(),
            idle: HashSet::new(),
            rooms: HashMap::new(),
            bookmarks_refetched: false,
            bookmarks_local: HashSet::new(),
            legacy_bookmarks: None,
        }
    }

    /// Our bound full JID, once online.
    pub fn jid(&self) -> Option<&FullJid> {
        self.jid.as_ref()
    }

    /// The account this engine is for.
    pub fn account(&self) -> &BareJid {
        &self.cfg.account
    }

    /// Whether this device is in quiet mode (in the background).
    pub fn quiet(&self) -> bool {
        self.quiet
    }

    /// The active window now in force.
    pub fn active_window(&self) -> Duration {
        self.activity.window()
    }

    /// Whether the archive is being caught up with.
    pub fn catching_up(&self) -> bool {
        self.catch_up.is_some()
    }

    /// Handles one input at `now` and returns what to do, in order.
    pub async fn handle<S: Store>(
        &mut self,
        store: &S,
        input: Input,
        now: DateTime<Utc>,
    ) -> Vec<Effect> {
        match input {
            Input::Online { jid, csi } => self.online(store, jid, csi, now).await,
            Input::Suspended => self.emit(Event::Disconnected {
                reason: OfflineReason::ConnectionLost,
            }),
            Input::Resumed => {
                if let Some(jid) = self.jid.clone() {
                    self.emit(Event::Connected { jid, resumed: true });
                }
                self.rooms_resumed(now);
            }
            Input::Tick => self.rooms_tick(now),
            Input::Stanza(stanza) => self.receive(store, *stanza, now).await,
            Input::Command(cmd) => self.command(store, cmd, now).await,
        }
        std::mem::take(&mut self.out)
    }

    async fn command<S: Store>(&mut self, store: &S, cmd: Command, now: DateTime<Utc>) {
        match cmd {
            Command::Foreground => self.set_quiet(store, false, now).await,
            Command::Background => self.set_quiet(store, true, now).await,
            Command::Presence(show) => {
                self.show = show;
                self.announce(now);
            }
            Command::Read(peer) => self.read_locally(store, peer, now).await,
            Command::Viewing(peer) => self.set_viewing(store, peer, now).await,
            Command::SetWindow(window) => self.activity.set_window(window.duration()),
            Command::Join { room, nick, create } => {
                self.join_room(store, room, nick, create, now).await
            }
            Command::Leave(room) => self.leave_room(store, room, now).await,
            Command::RoomNotify { room, notify } => self.set_room_notify(store, room, notify).await,
            Command::Invite { room, invitee } => self.invite(room, invitee),
        }
    }

    fn new_id(&mut self) -> String {
        (self.ids)()
    }

    fn emit(&mut self, event: Event) {
        self.out.push(Effect::Emit(event));
    }

    fn send(&mut self, stanza: Outbound) {
        self.out.push(Effect::Send(stanza));
    }

    fn error(&mut self, kind: ErrorKind, message: String) {
        tracing::warn!(?kind, "{message}");
        self.emit(Event::Error { kind, message });
    }

    fn storage_error(&mut self, message: String) {
        self.error(ErrorKind::Storage, message);
    }

    fn request(&mut self, to: Option<Jid>, request: outbound::Request, purpose: Pending) {
        let id = self.new_id();
        self.pending.insert(id.clone(), (purpose, to.clone()));
        self.send(Outbound::Request { id, to, request });
    }

    /// The request `id` answers, when `from` is the party it asked; a response from anybody
    /// else is dropped and the request stays pending.
    fn take_pending(&mut self, id: &str, from: Option<&Jid>) -> Option<Pending> {
        let (_, asked) = self.pending.get(id)?;
        if !rules::answers_request(asked.as_ref(), from, &self.cfg.account, self.jid.as_ref()) {
            tracing::warn!(
                ?from,
                id,
                "dropped an IQ response from a party we did not ask"
            );
            return None;
        }
        self.pending.remove(id).map(|(purpose, _)| purpose)
    }

    async fn online<S: Store>(&mut self, store: &S, jid: FullJid, csi: bool, now: DateTime<Utc>) {
        self.csi = csi;
        self.jid = Some(jid.clone());
        self.pending.clear();
        self.catch_up = None;
        self.page.clear();
        let account = self.cfg.account.clone();
        if let Err(e) = store.mark_devices_offline(&account, now).await {
            self.storage_error(format!("cannot update devices: {e}"));
        }
        self.devices.clear();
        self.idle.clear();
        match store.read_positions(&account).await {
            Ok(positions) => self.read.extend(positions),
            Err(e) => self.storage_error(format!("cannot load read positions: {e}")),
        }
        // Multi-device messaging: enable (or explicitly disable) carbons.
        let carbons = self.cfg.carbons;
        self.request(None, outbound::Request::Carbons(carbons), Pending::Carbons);
        self.request(None, outbound::Request::Roster, Pending::Roster);
        self.announce(now);
        if self.quiet && self.csi {
            self.send(Outbound::ClientState { active: false });
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
        self.update_device(store, this).await;
        self.emit(Event::Connected {
            jid,
            resumed: false,
        });
        // Catch up from the archive after the last page this profile stored.
        match store.archive_position(&account).await {
            Ok(position) => {
                let mut run = CatchUp::new(position, self.new_id());
                let req = run.next_request();
                self.catch_up = Some(run);
                self.run_stored = 0;
                self.run_duplicates = 0;
                self.request_page(req);
            }
            Err(e) => self.storage_error(format!("cannot read archive position: {e}")),
        }
        // Rooms: the bookmarks say which to join.
        self.rooms_online(store, now).await;
    }

    async fn receive<S: Store>(&mut self, store: &S, stanza: Inbound, now: DateTime<Utc>) {
        match stanza {
            Inbound::Message(m) => {
                self.note_held(&m.delays, now);
                self.on_live_message(store, m, now).await;
            }
            Inbound::Carbon {
                outer,
                sent,
                delay,
                inner,
            } => {
                self.note_held(&outer.delays, now);
                self.on_carbon(store, &outer, sent, delay, inner, now).await;
            }
            Inbound::Archived {
                outer,
                query_id,
                id,
                delay,
                inner,
            } => {
                self.note_held(&outer.delays, now);
                if !self.on_room_archive_result(
                    &outer,
                    query_id.as_deref(),
                    &id,
                    delay,
                    &inner,
                    now,
                ) {
                    self.on_archive_result(&outer, query_id, id, delay, inner, now);
                }
            }
            Inbound::Pubsub {
                outer,
                node,
                items,
                retracted,
            } => {
                self.note_held(&outer.delays, now);
                if node == BOOKMARKS_NODE {
                    if self.own_pep(&outer) {
                        self.on_bookmarks(store, &items, &retracted, false, now)
                            .await;
                    } else {
                        tracing::warn!(from = ?outer.from, "dropped a bookmark event not from our own account");
                    }
                } else {
                    self.on_pubsub(store, &outer, &node, &items, now).await;
                }
            }
            Inbound::Presence(p) => {
                self.note_held(&p.delays, now);
                if !self.on_room_presence(store, &p, now).await {
                    self.on_presence(store, p, now).await;
                }
            }
            Inbound::PresenceError { from, failure } => {
                self.on_room_presence_error(store, from.as_ref(), &failure, now)
                    .await;
            }
            Inbound::OtherPresence { delays } => self.note_held(&delays, now),
            Inbound::Get { from, id, query } => self.answer_get(from, id, query),
            Inbound::Set { from, id, roster } => {
                // Roster pushes come from our own account; acknowledge them. Refuse the rest.
                let account = self.cfg.account.clone();
                let own = from.as_ref().is_none_or(|f| f.to_bare() == account);
                let (to, reply) = match from {
                    _ if own && roster => (
                        from.unwrap_or_else(|| Jid::from(account)),
                        outbound::Reply::Empty,
                    ),
                    Some(to) => (to, outbound::Reply::ServiceUnavailable),
                    None => return,
                };
                self.send(Outbound::Reply { to, id, reply });
            }
            Inbound::Result { from, id, answer } => {
                if let Some(purpose) = self.take_pending(&id, from.as_ref()) {
                    self.on_result(store, purpose, answer, now).await;
                }
            }
            Inbound::Error { from, id, failure } => {
                if let Some(purpose) = self.take_pending(&id, from.as_ref()) {
                    self.on_iq_error(store, purpose, failure, now).await;
                }
            }
        }
    }

    fn answer_get(&mut self, from: Option<Jid>, id: String, query: inbound::Query) {
        let Some(to) = from else { return };
        // Our PEP service asking what we are (XEP-0115) is when it learns our `+notify`
        // interests: bookmarks published before that were not sent to us, so ask again.
        let pep_learns = matches!(query, inbound::Query::DiscoInfo { .. })
            && to.try_as_full().is_err()
            && to.to_bare() == self.cfg.account;
        tracing::debug!(from = %to, ?query, pep_learns, "answering a query");
        let reply = match query {
            inbound::Query::DiscoInfo { node } => outbound::Reply::DiscoInfo {
                node,
                device: self.cfg.device,
            },
            inbound::Query::Ping => outbound::Reply::Empty,
            inbound::Query::Other => outbound::Reply::ServiceUnavailable,
        };
        self.send(Outbound::Reply { to, id, reply });
        if pep_learns {
            self.bookmarks_after_caps();
        }
    }

    async fn on_result<S: Store>(
        &mut self,
        store: &S,
        purpose: Pending,
        answer: inbound::Answer,
        now: DateTime<Utc>,
    ) {
        match purpose {
            Pending::Carbons => self.mark_ready(),
            Pending::Roster | Pending::MdsPublish => {}
            Pending::BookmarkPublish(room) => self.on_bookmarked(room),
            Pending::ConfigureRoom(room, bookmark) => self.on_room_configured(&room, bookmark),
            Pending::AccountInfo => {
                let features = match answer {
                    inbound::Answer::DiscoInfo { features, .. } => features,
                    _ => Vec::new(),
                };
                self.on_account_info(&features);
            }
            Pending::Bookmarks => {
                let items = match answer {
                    inbound::Answer::Items(items) => items,
                    _ => Vec::new(),
                };
                self.on_bookmarks(store, &items, &[], true, now).await;
            }
            Pending::RoomInfo(room) => {
                let features = match answer {
                    inbound::Answer::DiscoInfo { features, .. } => features,
                    _ => Vec::new(),
                };
                self.on_room_info(store, &room, &features).await;
            }
            Pending::RoomPage(room) => match answer {
                inbound::Answer::Fin { last, complete } => {
                    self.finish_room_page(store, &room, last, complete, now)
                        .await
                }
                _ => {
                    self.error(
                        ErrorKind::Server,
                        format!("{room}'s archive answered without <fin/>; its catch-up stopped"),
                    );
                    self.end_room_catch_up(&room);
                }
            },
            Pending::SelfPing(room) => self.on_self_ping(&room, None, now),
            Pending::ArchivePage => match answer {
                inbound::Answer::Fin { last, complete } => {
                    self.finish_page(store, last, complete, now).await
                }
                _ => {
                    self.error(
                        ErrorKind::Server,
                        "archive answered without <fin/>; catch-up stopped".into(),
                    );
                    self.end_catch_up();
                }
            },
            Pending::DiscoInfo(full) => {
                // Only the device itself describes it (`take_pending` checked who answered).
                let inbound::Answer::DiscoInfo { identities, .. } = answer else {
                    return;
                };
                let device_type = identities
                    .iter()
                    .map(|(category, type_)| DeviceType::from_identity(category, type_))
                    .find(|t| *t != DeviceType::Unknown)
                    .unwrap_or(DeviceType::Unknown);
                if let Some(mut d) = self.devices.get(full.resource().as_str()).cloned() {
                    d.device_type = device_type;
                    self.update_device(store, d).await;
                }
            }
        }
    }

    async fn on_iq_error<S: Store>(
        &mut self,
        store: &S,
        purpose: Pending,
        failure: inbound::Failure,
        now: DateTime<Utc>,
    ) {
        match purpose {
            Pending::AccountInfo => self.on_account_info(&[rooms::BOOKMARKS_COMPAT.to_owned()]),
            Pending::Bookmarks => self.on_bookmarks_error(store, failure, now).await,
            Pending::BookmarkPublish(room) => {
                self.bookmarks_local.remove(&room);
                self.error(
                ErrorKind::Server,
                    format!(
                        "could not publish the room bookmark (XEP-0402): {}; other devices will not follow",
                        failure.condition
                    ),
                );
            }
            Pending::RoomInfo(room) => self.on_room_info(store, &room, &[]).await,
            Pending::RoomPage(room) => self.on_room_page_error(&room, &failure),
            Pending::SelfPing(room) => self.on_self_ping(&room, Some(&failure), now),
            Pending::ConfigureRoom(room, _) => self.error(
                ErrorKind::Server,
                format!(
                    "could not configure the new room {room}: {}",
                    failure.condition
                ),
            ),
            Pending::Carbons => {
                self.error(
                    ErrorKind::Server,
                    format!(
                        "server refused carbons (multi-device messaging): {}",
                        failure.condition
                    ),
                );
                self.mark_ready();
            }
            Pending::Roster | Pending::DiscoInfo(_) => {}
            Pending::ArchivePage => {
                let restart = failure.item_not_found()
                    && self
                        .catch_up
                        .as_ref()
                        .is_some_and(|c| c.position().is_some());
                if restart {
                    // Our position fell out of the archive: page from the start; the store's
                    // dedup constraint keeps what we already have from being stored twice.
                    tracing::warn!(
                        "archive position no longer known to the server; restarting catch-up"
                    );
                    let mut run = CatchUp::new(None, self.new_id());
                    let req = run.next_request();
                    self.catch_up = Some(run);
                    self.request_page(req);
                } else {
                    self.error(
                        ErrorKind::Server,
                        format!(
                            "archive query failed: {}; catch-up stopped",
                            failure.condition
                        ),
                    );
                    self.end_catch_up();
                }
            }
            Pending::MdsPublish => self.error(
                ErrorKind::Server,
                format!(
                    "could not publish the read position (XEP-0490): {}",
                    failure.condition
                ),
            ),
        }
    }

    /// A PEP event from our own account (our bare JID, or no `from`).
    fn own_pep(&self, outer: &inbound::Envelope) -> bool {
        outer
            .from
            .as_ref()
            .is_none_or(|f| f.try_as_full().is_err() && f.to_bare() == self.cfg.account)
    }

    fn mark_ready(&mut self) {
        if !self.ready {
            if let Some(jid) = self.jid.clone() {
                self.ready = true;
                self.out.push(Effect::Ready(jid));
            }
        }
    }
}

#[cfg(test)]
mod tests;
