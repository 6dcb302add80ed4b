// The one module that talks to the Tauri shell. Every command and event of the IPC contract
// (docs/ipc.md) has a typed wrapper here; nothing else imports `invoke` or `listen`.
//
// Callers can rely on one thing about failures: every rejected promise carries an `AppError`
// (`{ kind, message }`, message one line for people). Anything else the shell or the webview
// throws is normalised into `{ kind: "closed", message }`.

import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type {
  AppError,
  AppErrorKind,
  AppSettings,
  ConversationSummary,
  Counters,
  DeviceStatus,
  Event as EngineEvent,
  Me,
  MessageId,
  MessageView,
  RoomAccess,
  RoomInfo,
  RoomNotify,
  SavedAccount,
  SignIn,
} from './bindings';

export type { UnlistenFn };

const KINDS: ReadonlySet<AppErrorKind> = new Set<AppErrorKind>([
  'invalid_jid',
  'auth',
  'unreachable',
  'tls',
  'server',
  'not_signed_in',
  'storage',
  'profile',
  'invalid_input',
  'closed',
]);

/** True when `e` is an `AppError` as the shell sends it. */
export function isAppError(e: unknown): e is AppError {
  if (typeof e !== 'object' || e === null) return false;
  const { kind, message } = e as Record<string, unknown>;
  return typeof kind === 'string' && KINDS.has(kind as AppErrorKind) && typeof message === 'string';
}

/** Turns whatever a failed invoke rejected with into an `AppError`. */
export function toAppError(e: unknown): AppError {
  if (isAppError(e)) return { kind: e.kind, message: e.message };
  let message: string;
  if (typeof e === 'string') message = e;
  else if (e instanceof Error) message = e.message;
  else {
    try {
      message = JSON.stringify(e) ?? String(e);
    } catch {
      message = String(e);
    }
  }
  return { kind: 'closed', message: message || 'The app backend did not answer.' };
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toAppError(e);
  }
}

// ---- commands ----

export const savedAccount = () => call<SavedAccount | null>('saved_account');
export const restore = () => call<Me | null>('restore');
export const signIn = (form: SignIn) => call<Me>('sign_in', { form });
export const signOut = () => call<null>('sign_out');
export const conversations = () => call<ConversationSummary[]>('conversations');
export const history = (peer: string, before: MessageId | null, limit: number) =>
  call<MessageView[]>('history', { peer, before, limit });
export const send = (peer: string, body: string) => call<MessageView>('send', { peer, body });
/** Corrects a message of ours (XEP-0308); resolves to it as it now reads (`edited: "corrected"`). */
export const correct = (peer: string, id: MessageId, body: string) =>
  call<MessageView>('correct', { peer, id, body });
/** Retracts a message of ours everywhere (XEP-0424); resolves to it with an empty body. */
export const retract = (peer: string, id: MessageId) => call<MessageView>('retract', { peer, id });
export const open = (peer: string | null) => call<null>('open', { peer });
/** Joins a room on every device (`nick` null: the account's user part); `create` makes it. */
export const joinRoom = (room: string, nick: string | null = null, create: RoomAccess | null = null) =>
  call<null>('join_room', { room, nick, create });
export const leaveRoom = (room: string) => call<null>('leave_room', { room });
export const setRoomNotify = (room: string, notify: RoomNotify) =>
  call<null>('set_room_notify', { room, notify });
export const rooms = () => call<RoomInfo[]>('rooms');
export const invite = (room: string, jid: string) => call<null>('invite', { room, jid });
export const devices = () => call<DeviceStatus[]>('devices');
export const settings = () => call<AppSettings>('settings');
export const saveSettings = (settings: AppSettings) =>
  call<AppSettings>('save_settings', { settings });
export const counters = () => call<Counters>('counters');
export const activity = () => call<null>('activity');
/** The window was hidden or minimised (false) or shown again (true). */
export const visible = (visible: boolean) => call<null>('visible', { visible });
export const openLink = (url: string) => call<null>('open_link', { url });

// ---- events ----

/** Every engine event, in order. */
export function onEngine(cb: (ev: EngineEvent) => void): Promise<UnlistenFn> {
  return listen<EngineEvent>('engine', (e) => cb(e.payload));
}

/** A notification was clicked: open the conversation with this bare JID. */
export function onNavigate(cb: (peer: string) => void): Promise<UnlistenFn> {
  return listen<string>('navigate', (e) => cb(e.payload));
}
