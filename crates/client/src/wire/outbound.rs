//! Stanzas out: the engine's [`Outbound`] values to xmpp-parsers' types (XEP-0280 carbons,
//! XEP-0313 queries (ours and a room's), XEP-0060 items and publish with publish-options for
//! XEP-0490 and XEP-0402, XEP-0352 client state, XEP-0115 caps, XEP-0319 idle, XEP-0184,
//! XEP-0333, XEP-0359, XEP-0045 join, leave, invite and configuration, XEP-0410 self-ping,
//! XEP-0308 corrections, XEP-0424 retractions).

use jid::{BareJid, Jid};
use tandem_core::engine::inbound::MessageKind;
use tandem_core::engine::outbound::{Chat, Outbound, Reply, Request};
use tandem_core::engine::MDS_NODE;
use tandem_core::model::{DeviceType, EditKind, EditOf, Show};
use tokio_xmpp::minidom::{rxml, Element};
use tokio_xmpp::parsers::{
    bookmarks, bookmarks2, caps, carbons, csi, data_forms, date::DateTime, disco,
    displayed_markers, hashes, idle, iq::Iq, jid::ResourcePart, mam, message::Id, message::Message,
    message::MessageType, message_correct, message_displayed, muc, ns, ping, presence, private,
    pubsub, receipts, roster, rsm, stanza_error, stanza_id,
};
use tokio_xmpp::Stanza;

use super::handmade;

/// Node advertised in our entity capabilities (XEP-0115).
pub const CAPS_NODE: &str = "https://tandem.chat";

/// The feature by which we ask for MDS notifications (XEP-0490, XEP-0163 `+notify`).
pub const MDS_NODE_NOTIFY: &str = "urn:xmpp:mds:displayed:0+notify";

/// The feature by which we ask for bookmark notifications (XEP-0402, XEP-0163 `+notify`).
pub const BOOKMARKS_NODE_NOTIFY: &str = "urn:xmpp:bookmarks:1+notify";

/// What goes on the wire: a stanza, or a nonza that tokio-xmpp cannot send itself
/// (XEP-0352 client state, sent through the project's transport).
#[derive(Debug)]
pub enum Wire {
    /// A stanza, through tokio-xmpp's stream (counted by stream management).
    Stanza(Box<Stanza>),
    /// A nonza's XML, through the transport.
    Nonza(String),
}

/// Converts one outbound value.
pub fn outbound(o: Outbound) -> Wire {
    match o {
        Outbound::Receipt { to, id, of, kind } => {
            let mut ack = Message::new(Some(to));
            ack.type_ = message_type(kind);
            ack.id = Some(Id(id));
            ack.payloads.push(receipts::Received { id: of }.into());
            Wire::Stanza(Box::new(ack.into()))
        }
        Outbound::Displayed { to, id, of } => {
            let mut marker = Message::chat(Some(Jid::from(to)));
            marker.id = Some(Id(id));
            marker
                .payloads
                .push(displayed_markers::Displayed { id: Id(of) }.into());
            Wire::Stanza(Box::new(marker.into()))
        }
        Outbound::Presence {
            show,
            idle_since,
            device,
        } => Wire::Stanza(Box::new(presence_of(show, idle_since, device).into())),
        Outbound::JoinRoom { to } => {
            let join = muc::Muc::new().with_history(muc::muc::History::new().with_maxstanzas(0));
            Wire::Stanza(Box::new(
                presence::Presence::available()
                    .with_to(to)
                    .with_payload(join)
                    .into(),
            ))
        }
        Outbound::LeaveRoom { to } => Wire::Stanza(Box::new(
            presence::Presence::unavailable().with_to(to).into(),
        )),
        Outbound::InviteToRoom { room, invitee } => {
            Wire::Stanza(Box::new(invite(room, invitee).into()))
        }
        Outbound::ClientState { active } => {
            let el: Element = if active {
                csi::Active.into()
            } else {
                csi::Inactive.into()
            };
            Wire::Nonza(String::from(&el))
        }
        Outbound::Request { id, to, request } => {
            Wire::Stanza(Box::new(request_iq(id, to, request).into()))
        }
        Outbound::Reply { to, id, reply } => Wire::Stanza(Box::new(
            match reply {
                Reply::Empty => Iq::empty_result(to, id),
                Reply::DiscoInfo { node, device } => {
                    Iq::from_result(id, Some(disco_info(device, node))).with_to(to)
                }
                Reply::ServiceUnavailable => Iq::from_error(
                    id,
                    stanza_error::StanzaError::new(
                        stanza_error::ErrorType::Cancel,
                        stanza_error::DefinedCondition::ServiceUnavailable,
                        "en",
                        "",
                    ),
                )
                .with_to(to),
            }
            .into(),
        )),
    }
}

