//! tandem-core: the sans-I/O domain of Tandem's multi-device messaging.
//!
//! Everything here is pure: no sockets, no database, no clock of its own. Callers (the
//! `tandem-client` crate) convert wire stanzas into the model types of [`model`], ask the
//! named rules in [`rules`] what to do, persist through the narrow [`store::Store`] trait and
//! publish [`event::Event`]s. Time is always passed in.
//!
//! The rules that make multi-device messaging trustworthy live in [`rules`], each as a small
//! function with tests named after the invariant it protects.
#![warn(missing_docs)]

pub mod activity;
pub mod catchup;
pub mod counters;
pub mod engine;
pub mod error;
pub mod event;
pub mod model;
pub mod notify;
pub mod readstate;
pub mod room;
pub mod rules;
pub mod status;
pub mod store;
#[cfg(any(test, feature = "testing"))]
#[doc(hidden)]
pub mod testing;

pub use error::{Error, Result};
pub use jid::{BareJid, FullJid, Jid};

#[cfg(all(test, feature = "ts"))]
mod bindings;
