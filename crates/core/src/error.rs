//! The core crate's error type.

/// Errors raised by the domain layer and by [`crate::store::Store`] implementations.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A JID given by the user or found in stored data does not parse.
    #[error("invalid JID {input:?}: {reason}")]
    InvalidJid {
        /// What was given.
        input: String,
        /// Why it was rejected.
        reason: String,
    },
    /// The storage backend failed; what was already stored is untouched.
    #[error("storage failed: {0}")]
    Storage(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
    /// Stored data does not have the shape this version expects.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

/// Result alias used across the core crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Wraps a storage backend's error.
    pub fn storage(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Storage(Box::new(err))
    }
}

/// Parses a room's JID given by a user: a bare JID with a local part (`room@service`).
pub fn parse_room(input: &str) -> Result<jid::BareJid> {
    let jid = parse_bare(input)?;
    if jid.node().is_none() {
        return Err(Error::InvalidJid {
            input: input.trim().to_owned(),
            reason: "a room JID needs a local part (room@service)".into(),
        });
    }
    Ok(jid)
}

/// Parses a bare JID given by a user, with an error that names the input.
pub fn parse_bare(input: &str) -> Result<jid::BareJid> {
    jid::BareJid::new(input.trim()).map_err(|e| Error::InvalidJid {
        input: input.to_owned(),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_room_jid_needs_a_local_part() {
        assert_eq!(
            parse_room(" tea@conference.example.org ")
                .expect("a room")
                .as_str(),
            "tea@conference.example.org"
        );
        let e = parse_room("conference.example.org").expect_err("no local part");
        assert!(e.to_string().contains("needs a local part"), "{e}");
        assert!(parse_room("not a jid@@").is_err());
    }
}
