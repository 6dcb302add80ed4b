// Generated from the Rust types by ts-rs (crates/app/src/bindings.rs); do not edit.
// Regenerate: TANDEM_BLESS=1 cargo test -p tandem-app --test bindings

export type MessageId = number;

export type Direction = "in" | "out";

export type Via = "local" | "live" | "carbon_received" | "carbon_sent" | "archive";

export type DeviceType = "desktop" | "phone" | "tablet" | "web" | "unknown";

export type Show = "available" | "chat" | "away" | "xa" | "dnd" | "unavailable";

export type ReadSource = "local" | "marker" | "mds" | "reply";

export type QuietState = "active" | "inactive";

export type OfflineReason = "connection_lost" | "requested";

export type ErrorKind = "reconnecting" | "storage" | "forged" | "server" | "command";

export type ChatKind = "chat" | "groupchat";

export type EditKind = "corrected" | "retracted";

export type RoomMeta = { 
/**
 * The occupant's nick (the resource of the room JID it came from).
 */
nick: string, 
/**
 * Its XEP-0421 occupant-id, when the room offers them: stable across nick changes.
 */
occupant_id: string | null, 
/**
 * It mentions us (our nick or a XEP-0372 reference to our JID).
 */
mention: boolean, };

export type MessageView = { 
/**
 * Row id.
 */
id: MessageId, 
/**
 * The contact.
 */
conversation: string, 
/**
 * The text.
 */
body: string, 
/**
 * In or out.
 */
direction: Direction, 
/**
 * The sending device or contact.
 */
from: string, 
/**
 * Server time, RFC 3339.
 */
timestamp: string, 
/**
 * Read past this message.
 */
read: boolean, 
/**
 * Delivery confirmed by the contact (outgoing).
 */
delivered: boolean, 
/**
 * Displayed by the contact (outgoing): they sent a XEP-0333 displayed marker for it or
 * a later message of ours.
 */
seen: boolean, 
/**
 * Arrived as a carbon.
 */
carbon: boolean, 
/**
 * Arrived through catch-up.
 */
archived: boolean, 
/**
 * How it arrived.
 */
via: Via, 
/**
 * A one-to-one chat message or a room message.
 */
kind: ChatKind, 
/**
 * For a room message: the occupant who wrote it, and whether it mentions us.
 */
occupant: RoomMeta | null, 
/**
 * Corrected (the body is the latest text) or retracted (the body is empty) by its
 * author; absent for a message as it was sent.
 */
edited: EditKind | null, };

export type SilentReason = { "reason": "active_elsewhere", 
/**
 * The active device's resource.
 */
device: string, } | { "reason": "own_message" } | { "reason": "catch_up" } | { "reason": "already_read" } | { "reason": "viewing" } | { "reason": "not_mentioned" } | { "reason": "room_muted" };

export type Decision = { "decision": "notify" } | { "decision": "silent" } & SilentReason;

export type Device = { 
/**
 * The resource's full JID.
 */
jid: string, 
/**
 * Its resource part.
 */
resource: string, 
/**
 * Its presence.
 */
show: Show, 
/**
 * Its kind.
 */
device_type: DeviceType, 
/**
 * Whether it is online as far as we last saw.
 */
online: boolean, 
/**
 * Whether it is the device this profile runs.
 */
this_device: boolean, 
/**
 * When we last saw its presence change.
 */
last_seen: string, };

export type DeviceState = "active" | "online" | "away" | "quiet" | "offline";

export type DeviceStatus = { 
/**
 * The resource's full JID.
 */
jid: string, 
/**
 * Its resource part.
 */
resource: string, 
/**
 * Its kind.
 */
device_type: DeviceType, 
/**
 * Its presence.
 */
show: Show, 
/**
 * Whether it is online as far as we last saw.
 */
online: boolean, 
/**
 * Whether it is the device this profile runs.
 */
this_device: boolean, 
/**
 * What it is doing.
 */
state: DeviceState, 
/**
 * When it last sent Available presence or a message, as seen by this device.
 */
last_activity: string | null, 
/**
 * When we last saw its presence change.
 */
last_seen: string, };