/// A chat message of ours: the body, origin-id, a receipt request and `<markable/>`; to a
/// room (`MessageKind::Groupchat`), a `type='groupchat'` message to its bare JID with the
/// body, origin-id and `<markable/>` but no receipt request (XEP-0184: not in rooms).
pub fn chat(c: &Chat) -> Message {
    if let Some(edit) = &c.edit {
        return edit_message(c, edit);
    }
    let mut m = match c.kind {
        MessageKind::Groupchat => Message::groupchat(Some(Jid::from(c.to.to_bare())))
            .with_body(Default::default(), c.body.clone())
            .with_payload(stanza_id::OriginId { id: c.id.clone() }),
        _ => Message::chat(Some(c.to.clone()))
            .with_body(Default::default(), c.body.clone())
            .with_payload(stanza_id::OriginId { id: c.id.clone() })
            .with_payload(receipts::Request),
    }
    .with_payload(displayed_markers::Markable);
    m.id = Some(Id(c.id.clone()));
    m
}

/// A correction (XEP-0308 `<replace id='…'/>`) or retraction (XEP-0424 `<retract id='…'/>`
/// with its fallback body marked as such, and a hint to archive it) of a message of ours.
/// Neither asks for a receipt or a marker: it is not a message of its own.
fn edit_message(c: &Chat, edit: &EditOf) -> Message {
    let mut m = match c.kind {
        MessageKind::Groupchat => Message::groupchat(Some(Jid::from(c.to.to_bare()))),
        _ => Message::chat(Some(c.to.clone())),
    }
    .with_body(Default::default(), c.body.clone())
    .with_payload(stanza_id::OriginId { id: c.id.clone() });
    match edit.kind {
        EditKind::Corrected => m.payloads.push(
            message_correct::Replace {
                id: Id(edit.target.clone()),
            }
            .into(),
        ),
        EditKind::Retracted => {
            m.payloads.push(
                Element::builder("retract", handmade::NS_RETRACT)
                    .attr(rxml::xml_ncname!("id").into(), edit.target.as_str())
                    .build(),
            );
            m.payloads.push(
                Element::builder("fallback", handmade::NS_FALLBACK)
                    .attr(rxml::xml_ncname!("for").into(), handmade::NS_RETRACT)
                    .build(),
            );
            m.payloads
                .push(Element::builder("store", handmade::NS_HINTS).build());
        }
    }
    m.id = Some(Id(c.id.clone()));
    m
}

/// A XEP-0045 §7.8.2 mediated invitation: `<x xmlns='…muc#user'><invite to='…'/></x>`,
/// sent to the room, which forwards it.
fn invite(room: BareJid, invitee: BareJid) -> Message {
    let mut m = Message::normal(Some(Jid::from(room)));
    m.id = Some(Id(uuid::Uuid::new_v4().to_string()));
    m.payloads.push(
        muc::MucUser {
            invite: Some(muc::user::Invite {
                from: None,
                to: Some(Jid::from(invitee)),
                reason: None,
            }),
            ..muc::MucUser::default()
        }
        .into(),
    );
    m
}

