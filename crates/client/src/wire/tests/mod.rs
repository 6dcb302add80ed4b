//! Group chat on the wire, with the XEPs' own examples: XEP-0045 (occupant presences, errors,
//! invitations, join, leave, configuration), XEP-0402 (bookmark events, retractions, the
//! items result, the publish), XEP-0421 occupant-ids, XEP-0372 mentions, XEP-0249 direct
//! invitations, XEP-0410 self-ping, and our disco#info and caps.

use std::str::FromStr;

use jid::{BareJid, FullJid, Jid};
use tandem_core::catchup::PageRequest;
use tandem_core::engine::inbound::{
    Answer, Inbound, InviteFacts, MessageKind, MucFacts, MAX_MDS_ITEMS, MAX_REFERENCES,
};
use tandem_core::engine::outbound::{Chat, Outbound, Request};
use tandem_core::model::{DeviceType, EditKind, EditOf, Show};
use tokio_xmpp::minidom::Element;
use tokio_xmpp::parsers::message::Message;
use tokio_xmpp::parsers::{caps, hashes, ns};
use tokio_xmpp::Stanza;

use super::handmade::{self, NS_CONFERENCE, NS_MUC_OWNER, NS_MUC_ROOMCONFIG};
use super::inbound::{facts, MAX_DISCO_FEATURES, MAX_STATUS_CODES};
use super::outbound::{chat, disco_info, BOOKMARKS_NODE_NOTIFY, CAPS_NODE, MDS_NODE_NOTIFY};
use super::{inbound, outbound, Wire};

fn stanza(xml: &str) -> Inbound {
    let el = Element::from_str(xml).expect("example XML");
    inbound(Stanza::try_from(el).expect("a stanza")).expect("read")
}

fn xml(w: Wire) -> Element {
    match w {
        Wire::Stanza(s) => Element::from(*s),
        Wire::Nonza(x) => Element::from_str(&x).expect("XML"),
    }
}

fn jid(s: &str) -> Jid {
    Jid::new(s).expect("jid")
}

fn bare(s: &str) -> BareJid {
    BareJid::new(s).expect("bare jid")
}

fn full(s: &str) -> FullJid {
    FullJid::new(s).expect("full jid")
}

/// The occupant facts of a presence, with its show.
fn occupant(xml: &str) -> (Show, MucFacts) {
    match stanza(xml) {
        Inbound::Presence(p) => (p.show, p.muc.expect("muc#user read")),
        other => panic!("a presence: {other:?}"),
    }
}

/// The names of an element's children, in order (without the `<priority>0</priority>`
/// xmpp-parsers writes into every presence: RFC 6121's default, the same as none).
fn child_names(el: &Element) -> Vec<(String, String)> {
    el.children()
        .filter(|c| !(c.is("priority", ns::DEFAULT_NS) && c.text() == "0"))
        .map(|c| (c.name().to_owned(), c.ns()))
        .collect()
}

/// A data form's fields, as (var, first value).
fn form_fields(form: &Element) -> Vec<(String, String)> {
    form.children()
        .filter(|f| f.is("field", ns::DATA_FORMS))
        .map(|f| {
            (
                f.attr("var").unwrap_or_default().to_owned(),
                f.get_child("value", ns::DATA_FORMS)
                    .map(|v| v.text())
                    .unwrap_or_default(),
            )
        })
        .collect()
}

// --- XEP-0045 occupant presences ---

mod reading;
mod writing;
