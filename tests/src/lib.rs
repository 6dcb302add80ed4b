//! Shared fixtures for Tandem's integration tests: a real Prosody ([`tandem_lab::Lab`]) and
//! real sessions with real SQLite stores ([`World`], [`Dev`]), the household most tests play
//! (alice's laptop and phone, and bob: [`Household`]), the waits they share, a TLS relay that
//! plays a compromised server ([`relay`]), and helpers to drive the real `tandem` binary.
#![allow(missing_debug_implementations)]
#![warn(missing_docs)]

mod dev;
pub mod relay;
mod world;

use std::time::Duration;

pub use dev::{presence_of, Dev};
pub use world::{Household, World};

/// How long a test waits for something that should happen at once on loopback.
pub const PATIENCE: Duration = Duration::from_secs(10);
