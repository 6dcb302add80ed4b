//! `tandem demo --app BINARY`: the desktop app, signed in as alice's laptop, chatting with a
//! local Prosody's demo accounts. Alice's phone and bob and colin are engine sessions driven
//! from here, so messages arrive, read state moves and sent carbons appear while the user
//! watches and answers in the app. Ends when the app's window closes.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use jid::BareJid;
use tandem_client::profile::{PasswordStore, Profile, Settings};
use tandem_client::Session;
use tandem_core::model::DeviceType;
use tandem_lab::Lab;
use tandem_store::SqliteStore;
use tokio::process::Command;

use crate::demo::{self, password};

/// The profile directory the app is told to use.
const DATA_DIR_ENV: &str = "TANDEM_DATA_DIR";

/// What bob keeps saying while the demo runs, one line every little while.
const BOB_LINES: &[&str] = &[
    "By the way, did you see the photos from Saturday?",
    "I'll bring the board game next time.",
    "Are you on your laptop or your phone right now?",
    "Ping me when you're back at your desk.",
    "Check https://xmpp.org/extensions/xep-0280.html, that's how your devices stay in step.",
];

struct Peer {
    name: &'static str,
    session: Session,
}

pub async fn run(app: &Path) -> Result<()> {
    if !app.exists() {
        return Err(anyhow!(
            "the desktop app {} does not exist: build it with `cargo build -p tandem-desktop`",
            app.display()
        ));
    }
    let lab = demo::start_lab().await?;
    for user in ["alice", "bob", "colin"] {
        lab.register(user, &password(user))?;
    }
    let tmp = tempfile::tempdir()?;
    let account =
        |user: &str| -> Result<BareJid> { Ok(format!("{user}@{}", lab.domain()).parse()?) };
    let alice = account("alice")?;
    let bob = account("bob")?;
    let colin = account("colin")?;

    let phone = peer(
        &lab,
        tmp.path(),
        "alice/phone",
        "alice",
        "phone",
        DeviceType::Phone,
    )
    .await?;
    let bobd = peer(
        &lab,
        tmp.path(),
        "bob",
        "bob",
        "desktop",
        DeviceType::Desktop,
    )
    .await?;
    let colind = peer(
        &lab,
        tmp.path(),
        "colin",
        "colin",
        "phone",
        DeviceType::Phone,
    )
    .await?;
    // The phone is in alice's pocket.
    phone.session.background().await?;

    // Some history before the laptop signs in: it catches up from the archive.
    say(&bobd, &alice, "Hi Alice! Are you free for lunch tomorrow?").await?;
    say(
        &colind,
        &alice,
        "The slides for Monday are in the shared folder.",
    )
    .await?;
    say(&phone, &colin, "Thanks, I'll look at them tonight.").await?;

    // Alice's laptop profile: what the app's sign-in would have saved.
    let laptop_dir = tmp.path().join("alice-laptop");
    let profile = Profile::open(&laptop_dir)?;
    let mut settings = Settings {
        jid: alice.clone(),
        resource: "laptop".into(),
        device: DeviceType::Desktop,
        server: Some(lab.c2s_addr().to_string()),
        ca_file: Some(lab.ca_file().to_owned()),
        carbons: true,
        password_store: PasswordStore::File,
        active_window_secs: None,
        notifications: true,
    };
    settings.password_store = profile.store_password(&alice, &password("alice")).await?;
    profile.save_settings(&settings)?;

    println!("opening Tandem as {alice}/laptop (close its window to end the demo)");
    let mut child = Command::new(app)
        .env(DATA_DIR_ENV, &laptop_dir)
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot start {}", app.display()))?;

    let script = async {
        pause(6).await;
        say(
            &bobd,
            &alice,
            "I found a new noodle place near the station 🍜",
        )
        .await?;
        pause(10).await;
        say(&phone, &bob, "Sounds great! 12:30 at the station?").await?;
        pause(3).await;
        read(&bobd, &alice).await?;
        pause(5).await;
        say(&bobd, &alice, "Perfect, see you there!").await?;
        pause(12).await;
        read(&phone, &bob).await?;
        let mut lines = BOB_LINES.iter().cycle();
        loop {
            pause(40).await;
            if let Some(line) = lines.next() {
                say(&bobd, &alice, line).await?;
            }
            pause(20).await;
            read(&phone, &bob).await?;
        }
        #[allow(unreachable_code)]
        Ok::<(), anyhow::Error>(())
    };
    tokio::select! {
        status = child.wait() => {
            let status = status?;
            println!("Tandem closed ({status}); stopping the demo");
        }
        result = script => {
            result?;
        }
        _ = tokio::signal::ctrl_c() => {
            println!("stopping the demo");
            let _ = child.kill().await;
        }
    }
    for p in [phone, bobd, colind] {
        p.session.close().await;
    }
    drop(lab);
    Ok(())
}

async fn pause(secs: u64) {
    tokio::time::sleep(Duration::from_secs(secs)).await;
}

async fn peer(
    lab: &Lab,
    dir: &Path,
    name: &'static str,
    user: &str,
    resource: &str,
    device: DeviceType,
) -> Result<Peer> {
    let store = Arc::new(SqliteStore::open(&dir.join(format!("{user}-{resource}.db"))).await?);
    let config = demo::config(lab, user, resource, device)?;
    let (session, mut events) = Session::start(config, store)
        .await
        .with_context(|| format!("cannot sign in {name}"))?;
    // The demo drives these devices; their events are not shown.
    tokio::spawn(async move { while events.recv().await.is_some() {} });
    Ok(Peer { name, session })
}

async fn say(from: &Peer, to: &BareJid, body: &str) -> Result<()> {
    from.session.send(to.clone(), body.to_owned()).await?;
    println!("  {:<12} -> {to}: {body}", from.name);
    Ok(())
}

async fn read(device: &Peer, conversation: &BareJid) -> Result<()> {
    device.session.read(conversation.clone()).await?;
    println!(
        "  {:<12} read the conversation with {conversation}",
        device.name
    );
    Ok(())
}
