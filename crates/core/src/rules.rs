//! The named multi-device rules. Each is a pure function whose tests are named after the
//! invariant they protect; `tandem-client` must consult them before storing anything.

use jid::{BareJid, FullJid, Jid};

use crate::model::{DedupKeys, Direction, EditKind, NewMessage, StoredMessage};

/// Why an inbound wrapper (carbon or archive result) was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// A carbon whose outer `from` is not our own bare JID: anyone could forge it
    /// (the CVE-2017-5589 class).
    #[error("carbon from {from} is not from our own account")]
    ForgedCarbon {
        /// The outer `from` that was seen.
        from: String,
    },
    /// An archive result that does not come from our own archive.
    #[error("archive result from {from} is not from our own archive")]
    ForeignArchive {
        /// The outer `from` that was seen.
        from: String,
    },
    /// An archive result for a query we did not send (or no longer wait for).
    #[error("archive result for unknown query {query_id:?}")]
    UnknownQuery {
        /// The query id in the result, if any.
        query_id: Option<String>,
    },
    /// A forwarded message that involves neither us nor a single contact.
    #[error("forwarded message does not involve our account")]
    NotOurs,
}

/// The wrapper rule shared by carbons and archive results: the stanza must come from our own
/// account. An absent `from` means our server on behalf of our account (RFC 6120 §8.1.2.1).
fn from_own_account(outer_from: Option<&Jid>, account: &BareJid) -> bool {
    match outer_from {
        None => true,
        Some(from) => from.try_as_full().is_err() && from.to_bare() == *account,
    }
}

/// Rule: the characters XML 1.0 (and so XMPP) can carry in text (XML 1.0 §2.2, `Char`).
pub fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Rule: what our own server vouches for carries its domain or our bare JID as `from`
/// (offline delivery stamps its delay from the domain, a quiet-mode flush from our bare
/// JID). A contact, or another server, can name neither.
pub fn vouched_by_our_server(from: &Jid, account: &BareJid) -> bool {
    from.try_as_full().is_err()
        && (from.to_bare() == *account
            || (from.node().is_none() && from.domain() == account.domain()))
}

/// Rule: a carbon is accepted only when its outer `from` is our own bare JID, or absent.
pub fn accept_carbon(outer_from: Option<&Jid>, account: &BareJid) -> Result<(), Rejection> {
    if from_own_account(outer_from, account) {
        Ok(())
    } else {
        Err(Rejection::ForgedCarbon {
            from: outer_from.map(|j| j.to_string()).unwrap_or_default(),
        })
    }
}

/// Rule: an archive result is accepted only from our own archive and with the id of the
/// query we are waiting for.
pub fn accept_archive_result(
    outer_from: Option<&Jid>,
    account: &BareJid,
    query_id: Option<&str>,
    expected_query_id: Option<&str>,
) -> Result<(), Rejection> {
    if !from_own_account(outer_from, account) {
        return Err(Rejection::ForeignArchive {
            from: outer_from.map(|j| j.to_string()).unwrap_or_default(),
        });
    }
    match (query_id, expected_query_id) {
        (Some(got), Some(want)) if got == want => Ok(()),
        _ => Err(Rejection::UnknownQuery {
            query_id: query_id.map(str::to_owned),
        }),
    }
}

/// Rule: an IQ response answers our request only when it comes from the party asked. A
/// request without `to` goes to our own account (RFC 6120 §10.3.3): its answer comes with no
/// `from`, our bare JID or our own full JID. A request to a JID is answered by that JID (a
/// server may leave `from` off only for requests to our own account). Matching on the id
/// alone let a contact who learned a pending id end our catch-up with a forged `<fin/>`.
pub fn answers_request(
    asked: Option<&Jid>,
    from: Option<&Jid>,
    account: &BareJid,
    own: Option<&FullJid>,
) -> bool {
    let to_account = asked.is_none_or(|a| a.try_as_full().is_err() && a.to_bare() == *account);
    match from {
        None => to_account,
        Some(from) if to_account => {
            (from.try_as_full().is_err() && from.to_bare() == *account)
                || own.is_some_and(|own| from.try_as_full().ok() == Some(own))
        }
        Some(from) => asked == Some(from),
    }
}

/// Who a one-to-one message is with and which way it went, seen from `account`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counterpart {
    /// The contact.
    pub peer: BareJid,
    /// In or out.
    pub direction: Direction,
}

