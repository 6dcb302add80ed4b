// The application state shared by every screen: who is signed in, which screen is shown, the
// conversation list, our rooms, pending invitations and the connection. Engine events arrive
// here first (one `engine` listener for the whole app) and are fanned out to screens that
// subscribe with `onEngineEvent`.

import * as api from './api';
import type {
  AppError,
  ConversationSummary,
  Event as EngineEvent,
  Me,
  MessageView,
  Occupant,
  OccupantChange,
  RoomAccess,
  RoomInfo,
  SavedAccount,
  Show,
} from './bindings';
import { bare, localpart } from './jid';

export type View =
  | { kind: 'home' }
  | { kind: 'chat'; peer: string }
  | { kind: 'devices' }
  | { kind: 'settings' }
  | { kind: 'diagnostics' };

export type Connection = 'connected' | 'reconnecting' | 'offline';

/** A room of ours as the UI keeps it: what `rooms()` said, plus the last reason it left. */
export type RoomEntry = RoomInfo & { reason: string | null };

/** An invitation to a room, shown as a banner until joined or dismissed. */
export type Invite = { room: string; from: string; reason: string | null };

type OccupantEvent = {
  room: string;
  nick: string;
  change: OccupantChange;
  role: string;
  this_is_us: boolean;
};

type Listener = (ev: EngineEvent) => void;

class AppState {
  phase = $state<'loading' | 'signin' | 'main'>('loading');
  me = $state<Me | null>(null);
  saved = $state<SavedAccount | null>(null);
  signInError = $state<AppError | null>(null);
  view = $state<View>({ kind: 'home' });
  conversations = $state.raw<ConversationSummary[]>([]);
  conversationsError = $state<string | null>(null);
  connection = $state<Connection>('connected');
  /** The last engine `error` event, shown as a dismissible banner. */
  banner = $state<string | null>(null);
  /** Presence of contacts by bare JID (from `presence` events). */
  presence = $state<Record<string, Show>>({});
  /** Our rooms by JID (from `rooms()`, kept current by `room` and `occupant` events). */
  rooms = $state.raw<Record<string, RoomEntry>>({});
  /** Invitations not yet joined or dismissed, newest last. */
  invites = $state.raw<Invite[]>([]);
  /** A clock for relative times; ticks every 30 s. */
  now = $state(new Date());

  #listeners = new Set<Listener>();
  #unlisten: Array<() => void> = [];
  #roomsLoading: Promise<void> | null = null;
  #roomsAgain = false;
  #occupantQueue: OccupantEvent[] = [];
  #occupantFlush: ReturnType<typeof setTimeout> | null = null;

  get openPeer(): string | null {
    return this.view.kind === 'chat' ? this.view.peer : null;
  }

  /** Subscribe to engine events; returns the unsubscribe function. */
  onEngineEvent(fn: Listener): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  async start(): Promise<void> {
    setInterval(() => (this.now = new Date()), 30_000);
    this.#unlisten.push(await api.onEngine((ev) => this.#dispatch(ev)));
    this.#unlisten.push(await api.onNavigate((peer) => this.openChat(peer)));
    api.savedAccount().then(
      (s) => (this.saved = s),
      () => (this.saved = null),
    );
    try {
      const me = await api.restore();
      if (me) this.#signedIn(me);
      else this.phase = 'signin';
    } catch (e) {
      this.signInError = e as AppError;
      this.phase = 'signin';
    }
  }

  signedIn(me: Me): void {
    this.#signedIn(me);
  }

