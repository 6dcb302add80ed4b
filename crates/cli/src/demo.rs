//! `tandem demo`: the spec's "Multiple Device Messaging Flow Use Case", played on a local
//! Prosody: alice on a laptop and a phone, bob and colin. Printed as a timeline of which
//! device got which copy, where it notified and why.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use jid::{BareJid, Jid};
use tandem_client::{Session, SessionConfig};
use tandem_core::event::{Event, MessageView};
use tandem_core::model::{DeviceType, Direction, Via};
use tandem_core::notify::Decision;
use tandem_lab::Lab;
use tandem_store::SqliteStore;

use crate::eventlog::{self, Log};

struct Device {
    name: &'static str,
    session: Option<Session>,
    store: Arc<SqliteStore>,
    config: SessionConfig,
    log: Log,
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
    fn note(&self, text: &str) {
        println!("   {}", self.paint("2", text));
    }
}

/// Starts the demo's lab Prosody and says where it runs.
pub(crate) async fn start_lab() -> Result<Lab> {
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
    Ok(lab)
}

/// The demo accounts' password.
pub(crate) fn password(user: &str) -> String {
    format!("{user}-demo-pw")
}

/// A demo device's session configuration on the lab.
pub(crate) fn config(
    lab: &Lab,
    user: &str,
    resource: &str,
    device: DeviceType,
) -> Result<SessionConfig> {
    Ok(SessionConfig::new(
        format!("{user}@{}", lab.domain()).parse()?,
        resource,
        password(user),
    )
    .server(Some(lab.c2s_addr().to_string()))
    .ca_file(Some(lab.ca_file().to_owned()))
    .device(device))
}

fn how(via: Via) -> &'static str {
    match via {
        Via::Local => "sent from here",
        Via::Live => "delivered directly",
        Via::CarbonReceived => "carbon copy (XEP-0280)",
        Via::CarbonSent => "carbon copy of a sent message (XEP-0280)",
        Via::Archive => "caught up from the archive (XEP-0313)",
    }
}

