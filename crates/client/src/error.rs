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
