//! Group chat (XEP-0045) as the store and front ends see it: a room as bookmarked, how it
//! notifies, and who wrote a room message; and the pure rules about rooms (mentions, which
//! occupant is us, which stanza-id counts).

use jid::BareJid;
use serde::{Deserialize, Serialize};

/// How a room notifies on the device that notifies (the same active-device rule as one-to-one
/// chats decides which device that is).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum RoomNotify {
    /// Every message.
    All,
    /// Only messages that mention us: our nick, or a XEP-0372 reference to our JID.
    #[default]
    Mentions,
    /// Never.
    None,
}

impl RoomNotify {
    /// The stable text form (`all`, `mentions`, `none`), in the database and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            RoomNotify::All => "all",
            RoomNotify::Mentions => "mentions",
            RoomNotify::None => "none",
        }
    }

    /// Parses the text form written by [`RoomNotify::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "all" => RoomNotify::All,
            "mentions" => RoomNotify::Mentions,
            "none" => RoomNotify::None,
            _ => return None,
        })
    }
}

/// A room of ours, as stored: what its bookmark says, and what we learnt of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Room {
    /// The room's bare JID.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub jid: BareJid,
    /// Its name (the bookmark's, else the room's own), if any.
    pub name: Option<String>,
    /// Our nick in it.
    pub nick: String,
    /// Joined on every device (the bookmark's autojoin).
    pub autojoin: bool,
    /// How it notifies.
    pub notify: RoomNotify,
    /// Why the room is gone (destroyed, or not found), once it is: never rejoined.
    pub gone: Option<String>,
}

/// Who wrote a room message, and what it means for us.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RoomMeta {
    /// The occupant's nick (the resource of the room JID it came from).
    pub nick: String,
    /// Its XEP-0421 occupant-id, when the room offers them: stable across nick changes.
    pub occupant_id: Option<String>,
    /// It mentions us (our nick or a XEP-0372 reference to our JID).
    pub mention: bool,
}

/// Rule: a message mentions us when its body names our nick as a word (case-insensitive,
/// not inside a longer word: "ali" is not mentioned by "alice") or it carries a XEP-0372
/// mention reference to our bare JID or our occupant JID.
pub fn mentions(
    body: &str,
    nick: &str,
    references: &[String],
    account: &BareJid,
    room_jid: &str,
) -> bool {
    let ours = |uri: &str| {
        let target = uri.strip_prefix("xmpp:").unwrap_or(uri);
        target == account.as_str() || target == room_jid
    };
    if references.iter().any(|r| ours(r)) {
        return true;
    }
    let nick = nick.trim();
    if nick.is_empty() {
        return false;
    }
    let body = body.to_lowercase();
    let nick = nick.to_lowercase();
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-');
    let mut from = 0;
    while let Some(at) = body[from..].find(&nick) {
        let start = from + at;
        let end = start + nick.len();
        if !word(body[..start].chars().next_back()) && !word(body[end..].chars().next()) {
            return true;
        }
        from = start + nick.chars().next().map_or(1, char::len_utf8);
    }
    false
}

/// Rule: which occupant is us. Where the room offers XEP-0421 occupant-ids, ours (learnt
/// from our own join presence, status 110) decides, whatever the nick; else our current
/// nick. A message with another occupant's id is never ours, even under our nick (a nick
/// can change hands once we leave).
pub fn is_us(meta: &RoomMeta, our_nick: &str, our_occupant_id: Option<&str>) -> bool {
    match (our_occupant_id, meta.occupant_id.as_deref()) {
        (Some(ours), Some(theirs)) => ours == theirs,
        _ => meta.nick == our_nick,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::alice;

    #[test]
    fn a_mention_is_our_nick_as_a_word_or_a_reference_to_us() {
        let room = "room@conference.example.org/Alice";
        let cases: &[(&str, &[&str], bool)] = &[
            ("Alice, are you there?", &[], true),
            ("hey alice", &[], true),
            ("ALICE!", &[], true),
            ("malice aforethought", &[], false),
            ("alice_bot said hi", &[], false),
            ("alices", &[], false),
            ("nothing here", &[], false),
            ("see above", &["xmpp:alice@example.org"], true),
            (
                "see above",
                &["xmpp:room@conference.example.org/Alice"],
                true,
            ),
            ("see above", &["xmpp:bob@example.org"], false),
            ("Alice", &[], true),
            ("ünïcode Alice ünïcode", &[], true),
        ];
        for (body, refs, want) in cases {
            let refs: Vec<String> = refs.iter().map(|s| s.to_string()).collect();
            assert_eq!(
                mentions(body, "Alice", &refs, &alice(), room),
                *want,
                "{body:?} {refs:?}"
            );
        }
        assert!(!mentions("anything", "  ", &[], &alice(), room));
    }

    #[test]
    fn occupant_ids_decide_who_is_us_where_the_room_offers_them() {
        let meta = |nick: &str, id: Option<&str>| RoomMeta {
            nick: nick.into(),
            occupant_id: id.map(str::to_owned),
            mention: false,
        };
        assert!(is_us(&meta("alice", None), "alice", None));
        assert!(!is_us(&meta("bob", None), "alice", None));
        assert!(is_us(&meta("old-nick", Some("A")), "alice", Some("A")));
        assert!(!is_us(&meta("alice", Some("B")), "alice", Some("A")));
        assert!(is_us(&meta("alice", None), "alice", Some("A")));
    }

    #[test]
    fn notify_settings_round_trip() {
        for n in [RoomNotify::All, RoomNotify::Mentions, RoomNotify::None] {
            assert_eq!(RoomNotify::parse(n.as_str()), Some(n));
        }
        assert_eq!(RoomNotify::default(), RoomNotify::Mentions);
        assert_eq!(RoomNotify::parse("loud"), None);
    }
}
