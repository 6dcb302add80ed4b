//! Shared helpers for Tandem's integration tests: a real Prosody ([`tandem_lab::Lab`]) and
//! real sessions with real SQLite stores, plus helpers to drive the real `tandem` binary.
#![allow(missing_debug_implementations)]

pub mod relay;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use jid::BareJid;
use tandem_client::{Events, Session, SessionConfig};
use tandem_core::event::{Event, MessageView};
use tandem_core::model::DeviceType;
use tandem_lab::Lab;
use tandem_store::SqliteStore;
use tempfile::TempDir;

/// How long a test waits for something that should happen at once on loopback.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// A lab Prosody plus a scratch folder for profiles.
pub struct World {
    pub lab: Lab,
    pub dir: TempDir,
}

/// One of our devices: a live session, its events and its store.
pub struct Dev {
    pub name: String,
    pub session: Session,
    pub events: Events,
    pub store: Arc<SqliteStore>,
    pub account: BareJid,
    pub config: SessionConfig,
}

impl World {
    /// Starts a fresh Prosody and registers alice, bob and colin (password: `<user>-pw`).
    pub fn new() -> Result<World> {
        // RUST_LOG=tandem_core=debug,tandem_client=debug,tokio_xmpp=debug shows what the sessions do.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off")),
            )
            .with_test_writer()
            .try_init();
        // TANDEM_LAB_LOG=debug makes Prosody log everything (keep it with TANDEM_LAB_KEEP=1).
        let mut options = tandem_lab::LabOptions::default();
        if let Ok(level) = std::env::var("TANDEM_LAB_LOG") {
            options.log_level = level;
        }
        let lab = Lab::start_with(options).context("start lab")?;
        for user in ["alice", "bob", "colin"] {
            lab.register(user, &format!("{user}-pw"))?;
        }
        Ok(World {
            lab,
            dir: tempfile::tempdir()?,
        })
    }

    /// `user@domain`.
    pub fn jid(&self, user: &str) -> BareJid {
        format!("{user}@{}", self.lab.domain())
            .parse()
            .expect("lab JIDs are valid")
    }

    /// A session configuration for `user/resource` against the lab.
    pub fn config(
        &self,
        user: &str,
        resource: &str,
        device: DeviceType,
        carbons: bool,
    ) -> SessionConfig {
        SessionConfig::new(self.jid(user), resource, format!("{user}-pw"))
            .server(Some(self.lab.c2s_addr().to_string()))
            .ca_file(Some(self.lab.ca_file().to_owned()))
            .carbons(carbons)
            .device(device)
            .ack_timeout(PATIENCE)
    }

    /// Signs a device in, with its own SQLite database in the scratch folder.
    pub async fn device(
        &self,
        user: &str,
        resource: &str,
        device: DeviceType,
        carbons: bool,
    ) -> Result<Dev> {
        let config = self.config(user, resource, device, carbons);
        let db = self.dir.path().join(format!("{user}-{resource}.db"));
        let store = Arc::new(SqliteStore::open(&db).await?);
        let (session, events) = Session::start(config.clone(), store.clone()).await?;
        let mut dev = Dev {
            name: format!("{user}/{resource}"),
            session,
            events,
            store,
            account: self.jid(user),
            config,
        };
        dev.caught_up().await?;
        Ok(dev)
    }

    /// Creates a CLI profile for `user/resource` with `tandem account set` and returns its
    /// directory. `extra` adds flags (e.g. `--no-carbons`).
    pub fn profile(
        &self,
        bin: &Path,
        user: &str,
        resource: &str,
        device: &str,
        extra: &[&str],
    ) -> Result<PathBuf> {
        let dir = self.dir.path().join(format!("profile-{user}-{resource}"));
        let pw = self.dir.path().join(format!("{user}.pw"));
        std::fs::write(&pw, format!("{user}-pw\n"))?;
        let out = std::process::Command::new(bin)
            .arg("--data-dir")
            .arg(&dir)
            .args([
                "account",
                "set",
                &self.jid(user).to_string(),
                "--password-file",
            ])
            .arg(&pw)
            .args([
                "--resource",
                resource,
                "--device",
                device,
                "--server",
                &self.lab.c2s_addr().to_string(),
                "--ca-file",
            ])
            .arg(self.lab.ca_file())
            .args(extra)
            .output()?;
        if !out.status.success() {
            return Err(anyhow!(
                "account set failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(dir)
    }
}

impl Dev {
    /// Waits until the catch-up that runs on every connect has finished.
    pub async fn caught_up(&mut self) -> Result<(u64, u64)> {
        loop {
            match self.next_event().await? {
                Event::CatchUp {
                    stored,
                    duplicates,
                    done: true,
                    ..
                } => return Ok((stored, duplicates)),
                _ => continue,
            }
        }
    }

    /// The next event, or an error after [`PATIENCE`].
    pub async fn next_event(&mut self) -> Result<Event> {
        match tokio::time::timeout(PATIENCE, self.events.recv()).await {
            Ok(Some(e)) => Ok(e),
            Ok(None) => Err(anyhow!("{}: session ended", self.name)),
            Err(_) => Err(anyhow!("{}: no event within {PATIENCE:?}", self.name)),
        }
    }

    /// Waits for the message with this body to be stored on this device.
    pub async fn expect_message(&mut self, body: &str) -> Result<MessageView> {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some(Event::Message(m))) if m.body == body => return Ok(m),
                Ok(Some(_)) => continue,
                Ok(None) => {
                    return Err(anyhow!("{}: session ended waiting for {body:?}", self.name))
                }
                Err(_) => {
                    return Err(anyhow!(
                        "{}: {body:?} did not arrive within {PATIENCE:?}",
                        self.name
                    ))
                }
            }
        }
    }

    /// Checks that no message with this body is stored during `quiet`.
    pub async fn expect_no_message(&mut self, body: &str, quiet: Duration) -> Result<()> {
        let deadline = tokio::time::Instant::now() + quiet;
        loop {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some(Event::Message(m))) if m.body == body => {
                    return Err(anyhow!(
                        "{}: unexpectedly got {body:?} ({:?})",
                        self.name,
                        m.via
                    ))
                }
                Ok(Some(_)) => continue,
                Ok(None) | Err(_) => return Ok(()),
            }
        }
    }

    /// Sends many messages, up to 100 in flight at once, each acknowledged by the server.
    pub async fn send_many(
        &self,
        to: &BareJid,
        bodies: impl Iterator<Item = String>,
    ) -> Result<()> {
        let bodies: Vec<String> = bodies.collect();
        for chunk in bodies.chunks(100) {
            let sends = chunk
                .iter()
                .map(|b| self.session.send(to.clone(), b.clone()));
            for r in futures::future::join_all(sends).await {
                r?;
            }
        }
        Ok(())
    }

    /// Signs out cleanly.
    pub async fn close(self) {
        self.session.close().await;
    }
}
