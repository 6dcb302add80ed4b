//! An archive result (XEP-0313) from our own archive: the forwarded part is the input.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(inner) = std::str::from_utf8(data) {
        tandem_fuzz::message_xml(&format!(
            "<message xmlns='jabber:client' to='alice@example.org/laptop'>\
             <result xmlns='urn:xmpp:mam:2' queryid='q' id='S1'>\
             <forwarded xmlns='urn:xmpp:forward:0'>{inner}</forwarded></result></message>"
        ));
    }
});
