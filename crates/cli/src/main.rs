//! `tandem`: scriptable multi-device XMPP sessions for people and test scripts.
//!
//! Every command works on one profile (a data directory). Errors end the process with one
//! line on stderr and a non-zero exit; `--json` output is one JSON value (or one per line for
//! `listen`) on stdout, with logs on stderr (`RUST_LOG`).

mod demo;
mod demo_app;
mod eventlog;
mod output;
mod scenario;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{anyhow, bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use jid::BareJid;
use tandem_client::profile::{Profile, Settings};
use tandem_client::Session;
use tandem_core::activity::ActiveWindow;
use tandem_core::event::Event;
use tandem_core::model::{DeviceType, Show};
use tandem_core::store::Store;
use tandem_store::SqliteStore;
use tokio::io::AsyncBufReadExt;

#[derive(Debug, Parser)]
#[command(
    name = "tandem",
    version,
    about = "Multi-device XMPP messaging, scriptable"
)]
struct Cli {
    /// Profile directory (database and settings). Default: the platform's data directory.
    #[arg(long, global = true, env = "TANDEM_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,

    /// How long a device stays the active one after its last Available presence or message
    /// (e.g. `3s`, `5m`). With `account set`, saved in the profile; otherwise for this run.
    #[arg(long, global = true, value_name = "DURATION", value_parser = parse_window)]
    active_window: Option<ActiveWindow>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Manage the profile's account.
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// Connect, send one message, wait for the server's acknowledgement, exit.
    Send {
        /// The contact.
        jid: String,
        /// The message.
        text: String,
    },
    /// Connect, catch up from the server's archive, print a summary, exit.
    Sync,
    /// Print a stored conversation, oldest first.
    History {
        /// The contact.
        jid: String,
        /// One JSON array instead of text for people.
        #[arg(long)]
        json: bool,
    },
    /// Print our account's devices as last seen.
    Devices {
        /// One JSON array instead of text for people.
        #[arg(long)]
        json: bool,
    },
    /// Stay online, print one event per line, read commands on stdin
    /// (`send <JID> <TEXT>`, `read <JID>`, `view <JID>|-`, `foreground`, `background`,
    /// `presence <SHOW>`, `counters`, `quit`).
    Listen {
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Print this device's counters from its last session (MDMSessions, quiet mode, buffer
    /// flushes, carbons, notifications, duplicates).
    Counters {
        /// One JSON object instead of text for people.
        #[arg(long)]
        json: bool,
    },
    /// Start a local Prosody and play a multi-device conversation as a timeline; with
    /// `--app`, open the desktop app signed in as alice's laptop instead, with her phone,
    /// bob and colin driven from here.
    Demo {
        /// The desktop app's binary (`target/release/tandem-desktop`).
        #[arg(long, value_name = "BINARY")]
        app: Option<PathBuf>,
    },
    /// Run a local lab Prosody for scripts: registers the accounts, prints one line
    /// `server=HOST:PORT ca=PEM domain=DOMAIN` and serves until stdin closes.
    Lab {
        /// Accounts to register, as USER:PASSWORD.
        #[arg(value_name = "USER:PASSWORD")]
        accounts: Vec<String>,
    },
    /// Scripted multi-device scenarios against a lab Prosody.
    Scenario {
        #[command(subcommand)]
        command: ScenarioCommand,
    },
}

#[derive(Debug, Subcommand)]
enum ScenarioCommand {
    /// Run scenario files (TOML; see scenarios/README.md).
    Run {
        /// The files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum AccountCommand {
    /// Create or change the profile's account.
    Set {
        /// The account, e.g. alice@example.org.
        jid: String,
        /// A file holding the password (one line).
        #[arg(long, value_name = "FILE")]
        password_file: PathBuf,
        /// This device's resource (default: kept, or a new random one).
        #[arg(long, value_name = "NAME")]
        resource: Option<String>,
        /// This device's type, shown on our other devices.
        #[arg(long, value_enum)]
        device: Option<DeviceArg>,
        /// Connect to HOST:PORT instead of looking the domain up in DNS.
        #[arg(long, value_name = "HOST:PORT")]
        server: Option<String>,
        /// Trust this CA certificate (PEM) besides the system's.
        #[arg(long, value_name = "PEM")]
        ca_file: Option<PathBuf>,
        /// Turn multi-device messaging (carbons) off for this profile.
        #[arg(long, conflicts_with = "carbons")]
        no_carbons: bool,
        /// Turn multi-device messaging (carbons) back on.
        #[arg(long)]
        carbons: bool,
    },
    /// Show the profile's account.
    Show,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum DeviceArg {
    Desktop,
    Phone,
    Tablet,
}

impl From<DeviceArg> for DeviceType {
    fn from(d: DeviceArg) -> Self {
        match d {
            DeviceArg::Desktop => DeviceType::Desktop,
            DeviceArg::Phone => DeviceType::Phone,
            DeviceArg::Tablet => DeviceType::Tablet,
        }
    }
}

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
        Command::Lab { accounts } => return lab(accounts.clone()).await,
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
        Command::Account { command } => account(&profile, command, window).await,
        Command::Send { jid, text } => send(&profile, &jid, text, window).await,
        Command::Sync => sync(&profile, window).await,
        Command::History { jid, json } => history(&profile, &jid, json).await,
        Command::Devices { json } => devices(&profile, json).await,
        Command::Listen { json } => listen(&profile, json, window).await,
        Command::Counters { json } => counters(&profile, json),
        Command::Demo { .. } | Command::Scenario { .. } | Command::Lab { .. } => {
            bail!("internal error: this command runs without a profile")
        }
    }
}

async fn lab(accounts: Vec<String>) -> Result<()> {
    let lab = tokio::task::spawn_blocking(tandem_lab::Lab::start)
        .await
        .map_err(|e| anyhow!("{e}"))??;
    for account in &accounts {
        let (user, password) = account
            .split_once(':')
            .ok_or_else(|| anyhow!("account {account:?}: expected USER:PASSWORD"))?;
        lab.register(user, password)?;
    }
    println!(
        "server={} ca={} domain={}",
        lab.c2s_addr(),
        lab.ca_file().display(),
        lab.domain()
    );
    // Serve until stdin closes (or we are told to stop); the lab stops when dropped.
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    tokio::select! {
        _ = async { while let Ok(Some(_)) = lines.next_line().await {} } => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    drop(lab);
    Ok(())
}

const COUNTERS_FILE: &str = "counters.json";

/// Keeps the session's counters in the profile for `tandem counters`.
async fn save_counters(profile: &Profile, session: &Session) {
    if let Ok(c) = session.counters().await {
        if let Ok(text) = serde_json::to_string_pretty(&c) {
            if let Err(e) = std::fs::write(profile.dir().join(COUNTERS_FILE), text) {
                tracing::warn!(error = %e, "cannot save counters");
            }
        }
    }
}

fn counters(profile: &Profile, json: bool) -> Result<()> {
    profile.settings()?;
    let path = profile.dir().join(COUNTERS_FILE);
    let c: tandem_core::counters::Counters = match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text)
            .with_context(|| format!("broken counters file {}", path.display()))?,
        Err(_) => tandem_core::counters::Counters::default(),
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&c)?);
    } else {
        print!("{}", output::counters_table(&c));
    }
    Ok(())
}

