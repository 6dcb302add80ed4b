//! Every conversion between xmpp-parsers' wire types and the engine's model values, and only
//! here: [`inbound`] reads what the server delivered into `tandem_core::engine::Inbound`
//! facts (parsing, never trusting: the engine decides what counts), [`outbound`] turns the
//! engine's `Outbound` values into stanzas with the parser types of each XEP, and
//! [`handmade`] holds the few wire types xmpp-parsers lacks.
//!
//! Nothing here panics on network data; it is the surface the fuzz targets in `fuzz/` drive
//! with arbitrary input, together with the engine behind it.

pub mod handmade;
pub mod inbound;
pub mod outbound;

#[cfg(test)]
mod tests;

pub use inbound::inbound;
pub use outbound::{outbound, Wire};
