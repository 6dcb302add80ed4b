//! History is in the order our server archived the messages, also when live copies and
//! archive pages overlap (signing in during a burst) and across sessions.

use std::time::Duration;

use anyhow::Result;
use tandem_core::model::DeviceType;
use tandem_tests::{World, PATIENCE};

#[tokio::test(flavor = "multi_thread")]
async fn history_keeps_the_server_s_order_when_live_copies_overlap_catch_up() -> Result<()> {
    const TOTAL: usize = 1600;
    let w = World::new()?;
    let (alice, bob_jid) = (w.jid("alice"), w.jid("bob"));
    let bob = w.bob().await?;
    // The laptop is online, so what the phone missed is in the archive, not offline storage.
    let laptop = w.laptop().await?;
    let body = |i: usize| format!("m{i:04}");
    // bob writes without pause; the phone signs in half way, so the last pages of its
    // catch-up and the first live copies are stamped with the same seconds.
    let (half_way, signed_in) = tokio::sync::oneshot::channel();
    let burst = {
        let alice = alice.clone();
        async move {
            let mut half_way = Some(half_way);
            for start in (0..TOTAL).step_by(100) {
                bob.send_many(&alice, (start..start + 100).map(body))
                    .await?;
                if start >= TOTAL / 3 {
                    if let Some(tx) = half_way.take() {
                        let _ = tx.send(());
                    }
                }
            }
            Ok::<_, anyhow::Error>(bob)
        }
    };
    let phone = async {
        let _ = signed_in.await;
        let config = w.config("alice", "phone", DeviceType::Phone, true);
        w.start(config).await
    };
    let (bob, mut phone) = tokio::try_join!(burst, phone)?;
    phone.caught_up().await?;
    let want: Vec<String> = (0..TOTAL).map(body).collect();
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let got = loop {
        let got = phone.bodies(&bob_jid).await?;
        if got.len() >= TOTAL || tokio::time::Instant::now() > deadline {
            break got;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(got.len(), TOTAL, "every message once");
    let misplaced = got.iter().zip(&want).filter(|(g, w)| g != w).count();
    assert_eq!(misplaced, 0, "history is in the server's order");
    // A sign-in after the burst (a fresh catch-up over the same archive) agrees.
    let tablet = w
        .device("alice", "tablet", DeviceType::Tablet, true)
        .await?;
    assert_eq!(tablet.bodies(&bob_jid).await?, want);
    drop((bob, laptop));
    Ok(())
}