fn message_type(kind: MessageKind) -> MessageType {
    match kind {
        MessageKind::Chat => MessageType::Chat,
        MessageKind::Normal => MessageType::Normal,
        MessageKind::Headline => MessageType::Headline,
        MessageKind::Groupchat => MessageType::Groupchat,
        MessageKind::Error => MessageType::Error,
    }
}

/// Our disco#info: what this device is and the features it implements.
pub fn disco_info(device: DeviceType, node: Option<String>) -> disco::DiscoInfoResult {
    disco::DiscoInfoResult {
        node,
        identities: vec![disco::Identity::new(
            "client",
            device.identity_type(),
            "en",
            "Tandem",
        )],
        features: [
            ns::DISCO_INFO,
            ns::CAPS,
            ns::RECEIPTS,
            ns::DISPLAYED_MARKERS,
            ns::SID,
            ns::PING,
            ns::MUC,
            handmade::NS_CONFERENCE,
            ns::MESSAGE_CORRECT,
            handmade::NS_RETRACT,
            MDS_NODE_NOTIFY,
            BOOKMARKS_NODE_NOTIFY,
        ]
        .into_iter()
        .map(str::to_owned)
        .collect(),
        extensions: vec![],
    }
}

fn presence_of(
    show: Show,
    idle_since: Option<chrono::DateTime<chrono::Utc>>,
    device: DeviceType,
) -> presence::Presence {
    let mut p = presence::Presence::available();
    p.show = match show {
        Show::Away => Some(presence::Show::Away),
        Show::Xa => Some(presence::Show::Xa),
        Show::Dnd => Some(presence::Show::Dnd),
        Show::Chat => Some(presence::Show::Chat),
        Show::Available | Show::Unavailable => None,
    };
    if let Ok(hash) = caps::hash_caps(
        &caps::compute_disco(&disco_info(device, None)),
        hashes::Algo::Sha_1,
    ) {
        p.add_payload(caps::Caps::new(CAPS_NODE, hash));
    }
    if let Some(since) = idle_since {
        p.add_payload(idle::Idle {
            since: DateTime(since.fixed_offset()),
        });
    }
    p
}

fn request_iq(id: String, to: Option<Jid>, request: Request) -> Iq {
    let iq = match request {
        Request::Carbons(true) => Iq::from_set(id, carbons::Enable),
        Request::Carbons(false) => Iq::from_set(id, carbons::Disable),
        Request::Roster => Iq::from_get(
            id,
            roster::Roster {
                ver: None,
                items: vec![],
            },
        ),
        // A room's archive is queried like ours, only sent to the room (`to`).
        Request::ArchivePage(page) | Request::RoomPage(page) => {
            Iq::from_set(id, archive_query(page))
        }
        Request::DiscoInfo | Request::RoomInfo => {
            Iq::from_get(id, disco::DiscoInfoQuery { node: None })
        }
        Request::PublishMds {
            peer,
            stanza_id,
            by,
        } => Iq::from_set(id, mds_publish(&peer, stanza_id, by)),
        Request::Bookmarks => Iq::from_get(
            id,
            pubsub::PubSub::Items(pubsub::pubsub::Items::new(ns::BOOKMARKS2)),
        ),
        Request::PublishBookmark {
            room,
            name,
            autojoin,
            nick,
        } => Iq::from_set(id, bookmark_publish(&room, name, autojoin, &nick)),
        Request::LegacyBookmarks => Iq::from_get(
            id,
            private::Query {
                storage: bookmarks::Storage::new(),
            },
        ),
        Request::StoreLegacyBookmarks(rooms) => Iq::from_set(
            id,
            private::Query {
                storage: bookmarks::Storage {
                    conferences: rooms
                        .into_iter()
                        .map(|r| bookmarks::Conference {
                            autojoin: r.autojoin,
                            jid: r.jid,
                            name: r.name,
                            nick: ResourcePart::new(&r.nick).ok().map(|n| n.into_owned()),
                            password: None,
                        })
                        .collect(),
                    urls: vec![],
                },
            },
        ),
        Request::SelfPing => Iq::from_get(id, ping::Ping),
        Request::ConfigureRoom { members_only } => Iq::Set {
            from: None,
            to: None,
            id,
            payload: handmade::room_config(members_only),
        },
    };
    match to {
        Some(to) => iq.with_to(to),
        None => iq,
    }
}

