// An in-memory stand-in for the Tauri shell: implements every command of the IPC contract over
// a scenario the test chooses, records every call, and emits events through the mocked
// event system of @tauri-apps/api/mocks. Tests reach it as `window.__fakeBackend`.

import { emit } from '@tauri-apps/api/event';
import type {
  AppError,
  AppSettings,
  ConversationSummary,
  Counters,
  DeviceStatus,
  EditKind,
  Event as EngineEvent,
  Me,
  MessageView,
  Occupant,
  RoomInfo,
  RoomNotify,
  SavedAccount,
  SignIn,
  Via,
} from '../src/lib/bindings';

/** A message as a test writes it; the backend fills in the rest. */
export type MsgSpec = {
  id?: number;
  body: string;
  dir?: 'in' | 'out';
  /** Local calendar day: 0 today, -1 yesterday, or "YYYY-MM-DD". */
  day?: number | string;
  /** Local time "HH:MM" on that day (default 10:00). */
  at?: string;
  /** Instead of day/at: this many minutes before now. */
  minutesAgo?: number;
  /** Full JID of the sender; default: the peer (in) or this device (out). A bare resource is ours. */
  from?: string;
  read?: boolean;
  delivered?: boolean;
  seen?: boolean;
  via?: Via;
  /** In a room: the occupant who wrote it (default: the peer's resource). */
  nick?: string;
  /** In a room: it mentions us. */
  mention?: boolean;
  /** Corrected (the body is its latest text) or retracted (the body is ignored: empty). */
  edited?: EditKind;
};

/** A room of ours as a test writes it; the backend fills in the rest. */
export type RoomSpec = Partial<RoomInfo> & { jid: string };

export type Scenario = {
  me?: Me;
  saved?: SavedAccount | null;
  /** What `restore` does: sign in as `me`, find no profile, or fail. */
  restore?: 'me' | 'none' | AppError;
  /** What `sign_in` does. */
  signIn?: 'ok' | AppError;
  conversations?: Record<string, MsgSpec[]>;
  /** Our rooms; a conversation keyed by a room's JID holds room messages. */
  rooms?: RoomSpec[];
  /** A long conversation generated here (one message every 7 minutes up to now). */
  bulk?: { peer: string; count: number };
  devices?: DeviceStatus[];
  settings?: AppSettings;
  counters?: Counters;
  sendDelayMs?: number;
  /** How long `correct` and `retract` take. */
  editDelayMs?: number;
  historyDelayMs?: number;
  signInDelayMs?: number;
  /** Commands that fail: an AppError, or anything else to test normalisation. */
  fail?: Record<string, unknown>;
};

export type Call = { cmd: string; args: Record<string, unknown> | undefined; at: number };

const DEFAULT_ME: Me = {
  account: 'alice@example.org',
  jid: 'alice@example.org/laptop',
  resource: 'laptop',
  device: 'desktop',
};

const DEFAULT_SETTINGS: AppSettings = {
  multi_device: true,
  active_window_secs: 300,
  notifications: true,
  device: 'desktop',
};

const DEFAULT_COUNTERS: Counters = {
  MDMSessions: 2,
  MDMQuietModeSessions: 1,
  MDMQuietModeMillis: 12500,
  MDMBufferFlushes: 3,
  MDMBufferFlushPacketCount: 7,
  MDMBufferAvgQueuedTime: 1.5,
  carbons_received: 11,
  carbons_sent: 4,
  notifications_shown: 5,
  notifications_suppressed: { active_elsewhere: 6, already_read: 2 },
  duplicates_dropped: 1,
};

