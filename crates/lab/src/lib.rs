//! A real, throw-away Prosody 0.12 XMPP server on loopback, for Tandem's
//! tests, scenarios and demos.
//!
//! [`Lab::start`] makes a temporary folder holding a fresh certificate
//! authority, a server certificate signed by it, a Prosody configuration and
//! Prosody's data, then runs `prosody -F` on free ports of 127.0.0.1 and
//! waits until it listens. Dropping the [`Lab`] (also while a test panics)
//! stops the server and removes the folder, so several labs can run side by
//! side in parallel tests.
//!
//! The server offers one virtual host (default `tandem.test`) with roster,
//! STARTTLS (required), SASL over TLS only, carbons, PEP, MAM (everything is
//! archived, nothing expires), CSI, stream management, ping and ad-hoc admin
//! commands; a MUC component `conference.<domain>` with MUC MAM; and an HTTP
//! file share component `upload.<domain>` served over plain HTTP at
//! [`Lab::http_addr`]. Server-to-server is off.
//!
//! Everything here is synchronous (`std::process`), so both sync tests and
//! async code can use it; from async code, call [`Lab::start`] through
//! `spawn_blocking` or accept the short block (a start takes well under a
//! second).
//!
//! Set the environment variable `TANDEM_LAB_KEEP=1` to keep the temporary
//! folder (with `prosody.log`) after the lab stops, for debugging.
//!
//! ```no_run
//! let lab = tandem_lab::Lab::start()?;
//! let alice = lab.register("alice", "secret")?; // "alice@tandem.test"
//! println!("connect to {} as {alice}, trusting {}", lab.c2s_addr(), lab.ca_file().display());
//! # Ok::<(), tandem_lab::LabError>(())
//! ```
//!
//! Prosody must be installed (Debian package `prosody`); otherwise
//! [`Lab::start`] returns [`LabError::ProsodyNotFound`].

mod certs;
mod config;
mod error;
mod process;

use std::fs::{self, File};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

pub use error::LabError;

/// How many times a start is tried with new ports when another process
/// takes one of them first.
const START_ATTEMPTS: u32 = 3;
/// How long to wait for Prosody to listen on its c2s port.
const START_TIMEOUT: Duration = Duration::from_secs(15);
/// How often to look while waiting.
const POLL: Duration = Duration::from_millis(25);
/// How many log lines go into an error message.
const TAIL_LINES: usize = 12;
/// What Prosody 0.12 logs (at level "error") when it cannot bind a port; it
/// keeps running without that port.
const BIND_FAILURE: &str = "Failed to open server port";
/// Environment variable that keeps the temporary folder after the lab stops.
const KEEP_ENV: &str = "TANDEM_LAB_KEEP";

/// Settings of a [`Lab`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabOptions {
    /// The XMPP domain of the virtual host; default `tandem.test`. The MUC
    /// and upload components live at `conference.<domain>` and
    /// `upload.<domain>`. Lowercase ASCII letters, digits, `-` and `.` only.
    pub domain: String,
    /// The lowest Prosody log level written to [`Lab::log_file`]: one of
    /// `debug`, `info` (default), `warn` or `error`.
    pub log_level: String,
}

impl Default for LabOptions {
    fn default() -> Self {
        LabOptions {
            domain: "tandem.test".to_owned(),
            log_level: "info".to_owned(),
        }
    }
}

impl LabOptions {
    fn validate(&self) -> Result<(), LabError> {
        let invalid = |option, value: &str, reason| LabError::InvalidOption {
            option,
            value: value.to_owned(),
            reason,
        };
        let d = &self.domain;
        if d.is_empty() || d.len() > 200 {
            return Err(invalid("domain", d, "must be 1 to 200 characters long"));
        }
        if !d
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        {
            return Err(invalid(
                "domain",
                d,
                "only lowercase ASCII letters, digits, '-' and '.' are allowed",
            ));
        }
        if d.split('.').any(str::is_empty) {
            return Err(invalid("domain", d, "labels must not be empty"));
        }
        if !matches!(self.log_level.as_str(), "debug" | "info" | "warn" | "error") {
            return Err(invalid(
                "log_level",
                &self.log_level,
                "must be one of debug, info, warn, error",
            ));
        }
        Ok(())
    }
}