fn report(printer: &output::Printer, result: Result<(), tandem_client::ClientError>) {
    if let Err(e) = result {
        printer.error(&e.to_string());
    }
}

fn parse_bare(input: &str) -> Result<BareJid> {
    let jid = tandem_core::error::parse_bare(input)?;
    if jid.node().is_none() {
        bail!("invalid JID {input:?}: an account needs a user part (user@domain)");
    }
    Ok(jid)
}

async fn open_store(profile: &Profile) -> Result<Arc<SqliteStore>> {
    // Never two processes migrating at once; read-only commands open beside a session.
    let _migrating = profile.lock_migrations().await?;
    let store = SqliteStore::open(&profile.database_path())
        .await
        .with_context(|| {
            format!(
                "cannot open the database {}",
                profile.database_path().display()
            )
        })?;
    Ok(Arc::new(store))
}

/// A signed-in session on the profile, which it holds (one connected process per profile)
/// until the [`Connected`] is dropped.
struct Connected {
    settings: Settings,
    store: Arc<SqliteStore>,
    session: Session,
    events: tandem_client::Events,
    _lock: tandem_client::lock::ProfileLock,
}

async fn connect(profile: &Profile, window: Option<ActiveWindow>) -> Result<Connected> {
    let lock = profile.lock_session()?;
    let settings = profile.settings()?;
    let mut config = profile.session_config(&settings).await?;
    if let Some(window) = window {
        config.active_window = window;
    }
    let store = open_store(profile).await?;
    store
        .quick_check()
        .await
        .with_context(|| format!("{}", profile.database_path().display()))?;
    let (session, events) = Session::start(config, store.clone()).await?;
    Ok(Connected {
        settings,
        store,
        session,
        events,
        _lock: lock,
    })
}

