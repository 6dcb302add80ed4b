//! Catch-up speed: how many archived messages per second a signed-out device stores when it
//! comes back, against a real local Prosody, with the real SQLite store.
//!
//! `cargo run --release -p tandem-tests --bin bench-catchup -- [MESSAGES]` (default 10000).
//! Also times the store alone (the same number of messages in archive pages of 50) so that
//! server time and database time can be told apart.

use std::sync::Arc;
use std::time::Instant;

use anyhow::{anyhow, Result};
use chrono::Utc;
use tandem_core::model::{DedupKeys, DeviceType, Direction, NewMessage, Via};
use tandem_core::store::Store;
use tandem_store::SqliteStore;
use tandem_tests::World;

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off")),
        )
        .with_writer(std::io::stderr)
        .init();
    let n: usize = match std::env::args().nth(1) {
        Some(s) => s
            .parse()
            .map_err(|_| anyhow!("usage: bench-catchup [MESSAGES]"))?,
        None => 10_000,
    };
    store_only(n).await?;
    end_to_end(n).await
}

async fn store_only(n: usize) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let store = SqliteStore::open(&dir.path().join("bench.db")).await?;
    let account: jid::BareJid = "alice@tandem.test".parse()?;
    let peer: jid::BareJid = "bob@tandem.test".parse()?;
    let from: jid::Jid = "bob@tandem.test/pc".parse()?;
    let messages: Vec<NewMessage> = (0..n)
        .map(|i| NewMessage {
            peer: peer.clone(),
            from: from.clone(),
            direction: Direction::In,
            body: format!("archived message number {i}"),
            timestamp: Utc::now(),
            via: Via::Archive,
            keys: DedupKeys {
                stanza_id: Some(format!("archive-id-{i}")),
                origin_id: Some(format!("origin-{i}")),
            },
            stanza_attr_id: Some(format!("m{i}")),
            room: None,
            edit: None,
        })
        .collect();
    let started = Instant::now();
    for (p, page) in messages.chunks(50).enumerate() {
        store
            .store_archive_page(
                &account,
                page,
                Some(&format!("archive-id-{}", p * 50 + page.len() - 1)),
            )
            .await?;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "store only: {n} messages in {secs:.2} s = {:.0} messages/s (SQLite, WAL, pages of 50)",
        n as f64 / secs
    );
    Ok(())
}

async fn end_to_end(n: usize) -> Result<()> {
    let w = World::new()?;
    println!("filling alice's archive with {n} messages from bob (alice's laptop online, her phone signed out)…");
    // The laptop takes the messages live; the phone, signed out, can only catch up from the
    // archive (no offline delivery muddles the figure).
    let mut laptop = w
        .device("alice", "laptop", DeviceType::Desktop, true)
        .await?;
    let bob = w.device("bob", "pc", DeviceType::Desktop, true).await?;
    let alice = w.jid("alice");
    let fill = Instant::now();
    bob.send_many(
        &alice,
        (0..n).map(|i| format!("archived message number {i}")),
    )
    .await?;
    bob.close().await;
    laptop
        .expect_message(&format!("archived message number {}", n - 1))
        .await?;
    laptop.close().await;
    println!("filled in {:.1} s", fill.elapsed().as_secs_f64());

    let config = w.config("alice", "phone", DeviceType::Phone, true);
    let store = Arc::new(SqliteStore::open(&w.dir.path().join("phone.db")).await?);
    let started = Instant::now();
    let (session, mut events) = tandem_client::Session::start(config, store.clone()).await?;
    let (stored, pages) = loop {
        match events.recv().await {
            Some(tandem_core::event::Event::CatchUp {
                stored,
                pages,
                done: true,
                ..
            }) => break (stored, pages),
            Some(_) => continue,
            None => return Err(anyhow!("session ended during catch-up")),
        }
    };
    let secs = started.elapsed().as_secs_f64();
    session.close().await;
    let count = store.message_count(&alice).await?;
    println!(
        "catch-up (sign-in + {pages} archive pages from Prosody + SQLite): {stored} messages in {secs:.2} s = {:.0} messages/s; {count} stored",
        stored as f64 / secs
    );
    if count as usize != n {
        return Err(anyhow!("expected {n} stored, found {count}"));
    }
    Ok(())
}