/// A running Prosody server on loopback, with its temporary folder.
///
/// Dropping it stops the server (SIGTERM, then SIGKILL after about three
/// seconds) and removes the folder; [`Lab::stop`] does the same and reports
/// errors.
#[derive(Debug)]
pub struct Lab {
    domain: String,
    c2s_addr: SocketAddr,
    http_addr: SocketAddr,
    config_file: PathBuf,
    ca_file: PathBuf,
    log_file: PathBuf,
    pid: u32,
    /// `None` once stopped.
    child: Option<Child>,
    /// Declared after `child` and taken out in [`Lab::stop`]; `None` once
    /// removed or handed over to be kept.
    dir: Option<TempDir>,
    /// The folder's path, valid while the lab lives.
    dir_path: PathBuf,
}

impl Lab {
    /// Starts a lab with [`LabOptions::default`]: domain `tandem.test`, log
    /// level `info`.
    pub fn start() -> Result<Lab, LabError> {
        Lab::start_with(LabOptions::default())
    }

    /// Starts a lab with the given options.
    ///
    /// Makes the temporary folder, certificates and configuration, runs
    /// `prosody -F --config <dir>/prosody.cfg.lua` and returns once Prosody
    /// listens on [`Lab::c2s_addr`] (and [`Lab::http_addr`]). If another
    /// process takes one of the chosen ports first, it starts again with new
    /// ports, up to three times.
    ///
    /// # Errors
    ///
    /// [`LabError::ProsodyNotFound`] when Prosody is not installed,
    /// [`LabError::InvalidOption`] for unusable options,
    /// [`LabError::Exited`], [`LabError::StartTimeout`] or
    /// [`LabError::PortsTaken`] (with the log's last lines) when the server
    /// does not come up, and I/O or certificate errors while preparing.
    pub fn start_with(opts: LabOptions) -> Result<Lab, LabError> {
        opts.validate()?;
        let prepared = Prepared::new(opts)?;
        let mut last_tail = String::new();
        for attempt in 1..=START_ATTEMPTS {
            let [c2s_port, http_port] = process::free_ports::<2>().map_err(LabError::Port)?;
            match prepared.launch(c2s_port, http_port) {
                Ok(child) => return Ok(prepared.into_lab(child, c2s_port, http_port)),
                Err(Wait::PortTaken(tail)) => {
                    tracing::debug!(
                        attempt,
                        c2s_port,
                        http_port,
                        "prosody lost a port race; retrying with new ports"
                    );
                    last_tail = tail;
                }
                Err(Wait::Failed(err)) => {
                    keep_if_asked(prepared.dir);
                    return Err(err);
                }
            }
        }
        keep_if_asked(prepared.dir);
        Err(LabError::PortsTaken {
            attempts: START_ATTEMPTS,
            log_tail: last_tail,
        })
    }

    /// The XMPP domain of the virtual host, e.g. `tandem.test`.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The MUC component's domain: `conference.<domain>`.
    pub fn muc_domain(&self) -> String {
        format!("conference.{}", self.domain)
    }

    /// The HTTP file share (XEP-0363) component's domain: `upload.<domain>`.
    pub fn upload_domain(&self) -> String {
        format!("upload.{}", self.domain)
    }

    /// Where clients connect: `127.0.0.1:<port>`, plain TCP with STARTTLS
    /// required. The certificate names [`Lab::domain`], so use it as the TLS
    /// server name and trust [`Lab::ca_file`].
    pub fn c2s_addr(&self) -> SocketAddr {
        self.c2s_addr
    }

    /// Prosody's plain HTTP listener, `127.0.0.1:<port>`. Upload slots handed
    /// out by [`Lab::upload_domain`] point to `http://127.0.0.1:<port>/file_share/…`.
    pub fn http_addr(&self) -> SocketAddr {
        self.http_addr
    }

    /// The PEM file of the lab's own CA, which signed the server certificate.
    pub fn ca_file(&self) -> &Path {
        &self.ca_file
    }

    /// The server's certificate (PEM), signed by [`Lab::ca_file`]: what a test plays a
    /// compromised server with.
    pub fn cert_file(&self) -> PathBuf {
        self.dir_path.join("server.crt")
    }

    /// The server certificate's private key (PEM).
    pub fn key_file(&self) -> PathBuf {
        self.dir_path.join("server.key")
    }

    /// The lab's temporary folder: configuration, certificates, data, logs.
    /// Removed when the lab stops.
    pub fn dir(&self) -> &Path {
        &self.dir_path
    }

    /// Prosody's log file inside [`Lab::dir`], at the configured level.
    pub fn log_file(&self) -> &Path {
        &self.log_file
    }

