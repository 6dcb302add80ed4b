//! The contract every [`Store`](super::Store) passes. Run it with
//! [`crate::store_contract_tests!`].
//!
//! Each check is a public async function taking the store under test; the macro generates
//! one test per check. Only built for tests and with the `testing` feature.

use crate::model::{DedupKeys, Direction, NewMessage, Via};
use crate::testing::{at, bob, jid};

mod dedup;
mod devices;
mod edits;
mod marks;
mod order;
mod rooms;

pub use dedup::{
    a_duplicate_fills_in_missing_keys, accounts_are_isolated, archive_pages_commit_their_position,
    messages_without_keys_are_all_kept, origin_id_dedup_is_scoped_to_conversation_and_direction,
    stores_one_message_once_across_its_copies,
};
pub use devices::devices_are_tracked_per_resource;
pub use edits::{
    a_correction_from_another_occupant_is_refused,
    a_correction_of_nothing_stored_is_kept_as_a_message,
    a_correction_replaces_the_text_of_its_authors_message, a_retraction_removes_the_text_for_good,
    an_archive_page_applies_its_edits_in_order,
    an_edit_finds_its_authors_message_among_others_with_the_id,
    each_correction_counts_once_and_the_latest_wins,
};
pub use marks::{
    outgoing_messages_are_read_incoming_start_unread, reading_marks_messages_up_to_the_position,
    receipts_mark_delivered_once, seen_marks_our_messages_up_to_the_position,
};
pub use order::{
    an_archive_copy_puts_a_live_copy_in_the_server_s_order,
    conversations_are_listed_newest_first_with_unread_counts, history_is_oldest_first,
    history_pages_walk_back_oldest_first,
};
pub use rooms::{
    a_room_message_keeps_its_occupant_and_mention, a_room_page_commits_with_its_position,
    conversations_mark_rooms_and_count_unread_mentions, one_to_one_conversations_are_not_rooms,
    replacing_a_room_keeps_its_archive_position_and_messages,
    room_archive_positions_are_per_room_and_apart_from_the_account_s,
    rooms_are_upserted_and_listed_by_jid, the_same_stanza_id_in_two_rooms_is_two_messages,
};

/// A message in alice's conversation with bob.
pub fn msg(
    direction: Direction,
    body: &str,
    secs: i64,
    stanza_id: Option<&str>,
    origin_id: Option<&str>,
    via: Via,
) -> NewMessage {
    let from = match direction {
        Direction::In => "bob@example.org/desk",
        Direction::Out => "alice@example.org/laptop",
    };
    NewMessage {
        peer: bob(),
        from: jid(from),
        direction,
        body: body.into(),
        timestamp: at(secs),
        via,
        keys: DedupKeys {
            stanza_id: stanza_id.map(Into::into),
            origin_id: origin_id.map(Into::into),
        },
        stanza_attr_id: origin_id.map(Into::into),
        room: None,
        edit: None,
    }
}

/// Generates one `#[tokio::test]` per contract check for a store built by `$make`
/// (an async expression evaluated afresh for each test).
#[macro_export]
macro_rules! store_contract_tests {
    ($make:expr) => {
        $crate::store_contract_tests!(@tests $make;
            stores_one_message_once_across_its_copies,
            a_duplicate_fills_in_missing_keys,
            origin_id_dedup_is_scoped_to_conversation_and_direction,
            accounts_are_isolated,
            messages_without_keys_are_all_kept,
            archive_pages_commit_their_position,
            history_is_oldest_first,
            an_archive_copy_puts_a_live_copy_in_the_server_s_order,
            outgoing_messages_are_read_incoming_start_unread,
            receipts_mark_delivered_once,
            seen_marks_our_messages_up_to_the_position,
            reading_marks_messages_up_to_the_position,
            conversations_are_listed_newest_first_with_unread_counts,
            history_pages_walk_back_oldest_first,
            devices_are_tracked_per_resource,
            rooms_are_upserted_and_listed_by_jid,
            replacing_a_room_keeps_its_archive_position_and_messages,
            room_archive_positions_are_per_room_and_apart_from_the_account_s,
            a_room_page_commits_with_its_position,
            a_room_message_keeps_its_occupant_and_mention,
            conversations_mark_rooms_and_count_unread_mentions,
            one_to_one_conversations_are_not_rooms,
            the_same_stanza_id_in_two_rooms_is_two_messages,
            a_correction_replaces_the_text_of_its_authors_message,
            each_correction_counts_once_and_the_latest_wins,
            a_correction_from_another_occupant_is_refused,
            an_edit_finds_its_authors_message_among_others_with_the_id,
            a_retraction_removes_the_text_for_good,
            a_correction_of_nothing_stored_is_kept_as_a_message,
            an_archive_page_applies_its_edits_in_order
        );
    };
    (@tests $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                let store = $make;
                $crate::store::contract::$name(&store).await;
            }
        )*
    };
}

#[cfg(test)]
mod memory {
    use crate::store::MemoryStore;
    crate::store_contract_tests!(MemoryStore::new());
}
