//! The one error type front ends see: a kind they can branch on and one line for people.

use serde::Serialize;
use tandem_client::connect::ConnectError;
use tandem_client::ClientError;

/// What kind of failure, so a front end can choose what to show (the sign-in form for
/// `auth`, a retry for `unreachable`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AppErrorKind {
    /// The JID is not a valid account address.
    InvalidJid,
    /// Wrong password or unknown account.
    Auth,
    /// The server cannot be reached (unknown host, refused, timed out).
    Unreachable,
    /// TLS failed: untrusted certificate, no TLS offered, unusable CA file.
    Tls,
    /// The server broke the protocol or did not acknowledge something.
    Server,
    /// The command needs a signed-in account.
    NotSignedIn,
    /// The local database failed.
    Storage,
    /// The profile (settings, password) is missing or unusable.
    Profile,
    /// The request itself is invalid (an empty message, a link that may not open, ...).
    InvalidInput,
    /// The session has ended.
    Closed,
}

/// A failure as the UI receives it: `{"kind":"auth","message":"authentication failed ..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error, ts_rs::TS)]
#[error("{message}")]
pub struct AppError {
    /// What kind of failure.
    pub kind: AppErrorKind,
    /// One line for people, saying what went wrong and, where it helps, what to do.
    pub message: String,
}

/// Results of the app model.
pub type Result<T, E = AppError> = std::result::Result<T, E>;

impl AppError {
    /// An error of this kind with this message.
    pub fn new(kind: AppErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// The request is invalid.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(AppErrorKind::InvalidInput, message)
    }

    pub(crate) fn not_signed_in() -> Self {
        Self::new(AppErrorKind::NotSignedIn, "not signed in: sign in first")
    }
}

impl From<ClientError> for AppError {
    fn from(e: ClientError) -> Self {
        let kind = match &e {
            ClientError::Connect(c) => match c {
                ConnectError::InvalidJid(_) => AppErrorKind::InvalidJid,
                ConnectError::AuthFailed { .. } => AppErrorKind::Auth,
                ConnectError::UnknownHost { .. }
                | ConnectError::Refused { .. }
                | ConnectError::Unreachable { .. }
                | ConnectError::Timeout { .. } => AppErrorKind::Unreachable,
                ConnectError::UntrustedCertificate { .. }
                | ConnectError::NoTls { .. }
                | ConnectError::CaFile { .. } => AppErrorKind::Tls,
                _ => AppErrorKind::Server,
            },
            ClientError::Store(_) => AppErrorKind::Storage,
            ClientError::Profile(_) | ClientError::ProfileInUse { .. } => AppErrorKind::Profile,
            ClientError::NotAcknowledged(_) => AppErrorKind::Server,
            ClientError::InvalidMessage(_) => AppErrorKind::InvalidInput,
            ClientError::Closed => AppErrorKind::Closed,
            _ => AppErrorKind::Server,
        };
        Self::new(kind, e.to_string())
    }
}

impl From<tandem_core::Error> for AppError {
    fn from(e: tandem_core::Error) -> Self {
        Self::new(AppErrorKind::Storage, format!("storage: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_reach_the_ui_as_kind_and_one_line() {
        let e = AppError::from(ClientError::Connect(ConnectError::AuthFailed {
            jid: "alice@example.org".into(),
            condition: "not-authorized".into(),
        }));
        let json = serde_json::to_value(&e).expect("json");
        assert_eq!(json["kind"], "auth");
        let message = json["message"].as_str().expect("message");
        assert!(message.contains("alice@example.org"), "{message}");
        assert!(!message.contains('\n'));
    }

    #[test]
    fn unreachable_servers_are_told_apart_from_tls_failures() {
        let refused = AppError::from(ClientError::Connect(ConnectError::Refused {
            addr: "127.0.0.1:1".into(),
        }));
        assert_eq!(refused.kind, AppErrorKind::Unreachable);
        let tls = AppError::from(ClientError::Connect(ConnectError::UntrustedCertificate {
            domain: "example.org".into(),
            detail: "unknown issuer".into(),
        }));
        assert_eq!(tls.kind, AppErrorKind::Tls);
    }
}
