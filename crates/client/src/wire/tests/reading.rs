//! Stanzas in, with the XEPs' own example XML: XEP-0045 occupants, errors, invitations and
//! subjects, XEP-0421 occupant-ids, XEP-0372 mentions, XEP-0249 direct invitations, XEP-0402
//! bookmark events and items, XEP-0048 private storage, a room's disco#info, XEP-0308
//! corrections and XEP-0424 retractions.

use super::*;

#[test]
fn xep_0045_self_presence_on_entering() {
    // XEP-0045's self-presence on entering a room (with 110, and 210: the service assigned
    // our nick).
    let (show, muc) = occupant(
        "<presence xmlns='jabber:client' from='coven@chat.shakespeare.lit/thirdwitch' \
           id='n13mt3l' to='hag66@shakespeare.lit/pda'>\
           <x xmlns='http://jabber.org/protocol/muc#user'>\
             <item affiliation='member' role='participant'/>\
             <status code='110'/>\
             <status code='210'/>\
           </x>\
         </presence>",
    );
    assert_eq!(show, Show::Available);
    assert_eq!(
        muc,
        MucFacts {
            role: "participant".into(),
            affiliation: "member".into(),
            jid: None,
            new_nick: None,
            codes: vec![110, 210],
            destroyed: None,
            occupant_id: None,
        }
    );
}

#[test]
fn xep_0045_new_room_is_ours_and_201() {
    // XEP-0045's presence on creating a room (owner, moderator, 110 and 201).
    let (show, muc) = occupant(
        "<presence xmlns='jabber:client' from='coven@chat.shakespeare.lit/firstwitch' \
           id='n13mt3l' to='crone1@shakespeare.lit/desktop'>\
           <x xmlns='http://jabber.org/protocol/muc#user'>\
             <item affiliation='owner' role='moderator'/>\
             <status code='110'/>\
             <status code='201'/>\
           </x>\
         </presence>",
    );
    assert_eq!(show, Show::Available);
    assert_eq!(muc.role, "moderator");
    assert_eq!(muc.affiliation, "owner");
    assert_eq!(muc.codes, vec![110, 201]);
}

#[test]
fn xep_0045_non_anonymous_occupant_shows_the_real_jid() {
    // XEP-0045's occupant presence in a non-anonymous room.
    let (_, muc) = occupant(
        "<presence xmlns='jabber:client' from='coven@chat.shakespeare.lit/firstwitch' \
           id='3DCB0401-D7CF-4E31-BE05-EDF8D057BFBD' to='hag66@shakespeare.lit/pda'>\
           <x xmlns='http://jabber.org/protocol/muc#user'>\
             <item affiliation='owner' jid='crone1@shakespeare.lit/desktop' role='moderator'/>\
           </x>\
         </presence>",
    );
    assert_eq!(muc.jid, Some(jid("crone1@shakespeare.lit/desktop")));
    assert!(muc.codes.is_empty());
}

#[test]
fn xep_0045_nick_change_is_unavailable_with_303_and_the_new_nick() {
    // XEP-0045's unavailable presence of a nick change (§7.6).
    let (show, muc) = occupant(
        "<presence xmlns='jabber:client' from='coven@chat.shakespeare.lit/thirdwitch' \
           id='DC352437-C019-40EC-B590-AF29E879AF98' to='crone1@shakespeare.lit/desktop' \
           type='unavailable'>\
           <x xmlns='http://jabber.org/protocol/muc#user'>\
             <item affiliation='member' jid='hag66@shakespeare.lit/pda' nick='oldhag' \
               role='participant'/>\
             <status code='303'/>\
           </x>\
         </presence>",
    );
    assert_eq!(show, Show::Unavailable);
    assert_eq!(muc.new_nick.as_deref(), Some("oldhag"));
    assert_eq!(muc.codes, vec![303]);
    assert_eq!(muc.jid, Some(jid("hag66@shakespeare.lit/pda")));
    assert_eq!(muc.destroyed, None);
}

