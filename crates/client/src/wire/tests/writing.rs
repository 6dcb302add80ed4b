//! Stanzas out, compared with the XEPs' own examples: room messages, joining and leaving,
//! mediated invitations, XEP-0402 and XEP-0048 bookmarks, a room's disco#info and archive,
//! XEP-0410 self-pings, room configuration, and our advertised features.

use super::*;

#[test]
fn a_room_message_is_groupchat_markable_without_receipt_request() {
    let el = Element::from(chat(&Chat {
        to: jid("coven@chat.shakespeare.lit"),
        id: "m1".into(),
        body: "Harpier cries: 'tis time, 'tis time.".into(),
        kind: MessageKind::Groupchat,
        edit: None,
    }));
    assert!(el.is("message", ns::DEFAULT_NS));
    assert_eq!(el.attr("type"), Some("groupchat"));
    assert_eq!(el.attr("to"), Some("coven@chat.shakespeare.lit"));
    assert_eq!(el.attr("id"), Some("m1"));
    assert_eq!(
        child_names(&el),
        vec![
            ("body".to_owned(), ns::DEFAULT_NS.to_owned()),
            ("origin-id".to_owned(), ns::SID.to_owned()),
            ("markable".to_owned(), ns::DISPLAYED_MARKERS.to_owned()),
        ]
    );
    assert_eq!(
        el.get_child("origin-id", ns::SID)
            .and_then(|o| o.attr("id")),
        Some("m1")
    );
    assert!(el.get_child("request", ns::RECEIPTS).is_none());
    // Never to one occupant: a room message goes to the room.
    let el = Element::from(chat(&Chat {
        to: jid("coven@chat.shakespeare.lit/firstwitch"),
        id: "m2".into(),
        body: "hi".into(),
        kind: MessageKind::Groupchat,
        edit: None,
    }));
    assert_eq!(el.attr("to"), Some("coven@chat.shakespeare.lit"));
    // A chat message still asks for its receipt.
    let el = Element::from(chat(&Chat {
        to: jid("hecate@shakespeare.lit"),
        id: "m3".into(),
        body: "hi".into(),
        kind: MessageKind::Chat,
        edit: None,
    }));
    assert_eq!(el.attr("type"), Some("chat"));
    assert!(el.get_child("request", ns::RECEIPTS).is_some());
}

#[test]
fn a_correction_is_xep_0308_s_example_without_receipt_or_marker() {
    // XEP-0308 example 2: the correction names the original's id.
    let el = Element::from(chat(&Chat {
        to: jid("juliet@capulet.net/balcony"),
        id: "good1".into(),
        body: "But soft, what light through yonder window breaks?".into(),
        kind: MessageKind::Chat,
        edit: Some(EditOf {
            target: "bad1".into(),
            kind: EditKind::Corrected,
        }),
    }));
    assert_eq!(el.attr("id"), Some("good1"));
    assert_eq!(el.attr("type"), Some("chat"));
    let replace = el
        .get_child("replace", ns::MESSAGE_CORRECT)
        .expect("replace");
    assert_eq!(replace.attr("id"), Some("bad1"));
    assert!(el.get_child("request", ns::RECEIPTS).is_none());
    assert!(el.get_child("markable", ns::DISPLAYED_MARKERS).is_none());
    // And it reads back as the correction it is.
    let back = facts(&Message::try_from(el).expect("message"));
    assert_eq!(
        back.edit,
        Some(EditOf {
            target: "bad1".into(),
            kind: EditKind::Corrected
        })
    );
}