/// Rule: a one-to-one message is outgoing when it comes from our account and incoming when it
/// is addressed to our account; anything else (a message between two other parties, a
/// message to ourselves from ourselves without a peer) is not a conversation of ours.
pub fn counterpart(
    from: Option<&Jid>,
    to: Option<&Jid>,
    account: &BareJid,
) -> Result<Counterpart, Rejection> {
    let from_bare = from.map(Jid::to_bare);
    let to_bare = to.map(Jid::to_bare);
    let from_us = from_bare.as_ref().is_none_or(|f| f == account);
    let to_us = to_bare.as_ref().is_none_or(|t| t == account);
    match (from_us, to_us) {
        (true, false) => Ok(Counterpart {
            peer: to_bare.ok_or(Rejection::NotOurs)?,
            direction: Direction::Out,
        }),
        (false, true) => Ok(Counterpart {
            peer: from_bare.ok_or(Rejection::NotOurs)?,
            direction: Direction::In,
        }),
        // Notes to self: the conversation is with our own account.
        (true, true) => Ok(Counterpart {
            peer: account.clone(),
            direction: if from.is_some_and(|f| f.try_as_full().is_ok()) {
                Direction::Out
            } else {
                Direction::In
            },
        }),
        (false, false) => Err(Rejection::NotOurs),
    }
}

/// Rule: the identity of a message is the stanza-id our own server stamped (`by` = our bare
/// JID; ids stamped by anyone else are attacker-controlled and ignored) and the sender's
/// origin-id. The store enforces uniqueness on each key that is present.
///
/// Our server's claim counts only when it is the only one: Prosody 0.12 passes a sender's
/// own `<stanza-id by='our JID'>` through beside the one it adds, so with two claims for our
/// JID one is forged and neither can be told apart from the other. Trusting the first let a
/// contact make later real messages look like duplicates (dedup poisoning); with two claims
/// the message keeps only its origin-id, and its archive copy brings the real id.
pub fn dedup_keys<'a>(
    stanza_ids: impl IntoIterator<Item = (&'a Jid, &'a str)>,
    origin_id: Option<&str>,
    account: &BareJid,
) -> DedupKeys {
    let mut ours = stanza_ids
        .into_iter()
        .filter(|(by, _)| by.try_as_full().is_err() && by.to_bare() == *account)
        .map(|(_, id)| id);
    let stanza_id = match (ours.next(), ours.next()) {
        (Some(id), None) if !id.is_empty() => Some(id.to_owned()),
        _ => None,
    };
    DedupKeys {
        stanza_id,
        origin_id: origin_id.filter(|id| !id.is_empty()).map(str::to_owned),
    }
}

/// Why a correction (XEP-0308) or retraction (XEP-0424) changed nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EditRefusal {
    /// Someone other than the original's author sent it: in a room another occupant (by
    /// occupant-id where the room offers them, else by nick), in a chat another account.
    #[error("it does not come from the author of the message it names")]
    NotTheAuthor,
    /// The message it names was retracted: nothing brings it back.
    #[error("the message it names was retracted")]
    Retracted,
    /// No stored message of the conversation has the id it names.
    #[error("no stored message has the id it names")]
    NoTarget,
}

/// Rule: a correction or retraction changes a stored message only when the same author
/// wrote both (XEP-0308 §5, XEP-0424 §6). Our own messages (outgoing: the engine decided
/// they are ours from our own account or our own occupant) may be edited from any of our
/// devices. In a room, the occupant: when either message carries a XEP-0421 occupant-id
/// (read only where the room offers them), both must carry the same one; without them,
/// the same nick. In a chat, the contact's account (the same bare JID: any of the
/// contact's devices speaks for the contact). A retracted message stays retracted.
pub fn may_edit(original: &StoredMessage, edit: &NewMessage) -> Result<(), EditRefusal> {
    if original
        .edited
        .is_some_and(|e| e.kind == EditKind::Retracted)
    {
        return Err(EditRefusal::Retracted);
    }
    if original.direction != edit.direction || original.conversation != edit.peer {
        return Err(EditRefusal::NotTheAuthor);
    }
    let same = match (&original.room, &edit.room) {
        _ if edit.direction == Direction::Out => true,
        (Some(a), Some(b)) => match (&a.occupant_id, &b.occupant_id) {
            (None, None) => a.nick == b.nick,
            (x, y) => x == y,
        },
        (None, None) => original.from.to_bare() == edit.from.to_bare(),
        _ => false,
    };
    if same {
        Ok(())
    } else {
        Err(EditRefusal::NotTheAuthor)
    }
}