#[test]
fn a_nick_without_303_is_no_nick_change() {
    let (_, muc) = occupant(
        "<presence xmlns='jabber:client' from='coven@chat.shakespeare.lit/thirdwitch' \
           to='crone1@shakespeare.lit/desktop'>\
           <x xmlns='http://jabber.org/protocol/muc#user'>\
             <item affiliation='member' nick='oldhag' role='participant'/>\
           </x>\
         </presence>",
    );
    assert_eq!(muc.new_nick, None);
}

#[test]
fn xep_0045_kick_is_unavailable_with_307() {
    // XEP-0045's presence to the kicked occupant.
    let (show, muc) = occupant(
        "<presence xmlns='jabber:client' from='harfleur@chat.shakespeare.lit/pistol' \
           to='pistol@shakespeare.lit/harfleur' type='unavailable'>\
           <x xmlns='http://jabber.org/protocol/muc#user'>\
             <item affiliation='none' role='none'>\
               <actor nick='Fluellen'/>\
               <reason>Avaunt, you cullion!</reason>\
             </item>\
             <status code='110'/>\
             <status code='307'/>\
           </x>\
         </presence>",
    );
    assert_eq!(show, Show::Unavailable);
    assert_eq!(muc.role, "none");
    assert_eq!(muc.affiliation, "none");
    assert_eq!(muc.codes, vec![110, 307]);
}

#[test]
fn xep_0045_destroyed_room_gives_its_reason() {
    // XEP-0045's presence to the occupants of a destroyed room (§10.9).
    let (show, muc) = occupant(
        "<presence xmlns='jabber:client' from='heath@chat.shakespeare.lit/firstwitch' \
           to='crone1@shakespeare.lit/desktop' type='unavailable'>\
           <x xmlns='http://jabber.org/protocol/muc#user'>\
             <item affiliation='none' role='none'/>\
             <destroy jid='coven@chat.shakespeare.lit'>\
               <reason>Macbeth doth come.</reason>\
             </destroy>\
           </x>\
         </presence>",
    );
    assert_eq!(show, Show::Unavailable);
    assert_eq!(muc.destroyed.as_deref(), Some("Macbeth doth come."));
    // Without a reason: destroyed all the same.
    let (_, muc) = occupant(
        "<presence xmlns='jabber:client' from='heath@chat.shakespeare.lit/firstwitch' \
           to='crone1@shakespeare.lit/desktop' type='unavailable'>\
           <x xmlns='http://jabber.org/protocol/muc#user'>\
             <item affiliation='none' role='none'/>\
             <destroy/>\
           </x>\
         </presence>",
    );
    assert_eq!(muc.destroyed.as_deref(), Some(""));
}

#[test]
fn unknown_status_codes_are_kept_and_bounded() {
    // 174 (XEP-0045: the room is now fully anonymous) is not in xmpp-parsers' list; a flood of
    // codes is cut at the bound.
    let mut codes = String::from("<status code='174'/><status code='not-a-number'/>");
    for _ in 0..40 {
        codes.push_str("<status code='110'/>");
    }
    let (_, muc) = occupant(&format!(
        "<presence xmlns='jabber:client' from='coven@chat.shakespeare.lit/firstwitch'>\
           <x xmlns='http://jabber.org/protocol/muc#user'>\
             <item affiliation='owner' role='moderator'/>{codes}\
           </x>\
         </presence>"
    ));
    assert_eq!(muc.codes.len(), MAX_STATUS_CODES);
    assert_eq!(muc.codes[0], 174);
    assert_eq!(muc.role, "moderator");
}

