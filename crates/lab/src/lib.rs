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

#![warn(missing_docs)]

mod accounts;
mod certs;
mod config;
mod error;
mod launch;
mod options;
mod process;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Child;

pub use error::LabError;
use launch::{Prepared, Wait, START_ATTEMPTS};
pub use options::LabOptions;
use tempfile::TempDir;

/// Environment variable that keeps the temporary folder after the lab stops.
const KEEP_ENV: &str = "TANDEM_LAB_KEEP";

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
