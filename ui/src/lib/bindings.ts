// Generated from the Rust types by ts-rs; do not edit.
// (Hand-copied from /work/contract.md until the shell generates this file with the same names.)

// ---- from tandem-core (the same JSON as `tandem listen --json`) ----
export type MessageId = number;
export type Direction = "in" | "out";
export type Via = "local" | "live" | "carbon_received" | "carbon_sent" | "archive";
export type DeviceType = "desktop" | "phone" | "tablet" | "web" | "unknown";
export type Show = "available" | "chat" | "away" | "xa" | "dnd" | "unavailable";
export type ReadSource = "local" | "marker" | "mds" | "reply";
export type QuietState = "active" | "inactive";
export type OfflineReason = "connection_lost" | "requested";

export type MessageView = {
  id: MessageId,
  conversation: string,        // the contact's bare JID
  body: string,
  direction: Direction,
  from: string,                // full JID of the sending device (ours for outgoing: alice@x/laptop) or contact
  timestamp: string,           // server time, RFC 3339
  read: boolean,               // we have read past it (incoming)
  delivered: boolean,          // contact's client confirmed delivery (outgoing) -> one tick
  seen: boolean,               // contact displayed it (XEP-0333 marker) (outgoing) -> two ticks / "read"
  carbon: boolean,
  archived: boolean,
  via: Via,
};

export type SilentReason =
  | { reason: "active_elsewhere", device: string }
  | { reason: "own_message" }
  | { reason: "catch_up" }
  | { reason: "already_read" }
  | { reason: "viewing" };      // the conversation is open in this device's focused window
export type Decision = { decision: "notify" } | ({ decision: "silent" } & SilentReason);

export type Device = {
  jid: string, resource: string, show: Show, device_type: DeviceType,
  online: boolean, this_device: boolean, last_seen: string,
};
export type DeviceState = "active" | "online" | "away" | "quiet" | "offline";
export type DeviceStatus = {
  jid: string, resource: string, device_type: DeviceType, show: Show,
  online: boolean, this_device: boolean,
  state: DeviceState,            // active: the active device (spec rule); quiet: in the background (CSI / away with idle)
  last_activity: string | null,  // last Available presence or message
  last_seen: string,
};

export type Counters = {
  MDMSessions: number, MDMQuietModeSessions: number, MDMQuietModeMillis: number,
  MDMBufferFlushes: number, MDMBufferFlushPacketCount: number, MDMBufferAvgQueuedTime: number,
  carbons_received: number, carbons_sent: number, notifications_shown: number,
  notifications_suppressed: { [reason: string]: number }, duplicates_dropped: number,
};

export type Event =
  | { event: "connected", jid: string, resumed: boolean }
  | { event: "disconnected", reason: OfflineReason }
  | ({ event: "message" } & MessageView)
  | { event: "presence", jid: string, show: Show, delay?: string }
  | { event: "device", devices: Array<Device> }
  | { event: "delivered", conversation: string, id: MessageId }
  | { event: "seen", conversation: string, up_to: MessageId }
  | { event: "catch_up", stored: number, duplicates: number, pages: number, done: boolean }
  | ({ event: "notification", conversation: string, message_id: MessageId } & Decision)
  | { event: "withdrawn", conversation: string }
  | { event: "read", conversation: string, up_to: MessageId, source: ReadSource }
  | { event: "quiet", state: QuietState, server: boolean }
  | ({ event: "counters" } & Counters)
  | { event: "error", message: string };

// ---- from the app facade (tandem-app) ----
export type SignIn = {
  jid: string, password: string,
  server: string | null,        // "host:port", advanced
  ca_file: string | null,       // path to a PEM CA, advanced
  device: DeviceType,           // advanced, default "desktop"
};
export type SavedAccount = { jid: string, server: string | null, ca_file: string | null, device: DeviceType };
export type Me = { account: string, jid: string, resource: string, device: DeviceType };
export type ConversationSummary = { peer: string, last: MessageView, unread: number };
export type AppSettings = {
  multi_device: boolean,        // carbons on/off
  active_window_secs: number,   // default 300
  notifications: boolean,
  device: DeviceType,
};
export type AppErrorKind =
  | "invalid_jid" | "auth" | "unreachable" | "tls" | "server"
  | "not_signed_in" | "storage" | "profile" | "invalid_input" | "closed";
export type AppError = { kind: AppErrorKind, message: string };   // message: one line for people
