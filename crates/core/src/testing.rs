//! Fixtures shared by tandem-core's tests, the store contract suite and other crates' tests
//! (with the `testing` feature): fixed times and the JIDs of the examples.
//!
//! Not part of the API: values that are not valid JIDs or times panic.

use chrono::{DateTime, TimeZone, Utc};
use jid::{BareJid, FullJid, Jid};

use crate::model::MessageId;
use crate::readstate::ReadPosition;

/// `secs` seconds after a fixed epoch (Unix time 1 700 000 000, 2023-11-14 22:13:20 UTC).
pub fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + secs, 0)
        .single()
        .expect("a valid test time")
}

/// The JID `s`, which must be valid.
pub fn jid(s: &str) -> Jid {
    Jid::new(s).expect("a valid test JID")
}

/// The bare JID `s`, which must be valid.
pub fn bare(s: &str) -> BareJid {
    BareJid::new(s).expect("a valid test JID")
}

/// The full JID `s`, which must be valid.
pub fn full(s: &str) -> FullJid {
    FullJid::new(s).expect("a valid test JID")
}

/// `alice@example.org`, the account of the examples.
pub fn alice() -> BareJid {
    bare("alice@example.org")
}

/// `bob@example.org`, a contact of alice's.
pub fn bob() -> BareJid {
    bare("bob@example.org")
}

/// `colin@example.org`, another contact of alice's.
pub fn colin() -> BareJid {
    bare("colin@example.org")
}

/// The read position of message `id` (ranked by its id), whose server time is
/// [`at`]`(secs)`.
pub fn pos(id: i64, secs: i64) -> ReadPosition {
    ReadPosition::new(MessageId(id), at(secs))
}
