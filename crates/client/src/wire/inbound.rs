//! Stanzas in: xmpp-parsers' types to the engine's [`Inbound`] facts (XEP-0280 carbons,
//! XEP-0313 archive results, XEP-0060/XEP-0490/XEP-0402 PubSub events and items, XEP-0184
//! receipts, XEP-0333 markers, XEP-0359 ids, XEP-0203 delays, XEP-0319 idle, XEP-0030
//! disco, XEP-0045 occupants, invitations and errors, XEP-0249 direct invitations,
//! XEP-0421 occupant-ids, XEP-0372 mentions, XEP-0308 corrections, XEP-0424 retractions).

use chrono::Utc;
use jid::Jid;
use tandem_core::engine::inbound::{
    Answer, BookmarkFacts, Envelope, Failure, Inbound, InviteFacts, MessageFacts, MessageKind,
    MucFacts, PresenceFacts, PubsubItem, Query, Stamp, MAX_MDS_ITEMS, MAX_REFERENCES,
};
use tandem_core::model::{EditKind, EditOf, Show};
use tokio_xmpp::minidom::Element;
use tokio_xmpp::parsers::{
    bookmarks2, carbons, delay::Delay, disco, displayed_markers, iq::Iq, mam, message::Message,
    message::MessageType, message_displayed, muc, ns, occupant_id, presence, private, pubsub,
    receipts, stanza_error, stanza_id,
};
use tokio_xmpp::Stanza;

use super::handmade::{self, DirectInvite, Reference};

/// The most status codes one occupant presence is read for.
pub const MAX_STATUS_CODES: usize = 16;

/// The most features (and, separately, identities) one disco#info result is read for.
pub const MAX_DISCO_FEATURES: usize = 256;

/// Reads one stanza; `None` (with a logged reason) for what the engine has no use for or
/// what does not parse as what it claims to be.
pub fn inbound(stanza: Stanza) -> Option<Inbound> {
    match stanza {
        Stanza::Message(m) => message(m),
        Stanza::Presence(p) => Some(presence(&p)),
        Stanza::Iq(iq) => Some(iq_in(iq)),
    }
}

/// A message: a wrapper (archive result, carbon, PubSub event) or a message of its own.
pub fn message(m: Message) -> Option<Inbound> {
    for el in &m.payloads {
        if el.is("result", ns::MAM) {
            return archived(&m, el.clone());
        }
        if el.is("received", ns::CARBONS) || el.is("sent", ns::CARBONS) {
            return carbon(&m, el.clone());
        }
        if el.is("event", ns::PUBSUB_EVENT) {
            return pubsub_event(&m, el.clone());
        }
    }
    Some(Inbound::Message(facts(&m)))
}

fn envelope(m: &Message) -> Envelope {
    Envelope {
        from: m.from.clone(),
        delays: delays(&m.payloads),
    }
}

fn archived(outer: &Message, el: Element) -> Option<Inbound> {
    let result = match mam::Result_::try_from(el) {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(error = %e, "dropped malformed archive result");
            return None;
        }
    };
    Some(Inbound::Archived {
        outer: envelope(outer),
        query_id: result.queryid.map(|q| q.0),
        id: result.id,
        delay: result
            .forwarded
            .delay
            .map(|d| d.stamp.0.with_timezone(&Utc)),
        inner: facts(&result.forwarded.message),
    })
}

fn carbon(outer: &Message, el: Element) -> Option<Inbound> {
    let sent = el.is("sent", ns::CARBONS);
    let forwarded = if sent {
        carbons::Sent::try_from(el).map(|s| s.forwarded)
    } else {
        carbons::Received::try_from(el).map(|r| r.forwarded)
    };
    let forwarded = match forwarded {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!(error = %e, "dropped malformed carbon");
            return None;
        }
    };
    Some(Inbound::Carbon {
        outer: envelope(outer),
        sent,
        delay: forwarded.delay.map(|d| d.stamp.0.with_timezone(&Utc)),
        inner: facts(&forwarded.message),
    })
}

