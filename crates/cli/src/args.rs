//! The command line: every command, its arguments and their help texts.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use tandem_core::activity::ActiveWindow;
use tandem_core::model::DeviceType;
use tandem_core::room::RoomNotify;

#[derive(Debug, Parser)]
#[command(
    name = "tandem",
    version,
    about = "Multi-device XMPP messaging, scriptable"
)]
pub(crate) struct Cli {
    /// Profile directory (database and settings). Default: the platform's data directory.
    #[arg(long, global = true, env = "TANDEM_DATA_DIR", value_name = "DIR")]
    pub(crate) data_dir: Option<PathBuf>,

    /// How long a device stays the active one after its last Available presence or message
    /// (e.g. `3s`, `5m`). With `account set`, saved in the profile; otherwise for this run.
    #[arg(long, global = true, value_name = "DURATION", value_parser = parse_window)]
    pub(crate) active_window: Option<ActiveWindow>,

    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Manage the profile's account.
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// Connect, send one message, wait for the server's acknowledgement, exit. To one of our
    /// rooms (see `rooms`), once the session has joined it.
    Send {
        /// The contact, or one of our rooms.
        jid: String,
        /// The message.
        text: String,
    },
    /// Correct a message of ours (XEP-0308) for the contact or the room and on our other
    /// devices: our newest message in the conversation, or the one `--id` names.
    Correct {
        /// The contact, or one of our rooms.
        jid: String,
        /// The corrected text.
        text: String,
        /// The message (the number `send` printed; `history --json` shows them all).
        #[arg(long)]
        id: Option<i64>,
    },
    /// Retract a message of ours (XEP-0424) everywhere it was shown: our newest message in
    /// the conversation, or the one `--id` names.
    Retract {
        /// The contact, or one of our rooms.
        jid: String,
        /// The message (the number `send` printed; `history --json` shows them all).
        #[arg(long)]
        id: Option<i64>,
    },
    /// Connect, catch up from the server's archive, print a summary, exit.
    Sync,
    /// Print a stored conversation (a contact's or a room's), oldest first.
    History {
        /// The contact or room.
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
    /// Connect, join a room on every device (XEP-0402 bookmark with autojoin), catch up with
    /// its history, exit.
    Join {
        /// The room, e.g. `lounge@conference.example.org`.
        room: String,
        /// Our nick in it (default: the one stored, else our account's user part).
        #[arg(long, value_name = "NICK")]
        nick: Option<String>,
        /// Create the room when it does not exist.
        #[arg(long)]
        create: bool,
        /// Create it members-only (implies `--create`).
        #[arg(long)]
        members_only: bool,
    },
    /// Connect, leave a room on every device (its bookmark stays, autojoin off), exit.
    Leave {
        /// The room.
        room: String,
    },
    /// Print our rooms as stored: nick, autojoin, how each notifies, why one is gone.
    Rooms {
        /// One JSON array instead of text for people.
        #[arg(long)]
        json: bool,
    },
    /// Set how a stored room notifies on this device: every message, mentions of us (the
    /// default) or never.
    Notify {
        /// The room.
        room: String,
        /// The setting.
        #[arg(value_enum)]
        setting: NotifyArg,
    },
    /// Stay online, print one event per line, read commands on stdin
    /// (`send <JID|ROOM> <TEXT>`, `correct <JID|ROOM> <MESSAGE> <TEXT>`, `retract <JID|ROOM>
    /// <MESSAGE>`, `read <JID>`, `view <JID>|-`, `join <ROOM> [NICK]`,
    /// `leave <ROOM>`, `notify <ROOM> all|mentions|none`, `invite <ROOM> <JID>`, `rooms`,
    /// `foreground`, `background`, `presence <SHOW>`, `counters`, `quit`).
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
pub(crate) enum ScenarioCommand {
    /// Run scenario files (TOML; see scenarios/README.md).
    Run {
        /// The files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum AccountCommand {
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

/// How a room notifies, as typed.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum NotifyArg {
    /// Every message.
    All,
    /// Only messages that mention us.
    Mentions,
    /// Never.
    None,
}

impl From<NotifyArg> for RoomNotify {
    fn from(n: NotifyArg) -> Self {
        match n {
            NotifyArg::All => RoomNotify::All,
            NotifyArg::Mentions => RoomNotify::Mentions,
            NotifyArg::None => RoomNotify::None,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum DeviceArg {
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

/// `--active-window`: a duration (`3s`, `5m`) within the window's one set of bounds.
pub(crate) fn parse_window(s: &str) -> Result<ActiveWindow, String> {
    let d = humantime::parse_duration(s).map_err(|e| e.to_string())?;
    ActiveWindow::new(d).map_err(|e| e.to_string())
}
