//! A `<presence/>` from anybody.
#![no_main]
use tokio_xmpp::parsers::presence::Presence;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Some(p) = std::str::from_utf8(data)
        .ok()
        .and_then(tandem_fuzz::element)
        .and_then(|e| Presence::try_from(e).ok())
    {
        tandem_fuzz::presence(p);
    }
});
