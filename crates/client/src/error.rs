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
    Store(String),
    /// The profile (settings, password) is missing or unusable.
    #[error("{0}")]
    Profile(String),
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

impl From<tandem_core::Error> for ClientError {
    fn from(e: tandem_core::Error) -> Self {
        ClientError::Store(e.to_string())
    }
}
