//! tandem-client: Tandem's XMPP session (tokio-xmpp) and profiles.
//!
//! - [`connect`] logs in: TCP, STARTTLS verified against our own trust roots, SCRAM only,
//!   and mutual ([`sasl`]: the server proves it knows the password).
//! - [`wire`] converts what the server delivers into model values, in one place.
//! - [`session`] is the actor that owns the stream, applies `tandem-core`'s rules to what
//!   arrives, persists through a [`tandem_core::store::Store`] and emits events.
//! - [`lock`]: one signed-in process per profile, migrations one at a time.
//! - [`profile`] is a data directory: settings, the password (keyring or a 0600 file) and the
//!   SQLite database.
#![warn(missing_docs)]

pub mod connect;
pub mod error;
pub mod lock;
pub mod profile;
pub mod sasl;
pub mod session;
pub mod transport;
pub mod wire;

pub use error::ClientError;
pub use session::{Events, Session, SessionConfig};
