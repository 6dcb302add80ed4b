//! What the fuzz targets share: the session's routing of an inbound stanza, through the
//! same `tandem_client::wire` conversions and `tandem_core::rules` the actor uses, and the
//! envelopes that put fuzzer input where the server would put it.

use std::str::FromStr;

use chrono::Utc;
use jid::{BareJid, FullJid};
use tandem_client::wire;
use tandem_core::model::Via;
use tandem_core::rules;
use tokio_xmpp::minidom::Element;
use tokio_xmpp::parsers::{carbons, iq::Iq, mam, message::Message, ns, presence::Presence};
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

/// Everything the session does with a message's content, without I/O.
pub fn message(m: &Message) {
    let (account, own) = (account(), own());
    let now = Utc::now();
    for el in &m.payloads {
        if el.is("event", ns::PUBSUB_EVENT) {
            let _ = wire::mds_items(el, &account);
            return;
        }
        if el.is("result", ns::MAM) {
            let _ = rules::accept_archive_result(m.from.as_ref(), &account, Some("q"), Some("q"));
            if let Ok(result) = mam::Result_::try_from(el.clone()) {
                let stamp = result.forwarded.delay.map(|d| d.stamp.0.with_timezone(&Utc));
                let inner = &result.forwarded.message;
                let _ = wire::new_message(inner, Via::Archive, stamp.unwrap_or(now), &account, Some(&own));
            }
            return;
        }
        let forwarded = if el.is("received", ns::CARBONS) {
            carbons::Received::try_from(el.clone()).ok().map(|r| (r.forwarded, Via::CarbonReceived))
        } else if el.is("sent", ns::CARBONS) {
            carbons::Sent::try_from(el.clone()).ok().map(|s| (s.forwarded, Via::CarbonSent))
        } else {
            None
        };
        if let Some((forwarded, via)) = forwarded {
            let _ = rules::accept_carbon(m.from.as_ref(), &account);
            let inner = forwarded.message;
            let _ = wire::displayed_of(&inner);
            let _ = wire::receipt_of(&inner);
            let stamp = wire::trusted_delay(&inner, &account, now).unwrap_or(now);
            let _ = wire::new_message(&inner, via, stamp, &account, Some(&own));
            return;
        }
    }
    let _ = wire::receipt_of(m);
    let _ = wire::displayed_of(m);
    let stamp = wire::trusted_delay(m, &account, now).unwrap_or(now);
    let _ = wire::new_message(m, Via::Live, stamp, &account, Some(&own));
}

/// Everything the session does with a presence, without I/O.
pub fn presence(p: &Presence) {
    let _ = wire::presence_info(p);
}

/// Everything the session does with an IQ, without I/O.
pub fn iq(iq: &Iq) {
    let (account, own) = (account(), own());
    if let Iq::Result { from, payload, .. } = iq {
        let _ = rules::answers_request(None, from.as_ref(), &account, Some(&own));
        if let Some(payload) = payload {
            let _ = mam::Fin::try_from(payload.clone());
        }
    }
}

/// Routes a stanza as the session does.
pub fn stanza(s: &Stanza) {
    match s {
        Stanza::Message(m) => message(m),
        Stanza::Presence(p) => presence(p),
        Stanza::Iq(i) => iq(i),
    }
}

/// Parses `xml` as a message and routes it.
pub fn message_xml(xml: &str) {
    if let Some(m) = element(xml).and_then(|e| Message::try_from(e).ok()) {
        message(&m);
    }
}
