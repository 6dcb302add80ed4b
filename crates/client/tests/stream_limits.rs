//! The XML stream under the session, against hostile input: what the server relays from
//! anybody must never end the stream (tokio-xmpp's patched limits, vendor/tokio-xmpp).

use futures::StreamExt;
use tokio_xmpp::parsers::ns;
use tokio_xmpp::xmlstream::{
    initiate_stream, FallibleStreamElement, ReadError, StreamElementError, StreamHeader, Timeouts,
    XmlStream, XmppStreamElement, MAX_DEPTH,
};

type Client = XmlStream<tokio::io::BufStream<tokio::io::DuplexStream>, FallibleStreamElement>;

/// A client stream reading stanzas that a raw "server" writes after its header and features.
async fn client_reading(raw: Vec<u8>) -> Client {
    let (lhs, mut rhs) = tokio::io::duplex(4 * 1024 * 1024);
    tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        let head = b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
            xmlns:stream='http://etherx.jabber.org/streams' version='1.0' from='example.org' id='s1'>\
            <stream:features/>";
        rhs.write_all(head).await.expect("raw server write");
        rhs.write_all(&raw).await.expect("raw server write");
        // Keep the server side open while the client reads.
        let mut sink = Vec::new();
        let _ = tokio::io::AsyncReadExt::read_to_end(&mut rhs, &mut sink).await;
    });
    let stream = initiate_stream(
        tokio::io::BufStream::new(lhs),
        ns::JABBER_CLIENT,
        StreamHeader::default(),
        Timeouts::tight(),
    )
    .await
    .expect("stream header");
    let (_, stream) = stream.recv_features().await.expect("features");
    stream
}

fn nested(depth: usize) -> String {
    let mut s = String::from("<message xmlns='jabber:client' id='deep'>");
    for _ in 0..depth {
        s.push_str("<a xmlns='urn:example'>");
    }
    for _ in 0..depth {
        s.push_str("</a>");
    }
    s.push_str("</message>");
    s
}

async fn next_id(stream: &mut Client) -> String {
    match stream.next().await {
        Some(Ok(FallibleStreamElement::Ok(XmppStreamElement::Stanza(
            tokio_xmpp::Stanza::Message(m),
        )))) => m.id.map(|i| i.0).unwrap_or_default(),
        other => panic!("expected a message, got {other:?}"),
    }
}

#[tokio::test]
async fn a_deeply_nested_stanza_is_dropped_and_the_stream_goes_on() {
    let raw = format!(
        "{}<message xmlns='jabber:client' id='after'/>",
        nested(10_000)
    );
    let mut stream = client_reading(raw.into_bytes()).await;
    match stream.next().await {
        Some(Err(ReadError::Discarded { stanza: true, .. })) => (),
        other => panic!("expected the deep stanza to be discarded, got {other:?}"),
    }
    assert_eq!(next_id(&mut stream).await, "after");
}

#[tokio::test]
async fn nesting_up_to_the_limit_is_delivered() {
    let raw = nested(MAX_DEPTH - 1);
    let mut stream = client_reading(raw.into_bytes()).await;
    assert_eq!(next_id(&mut stream).await, "deep");
}

#[tokio::test]
async fn nesting_one_past_the_limit_is_dropped_not_truncated() {
    let raw = format!(
        "{}<message xmlns='jabber:client' id='after'/>",
        nested(MAX_DEPTH)
    );
    let mut stream = client_reading(raw.into_bytes()).await;
    assert!(matches!(
        stream.next().await,
        Some(Err(ReadError::Discarded { stanza: true, .. }))
    ));
    assert_eq!(next_id(&mut stream).await, "after");
}

#[tokio::test]
async fn attributes_and_names_far_over_8_kib_are_read() {
    let long = "x".repeat(200 * 1024);
    let name = "n".repeat(9_000);
    let raw = format!(
        "<message xmlns='jabber:client' id='{long}'><{name} xmlns='urn:example' a='{long}'/></message>\
         <message xmlns='jabber:client' id='after'/>"
    );
    let mut stream = client_reading(raw.into_bytes()).await;
    assert_eq!(next_id(&mut stream).await, long);
    assert_eq!(next_id(&mut stream).await, "after");
}

#[tokio::test]
async fn a_stanza_with_an_invalid_type_is_reported_invalid_not_fatal() {
    let raw = "<message xmlns='jabber:client' type='bogus' id='bad'><body>x</body></message>\
               <message xmlns='jabber:client' id='after'/>";
    let mut stream = client_reading(raw.as_bytes().to_vec()).await;
    match stream.next().await {
        Some(Ok(FallibleStreamElement::Err(StreamElementError::InvalidStanza { .. }))) => (),
        other => panic!("expected an invalid stanza, got {other:?}"),
    }
    assert_eq!(next_id(&mut stream).await, "after");
}
