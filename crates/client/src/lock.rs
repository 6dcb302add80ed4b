//! One connected process per profile, and migrations one at a time.
//!
//! Two processes signed in on one profile kick each other off (they bind the same
//! resource), and two first opens race the database migrations. So every command that signs
//! in holds [`Profile::lock_session`] for as long as it is connected, and a second one is
//! refused at once with the holder's process id. Opening the database takes
//! [`Profile::lock_migrations`] for the moment of the open, so read-only commands
//! (`history`, `devices`, ...) keep working beside a running session (SQLite's WAL lets them
//! read) and never migrate at the same time as another process.
//!
//! The locks are advisory OS file locks (`flock`): the kernel drops them when the process
//! ends, however it ends, so a killed process never leaves a profile locked.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use crate::error::ClientError;
use crate::profile::Profile;

/// The session lock's file in the profile directory; it holds the holder's process id.
pub const SESSION_LOCK_FILE: &str = "session.lock";
/// The migration lock's file in the profile directory.
pub const MIGRATION_LOCK_FILE: &str = "migrate.lock";

/// A held lock; dropping it releases it.
#[derive(Debug)]
pub struct ProfileLock {
    _file: File,
}

fn open_lock_file(path: &Path) -> Result<File, ClientError> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| ClientError::profile_caused(format!("cannot open {}: {e}", path.display()), e))
}

impl Profile {
    /// Takes the profile for a signed-in process, or says which process has it.
    pub fn lock_session(&self) -> Result<ProfileLock, ClientError> {
        let path = self.dir().join(SESSION_LOCK_FILE);
        let mut file = open_lock_file(&path)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                return Err(ClientError::ProfileInUse {
                    dir: self.dir().display().to_string(),
                    pid: text.trim().parse().ok(),
                });
            }
            Err(TryLockError::Error(e)) => {
                return Err(ClientError::profile_caused(
                    format!("cannot lock {}: {e}", path.display()),
                    e,
                ))
            }
        }
        // Ours now: say who holds it.
        let _ = file.set_len(0);
        let _ = file.seek(SeekFrom::Start(0));
        let _ = write!(file, "{}", std::process::id());
        let _ = file.flush();
        Ok(ProfileLock { _file: file })
    }

    /// Waits until no other process is opening (and migrating) the database, and holds
    /// that until the lock is dropped. Take it around opening the store, not longer.
    pub async fn lock_migrations(&self) -> Result<ProfileLock, ClientError> {
        let path = self.dir().join(MIGRATION_LOCK_FILE);
        let file = open_lock_file(&path)?;
        tokio::task::spawn_blocking(move || {
            file.lock()
                .map(|()| ProfileLock { _file: file })
                .map_err(|e| {
                    ClientError::profile_caused(format!("cannot lock {}: {e}", path.display()), e)
                })
        })
        .await
        .map_err(|e| ClientError::profile_caused(format!("migration lock: {e}"), e))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_session_on_a_profile_is_refused_with_the_holder() {
        let dir = tempfile::tempdir().expect("temp dir");
        let profile = Profile::open(dir.path()).expect("profile");
        let held = profile.lock_session().expect("first lock");
        let other = Profile::open(dir.path()).expect("profile");
        match other.lock_session() {
            Err(e @ ClientError::ProfileInUse { pid: Some(pid), .. }) => {
                assert_eq!(pid, std::process::id());
                assert!(e.to_string().contains("is in use by process"), "{e}");
            }
            other => panic!("expected the profile to be in use, got {other:?}"),
        }
        drop(held);
        other.lock_session().expect("free again once released");
    }

    #[tokio::test]
    async fn the_migration_lock_waits_for_the_holder() {
        let dir = tempfile::tempdir().expect("temp dir");
        let profile = Profile::open(dir.path()).expect("profile");
        let held = profile.lock_migrations().await.expect("first lock");
        let other = profile.clone();
        let waiting = tokio::spawn(async move { other.lock_migrations().await });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished(), "the second open waits");
        drop(held);
        waiting.await.expect("join").expect("then takes it");
    }
}