fn pubsub_event(outer: &Message, el: Element) -> Option<Inbound> {
    let event = match pubsub::event::Event::try_from(el) {
        Ok(e) => e,
        Err(e) => {
            tracing::debug!(error = %e, "dropped a PubSub event we cannot read");
            return None;
        }
    };
    let pubsub::event::Payload::Items {
        node,
        published,
        retracted,
    } = event.payload
    else {
        return None;
    };
    let items = published
        .into_iter()
        .take(MAX_MDS_ITEMS)
        .map(|item| pubsub_item(item.id, item.payload))
        .collect();
    Some(Inbound::Pubsub {
        outer: envelope(outer),
        node: node.0,
        items,
        retracted: retracted
            .into_iter()
            .take(MAX_MDS_ITEMS)
            .map(|id| id.0)
            .collect(),
    })
}

/// One item of a PubSub event or items result: its id, and what the engine reads of its
/// payload (an MDS `<displayed/>`, a bookmark's `<conference/>`).
fn pubsub_item(id: Option<pubsub::ItemId>, payload: Option<Element>) -> PubsubItem {
    let mut item = PubsubItem {
        id: id.map(|i| i.0),
        ..PubsubItem::default()
    };
    let Some(payload) = payload else {
        return item;
    };
    if payload.is("displayed", ns::MDS) {
        item.displayed = message_displayed::Displayed::try_from(payload)
            .ok()
            .map(|d| (d.stanza_id.by, d.stanza_id.id));
    } else if payload.is("conference", ns::BOOKMARKS2) {
        match bookmarks2::Conference::try_from(payload) {
            Ok(c) => {
                item.bookmark = Some(BookmarkFacts {
                    name: c.name,
                    autojoin: c.autojoin,
                    nick: c.nick.map(|n| n.as_str().to_owned()),
                })
            }
            Err(e) => tracing::debug!(error = %e, "unreadable bookmark"),
        }
    }
    item
}

/// The facts of one message, wrapper or not.
pub fn facts(m: &Message) -> MessageFacts {
    let mut f = MessageFacts {
        from: m.from.clone(),
        to: m.to.clone(),
        id: m.id.as_ref().map(|i| i.0.clone()),
        kind: match m.type_ {
            MessageType::Chat => MessageKind::Chat,
            MessageType::Normal => MessageKind::Normal,
            MessageType::Headline => MessageKind::Headline,
            MessageType::Groupchat => MessageKind::Groupchat,
            MessageType::Error => MessageKind::Error,
        },
        body: m.get_best_body(vec![]).map(|(_, b)| b.clone()),
        delays: delays(&m.payloads),
        ..MessageFacts::default()
    };
    for p in &m.payloads {
        if p.is("stanza-id", ns::SID) {
            if let Ok(s) = stanza_id::StanzaId::try_from(p.clone()) {
                f.stanza_ids.push((s.by, s.id));
            }
        } else if p.is("origin-id", ns::SID) {
            if let Ok(o) = stanza_id::OriginId::try_from(p.clone()) {
                f.origin_id.get_or_insert(o.id);
            }
        } else if p.is("request", ns::RECEIPTS) {
            f.receipt_request = true;
        } else if p.is("received", ns::RECEIPTS) {
            if let Ok(r) = receipts::Received::try_from(p.clone()) {
                f.receipt_of.get_or_insert(r.id);
            }
        } else if p.is("displayed", ns::DISPLAYED_MARKERS) {
            if let Ok(d) = displayed_markers::Displayed::try_from(p.clone()) {
                f.displayed_of.get_or_insert(d.id.0);
            }
        } else if p.is("occupant-id", ns::OID) && f.occupant_id.is_none() {
            f.occupant_id = occupant_id_of(p);
        } else if p.is("reference", handmade::NS_REFERENCE) && f.references.len() < MAX_REFERENCES {
            if let Some(r) = Reference::parse(p).filter(Reference::is_mention) {
                f.references.push(r.uri);
            }
        } else if p.is("x", ns::MUC_USER) && f.invite.is_none() {
            f.invite = mediated_invite(m, p);
        } else if p.is("replace", ns::MESSAGE_CORRECT) && f.edit.is_none() {
            f.edit = p
                .attr("id")
                .filter(|id| !id.is_empty() && id.len() <= handmade::MAX_EDIT_ID)
                .map(|id| EditOf {
                    target: id.to_owned(),
                    kind: EditKind::Corrected,
                });
        } else if let Some(id) = handmade::retraction_of(p) {
            // A retraction outranks a correction in the same message.
            f.edit = Some(EditOf {
                target: id.to_owned(),
                kind: EditKind::Retracted,
            });
        } else if p.is("x", handmade::NS_CONFERENCE) && f.invite.is_none() {
            f.invite = DirectInvite::parse(p).map(|d| InviteFacts {
                room: d.room,
                from: m.from.clone(),
                reason: d.reason,
                direct: true,
            });
        }
    }
    f.subject = !m.subjects.is_empty();
    f
}

