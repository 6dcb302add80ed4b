//! `tandem`: scriptable multi-device XMPP sessions for people and test scripts.
//!
//! Every command works on one profile (a data directory). Errors end the process with one
//! line on stderr and a non-zero exit; `--json` output is one JSON value (or one per line for
//! `listen`) on stdout, with logs on stderr (`RUST_LOG`).

mod account;
mod args;
mod connect;
mod demo;
mod demo_app;
mod eventlog;
mod lab;
mod online;
mod output;
mod rooms;
mod scenario;
mod stored;

use std::process::ExitCode;

use anyhow::{anyhow, bail, Result};
use args::{Cli, Command, ScenarioCommand};
use clap::Parser;
use online::Outgoing;
use tandem_client::profile::Profile;
use tandem_core::model::MessageId;

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tandem: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let msg = format!("{e:#}");
            eprintln!(
                "tandem: {}",
                output::terminal_safe(&msg.split_whitespace().collect::<Vec<_>>().join(" "))
            );
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<()> {
    match &cli.command {
        Command::Demo { app: None } => return demo::run().await,
        Command::Demo { app: Some(app) } => return demo_app::run(app).await,
        Command::Lab { accounts } => return lab::run(accounts.clone()).await,
        Command::Scenario {
            command: ScenarioCommand::Run { files },
        } => return scenario::run(files).await,
        _ => {}
    }
    let dir = match cli.data_dir {
        Some(d) => d,
        None => Profile::default_dir()
            .ok_or_else(|| anyhow!("no data directory on this platform: pass --data-dir DIR"))?,
    };
    let profile = Profile::open(&dir)?;
    let window = cli.active_window;
    match cli.command {
        Command::Account { command } => account::run(&profile, command, window).await,
        Command::Send { jid, text } => {
            online::send(&profile, &jid, Outgoing::Text(text), window).await
        }
        Command::Correct { jid, text, id } => {
            let edit = Outgoing::Edit {
                id: id.map(MessageId),
                text: Some(text),
            };
            online::send(&profile, &jid, edit, window).await
        }
        Command::Retract { jid, id } => {
            let edit = Outgoing::Edit {
                id: id.map(MessageId),
                text: None,
            };
            online::send(&profile, &jid, edit, window).await
        }
        Command::Sync => online::sync(&profile, window).await,
        Command::History { jid, json } => stored::history(&profile, &jid, json).await,
        Command::Devices { json } => stored::devices(&profile, json).await,
        Command::Listen { json } => online::listen(&profile, json, window).await,
        Command::Join {
            room,
            nick,
            create,
            members_only,
        } => {
            let create = (create || members_only).then_some(members_only);
            rooms::join(&profile, &room, nick, create, window).await
        }
        Command::Leave { room } => rooms::leave(&profile, &room, window).await,
        Command::Rooms { json } => rooms::list(&profile, json).await,
        Command::Notify { room, setting } => rooms::notify(&profile, &room, setting.into()).await,
        Command::Counters { json } => stored::counters(&profile, json),
        Command::Demo { .. } | Command::Scenario { .. } | Command::Lab { .. } => {
            bail!("internal error: this command runs without a profile")
        }
    }
}