#[test]
fn a_retraction_is_xep_0424_s_example_with_its_fallback() {
    // XEP-0424 example 2 (version 1): in a room, the room's stanza-id is named.
    let el = Element::from(chat(&Chat {
        to: jid("coven@chat.shakespeare.lit"),
        id: "retract-1".into(),
        body: tandem_core::engine::RETRACTION_FALLBACK.into(),
        kind: MessageKind::Groupchat,
        edit: Some(EditOf {
            target: "origin-id-1".into(),
            kind: EditKind::Retracted,
        }),
    }));
    assert_eq!(el.attr("type"), Some("groupchat"));
    let retract = el
        .get_child("retract", handmade::NS_RETRACT)
        .expect("retract");
    assert_eq!(retract.attr("id"), Some("origin-id-1"));
    let fallback = el
        .get_child("fallback", handmade::NS_FALLBACK)
        .expect("fallback");
    assert_eq!(fallback.attr("for"), Some(handmade::NS_RETRACT));
    assert!(el.get_child("store", handmade::NS_HINTS).is_some());
    let back = facts(&Message::try_from(el).expect("message"));
    assert_eq!(back.edit.map(|e| e.kind), Some(EditKind::Retracted));
}

#[test]
fn xep_0045_join_asks_for_no_history() {
    // XEP-0045's entering a room, with no history asked for.
    let el = xml(outbound(Outbound::JoinRoom {
        to: full("coven@chat.shakespeare.lit/thirdwitch"),
    }));
    assert!(el.is("presence", ns::DEFAULT_NS));
    assert_eq!(el.attr("to"), Some("coven@chat.shakespeare.lit/thirdwitch"));
    assert_eq!(el.attr("type"), None, "available");
    assert_eq!(child_names(&el), vec![("x".to_owned(), ns::MUC.to_owned())]);
    let x = el.get_child("x", ns::MUC).expect("muc");
    let history = x.get_child("history", ns::MUC).expect("history");
    assert_eq!(history.attr("maxstanzas"), Some("0"));
    assert_eq!(history.attrs().into_iter().count(), 1);
}

#[test]
fn xep_0045_leave_is_unavailable_to_our_occupant_jid() {
    // XEP-0045's exiting a room.
    let el = xml(outbound(Outbound::LeaveRoom {
        to: full("coven@chat.shakespeare.lit/thirdwitch"),
    }));
    assert!(el.is("presence", ns::DEFAULT_NS));
    assert_eq!(el.attr("type"), Some("unavailable"));
    assert_eq!(el.attr("to"), Some("coven@chat.shakespeare.lit/thirdwitch"));
    assert_eq!(child_names(&el), vec![]);
}

#[test]
fn xep_0045_mediated_invite_goes_through_the_room() {
    // XEP-0045's invitation sent to the room (§7.8.2), without a reason.
    let el = xml(outbound(Outbound::InviteToRoom {
        room: bare("coven@chat.shakespeare.lit"),
        invitee: bare("hecate@shakespeare.lit"),
    }));
    assert!(el.is("message", ns::DEFAULT_NS));
    assert_eq!(el.attr("to"), Some("coven@chat.shakespeare.lit"));
    assert!(el.attr("type").is_none() || el.attr("type") == Some("normal"));
    assert!(el.attr("id").is_some_and(|id| !id.is_empty()));
    assert_eq!(
        child_names(&el),
        vec![("x".to_owned(), ns::MUC_USER.to_owned())]
    );
    let invite = el
        .get_child("x", ns::MUC_USER)
        .and_then(|x| x.get_child("invite", ns::MUC_USER))
        .expect("invite");
    assert_eq!(invite.attr("to"), Some("hecate@shakespeare.lit"));
    assert_eq!(invite.attr("from"), None);
}

#[test]
fn xep_0402_retrieval_is_an_items_get_on_our_account() {
    // XEP-0402's bookmarks retrieval.
    let el = xml(outbound(Outbound::Request {
        id: "retrieve1".into(),
        to: None,
        request: Request::Bookmarks,
    }));
    assert!(el.is("iq", ns::DEFAULT_NS));
    assert_eq!(el.attr("type"), Some("get"));
    assert_eq!(el.attr("id"), Some("retrieve1"));
    assert_eq!(el.attr("to"), None);
    let items = el
        .get_child("pubsub", ns::PUBSUB)
        .and_then(|p| p.get_child("items", ns::PUBSUB))
        .expect("items");
    assert_eq!(items.attr("node"), Some("urn:xmpp:bookmarks:1"));
    assert_eq!(items.children().count(), 0);
}