#[test]
fn an_item_with_a_bare_jid_is_still_read() {
    let (_, muc) = occupant(
        "<presence xmlns='jabber:client' from='coven@chat.shakespeare.lit/firstwitch'>\
           <x xmlns='http://jabber.org/protocol/muc#user'>\
             <item affiliation='admin' jid='crone1@shakespeare.lit' role='moderator'/>\
           </x>\
         </presence>",
    );
    assert_eq!(muc.role, "moderator");
    assert_eq!(muc.affiliation, "admin");
    assert_eq!(muc.jid, Some(jid("crone1@shakespeare.lit")));
    // An unknown role is no role.
    let (_, muc) = occupant(
        "<presence xmlns='jabber:client' from='coven@chat.shakespeare.lit/firstwitch'>\
           <x xmlns='http://jabber.org/protocol/muc#user'>\
             <item affiliation='emperor' role='god'/>\
           </x>\
         </presence>",
    );
    assert_eq!(
        (muc.role.as_str(), muc.affiliation.as_str()),
        ("none", "none")
    );
}

#[test]
fn a_presence_without_muc_user_has_no_room_facts() {
    let got = stanza(
        "<presence xmlns='jabber:client' from='juliet@capulet.com/balcony' type='unavailable'/>",
    );
    let Inbound::Presence(p) = got else {
        panic!("a presence: {got:?}")
    };
    assert_eq!(p.show, Show::Unavailable);
    assert_eq!(p.muc, None);
}

#[test]
fn xep_0421_occupant_id_in_presence_and_message() {
    // XEP-0421's presence and message examples.
    let (_, muc) = occupant(
        "<presence xmlns='jabber:client' id='E6E10350-76CF-40C6-B91B-1EA08C332FC7' \
           from='room@muc.example.com/nick' to='user@example.com/resource'>\
           <occupant-id xmlns='urn:xmpp:occupant-id:0' id='dd72603deec90a38ba552f7c68cbcc61bca202cd'/>\
           <x xmlns='http://jabber.org/protocol/muc#user'>\
             <item affiliation='owner' role='moderator'/>\
           </x>\
         </presence>",
    );
    assert_eq!(
        muc.occupant_id.as_deref(),
        Some("dd72603deec90a38ba552f7c68cbcc61bca202cd")
    );
    let got = stanza(
        "<message xmlns='jabber:client' id='F4D37814-F7A8-4845-AF54-0FB8A8D29BF2' \
           from='room@muc.example.com/nick' to='user@example.com/resource' type='groupchat'>\
           <occupant-id xmlns='urn:xmpp:occupant-id:0' id='dd72603deec90a38ba552f7c68cbcc61bca202cd'/>\
           <body>Hello</body>\
         </message>",
    );
    let Inbound::Message(m) = got else {
        panic!("a message: {got:?}")
    };
    assert_eq!(m.kind, MessageKind::Groupchat);
    assert_eq!(
        m.occupant_id.as_deref(),
        Some("dd72603deec90a38ba552f7c68cbcc61bca202cd")
    );
    assert_eq!(m.body.as_deref(), Some("Hello"));
}

// --- XEP-0045 errors ---

#[test]
fn xep_0045_nick_conflict_is_a_presence_error() {
    // XEP-0045's nick conflict on entering.
    let got = stanza(
        "<presence xmlns='jabber:client' from='coven@chat.shakespeare.lit/thirdwitch' \
           id='n13mt3l' to='hag66@shakespeare.lit/pda' type='error'>\
           <x xmlns='http://jabber.org/protocol/muc'/>\
           <error by='coven@chat.shakespeare.lit' type='cancel'>\
             <conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>\
           </error>\
         </presence>",
    );
    let Inbound::PresenceError { from, failure } = got else {
        panic!("a presence error: {got:?}")
    };
    assert_eq!(from, Some(jid("coven@chat.shakespeare.lit/thirdwitch")));
    assert_eq!(failure.condition, "conflict");
}

