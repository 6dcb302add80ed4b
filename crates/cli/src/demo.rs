//! `tandem demo`: a local Prosody, alice on a laptop and a phone, and bob, exchanging
//! messages; printed as a timeline of which device got which copy and how.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use jid::BareJid;
use tandem_client::connect::ConnectConfig;
use tandem_client::{Events, Session, SessionConfig};
use tandem_core::event::{Event, MessageView};
use tandem_core::model::{DeviceType, Via};
use tandem_lab::Lab;
use tandem_store::SqliteStore;

struct Device {
    name: &'static str,
    session: Option<Session>,
    events: Option<Events>,
    store: Arc<SqliteStore>,
    config: SessionConfig,
}

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
    fn step(&self, text: &str) {
        println!("\n{}", self.paint("1", text));
    }
}

fn how(via: Via) -> &'static str {
    match via {
        Via::Local => "sent from here",
        Via::Live => "delivered directly",
        Via::CarbonReceived => "carbon copy of a received message (XEP-0280)",
        Via::CarbonSent => "carbon copy of a message sent elsewhere (XEP-0280)",
        Via::Archive => "caught up from the archive (XEP-0313)",
    }
}

pub async fn run() -> Result<()> {
    let style = Style {
        color: std::io::stdout().is_terminal(),
    };
    println!(
        "{}",
        style.paint(
            "1;36",
            "Tandem demo: one account on two devices, and a contact"
        )
    );
    let lab = tokio::task::spawn_blocking(Lab::start)
        .await
        .map_err(|e| anyhow!("{e}"))?
        .context("cannot start the local Prosody")?;
    println!(
        "local Prosody {} on {} (pid {})",
        lab.domain(),
        lab.c2s_addr(),
        lab.pid()
    );
    let alice = lab.register("alice", "alice-demo-pw")?;
    let bob = lab.register("bob", "bob-demo-pw")?;
    let alice_jid: BareJid = alice.parse()?;
    let bob_jid: BareJid = bob.parse()?;
    let tmp = tempfile_dir()?;

    let mut devices = Vec::new();
    for (name, jid, pw, resource, device) in [
        (
            "alice/laptop",
            &alice_jid,
            "alice-demo-pw",
            "laptop",
            DeviceType::Desktop,
        ),
        (
            "alice/phone",
            &alice_jid,
            "alice-demo-pw",
            "phone",
            DeviceType::Phone,
        ),
        (
            "bob",
            &bob_jid,
            "bob-demo-pw",
            "desktop",
            DeviceType::Desktop,
        ),
    ] {
        let db = tmp.join(format!("{}.db", name.replace('/', "-")));
        let store = Arc::new(SqliteStore::open(&db).await?);
        let config = SessionConfig {
            connect: ConnectConfig {
                jid: jid.clone(),
                resource: resource.into(),
                password: pw.into(),
                server: Some(lab.c2s_addr().to_string()),
                ca_file: Some(lab.ca_file().to_owned()),
                timeout: Duration::from_secs(8),
            },
            carbons: true,
            device,
            ack_timeout: Duration::from_secs(10),
            active_window: tandem_core::activity::DEFAULT_WINDOW,
        };
        devices.push(Device {
            name,
            session: None,
            events: None,
            store,
            config,
        });
    }
    for d in devices.iter_mut() {
        online(d).await?;
    }
    style.step("1. Everyone is online; multi-device messaging (carbons) is on for both of alice's devices.");
    for d in &devices {
        println!(
            "   {} online as {}",
            d.name,
            d.session
                .as_ref()
                .map(|s| s.jid().to_string())
                .unwrap_or_default()
        );
    }

    let (laptop, phone, bobd) = (0, 1, 2);
    style.step("2. bob writes to alice's account (bare JID): every signed-in device gets it.");
    say(&devices[bobd], &alice_jid, "Hi Alice! Lunch today?", &style).await?;
    show(
        &mut devices,
        &[laptop, phone],
        "Hi Alice! Lunch today?",
        &style,
    )
    .await;

    style.step("3. alice answers from her laptop: her phone shows the reply too.");
    say(
        &devices[laptop],
        &bob_jid,
        "Sure, 12:30 at the usual place?",
        &style,
    )
    .await?;
    show(
        &mut devices,
        &[phone, bobd],
        "Sure, 12:30 at the usual place?",
        &style,
    )
    .await;

    style.step("4. bob answers the laptop directly (full JID): the phone still gets a copy.");
    let to_laptop: jid::Jid = alice_jid.with_resource_str("laptop")?.into();
    say(
        &devices[bobd],
        &to_laptop,
        "Perfect, see you there.",
        &style,
    )
    .await?;
    show(
        &mut devices,
        &[laptop, phone],
        "Perfect, see you there.",
        &style,
    )
    .await;

    style.step(
        "5. alice's phone goes offline; bob writes twice; the phone catches up when it is back.",
    );
    if let Some(s) = devices[phone].session.take() {
        s.close().await;
        devices[phone].events = None;
        println!("   alice/phone signed out");
    }
    say(
        &devices[bobd],
        &alice_jid,
        "I'll be 5 minutes late.",
        &style,
    )
    .await?;
    say(&devices[bobd], &alice_jid, "Order me a coffee?", &style).await?;
    show(&mut devices, &[laptop], "Order me a coffee?", &style).await;
    online(&mut devices[phone]).await?;
    println!("   alice/phone signed in again");
    for body in ["I'll be 5 minutes late.", "Order me a coffee?"] {
        match wait_for(&mut devices[phone], body).await {
            Some(m) => println!(
                "     {} alice/phone   \"{body}\" {}",
                style.paint("32", "✓"),
                how(m.via)
            ),
            None => println!(
                "     {} alice/phone   \"{body}\" did not arrive",
                style.paint("31", "✗")
            ),
        }
    }

    style.step(
        "6. The conversation as stored on each of alice's devices: the same, each message once.",
    );
    for idx in [laptop, phone] {
        let d = &devices[idx];
        let history = tandem_core::store::Store::history(&*d.store, &alice_jid, &bob_jid).await?;
        println!(
            "   {} ({} messages):",
            style.paint("33", d.name),
            history.len()
        );
        for m in history {
            let arrow = match m.direction {
                tandem_core::model::Direction::In => "←",
                tandem_core::model::Direction::Out => "→",
            };
            println!("     {arrow} {}", m.body);
        }
    }
    for d in devices.iter_mut() {
        if let Some(s) = d.session.take() {
            s.close().await;
        }
    }
    drop(lab);
    let _ = std::fs::remove_dir_all(&tmp);
    println!(
        "\n{}",
        style.paint("1;32", "Demo finished; the local Prosody is stopped.")
    );
    Ok(())
}