export type Counters = { 
/**
 * Our account's devices online now, this one included (MDMSessions).
 */
MDMSessions: number, 
/**
 * Times this device entered quiet mode (MDMQuietModeSessions).
 */
MDMQuietModeSessions: number, 
/**
 * Milliseconds spent in quiet mode, the current stretch included.
 */
MDMQuietModeMillis: number, 
/**
 * Buffer flushes seen on becoming active: the server released what it held back
 * (MDMBufferFlushes).
 */
MDMBufferFlushes: number, 
/**
 * Stanzas the server had held back while this device was inactive
 * (MDMBufferFlushPacketCount).
 */
MDMBufferFlushPacketCount: number, 
/**
 * Average time those stanzas were held, in milliseconds, from their delay stamps
 * (MDMBufferAvgQueuedTime).
 */
MDMBufferAvgQueuedTime: number, 
/**
 * Carbon copies of messages our other devices received.
 */
carbons_received: number, 
/**
 * Carbon copies of messages our other devices sent.
 */
carbons_sent: number, 
/**
 * Notifications shown on this device.
 */
notifications_shown: number, 
/**
 * Notifications not shown, by reason (`active_elsewhere`, `own_message`, ...).
 */
notifications_suppressed: { [key in string]?: number }, 
/**
 * Copies of messages already stored, dropped.
 */
duplicates_dropped: number, };

export type RoomStatus = "joining" | "joined" | "left" | "gone";

export type OccupantChange = { "kind": "joined" } | { "kind": "left" } | { "kind": "renamed", 
/**
 * The new nick.
 */
to: string, };

export type RoomNotify = "all" | "mentions" | "none";

export type Event = { "event": "connected", 
/**
 * Our bound full JID.
 */
jid: string, 
/**
 * Whether the previous stream was resumed (XEP-0198) rather than started anew.
 */
resumed: boolean, } | { "event": "disconnected", 
/**
 * Why.
 */
reason: OfflineReason, } | { "event": "message" } & MessageView | { "event": "edited" } & MessageView | { "event": "presence", 
/**
 * Whose presence.
 */
jid: string, 
/**
 * Their availability.
 */
show: Show, 
/**
 * When it was sent, if the server held it back or replayed it (XEP-0203 delay).
 */
delay?: string, } | { "event": "device", 
/**
 * All devices as now known, this one included.
 */
devices: Array<Device>, } | { "event": "delivered", 
/**
 * The contact.
 */
conversation: string, 
/**
 * Our message.
 */
id: MessageId, } | { "event": "seen", 
/**
 * The contact.
 */
conversation: string, 
/**
 * Our newest message now seen.
 */
up_to: MessageId, } | { "event": "catch_up", 
/**
 * Messages newly stored in this run.
 */
stored: number, 
/**
 * Copies already stored and skipped.
 */
duplicates: number, 
/**
 * Pages read.
 */
pages: number, 
/**
 * The archive has been read to its end.
 */
done: boolean, } | { "event": "notification", 
/**
 * The conversation.
 */
conversation: string, 
/**
 * The message.
 */
message_id: MessageId, } & ({ "decision": "notify" } | { "decision": "silent" } & SilentReason) | { "event": "withdrawn", 
/**
 * The conversation.
 */
conversation: string, } | { "event": "read", 
/**
 * The conversation.
 */
conversation: string, 
/**
 * The newest message now read.
 */
up_to: MessageId, 
/**
 * What moved it: this device, a displayed marker or an MDS item from another device
 * of ours, or a reply sent from another device.
 */
source: ReadSource, } | { "event": "quiet", 
/**
 * `active` (foreground) or `inactive` (background).
 */
state: QuietState, 
/**
 * Whether the server was told (it advertises `urn:xmpp:csi:0`).
 */
server: boolean, } | { "event": "counters" } & Counters | { "event": "room", 
/**
 * The room.
 */
room: string, 
/**
 * Its state now.
 */
state: RoomStatus, 
/**
 * Why, in one line, when it left or is gone (kicked, destroyed, not found, ...).
 */
reason?: string, } | { "event": "occupant", 
/**
 * The room.
 */
room: string, 
/**
 * The occupant's nick (the old one for a nick change).
 */
nick: string, 
/**
 * What happened.
 */
change: OccupantChange, 
/**
 * Its role now (`moderator`, `participant`, `visitor`, `none`).
 */
role: string, 
/**
 * It is us.
 */
this_is_us: boolean, } | { "event": "room_catch_up", 
/**
 * The room.
 */
room: string, 
/**
 * New messages stored so far in this run.
 */
stored: number, 
/**
 * Copies that were already stored.
 */
duplicates: number, 
/**
 * The room's archive is done.
 */
done: boolean, } | { "event": "bookmarked", 
/**
 * The room.
 */
room: string, 
/**
 * Joined on every device (false: left everywhere).
 */
autojoin: boolean, } | { "event": "invite", 
/**
 * The room.
 */
room: string, 
/**
 * Who invites: their JID, or their occupant JID (room/nick) where the room does not
 * show real JIDs.
 */
from: string, 
/**
 * Their reason, if any.
 */
reason?: string, } | { "event": "error", 
/**
 * What kind of failure it was.
 */
kind: ErrorKind, 
/**
 * One line, for people.
 */
message: string, };

