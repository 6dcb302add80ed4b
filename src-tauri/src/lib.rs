//! Tandem's desktop (and mobile) shell: a thin Tauri 2 layer over [`tandem_app::App`].
//!
//! It creates the one window, keeps one [`AppState`], delegates each command in a line
//! ([`commands`]), forwards every engine event to the UI as the `engine` event, shows the
//! engine's notification decisions ([`notifications`]) and reports focus, minimising and
//! suspension to the app model, which turns them into foreground and background.

#![warn(missing_docs)]

mod commands;
pub mod notifications;

use std::path::PathBuf;
use std::sync::Arc;

use tandem_app::{App, EventSink};
use tauri::{Emitter, Manager, RunEvent, WebviewUrl, WebviewWindowBuilder, WindowEvent};

/// The main window's label.
pub const MAIN_WINDOW: &str = "main";
/// The event carrying every engine event to the UI.
pub const ENGINE_EVENT: &str = "engine";
/// Environment variable naming the profile directory (default: the platform's data dir).
pub const DATA_DIR_ENV: &str = "TANDEM_DATA_DIR";

/// The one state the shell keeps: the app model.
#[derive(Debug, Clone)]
pub struct AppState(Arc<App>);

impl std::ops::Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}

fn data_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV) {
        return Ok(PathBuf::from(dir));
    }
    tandem_app::default_profile_dir()
        .ok_or_else(|| format!("no data directory: set {DATA_DIR_ENV}"))
}

/// Only the app's own pages may load in the webview; a link never navigates it.
fn own_page(url: &tauri::Url) -> bool {
    match url.scheme() {
        "tauri" => url.host_str() == Some("localhost"),
        "http" | "https" => {
            url.host_str() == Some("tauri.localhost")
                || (cfg!(dev) && url.host_str() == Some("localhost"))
        }
        _ => false,
    }
}

/// Runs the app until its window closes.
pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tandem=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();

    let builder = tauri::Builder::default().plugin(tauri_plugin_opener::init());
    #[cfg(mobile)]
    let builder = builder.plugin(tauri_plugin_notification::init());
    let app = builder
        .setup(|app| {
            let dir = data_dir()?;
            let handle = app.handle().clone();
            let sink: EventSink = Arc::new(move |event| {
                if let Err(e) = handle.emit(ENGINE_EVENT, event) {
                    tracing::warn!(error = %e, "could not forward an engine event");
                }
            });
            let notifier = notifications::platform(app.handle().clone());
            let model = tauri::async_runtime::block_on(async { App::new(&dir, notifier, sink) })?;
            tracing::info!(profile = %dir.display(), "Tandem started");
            app.manage(AppState(model));
            let window = WebviewWindowBuilder::new(app, MAIN_WINDOW, WebviewUrl::default())
                .title("Tandem")
                .inner_size(1040.0, 720.0)
                .min_inner_size(360.0, 480.0)
                .on_navigation(own_page)
                .build()?;
            let _ = window.set_focus();
            Ok(())
        })
        .on_window_event(|window, event| {
            let state = window.state::<AppState>();
            match event {
                WindowEvent::Focused(focused) => state.window_focus(*focused),
                WindowEvent::Resized(_) if window.is_minimized().unwrap_or(false) => {
                    state.window_focus(false)
                }
                #[cfg(mobile)]
                WindowEvent::Suspended => state.window_focus(false),
                #[cfg(mobile)]
                WindowEvent::Resumed => state.window_focus(true),
                _ => {}
            }
        })
        .invoke_handler(tauri::generate_handler![
            commands::saved_account,
            commands::restore,
            commands::sign_in,
            commands::sign_out,
            commands::conversations,
            commands::history,
            commands::send,
            commands::correct,
            commands::retract,
            commands::open,
            commands::join_room,
            commands::leave_room,
            commands::set_room_notify,
            commands::rooms,
            commands::invite,
            commands::devices,
            commands::settings,
            commands::save_settings,
            commands::counters,
            commands::activity,
            commands::visible,
            commands::open_link,
        ])
        .build(tauri::generate_context!());
    let app = match app {
        Ok(app) => app,
        Err(e) => {
            eprintln!("tandem: cannot start: {e}");
            std::process::exit(1);
        }
    };
    app.run(|handle, event| {
        if let RunEvent::Exit = event {
            // Say goodbye to the server so our other devices see this one leave at once.
            let state = handle.state::<AppState>().inner().clone();
            tauri::async_runtime::block_on(async move { state.shutdown().await });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_webview_only_loads_the_app() {
        for ok in ["tauri://localhost/index.html", "http://tauri.localhost/"] {
            assert!(own_page(&ok.parse().expect("url")), "{ok}");
        }
        for bad in [
            "https://example.org/",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "data:text/html,hi",
            "tauri://evil/",
        ] {
            let Ok(url) = bad.parse() else { continue };
            assert!(!own_page(&url), "{bad}");
        }
    }
}