fn tempfile_dir() -> Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("tandem-demo-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

async fn online(d: &mut Device) -> Result<()> {
    let (session, events) = Session::start(d.config.clone(), d.store.clone())
        .await
        .with_context(|| format!("{} cannot sign in", d.name))?;
    d.session = Some(session);
    d.events = Some(events);
    Ok(())
}

async fn say(
    from: &Device,
    to: &(impl Into<jid::Jid> + Clone + std::fmt::Display),
    text: &str,
    style: &Style,
) -> Result<()> {
    let session = from
        .session
        .as_ref()
        .ok_or_else(|| anyhow!("{} is offline", from.name))?;
    session.send(to.clone(), text.to_owned()).await?;
    println!(
        "   {} → {to}: {}",
        style.paint("33", from.name),
        style.paint("1", &format!("\"{text}\""))
    );
    Ok(())
}

async fn show(devices: &mut [Device], which: &[usize], body: &str, style: &Style) {
    for &i in which {
        let d = &mut devices[i];
        let name = d.name;
        match wait_for(d, body).await {
            Some(m) => println!(
                "     {} {:<13} {}",
                style.paint("32", "✓"),
                name,
                how(m.via)
            ),
            None => println!(
                "     {} {:<13} did not get it",
                style.paint("31", "✗"),
                name
            ),
        }
    }
}

async fn wait_for(d: &mut Device, body: &str) -> Option<MessageView> {
    let events = d.events.as_mut()?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Some(Event::Message(m))) if m.body == body => return Some(m),
            Ok(Some(_)) => continue,
            Ok(None) | Err(_) => return None,
        }
    }
}
