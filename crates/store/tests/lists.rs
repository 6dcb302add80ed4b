//! The conversation list and history pages stay fast on a large profile: each is one query
//! the indexes answer, without reading every message.

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use tandem_core::model::{DedupKeys, Direction, NewMessage, Via};
use tandem_core::store::Store;
use tandem_core::testing::bare;
use tandem_core::{BareJid, Jid};
use tandem_store::SqliteStore;

const CONVERSATIONS: usize = 50;
const PER_CONVERSATION: usize = 400;

/// 20,000 messages in 50 conversations, every other one incoming and unread.
async fn big_profile(store: &SqliteStore) -> BareJid {
    let alice = bare("alice@example.org");
    for c in 0..CONVERSATIONS {
        let peer = bare(&format!("contact{c}@example.org"));
        let page: Vec<NewMessage> = (0..PER_CONVERSATION)
            .map(|i| {
                let incoming = i % 2 == 0;
                NewMessage {
                    peer: peer.clone(),
                    from: Jid::new(if incoming {
                        "contact@example.org/desk"
                    } else {
                        "alice@example.org/laptop"
                    })
                    .expect("jid"),
                    direction: if incoming {
                        Direction::In
                    } else {
                        Direction::Out
                    },
                    body: format!("message {i}"),
                    timestamp: Utc
                        .timestamp_opt(1_700_000_000 + (i * CONVERSATIONS + c) as i64, 0)
                        .single()
                        .expect("time"),
                    via: Via::Archive,
                    keys: DedupKeys {
                        stanza_id: Some(format!("{c}-{i}")),
                        origin_id: None,
                    },
                    stanza_attr_id: None,
                    room: None,
                    edit: None,
                }
            })
            .collect();
        store
            .store_archive_page(&alice, &page, None)
            .await
            .expect("page");
    }
    alice
}

/// The query plan of `sql`, one detail per line.
async fn plan(store: &SqliteStore, sql: &str) -> String {
    let rows: Vec<(i64, i64, i64, String)> = sqlx::query_as(&format!("EXPLAIN QUERY PLAN {sql}"))
        .bind(1_i64)
        .bind(1_i64)
        .bind(1_i64)
        .bind(1_i64)
        .bind(1_i64)
        .fetch_all(store.pool())
        .await
        .expect("plan");
    rows.into_iter().map(|r| r.3).collect::<Vec<_>>().join("\n")
}

#[tokio::test]
async fn the_conversation_list_of_20000_messages_is_quick_and_uses_the_indexes() {
    let store = SqliteStore::open_in_memory().await.expect("open");
    let alice = big_profile(&store).await;

    let started = Instant::now();
    let list = store.conversations(&alice).await.expect("conversations");
    let took = started.elapsed();
    assert_eq!(list.len(), CONVERSATIONS);
    // The newest message overall is the last one of the last conversation.
    assert_eq!(list[0].peer, bare("contact49@example.org"));
    assert_eq!(
        list[0].last.body,
        format!("message {}", PER_CONVERSATION - 1)
    );
    assert!(list.iter().all(|c| c.unread == PER_CONVERSATION as u64 / 2));
    assert!(took < Duration::from_millis(500), "took {took:?}");

    let plan = plan(
        &store,
        "SELECT c.peer, \
           (SELECT COUNT(*) FROM message u \
              WHERE u.conversation_id = c.id AND u.direction = 'in' AND u.read = 0), \
           (SELECT COUNT(*) FROM message n \
              WHERE n.conversation_id = c.id AND n.direction = 'in' AND n.read = 0 \
                AND n.mention = 1), \
           EXISTS (SELECT 1 FROM room r WHERE r.account_id = c.account_id AND r.jid = c.peer) \
         FROM conversation c \
         JOIN message m ON m.id = ( \
             SELECT l.id FROM message l WHERE l.conversation_id = c.id \
             ORDER BY l.server_time DESC, l.rank DESC, l.id DESC LIMIT 1) \
         WHERE c.account_id = ?1 \
         ORDER BY m.server_time DESC, m.rank DESC, m.id DESC",
    )
    .await;
    assert!(plan.contains("message_unread"), "{plan}");
    assert!(plan.contains("COVERING INDEX message_mention"), "{plan}");
    assert!(plan.contains("message_history"), "{plan}");
    assert!(plan.contains("SEARCH r USING"), "{plan}");
    assert!(
        !plan.contains("SCAN u") && !plan.contains("SCAN l") && !plan.contains("SCAN n"),
        "{plan}"
    );
}

#[tokio::test]
async fn a_history_page_reads_only_its_rows() {
    let store = SqliteStore::open_in_memory().await.expect("open");
    let alice = big_profile(&store).await;
    let peer = bare("contact7@example.org");

    let started = Instant::now();
    let newest = store
        .history_page(&alice, &peer, None, 50)
        .await
        .expect("page");
    let older = store
        .history_page(&alice, &peer, Some(newest[0].id), 50)
        .await
        .expect("page");
    let took = started.elapsed();
    assert_eq!(newest.len(), 50);
    assert_eq!(newest[49].body, format!("message {}", PER_CONVERSATION - 1));
    assert_eq!(older[49].body, format!("message {}", PER_CONVERSATION - 51));
    assert!(took < Duration::from_millis(200), "took {took:?}");

    let plan = plan(
        &store,
        "SELECT id FROM message \
         WHERE conversation_id = ?1 AND (server_time, rank, id) < (?2, ?3, ?4) \
         ORDER BY server_time DESC, rank DESC, id DESC LIMIT ?5",
    )
    .await;
    assert!(plan.contains("message_history"), "{plan}");
    assert!(!plan.contains("TEMP B-TREE"), "no sort: {plan}");
}