/// A XEP-0045 §7.8.2 invitation the room forwards: the room is the message's sender.
fn mediated_invite(m: &Message, muc_user: &Element) -> Option<InviteFacts> {
    let room = m.from.as_ref()?.to_bare();
    let invite = muc_user.get_child("invite", ns::MUC_USER)?;
    match muc::user::Invite::try_from(invite.clone()) {
        Ok(invite) => Some(InviteFacts {
            room,
            from: invite.from,
            reason: invite.reason.map(|r| r.trim().to_owned()),
            direct: false,
        }),
        Err(e) => {
            tracing::debug!(error = %e, "unreadable room invitation");
            None
        }
    }
}

fn occupant_id_of(el: &Element) -> Option<String> {
    occupant_id::OccupantId::try_from(el.clone())
        .ok()
        .map(|o| o.id)
}

fn delays(payloads: &[Element]) -> Vec<Stamp> {
    payloads
        .iter()
        .filter(|e| e.is("delay", ns::DELAY))
        .filter_map(|e| Delay::try_from(e.clone()).ok())
        .map(|d| Stamp {
            at: d.stamp.0.with_timezone(&Utc),
            from: d.from,
        })
        .collect()
}

/// A presence: available (with its show) or unavailable, with a room's word on the occupant
/// where it comes from a room; an error (a failed room join); anything else only for its
/// delays.
pub fn presence(p: &presence::Presence) -> Inbound {
    let show = match p.type_ {
        presence::Type::None => match p.show {
            None => Show::Available,
            Some(presence::Show::Chat) => Show::Chat,
            Some(presence::Show::Away) => Show::Away,
            Some(presence::Show::Xa) => Show::Xa,
            Some(presence::Show::Dnd) => Show::Dnd,
        },
        presence::Type::Unavailable => Show::Unavailable,
        presence::Type::Error => {
            return Inbound::PresenceError {
                from: p.from.clone(),
                failure: presence_failure(p),
            }
        }
        _ => {
            return Inbound::OtherPresence {
                delays: delays(&p.payloads),
            }
        }
    };
    Inbound::Presence(PresenceFacts {
        from: p.from.clone(),
        show,
        delays: delays(&p.payloads),
        idle: p.payloads.iter().any(|e| e.is("idle", ns::IDLE)),
        muc: muc_facts(p),
    })
}

/// A XEP-0045 role as its attribute value (`moderator`).
fn role_name(role: &muc::user::Role) -> &'static str {
    use muc::user::Role;
    match role {
        Role::Moderator => "moderator",
        Role::Participant => "participant",
        Role::Visitor => "visitor",
        Role::None => "none",
    }
}

/// A XEP-0045 affiliation as its attribute value (`owner`).
fn affiliation_name(affiliation: &muc::user::Affiliation) -> &'static str {
    use muc::user::Affiliation;
    match affiliation {
        Affiliation::Owner => "owner",
        Affiliation::Admin => "admin",
        Affiliation::Member => "member",
        Affiliation::Outcast => "outcast",
        Affiliation::None => "none",
    }
}

/// Why a presence of type `error` failed; `undefined-condition` when its `<error/>` is
/// missing or unreadable.
fn presence_failure(p: &presence::Presence) -> Failure {
    let error = p
        .payloads
        .iter()
        .find(|e| e.is("error", ns::DEFAULT_NS))
        .map(|e| stanza_error::StanzaError::try_from(e.clone()));
    match error {
        Some(Ok(error)) => failure(&error),
        other => {
            if let Some(Err(e)) = other {
                tracing::debug!(error = %e, "unreadable presence error");
            }
            Failure {
                condition: "undefined-condition".to_owned(),
            }
        }
    }
}