  #signedIn(me: Me): void {
    this.me = me;
    this.signInError = null;
    this.connection = 'connected';
    this.phase = 'main';
    void this.refreshConversations();
    void this.refreshRooms();
  }

  async signOut(): Promise<void> {
    await api.signOut();
    this.me = null;
    this.view = { kind: 'home' };
    this.conversations = [];
    this.presence = {};
    this.rooms = {};
    this.invites = [];
    this.phase = 'signin';
    this.saved = await api.savedAccount().catch(() => this.saved);
  }

  async refreshConversations(): Promise<void> {
    try {
      this.conversations = sortNewestFirst(await api.conversations());
      this.conversationsError = null;
    } catch (e) {
      this.conversationsError = (e as AppError).message;
    }
  }

  /** Reloads our rooms; calls while one is on its way coalesce into one more. */
  refreshRooms(): Promise<void> {
    if (this.#roomsLoading) {
      this.#roomsAgain = true;
      return this.#roomsLoading;
    }
    this.#roomsLoading = (async () => {
      try {
        do {
          this.#roomsAgain = false;
          const list = await api.rooms();
          const next: Record<string, RoomEntry> = {};
          for (const r of list) next[r.jid] = { ...r, reason: this.rooms[r.jid]?.reason ?? null };
          this.rooms = next;
        } while (this.#roomsAgain);
      } catch (e) {
        console.warn('could not load rooms', (e as AppError).message);
      } finally {
        this.#roomsLoading = null;
      }
    })();
    return this.#roomsLoading;
  }

  /** Whether this conversation is one of our rooms. */
  isRoom(jid: string): boolean {
    return jid in this.rooms || this.conversations.some((c) => c.peer === jid && c.room);
  }

  /** A room's name for people: its name, else its JID's local part. */
  roomName(jid: string): string {
    return this.rooms[jid]?.name?.trim() || localpart(jid);
  }

  /** Joins (or creates) a room and opens it; rejects with the backend's AppError. */
  async joinRoom(room: string, nick: string | null = null, create: RoomAccess | null = null): Promise<void> {
    await api.joinRoom(room, nick, create);
    const known = this.rooms[room];
    const account = this.me?.account ?? '';
    this.rooms = {
      ...this.rooms,
      [room]: known
        ? { ...known, status: known.status === 'joined' ? 'joined' : 'joining', reason: null }
        : {
            jid: room,
            name: null,
            nick: nick ?? localpart(account),
            autojoin: true,
            notify: 'mentions',
            status: 'joining',
            gone: null,
            occupants: [],
            reason: null,
          },
    };
    this.invites = this.invites.filter((i) => i.room !== room);
    this.openChat(room);
    void this.refreshRooms();
  }

  dismissInvite(room: string): void {
    this.invites = this.invites.filter((i) => i.room !== room);
  }

  /** Changes one room in place (nothing when it is not known). */
  patchRoom(jid: string, f: (r: RoomEntry) => RoomEntry): void {
    const r = this.rooms[jid];
    if (r) this.rooms = { ...this.rooms, [jid]: f(r) };
  }

  show(view: View): void {
    this.view = view;
  }

  openChat(peer: string): void {
    // The shell names conversations by bare JID already; keep its string as it is.
    const p = peer.trim();
    if (this.openPeer === p) return;
    this.view = { kind: 'chat', peer: p };
  }

  /** Puts a message we sent (or that arrived) into the conversation list. */
  noteMessage(m: MessageView): void {
    const peer = m.conversation;
    const existing = this.conversations.find((c) => c.peer === peer);
    if (existing && existing.last.id > m.id) return;
    const counts = m.direction === 'in' && !m.read && !this.#viewing(peer) && existing?.last.id !== m.id;
    const unread = (existing?.unread ?? 0) + (counts ? 1 : 0);
    const mentions = (existing?.mentions ?? 0) + (counts && m.occupant?.mention ? 1 : 0);
    const room = existing?.room || m.kind === 'groupchat';
    const rest = this.conversations.filter((c) => c.peer !== peer);
    this.conversations = sortNewestFirst([{ peer, last: m, unread, room, mentions }, ...rest]);
  }

  /**
   * A message already shown now reads differently (corrected or retracted, by us or by its
   * author): when it is its conversation's newest, the list's preview follows. Ticks and read
   * state never go back.
   */
  noteEdited(m: MessageView): void {
    this.#patch(m.conversation, (c) =>
      c.last.id !== m.id
        ? c
        : {
            ...c,
            last: {
              ...m,
              read: m.read || c.last.read,
              delivered: m.delivered || c.last.delivered,
              seen: m.seen || c.last.seen,
            },
          },
    );
  }

  #viewing(peer: string): boolean {
    return this.openPeer === peer && typeof document !== 'undefined' && document.hasFocus();
  }

  #dispatch(ev: EngineEvent): void {
    switch (ev.event) {
      case 'connected':
        this.connection = 'connected';
        void this.refreshRooms();
        break;
      case 'disconnected':
        this.connection = ev.reason === 'requested' ? 'offline' : 'reconnecting';
        break;
      case 'message': {
        const { event: _e, ...m } = ev;
        this.noteMessage(m);
        break;
      }
      case 'edited': {
        const { event: _e, ...m } = ev;
        this.noteEdited(m);
        break;
      }
      case 'read': {
        const peer = ev.conversation;
        const c = this.conversations.find((x) => x.peer === peer);
        if (c && ev.up_to >= c.last.id) {
          this.#patch(peer, (x) => ({ ...x, unread: 0, mentions: 0, last: { ...x.last, read: true } }));
        } else if (c) {
          // Read up to a message before the newest: only the backend knows how many remain.
          void this.refreshConversations();
        }
        break;
      }
      case 'delivered':
        this.#patch(ev.conversation, (x) =>
          x.last.id === ev.id ? { ...x, last: { ...x.last, delivered: true } } : x,
        );
        break;
      case 'seen':
        this.#patch(ev.conversation, (x) =>
          x.last.direction === 'out' && x.last.id <= ev.up_to
            ? { ...x, last: { ...x.last, delivered: true, seen: true } }
            : x,
        );
        break;
      case 'presence':
        this.presence = { ...this.presence, [bare(ev.jid)]: ev.show };
        break;
      case 'catch_up':
      case 'room_catch_up':
        if (ev.done) void this.refreshConversations();
        break;
      case 'room': {
        const known = this.rooms[ev.room];
        if (!known) {
          void this.refreshRooms();
          break;
        }
        const reason = ev.reason ?? null;
        const out = ev.state === 'left' || ev.state === 'gone';
        this.patchRoom(ev.room, (r) => ({
          ...r,
          status: ev.state,
          reason: ev.state === 'joined' || ev.state === 'joining' ? null : reason,
          gone: ev.state === 'gone' ? (reason ?? r.gone ?? 'The room no longer exists.') : r.gone,
          occupants: out ? [] : r.occupants,
        }));
        // Joined: the full list (affiliations, real JIDs) comes from rooms().
        if (ev.state === 'joined') void this.refreshRooms();
        break;
      }
      case 'occupant':
        this.#occupantQueue.push(ev);
        this.#occupantFlush ??= setTimeout(() => this.#flushOccupants(), 0);
        break;
      case 'invite': {
        const r = this.rooms[ev.room];
        if (r && (r.status === 'joined' || r.status === 'joining')) break;
        const invite = { room: ev.room, from: ev.from, reason: ev.reason ?? null };
        this.invites = [...this.invites.filter((i) => i.room !== ev.room), invite];
        break;
      }
      case 'error':
        this.banner = ev.message;
        break;
      default:
        break;
    }
    for (const fn of this.#listeners) {
      try {
        fn(ev);
      } catch (err) {
        console.error('engine listener failed', err);
      }
    }
  }

  /** Applies the occupant changes that arrived since the last flush, one copy per room. */
  #flushOccupants(): void {
    this.#occupantFlush = null;
    const queue = this.#occupantQueue;
    this.#occupantQueue = [];
    const byRoom = new Map<string, Map<string, Occupant>>();
    const ourNick = new Map<string, string>();
    for (const ev of queue) {
      const room = this.rooms[ev.room];
      if (!room) continue;
      let list = byRoom.get(ev.room);
      if (!list) {
        list = new Map(room.occupants.map((o) => [o.nick, o]));
        byRoom.set(ev.room, list);
      }
      const old = list.get(ev.nick);
      const kept = { affiliation: old?.affiliation ?? 'none', jid: old?.jid ?? null };
      switch (ev.change.kind) {
        case 'joined':
          list.set(ev.nick, { nick: ev.nick, role: ev.role, ...kept });
          break;
        case 'left':
          list.delete(ev.nick);
          break;
        case 'renamed':
          list.delete(ev.nick);
          list.set(ev.change.to, { nick: ev.change.to, role: ev.role, ...kept });
          if (ev.this_is_us) ourNick.set(ev.room, ev.change.to);
          break;
      }
    }
    if (byRoom.size === 0) return;
    const next = { ...this.rooms };
    for (const [jid, list] of byRoom) {
      const r = next[jid];
      next[jid] = { ...r, nick: ourNick.get(jid) ?? r.nick, occupants: [...list.values()] };
    }
    this.rooms = next;
  }

  #patch(peer: string, f: (c: ConversationSummary) => ConversationSummary): void {
    let changed = false;
    const next = this.conversations.map((c) => {
      if (c.peer !== peer) return c;
      const n = f(c);
      if (n !== c) changed = true;
      return n;
    });
    if (changed) this.conversations = next;
  }
}

function sortNewestFirst(list: ConversationSummary[]): ConversationSummary[] {
  return [...list].sort(
    (a, b) =>
      Date.parse(b.last.timestamp) - Date.parse(a.last.timestamp) || b.last.id - a.last.id,
  );
}

export const app = new AppState();