    /// The Prosody server's process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Creates the account `user` with `password` by running
    /// `prosodyctl --config <cfg> register <user> <domain> <password>`, and
    /// returns its bare JID `user@domain` (the user part lowercased, as
    /// Prosody stores it). Registering an existing user sets its password.
    ///
    /// Works while the server runs: accounts are files that Prosody reads at
    /// login.
    ///
    /// # Errors
    ///
    /// [`LabError::InvalidUser`] / [`LabError::InvalidPassword`] for values
    /// Prosody would refuse, [`LabError::ProsodyctlNotFound`], and
    /// [`LabError::Register`] with prosodyctl's output when it fails.
    pub fn register(&self, user: &str, password: &str) -> Result<String, LabError> {
        const FORBIDDEN: &[char] = &['"', '&', '\'', '/', ':', '<', '>', '@'];
        if user.is_empty()
            || user.len() > 1023
            || user.starts_with('-')
            || user
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || FORBIDDEN.contains(&c))
        {
            return Err(LabError::InvalidUser(user.to_owned()));
        }
        if password.is_empty() || password.contains(['\0', '\n', '\r']) {
            return Err(LabError::InvalidPassword {
                user: user.to_owned(),
            });
        }
        // prosodyctl writes to the same SQLite store as the running server; when the server
        // holds the write lock at that moment, prosodyctl fails with "database is locked"
        // instead of waiting. Such a collision is retried (briefly); any other failure is not.
        let mut attempt = 0;
        let output = loop {
            let output = self.prosodyctl(&["register", user, &self.domain, password])?;
            let locked = !output.status.success()
                && [&output.stdout, &output.stderr]
                    .iter()
                    .any(|o| String::from_utf8_lossy(o).contains("database is locked"));
            attempt += 1;
            if !locked || attempt >= 20 {
                break output;
            }
            tracing::debug!(attempt, "prosodyctl met a locked database; retrying");
            std::thread::sleep(std::time::Duration::from_millis(50 * attempt));
        };
        if !output.status.success() {
            let text = format!(
                "{} {}",
                String::from_utf8_lossy(&output.stderr),
                String::from_utf8_lossy(&output.stdout)
            );
            let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
            return Err(LabError::Register {
                user: user.to_owned(),
                domain: self.domain.clone(),
                status: output.status,
                output: if one_line.is_empty() {
                    "(no output)".to_owned()
                } else {
                    one_line
                },
            });
        }
        let jid = format!("{}@{}", user.to_lowercase(), self.domain);
        tracing::debug!(%jid, "registered lab account");
        Ok(jid)
    }

    /// Runs `prosodyctl --config <ours> <args>` in the lab's folder.
    fn prosodyctl(&self, args: &[&str]) -> Result<std::process::Output, LabError> {
        let prosodyctl = process::find_in_path("prosodyctl").ok_or(LabError::ProsodyctlNotFound)?;
        Command::new(prosodyctl)
            .arg("--config")
            .arg(&self.config_file)
            .args(args)
            .current_dir(&self.dir_path)
            .stdin(Stdio::null())
            .output()
            .map_err(|source| LabError::Spawn {
                program: "prosodyctl",
                source,
            })
    }

    /// Runs one command on Prosody's admin console (`prosodyctl shell`, mod_admin_shell) and
    /// returns what it printed, e.g. `c2s:show()` or `c2s:close("alice@tandem.test")`.
    ///
    /// # Errors
    ///
    /// [`LabError::ProsodyctlNotFound`], [`LabError::Spawn`], or [`LabError::Shell`] when the
    /// console reports a failure.
    pub fn shell(&self, command: &str) -> Result<String, LabError> {
        let output = self.prosodyctl(&["shell", command])?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        if !output.status.success() || text.lines().any(|l| l.starts_with("! ")) {
            return Err(LabError::Shell {
                command: command.to_owned(),
                output: text.split_whitespace().collect::<Vec<_>>().join(" "),
            });
        }
        Ok(text)
    }

    /// Closes every client connection of `jid` (bare: all its resources) from the server's
    /// side, as a network drop or a server restart would. Returns the console's report.
    ///
    /// # Errors
    ///
    /// As [`Lab::shell`].
    pub fn disconnect(&self, jid: &str) -> Result<String, LabError> {
        if jid.contains(['"', '\\', '\n']) {
            return Err(LabError::InvalidUser(jid.to_owned()));
        }
        self.shell(&format!("c2s:close(\"{jid}\")"))
    }

    /// Stops the server (SIGTERM, then SIGKILL after about three seconds)
    /// and removes the temporary folder, reporting what went wrong.
    ///
    /// # Errors
    ///
    /// [`LabError::Stop`] if the process could not be signalled or reaped,
    /// [`LabError::Cleanup`] if the folder could not be removed.
    pub fn stop(mut self) -> Result<(), LabError> {
        self.shutdown()?;
        match self.dir.take() {
            Some(dir) if keep_requested() => {
                let kept = dir.keep();
                tracing::info!(dir = %kept.display(), "{KEEP_ENV} is set: keeping the lab's folder");
                Ok(())
            }
            Some(dir) => dir.close().map_err(LabError::Cleanup),
            None => Ok(()),
        }
    }

    /// Stops the process if it still runs.
    fn shutdown(&mut self) -> Result<(), LabError> {
        if let Some(mut child) = self.child.take() {
            tracing::debug!(pid = self.pid, "stopping prosody");
            process::terminate(&mut child).map_err(|source| LabError::Stop {
                pid: self.pid,
                source,
            })?;
        }
        Ok(())
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        if let Err(err) = self.shutdown() {
            tracing::warn!(%err, "while dropping the lab");
        }
        if let Some(dir) = self.dir.take() {
            keep_if_asked(dir);
        }
    }
}

