//! Conversion from xmpp-parsers' wire types to Tandem's model, in one place.
//!
//! Every function here takes what the server delivered and returns model values (or
//! nothing), never panics and never trusts more than the rules in `tandem_core::rules`
//! allow: it is the surface the fuzz targets in `fuzz/` drive with arbitrary input. The
//! session actor calls these and only these to read stanzas.

use chrono::{DateTime, Utc};
use jid::{BareJid, FullJid, Jid};
use tandem_core::model::{Direction, NewMessage, Show, Via};
use tandem_core::rules;
use tokio_xmpp::minidom::Element;
use tokio_xmpp::parsers::{
    delay::Delay, displayed_markers, message::Message, ns, presence, receipts, stanza_id,
};

/// The PEP node of XEP-0490 Message Displayed Synchronization.
pub const MDS_NODE: &str = "urn:xmpp:mds:displayed:0";

/// The most MDS items one event is read for: a PEP event carries one item (the publish);
/// a flood of items must not turn into a flood of history lookups.
pub const MAX_MDS_ITEMS: usize = 64;

/// Converts a one-to-one message with a body into what the store keeps, seen from
/// `account` on the device bound as `own`; `None` for anything else (no body, not one
/// of our conversations).
pub fn new_message(
    m: &Message,
    via: Via,
    stamp: DateTime<Utc>,
    account: &BareJid,
    own: Option<&FullJid>,
) -> Option<NewMessage> {
    let (_, body) = m.get_best_body(vec![])?;
    if body.is_empty() {
        return None;
    }
    let cp = match rules::counterpart(m.from.as_ref(), m.to.as_ref(), account) {
        Ok(cp) => cp,
        Err(rejection) => {
            tracing::warn!(%rejection, "dropped message");
            return None;
        }
    };
    let mut stanza_ids = Vec::new();
    let mut origin_id = None;
    for p in &m.payloads {
        if p.is("stanza-id", ns::SID) {
            if let Ok(s) = stanza_id::StanzaId::try_from(p.clone()) {
                stanza_ids.push((s.by, s.id));
            }
        } else if p.is("origin-id", ns::SID) {
            if let Ok(o) = stanza_id::OriginId::try_from(p.clone()) {
                origin_id = Some(o.id);
            }
        }
    }
    let keys = rules::dedup_keys(
        stanza_ids.iter().map(|(by, id)| (by, id.as_str())),
        origin_id.as_deref(),
        account,
    );
    let from = match (&m.from, cp.direction) {
        (Some(f), _) => f.clone(),
        (None, Direction::Out) => own
            .cloned()
            .map(Jid::from)
            .unwrap_or_else(|| Jid::from(account.clone())),
        (None, Direction::In) => Jid::from(account.clone()),
    };
    Some(NewMessage {
        peer: cp.peer,
        from,
        direction: cp.direction,
        body: body.clone(),
        timestamp: server_second(stamp),
        via,
        keys,
        stanza_attr_id: m.id.as_ref().map(|i| i.0.clone()),
    })
}

/// The message a XEP-0184 receipt confirms (a receipt carries no body).
pub fn receipt_of(m: &Message) -> Option<String> {
    m.payloads
        .iter()
        .find(|p| p.is("received", ns::RECEIPTS))
        .and_then(|p| receipts::Received::try_from(p.clone()).ok())
        .map(|r| r.id)
        .filter(|_| m.bodies.is_empty())
}

/// The time our own server vouches for (XEP-0203), never later than `now`: a delay counts
/// only when our server stamped it (`from` our domain, as on offline messages, or our bare
/// JID, as on what quiet mode held back). A contact's own `<delay/>` is attacker-chosen: a
/// 2099 stamp made every later message of the conversation look already read, and a 1970
/// one pinned a message to the top; such a message is stamped with its arrival.
pub fn trusted_delay(m: &Message, account: &BareJid, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    m.payloads
        .iter()
        .filter(|p| p.is("delay", ns::DELAY))
        .filter_map(|p| Delay::try_from(p.clone()).ok())
        .find(|d| {
            d.from
                .as_ref()
                .is_some_and(|from| rules::vouched_by_our_server(from, account))
        })
        .map(|d| d.stamp.0.with_timezone(&Utc).min(now))
}

/// The message a XEP-0333 displayed marker names.
pub fn displayed_of(m: &Message) -> Option<String> {
    m.payloads
        .iter()
        .find(|p| p.is("displayed", ns::DISPLAYED_MARKERS))
        .and_then(|p| displayed_markers::Displayed::try_from(p.clone()).ok())
        .map(|d| d.id.0)
}

/// The read positions in a XEP-0490 PEP event: (conversation, stanza-id by our account),
/// for items of the MDS node whose stanza-id our own server stamped.
pub fn mds_items(event: &Element, account: &BareJid) -> Vec<(BareJid, String)> {
    let Some(items) = event
        .children()
        .find(|c| c.is("items", ns::PUBSUB_EVENT) && c.attr("node") == Some(MDS_NODE))
    else {
        return Vec::new();
    };
    let by = account.to_string();
    items
        .children()
        .filter(|c| c.is("item", ns::PUBSUB_EVENT))
        .take(MAX_MDS_ITEMS)
        .filter_map(|item| {
            let peer = item.attr("id").and_then(|id| BareJid::new(id).ok())?;
            let id = item
                .get_child("displayed", MDS_NODE)
                .and_then(|d| d.get_child("stanza-id", ns::SID))
                .filter(|s| s.attr("by") == Some(by.as_str()))
                .and_then(|s| s.attr("id"))
                .filter(|id| !id.is_empty())?;
            Some((peer, id.to_owned()))
        })
        .collect()
}

/// What a presence says about its sender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresenceInfo {
    /// Available (with its show) or unavailable.
    pub show: Show,
    /// When it was sent, if it was held back or replayed (XEP-0203).
    pub delay: Option<DateTime<Utc>>,
    /// It carries XEP-0319 idle (the device went to the background).
    pub idle: bool,
}

/// Reads an available or unavailable presence; `None` for subscriptions, probes and errors.
pub fn presence_info(p: &presence::Presence) -> Option<PresenceInfo> {
    let show = match p.type_ {
        presence::Type::None => match p.show {
            None => Show::Available,
            Some(presence::Show::Chat) => Show::Chat,
            Some(presence::Show::Away) => Show::Away,
            Some(presence::Show::Xa) => Show::Xa,
            Some(presence::Show::Dnd) => Show::Dnd,
        },
        presence::Type::Unavailable => Show::Unavailable,
        _ => return None,
    };
    let delay = p
        .payloads
        .iter()
        .find(|e| e.is("delay", ns::DELAY))
        .and_then(|e| Delay::try_from(e.clone()).ok())
        .map(|d| d.stamp.0.with_timezone(&Utc));
    Some(PresenceInfo {
        show,
        delay,
        idle: p.payloads.iter().any(|e| e.is("idle", ns::IDLE)),
    })
}

/// Archive stamps (XEP-0203 delays) carry whole seconds, while live messages are stamped
/// with our clock. Keeping every timestamp to the second makes copies from both sources sort
/// together; within a second, history falls back to arrival order.
pub fn server_second(t: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::SubsecRound;
    t.trunc_subsecs(0)
}
