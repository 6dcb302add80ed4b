//! Connection loss against a real Prosody: the session reconnects by itself and, when the old
//! stream cannot be resumed, catches up from the archive so nothing sent meanwhile is missed.

use anyhow::Result;
use tandem_core::event::Event;
use tandem_core::store::Store;
use tandem_tests::World;

#[tokio::test(flavor = "multi_thread")]
async fn a_dropped_session_reconnects_and_catches_up() -> Result<()> {
    let w = World::new()?;
    let mut laptop = w.laptop().await?;
    let bob = w.bob().await?;

    // The server drops every connection of alice's; bob writes while she is away.
    // (prosodyctl waits for the close handshake, so it must not block our runtime.)
    let w = std::sync::Arc::new(w);
    let (lab_world, alice) = (w.clone(), w.jid("alice").to_string());
    tokio::task::spawn_blocking(move || lab_world.lab.disconnect(&alice)).await??;
    bob.session
        .send(w.jid("alice"), "while you were away".into())
        .await?;

    let (mut dropped, mut reconnected, mut caught_up, mut got) = (false, false, false, false);
    while !(reconnected && caught_up && got) {
        match laptop.next_event().await? {
            Event::Disconnected { .. } => dropped = true,
            Event::Connected { resumed: false, .. } => reconnected = true,
            Event::CatchUp { done: true, .. } if reconnected => caught_up = true,
            Event::Message(m) if m.body == "while you were away" => got = true,
            _ => {}
        }
    }
    assert!(dropped, "the drop was reported");
    let history = laptop.store.history(&w.jid("alice"), &w.jid("bob")).await?;
    assert_eq!(
        history
            .iter()
            .filter(|m| m.body == "while you were away")
            .count(),
        1,
        "stored once: {history:?}"
    );
    // And the session works as before.
    laptop.session.send(w.jid("bob"), "back".into()).await?;
    for d in [laptop, bob] {
        d.close().await;
    }
    Ok(())
}