/// A lab's folder, certificates and paths, ready to launch Prosody in.
#[derive(Debug)]
struct Prepared {
    opts: LabOptions,
    prosody: PathBuf,
    dir: TempDir,
    data_dir: PathBuf,
    certs_dir: PathBuf,
    certs: certs::CertFiles,
    config_file: PathBuf,
    log_file: PathBuf,
    console_file: PathBuf,
    pid_file: PathBuf,
}

impl Prepared {
    /// Finds Prosody and fills a new temporary folder with certificates and
    /// the folders Prosody needs.
    fn new(opts: LabOptions) -> Result<Prepared, LabError> {
        let prosody = process::find_in_path("prosody").ok_or(LabError::ProsodyNotFound)?;
        let dir = tempfile::Builder::new()
            .prefix("tandem-lab-")
            .tempdir()
            .map_err(LabError::TempDir)?;
        let path = dir.path().to_owned();
        let data_dir = path.join("data");
        let certs_dir = path.join("certs");
        for sub in [&data_dir, &certs_dir] {
            fs::create_dir(sub).map_err(|source| LabError::Write {
                path: sub.clone(),
                source,
            })?;
        }
        let certs = certs::generate(&path, &opts.domain)?;
        Ok(Prepared {
            opts,
            prosody,
            dir,
            data_dir,
            certs_dir,
            certs,
            config_file: path.join("prosody.cfg.lua"),
            log_file: path.join("prosody.log"),
            console_file: path.join("prosody.console"),
            pid_file: path.join("prosody.pid"),
        })
    }

    /// Writes the configuration for these ports, starts Prosody and waits
    /// until it listens. On failure the process is already stopped.
    fn launch(&self, c2s_port: u16, http_port: u16) -> Result<Child, Wait> {
        let config = config::render(&config::ConfigParams {
            domain: &self.opts.domain,
            log_level: &self.opts.log_level,
            c2s_port,
            http_port,
            log_file: &self.log_file,
            pid_file: &self.pid_file,
            data_dir: &self.data_dir,
            certs_dir: &self.certs_dir,
            certs: &self.certs,
        });
        certs::write_file(&self.config_file, config.as_bytes(), 0o644).map_err(Wait::Failed)?;
        // A fresh log per attempt, so an earlier bind failure is not seen again.
        for stale in [&self.log_file, &self.console_file, &self.pid_file] {
            let _ = fs::remove_file(stale);
        }
        let mut child = spawn_prosody(&self.prosody, &self.config_file, &self.console_file)
            .map_err(Wait::Failed)?;
        tracing::debug!(
            pid = child.id(),
            c2s_port,
            http_port,
            dir = %self.dir.path().display(),
            "started prosody"
        );
        let result = wait_ready(
            &mut child,
            process::loopback(c2s_port),
            process::loopback(http_port),
            &self.log_file,
            &self.console_file,
        );
        match result {
            Ok(()) => Ok(child),
            Err(wait) => {
                if let Err(err) = process::terminate(&mut child) {
                    tracing::warn!(pid = child.id(), %err, "could not stop a prosody that failed to start");
                }
                Err(wait)
            }
        }
    }