#[test]
fn xep_0045_join_errors_name_their_condition() {
    // XEP-0045's errors on entering: a password needed, members only, banned, a room not
    // yet configured; and a room gone.
    for (kind, condition) in [
        ("auth", "not-authorized"),
        ("auth", "registration-required"),
        ("auth", "forbidden"),
        ("cancel", "item-not-found"),
        ("modify", "gone"),
    ] {
        let got = stanza(&format!(
            "<presence xmlns='jabber:client' from='coven@chat.shakespeare.lit/thirdwitch' \
               id='n13mt3l' to='hag66@shakespeare.lit/pda' type='error'>\
               <x xmlns='http://jabber.org/protocol/muc'/>\
               <error by='coven@chat.shakespeare.lit' type='{kind}'>\
                 <{condition} xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>\
               </error>\
             </presence>"
        ));
        let Inbound::PresenceError { failure, .. } = got else {
            panic!("a presence error: {got:?}")
        };
        assert_eq!(failure.condition, condition);
    }
    // No <error/> at all: still an error, of no defined condition.
    let got = stanza(
        "<presence xmlns='jabber:client' from='coven@chat.shakespeare.lit/thirdwitch' \
           type='error'/>",
    );
    let Inbound::PresenceError { failure, .. } = got else {
        panic!("a presence error: {got:?}")
    };
    assert_eq!(failure.condition, "undefined-condition");
}

#[test]
fn a_condition_with_text_keeps_its_element_name() {
    // RFC 6120 §8.3.3.5: <gone/> carries the new address.
    let got = stanza(
        "<iq xmlns='jabber:client' type='error' id='q1' from='coven@chat.shakespeare.lit'>\
           <error type='cancel'>\
             <gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>xmpp:new@chat.shakespeare.lit</gone>\
           </error>\
         </iq>",
    );
    let Inbound::Error { failure, .. } = got else {
        panic!("an error: {got:?}")
    };
    assert_eq!(failure.condition, "gone");
}

// --- Messages: invitations, mentions, subjects ---

#[test]
fn xep_0045_mediated_invite_names_the_room_and_the_inviter() {
    // XEP-0045's invitation as the room forwards it (§7.8.2).
    let got = stanza(
        "<message xmlns='jabber:client' from='coven@chat.shakespeare.lit' id='nzd143v8' \
           to='hecate@shakespeare.lit'>\
           <x xmlns='http://jabber.org/protocol/muc#user'>\
             <invite from='crone1@shakespeare.lit/desktop'>\
               <reason>\n        Hey Hecate, this is the place for all good witches!\n      </reason>\
             </invite>\
             <password>cauldronburn</password>\
           </x>\
         </message>",
    );
    let Inbound::Message(m) = got else {
        panic!("a message: {got:?}")
    };
    assert_eq!(
        m.invite,
        Some(InviteFacts {
            room: bare("coven@chat.shakespeare.lit"),
            from: Some(jid("crone1@shakespeare.lit/desktop")),
            reason: Some("Hey Hecate, this is the place for all good witches!".into()),
            direct: false,
        })
    );
}

#[test]
fn xep_0249_direct_invite_names_the_room_and_its_sender() {
    // XEP-0249's invitation.
    let got = stanza(
        "<message xmlns='jabber:client' from='crone1@shakespeare.lit/desktop' \
           to='hecate@shakespeare.lit'>\
           <x xmlns='jabber:x:conference' jid='darkcave@macbeth.shakespeare.lit' \
             password='cauldronburn' \
             reason='Hey Hecate, this is the place for all good witches!'/>\
         </message>",
    );
    let Inbound::Message(m) = got else {
        panic!("a message: {got:?}")
    };
    assert_eq!(
        m.invite,
        Some(InviteFacts {
            room: bare("darkcave@macbeth.shakespeare.lit"),
            from: Some(jid("crone1@shakespeare.lit/desktop")),
            reason: Some("Hey Hecate, this is the place for all good witches!".into()),
            direct: true,
        })
    );
    // Without a jid it invites nowhere.
    let Inbound::Message(m) = stanza(
        "<message xmlns='jabber:client' from='crone1@shakespeare.lit/desktop'>\
           <x xmlns='jabber:x:conference' reason='somewhere'/>\
         </message>",
    ) else {
        panic!("a message")
    };
    assert_eq!(m.invite, None);
}

