//! Read state sync: reading a conversation on one device marks it read on all.
//!
//! Our devices tell each other how far a conversation has been read in three ways:
//!
//! * XEP-0333 `<displayed/>` chat markers we send to the contact, which reach our other
//!   devices as sent carbons ([`ReadSource::Marker`]);
//! * XEP-0490 Message Displayed Synchronization items in our own PEP, which reach our other
//!   devices as PEP events from our bare JID ([`ReadSource::Mds`]);
//! * a reply sent from another device, which shows the conversation was read up to that
//!   reply ([`ReadSource::Reply`]).
//!
//! Reading on this device is [`ReadSource::Local`]. Every candidate goes through one rule,
//! [`advance`]: read state only moves forward, markers or MDS items naming an unknown or
//! older message are ignored, and nobody but our own account moves our read state.
//!
//! Positions are ordered by server time, then by row id ([`ReadPosition`]'s `Ord`), the same
//! order [`crate::store::Store::history`] lists a conversation in. Row ids alone are not
//! enough: a message caught up from the archive is stored after newer live ones.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use jid::{BareJid, Jid};
use serde::{Deserialize, Serialize};

use crate::model::{MessageId, StoredMessage};

/// Where a read-state candidate came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ReadSource {
    /// The conversation was read on this device.
    Local,
    /// Our own XEP-0333 `<displayed/>` marker, sent by another of our devices and seen here
    /// as a sent carbon.
    Marker,
    /// An XEP-0490 MDS item in our own PEP, seen here as a PEP event.
    Mds,
    /// A reply sent from another of our devices (seen here as a sent carbon).
    Reply,
}

impl ReadSource {
    /// The stable text form (`local`, `marker`, `mds`, `reply`).
    pub fn as_str(self) -> &'static str {
        match self {
            ReadSource::Local => "local",
            ReadSource::Marker => "marker",
            ReadSource::Mds => "mds",
            ReadSource::Reply => "reply",
        }
    }

    /// Parses the text form written by [`ReadSource::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "local" => ReadSource::Local,
            "marker" => ReadSource::Marker,
            "mds" => ReadSource::Mds,
            "reply" => ReadSource::Reply,
            _ => return None,
        })
    }
}

/// How far a conversation has been read: up to and including this message.
///
/// Ordered as history is ([`StoredMessage::order`]): server time first, then the server's
/// order within the second, then the row id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ReadPosition {
    /// The last message read.
    pub message: MessageId,
    /// Its server time.
    pub timestamp: DateTime<Utc>,
    /// Its rank within the second ([`StoredMessage::rank`]).
    pub rank: i64,
}

impl ReadPosition {
    /// The position of a message whose rank is its row id (as it is when first stored).
    pub fn new(message: MessageId, timestamp: DateTime<Utc>) -> Self {
        Self::ranked(message, timestamp, message.0)
    }

    /// The position of a message with its rank.
    pub fn ranked(message: MessageId, timestamp: DateTime<Utc>, rank: i64) -> Self {
        Self {
            message,
            timestamp,
            rank,
        }
    }
}

impl Ord for ReadPosition {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.timestamp, self.rank, self.message).cmp(&(other.timestamp, other.rank, other.message))
    }
}

impl PartialOrd for ReadPosition {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl From<&StoredMessage> for ReadPosition {
    fn from(m: &StoredMessage) -> Self {
        Self::ranked(m.id, m.timestamp, m.rank)
    }
}

/// Why a read-state candidate was ignored. None of these is an error the user should see:
/// the read state simply stays where it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReadRejection {
    /// The marker, MDS item or reply names a message we have not stored (yet).
    #[error("read marker names a message we do not know")]
    UnknownMessage,
    /// The candidate is not past the current read position (older, or the same message).
    #[error("read marker does not move the read state forward")]
    NotForward,
    /// The candidate does not come from our own account: a contact's `<displayed/>` marker
    /// or reply is their read state, not ours, and anyone else's is forged.
    #[error("read marker from {from} is not from our own account")]
    NotOurAccount {
        /// The `from` that was seen.
        from: String,
    },
}

