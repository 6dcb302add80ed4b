//! The whole read path: bytes after the server's stream header, through tokio-xmpp's XML
//! stream with Tandem's limits (vendor/tokio-xmpp), into the session's routing. Nothing may
//! panic, overflow the stack or grow without bound; any error must be a clean one.
#![no_main]
use std::sync::OnceLock;

use futures::StreamExt;
use tokio::io::AsyncWriteExt;
use tokio_xmpp::parsers::ns;
use tokio_xmpp::xmlstream::{
    initiate_stream, FallibleStreamElement, StreamHeader, Timeouts, XmppStreamElement,
};

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a runtime")
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    runtime().block_on(async {
        let (client, mut server) = tokio::io::duplex(1 << 20);
        let mut input = b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
            xmlns:stream='http://etherx.jabber.org/streams' version='1.0' from='example.org' id='s'>\
            <stream:features/>"
            .to_vec();
        input.extend_from_slice(data);
        let _ = server.write_all(&input).await;
        // End of input for the client's reads; the client's own writes still have room.
        let _ = server.shutdown().await;
        let Ok(stream) = initiate_stream(
            tokio::io::BufStream::new(client),
            ns::JABBER_CLIENT,
            StreamHeader::default(),
            Timeouts::tight(),
        )
        .await
        else {
            return;
        };
        let Ok((_, mut stream)) = stream.recv_features::<FallibleStreamElement>().await else {
            return;
        };
        // A bounded number of reads: the input is finite and every read consumes some.
        for _ in 0..1024 {
            // (`server` stays alive until the reads are done.)
            match stream.next().await {
                Some(Ok(FallibleStreamElement::Ok(XmppStreamElement::Stanza(s)))) => {
                    tandem_fuzz::stanza(s).await
                }
                Some(Ok(_)) => {}
                Some(Err(tokio_xmpp::xmlstream::ReadError::Discarded { .. })) => {}
                Some(Err(_)) | None => return,
            }
        }
    });
});
