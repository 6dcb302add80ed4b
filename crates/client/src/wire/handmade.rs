//! The few wire types xmpp-parsers 0.23 lacks, written by hand on minidom: XEP-0372
//! references, XEP-0249 direct invites, the XEP-0045 `<destroy/>` of an occupant's
//! `muc#user` payload, and the XEP-0045 `muc#owner` configuration submit. They only read
//! and write; what a value means is the engine's decision.

use jid::{BareJid, Jid};
use tokio_xmpp::minidom::Element;
use tokio_xmpp::parsers::{data_forms, ns};

/// XEP-0372 references.
pub const NS_REFERENCE: &str = "urn:xmpp:reference:0";

/// XEP-0424 message retraction, version 1 (`<retract id='…'/>`).
pub const NS_RETRACT: &str = "urn:xmpp:message-retract:1";
/// XEP-0424 before version 0.4: a `<retract/>` of this namespace inside a XEP-0422
/// `<apply-to id='…'/>` (what Conversations and Gajim sent until 2023).
pub const NS_RETRACT_0: &str = "urn:xmpp:message-retract:0";
/// XEP-0334 message processing hints (`<store/>`: archive it, though it has no body of
/// its own to speak of).
pub const NS_HINTS: &str = "urn:xmpp:hints";
/// XEP-0428 fallback indication (a retraction's body is one).
pub const NS_FALLBACK: &str = "urn:xmpp:fallback:0";
/// XEP-0422 message fastening (the old retraction's wrapper).
pub const NS_FASTEN: &str = "urn:xmpp:fasten:0";

/// The longest message id an edit may name: longer ones are no message id of ours nor of
/// any client we know, and are not looked up.
pub const MAX_EDIT_ID: usize = 256;

/// The message a XEP-0424 retraction in `el` names: `<retract xmlns='…:1' id='…'/>`, or
/// the old `<apply-to xmlns='urn:xmpp:fasten:0' id='…'><retract xmlns='…:0'/></apply-to>`.
pub fn retraction_of(el: &Element) -> Option<&str> {
    let new = el.is("retract", NS_RETRACT);
    let old = el.is("apply-to", NS_FASTEN) && el.has_child("retract", NS_RETRACT_0);
    let id = el.attr("id").filter(|_| new || old)?;
    Some(id).filter(|id| !id.is_empty() && id.len() <= MAX_EDIT_ID)
}

/// XEP-0249 direct MUC invitations.
pub const NS_CONFERENCE: &str = "jabber:x:conference";

/// XEP-0045 owner use cases (room configuration).
pub const NS_MUC_OWNER: &str = "http://jabber.org/protocol/muc#owner";

/// The `FORM_TYPE` of a XEP-0045 room configuration form.
pub const NS_MUC_ROOMCONFIG: &str = "http://jabber.org/protocol/muc#roomconfig";

/// The room configuration field for a members-only room (XEP-0045).
pub const FIELD_MEMBERS_ONLY: &str = "muc#roomconfig_membersonly";
/// The room-configuration field that keeps a room when its last occupant leaves.
pub const FIELD_PERSISTENT: &str = "muc#roomconfig_persistentroom";

/// A XEP-0372 `<reference xmlns='urn:xmpp:reference:0' type='…' uri='…'/>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// Its `type` (`mention`, `data`).
    pub type_: String,
    /// Its `uri` (for a mention: `xmpp:` and the JID mentioned).
    pub uri: String,
}

impl Reference {
    /// Reads `el` as a reference; `None` when it is none, or lacks `type` or `uri` (both are
    /// required by XEP-0372).
    pub fn parse(el: &Element) -> Option<Reference> {
        if !el.is("reference", NS_REFERENCE) {
            return None;
        }
        Some(Reference {
            type_: el.attr("type")?.to_owned(),
            uri: el.attr("uri")?.to_owned(),
        })
    }

    /// A `type='mention'` reference.
    pub fn is_mention(&self) -> bool {
        self.type_ == "mention"
    }
}

/// A XEP-0249 direct invitation: `<x xmlns='jabber:x:conference' jid='…' reason='…'/>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectInvite {
    /// The room (`jid`, required; a full JID given there is read as its bare JID).
    pub room: BareJid,
    /// The `reason` given.
    pub reason: Option<String>,
}

impl DirectInvite {
    /// Reads `el` as a direct invitation; `None` when it is none or its `jid` is missing or
    /// not a JID.
    pub fn parse(el: &Element) -> Option<DirectInvite> {
        if !el.is("x", NS_CONFERENCE) {
            return None;
        }
        let room = Jid::new(el.attr("jid")?).ok()?.to_bare();
        Some(DirectInvite {
            room,
            reason: el.attr("reason").map(str::to_owned),
        })
    }
}

/// The `<destroy/>` a room puts in the `muc#user` payload of the unavailable presences it
/// sends when it is destroyed (XEP-0045 §10.9): the reason given, `""` when none.
pub fn destroy_reason(muc_user: &Element) -> Option<String> {
    let destroy = muc_user.get_child("destroy", ns::MUC_USER)?;
    Some(
        destroy
            .get_child("reason", ns::MUC_USER)
            .map(|r| r.text().trim().to_owned())
            .unwrap_or_default(),
    )
}

/// The XEP-0045 §10.1 configuration submit of a room we just created:
/// `<query xmlns='…muc#owner'><x xmlns='jabber:x:data' type='submit'>` with the
/// `FORM_TYPE`, `muc#roomconfig_persistentroom` = 1 (a room bookmarked on every device must
/// outlive its occupants: a temporary room and its history vanish when the last one
/// leaves) and, for a members-only room, `muc#roomconfig_membersonly` = 1.
pub fn room_config(members_only: bool) -> Element {
    let mut fields = vec![
        data_forms::Field::new(FIELD_PERSISTENT, data_forms::FieldType::Boolean).with_value("1"),
    ];
    if members_only {
        fields.push(
            data_forms::Field::new(FIELD_MEMBERS_ONLY, data_forms::FieldType::Boolean)
                .with_value("1"),
        );
    }
    let form =
        data_forms::DataForm::new(data_forms::DataFormType::Submit, NS_MUC_ROOMCONFIG, fields);
    Element::builder("query", NS_MUC_OWNER)
        .append(Element::from(form))
        .build()
}