async fn account(
    profile: &Profile,
    command: AccountCommand,
    window: Option<ActiveWindow>,
) -> Result<()> {
    match command {
        AccountCommand::Set {
            jid,
            password_file,
            resource,
            device,
            server,
            ca_file,
            no_carbons,
            carbons,
        } => {
            let jid = parse_bare(&jid)?;
            let password = read_password(&password_file)?;
            let previous = profile.settings().ok().filter(|s| s.jid == jid);
            if let Some(server) = &server {
                validate_server(server)?;
            }
            let ca_file = match ca_file {
                Some(p) => {
                    let abs = std::fs::canonicalize(&p)
                        .with_context(|| format!("cannot use CA file {}", p.display()))?;
                    tandem_client::connect::tls_config(Some(&abs))?;
                    Some(abs)
                }
                None => previous.as_ref().and_then(|p| p.ca_file.clone()),
            };
            let device_type = device
                .map(Into::into)
                .or(previous.as_ref().map(|p| p.device))
                .unwrap_or(DeviceType::Desktop);
            let resource = match resource {
                Some(r) => {
                    jid.with_resource_str(&r)
                        .map_err(|e| anyhow!("invalid resource {r:?}: {e}"))?;
                    r
                }
                None => previous
                    .as_ref()
                    .map(|p| p.resource.clone())
                    .unwrap_or_else(|| tandem_client::profile::new_resource(device_type)),
            };
            let carbons = if no_carbons {
                false
            } else if carbons {
                true
            } else {
                previous.as_ref().is_none_or(|p| p.carbons)
            };
            let password_store = profile.store_password(&jid, &password).await?;
            let settings = Settings {
                jid,
                resource,
                device: device_type,
                server: server.or(previous.as_ref().and_then(|p| p.server.clone())),
                ca_file,
                carbons,
                password_store,
                active_window_secs: window
                    .map(ActiveWindow::secs)
                    .or(previous.as_ref().and_then(|p| p.active_window_secs)),
                notifications: previous.as_ref().is_none_or(|p| p.notifications),
            };
            profile.save_settings(&settings)?;
            println!("{}", output::settings_line(&settings));
            Ok(())
        }
        AccountCommand::Show => {
            println!("{}", output::settings_line(&profile.settings()?));
            Ok(())
        }
    }
}

fn read_password(path: &Path) -> Result<String> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read password file {}", path.display()))?;
    let password = text.trim_end_matches(['\n', '\r']).to_owned();
    if password.is_empty() {
        bail!("password file {} is empty", path.display());
    }
    Ok(password)
}

fn validate_server(server: &str) -> Result<()> {
    let ok = server
        .rsplit_once(':')
        .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0));
    if !ok {
        bail!("invalid --server {server:?}: expected HOST:PORT");
    }
    Ok(())
}

fn parse_contact(input: &str) -> Result<jid::Jid> {
    let jid = jid::Jid::new(input).map_err(|e| anyhow!("invalid JID {input:?}: {e}"))?;
    if jid.node().is_none() {
        bail!("invalid JID {input:?}: a contact needs a user part (user@domain)");
    }
    Ok(jid)
}

async fn send(
    profile: &Profile,
    to: &str,
    text: String,
    window: Option<ActiveWindow>,
) -> Result<()> {
    let to = parse_contact(to)?;
    if text.is_empty() {
        bail!("refusing to send an empty message");
    }
    let Connected { session, _lock, .. } = connect(profile, window).await?;
    let result = session.send(to.clone(), text).await;
    save_counters(profile, &session).await;
    session.close().await;
    let sent = result?;
    println!("sent to {to} (message {})", sent.id.0);
    Ok(())
}

async fn sync(profile: &Profile, window: Option<ActiveWindow>) -> Result<()> {
    let Connected {
        settings,
        store,
        session,
        mut events,
        _lock,
    } = connect(profile, window).await?;
    let progress = std::io::stderr().is_terminal();
    let mut new_messages = 0u64;
    let mut summary = None;
    while let Some(event) = events.recv().await {
        match event {
            // Every message event is a newly stored message: from the archive, or delivered
            // live while we were signing in (the server's offline store).
            Event::Message(_) => new_messages += 1,
            Event::CatchUp {
                stored,
                duplicates,
                pages,
                done,
            } => {
                if progress && !done {
                    eprint!("\rcatching up: {stored} messages from {pages} archive pages…");
                }
                if done {
                    if progress {
                        eprint!("\r\x1b[K");
                    }
                    summary = Some((stored, duplicates, pages));
                    break;
                }
            }
            Event::Error { message, .. } => {
                eprintln!("tandem: {}", output::terminal_safe(&message))
            }
            _ => {}
        }
    }
    save_counters(profile, &session).await;
    session.close().await;
    let (archived, duplicates, pages) =
        summary.ok_or_else(|| anyhow!("the session ended before catch-up finished"))?;
    let total = store.message_count(&settings.jid).await?;
    println!(
        "synced {}: {new_messages} new ({archived} from the archive), {duplicates} already stored, {pages} archive pages; {total} messages in total",
        settings.jid
    );
    Ok(())
}