pub async fn run() -> Result<()> {
    let style = Style {
        color: std::io::stdout().is_terminal(),
    };
    println!(
        "{}",
        style.paint("1;36", "Tandem demo: the Multiple Device Messaging flow")
    );
    let lab = start_lab().await?;
    let mut jids = Vec::new();
    for user in ["alice", "bob", "colin"] {
        jids.push(lab.register(user, &password(user))?.parse::<BareJid>()?);
    }
    let (alice, bob, colin) = (jids[0].clone(), jids[1].clone(), jids[2].clone());
    let tmp = tempfile::tempdir()?;

    let mut devices = Vec::new();
    for (name, user, resource, device) in [
        ("alice/laptop", "alice", "laptop", DeviceType::Desktop),
        ("alice/phone", "alice", "phone", DeviceType::Phone),
        ("bob", "bob", "desktop", DeviceType::Desktop),
        ("colin", "colin", "desktop", DeviceType::Desktop),
    ] {
        let store =
            Arc::new(SqliteStore::open(&tmp.path().join(format!("{user}-{resource}.db"))).await?);
        let config = config(&lab, user, resource, device)?;
        let mut d = Device {
            name,
            session: None,
            store,
            config,
            log: Log::default(),
        };
        online(&mut d).await?;
        devices.push(d);
    }
    let (laptop, phone, bobd, colind) = (0, 1, 2, 3);

    style.step("1. Alice has Tandem open on her laptop; her phone is in her pocket.");
    session(&devices[phone])?.background().await?;
    session(&devices[laptop])?
        .presence(tandem_core::model::Show::Available)
        .await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    style.note(
        "the phone is in the background (quiet mode, XEP-0352); the laptop is the active device",
    );

    style.step("2. Bob writes: the laptop notifies, the phone gets the message silently.");
    say(
        &devices,
        bobd,
        &alice.clone().into(),
        "Hi Alice! Got a minute?",
        &style,
    )
    .await?;
    show(
        &devices,
        &[laptop, phone],
        "Hi Alice! Got a minute?",
        &style,
    )
    .await;

    style
        .step("3. Alice chats with Bob on her laptop: on the phone, messages arrive already read.");
    session(&devices[laptop])?.read(bob.clone()).await?;
    say(
        &devices,
        laptop,
        &bob.clone().into(),
        "Sure, what's up?",
        &style,
    )
    .await?;
    show(&devices, &[phone, bobd], "Sure, what's up?", &style).await;
    say(
        &devices,
        bobd,
        &alice.clone().into(),
        "Can you review my slides?",
        &style,
    )
    .await?;
    show(
        &devices,
        &[laptop, phone],
        "Can you review my slides?",
        &style,
    )
    .await;

    style.step("4. Colin sends three messages: the same as in step 2.");
    for text in ["Lunch?", "Thai place?", "12:30?"] {
        say(&devices, colind, &alice.clone().into(), text, &style).await?;
    }
    show(&devices, &[laptop, phone], "12:30?", &style).await;

    style.step(
        "5. Alice closes the lid; on the bus Bob writes again: no device is active, both notify.",
    );
    session(&devices[laptop])?.background().await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    say(
        &devices,
        bobd,
        &alice.clone().into(),
        "Also: bring the printouts?",
        &style,
    )
    .await?;
    show(
        &devices,
        &[laptop, phone],
        "Also: bring the printouts?",
        &style,
    )
    .await;

    style.step("6-7. She opens her phone and reads: the laptop marks them read and withdraws its notifications.");
    session(&devices[phone])?.foreground().await?;
    session(&devices[phone])?.read(bob.clone()).await?;
    session(&devices[phone])?.read(colin.clone()).await?;
    for peer in [&bob, &colin] {
        let read = wait(&devices[laptop], |e| match e {
            Event::Read {
                conversation,
                source,
                ..
            } if conversation == peer && *source != tandem_core::readstate::ReadSource::Local => {
                Some(source.as_str())
            }
            _ => None,
        })
        .await;
        let withdrawn = wait(&devices[laptop], |e| match e {
            Event::Withdrawn { conversation } if conversation == peer => Some(()),
            _ => None,
        })
        .await;
        println!(
            "     {} alice/laptop  {peer}: read (via {}){}",
            style.paint("32", "✓"),
            read.unwrap_or("?"),
            if withdrawn.is_some() {
                ", notification withdrawn"
            } else {
                ""
            }
        );
    }

    style.step("8. The phone is switched off; Bob writes twice; it catches up when back, without a burst of notifications.");
    if let Some(s) = devices[phone].session.take() {
        s.close().await;
    }
    say(
        &devices,
        bobd,
        &alice.clone().into(),
        "I'll be 5 minutes late.",
        &style,
    )
    .await?;
    say(
        &devices,
        bobd,
        &alice.clone().into(),
        "Order me a coffee?",
        &style,
    )
    .await?;
    online(&mut devices[phone]).await?;
    style.note("alice/phone signed in again");
    show(&devices, &[phone], "I'll be 5 minutes late.", &style).await;
    show(&devices, &[phone], "Order me a coffee?", &style).await;

    style.step("The conversation with Bob as stored on each of Alice's devices: the same, each message once.");
    for idx in [laptop, phone] {
        let d = &devices[idx];
        let history = tandem_core::store::Store::history(&*d.store, &alice, &bob).await?;
        println!(
            "   {} ({} messages):",
            style.paint("33", d.name),
            history.len()
        );
        for m in history {
            let arrow = if m.direction == Direction::In {
                "←"
            } else {
                "→"
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
    println!(
        "\n{}",
        style.paint("1;32", "Demo finished; the local Prosody is stopped.")
    );
    Ok(())
}

fn session(d: &Device) -> Result<&Session> {
    d.session
        .as_ref()
        .ok_or_else(|| anyhow!("{} is offline", d.name))
}

async fn online(d: &mut Device) -> Result<()> {
    let session = eventlog::start(d.config.clone(), d.store.clone(), &d.log)
        .await
        .with_context(|| format!("{} cannot sign in", d.name))?;
    d.session = Some(session);
    Ok(())
}

async fn say(devices: &[Device], from: usize, to: &Jid, text: &str, style: &Style) -> Result<()> {
    let d = &devices[from];
    session(d)?.send(to.clone(), text.to_owned()).await?;
    println!(
        "   {} → {to}: {}",
        style.paint("33", d.name),
        style.paint("1", &format!("\"{text}\""))
    );
    Ok(())
}

/// Waits (up to 5 s) for an event the function picks out of the device's log.
async fn wait<T>(d: &Device, pick: impl Fn(&Event) -> Option<T>) -> Option<T> {
    let start = Instant::now();
    loop {
        if let Some(found) = d.log.lock().ok().and_then(|l| l.iter().find_map(&pick)) {
            return Some(found);
        }
        if start.elapsed() > Duration::from_secs(5) {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn show(devices: &[Device], which: &[usize], body: &str, style: &Style) {
    for &i in which {
        let d = &devices[i];
        let message: Option<MessageView> = wait(d, |e| match e {
            Event::Message(m) if m.body == body => Some(m.clone()),
            _ => None,
        })
        .await;
        let Some(m) = message else {
            println!(
                "     {} {:<13} did not get \"{body}\"",
                style.paint("31", "✗"),
                d.name
            );
            continue;
        };
        let decision = if m.direction == Direction::In && d.name.starts_with("alice") {
            wait(d, |e| match e {
                Event::Notification {
                    message_id,
                    decision,
                    ..
                } if *message_id == m.id => Some(decision.clone()),
                _ => None,
            })
            .await
        } else {
            None
        };
        let decision = match decision {
            Some(Decision::Notify) => format!("  {}", style.paint("1;35", "◆ notified")),
            Some(Decision::Silent(reason)) => format!("  · silent: {}", reason_text(&reason)),
            None => String::new(),
        };
        println!(
            "     {} {:<13} \"{body}\" {}{decision}",
            style.paint("32", "✓"),
            d.name,
            how(m.via)
        );
    }
}

fn reason_text(reason: &tandem_core::notify::SilentReason) -> String {
    use tandem_core::notify::SilentReason as R;
    match reason {
        R::ActiveElsewhere { device } => format!("active on {device}"),
        R::OwnMessage => "our own message".into(),
        R::CatchUp => "caught up, not new".into(),
        R::AlreadyRead => "already read".into(),
        R::Viewing => "on screen".into(),
        other => other.as_str().to_owned(),
    }
}
