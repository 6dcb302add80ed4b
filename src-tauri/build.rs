//! Declares the app's own commands, so the capability file can grant exactly them.

const COMMANDS: &[&str] = &[
    "saved_account",
    "restore",
    "sign_in",
    "sign_out",
    "conversations",
    "history",
    "send",
    "open",
    "join_room",
    "leave_room",
    "set_room_notify",
    "rooms",
    "invite",
    "devices",
    "settings",
    "save_settings",
    "counters",
    "activity",
    "visible",
    "open_link",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build script failed (is ui/dist built? run `npm --prefix ui run build`)");
}