#[test]
fn xep_0402_publish_matches_the_example() {
    // XEP-0402's publish of a bookmark.
    let el = xml(outbound(Outbound::Request {
        id: "pip1".into(),
        to: None,
        request: Request::PublishBookmark {
            room: bare("theplay@conference.shakespeare.lit"),
            name: Some("The Play's the Thing".into()),
            autojoin: true,
            nick: "JC".into(),
        },
    }));
    let example = Element::from_str(
        "<iq xmlns='jabber:client' from='juliet@capulet.lit/balcony' type='set' id='pip1'>\
           <pubsub xmlns='http://jabber.org/protocol/pubsub'>\
             <publish node='urn:xmpp:bookmarks:1'>\
               <item id='theplay@conference.shakespeare.lit'>\
                 <conference xmlns='urn:xmpp:bookmarks:1' name='The Play&apos;s the Thing' autojoin='true'><nick>JC</nick></conference>\
               </item>\
             </publish>\
             <publish-options>\
               <x xmlns='jabber:x:data' type='submit'>\
                 <field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/pubsub#publish-options</value></field>\
                 <field var='pubsub#persist_items'><value>true</value></field>\
                 <field var='pubsub#max_items'><value>max</value></field>\
                 <field var='pubsub#send_last_published_item'><value>never</value></field>\
                 <field var='pubsub#access_model'><value>whitelist</value></field>\
               </x>\
             </publish-options>\
           </pubsub>\
         </iq>",
    )
    .expect("example XML");
    assert_eq!(el.attr("type"), Some("set"));
    assert_eq!(el.attr("id"), Some("pip1"));
    let ours = el.get_child("pubsub", ns::PUBSUB).expect("pubsub");
    let theirs = example.get_child("pubsub", ns::PUBSUB).expect("pubsub");
    let item = |p: &Element| {
        p.get_child("publish", ns::PUBSUB)
            .and_then(|p| {
                assert_eq!(p.attr("node"), Some("urn:xmpp:bookmarks:1"));
                p.get_child("item", ns::PUBSUB)
            })
            .cloned()
            .expect("item")
    };
    let (our_item, their_item) = (item(ours), item(theirs));
    assert_eq!(our_item.attr("id"), their_item.attr("id"));
    assert_eq!(
        our_item.get_child("conference", ns::BOOKMARKS2),
        their_item.get_child("conference", ns::BOOKMARKS2),
        "the same <conference/>"
    );
    let form = |p: &Element| {
        p.get_child("publish-options", ns::PUBSUB)
            .and_then(|o| o.get_child("x", ns::DATA_FORMS))
            .cloned()
            .expect("publish-options form")
    };
    let (our_form, their_form) = (form(ours), form(theirs));
    assert_eq!(our_form.attr("type"), Some("submit"));
    assert_eq!(form_fields(&our_form), form_fields(&their_form));
    // A nick that cannot be a resource is left out, the bookmark kept.
    let el = xml(outbound(Outbound::Request {
        id: "pip2".into(),
        to: None,
        request: Request::PublishBookmark {
            room: bare("theplay@conference.shakespeare.lit"),
            name: None,
            autojoin: false,
            nick: String::new(),
        },
    }));
    let conference = el
        .get_child("pubsub", ns::PUBSUB)
        .and_then(|p| p.get_child("publish", ns::PUBSUB))
        .and_then(|p| p.get_child("item", ns::PUBSUB))
        .and_then(|i| i.get_child("conference", ns::BOOKMARKS2))
        .expect("conference");
    assert!(conference.get_child("nick", ns::BOOKMARKS2).is_none());
    assert_eq!(conference.attr("name"), None);
}