/// Rule: only our own account moves our read state. [`ReadSource::Local`] is this device
/// and needs no check; markers and replies arrive as sent carbons whose inner `from` is one
/// of our full JIDs, MDS items as PEP events from our bare JID: either way the bare JID must
/// be our account.
fn from_own_account(source: ReadSource, from: &Jid, account: &BareJid) -> bool {
    match source {
        ReadSource::Local => true,
        ReadSource::Marker | ReadSource::Mds | ReadSource::Reply => from.to_bare() == *account,
    }
}

/// Rule: moves a conversation's read state from `current` to `candidate`, or says why not.
///
/// * `current`: the conversation's read position now (`None`: nothing read yet).
/// * `candidate`: the stored message the marker, MDS item or reply names, or for
///   [`ReadSource::Reply`] the reply itself; `None` when it names a message we do not know.
/// * `from`: who sent it (for a marker or reply, the inner `from` of the sent carbon; for an
///   MDS item, the PEP event's `from`; an absent `from` means our own account, so pass our
///   bare JID). Not consulted for [`ReadSource::Local`].
/// * `account`: our bare JID.
///
/// Checks in this order: [`ReadRejection::NotOurAccount`], then
/// [`ReadRejection::UnknownMessage`], then [`ReadRejection::NotForward`]. On success the
/// returned position is the new read state; the caller stores it, marks the messages up to
/// it read, and withdraws notifications it covers ([`crate::notify::withdraws`]).
pub fn advance(
    current: Option<&ReadPosition>,
    candidate: Option<&ReadPosition>,
    source: ReadSource,
    from: &Jid,
    account: &BareJid,
) -> Result<ReadPosition, ReadRejection> {
    if !from_own_account(source, from, account) {
        return Err(ReadRejection::NotOurAccount {
            from: from.to_string(),
        });
    }
    let candidate = candidate.ok_or(ReadRejection::UnknownMessage)?;
    match current {
        Some(current) if candidate <= current => Err(ReadRejection::NotForward),
        _ => Ok(*candidate),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{alice, at, bob, jid, pos};

    const ALL: [ReadSource; 4] = [
        ReadSource::Local,
        ReadSource::Marker,
        ReadSource::Mds,
        ReadSource::Reply,
    ];

    #[test]
    fn read_source_text_form_round_trips() {
        for source in ALL {
            assert_eq!(ReadSource::parse(source.as_str()), Some(source));
        }
        assert_eq!(ReadSource::Mds.as_str(), "mds");
        assert_eq!(ReadSource::parse("displayed"), None);
    }

    #[test]
    fn positions_order_by_server_time_then_row_id() {
        // A message caught up from the archive gets a higher row id but is older.
        assert!(pos(9, 10) < pos(2, 20));
        assert!(pos(2, 10) < pos(3, 10));
        assert_eq!(pos(3, 10).cmp(&pos(3, 10)), Ordering::Equal);
    }

    /// (current, candidate, expected)
    type ForwardCase = (
        Option<ReadPosition>,
        Option<ReadPosition>,
        Result<ReadPosition, ReadRejection>,
    );

    #[test]
    fn read_state_only_moves_forward() {
        let cases: &[ForwardCase] = &[
            // Nothing read yet: any known message moves it.
            (None, Some(pos(1, 10)), Ok(pos(1, 10))),
            // Later message.
            (Some(pos(1, 10)), Some(pos(2, 20)), Ok(pos(2, 20))),
            // Same second, later row.
            (Some(pos(1, 10)), Some(pos(2, 10)), Ok(pos(2, 10))),
            // Older message.
            (
                Some(pos(2, 20)),
                Some(pos(1, 10)),
                Err(ReadRejection::NotForward),
            ),
            // Newer row id but older server time (archive catch-up): still older.
            (
                Some(pos(2, 20)),
                Some(pos(9, 10)),
                Err(ReadRejection::NotForward),
            ),
            // The same message again (a replayed marker): no move.
            (
                Some(pos(2, 20)),
                Some(pos(2, 20)),
                Err(ReadRejection::NotForward),
            ),
        ];
        for source in ALL {
            for (current, candidate, want) in cases {
                let got = advance(
                    current.as_ref(),
                    candidate.as_ref(),
                    source,
                    &jid("alice@example.org/phone"),
                    &alice(),
                );
                assert_eq!(
                    &got, want,
                    "{source:?}: {current:?} -> {candidate:?} should be {want:?}"
                );
            }
        }
    }

    #[test]
    fn markers_naming_an_unknown_message_are_ignored() {
        for source in ALL {
            for current in [None, Some(pos(1, 10))] {
                assert_eq!(
                    advance(
                        current.as_ref(),
                        None,
                        source,
                        &jid("alice@example.org"),
                        &alice()
                    ),
                    Err(ReadRejection::UnknownMessage),
                    "{source:?} from {current:?}"
                );
            }
        }
    }

    #[test]
    fn nobody_but_our_own_account_moves_our_read_state() {
        // (source, from, accepted)
        let cases: &[(ReadSource, &str, bool)] = &[
            // Our other device's displayed marker, as a sent carbon.
            (ReadSource::Marker, "alice@example.org/phone", true),
            (ReadSource::Marker, "alice@example.org", true),
            // The contact's displayed marker is their read state, not ours.
            (ReadSource::Marker, "bob@example.org/x", false),
            (ReadSource::Marker, "bob@example.org", false),
            // Our own PEP.
            (ReadSource::Mds, "alice@example.org", true),
            // Someone else's PEP, or a look-alike account or domain.
            (ReadSource::Mds, "bob@example.org", false),
            (ReadSource::Mds, "alice@evil.example", false),
            (ReadSource::Mds, "example.org", false),
            // Our reply from another device.
            (ReadSource::Reply, "alice@example.org/laptop", true),
            // The contact's reply says nothing about what we read.
            (ReadSource::Reply, "bob@example.org/x", false),
            // This device: `from` is not consulted.
            (ReadSource::Local, "alice@example.org/laptop", true),
            (ReadSource::Local, "bob@example.org", true),
        ];
        for (source, from, accepted) in cases {
            let got = advance(
                Some(&pos(1, 10)),
                Some(&pos(2, 20)),
                *source,
                &jid(from),
                &alice(),
            );
            if *accepted {
                assert_eq!(got, Ok(pos(2, 20)), "{source:?} from {from}");
            } else {
                assert_eq!(
                    got,
                    Err(ReadRejection::NotOurAccount {
                        from: (*from).to_owned()
                    }),
                    "{source:?} from {from}"
                );
            }
        }
    }

    #[test]
    fn a_foreign_marker_is_rejected_before_it_is_looked_at() {
        // A forged marker learns nothing about which messages we know or have read.
        for candidate in [None, Some(pos(1, 10))] {
            assert!(matches!(
                advance(
                    Some(&pos(2, 20)),
                    candidate.as_ref(),
                    ReadSource::Marker,
                    &jid("mallory@example.org/x"),
                    &alice()
                ),
                Err(ReadRejection::NotOurAccount { .. })
            ));
        }
    }

    #[test]
    fn a_reply_from_another_device_marks_read_up_to_the_reply() {
        // Bob's message 1 (t=10) is unread; our phone replies (message 2, t=30).
        let reply = pos(2, 30);
        assert_eq!(
            advance(
                None,
                Some(&reply),
                ReadSource::Reply,
                &jid("alice@example.org/phone"),
                &alice()
            ),
            Ok(reply)
        );
        // Everything up to the reply is covered, Bob's later message 3 (t=40) is not.
        assert!(pos(1, 10) <= reply);
        assert!(pos(3, 40) > reply);
    }

    #[test]
    fn a_read_position_is_taken_from_the_stored_message() {
        let m = StoredMessage {
            id: MessageId(7),
            conversation: bob(),
            body: "hi".into(),
            direction: crate::model::Direction::In,
            from: jid("bob@example.org/x"),
            timestamp: at(5),
            read: false,
            delivered: false,
            seen: false,
            via: crate::model::Via::Live,
            keys: Default::default(),
            stanza_attr_id: None,
            rank: 7,
            room: None,
            edited: None,
        };
        assert_eq!(ReadPosition::from(&m), pos(7, 5));
    }
}