/** The longest body the shell accepts (bytes of UTF-8), as in tandem-app. */
const MAX_BODY = 64 * 1024;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class FakeBackend {
  readonly calls: Call[] = [];
  readonly scenario: Scenario;
  me: Me;
  signedIn = false;
  messages = new Map<string, MessageView[]>();
  devices: DeviceStatus[];
  settings: AppSettings;
  counters: Counters;
  fail: Record<string, unknown>;
  openPeer: string | null = null;
  rooms = new Map<string, RoomInfo>();
  #nextId = 1;

  constructor(scenario: Scenario = {}) {
    this.scenario = scenario;
    this.me = scenario.me ?? DEFAULT_ME;
    this.settings = scenario.settings ?? { ...DEFAULT_SETTINGS };
    this.counters = scenario.counters ?? structuredClone(DEFAULT_COUNTERS);
    this.fail = { ...(scenario.fail ?? {}) };
    this.devices = scenario.devices ?? this.#defaultDevices();
    for (const r of scenario.rooms ?? []) this.rooms.set(r.jid, this.#room(r));
    for (const [peer, specs] of Object.entries(scenario.conversations ?? {})) {
      for (const s of specs) this.#store(this.#make(peer, s));
    }
    if (scenario.bulk) this.#bulk(scenario.bulk.peer, scenario.bulk.count);
  }

  // ---- helpers for tests ----

  callsOf(cmd: string): Array<Record<string, unknown> | undefined> {
    return this.calls.filter((c) => c.cmd === cmd).map((c) => c.args);
  }

  /** Emits a Tauri event to the app. */
  emit(name: string, payload: unknown): Promise<void> {
    return emit(name, payload);
  }

  engine(ev: EngineEvent): Promise<void> {
    return this.emit('engine', ev);
  }

  /** An incoming room message from `nick` (stored, then a `message` event). */
  async roomMessage(room: string, nick: string, spec: Partial<MsgSpec> & { body: string }): Promise<MessageView> {
    return this.incoming(room, { nick, ...spec });
  }

  /**
   * The author of a stored message (the contact, an occupant, or we on another device)
   * corrected it: stored, then an `edited` event with the whole message.
   */
  async correction(peer: string, id: number, body: string): Promise<MessageView> {
    const m = this.#find(peer, id);
    m.body = body;
    m.edited = 'corrected';
    await this.engine({ event: 'edited', ...m });
    return { ...m };
  }

  /** The author of a stored message retracted it: stored, then an `edited` event. */
  async retraction(peer: string, id: number): Promise<MessageView> {
    const m = this.#find(peer, id);
    m.body = '';
    m.edited = 'retracted';
    await this.engine({ event: 'edited', ...m });
    return { ...m };
  }

  navigate(peer: string): Promise<void> {
    return this.emit('navigate', peer);
  }

  /** A message arrives from `peer` (stored, then a `message` event). */
  async incoming(peer: string, spec: Partial<MsgSpec> & { body: string }): Promise<MessageView> {
    const m = this.#make(peer, { minutesAgo: 0, dir: 'in', ...spec });
    this.#store(m);
    await this.engine({ event: 'message', ...m });
    return m;
  }

  // ---- the contract ----

  async handle(cmd: string, args: Record<string, unknown> | undefined): Promise<unknown> {
    this.calls.push({ cmd, args: args ? structuredClone(args) : undefined, at: Date.now() });
    if (cmd in this.fail) {
      const err = this.fail[cmd];
      throw err;
    }
    switch (cmd) {
      case 'saved_account':
        return this.scenario.saved === undefined
          ? { jid: this.me.account, server: null, ca_file: null, device: this.me.device }
          : this.scenario.saved;
      case 'restore': {
        const r = this.scenario.restore ?? 'me';
        if (r === 'none') return null;
        if (r === 'me') {
          this.signedIn = true;
          return this.me;
        }
        throw r;
      }
      case 'sign_in': {
        const form = (args as { form: SignIn }).form;
        if (this.scenario.signInDelayMs) await sleep(this.scenario.signInDelayMs);
        const r = this.scenario.signIn ?? 'ok';
        if (r !== 'ok') throw r;
        const account = form.jid.toLowerCase();
        this.me = { account, jid: `${account}/${this.me.resource}`, resource: this.me.resource, device: form.device };
        this.signedIn = true;
        return this.me;
      }
      case 'sign_out':
        this.signedIn = false;
        return null;
      case 'conversations':
        return this.#summaries();
      case 'history': {
        const { peer, before, limit } = args as { peer: string; before: number | null; limit: number };
        if (this.scenario.historyDelayMs) await sleep(this.scenario.historyDelayMs);
        const all = this.messages.get(peer) ?? [];
        let end = all.length;
        if (before !== null) {
          // all is sorted by id: first index with id >= before
          let lo = 0;
          let hi = all.length;
          while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (all[mid].id < before) lo = mid + 1;
            else hi = mid;
          }
          end = lo;
        }
        return all.slice(Math.max(0, end - limit), end).map((m) => ({ ...m }));
      }
      case 'send': {
        const { peer, body } = args as { peer: string; body: string };
        if (this.scenario.sendDelayMs) await sleep(this.scenario.sendDelayMs);
        const m = this.#make(peer, { body, dir: 'out', minutesAgo: 0, via: 'local' });
        this.#store(m);
        return { ...m };
      }
      case 'correct':
      case 'retract': {
        // As tandem-app's `edit`: the body is checked first, then the message must be ours
        // and not retracted; in a room we must be in it.
        const { peer, id, body } = args as { peer: string; id: number; body?: string };
        if (cmd === 'correct') {
          const text = body ?? '';
          if (!text.trim()) throw { kind: 'invalid_input', message: 'the correction is empty (delete the message instead)' };
          const size = new TextEncoder().encode(text).length;
          if (size > MAX_BODY) {
            throw {
              kind: 'invalid_input',
              message: `the correction is too long (${Math.floor(size / 1024)} KiB; at most ${MAX_BODY / 1024} KiB)`,
            };
          }
        }
        if (this.scenario.editDelayMs) await sleep(this.scenario.editDelayMs);
        const m = this.messages.get(peer)?.find((x) => x.id === id);
        if (!m) throw { kind: 'invalid_input', message: 'cannot edit that message: no such message in this conversation' };
        if (m.direction !== 'out') throw { kind: 'invalid_input', message: 'cannot edit that message: only our own messages can be edited' };
        if (m.edited === 'retracted') throw { kind: 'invalid_input', message: 'cannot edit that message: the message it names was retracted' };
        const room = this.rooms.get(peer);
        if (room && room.status !== 'joined') {
          throw { kind: 'invalid_input', message: `not in the room ${peer} (join it first, or wait until it is joined)` };
        }
        if (cmd === 'correct') {
          m.body = body ?? '';
          m.edited = 'corrected';
        } else {
          m.body = '';
          m.edited = 'retracted';
        }
        return { ...m };
      }
      case 'open': {
        const { peer } = args as { peer: string | null };
        this.openPeer = peer;
        if (peer) {
          const list = this.messages.get(peer) ?? [];
          const last = list[list.length - 1];
          for (const m of list) m.read = true;
          if (last) queueMicrotask(() => void this.engine({ event: 'read', conversation: peer, up_to: last.id, source: 'local' }));
        }
        return null;
      }
      case 'join_room': {
        const { room, nick, create } = args as { room: string; nick: string | null; create: string | null };
        if (!/^[^@/\s]+@[^@/\s]+$/.test(room)) throw { kind: 'invalid_jid', message: `invalid room ${JSON.stringify(room)}` };
        if (create !== null && create !== 'open' && create !== 'members_only') {
          throw { kind: 'invalid_input', message: `unknown kind of room ${JSON.stringify(create)}` };
        }
        const known = this.rooms.get(room);
        const ours = nick ?? known?.nick ?? this.me.account.split('@')[0];
        this.rooms.set(room, { ...(known ?? this.#room({ jid: room })), nick: ours, status: 'joining', autojoin: true });
        queueMicrotask(() => void this.#joined(room));
        return null;
      }
      case 'leave_room': {
        const { room } = args as { room: string };
        const r = this.#ours(room);
        this.rooms.set(room, { ...r, status: 'left', autojoin: false, occupants: [] });
        queueMicrotask(() => void this.engine({ event: 'room', room, state: 'left' }));
        return null;
      }
      case 'set_room_notify': {
        const { room, notify } = args as { room: string; notify: string };
        if (!['all', 'mentions', 'none'].includes(notify)) {
          throw { kind: 'invalid_input', message: `unknown notification setting ${JSON.stringify(notify)}` };
        }
        this.rooms.set(room, { ...this.#ours(room), notify: notify as RoomNotify });
        return null;
      }
      case 'rooms':
        return [...this.rooms.values()].sort((a, b) => (a.jid < b.jid ? -1 : 1)).map((r) => structuredClone(r));
      case 'invite': {
        this.#ours((args as { room: string }).room);
        return null;
      }
      case 'devices':
        return structuredClone(this.devices);
      case 'settings':
        return { ...this.settings };
      case 'save_settings':
        this.settings = { ...(args as { settings: AppSettings }).settings };
        return { ...this.settings };
      case 'counters':
        return structuredClone(this.counters);
      case 'visible':
        return null;
      case 'activity':
        return null;
      case 'open_link': {
        const { url } = args as { url: string };
        if (!/^https?:\/\//i.test(url)) throw { kind: 'invalid_input', message: `not a web link: ${url}` };
        return null;
      }
      default:
        throw { kind: 'invalid_input', message: `unknown command ${cmd}` };
    }
  }

  // ---- internals ----

  #summaries(): ConversationSummary[] {
    const out: ConversationSummary[] = [];
    for (const [peer, list] of this.messages) {
      if (list.length === 0) continue;
      const unread = list.filter((m) => m.direction === 'in' && !m.read).length;
      const mentions = list.filter((m) => m.direction === 'in' && !m.read && m.occupant?.mention).length;
      out.push({ peer, last: { ...list[list.length - 1] }, unread, room: this.rooms.has(peer), mentions });
    }
    return out.sort((a, b) => Date.parse(b.last.timestamp) - Date.parse(a.last.timestamp));
  }

  #room(r: RoomSpec): RoomInfo {
    return {
      name: null,
      nick: this.me.account.split('@')[0],
      autojoin: true,
      notify: 'mentions',
      status: 'joined',
      gone: null,
      occupants: [],
      ...structuredClone(r),
    };
  }

  #ours(room: string): RoomInfo {
    const r = this.rooms.get(room);
    if (!r) throw { kind: 'invalid_input', message: `${room} is not one of your rooms: join it first` };
    return r;
  }

  /** The room let us in: our own occupant, then `joined`. */
  async #joined(room: string) {
    const r = this.rooms.get(room);
    if (!r) return;
    const us: Occupant = { nick: r.nick, role: 'participant', affiliation: 'member', jid: this.me.account };
    this.rooms.set(room, { ...r, status: 'joined', occupants: [...r.occupants.filter((o) => o.nick !== r.nick), us] });
    await this.engine({ event: 'occupant', room, nick: r.nick, change: { kind: 'joined' }, role: 'participant', this_is_us: true });
    await this.engine({ event: 'room', room, state: 'joined' });
  }

  /** A stored message (for the test helpers: a test that names a missing one is wrong). */
  #find(peer: string, id: number): MessageView {
    const m = this.messages.get(peer)?.find((x) => x.id === id);
    if (!m) throw new Error(`no message ${id} with ${peer}`);
    return m;
  }

  #store(m: MessageView) {
    const list = this.messages.get(m.conversation) ?? [];
    list.push(m);
    list.sort((a, b) => a.id - b.id);
    this.messages.set(m.conversation, list);
  }

  #time(s: MsgSpec): string {
    if (s.minutesAgo !== undefined) return new Date(Date.now() - s.minutesAgo * 60_000).toISOString();
    const [hh, mm] = (s.at ?? '10:00').split(':').map(Number);
    let d: Date;
    if (typeof s.day === 'string') {
      const [y, mo, da] = s.day.split('-').map(Number);
      d = new Date(y, mo - 1, da, hh, mm);
    } else {
      const now = new Date();
      d = new Date(now.getFullYear(), now.getMonth(), now.getDate() + (s.day ?? 0), hh, mm);
    }
    return d.toISOString();
  }

  #make(peer: string, s: MsgSpec): MessageView {
    const id = s.id ?? this.#nextId;
    this.#nextId = Math.max(this.#nextId, id) + 1;
    const out = (s.dir ?? 'in') === 'out';
    const room = this.rooms.get(peer);
    if (room) {
      const nick = out ? room.nick : (s.nick ?? 'bob');
      return {
        id,
        conversation: peer,
        body: s.edited === 'retracted' ? '' : s.body,
        direction: out ? 'out' : 'in',
        from: `${peer}/${nick}`,
        timestamp: this.#time(s),
        read: s.read ?? out,
        delivered: false,
        seen: false,
        carbon: false,
        archived: false,
        via: s.via ?? (out ? 'local' : 'live'),
        kind: 'groupchat',
        occupant: { nick, occupant_id: null, mention: s.mention ?? false },
        edited: s.edited ?? null,
      };
    }
    let from = s.from ?? (out ? this.me.jid : `${peer}/phone`);
    if (s.from && !s.from.includes('@')) from = `${this.me.account}/${s.from}`;
    const other = out && from !== this.me.jid;
    return {
      id,
      conversation: peer,
      body: s.edited === 'retracted' ? '' : s.body,
      direction: out ? 'out' : 'in',
      from,
      timestamp: this.#time(s),
      read: s.read ?? out,
      delivered: s.delivered ?? false,
      seen: s.seen ?? false,
      carbon: other,
      archived: false,
      via: s.via ?? (other ? 'carbon_sent' : out ? 'local' : 'live'),
      kind: 'chat',
      occupant: null,
      edited: s.edited ?? null,
    };
  }

  #bulk(peer: string, count: number) {
    const now = Date.now();
    const list: MessageView[] = [];
    for (let i = 0; i < count; i++) {
      const out = i % 3 === 0;
      const id = this.#nextId++;
      list.push({
        id,
        conversation: peer,
        body: out ? `Reply number ${i}` : `Message number ${i} ${'lorem ipsum '.repeat(i % 7)}`.trim(),
        direction: out ? 'out' : 'in',
        from: out ? this.me.jid : `${peer}/phone`,
        timestamp: new Date(now - (count - i) * 7 * 60_000).toISOString(),
        read: true,
        delivered: out,
        seen: out,
        carbon: false,
        archived: true,
        via: 'archive',
        kind: 'chat',
        occupant: null,
        edited: null,
      });
    }
    this.messages.set(peer, [...(this.messages.get(peer) ?? []), ...list].sort((a, b) => a.id - b.id));
  }

  #defaultDevices(): DeviceStatus[] {
    const ago = (min: number) => new Date(Date.now() - min * 60_000).toISOString();
    const acct = this.me.account;
    return [
      { jid: `${acct}/laptop`, resource: 'laptop', device_type: 'desktop', show: 'available', online: true, this_device: true, state: 'active', last_activity: ago(1), last_seen: ago(0) },
      { jid: `${acct}/phone`, resource: 'phone', device_type: 'phone', show: 'away', online: true, this_device: false, state: 'quiet', last_activity: ago(42), last_seen: ago(2) },
      { jid: `${acct}/tablet`, resource: 'tablet', device_type: 'tablet', show: 'unavailable', online: false, this_device: false, state: 'offline', last_activity: null, last_seen: ago(60 * 24 * 3) },
    ];
  }
}
