//! The UI's commands: each one a line delegating to [`tandem_app::App`]. Every failure
//! reaches the UI as a typed [`AppError`] (`{"kind":..,"message":..}`).

use tandem_app::{AppError, AppSettings, ConversationSummary, Me, RoomInfo, SavedAccount, SignIn};
use tandem_core::counters::Counters;
use tandem_core::event::MessageView;
use tandem_core::model::MessageId;
use tandem_core::status::DeviceStatus;
use tauri::State;
use tauri_plugin_opener::OpenerExt;

use crate::AppState;

type Result<T> = std::result::Result<T, AppError>;

#[tauri::command]
pub fn saved_account(state: State<'_, AppState>) -> Result<Option<SavedAccount>> {
    state.saved_account()
}

#[tauri::command]
pub async fn restore(state: State<'_, AppState>) -> Result<Option<Me>> {
    state.restore().await
}

#[tauri::command]
pub async fn sign_in(state: State<'_, AppState>, form: SignIn) -> Result<Me> {
    state.sign_in(form).await
}

#[tauri::command]
pub async fn sign_out(state: State<'_, AppState>) -> Result<()> {
    state.sign_out().await
}

#[tauri::command]
pub async fn conversations(state: State<'_, AppState>) -> Result<Vec<ConversationSummary>> {
    state.conversations().await
}

#[tauri::command]
pub async fn history(
    state: State<'_, AppState>,
    peer: String,
    before: Option<MessageId>,
    limit: u32,
) -> Result<Vec<MessageView>> {
    state.history(&peer, before, limit).await
}

#[tauri::command]
pub async fn send(state: State<'_, AppState>, peer: String, body: String) -> Result<MessageView> {
    state.send(&peer, body).await
}

#[tauri::command]
pub async fn correct(
    state: State<'_, AppState>,
    peer: String,
    id: MessageId,
    body: String,
) -> Result<MessageView> {
    state.edit(&peer, id, Some(body)).await
}

#[tauri::command]
pub async fn retract(
    state: State<'_, AppState>,
    peer: String,
    id: MessageId,
) -> Result<MessageView> {
    state.edit(&peer, id, None).await
}

#[tauri::command]
pub async fn open(state: State<'_, AppState>, peer: Option<String>) -> Result<()> {
    state.open(peer.as_deref()).await
}

#[tauri::command]
pub async fn join_room(
    state: State<'_, AppState>,
    room: String,
    nick: Option<String>,
    create: Option<String>,
) -> Result<()> {
    state
        .join_room(&room, nick.as_deref(), create.as_deref())
        .await
}

#[tauri::command]
pub async fn leave_room(state: State<'_, AppState>, room: String) -> Result<()> {
    state.leave_room(&room).await
}

#[tauri::command]
pub async fn set_room_notify(
    state: State<'_, AppState>,
    room: String,
    notify: String,
) -> Result<()> {
    state.set_room_notify(&room, &notify).await
}

#[tauri::command]
pub async fn rooms(state: State<'_, AppState>) -> Result<Vec<RoomInfo>> {
    state.rooms().await
}

#[tauri::command]
pub async fn invite(state: State<'_, AppState>, room: String, jid: String) -> Result<()> {
    state.invite(&room, &jid).await
}

#[tauri::command]
pub async fn devices(state: State<'_, AppState>) -> Result<Vec<DeviceStatus>> {
    state.devices().await
}

#[tauri::command]
pub async fn settings(state: State<'_, AppState>) -> Result<AppSettings> {
    state.settings().await
}

#[tauri::command]
pub async fn save_settings(
    state: State<'_, AppState>,
    settings: AppSettings,
) -> Result<AppSettings> {
    state.save_settings(settings).await
}

#[tauri::command]
pub async fn counters(state: State<'_, AppState>) -> Result<Counters> {
    state.counters().await
}

#[tauri::command]
pub async fn activity(state: State<'_, AppState>) -> Result<()> {
    state.activity().await
}

#[tauri::command]
pub fn visible(state: State<'_, AppState>, visible: bool) {
    state.window_focus(visible);
}

#[tauri::command]
pub fn open_link(app: tauri::AppHandle, state: State<'_, AppState>, url: String) -> Result<()> {
    let url = state.external_link(&url)?;
    app.opener().open_url(url, None::<&str>).map_err(|e| {
        AppError::new(
            tandem_app::AppErrorKind::Server,
            format!("cannot open the link: {e}"),
        )
    })
}