#[test]
fn a_muc_user_payload_without_invite_is_no_invite() {
    // XEP-0045's configuration change notice (status 104).
    let Inbound::Message(m) = stanza(
        "<message xmlns='jabber:client' from='coven@chat.shakespeare.lit' id='80349046-F26A-44F3-A7A6-54825064DD9E' \
           to='crone1@shakespeare.lit/desktop' type='groupchat'>\
           <x xmlns='http://jabber.org/protocol/muc#user'>\
             <status code='104'/>\
           </x>\
         </message>",
    ) else {
        panic!("a message")
    };
    assert_eq!(m.invite, None);
}

#[test]
fn xep_0372_mentions_are_read_and_bounded() {
    // After XEP-0372's mention example, with a data reference beside it (not a mention) and
    // a mention without its required uri.
    let Inbound::Message(m) = stanza(
        "<message xmlns='jabber:client' id='example1' to='chat@conference.example.com' \
           from='romeo@example.com/hall' type='groupchat'>\
           <body>Juliet, come over here!</body>\
           <reference xmlns='urn:xmpp:reference:0' begin='0' end='6' type='mention' \
             uri='xmpp:juliet@capulet.lit'/>\
           <reference xmlns='urn:xmpp:reference:0' type='data' uri='https://example.com/'/>\
           <reference xmlns='urn:xmpp:reference:0' type='mention'/>\
         </message>",
    ) else {
        panic!("a message")
    };
    assert_eq!(m.references, vec!["xmpp:juliet@capulet.lit".to_owned()]);
    let mut many = String::new();
    for i in 0..40 {
        many.push_str(&format!(
            "<reference xmlns='urn:xmpp:reference:0' type='mention' uri='xmpp:u{i}@example.com'/>"
        ));
    }
    let Inbound::Message(m) = stanza(&format!(
        "<message xmlns='jabber:client' from='romeo@example.com/hall' type='groupchat'>\
           <body>everyone</body>{many}</message>"
    )) else {
        panic!("a message")
    };
    assert_eq!(m.references.len(), MAX_REFERENCES);
    assert_eq!(m.references[0], "xmpp:u0@example.com");
}

#[test]
fn xep_0045_subject_is_seen_even_empty() {
    // XEP-0045's subject change (§8.1), then a subject cleared (an empty <subject/>).
    let Inbound::Message(m) = stanza(
        "<message xmlns='jabber:client' from='coven@chat.shakespeare.lit/secondwitch' \
           id='F437C672-D438-4BD3-9BFF-091050D32EE2' to='crone1@shakespeare.lit/desktop' \
           type='groupchat'>\
           <subject>Fire Burn and Cauldron Bubble!</subject>\
         </message>",
    ) else {
        panic!("a message")
    };
    assert!(m.subject);
    let Inbound::Message(m) = stanza(
        "<message xmlns='jabber:client' from='coven@chat.shakespeare.lit/secondwitch' \
           type='groupchat'><subject/></message>",
    ) else {
        panic!("a message")
    };
    assert!(m.subject);
    let Inbound::Message(m) = stanza(
        "<message xmlns='jabber:client' from='coven@chat.shakespeare.lit/secondwitch' \
           type='groupchat'><body>no topic here</body></message>",
    ) else {
        panic!("a message")
    };
    assert!(!m.subject);
}

// --- XEP-0402 bookmarks in ---

#[test]
fn xep_0402_bookmark_event() {
    // XEP-0402's notification of a new bookmark.
    let got = stanza(
        "<message xmlns='jabber:client' from='juliet@capulet.lit' to='juliet@capulet.lit/balcony' \
           type='headline' id='new-room1'>\
           <event xmlns='http://jabber.org/protocol/pubsub#event'>\
             <items node='urn:xmpp:bookmarks:1'>\
               <item id='theplay@conference.shakespeare.lit'>\
                 <conference xmlns='urn:xmpp:bookmarks:1' name='The Play&apos;s the Thing' \
                   autojoin='true'>\
                   <nick>JC</nick>\
                 </conference>\
               </item>\
             </items>\
           </event>\
         </message>",
    );
    let Inbound::Pubsub {
        node,
        items,
        retracted,
        outer,
    } = got
    else {
        panic!("a PubSub event: {got:?}")
    };
    assert_eq!(node, "urn:xmpp:bookmarks:1");
    assert_eq!(outer.from, Some(jid("juliet@capulet.lit")));
    assert!(retracted.is_empty());
    assert_eq!(items.len(), 1);
    assert_eq!(
        items[0].id.as_deref(),
        Some("theplay@conference.shakespeare.lit")
    );
    assert_eq!(items[0].displayed, None);
    let b = items[0].bookmark.clone().expect("a bookmark");
    assert_eq!(b.name.as_deref(), Some("The Play's the Thing"));
    assert!(b.autojoin);
    assert_eq!(b.nick.as_deref(), Some("JC"));
}

