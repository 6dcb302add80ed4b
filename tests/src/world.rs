//! The lab server, its accounts and the devices signed in to it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{anyhow, Context, Result};
use jid::BareJid;
use tandem_client::{Session, SessionConfig};
use tandem_core::model::DeviceType;
use tandem_lab::Lab;
use tandem_store::SqliteStore;
use tempfile::TempDir;

use crate::{Dev, PATIENCE};

/// A lab Prosody plus a scratch folder for profiles.
pub struct World {
    /// The running Prosody, with alice, bob and colin registered.
    pub lab: Lab,
    /// Where the devices' databases and the CLI profiles live.
    pub dir: TempDir,
}

/// The cast of most multi-device tests: alice's laptop and phone (carbons on, signed in in
/// that order, so the phone is the active device) and bob on his pc.
pub struct Household {
    /// `alice/laptop`, a desktop.
    pub laptop: Dev,
    /// `alice/phone`, a phone: signed in last of alice's devices.
    pub phone: Dev,
    /// `bob/pc`, a desktop: alice's contact.
    pub bob: Dev,
}

impl Household {
    /// Signs all three out.
    pub async fn close(self) {
        for d in [self.laptop, self.phone, self.bob] {
            d.close().await;
        }
    }
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

    /// Signs a device in, with its own SQLite database in the scratch folder, and waits for
    /// its first catch-up.
    pub async fn device(
        &self,
        user: &str,
        resource: &str,
        device: DeviceType,
        carbons: bool,
    ) -> Result<Dev> {
        self.sign_in(self.config(user, resource, device, carbons))
            .await
    }

    /// Signs a device in with this configuration (e.g. one pointed at a relay), with its
    /// own SQLite database in the scratch folder, and waits for its first catch-up.
    pub async fn sign_in(&self, config: SessionConfig) -> Result<Dev> {
        let mut dev = self.start(config).await?;
        dev.caught_up().await?;
        Ok(dev)
    }

    /// Signs a device in with this configuration, with its own SQLite database in the
    /// scratch folder, without waiting for anything after the login.
    pub async fn start(&self, config: SessionConfig) -> Result<Dev> {
        let account = config.connect.jid.clone();
        let resource = config.connect.resource.clone();
        let user = account.node().map(|n| n.to_string()).unwrap_or_default();
        let db = self.dir.path().join(format!("{user}-{resource}.db"));
        let store = Arc::new(SqliteStore::open(&db).await?);
        let (session, events) = Session::start(config.clone(), store.clone()).await?;
        Ok(Dev {
            name: format!("{user}/{resource}"),
            session,
            events,
            store,
            account,
            config,
        })
    }

    /// `alice/laptop`, a desktop with carbons on.
    pub async fn laptop(&self) -> Result<Dev> {
        self.device("alice", "laptop", DeviceType::Desktop, true)
            .await
    }

    /// `alice/phone`, a phone with carbons on.
    pub async fn phone(&self) -> Result<Dev> {
        self.device("alice", "phone", DeviceType::Phone, true).await
    }

    /// `bob/pc`, a desktop with carbons on.
    pub async fn bob(&self) -> Result<Dev> {
        self.device("bob", "pc", DeviceType::Desktop, true).await
    }

    /// alice's laptop, then her phone, then bob: see [`Household`].
    pub async fn household(&self) -> Result<Household> {
        Ok(Household {
            laptop: self.laptop().await?,
            phone: self.phone().await?,
            bob: self.bob().await?,
        })
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