export type SignIn = { 
/**
 * The account, `user@domain`.
 */
jid: string, 
/**
 * Its password.
 */
password: string, 
/**
 * `HOST:PORT` to connect to instead of the domain (advanced).
 */
server: string | null, 
/**
 * A PEM file with an extra CA to trust (advanced).
 */
ca_file: string | null, 
/**
 * The type of this device, shown to the account's other devices.
 */
device: DeviceType, };

export type SavedAccount = { 
/**
 * The account.
 */
jid: string, 
/**
 * `HOST:PORT`, when set.
 */
server: string | null, 
/**
 * The extra CA file, when set.
 */
ca_file: string | null, 
/**
 * This device's type.
 */
device: DeviceType, };

export type Me = { 
/**
 * The account's bare JID.
 */
account: string, 
/**
 * This device's full JID.
 */
jid: string, 
/**
 * This device's resource (its name among the account's devices).
 */
resource: string, 
/**
 * This device's type.
 */
device: DeviceType, };

export type ConversationSummary = { 
/**
 * The contact's bare JID, or the room's.
 */
peer: string, 
/**
 * The newest message.
 */
last: MessageView, 
/**
 * Incoming messages not yet read.
 */
unread: number, 
/**
 * The conversation is one of our rooms (`peer` is the room's JID).
 */
room: boolean, 
/**
 * Unread room messages that mention us (always 0 for a one-to-one chat).
 */
mentions: number, };

export type RoomAccess = "open" | "members_only";

export type Occupant = { 
/**
 * Their nick.
 */
nick: string, 
/**
 * Their role: `moderator`, `participant`, `visitor` or `none`.
 */
role: string, 
/**
 * Their affiliation: `owner`, `admin`, `member`, `outcast` or `none`.
 */
affiliation: string, 
/**
 * Their real bare JID, where the room shows it.
 */
jid: string | null, };

export type RoomInfo = { 
/**
 * The room's bare JID.
 */
jid: string, 
/**
 * Its name (the bookmark's, else the room's own), if any.
 */
name: string | null, 
/**
 * Our nick in it.
 */
nick: string, 
/**
 * Joined on every device (the bookmark's autojoin).
 */
autojoin: boolean, 
/**
 * How it notifies.
 */
notify: RoomNotify, 
/**
 * Where it stands on this device.
 */
status: RoomStatus, 
/**
 * Why the room is gone (destroyed, or not found), once it is.
 */
gone: string | null, 
/**
 * Who is in it, by nick (empty unless joined).
 */
occupants: Array<Occupant>, };

export type AppSettings = { 
/**
 * Multi-device messaging (XEP-0280 carbons) on or off.
 */
multi_device: boolean, 
/**
 * How long a device stays the active one after its last Available presence or message.
 */
active_window_secs: number, 
/**
 * Desktop notifications on or off.
 */
notifications: boolean, 
/**
 * This device's type.
 */
device: DeviceType, };

export type AppErrorKind = "invalid_jid" | "auth" | "unreachable" | "tls" | "server" | "not_signed_in" | "storage" | "profile" | "invalid_input" | "closed";

export type AppError = { 
/**
 * What kind of failure.
 */
kind: AppErrorKind, 
/**
 * One line for people, saying what went wrong and, where it helps, what to do.
 */
message: string, };