#[test]
fn room_info_is_a_disco_info_get_to_the_room() {
    // XEP-0045's room disco#info query.
    let el = xml(outbound(Outbound::Request {
        id: "ik3vs715".into(),
        to: Some(jid("coven@chat.shakespeare.lit")),
        request: Request::RoomInfo,
    }));
    assert_eq!(el.attr("type"), Some("get"));
    assert_eq!(el.attr("to"), Some("coven@chat.shakespeare.lit"));
    let query = el.get_child("query", ns::DISCO_INFO).expect("query");
    assert_eq!(query.attr("node"), None);
}

#[test]
fn a_room_page_is_our_archive_query_sent_to_the_room() {
    let page = PageRequest {
        query_id: "q7".into(),
        after: Some("09af3-cc343-b409f".into()),
        max: 50,
    };
    let room = xml(outbound(Outbound::Request {
        id: "r1".into(),
        to: Some(jid("coven@chat.shakespeare.lit")),
        request: Request::RoomPage(page.clone()),
    }));
    let ours = xml(outbound(Outbound::Request {
        id: "r1".into(),
        to: None,
        request: Request::ArchivePage(page),
    }));
    assert_eq!(room.attr("type"), Some("set"));
    assert_eq!(room.attr("to"), Some("coven@chat.shakespeare.lit"));
    let query = room.get_child("query", ns::MAM).expect("mam query");
    assert_eq!(query.attr("queryid"), Some("q7"));
    let set = query.get_child("set", ns::RSM).expect("rsm");
    assert_eq!(
        set.get_child("max", ns::RSM).map(|m| m.text()).as_deref(),
        Some("50")
    );
    assert_eq!(
        set.get_child("after", ns::RSM).map(|m| m.text()).as_deref(),
        Some("09af3-cc343-b409f")
    );
    assert_eq!(
        Some(query),
        ours.get_child("query", ns::MAM),
        "the same query"
    );
}

#[test]
fn xep_0410_self_ping_is_a_ping_to_our_occupant_jid() {
    // XEP-0410's self-ping.
    let el = xml(outbound(Outbound::Request {
        id: "s2c1".into(),
        to: Some(jid("coven@chat.shakespeare.lit/thirdwitch")),
        request: Request::SelfPing,
    }));
    assert!(el.is("iq", ns::DEFAULT_NS));
    assert_eq!(el.attr("type"), Some("get"));
    assert_eq!(el.attr("id"), Some("s2c1"));
    assert_eq!(el.attr("to"), Some("coven@chat.shakespeare.lit/thirdwitch"));
    assert_eq!(
        child_names(&el),
        vec![("ping".to_owned(), ns::PING.to_owned())]
    );
}

#[test]
fn xep_0045_configuration_keeps_the_room_and_makes_it_members_only_when_asked() {
    // XEP-0045 §10.1: a submitted configuration, and an instant room.
    let el = xml(outbound(Outbound::Request {
        id: "create2".into(),
        to: Some(jid("coven@chat.shakespeare.lit")),
        request: Request::ConfigureRoom { members_only: true },
    }));
    assert_eq!(el.attr("type"), Some("set"));
    assert_eq!(el.attr("to"), Some("coven@chat.shakespeare.lit"));
    let form = el
        .get_child("query", NS_MUC_OWNER)
        .and_then(|q| q.get_child("x", ns::DATA_FORMS))
        .expect("form");
    assert_eq!(form.attr("type"), Some("submit"));
    assert_eq!(
        form_fields(form),
        vec![
            ("FORM_TYPE".to_owned(), NS_MUC_ROOMCONFIG.to_owned()),
            ("muc#roomconfig_persistentroom".to_owned(), "1".to_owned()),
            ("muc#roomconfig_membersonly".to_owned(), "1".to_owned()),
        ]
    );
    let el = xml(outbound(Outbound::Request {
        id: "create1".into(),
        to: Some(jid("coven@chat.shakespeare.lit")),
        request: Request::ConfigureRoom {
            members_only: false,
        },
    }));
    let form = el
        .get_child("query", NS_MUC_OWNER)
        .and_then(|q| q.get_child("x", ns::DATA_FORMS))
        .expect("form");
    assert_eq!(form.attr("type"), Some("submit"));
    assert_eq!(
        form_fields(form),
        vec![
            ("FORM_TYPE".to_owned(), NS_MUC_ROOMCONFIG.to_owned()),
            ("muc#roomconfig_persistentroom".to_owned(), "1".to_owned()),
        ]
    );
}