    /// The running lab, once [`Prepared::launch`] succeeded.
    fn into_lab(self, child: Child, c2s_port: u16, http_port: u16) -> Lab {
        let pid = child.id();
        let lab = Lab {
            domain: self.opts.domain,
            c2s_addr: process::loopback(c2s_port),
            http_addr: process::loopback(http_port),
            config_file: self.config_file,
            ca_file: self.certs.ca,
            log_file: self.log_file,
            pid,
            child: Some(child),
            dir_path: self.dir.path().to_owned(),
            dir: Some(self.dir),
        };
        tracing::debug!(pid, c2s = %lab.c2s_addr, http = %lab.http_addr, domain = %lab.domain, "prosody is listening");
        lab
    }
}

/// Why waiting for Prosody ended without success.
enum Wait {
    /// Another process holds one of our ports: retry with new ones. Holds
    /// the last lines of the log.
    PortTaken(String),
    /// Anything else: give up.
    Failed(LabError),
}

/// Runs `prosody -F --config <config>` with its console output in `console`.
fn spawn_prosody(prosody: &Path, config: &Path, console: &Path) -> Result<Child, LabError> {
    let write_err = |source| LabError::Write {
        path: console.to_owned(),
        source,
    };
    let out = File::create(console).map_err(write_err)?;
    let err = out.try_clone().map_err(write_err)?;
    let dir = config.parent().unwrap_or(Path::new("/"));
    Command::new(prosody)
        .arg("-F")
        .arg("--config")
        .arg(config)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|source| LabError::Spawn {
            program: "prosody",
            source,
        })
}

/// Waits until `child` listens on both addresses, it exits, it logs a
/// failed bind, or [`START_TIMEOUT`] passes.
fn wait_ready(
    child: &mut Child,
    c2s: SocketAddr,
    http: SocketAddr,
    log_file: &Path,
    console_file: &Path,
) -> Result<(), Wait> {
    let tail = || process::tail(&[log_file, console_file], TAIL_LINES);
    let deadline = Instant::now() + START_TIMEOUT;
    let pid = child.id();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                return Err(Wait::Failed(LabError::Exited {
                    status,
                    log_tail: tail(),
                }))
            }
            Ok(None) => {}
            Err(source) => return Err(Wait::Failed(LabError::Stop { pid, source })),
        }
        let log = fs::read_to_string(log_file).unwrap_or_default();
        if log.contains(BIND_FAILURE) {
            return Err(Wait::PortTaken(tail()));
        }
        // A listening socket held by Prosody accepts connections (the kernel
        // queues them until its event loop runs), so when /proc can tell, no
        // probe connection is needed (it would only add noise to the log).
        let ours = |addr: SocketAddr| match process::owns_listener(pid, addr.port()) {
            Some(owned) => owned,
            None => TcpStream::connect_timeout(&addr, POLL).is_ok(),
        };
        if ours(c2s) && ours(http) {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(Wait::Failed(LabError::StartTimeout {
                addr: c2s,
                secs: START_TIMEOUT.as_secs(),
                log_tail: tail(),
            }));
        }
        thread::sleep(POLL);
    }
}

fn keep_requested() -> bool {
    std::env::var_os(KEEP_ENV).is_some_and(|v| !v.is_empty() && v != "0")
}

/// Drops `dir` (removing it) unless `TANDEM_LAB_KEEP` asks to keep it.
fn keep_if_asked(dir: TempDir) {
    if keep_requested() {
        let kept = dir.keep();
        tracing::info!(dir = %kept.display(), "{KEEP_ENV} is set: keeping the lab's folder");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Prosody 0.12 only logs a failed bind and keeps running; the lab must
    /// notice that instead of talking to whoever holds the port.
    #[test]
    fn a_taken_port_is_noticed_and_prosody_stopped() -> Result<(), Box<dyn std::error::Error>> {
        if process::find_in_path("prosody").is_none() {
            return Err("prosody is not installed".into());
        }
        let thief = std::net::TcpListener::bind("127.0.0.1:0")?;
        let taken = thief.local_addr()?.port();
        let [free] = process::free_ports::<1>()?;
        let prepared = Prepared::new(LabOptions::default())?;
        match prepared.launch(taken, free) {
            Err(Wait::PortTaken(tail)) => {
                assert!(tail.contains(BIND_FAILURE), "{tail}");
            }
            Err(Wait::Failed(err)) => return Err(err.into()),
            Ok(mut child) => {
                let _ = process::terminate(&mut child);
                return Err("prosody was taken as ready on a port another process holds".into());
            }
        }
        Ok(())
    }
}