/// One XEP-0313 page: after an archive id, at most `max` results, with our query id.
fn archive_query(page: tandem_core::catchup::PageRequest) -> mam::Query {
    mam::Query {
        queryid: Some(mam::QueryId(page.query_id)),
        node: None,
        form: None,
        set: Some(rsm::SetQuery {
            max: Some(page.max),
            after: page.after,
            before: None,
            index: None,
        }),
        flip_page: false,
    }
}

/// XEP-0490's publish of one conversation's read position, with the publish-options it
/// asks for (persistent, as many items as there are conversations, only to ourselves).
fn mds_publish(peer: &jid::BareJid, stanza_id: String, by: jid::BareJid) -> pubsub::PubSub {
    let displayed = message_displayed::Displayed {
        stanza_id: stanza_id::StanzaId {
            id: stanza_id,
            by: Jid::from(by),
        },
    };
    let item = pubsub::pubsub::Item {
        id: Some(pubsub::ItemId(peer.to_string())),
        publisher: None,
        payload: Some(displayed.into()),
    };
    private_publish(MDS_NODE, item)
}

/// XEP-0402's publish of one room's bookmark (item id = the room's JID), with the
/// publish-options it asks for. A nick that is not a valid resource (it could not be an
/// occupant JID either) is left out, with a warning.
fn bookmark_publish(
    room: &BareJid,
    name: Option<String>,
    autojoin: bool,
    nick: &str,
) -> pubsub::PubSub {
    let nick = match ResourcePart::new(nick) {
        Ok(n) => Some(n.into_owned()),
        Err(e) => {
            tracing::warn!(error = %e, "bookmark published without its invalid nick");
            None
        }
    };
    let conference = bookmarks2::Conference {
        autojoin,
        name,
        nick,
        password: None,
        extensions: None,
    };
    let item = pubsub::pubsub::Item {
        id: Some(pubsub::ItemId(room.to_string())),
        publisher: None,
        payload: Some(conference.into()),
    };
    private_publish(ns::BOOKMARKS2, item)
}

