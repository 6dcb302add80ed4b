//! Launching Prosody in a prepared folder and waiting until it listens.

use std::fs::{self, File};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::{certs, config, process, Lab, LabError, LabOptions};

/// How many times a start is tried with new ports when another process
/// takes one of them first.
pub(crate) const START_ATTEMPTS: u32 = 3;
/// How long to wait for Prosody to listen on its c2s port.
const START_TIMEOUT: Duration = Duration::from_secs(15);
/// How often to look while waiting.
const POLL: Duration = Duration::from_millis(25);
/// How many log lines go into an error message.
const TAIL_LINES: usize = 12;
/// What Prosody 0.12 logs (at level "error") when it cannot bind a port; it
/// keeps running without that port.
const BIND_FAILURE: &str = "Failed to open server port";

/// A lab's folder, certificates and paths, ready to launch Prosody in.
#[derive(Debug)]
pub(crate) struct Prepared {
    opts: LabOptions,
    prosody: PathBuf,
    pub(crate) dir: TempDir,
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
    pub(crate) fn new(opts: LabOptions) -> Result<Prepared, LabError> {
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
    pub(crate) fn launch(&self, c2s_port: u16, http_port: u16) -> Result<Child, Wait> {
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
    pub(crate) fn into_lab(self, child: Child, c2s_port: u16, http_port: u16) -> Lab {
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
pub(crate) enum Wait {
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