/// The room's `<x xmlns='…muc#user'/>` in an occupant's presence, with its occupant-id.
fn muc_facts(p: &presence::Presence) -> Option<MucFacts> {
    let x = p.payloads.iter().find(|e| e.is("x", ns::MUC_USER))?;
    let codes: Vec<u16> = x
        .children()
        .filter(|c| c.is("status", ns::MUC_USER))
        .filter_map(|c| c.attr("code")?.parse().ok())
        .take(MAX_STATUS_CODES)
        .collect();
    let mut f = MucFacts {
        role: role_name(&muc::user::Role::None).to_owned(),
        affiliation: affiliation_name(&muc::user::Affiliation::None).to_owned(),
        destroyed: handmade::destroy_reason(x),
        occupant_id: p
            .payloads
            .iter()
            .find(|e| e.is("occupant-id", ns::OID))
            .and_then(occupant_id_of),
        ..MucFacts::default()
    };
    let mut nick = None;
    if let Some(item) = x.get_child("item", ns::MUC_USER) {
        match muc::user::Item::try_from(item.clone()) {
            Ok(item) => {
                f.role = role_name(&item.role).to_owned();
                f.affiliation = affiliation_name(&item.affiliation).to_owned();
                f.jid = item.jid.map(Jid::from);
                nick = item.nick;
            }
            Err(e) => {
                // Rooms are lenient where xmpp-parsers is not (a bare `jid`): read what can
                // be read, each value still one XEP-0045 knows.
                tracing::debug!(error = %e, "occupant item read leniently");
                if let Some(role) = item
                    .attr("role")
                    .and_then(|r| r.parse::<muc::user::Role>().ok())
                {
                    f.role = role_name(&role).to_owned();
                }
                if let Some(affiliation) = item
                    .attr("affiliation")
                    .and_then(|a| a.parse::<muc::user::Affiliation>().ok())
                {
                    f.affiliation = affiliation_name(&affiliation).to_owned();
                }
                f.jid = item.attr("jid").and_then(|j| Jid::new(j).ok());
                nick = item.attr("nick").map(str::to_owned);
            }
        }
    }
    // The item's nick is the new one only in a nick change (XEP-0045 §7.6).
    if codes.contains(&303) {
        f.new_nick = nick;
    }
    f.codes = codes;
    Some(f)
}

fn iq_in(iq: Iq) -> Inbound {
    match iq {
        Iq::Get {
            from, id, payload, ..
        } => {
            let query = if payload.is("query", ns::DISCO_INFO) {
                Query::DiscoInfo {
                    node: payload.attr("node").map(str::to_owned),
                }
            } else if payload.is("ping", ns::PING) {
                Query::Ping
            } else {
                Query::Other
            };
            Inbound::Get { from, id, query }
        }
        Iq::Set {
            from, id, payload, ..
        } => Inbound::Set {
            from,
            id,
            roster: payload.is("query", ns::ROSTER),
        },
        Iq::Result {
            from, id, payload, ..
        } => Inbound::Result {
            from,
            id,
            answer: payload.map_or(Answer::Empty, answer),
        },
        Iq::Error {
            from, id, error, ..
        } => Inbound::Error {
            from,
            id,
            failure: failure(&error),
        },
    }
}

fn answer(payload: Element) -> Answer {
    if payload.is("fin", ns::MAM) {
        match mam::Fin::try_from(payload) {
            Ok(fin) => Answer::Fin {
                last: fin.set.last,
                complete: fin.complete,
            },
            Err(e) => {
                tracing::warn!(error = %e, "malformed archive <fin/>");
                Answer::Malformed
            }
        }
    } else if payload.is("query", ns::DISCO_INFO) {
        match disco::DiscoInfoResult::try_from(payload) {
            Ok(info) => Answer::DiscoInfo {
                identities: info
                    .identities
                    .into_iter()
                    .take(MAX_DISCO_FEATURES)
                    .map(|i| (i.category, i.type_))
                    .collect(),
                features: info.features.into_iter().take(MAX_DISCO_FEATURES).collect(),
            },
            Err(e) => {
                tracing::debug!(error = %e, "malformed disco#info result");
                Answer::Malformed
            }
        }
    } else if payload.is("pubsub", ns::PUBSUB) && payload.get_child("items", ns::PUBSUB).is_some() {
        // A XEP-0060 §6.5 items result (our bookmarks); other PubSub results (a publish's)
        // carry nothing the engine reads.
        match pubsub::PubSub::try_from(payload) {
            Ok(pubsub::PubSub::Items(items)) => Answer::Items(
                items
                    .items
                    .into_iter()
                    .take(MAX_MDS_ITEMS)
                    .map(|item| pubsub_item(item.id, item.payload))
                    .collect(),
            ),
            Ok(_) => Answer::Empty,
            Err(e) => {
                tracing::debug!(error = %e, "malformed PubSub items result");
                Answer::Malformed
            }
        }
    } else if payload.is("query", ns::PRIVATE) {
        // XEP-0048 bookmarks in private storage (XEP-0049): servers without XEP-0402.
        match private::Query::try_from(payload) {
            Ok(q) => Answer::Items(
                q.storage
                    .conferences
                    .into_iter()
                    .take(MAX_MDS_ITEMS)
                    .map(|c| PubsubItem {
                        id: Some(c.jid.to_string()),
                        displayed: None,
                        bookmark: Some(BookmarkFacts {
                            name: c.name,
                            autojoin: c.autojoin,
                            nick: c.nick.map(|n| n.to_string()),
                        }),
                    })
                    .collect(),
            ),
            Err(e) => {
                tracing::debug!(error = %e, "malformed private storage result");
                Answer::Malformed
            }
        }
    } else {
        Answer::Empty
    }
}

