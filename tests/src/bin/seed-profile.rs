//! Seeds a profile directory with an account and many stored messages, for measuring the
//! desktop app (cold start to the conversation list with 10,000 messages, idle memory).
//!
//! `seed-profile DIR JID PASSWORD SERVER CA_FILE [MESSAGES] [CONTACTS]` (defaults 10000 and
//! 20). The server is where the app will sign in (`tandem lab` prints it); the messages go
//! straight into the profile's SQLite store, spread over the last 30 days, the older ones
//! read, the newest few per conversation unread.

use std::path::PathBuf;

use anyhow::{anyhow, Context, Result};
use chrono::{Duration, Utc};
use tandem_client::profile::{PasswordStore, Profile, Settings};
use tandem_core::model::{DedupKeys, DeviceType, Direction, NewMessage, Via};
use tandem_core::store::Store;
use tandem_store::SqliteStore;

const USAGE: &str = "usage: seed-profile DIR JID PASSWORD SERVER CA_FILE [MESSAGES] [CONTACTS]";

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, jid, password, server, ca, rest @ ..] = args.as_slice() else {
        return Err(anyhow!(USAGE));
    };
    let count: usize = rest
        .first()
        .map_or(Ok(10_000), |s| s.parse())
        .context(USAGE)?;
    let contacts: usize = rest.get(1).map_or(Ok(20), |s| s.parse()).context(USAGE)?;
    let account: jid::BareJid = jid.parse()?;
    let domain = account.domain().to_string();

    let profile = Profile::open(&PathBuf::from(dir))?;
    let mut settings = Settings {
        jid: account.clone(),
        resource: "laptop".into(),
        device: DeviceType::Desktop,
        server: Some(server.clone()),
        ca_file: Some(PathBuf::from(ca)),
        carbons: true,
        password_store: PasswordStore::File,
        active_window_secs: None,
        notifications: true,
    };
    settings.password_store = profile.store_password(&account, password).await?;
    profile.save_settings(&settings)?;

    let store = SqliteStore::open(&profile.database_path()).await?;
    let start = Utc::now() - Duration::days(30);
    let step = Duration::days(30).num_milliseconds() / count.max(1) as i64;
    let mut page = Vec::with_capacity(50);
    for i in 0..count {
        let contact: jid::BareJid =
            format!("contact{:02}@{domain}", i % contacts.max(1)).parse()?;
        let incoming = i % 3 != 0;
        let from: jid::Jid = if incoming {
            format!("{contact}/phone").parse()?
        } else {
            format!("{account}/laptop").parse()?
        };
        page.push(NewMessage {
            peer: contact,
            from,
            direction: if incoming {
                Direction::In
            } else {
                Direction::Out
            },
            body: format!("seeded message {i}: the quick brown fox jumps over the lazy dog"),
            timestamp: start + Duration::milliseconds(step * i as i64),
            via: Via::Archive,
            keys: DedupKeys {
                stanza_id: Some(format!("seed-{i}")),
                origin_id: None,
            },
            stanza_attr_id: None,
            room: None,
            edit: None,
        });
        if page.len() == 50 {
            store.store_archive_page(&account, &page, None).await?;
            page.clear();
        }
    }
    store.store_archive_page(&account, &page, None).await?;
    // Older messages read: each conversation's newest four stay unread.
    for c in 0..contacts.max(1) {
        let peer: jid::BareJid = format!("contact{c:02}@{domain}").parse()?;
        let newest = store.history_page(&account, &peer, None, 4).await?;
        if let Some(first) = newest.first() {
            if let Some(older) = store
                .history_page(&account, &peer, Some(first.id), 1)
                .await?
                .last()
            {
                store.mark_read(&account, &peer, older.id).await?;
            }
        }
    }
    let total = store.message_count(&account).await?;
    store.close().await;
    println!("seeded {total} messages for {account} in {dir}");
    Ok(())
}