/// Whether a stored message is the one an edit names: its `id` attribute, its origin-id
/// or its stanza-id (a room's, which XEP-0424 names in rooms) is the target.
pub fn edit_names(original: &StoredMessage, target: &str) -> bool {
    original.stanza_attr_id.as_deref() == Some(target)
        || original.keys.origin_id.as_deref() == Some(target)
        || original.keys.stanza_id.as_deref() == Some(target)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{alice, full, jid};

    #[test]
    fn carbon_from_own_bare_jid_or_absent_is_accepted() {
        assert_eq!(accept_carbon(None, &alice()), Ok(()));
        assert_eq!(
            accept_carbon(Some(&jid("alice@example.org")), &alice()),
            Ok(())
        );
    }

    #[test]
    fn carbon_from_anyone_else_is_rejected() {
        for from in [
            "bob@example.org",
            "alice@example.org/phone",
            "example.org",
            "alice@evil.example",
        ] {
            assert!(
                matches!(
                    accept_carbon(Some(&jid(from)), &alice()),
                    Err(Rejection::ForgedCarbon { .. })
                ),
                "{from} must be rejected"
            );
        }
    }

    #[test]
    fn archive_result_needs_our_archive_and_our_query_id() {
        let own = jid("alice@example.org");
        assert_eq!(
            accept_archive_result(Some(&own), &alice(), Some("q1"), Some("q1")),
            Ok(())
        );
        assert_eq!(
            accept_archive_result(None, &alice(), Some("q1"), Some("q1")),
            Ok(())
        );
        assert!(matches!(
            accept_archive_result(Some(&own), &alice(), Some("q2"), Some("q1")),
            Err(Rejection::UnknownQuery { .. })
        ));
        assert!(matches!(
            accept_archive_result(Some(&own), &alice(), None, Some("q1")),
            Err(Rejection::UnknownQuery { .. })
        ));
        assert!(matches!(
            accept_archive_result(Some(&own), &alice(), Some("q1"), None),
            Err(Rejection::UnknownQuery { .. })
        ));
        assert!(matches!(
            accept_archive_result(
                Some(&jid("bob@example.org")),
                &alice(),
                Some("q1"),
                Some("q1")
            ),
            Err(Rejection::ForeignArchive { .. })
        ));
    }

    #[test]
    fn only_xml_characters_can_be_sent() {
        for c in [
            'a', '\t', '\n', '\r', 'é', '\u{202E}', '\u{85}', '🎉', '\u{FFFD}',
        ] {
            assert!(xml_char(c), "{c:?}");
        }
        for c in [
            '\u{0}', '\u{1b}', '\u{7}', '\u{8}', '\u{1f}', '\u{FFFE}', '\u{FFFF}',
        ] {
            assert!(!xml_char(c), "{c:?}");
        }
    }

    #[test]
    fn only_our_server_vouches_for_a_time() {
        for (from, vouched) in [
            ("example.org", true),
            ("alice@example.org", true),
            ("alice@example.org/phone", false),
            ("bob@example.org", false),
            ("evil.example", false),
            ("example.org/res", false),
            ("conference.example.org", false),
        ] {
            assert_eq!(
                vouched_by_our_server(&jid(from), &alice()),
                vouched,
                "{from}"
            );
        }
    }

    #[test]
    fn an_iq_response_counts_only_from_the_party_asked() {
        let own = full("alice@example.org/laptop");
        let cases: &[(Option<&str>, Option<&str>, bool)] = &[
            // Asked our own account (MAM, carbons, roster, PEP).
            (None, None, true),
            (None, Some("alice@example.org"), true),
            (None, Some("alice@example.org/laptop"), true),
            (None, Some("alice@example.org/phone"), false),
            (None, Some("bob@example.org/x"), false),
            (None, Some("example.org"), false),
            (Some("alice@example.org"), Some("alice@example.org"), true),
            // Asked another device or a contact.
            (
                Some("alice@example.org/phone"),
                Some("alice@example.org/phone"),
                true,
            ),
            (
                Some("alice@example.org/phone"),
                Some("alice@example.org"),
                false,
            ),
            (Some("alice@example.org/phone"), None, false),
            (
                Some("bob@example.org/x"),
                Some("colin@example.org/x"),
                false,
            ),
        ];
        for (asked, from, want) in cases {
            let got = answers_request(
                asked.map(jid).as_ref(),
                from.map(jid).as_ref(),
                &alice(),
                Some(&own),
            );
            assert_eq!(got, *want, "asked {asked:?}, answered by {from:?}");
        }
    }

    /// (from, to, expected (peer, direction) or not ours)
    type CounterpartCase<'a> = (
        Option<&'a str>,
        Option<&'a str>,
        Result<(&'a str, Direction), ()>,
    );

    #[test]
    fn counterpart_table() {
        let cases: &[CounterpartCase] = &[
            (
                Some("bob@example.org/x"),
                Some("alice@example.org/laptop"),
                Ok(("bob@example.org", Direction::In)),
            ),
            (
                Some("bob@example.org/x"),
                None,
                Ok(("bob@example.org", Direction::In)),
            ),
            (
                Some("alice@example.org/phone"),
                Some("bob@example.org"),
                Ok(("bob@example.org", Direction::Out)),
            ),
            (
                None,
                Some("bob@example.org"),
                Ok(("bob@example.org", Direction::Out)),
            ),
            (Some("colin@example.org"), Some("bob@example.org"), Err(())),
        ];
        for (from, to, want) in cases {
            let got = counterpart(from.map(jid).as_ref(), to.map(jid).as_ref(), &alice());
            match (got, want) {
                (Ok(c), Ok((peer, dir))) => {
                    assert_eq!(c.peer.as_str(), *peer);
                    assert_eq!(c.direction, *dir);
                }
                (Err(_), Err(())) => {}
                (got, want) => panic!("{from:?} -> {to:?}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn only_our_servers_stanza_id_counts_for_dedup() {
        let own = jid("alice@example.org");
        let other = jid("bob@example.org");
        let keys = dedup_keys([(&other, "forged"), (&own, "S1")], Some("O1"), &alice());
        assert_eq!(keys.stanza_id.as_deref(), Some("S1"));
        assert_eq!(keys.origin_id.as_deref(), Some("O1"));

        let keys = dedup_keys([(&other, "forged")], None, &alice());
        assert!(keys.is_empty());

        let keys = dedup_keys([(&own, "")], Some(""), &alice());
        assert!(keys.is_empty(), "empty ids are not identities");
    }

    #[test]
    fn two_claims_for_our_stanza_id_make_neither_count() {
        let own = jid("alice@example.org");
        // The contact's forged claim first (as Prosody 0.12 relays it), or second.
        for ids in [
            [(&own, "forged"), (&own, "S1")],
            [(&own, "S1"), (&own, "forged")],
        ] {
            let keys = dedup_keys(ids, Some("O1"), &alice());
            assert_eq!(keys.stanza_id, None, "{ids:?}");
            assert_eq!(keys.origin_id.as_deref(), Some("O1"));
        }
        let full = jid("alice@example.org/phone");
        let keys = dedup_keys([(&full, "x"), (&own, "S1")], None, &alice());
        assert_eq!(
            keys.stanza_id.as_deref(),
            Some("S1"),
            "a full JID is not our archive"
        );
    }

    mod edits {
        use chrono::{TimeZone, Utc};

        use super::*;
        use crate::model::{EditOf, Edited, MessageId, Via};
        use crate::room::RoomMeta;

        fn occupant(nick: &str, id: Option<&str>) -> Option<RoomMeta> {
            Some(RoomMeta {
                nick: nick.into(),
                occupant_id: id.map(str::to_owned),
                mention: false,
            })
        }

        fn stored(peer: &str, from: &str, dir: Direction, room: Option<RoomMeta>) -> StoredMessage {
            StoredMessage {
                id: MessageId(1),
                conversation: jid(peer).to_bare(),
                body: "original".into(),
                direction: dir,
                from: jid(from),
                timestamp: Utc.timestamp_opt(1_000, 0).unwrap(),
                read: false,
                delivered: false,
                seen: false,
                via: Via::Live,
                keys: DedupKeys::default(),
                stanza_attr_id: Some("m1".into()),
                rank: 1,
                room,
                edited: None,
            }
        }

        fn edit(peer: &str, from: &str, dir: Direction, room: Option<RoomMeta>) -> NewMessage {
            NewMessage {
                peer: jid(peer).to_bare(),
                from: jid(from),
                direction: dir,
                body: "fixed".into(),
                timestamp: Utc.timestamp_opt(1_010, 0).unwrap(),
                via: Via::Live,
                keys: DedupKeys::default(),
                stanza_attr_id: Some("m2".into()),
                room,
                edit: Some(EditOf {
                    target: "m1".into(),
                    kind: EditKind::Corrected,
                }),
            }
        }

        const ROOM: &str = "room@muc.example.org";

        #[test]
        fn only_the_same_occupant_edits_a_room_message() {
            let original = stored(
                ROOM,
                "room@muc.example.org/bob",
                Direction::In,
                occupant("bob", Some("B")),
            );
            let cases = [
                ("bob", Some("B"), Ok(())),
                // A nick change keeps the occupant-id: still bob.
                ("robert", Some("B"), Ok(())),
                // Someone who took bob's nick after he left.
                ("bob", Some("M"), Err(EditRefusal::NotTheAuthor)),
                // The room stopped vouching: the nick alone is not enough against an id.
                ("bob", None, Err(EditRefusal::NotTheAuthor)),
                ("mallory", Some("M"), Err(EditRefusal::NotTheAuthor)),
            ];
            for (nick, id, want) in cases {
                let e = edit(
                    ROOM,
                    &format!("{ROOM}/{nick}"),
                    Direction::In,
                    occupant(nick, id),
                );
                assert_eq!(may_edit(&original, &e), want, "{nick} {id:?}");
            }
        }

        #[test]
        fn without_occupant_ids_a_room_edit_needs_the_same_nick() {
            let original = stored(
                ROOM,
                "room@muc.example.org/bob",
                Direction::In,
                occupant("bob", None),
            );
            let same = edit(
                ROOM,
                "room@muc.example.org/bob",
                Direction::In,
                occupant("bob", None),
            );
            assert_eq!(may_edit(&original, &same), Ok(()));
            let other = edit(
                ROOM,
                "room@muc.example.org/colin",
                Direction::In,
                occupant("colin", None),
            );
            assert_eq!(may_edit(&original, &other), Err(EditRefusal::NotTheAuthor));
        }

        #[test]
        fn a_chat_edit_needs_the_contacts_own_account() {
            let original = stored(
                "bob@example.org",
                "bob@example.org/laptop",
                Direction::In,
                None,
            );
            let phone = edit(
                "bob@example.org",
                "bob@example.org/phone",
                Direction::In,
                None,
            );
            assert_eq!(may_edit(&original, &phone), Ok(()));
            let other = edit(
                "bob@example.org",
                "mallory@example.org/x",
                Direction::In,
                None,
            );
            assert_eq!(may_edit(&original, &other), Err(EditRefusal::NotTheAuthor));
            // Another conversation's message with the same id.
            let elsewhere = edit(
                "colin@example.org",
                "colin@example.org/x",
                Direction::In,
                None,
            );
            assert_eq!(
                may_edit(&original, &elsewhere),
                Err(EditRefusal::NotTheAuthor)
            );
        }

        #[test]
        fn a_contact_cannot_edit_our_messages_nor_we_theirs() {
            let ours = stored(
                "bob@example.org",
                "alice@example.org/laptop",
                Direction::Out,
                None,
            );
            let theirs = edit("bob@example.org", "bob@example.org/x", Direction::In, None);
            assert_eq!(may_edit(&ours, &theirs), Err(EditRefusal::NotTheAuthor));
            // Any of our devices edits ours, in a chat or a room.
            let phone = edit(
                "bob@example.org",
                "alice@example.org/phone",
                Direction::Out,
                None,
            );
            assert_eq!(may_edit(&ours, &phone), Ok(()));
            let ours = stored(
                ROOM,
                "alice@example.org/laptop",
                Direction::Out,
                occupant("alice", None),
            );
            let reflected = edit(
                ROOM,
                "room@muc.example.org/alice",
                Direction::Out,
                occupant("alice", Some("A")),
            );
            assert_eq!(may_edit(&ours, &reflected), Ok(()));
        }

        #[test]
        fn a_retracted_message_stays_retracted() {
            let mut original = stored("bob@example.org", "bob@example.org/x", Direction::In, None);
            original.edited = Some(Edited {
                kind: EditKind::Retracted,
                at: original.timestamp,
            });
            let e = edit("bob@example.org", "bob@example.org/x", Direction::In, None);
            assert_eq!(may_edit(&original, &e), Err(EditRefusal::Retracted));
        }

        #[test]
        fn an_edit_names_a_message_by_any_of_its_ids() {
            let mut m = stored(ROOM, "room@muc.example.org/bob", Direction::In, None);
            m.keys.origin_id = Some("o1".into());
            m.keys.stanza_id = Some("s1".into());
            for t in ["m1", "o1", "s1"] {
                assert!(edit_names(&m, t), "{t}");
            }
            assert!(!edit_names(&m, "other"));
        }
    }
}
