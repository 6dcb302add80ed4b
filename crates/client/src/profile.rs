//! A profile is a data directory: `profile.toml` (the account's settings), the SQLite
//! database, and, only when no platform keyring is available, a 0600 password file.
//!
//! The password never goes into the settings file, the database or the logs.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use jid::BareJid;
use serde::{Deserialize, Serialize};
use tandem_core::activity::{ActiveWindow, WindowError};
use tandem_core::model::DeviceType;

use crate::error::ClientError;
use crate::session::SessionConfig;

const SETTINGS_FILE: &str = "profile.toml";
const PASSWORD_FILE: &str = "password";
const DATABASE_FILE: &str = "tandem.db";
const KEYRING_SERVICE: &str = "im.tandem.Tandem";
const KEYRING_PATIENCE: Duration = Duration::from_secs(5);

/// Where the account's password is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PasswordStore {
    /// The platform keyring (Secret Service on Linux, Keychain on macOS, ...).
    Keyring,
    /// A file only the owner can read, in the profile directory.
    File,
}

/// The account's settings, as stored in `profile.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// The account.
    pub jid: BareJid,
    /// This device's resource.
    pub resource: String,
    /// This device's type, advertised to our other devices.
    pub device: DeviceType,
    /// `HOST:PORT` to use instead of DNS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// An extra CA (PEM) to trust.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    /// Multi-device messaging (carbons) on or off.
    pub carbons: bool,
    /// Where the password is.
    pub password_store: PasswordStore,
    /// How long a device stays the active one after its last Available presence or message,
    /// in seconds (default: five minutes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_window_secs: Option<u64>,
    /// Whether front ends show notifications on this device (default: on). The engine
    /// decides as always; this only says whether the desktop shows what it decided.
    #[serde(default = "notifications_on")]
    pub notifications: bool,
}

impl Settings {
    /// The active window these settings give (the default when they say none).
    pub fn window(&self) -> Result<ActiveWindow, WindowError> {
        self.active_window_secs
            .map_or(Ok(ActiveWindow::DEFAULT), ActiveWindow::from_secs)
    }
}

/// A new device name: its type and a short random suffix, so two phones of one account
/// differ. What the CLI and the app give a device that was not named.
pub fn new_resource(device: DeviceType) -> String {
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    format!("{}-{}", device.as_str(), &suffix[..4])
}

/// Notifications are on unless the profile says otherwise (profiles written before the
/// setting existed have none).
fn notifications_on() -> bool {
    true
}

/// An opened profile directory.
#[derive(Debug, Clone)]
pub struct Profile {
    dir: PathBuf,
}

impl Profile {
    /// The platform's data directory for Tandem (e.g. `~/.local/share/tandem`).
    pub fn default_dir() -> Option<PathBuf> {
        directories::ProjectDirs::from("im", "Tandem", "tandem").map(|d| d.data_dir().to_owned())
    }

    /// Opens (and creates, owner-only) the profile directory.
    pub fn open(dir: &Path) -> Result<Profile, ClientError> {
        std::fs::create_dir_all(dir).map_err(|e| {
            ClientError::profile_caused(format!("cannot create profile {}: {e}", dir.display()), e)
        })?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
        }
        Ok(Profile {
            dir: dir.to_owned(),
        })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The SQLite database's path.
    pub fn database_path(&self) -> PathBuf {
        self.dir.join(DATABASE_FILE)
    }

