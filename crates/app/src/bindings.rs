//! The TypeScript declarations of every type that crosses the IPC boundary, generated from
//! the Rust types with ts-rs. The UI's copy is `ui/src/lib/bindings.ts`; the test
//! `bindings_are_current` fails when it is stale, and `TANDEM_BLESS=1` rewrites it.

use tandem_core::counters::Counters;
use tandem_core::event::{
    ChatKind, ErrorKind, Event, MessageView, OccupantChange, OfflineReason, QuietState, RoomStatus,
};
use tandem_core::model::{Device, DeviceType, Direction, EditKind, MessageId, Show, Via};
use tandem_core::notify::{Decision, SilentReason};
use tandem_core::readstate::ReadSource;
use tandem_core::room::{RoomMeta, RoomNotify};
use tandem_core::status::{DeviceState, DeviceStatus};
use ts_rs::TS;

use crate::dto::{
    AppSettings, ConversationSummary, Me, Occupant, RoomAccess, RoomInfo, SavedAccount, SignIn,
};
use crate::error::{AppError, AppErrorKind};

const HEADER: &str =
    "// Generated from the Rust types by ts-rs (crates/app/src/bindings.rs); do not edit.\n\
// Regenerate: TANDEM_BLESS=1 cargo test -p tandem-app --test bindings\n";

/// The whole `bindings.ts` file.
pub fn typescript() -> String {
    let decls = [
        // The engine's own types: the same JSON as `tandem listen --json`.
        MessageId::decl(),
        Direction::decl(),
        Via::decl(),
        DeviceType::decl(),
        Show::decl(),
        ReadSource::decl(),
        QuietState::decl(),
        OfflineReason::decl(),
        ErrorKind::decl(),
        ChatKind::decl(),
        EditKind::decl(),
        RoomMeta::decl(),
        MessageView::decl(),
        SilentReason::decl(),
        Decision::decl(),
        Device::decl(),
        DeviceState::decl(),
        DeviceStatus::decl(),
        Counters::decl(),
        RoomStatus::decl(),
        OccupantChange::decl(),
        RoomNotify::decl(),
        Event::decl(),
        // The app model's.
        SignIn::decl(),
        SavedAccount::decl(),
        Me::decl(),
        ConversationSummary::decl(),
        RoomAccess::decl(),
        Occupant::decl(),
        RoomInfo::decl(),
        AppSettings::decl(),
        AppErrorKind::decl(),
        AppError::decl(),
    ];
    let mut out = String::from(HEADER);
    for decl in decls {
        out.push('\n');
        out.push_str("export ");
        out.push_str(decl.trim_end());
        out.push('\n');
    }
    out
}