#[test]
fn xep_0402_retraction_event() {
    // XEP-0402's notification of a removed bookmark.
    let got = stanza(
        "<message xmlns='jabber:client' from='juliet@capulet.lit' to='juliet@capulet.lit/balcony' \
           type='headline' id='removed-room1'>\
           <event xmlns='http://jabber.org/protocol/pubsub#event'>\
             <items node='urn:xmpp:bookmarks:1'>\
               <retract id='theplay@conference.shakespeare.lit'/>\
             </items>\
           </event>\
         </message>",
    );
    let Inbound::Pubsub {
        node,
        items,
        retracted,
        ..
    } = got
    else {
        panic!("a PubSub event: {got:?}")
    };
    assert_eq!(node, "urn:xmpp:bookmarks:1");
    assert!(items.is_empty());
    assert_eq!(
        retracted,
        vec!["theplay@conference.shakespeare.lit".to_owned()]
    );
}

#[test]
fn an_items_event_with_both_publishes_and_retractions_and_bounds_them() {
    let mut retracts = String::new();
    for i in 0..(MAX_MDS_ITEMS + 10) {
        retracts.push_str(&format!("<retract id='r{i}@conference.shakespeare.lit'/>"));
    }
    let got = stanza(&format!(
        "<message xmlns='jabber:client' from='juliet@capulet.lit' type='headline'>\
           <event xmlns='http://jabber.org/protocol/pubsub#event'>\
             <items node='urn:xmpp:bookmarks:1'>\
               <item id='orchard@conference.shakespeare.lit'>\
                 <conference xmlns='urn:xmpp:bookmarks:1' name='The Orchard'/>\
               </item>{retracts}\
             </items>\
           </event>\
         </message>"
    ));
    let Inbound::Pubsub {
        items, retracted, ..
    } = got
    else {
        panic!("a PubSub event: {got:?}")
    };
    assert_eq!(items.len(), 1);
    let b = items[0].bookmark.clone().expect("a bookmark");
    assert!(!b.autojoin, "autojoin defaults to false");
    assert_eq!(b.nick, None);
    assert_eq!(retracted.len(), MAX_MDS_ITEMS);
    assert_eq!(retracted[0], "r0@conference.shakespeare.lit");
}

#[test]
fn xep_0402_items_result_is_an_items_answer() {
    // XEP-0402's result of a bookmarks retrieval (the second autojoin written `1`, which
    // xs:boolean allows).
    let got = stanza(
        "<iq xmlns='jabber:client' type='result' to='juliet@capulet.lit/balcony' id='retrieve1'>\
           <pubsub xmlns='http://jabber.org/protocol/pubsub'>\
             <items node='urn:xmpp:bookmarks:1'>\
               <item id='theplay@conference.shakespeare.lit'>\
                 <conference xmlns='urn:xmpp:bookmarks:1' name='The Play&apos;s the Thing' \
                   autojoin='true'>\
                   <nick>JC</nick>\
                 </conference>\
               </item>\
               <item id='orchard@conference.shakespeare.lit'>\
                 <conference xmlns='urn:xmpp:bookmarks:1' name='The Orchard' autojoin='1'>\
                   <nick>JC</nick>\
                   <extensions>\
                     <state xmlns='http://myclient.example/bookmark/state' minimized='true'/>\
                   </extensions>\
                 </conference>\
               </item>\
             </items>\
           </pubsub>\
         </iq>",
    );
    let Inbound::Result { id, answer, .. } = got else {
        panic!("a result: {got:?}")
    };
    assert_eq!(id, "retrieve1");
    let Answer::Items(items) = answer else {
        panic!("an items answer: {answer:?}")
    };
    assert_eq!(items.len(), 2);
    assert_eq!(
        items[1].id.as_deref(),
        Some("orchard@conference.shakespeare.lit")
    );
    let b = items[1].bookmark.clone().expect("a bookmark");
    assert_eq!(b.name.as_deref(), Some("The Orchard"));
    assert!(b.autojoin);
    assert_eq!(b.nick.as_deref(), Some("JC"));
    assert_eq!(
        items[0].bookmark.as_ref().and_then(|b| b.name.as_deref()),
        Some("The Play's the Thing")
    );
}

