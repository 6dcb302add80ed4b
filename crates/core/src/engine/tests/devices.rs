//! Our other devices: which one is active (and so notifies), and what kind each is.

use super::*;

#[tokio::test]
async fn a_message_notifies_on_the_active_device_only() {
    // The seed's flow use case: the phone sent Available presence most recently, so the
    // phone notifies and the laptop stays silent; when no device is active, both notify.
    let mut laptop = Rig::new("laptop");
    laptop.online().await;
    laptop.tick(1);
    laptop
        .stanza(device_presence("phone", Show::Available, false))
        .await;
    laptop.tick(1);
    let effects = laptop.stanza(Inbound::Message(from_bob(1, "hi"))).await;
    assert_eq!(
        decisions(&effects),
        vec![Decision::Silent(SilentReason::ActiveElsewhere {
            device: "phone".into()
        })]
    );
    // Six minutes later nobody is active: every device notifies.
    laptop.tick(360);
    let effects = laptop
        .stanza(Inbound::Message(from_bob(2, "still there?")))
        .await;
    assert_eq!(decisions(&effects), vec![Decision::Notify]);
}

#[tokio::test]
async fn the_device_that_sent_a_message_last_is_the_active_one() {
    let mut laptop = Rig::new("laptop");
    laptop.online().await;
    laptop
        .stanza(device_presence("phone", Show::Available, false))
        .await;
    laptop.tick(5);
    // The laptop replies: it is now the active device and notifies.
    let (result, _) = laptop
        .engine
        .send_message(
            &laptop.store,
            jid("bob@example.net"),
            "on it".into(),
            laptop.now,
        )
        .await;
    result.expect("sent");
    laptop.tick(5);
    let effects = laptop.stanza(Inbound::Message(from_bob(3, "thanks"))).await;
    assert_eq!(decisions(&effects), vec![Decision::Notify]);
}

#[tokio::test]
async fn another_device_coming_online_is_asked_what_it_is() {
    let mut rig = Rig::new("laptop");
    rig.online().await;
    let effects = rig
        .stanza(device_presence("phone", Show::Available, false))
        .await;
    let id = request_id(&effects, |r| *r == Request::DiscoInfo).expect("asked");
    rig.stanza(Inbound::Result {
        from: Some(jid("alice@example.org/phone")),
        id,
        answer: Answer::DiscoInfo {
            identities: vec![("client".into(), "phone".into())],
            features: vec![],
        },
    })
    .await;
    let devices = rig
        .engine
        .devices(&rig.store, rig.now)
        .await
        .expect("devices");
    let phone = devices
        .iter()
        .find(|d| d.resource == "phone")
        .expect("the phone");
    assert_eq!(phone.device_type, DeviceType::Phone);
}

#[tokio::test]
async fn changing_the_window_reaches_the_running_engine() {
    let mut rig = Rig::new("laptop");
    rig.online().await;
    rig.stanza(device_presence("phone", Show::Available, false))
        .await;
    let window = ActiveWindow::from_secs(10).expect("a valid window");
    rig.command(Command::SetWindow(window)).await;
    rig.tick(20);
    let effects = rig.stanza(Inbound::Message(from_bob(1, "hi"))).await;
    assert_eq!(decisions(&effects), vec![Decision::Notify]);
    assert_eq!(rig.engine.active_window(), Duration::from_secs(10));
}
