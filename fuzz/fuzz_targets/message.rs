//! A whole `<message/>` as the server relays it (live, from anybody).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(xml) = std::str::from_utf8(data) {
        tandem_fuzz::message_xml(xml);
    }
});