#[test]
fn a_publish_result_is_no_items_answer() {
    // XEP-0060's publish result.
    let got = stanza(
        "<iq xmlns='jabber:client' type='result' from='juliet@capulet.lit' id='pip1'>\
           <pubsub xmlns='http://jabber.org/protocol/pubsub'>\
             <publish node='urn:xmpp:bookmarks:1'>\
               <item id='theplay@conference.shakespeare.lit'/>\
             </publish>\
           </pubsub>\
         </iq>",
    );
    let Inbound::Result { answer, .. } = got else {
        panic!("a result: {got:?}")
    };
    assert_eq!(answer, Answer::Empty);
}

// --- XEP-0030 room info ---

#[test]
fn xep_0045_room_info_carries_its_features_bounded() {
    // XEP-0045's room disco#info result.
    let got = stanza(
        "<iq xmlns='jabber:client' from='coven@chat.shakespeare.lit' id='ik3vs715' \
           to='hag66@shakespeare.lit/pda' type='result'>\
           <query xmlns='http://jabber.org/protocol/disco#info'>\
             <identity category='conference' name='A Dark Cave' type='text'/>\
             <feature var='http://jabber.org/protocol/muc'/>\
             <feature var='muc_passwordprotected'/>\
             <feature var='muc_hidden'/>\
             <feature var='muc_temporary'/>\
             <feature var='muc_open'/>\
             <feature var='muc_unmoderated'/>\
             <feature var='muc_nonanonymous'/>\
           </query>\
         </iq>",
    );
    let Inbound::Result { answer, .. } = got else {
        panic!("a result: {got:?}")
    };
    let Answer::DiscoInfo {
        identities,
        features,
    } = answer
    else {
        panic!("a disco#info answer: {answer:?}")
    };
    assert_eq!(identities, vec![("conference".into(), "text".into())]);
    assert_eq!(features.len(), 7);
    assert!(features
        .iter()
        .any(|f| f == "http://jabber.org/protocol/muc"));
    assert!(features.iter().any(|f| f == "muc_nonanonymous"));

    let mut many = String::new();
    for i in 0..(MAX_DISCO_FEATURES + 50) {
        many.push_str(&format!("<feature var='urn:example:{i:04}'/>"));
    }
    let got = stanza(&format!(
        "<iq xmlns='jabber:client' from='coven@chat.shakespeare.lit' id='i2' type='result'>\
           <query xmlns='http://jabber.org/protocol/disco#info'>\
             <identity category='conference' type='text'/>{many}\
           </query>\
         </iq>"
    ));
    let Inbound::Result {
        answer: Answer::DiscoInfo { features, .. },
        ..
    } = got
    else {
        panic!("a disco#info answer: {got:?}")
    };
    assert_eq!(features.len(), MAX_DISCO_FEATURES);
}

// --- Out ---

