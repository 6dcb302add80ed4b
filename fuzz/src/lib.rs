//! What the fuzz targets share: the session's path for an inbound stanza, through the same
//! `tandem_client::wire` conversions and `tandem_core::engine` (with an in-memory store) the
//! actor pumps, and the envelopes that put fuzzer input where the server would put it.

use std::str::FromStr;

use chrono::Utc;
use jid::{BareJid, FullJid};
use tandem_client::wire;
use tandem_core::engine::inbound::{Answer, Inbound};
use tandem_core::engine::{Effect, Engine, EngineConfig, Input};
use tandem_core::model::DeviceType;
use tandem_core::store::MemoryStore;
use tokio_xmpp::minidom::Element;
use tokio_xmpp::parsers::{message::Message, presence::Presence};
use tokio_xmpp::Stanza;

/// The account the input is addressed to.
pub fn account() -> BareJid {
    BareJid::new("alice@example.org").expect("a valid JID")
}

/// This device.
pub fn own() -> FullJid {
    FullJid::new("alice@example.org/laptop").expect("a valid JID")
}

/// Parses `xml` as one element. The stream never hands the session an element nested
/// deeper than tokio-xmpp's `MAX_DEPTH` (the `stream` target checks that), so deeper input
/// is not parsed here: minidom's own parser, which only these targets use, recurses.
pub fn element(xml: &str) -> Option<Element> {
    if nesting(xml) > tokio_xmpp::xmlstream::MAX_DEPTH {
        return None;
    }
    Element::from_str(xml).ok()
}

/// An upper bound of how deeply `xml` nests (every `<` that is not `</` opens a level).
fn nesting(xml: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    let bytes = xml.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'<' {
            if bytes.get(i + 1) == Some(&b'/') {
                depth = depth.saturating_sub(1);
            } else {
                depth += 1;
                max = max.max(depth);
            }
        }
    }
    max
}

/// A current-thread runtime for the targets that hand over one element at a time.
fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
    })
}

/// A fresh engine for alice's laptop, online and catching up (every id it makes is `q`, so
/// archive results for query `q` are the ones it waits for), with its store.
async fn engine() -> (Engine, MemoryStore) {
    let store = MemoryStore::new();
    let mut engine = Engine::new(
        EngineConfig {
            account: account(),
            resource: "laptop".into(),
            carbons: true,
            device: DeviceType::Desktop,
            active_window: tandem_core::activity::ActiveWindow::DEFAULT,
        },
        Box::new(|| "q".to_owned()),
    );
    engine
        .handle(&store, Input::Online { jid: own(), csi: true }, Utc::now())
        .await;
    (engine, store)
}

/// Everything the session does with a stanza: the wire's reading, then the engine with a
/// store, and the archive page it may have added to stored at once.
pub async fn stanza(s: Stanza) {
    let Some(inbound) = wire::inbound(s) else {
        return;
    };
    let (mut engine, store) = engine().await;
    let now = Utc::now();
    for effect in engine.handle(&store, Input::Stanza(Box::new(inbound)), now).await {
        if let Effect::Send(out) = effect {
            // What we would answer must convert too.
            let _ = wire::outbound(out);
        }
    }
    let fin = Inbound::Result {
        from: None,
        id: "q".into(),
        answer: Answer::Fin { last: None, complete: true },
    };
    let _ = engine.handle(&store, Input::Stanza(Box::new(fin)), now).await;
}

/// Parses `xml` as a message and routes it.
pub fn message_xml(xml: &str) {
    if let Some(m) = element(xml).and_then(|e| Message::try_from(e).ok()) {
        runtime().block_on(stanza(Stanza::Message(m)));
    }
}

/// Routes a presence.
pub fn presence(p: Presence) {
    runtime().block_on(stanza(Stanza::Presence(p)));
}