async fn history(profile: &Profile, peer: &str, json: bool) -> Result<()> {
    let peer = parse_bare(peer)?;
    let settings = profile.settings()?;
    let store = open_store(profile).await?;
    let messages = store.history(&settings.jid, &peer).await?;
    if json {
        let views: Vec<_> = messages
            .iter()
            .map(tandem_core::event::MessageView::from)
            .collect();
        println!("{}", serde_json::to_string_pretty(&views)?);
    } else if messages.is_empty() {
        println!("no messages with {peer}");
    } else {
        for m in &messages {
            output::print_line(&output::message_line(m, &settings.jid));
        }
    }
    Ok(())
}

async fn devices(profile: &Profile, json: bool) -> Result<()> {
    let settings = profile.settings()?;
    let store = open_store(profile).await?;
    let devices = store.devices(&settings.jid).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&devices)?);
    } else {
        print!(
            "{}",
            output::terminal_safe(&output::devices_table(&devices))
        );
    }
    Ok(())
}

async fn listen(profile: &Profile, json: bool, window: Option<ActiveWindow>) -> Result<()> {
    let Connected {
        settings,
        session,
        mut events,
        _lock,
        ..
    } = connect(profile, window).await?;
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    let printer = output::Printer::new(json, settings.jid.clone());
    // The session's own `connected` event is already queued: it is printed first.
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Some(event) => printer.event(&event),
                None => break,
            },
            line = lines.next_line() => match line {
                Ok(Some(line)) => {
                    let line = line.trim();
                    if line.is_empty() { continue; }
                    let (verb, rest) = line.split_once(' ').unwrap_or((line, ""));
                    match verb {
                        "quit" => break,
                        "send" => {
                            let Some((to, text)) = rest.trim().split_once(' ') else {
                                printer.error("usage: send <JID> <TEXT>");
                                continue;
                            };
                            match parse_contact(to) {
                                Ok(to) => {
                                    if let Err(e) = session.send(to, text.to_owned()).await {
                                        printer.error(&e.to_string());
                                    }
                                }
                                Err(e) => printer.error(&format!("{e:#}")),
                            }
                        }
                        "read" => match parse_bare(rest.trim()) {
                            Ok(peer) => report(&printer, session.read(peer).await),
                            Err(e) => printer.error(&format!("{e:#}")),
                        },
                        "view" => match rest.trim() {
                            "-" => report(&printer, session.viewing(None).await),
                            peer => match parse_bare(peer) {
                                Ok(peer) => report(&printer, session.viewing(Some(peer)).await),
                                Err(e) => printer.error(&format!("{e:#}")),
                            },
                        },
                        "foreground" => report(&printer, session.foreground().await),
                        "counters" => match session.counters().await {
                            Ok(c) => printer.event(&Event::Counters(c)),
                            Err(e) => printer.error(&e.to_string()),
                        },
                        "background" => report(&printer, session.background().await),
                        "presence" => match rest.trim() {
                            "available" => report(&printer, session.presence(Show::Available).await),
                            "away" => report(&printer, session.presence(Show::Away).await),
                            "xa" => report(&printer, session.presence(Show::Xa).await),
                            "dnd" => report(&printer, session.presence(Show::Dnd).await),
                            other => printer.error(&format!("unknown presence {other:?} (available, away, xa, dnd)")),
                        },
                        other => printer.error(&format!(
                            "unknown command {other:?} (try: send <JID> <TEXT>, read <JID>, view <JID>|-, foreground, background, presence <available|away|xa|dnd>, counters, quit)"
                        )),
                    }
                }
                Ok(None) | Err(_) => break,
            },
        }
    }
    // Print what already arrived before leaving.
    while let Ok(event) = events.try_recv() {
        printer.event(&event);
    }
    save_counters(profile, &session).await;
    session.close().await;
    Ok(())
}

/// `--active-window`: a duration (`3s`, `5m`) within the window's one set of bounds.
fn parse_window(s: &str) -> Result<ActiveWindow, String> {
    let d = humantime::parse_duration(s).map_err(|e| e.to_string())?;
    ActiveWindow::new(d).map_err(|e| e.to_string())
}