#[test]
fn xep_0048_private_storage_bookmarks_are_read_as_items() {
    // XEP-0048 §3.3 (retrieving bookmarks from XEP-0049 private storage).
    let got = stanza(
        "<iq xmlns='jabber:client' type='result' id='pip1'>\
           <query xmlns='jabber:iq:private'>\
             <storage xmlns='storage:bookmarks'>\
               <conference name='Council of Oberon' autojoin='true' \
                 jid='council@conference.underhill.org'>\
                 <nick>Puck</nick>\
               </conference>\
             </storage>\
           </query>\
         </iq>",
    );
    let Inbound::Result { answer, .. } = got else {
        panic!("a result: {got:?}")
    };
    let Answer::Items(items) = answer else {
        panic!("an items answer: {answer:?}")
    };
    assert_eq!(items.len(), 1);
    assert_eq!(
        items[0].id.as_deref(),
        Some("council@conference.underhill.org")
    );
    let b = items[0].bookmark.clone().expect("a bookmark");
    assert!(b.autojoin);
    assert_eq!(b.nick.as_deref(), Some("Puck"));
    assert_eq!(b.name.as_deref(), Some("Council of Oberon"));
}

/// The edit a message stanza carries.
fn edit_of(xml: &str) -> Option<EditOf> {
    match stanza(xml) {
        Inbound::Message(m) => m.edit,
        other => panic!("a message: {other:?}"),
    }
}

#[test]
fn xep_0308_correction_names_the_original() {
    // XEP-0308 example 2.
    let edit = edit_of(
        "<message xmlns='jabber:client' to='juliet@capulet.net/balcony' id='good1' type='chat'>\
           <body>But soft, what light through yonder window breaks?</body>\
           <replace id='bad1' xmlns='urn:xmpp:message-correct:0'/>\
         </message>",
    );
    assert_eq!(
        edit,
        Some(EditOf {
            target: "bad1".into(),
            kind: EditKind::Corrected
        })
    );
}

#[test]
fn xep_0424_retraction_in_both_versions() {
    // XEP-0424 (version 1) example 1, with its fallback.
    let edit = edit_of(
        "<message xmlns='jabber:client' type='chat' to='lord@capulet.example' id='retract-1'>\
           <retract id='origin-id-1' xmlns='urn:xmpp:message-retract:1'/>\
           <fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:message-retract:1'/>\
           <body>This person attempted to retract a previous message, but it's unsupported \
                 by your client.</body>\
           <store xmlns='urn:xmpp:hints'/>\
         </message>",
    );
    assert_eq!(
        edit,
        Some(EditOf {
            target: "origin-id-1".into(),
            kind: EditKind::Retracted
        })
    );
    // Version 0.3 and older: a retract inside a XEP-0422 apply-to.
    let edit = edit_of(
        "<message xmlns='jabber:client' type='chat' to='lord@capulet.example' id='retract-2'>\
           <apply-to id='origin-id-2' xmlns='urn:xmpp:fasten:0'>\
             <retract xmlns='urn:xmpp:message-retract:0'/>\
           </apply-to>\
           <body>fallback</body>\
         </message>",
    );
    assert_eq!(
        edit.map(|e| (e.target, e.kind)),
        Some(("origin-id-2".into(), EditKind::Retracted))
    );
    // An apply-to that fastens something else is no retraction.
    let edit = edit_of(
        "<message xmlns='jabber:client' type='chat' id='x'>\
           <apply-to id='o' xmlns='urn:xmpp:fasten:0'><other xmlns='urn:example'/></apply-to>\
           <body>hi</body>\
         </message>",
    );
    assert_eq!(edit, None);
}

#[test]
fn an_edit_naming_no_usable_id_is_no_edit() {
    let long = "x".repeat(handmade::MAX_EDIT_ID + 1);
    for attr in [String::new(), long] {
        let edit = edit_of(&format!(
            "<message xmlns='jabber:client' type='chat' id='x'><body>hi</body>\
               <replace id='{attr}' xmlns='urn:xmpp:message-correct:0'/>\
               <retract id='{attr}' xmlns='urn:xmpp:message-retract:1'/>\
             </message>"
        ));
        assert_eq!(edit, None, "id of {} bytes", attr.len());
    }
}
