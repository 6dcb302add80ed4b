//! The TypeScript declarations ts-rs derives (feature `ts`) match the desktop app's IPC
//! contract: the same field names as the JSON, JIDs and times as strings, ids and counts as
//! numbers.

use ts_rs::TS;

use crate::counters::Counters;
use crate::event::{
    ChatKind, ErrorKind, Event, MessageView, OccupantChange, OfflineReason, QuietState, RoomStatus,
};
use crate::model::{Device, DeviceType, Direction, EditKind, MessageId, Show, Via};
use crate::notify::{Decision, SilentReason};
use crate::readstate::ReadSource;
use crate::room::{RoomMeta, RoomNotify};
use crate::status::{DeviceState, DeviceStatus};

/// A declaration without its doc comments, with runs of whitespace made one space.
fn shape(decl: &str) -> String {
    let mut out = String::new();
    let mut rest = decl;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        rest = rest[start..]
            .find("*/")
            .map_or("", |end| &rest[start + end + 2..]);
    }
    out.push_str(rest);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Each type's declaration as the IPC contract (`docs/ipc.md`, "Types") states it, in
/// ts-rs's own spelling (quoted tags, trailing commas).
#[test]
fn declarations_match_the_ipc_contract() {
    let cases = [
        (MessageId::decl(), "type MessageId = number;"),
        (Direction::decl(), r#"type Direction = "in" | "out";"#),
        (
            Via::decl(),
            r#"type Via = "local" | "live" | "carbon_received" | "carbon_sent" | "archive";"#,
        ),
        (
            DeviceType::decl(),
            r#"type DeviceType = "desktop" | "phone" | "tablet" | "web" | "unknown";"#,
        ),
        (
            Show::decl(),
            r#"type Show = "available" | "chat" | "away" | "xa" | "dnd" | "unavailable";"#,
        ),
        (
            ReadSource::decl(),
            r#"type ReadSource = "local" | "marker" | "mds" | "reply";"#,
        ),
        (
            QuietState::decl(),
            r#"type QuietState = "active" | "inactive";"#,
        ),
        (
            ErrorKind::decl(),
            r#"type ErrorKind = "reconnecting" | "storage" | "forged" | "server" | "command";"#,
        ),
        (
            OfflineReason::decl(),
            r#"type OfflineReason = "connection_lost" | "requested";"#,
        ),
        (
            MessageView::decl(),
            "type MessageView = { id: MessageId, conversation: string, body: string, \
             direction: Direction, from: string, timestamp: string, read: boolean, \
             delivered: boolean, seen: boolean, carbon: boolean, archived: boolean, via: Via, \
             kind: ChatKind, occupant: RoomMeta | null, edited: EditKind | null, };",
        ),
        (ChatKind::decl(), r#"type ChatKind = "chat" | "groupchat";"#),
        (
            EditKind::decl(),
            r#"type EditKind = "corrected" | "retracted";"#,
        ),
        (
            OccupantChange::decl(),
            r#"type OccupantChange = { "kind": "joined" } | { "kind": "left" } | { "kind": "renamed", to: string, };"#,
        ),
        (
            RoomMeta::decl(),
            "type RoomMeta = { nick: string, occupant_id: string | null, mention: boolean, };",
        ),
        (
            RoomStatus::decl(),
            r#"type RoomStatus = "joining" | "joined" | "left" | "gone";"#,
        ),
        (
            RoomNotify::decl(),
            r#"type RoomNotify = "all" | "mentions" | "none";"#,
        ),
        (
            SilentReason::decl(),
            r#"type SilentReason = { "reason": "active_elsewhere", device: string, } | { "reason": "own_message" } | { "reason": "catch_up" } | { "reason": "already_read" } | { "reason": "viewing" } | { "reason": "not_mentioned" } | { "reason": "room_muted" };"#,
        ),
        (
            Decision::decl(),
            r#"type Decision = { "decision": "notify" } | { "decision": "silent" } & SilentReason;"#,
        ),
        (
            Device::decl(),
            "type Device = { jid: string, resource: string, show: Show, \
             device_type: DeviceType, online: boolean, this_device: boolean, \
             last_seen: string, };",
        ),
        (
            DeviceState::decl(),
            r#"type DeviceState = "active" | "online" | "away" | "quiet" | "offline";"#,
        ),
        (
            DeviceStatus::decl(),
            "type DeviceStatus = { jid: string, resource: string, device_type: DeviceType, \
             show: Show, online: boolean, this_device: boolean, state: DeviceState, \
             last_activity: string | null, last_seen: string, };",
        ),
        (
            Counters::decl(),
            "type Counters = { MDMSessions: number, MDMQuietModeSessions: number, \
             MDMQuietModeMillis: number, MDMBufferFlushes: number, \
             MDMBufferFlushPacketCount: number, MDMBufferAvgQueuedTime: number, \
             carbons_received: number, carbons_sent: number, notifications_shown: number, \
             notifications_suppressed: { [key in string]?: number }, \
             duplicates_dropped: number, };",
        ),
    ];
    for (decl, want) in cases {
        assert_eq!(shape(&decl), want);
    }
}

/// The event union, one variant at a time, so a failure names the variant.
#[test]
fn every_event_is_tagged_with_its_name_and_carries_the_contracts_fields() {
    let event = shape(&Event::decl());
    let variants = [
        r#"{ "event": "connected", jid: string, resumed: boolean, }"#,
        r#"{ "event": "disconnected", reason: OfflineReason, }"#,
        r#"{ "event": "message" } & MessageView"#,
        r#"{ "event": "edited" } & MessageView"#,
        r#"{ "event": "presence", jid: string, show: Show, delay?: string, }"#,
        r#"{ "event": "device", devices: Array<Device>, }"#,
        r#"{ "event": "delivered", conversation: string, id: MessageId, }"#,
        r#"{ "event": "seen", conversation: string, up_to: MessageId, }"#,
        r#"{ "event": "catch_up", stored: number, duplicates: number, pages: number, done: boolean, }"#,
        r#"{ "event": "notification", conversation: string, message_id: MessageId, } & ({ "decision": "notify" } | { "decision": "silent" } & SilentReason)"#,
        r#"{ "event": "withdrawn", conversation: string, }"#,
        r#"{ "event": "read", conversation: string, up_to: MessageId, source: ReadSource, }"#,
        r#"{ "event": "quiet", state: QuietState, server: boolean, }"#,
        r#"{ "event": "counters" } & Counters"#,
        r#"{ "event": "room", room: string, state: RoomStatus, reason?: string, }"#,
        r#"{ "event": "occupant", room: string, nick: string, change: OccupantChange, role: string, this_is_us: boolean, }"#,
        r#"{ "event": "room_catch_up", room: string, stored: number, duplicates: number, done: boolean, }"#,
        r#"{ "event": "bookmarked", room: string, autojoin: boolean, }"#,
        r#"{ "event": "invite", room: string, from: string, reason?: string, }"#,
        r#"{ "event": "error", kind: ErrorKind, message: string, }"#,
    ];
    for variant in variants {
        assert!(event.contains(variant), "{variant}\nnot in\n{event}");
    }
    assert_eq!(
        shape(&Event::decl()),
        format!("type Event = {};", variants.join(" | ")),
        "no other variants"
    );
    // The private running total behind the average is not part of the shape.
    assert!(!shape(&Counters::decl()).contains("queued_total"));
}
