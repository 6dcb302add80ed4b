//! Errors of the client crate: each displays as one line for people.

use crate::connect::ConnectError;

/// What can go wrong in a session or a profile.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// Logging in failed.
    #[error(transparent)]
    Connect(#[from] ConnectError),
    /// The store failed.
    #[error("storage: {0}")]
    Store(#[from] tandem_core::Error),
    /// The profile (settings, password) is missing or unusable.
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// Another process is signed in on this profile.
    #[error("profile {dir} is in use by {}", pid.map_or_else(|| "another process".to_owned(), |p| format!("process {p}")))]
    ProfileInUse {
        /// The profile directory.
        dir: String,
        /// The holder's process id, when it could be read.
        pid: Option<u32>,
    },
    /// The message cannot be sent as it is (nothing was stored).
    #[error("cannot send this message: {0}")]
    InvalidMessage(String),
    /// A sent message was not acknowledged by the server.
    #[error("the server did not acknowledge the message: {0}")]
    NotAcknowledged(String),
    /// The session has ended.
    #[error("the session has ended")]
    Closed,
}

/// Why a profile (its directory, settings, password or lock) cannot be used: one line for
/// people, and the error underneath, when there is one, as its source.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ProfileError {
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl ProfileError {
    /// A problem with no error underneath.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            source: None,
        }
    }

    /// A problem caused by `source` (the message already says what it is, for people).
    pub fn caused(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self {
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }
}

impl ClientError {
    /// A profile problem with no error underneath.
    pub fn profile(message: impl Into<String>) -> Self {
        ClientError::Profile(ProfileError::new(message))
    }

    /// A profile problem caused by `source`.
    pub fn profile_caused(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        ClientError::Profile(ProfileError::caused(message, source))
    }
}
