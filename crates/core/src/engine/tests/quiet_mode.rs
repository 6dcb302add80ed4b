//! Quiet mode: in the background the device tells the server, which holds what is not
//! urgent; back in front, what it held is counted.

use super::*;

#[tokio::test]
async fn quiet_mode_tells_the_server_and_counts_what_it_held() {
    // The seed's quiet-mode use case: backgrounded, the device says so (presence away with
    // idle, then <inactive/>); what the server held comes stamped by our bare JID; back in
    // front it says <active/> first, and the first held stanza after that is a flush.
    let mut rig = Rig::new("phone");
    rig.online().await;
    let effects = rig.command(Command::Background).await;
    let out = sent(&effects);
    assert!(matches!(
        out[..],
        [
            Outbound::Presence {
                show: Show::Away,
                idle_since: Some(_),
                ..
            },
            Outbound::ClientState { active: false }
        ]
    ));
    assert!(events(&effects).contains(&&Event::Quiet {
        state: QuietState::Inactive,
        server: true
    }));
    assert!(rig.engine.quiet());
    rig.tick(30);
    let effects = rig.command(Command::Foreground).await;
    assert!(matches!(
        sent(&effects)[..],
        [
            Outbound::ClientState { active: true },
            Outbound::Presence {
                show: Show::Available,
                idle_since: None,
                ..
            }
        ]
    ));
    let mut held = from_bob(1, "while you were away");
    held.delays = vec![Stamp {
        at: rig.now - Delta::seconds(20),
        from: Some(jid("alice@example.org")),
    }];
    rig.stanza(Inbound::Message(held)).await;
    let counters = rig.engine.counters(rig.now);
    assert_eq!(counters.quiet_mode_sessions, 1);
    assert_eq!(counters.quiet_mode_millis, 30_000);
    assert_eq!(counters.buffer_flushes, 1);
    assert_eq!(counters.buffer_flush_packets, 1);
}