    /// The account's settings, or a one-line hint to create them.
    pub fn settings(&self) -> Result<Settings, ClientError> {
        let path = self.dir.join(SETTINGS_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ClientError::profile(format!(
                    "no account in {}: run `tandem account set <JID> --password-file <FILE>` first",
                    self.dir.display()
                )))
            }
            Err(e) => {
                return Err(ClientError::profile_caused(
                    format!("cannot read {}: {e}", path.display()),
                    e,
                ))
            }
        };
        let settings: Settings = toml::from_str(&text).map_err(|e| {
            ClientError::profile_caused(
                format!("broken {}: {}", path.display(), one_line(&e.to_string())),
                e,
            )
        })?;
        if settings.jid.node().is_none() {
            return Err(ClientError::profile(format!(
                "broken {}: jid {:?} has no user part (user@domain)",
                path.display(),
                settings.jid.as_str()
            )));
        }
        if let Err(e) = settings.window() {
            return Err(ClientError::profile_caused(
                format!("broken {}: {e}", path.display()),
                e,
            ));
        }
        Ok(settings)
    }

    /// Saves the settings (atomically: a broken write never loses the old file).
    pub fn save_settings(&self, settings: &Settings) -> Result<(), ClientError> {
        let text = toml::to_string_pretty(settings)
            .map_err(|e| ClientError::profile_caused(format!("cannot encode settings: {e}"), e))?;
        write_private(&self.dir.join(SETTINGS_FILE), text.as_bytes())
    }

    /// Stores the password: in the keyring when one answers, otherwise in a 0600 file.
    pub async fn store_password(
        &self,
        jid: &BareJid,
        password: &str,
    ) -> Result<PasswordStore, ClientError> {
        let (user, pw) = (jid.to_string(), password.to_owned());
        // A locked keyring may wait for the user; do not wait for it forever.
        let in_keyring = tokio::time::timeout(
            KEYRING_PATIENCE,
            tokio::task::spawn_blocking(move || {
                keyring::Entry::new(KEYRING_SERVICE, &user).and_then(|e| e.set_password(&pw))
            }),
        )
        .await;
        match in_keyring {
            Ok(Ok(Ok(()))) => {
                // An older file copy must not linger.
                let _ = std::fs::remove_file(self.dir.join(PASSWORD_FILE));
                Ok(PasswordStore::Keyring)
            }
            other => {
                tracing::debug!(
                    ?other,
                    "no usable keyring; keeping the password in a 0600 file"
                );
                write_private(&self.dir.join(PASSWORD_FILE), password.as_bytes())?;
                Ok(PasswordStore::File)
            }
        }
    }

    /// Reads the password from where [`Profile::store_password`] put it.
    pub async fn password(&self, settings: &Settings) -> Result<String, ClientError> {
        match settings.password_store {
            PasswordStore::File => {
                let path = self.dir.join(PASSWORD_FILE);
                std::fs::read_to_string(&path).map_err(|e| {
                    ClientError::profile_caused(
                        format!(
                            "cannot read the password ({}): {e}; run `tandem account set` again",
                            path.display()
                        ),
                        e,
                    )
                })
            }
            PasswordStore::Keyring => {
                let user = settings.jid.to_string();
                tokio::time::timeout(
                    KEYRING_PATIENCE,
                    tokio::task::spawn_blocking(move || {
                        keyring::Entry::new(KEYRING_SERVICE, &user).and_then(|e| e.get_password())
                    }),
                )
                .await
                .map_err(|_| ClientError::profile("the keyring did not answer within 5 s"))?
                .map_err(|e| ClientError::profile_caused(format!("keyring: {e}"), e))?
                .map_err(|e| {
                    ClientError::profile_caused(format!(
                        "cannot read the password from the keyring: {e}; run `tandem account set` again"
                    ), e)
                })
            }
        }
    }

    /// The account's settings, or `None` when no account has been saved here yet.
    pub fn saved_settings(&self) -> Result<Option<Settings>, ClientError> {
        if !self.dir.join(SETTINGS_FILE).exists() {
            return Ok(None);
        }
        self.settings().map(Some)
    }

    /// Forgets the saved password (keyring entry and file), keeping the settings.
    pub async fn forget_password(&self, settings: &Settings) -> Result<(), ClientError> {
        if let Err(e) = std::fs::remove_file(self.dir.join(PASSWORD_FILE)) {
            if e.kind() != std::io::ErrorKind::NotFound {
                return Err(ClientError::profile_caused(
                    format!("cannot remove the password file: {e}"),
                    e,
                ));
            }
        }
        if settings.password_store == PasswordStore::Keyring {
            let user = settings.jid.to_string();
            let removed = tokio::time::timeout(
                KEYRING_PATIENCE,
                tokio::task::spawn_blocking(move || {
                    keyring::Entry::new(KEYRING_SERVICE, &user).and_then(|e| e.delete_credential())
                }),
            )
            .await;
            match removed {
                Ok(Ok(Ok(()) | Err(keyring::Error::NoEntry))) => {}
                Ok(Ok(Err(e))) => {
                    return Err(ClientError::profile_caused(
                        format!("cannot remove the password from the keyring: {e}"),
                        e,
                    ))
                }
                Ok(Err(_)) | Err(_) => {
                    return Err(ClientError::profile(
                        "the keyring did not answer within 5 s",
                    ))
                }
            }
        }
        Ok(())
    }

    /// The session configuration for these settings.
    pub async fn session_config(&self, settings: &Settings) -> Result<SessionConfig, ClientError> {
        let password = self.password(settings).await?;
        Ok(self.session_config_with(settings, password))
    }

    /// The session configuration for these settings and this password (at sign-in, before
    /// anything is saved).
    pub fn session_config_with(&self, settings: &Settings, password: String) -> SessionConfig {
        SessionConfig::new(settings.jid.clone(), settings.resource.clone(), password)
            .server(settings.server.clone())
            .ca_file(settings.ca_file.clone())
            .carbons(settings.carbons)
            .device(settings.device)
            .active_window(settings.window().unwrap_or_default())
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Writes a file readable by the owner only, through a temporary file and a rename.
fn write_private(path: &Path, data: &[u8]) -> Result<(), ClientError> {
    let err = |e: std::io::Error| {
        ClientError::profile_caused(format!("cannot write {}: {e}", path.display()), e)
    };
    let tmp = path.with_extension("tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut file = opts.open(&tmp).map_err(err)?;
    file.write_all(data).map_err(err)?;
    file.sync_all().map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            jid: "alice@example.org".parse().expect("jid"),
            resource: "laptop".into(),
            device: DeviceType::Desktop,
            server: Some("127.0.0.1:5222".into()),
            ca_file: None,
            carbons: true,
            password_store: PasswordStore::File,
            active_window_secs: None,
            notifications: false,
        }
    }

    #[test]
    fn a_profile_written_before_the_notifications_setting_loads_with_them_on() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join(SETTINGS_FILE),
            "jid = \"alice@example.org\"\nresource = \"laptop\"\ndevice = \"desktop\"\n\
             carbons = true\npassword_store = \"file\"\n",
        )
        .expect("write");
        let p = Profile::open(dir.path()).expect("open");
        let loaded = p.settings().expect("load");
        assert!(loaded.notifications);
        assert_eq!(loaded.jid.as_str(), "alice@example.org");
        // Turned off, it stays off.
        let off = Settings {
            notifications: false,
            ..loaded
        };
        p.save_settings(&off).expect("save");
        assert!(!p.settings().expect("load").notifications);
    }

    #[tokio::test]
    async fn a_fresh_profile_has_no_saved_account_and_forgetting_removes_the_password() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = Profile::open(dir.path()).expect("open");
        assert!(p.saved_settings().expect("read").is_none());
        p.save_settings(&settings()).expect("save");
        assert_eq!(p.saved_settings().expect("read"), Some(settings()));
        write_private(&dir.path().join(PASSWORD_FILE), b"secret").expect("write");
        p.forget_password(&settings()).await.expect("forget");
        assert!(p.password(&settings()).await.is_err());
        assert!(p.saved_settings().expect("read").is_some(), "settings stay");
    }

    #[test]
    fn settings_round_trip_and_never_hold_the_password() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = Profile::open(dir.path()).expect("open");
        p.save_settings(&settings()).expect("save");
        assert_eq!(p.settings().expect("load"), settings());
        let text = std::fs::read_to_string(dir.path().join(SETTINGS_FILE)).expect("read");
        assert!(!text.contains("password ="), "{text}");
    }

    #[test]
    fn a_missing_profile_says_how_to_create_one() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = Profile::open(dir.path())
            .expect("open")
            .settings()
            .expect_err("no account");
        assert!(err.to_string().contains("tandem account set"), "{err}");
    }

    #[test]
    fn a_broken_settings_file_is_a_one_line_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(SETTINGS_FILE), "jid = [\n\n").expect("write");
        let err = Profile::open(dir.path())
            .expect("open")
            .settings()
            .expect_err("broken");
        assert!(!err.to_string().contains('\n'), "{err}");
    }

    #[test]
    fn a_profile_whose_jid_has_no_user_part_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = Profile::open(dir.path()).expect("open");
        let mut s = settings();
        s.jid = BareJid::new("example.org").expect("a domain is a bare JID");
        p.save_settings(&s).expect("save");
        let err = p.settings().expect_err("no user part");
        assert!(err.to_string().contains("has no user part"), "{err}");
        assert!(!err.to_string().contains('\n'), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn private_files_are_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("secret");
        write_private(&path, b"x").expect("write");
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn new_devices_get_distinct_names_of_their_type() {
        let a = new_resource(DeviceType::Phone);
        let b = new_resource(DeviceType::Phone);
        assert!(a.starts_with("phone-"), "{a}");
        assert_ne!(a, b);
    }
}