/// A publish of `item` on our own PEP `node` with the publish-options XEP-0490 and XEP-0402
/// ask for: persistent, as many items as there are conversations or rooms, no last item
/// sent on subscription, only to ourselves.
fn private_publish(node: &str, item: pubsub::pubsub::Item) -> pubsub::PubSub {
    let form = data_forms::DataForm::new(
        data_forms::DataFormType::Submit,
        "http://jabber.org/protocol/pubsub#publish-options",
        vec![
            data_forms::Field::new("pubsub#persist_items", data_forms::FieldType::Boolean)
                .with_value("true"),
            data_forms::Field::new("pubsub#max_items", data_forms::FieldType::TextSingle)
                .with_value("max"),
            data_forms::Field::new(
                "pubsub#send_last_published_item",
                data_forms::FieldType::ListSingle,
            )
            .with_value("never"),
            data_forms::Field::new("pubsub#access_model", data_forms::FieldType::ListSingle)
                .with_value("whitelist"),
        ],
    );
    pubsub::PubSub::Publish {
        publish: pubsub::pubsub::Publish {
            node: pubsub::NodeName(node.to_owned()),
            items: vec![item],
        },
        publish_options: Some(pubsub::pubsub::PublishOptions { form: Some(form) }),
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn xml(w: Wire) -> Element {
        match w {
            Wire::Stanza(s) => Element::from(*s),
            Wire::Nonza(x) => Element::from_str(&x).expect("XML"),
        }
    }

    #[test]
    fn client_state_is_xep_0352s_nonza() {
        let el = xml(outbound(Outbound::ClientState { active: false }));
        assert!(el.is("inactive", ns::CSI));
        let el = xml(outbound(Outbound::ClientState { active: true }));
        assert!(el.is("active", ns::CSI));
    }

    #[test]
    fn the_mds_publish_is_xep_0490s_with_its_publish_options() {
        let el = xml(outbound(Outbound::Request {
            id: "p1".into(),
            to: None,
            request: Request::PublishMds {
                peer: jid::BareJid::new("romeo@montague.lit").expect("jid"),
                stanza_id: "0f710f2b-52ed-4d52-b928-784dad74a52b".into(),
                by: jid::BareJid::new("juliet@capulet.lit").expect("jid"),
            },
        }));
        let pubsub = el.get_child("pubsub", ns::PUBSUB).expect("pubsub");
        let publish = pubsub.get_child("publish", ns::PUBSUB).expect("publish");
        assert_eq!(publish.attr("node"), Some(MDS_NODE));
        let item = publish.get_child("item", ns::PUBSUB).expect("item");
        assert_eq!(item.attr("id"), Some("romeo@montague.lit"));
        let sid = item
            .get_child("displayed", ns::MDS)
            .and_then(|d| d.get_child("stanza-id", ns::SID))
            .expect("stanza-id");
        assert_eq!(sid.attr("by"), Some("juliet@capulet.lit"));
        let form = pubsub
            .get_child("publish-options", ns::PUBSUB)
            .and_then(|o| o.get_child("x", ns::DATA_FORMS))
            .expect("publish-options form");
        let access = form
            .children()
            .find(|f| f.attr("var") == Some("pubsub#access_model"))
            .expect("access model");
        assert_eq!(
            access.children().next().map(|v| v.text()).as_deref(),
            Some("whitelist")
        );
        // An id that needs escaping stays data, never markup.
        let el = xml(outbound(Outbound::Request {
            id: "p2".into(),
            to: None,
            request: Request::PublishMds {
                peer: jid::BareJid::new("romeo@montague.lit").expect("jid"),
                stanza_id: "a<b&'c\"".into(),
                by: jid::BareJid::new("juliet@capulet.lit").expect("jid"),
            },
        }));
        let back = Element::from_str(&String::from(&el)).expect("well-formed XML");
        let id = back
            .get_child("pubsub", ns::PUBSUB)
            .and_then(|p| p.get_child("publish", ns::PUBSUB))
            .and_then(|p| p.get_child("item", ns::PUBSUB))
            .and_then(|i| i.get_child("displayed", ns::MDS))
            .and_then(|d| d.get_child("stanza-id", ns::SID))
            .and_then(|s| s.attr("id"))
            .map(str::to_owned);
        assert_eq!(id.as_deref(), Some("a<b&'c\""));
    }

    #[test]
    fn presence_in_the_background_is_away_with_idle_and_caps() {
        let el = xml(outbound(Outbound::Presence {
            show: Show::Away,
            idle_since: Some(chrono::Utc::now()),
            device: DeviceType::Phone,
        }));
        assert_eq!(
            el.get_child("show", ns::DEFAULT_NS)
                .map(|s| s.text())
                .as_deref(),
            Some("away")
        );
        assert!(el.get_child("idle", ns::IDLE).is_some());
        assert_eq!(
            el.get_child("c", ns::CAPS).and_then(|c| c.attr("node")),
            Some(CAPS_NODE)
        );
    }

    #[test]
    fn our_chat_message_asks_for_a_receipt_and_is_markable() {
        let m = chat(&Chat {
            to: Jid::new("bob@example.net").expect("jid"),
            id: "m1".into(),
            body: "hi".into(),
            kind: MessageKind::Chat,
            edit: None,
        });
        let el = Element::from(m);
        assert!(el.get_child("request", ns::RECEIPTS).is_some());
        assert!(el.get_child("markable", ns::DISPLAYED_MARKERS).is_some());
        assert_eq!(
            el.get_child("origin-id", ns::SID)
                .and_then(|o| o.attr("id")),
            Some("m1")
        );
        assert_eq!(el.attr("id"), Some("m1"));
    }
}