/// The defined condition as its element name (`item-not-found`).
fn failure(error: &stanza_error::StanzaError) -> Failure {
    Failure {
        condition: Element::from(error.defined_condition.clone())
            .name()
            .to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn stanza(xml: &str) -> Inbound {
        let el = Element::from_str(xml).expect("example XML");
        inbound(Stanza::try_from(el).expect("a stanza")).expect("read")
    }

    #[test]
    fn xep_0280_received_carbon() {
        // XEP-0280 example 12.
        let got = stanza(
            "<message xmlns='jabber:client' from='romeo@montague.example' \
               to='romeo@montague.example/home' type='chat'>\
               <received xmlns='urn:xmpp:carbons:2'>\
                 <forwarded xmlns='urn:xmpp:forward:0'>\
                   <message xmlns='jabber:client' from='juliet@capulet.example/balcony' \
                     to='romeo@montague.example/garden' type='chat'>\
                     <body>What man art thou that, thus bescreen'd in night, so stumblest on my counsel?</body>\
                     <thread>0e3141cd80894871a68e6fe6b1ec56fa</thread>\
                   </message>\
                 </forwarded>\
               </received>\
             </message>",
        );
        let Inbound::Carbon {
            outer, sent, inner, ..
        } = got
        else {
            panic!("a carbon: {got:?}")
        };
        assert!(!sent);
        assert_eq!(
            outer.from.map(|j| j.to_string()).as_deref(),
            Some("romeo@montague.example")
        );
        assert_eq!(
            inner.from.map(|j| j.to_string()).as_deref(),
            Some("juliet@capulet.example/balcony")
        );
        assert!(inner
            .body
            .is_some_and(|b| b.starts_with("What man art thou")));
    }

    #[test]
    fn xep_0313_archive_result() {
        // XEP-0313 example 4 (with a delay, as every archive result carries).
        let got = stanza(
            "<message xmlns='jabber:client' id='aeb213' to='juliet@capulet.lit/chamber'>\
               <result xmlns='urn:xmpp:mam:2' queryid='f27' id='28482-98726-73623'>\
                 <forwarded xmlns='urn:xmpp:forward:0'>\
                   <delay xmlns='urn:xmpp:delay' stamp='2010-07-10T23:08:25Z'/>\
                   <message xmlns='jabber:client' to='juliet@capulet.lit/balcony' \
                     from='romeo@montague.lit/orchard' type='chat'>\
                     <body>Call me but love, and I'll be new baptized; Henceforth I never will be Romeo.</body>\
                   </message>\
                 </forwarded>\
               </result>\
             </message>",
        );
        let Inbound::Archived {
            query_id,
            id,
            delay,
            inner,
            ..
        } = got
        else {
            panic!("an archive result: {got:?}")
        };
        assert_eq!(query_id.as_deref(), Some("f27"));
        assert_eq!(id, "28482-98726-73623");
        assert_eq!(
            delay.map(|d| d.to_rfc3339()).as_deref(),
            Some("2010-07-10T23:08:25+00:00")
        );
        assert_eq!(inner.kind, MessageKind::Chat);
    }

    #[test]
    fn xep_0490_mds_event() {
        // XEP-0490 example 5.
        let got = stanza(
            "<message xmlns='jabber:client' from='juliet@capulet.lit' to='juliet@capulet.lit/balcony' type='headline'>\
               <event xmlns='http://jabber.org/protocol/pubsub#event'>\
                 <items node='urn:xmpp:mds:displayed:0'>\
                   <item id='romeo@montague.lit'>\
                     <displayed xmlns='urn:xmpp:mds:displayed:0'>\
                       <stanza-id xmlns='urn:xmpp:sid:0' id='0f710f2b-52ed-4d52-b928-784dad74a52b' by='juliet@capulet.lit'/>\
                     </displayed>\
                   </item>\
                 </items>\
               </event>\
             </message>",
        );
        let Inbound::Pubsub { node, items, .. } = got else {
            panic!("a PubSub event: {got:?}")
        };
        assert_eq!(node, "urn:xmpp:mds:displayed:0");
        assert_eq!(items[0].id.as_deref(), Some("romeo@montague.lit"));
        let (by, id) = items[0].displayed.clone().expect("a stanza-id");
        assert_eq!(by.to_string(), "juliet@capulet.lit");
        assert_eq!(id, "0f710f2b-52ed-4d52-b928-784dad74a52b");
    }

    #[test]
    fn xep_0184_receipt_and_xep_0333_marker() {
        // XEP-0184 example 2; XEP-0333 example 4.
        let Inbound::Message(receipt) = stanza(
            "<message xmlns='jabber:client' from='kingrichard@royalty.england.lit/throne' id='bi29sg183b4v' \
               to='northumberland@shakespeare.lit/westminster'>\
               <received xmlns='urn:xmpp:receipts' id='richard2-4.1.247'/>\
             </message>",
        ) else {
            panic!("a message")
        };
        assert_eq!(receipt.receipt(), Some("richard2-4.1.247"));
        let Inbound::Message(marker) = stanza(
            "<message xmlns='jabber:client' from='kingrichard@royalty.england.lit/throne' \
               to='northumberland@shakespeare.lit/westminster' id='message-2'>\
               <displayed xmlns='urn:xmpp:chat-markers:0' id='message-1'/>\
             </message>",
        ) else {
            panic!("a message")
        };
        assert_eq!(marker.marker(), Some("message-1"));
    }

    #[test]
    fn xep_0359_ids_and_xep_0203_delay() {
        let Inbound::Message(m) = stanza(
            "<message xmlns='jabber:client' from='bob@example.net/desk' to='alice@example.org' type='chat' id='m1'>\
               <body>hi</body>\
               <stanza-id xmlns='urn:xmpp:sid:0' id='forged' by='alice@example.org'/>\
               <stanza-id xmlns='urn:xmpp:sid:0' id='real' by='alice@example.org'/>\
               <origin-id xmlns='urn:xmpp:sid:0' id='o1'/>\
               <request xmlns='urn:xmpp:receipts'/>\
               <delay xmlns='urn:xmpp:delay' from='example.org' stamp='2002-09-10T23:08:25Z'/>\
             </message>",
        ) else {
            panic!("a message")
        };
        assert_eq!(
            m.stanza_ids.len(),
            2,
            "both claims reach the engine, which trusts neither"
        );
        assert_eq!(m.origin_id.as_deref(), Some("o1"));
        assert!(m.receipt_request);
        assert_eq!(
            m.delays[0].from.as_ref().map(|j| j.to_string()).as_deref(),
            Some("example.org")
        );
    }

    #[test]
    fn xep_0319_idle_presence() {
        // XEP-0319 example 1.
        let got = stanza(
            "<presence xmlns='jabber:client' from='juliet@capulet.com/balcony'>\
               <show>away</show>\
               <idle xmlns='urn:xmpp:idle:1' since='1969-07-21T02:56:15Z'/>\
             </presence>",
        );
        assert_eq!(
            got,
            Inbound::Presence(PresenceFacts {
                from: Some(jid::Jid::new("juliet@capulet.com/balcony").expect("jid")),
                show: Show::Away,
                delays: vec![],
                idle: true,
                muc: None,
            })
        );
    }

    #[test]
    fn iq_errors_name_their_condition() {
        let got = stanza(
            "<iq xmlns='jabber:client' type='error' id='q1' from='alice@example.org'>\
               <error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>\
             </iq>",
        );
        let Inbound::Error { failure, .. } = got else {
            panic!("an error")
        };
        assert!(failure.item_not_found());
    }
}
