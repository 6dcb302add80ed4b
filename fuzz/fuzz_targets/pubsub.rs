//! A PEP event (XEP-0163) from our own account: MDS read positions (XEP-0490).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(inner) = std::str::from_utf8(data) {
        tandem_fuzz::message_xml(&format!(
            "<message xmlns='jabber:client' from='alice@example.org' to='alice@example.org/laptop'>\
             <event xmlns='http://jabber.org/protocol/pubsub#event'>{inner}</event></message>"
        ));
    }
});
