//! What a carbon forwards (XEP-0280), inside a carbon from our own account.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(inner) = std::str::from_utf8(data) {
        for kind in ["received", "sent"] {
            tandem_fuzz::message_xml(&format!(
                "<message xmlns='jabber:client' from='alice@example.org' to='alice@example.org/laptop'>\
                 <{kind} xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>{inner}\
                 </forwarded></{kind}></message>"
            ));
        }
    }
});
