// The application state shared by every screen: who is signed in, which screen is shown, the
// conversation list and the connection. Engine events arrive here first (one `engine` listener
// for the whole app) and are fanned out to screens that subscribe with `onEngineEvent`.

import * as api from './api';
import type {
  AppError,
  ConversationSummary,
  Event as EngineEvent,
  Me,
  MessageView,
  SavedAccount,
  Show,
} from './bindings';
import { bare } from './jid';

export type View =
  | { kind: 'home' }
  | { kind: 'chat'; peer: string }
  | { kind: 'devices' }
  | { kind: 'settings' }
  | { kind: 'diagnostics' };

export type Connection = 'connected' | 'reconnecting' | 'offline';

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
  /** A clock for relative times; ticks every 30 s. */
  now = $state(new Date());

  #listeners = new Set<Listener>();
  #unlisten: Array<() => void> = [];

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
  }

  async signOut(): Promise<void> {
    await api.signOut();
    this.me = null;
    this.view = { kind: 'home' };
    this.conversations = [];
    this.presence = {};
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
    const counts = m.direction === 'in' && !m.read && !this.#viewing(peer);
    const unread = (existing?.unread ?? 0) + (counts && existing?.last.id !== m.id ? 1 : 0);
    const rest = this.conversations.filter((c) => c.peer !== peer);
    this.conversations = sortNewestFirst([{ peer, last: m, unread }, ...rest]);
  }

  #viewing(peer: string): boolean {
    return this.openPeer === peer && typeof document !== 'undefined' && document.hasFocus();
  }

  #dispatch(ev: EngineEvent): void {
    switch (ev.event) {
      case 'connected':
        this.connection = 'connected';
        break;
      case 'disconnected':
        this.connection = ev.reason === 'requested' ? 'offline' : 'reconnecting';
        break;
      case 'message': {
        const { event: _e, ...m } = ev;
        this.noteMessage(m);
        break;
      }
      case 'read': {
        const peer = ev.conversation;
        const c = this.conversations.find((x) => x.peer === peer);
        if (c && ev.up_to >= c.last.id) {
          this.#patch(peer, (x) => ({ ...x, unread: 0, last: { ...x.last, read: true } }));
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
        if (ev.done) void this.refreshConversations();
        break;
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