#[test]
fn our_features_include_rooms_and_the_caps_hash_matches_them() {
    let info = disco_info(DeviceType::Desktop, None);
    for feature in [
        ns::MUC,
        NS_CONFERENCE,
        BOOKMARKS_NODE_NOTIFY,
        MDS_NODE_NOTIFY,
        ns::PING,
    ] {
        assert!(info.features.contains(feature), "{feature} advertised");
    }
    assert_eq!(BOOKMARKS_NODE_NOTIFY, format!("{}+notify", ns::BOOKMARKS2));
    // What we answer is sorted (XEP-0115 orders features for the hash).
    let answer = Element::from(info.clone());
    let features: Vec<String> = answer
        .children()
        .filter(|c| c.is("feature", ns::DISCO_INFO))
        .filter_map(|c| c.attr("var").map(str::to_owned))
        .collect();
    let mut sorted = features.clone();
    sorted.sort();
    assert_eq!(features, sorted);
    // The ver in our presence is the hash of exactly what we answer, as a peer computes it
    // from the XML.
    let presence = xml(outbound(Outbound::Presence {
        show: Show::Available,
        idle_since: None,
        device: DeviceType::Desktop,
    }));
    let c = presence.get_child("c", ns::CAPS).expect("caps");
    assert_eq!(c.attr("node"), Some(CAPS_NODE));
    let reread = tokio_xmpp::parsers::disco::DiscoInfoResult::try_from(answer).expect("re-read");
    let hash = caps::hash_caps(&caps::compute_disco(&reread), hashes::Algo::Sha_1).expect("a hash");
    let ours = caps::Caps::try_from(c.clone()).expect("caps");
    assert_eq!((ours.hash, ours.ver), (hash.algo, hash.hash));
}

#[test]
fn xep_0048_bookmarks_are_stored_whole_in_private_storage() {
    use tandem_core::room::{Room, RoomNotify};
    let room = |jid: &str, autojoin: bool| Room {
        jid: bare(jid),
        name: Some("Council".into()),
        nick: "Puck".into(),
        autojoin,
        notify: RoomNotify::Mentions,
        gone: None,
    };
    let el = xml(outbound(Outbound::Request {
        id: "pip2".into(),
        to: None,
        request: Request::StoreLegacyBookmarks(vec![
            room("council@conference.underhill.org", true),
            room("garden@conference.underhill.org", false),
        ]),
    }));
    assert_eq!(el.attr("type"), Some("set"));
    let storage = el
        .get_child("query", "jabber:iq:private")
        .and_then(|q| q.get_child("storage", "storage:bookmarks"))
        .expect("storage");
    let conferences: Vec<(Option<&str>, Option<&str>, String)> = storage
        .children()
        .map(|c| {
            (
                c.attr("jid"),
                c.attr("autojoin"),
                c.get_child("nick", "storage:bookmarks")
                    .map(|n| n.text())
                    .unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        conferences,
        vec![
            (
                Some("council@conference.underhill.org"),
                Some("true"),
                "Puck".to_owned()
            ),
            (
                Some("garden@conference.underhill.org"),
                Some("false"),
                "Puck".to_owned()
            ),
        ]
    );
    let el = xml(outbound(Outbound::Request {
        id: "pip3".into(),
        to: None,
        request: Request::LegacyBookmarks,
    }));
    assert_eq!(el.attr("type"), Some("get"));
    assert!(el
        .get_child("query", "jabber:iq:private")
        .and_then(|q| q.get_child("storage", "storage:bookmarks"))
        .is_some());
}
