//! `tandem scenario run FILE...`: scripted multi-device sessions against a lab Prosody,
//! with expectations checked against what each device really received and decided.
//!
//! The format (TOML) is documented in `scenarios/README.md`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use jid::{BareJid, Jid};
use serde::Deserialize;
use tandem_client::{Session, SessionConfig};
use tandem_core::activity::ActiveWindow;
use tandem_core::event::Event;
use tandem_core::model::{DeviceType, Show};
use tandem_lab::Lab;
use tandem_store::SqliteStore;

use crate::eventlog::{self, Log};

mod rooms;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Script {
    name: String,
    #[serde(default)]
    description: Option<String>,
    /// The active window for every device (default 5m).
    #[serde(default, with = "humantime_serde_opt")]
    active_window: Option<Duration>,
    accounts: Vec<String>,
    /// Run against this server instead of a lab Prosody started for the run.
    #[serde(default)]
    server: Option<ServerSpec>,
    devices: Vec<DeviceSpec>,
    steps: Vec<Step>,
}

mod humantime_serde_opt {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer};
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        let s: Option<String> = Option::deserialize(d)?;
        s.map(|s| humantime::parse_duration(&s).map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServerSpec {
    /// HOST:PORT of the client port.
    address: String,
    /// The accounts' domain.
    domain: String,
    /// An extra CA to trust (PEM), relative to the scenario file.
    #[serde(default)]
    ca_file: Option<std::path::PathBuf>,
    /// Each account's password (the accounts must exist).
    passwords: BTreeMap<String, String>,
    /// The MUC service rooms are named at (default `conference.<domain>`).
    #[serde(default)]
    muc_domain: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeviceSpec {
    name: String,
    account: String,
    #[serde(default)]
    resource: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default = "yes")]
    carbons: bool,
    /// Signed in when the scenario starts (default true).
    #[serde(default = "yes")]
    online: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Step {
    #[serde(default)]
    send: Option<SendStep>,
    #[serde(default)]
    read: Option<ReadStep>,
    #[serde(default)]
    foreground: Option<String>,
    #[serde(default)]
    background: Option<String>,
    #[serde(default)]
    presence: Option<PresenceStep>,
    #[serde(default)]
    offline: Option<String>,
    #[serde(default)]
    online: Option<String>,
    #[serde(default)]
    wait: Option<String>,
    #[serde(default)]
    join: Option<rooms::JoinStep>,
    #[serde(default)]
    leave: Option<rooms::RoomStep>,
    #[serde(default)]
    room_notify: Option<rooms::RoomNotifyStep>,
    #[serde(default)]
    destroy: Option<rooms::DestroyStep>,
    #[serde(default)]
    expect: Option<Expect>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SendStep {
    from: String,
    /// An account name (all its devices), `account/resource` (one device) or `room:NAME`
    /// (a room the sender is in: a local part at the MUC service, or a full room JID).
    to: String,
    text: String,
    /// Send it this many times, `{n}` in the text being each one's number (1 to N); without
    /// `{n}`, the number is appended after a space.
    #[serde(default)]
    count: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReadStep {
    device: String,
    /// The contact's account name.
    with: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PresenceStep {
    device: String,
    show: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    device: String,
    /// A message with this body is stored on the device.
    #[serde(default)]
    message: Option<String>,
    /// With `message`: the message must NOT reach the device.
    #[serde(default)]
    absent: bool,
    /// With `message`: how it arrived (`live`, `carbon_received`, `carbon_sent`, `archive`, `local`).
    #[serde(default)]
    via: Option<String>,
    /// With `message`: `notify`, or `silent`.
    #[serde(default)]
    decision: Option<String>,
    /// With `decision = "silent"`: the reason (`active_elsewhere`, `own_message`, `catch_up`,
    /// `already_read`, `not_mentioned`, `room_muted`); with `state`: a part of the room's
    /// reason (why it was left, or is gone).
    #[serde(default)]
    reason: Option<String>,
    /// A room (a local part at the MUC service, or a full room JID): with `message`, the
    /// message is in this room; else `state` or `caught_up` says what to expect of it.
    #[serde(default)]
    room: Option<String>,
    /// With `room`: where it stands on the device (`joining`, `joined`, `left`, `gone`).
    #[serde(default)]
    state: Option<String>,
    /// With `room`: the room's catch-ups since the device signed in finished, with this many
    /// new messages in all.
    #[serde(default)]
    caught_up: Option<u64>,
    /// The conversation with this account is read on the device.
    #[serde(default)]
    read: Option<String>,
    /// With `read`: what moved it (`local`, `marker`, `mds`, `reply`).
    #[serde(default)]
    source: Option<String>,
    /// A notification for the conversation with this account was withdrawn.
    #[serde(default)]
    withdrawn: Option<String>,
    /// A counter's name (as `tandem counters --json` prints it) ...
    #[serde(default)]
    counter: Option<String>,
    /// ... and its expected value ...
    #[serde(default)]
    equals: Option<u64>,
    /// ... or its lower bound.
    #[serde(default)]
    at_least: Option<u64>,
}

struct Device {
    spec: DeviceSpec,
    config: SessionConfig,
    store: Arc<SqliteStore>,
    session: Option<Session>,
    log: Log,
    /// Where the log stood when the device last signed in.
    signed_in_at: usize,
}

/// Runs each file; returns an error naming the first failed expectation.
pub async fn run(files: &[std::path::PathBuf]) -> Result<()> {
    let mut failed = 0;
    for file in files {
        match run_one(file).await {
            Ok(()) => {}
            Err(e) => {
                failed += 1;
                println!("FAIL {}: {e:#}", file.display());
            }
        }
    }
    if failed > 0 {
        bail!("{failed} of {} scenarios failed", files.len());
    }
    println!("{} scenarios passed", files.len());
    Ok(())
}

async fn run_one(file: &Path) -> Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let script: Script = toml::from_str(&text).map_err(|e| {
        anyhow!(
            "{}",
            e.to_string()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        )
    })?;
    println!("scenario: {}", script.name);
    if let Some(d) = &script.description {
        println!("  {d}");
    }
    // A lab Prosody for the run, or the server the file names.
    let (lab, domain, muc_domain, address, ca_file, passwords) = match script.server {
        None => {
            let lab = tokio::task::spawn_blocking(Lab::start).await??;
            let mut passwords = BTreeMap::new();
            for account in &script.accounts {
                let pw = format!("{account}-scenario-pw");
                lab.register(account, &pw)?;
                passwords.insert(account.clone(), pw);
            }
            let (domain, muc, address, ca) = (
                lab.domain().to_owned(),
                lab.muc_domain(),
                lab.c2s_addr().to_string(),
                Some(lab.ca_file().to_owned()),
            );
            (Some(lab), domain, muc, address, ca, passwords)
        }
        Some(server) => {
            let base = file.parent().unwrap_or(Path::new("."));
            let ca = server.ca_file.map(|c| base.join(c));
            println!("  against {} ({})", server.address, server.domain);
            let muc = server
                .muc_domain
                .unwrap_or_else(|| format!("conference.{}", server.domain));
            (
                None,
                server.domain,
                muc,
                server.address,
                ca,
                server.passwords,
            )
        }
    };
    let scratch = tempfile::tempdir()?;
    let mut devices: BTreeMap<String, Device> = BTreeMap::new();
    let window = script
        .active_window
        .map(ActiveWindow::new)
        .transpose()
        .map_err(|e| anyhow!("scenario {}: {e}", script.name))?
        .unwrap_or_default();
    for spec in script.devices {
        let pw = passwords
            .get(&spec.account)
            .ok_or_else(|| anyhow!("device {}: unknown account {}", spec.name, spec.account))?;
        let device = match spec.kind.as_deref() {
            None | Some("desktop") => DeviceType::Desktop,
            Some("phone") => DeviceType::Phone,
            Some("tablet") => DeviceType::Tablet,
            Some(other) => bail!("device {}: unknown type {other:?}", spec.name),
        };
        let config = SessionConfig::new(
            format!("{}@{}", spec.account, domain).parse()?,
            spec.resource.clone().unwrap_or_else(|| spec.name.clone()),
            pw.clone(),
        )
        .server(Some(address.clone()))
        .ca_file(ca_file.clone())
        .carbons(spec.carbons)
        .device(device)
        .active_window(window);
        let store =
            Arc::new(SqliteStore::open(&scratch.path().join(format!("{}.db", spec.name))).await?);
        let name = spec.name.clone();
        let online = spec.online;
        let mut d = Device {
            spec,
            config,
            store,
            session: None,
            log: Log::default(),
            signed_in_at: 0,
        };
        if online {
            sign_in(&mut d).await?;
        }
        if devices.insert(name.clone(), d).is_some() {
            bail!("device {name} is defined twice");
        }
    }
    let names = Names { domain, muc_domain };
    for (i, step) in script.steps.iter().enumerate() {
        do_step(step, &mut devices, &names)
            .await
            .with_context(|| format!("step {}", i + 1))?;
    }
    print_timeline(&devices);
    for d in devices.values_mut() {
        if let Some(s) = d.session.take() {
            s.close().await;
        }
    }
    drop(lab);
    println!("  passed");
    Ok(())
}

async fn sign_in(d: &mut Device) -> Result<()> {
    d.signed_in_at = d.log.lock().map(|l| l.len()).unwrap_or(0);
    let session = eventlog::start(d.config.clone(), d.store.clone(), &d.log)
        .await
        .with_context(|| format!("device {} cannot sign in", d.spec.name))?;
    d.session = Some(session);
    // Wait for the catch-up that every sign-in runs.
    let started = d.log.lock().map(|l| l.len()).unwrap_or(0);
    wait_until(Duration::from_secs(10), || {
        d.log
            .lock()
            .map(|l| {
                l[started.min(l.len())..]
                    .iter()
                    .any(|e| matches!(e, Event::CatchUp { done: true, .. }))
            })
            .unwrap_or(false)
    })
    .await;
    Ok(())
}

async fn wait_until(limit: Duration, mut ok: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if ok() {
            return true;
        }
        if start.elapsed() > limit {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn device<'a>(devices: &'a mut BTreeMap<String, Device>, name: &str) -> Result<&'a mut Device> {
    devices
        .get_mut(name)
        .ok_or_else(|| anyhow!("unknown device {name:?}"))
}

fn session(d: &Device) -> Result<&Session> {
    d.session
        .as_ref()
        .ok_or_else(|| anyhow!("device {} is offline", d.spec.name))
}

fn account_jid(name: &str, domain: &str) -> Result<BareJid> {
    Ok(format!("{name}@{domain}").parse()?)
}

/// The domains a scenario's names resolve at.
struct Names {
    /// Accounts' (`alice` is `alice@<domain>`).
    domain: String,
    /// Rooms' (`family` is `family@<muc_domain>`).
    muc_domain: String,
}

/// The bodies a `send` step sends: its text, or `count` numbered copies.
fn bodies(s: &SendStep) -> Result<Vec<String>> {
    let Some(count) = s.count else {
        return Ok(vec![s.text.clone()]);
    };
    if count == 0 {
        bail!("send: count must be at least 1");
    }
    Ok((1..=count)
        .map(|n| {
            if s.text.contains("{n}") {
                s.text.replace("{n}", &n.to_string())
            } else {
                format!("{} {n}", s.text)
            }
        })
        .collect())
}

async fn do_step(step: &Step, devices: &mut BTreeMap<String, Device>, names: &Names) -> Result<()> {
    let domain = names.domain.as_str();
    if let Some(s) = &step.send {
        let from = device(devices, &s.from)?;
        let to: Jid = if let Some(room) = s.to.strip_prefix("room:") {
            let room = rooms::room_jid(room, &names.muc_domain)?;
            rooms::ensure_in(from, &room).await?;
            room.into()
        } else {
            match s.to.split_once('/') {
                Some((account, resource)) => account_jid(account, domain)?
                    .with_resource_str(resource)?
                    .into(),
                None => account_jid(&s.to, domain)?.into(),
            }
        };
        let session = session(from)?;
        for body in bodies(s)? {
            session.send(to.clone(), body).await?;
        }
    }
    if let Some(j) = &step.join {
        rooms::join(device(devices, &j.device)?, j, &names.muc_domain).await?;
    }
    if let Some(l) = &step.leave {
        rooms::leave(device(devices, &l.device)?, l, &names.muc_domain).await?;
    }
    if let Some(n) = &step.room_notify {
        rooms::room_notify(device(devices, &n.device)?, n, &names.muc_domain).await?;
    }
    if let Some(x) = &step.destroy {
        rooms::destroy(device(devices, &x.device)?, x, &names.muc_domain).await?;
    }
    if let Some(r) = &step.read {
        let peer = account_jid(&r.with, domain)?;
        session(device(devices, &r.device)?)?.read(peer).await?;
    }
    if let Some(name) = &step.foreground {
        session(device(devices, name)?)?.foreground().await?;
    }
    if let Some(name) = &step.background {
        session(device(devices, name)?)?.background().await?;
    }
    if let Some(p) = &step.presence {
        let show = Show::parse(&p.show).ok_or_else(|| anyhow!("unknown presence {:?}", p.show))?;
        session(device(devices, &p.device)?)?.presence(show).await?;
    }
    if let Some(name) = &step.offline {
        let d = device(devices, name)?;
        if let Some(s) = d.session.take() {
            s.close().await;
        }
    }
    if let Some(name) = &step.online {
        sign_in(device(devices, name)?).await?;
    }
    if let Some(w) = &step.wait {
        tokio::time::sleep(humantime::parse_duration(w).map_err(|e| anyhow!("wait {w:?}: {e}"))?)
            .await;
    }
    if let Some(e) = &step.expect {
        check(e, device(devices, &e.device)?, names).await?;
    }
    Ok(())
}

async fn check(e: &Expect, d: &mut Device, names: &Names) -> Result<()> {
    let domain = names.domain.as_str();
    let name = d.spec.name.clone();
    let log = d.log.clone();
    let events = || log.lock().map(|l| l.clone()).unwrap_or_default();
    let room = e
        .room
        .as_deref()
        .map(|r| rooms::room_jid(r, &names.muc_domain))
        .transpose()?;
    if let Some(room) = &room {
        rooms::check(e, d, room).await?;
    } else if e.state.is_some() || e.caught_up.is_some() {
        bail!("expect: state and caught_up need a room");
    }
    if let Some(body) = &e.message {
        let find = |events: &[Event]| {
            events.iter().find_map(|ev| match ev {
                Event::Message(m)
                    if &m.body == body && room.as_ref().is_none_or(|r| m.conversation == *r) =>
                {
                    Some(m.clone())
                }
                _ => None,
            })
        };
        let in_room = room
            .as_ref()
            .map(|r| format!(" in room {r}"))
            .unwrap_or_default();
        if e.absent {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            if let Some(m) = find(&events()) {
                bail!(
                    "device {name}: expected no message {body:?}{in_room}, but it arrived ({})",
                    m.via.as_str()
                );
            }
            return Ok(());
        }
        if !wait_until(Duration::from_secs(10), || find(&events()).is_some()).await {
            bail!("device {name}: expected message {body:?}{in_room}, but it did not arrive");
        }
        let m = find(&events()).ok_or_else(|| anyhow!("message vanished"))?;
        if let Some(via) = &e.via {
            if m.via.as_str() != via {
                bail!(
                    "device {name}: expected {body:?} via {via}, but it came via {}",
                    m.via.as_str()
                );
            }
        }
        if let Some(want) = &e.decision {
            let decision = || {
                events().iter().find_map(|ev| match ev {
                    Event::Notification {
                        message_id,
                        decision,
                        ..
                    } if *message_id == m.id => Some(decision.clone()),
                    _ => None,
                })
            };
            wait_until(Duration::from_secs(5), || decision().is_some()).await;
            let got = decision()
                .ok_or_else(|| anyhow!("device {name}: no notification decision for {body:?}"))?;
            let got_kind = if got.notifies() { "notify" } else { "silent" };
            if got_kind != want || e.reason.as_deref().is_some_and(|r| r != got.as_str()) {
                bail!(
                    "device {name}: expected {body:?} to be {want}{}, but it was {got_kind} ({})",
                    e.reason
                        .as_deref()
                        .map(|r| format!(" ({r})"))
                        .unwrap_or_default(),
                    got.as_str()
                );
            }
        }
    }
    if let Some(peer) = &e.read {
        let peer = account_jid(peer, domain)?;
        let want = e.source.clone();
        let found = |events: &[Event]| {
            events.iter().any(|ev| {
                matches!(ev, Event::Read { conversation, source, .. }
                    if *conversation == peer && want.as_deref().is_none_or(|w| w == source.as_str()))
            })
        };
        if !wait_until(Duration::from_secs(10), || found(&events())).await {
            let seen: Vec<_> = events()
                .iter()
                .filter_map(|ev| match ev {
                    Event::Read {
                        conversation,
                        source,
                        ..
                    } if *conversation == peer => Some(source.as_str()),
                    _ => None,
                })
                .collect();
            bail!(
                "device {name}: expected the conversation with {peer} to be read{}, but {}",
                want.as_deref()
                    .map(|w| format!(" by {w}"))
                    .unwrap_or_default(),
                if seen.is_empty() {
                    "it is not".to_owned()
                } else {
                    format!("it was read only by {}", seen.join(", "))
                }
            );
        }
    }
    if let Some(peer) = &e.withdrawn {
        let peer = account_jid(peer, domain)?;
        let ok = wait_until(Duration::from_secs(10), || {
            events()
                .iter()
                .any(|ev| matches!(ev, Event::Withdrawn { conversation } if *conversation == peer))
        })
        .await;
        if !ok {
            bail!("device {name}: expected the notification for {peer} to be withdrawn, but it was not");
        }
    }
    if let Some(counter) = &e.counter {
        let value = || async {
            let c = session(d)?.counters().await?;
            let json = serde_json::to_value(&c)?;
            json.get(counter)
                .and_then(|v| v.as_u64())
                .ok_or_else(|| anyhow!("unknown counter {counter:?}"))
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let got = value().await?;
            let ok = e.equals.is_none_or(|w| got == w) && e.at_least.is_none_or(|w| got >= w);
            if ok {
                break;
            }
            if Instant::now() > deadline {
                bail!(
                    "device {name}: expected counter {counter} {}, but it is {got}",
                    match (e.equals, e.at_least) {
                        (Some(w), _) => format!("= {w}"),
                        (_, Some(w)) => format!(">= {w}"),
                        _ => String::new(),
                    }
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    Ok(())
}

fn print_timeline(devices: &BTreeMap<String, Device>) {
    for (name, d) in devices {
        println!(
            "  {name} ({}/{}):",
            d.spec.account, d.config.connect.resource
        );
        let events = d.log.lock().map(|l| l.clone()).unwrap_or_default();
        let mut bodies = BTreeMap::new();
        // Each line with its shape (the line without the message body), to fold long runs.
        let mut lines: Vec<(String, String)> = Vec::new();
        for e in &events {
            let line = match e {
                Event::Message(m) => {
                    bodies.insert(m.id, m.body.clone());
                    let arrow = if m.direction == tandem_core::model::Direction::In {
                        "←"
                    } else {
                        "→"
                    };
                    let origin = rooms::message_origin(m);
                    lines.push((
                        format!("{arrow} {} {origin}({})", m.conversation, m.via.as_str()),
                        format!("{arrow} {origin}{:?} ({})", m.body, m.via.as_str()),
                    ));
                    continue;
                }
                Event::Notification {
                    conversation,
                    message_id,
                    decision,
                } => {
                    let body = bodies.get(message_id).cloned().unwrap_or_default();
                    let mark = if decision.notifies() { "◆" } else { "·" };
                    lines.push((
                        format!("{mark} {conversation}: {}", decision.as_str()),
                        format!("  {mark} {body:?}: {}", decision.as_str()),
                    ));
                    continue;
                }
                Event::Read {
                    conversation,
                    source,
                    ..
                } => format!("  read {conversation} ({})", source.as_str()),
                Event::Withdrawn { conversation } => format!("  withdrawn {conversation}"),
                Event::Quiet { state, .. } => format!("quiet: {state:?}"),
                e => match rooms::timeline_line(e) {
                    Some(line) => line,
                    None => continue,
                },
            };
            lines.push((line.clone(), line));
        }
        for line in fold(&lines) {
            println!("    {line}");
        }
    }
}

/// Folds a run of at least [`FOLD_AT`] lines (or pairs of lines: a message and its decision)
/// of the same shape into its first and last, with how many were left out between.
fn fold(lines: &[(String, String)]) -> Vec<String> {
    const FOLD_AT: usize = 5;
    let mut out = Vec::new();
    let mut i = 0;
    'lines: while i < lines.len() {
        for period in 1..=2 {
            let mut len = 0;
            while i + len < lines.len() && lines[i + len].0 == lines[i + len % period].0 {
                len += 1;
            }
            let runs = len / period;
            if runs >= FOLD_AT {
                let end = i + runs * period;
                out.extend(lines[i..i + period].iter().map(|l| l.1.clone()));
                out.push(format!("  … {} more like these", runs - 2));
                out.extend(lines[end - period..end].iter().map(|l| l.1.clone()));
                i = end;
                continue 'lines;
            }
        }
        out.push(lines[i].1.clone());
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(shape: &str, text: &str) -> (String, String) {
        (shape.to_owned(), text.to_owned())
    }

    #[test]
    fn long_runs_of_the_same_kind_are_folded() {
        let mut lines = vec![line("a", "first")];
        for n in 1..=10 {
            lines.push(line("m", &format!("msg {n}")));
            lines.push(line("d", &format!("decision {n}")));
        }
        lines.push(line("z", "last"));
        assert_eq!(
            fold(&lines),
            [
                "first",
                "msg 1",
                "decision 1",
                "  … 8 more like these",
                "msg 10",
                "decision 10",
                "last"
            ]
        );
        let short: Vec<_> = (0..4).map(|n| line("m", &n.to_string())).collect();
        assert_eq!(fold(&short), ["0", "1", "2", "3"]);
    }

    #[test]
    fn a_counted_send_numbers_its_messages() {
        let step = |text: &str, count| SendStep {
            from: "bob".into(),
            to: "room:family".into(),
            text: text.into(),
            count,
        };
        assert_eq!(bodies(&step("hi", None)).expect("one"), ["hi"]);
        assert_eq!(
            bodies(&step("burst {n}!", Some(3))).expect("three"),
            ["burst 1!", "burst 2!", "burst 3!"]
        );
        assert_eq!(
            bodies(&step("burst", Some(2))).expect("two"),
            ["burst 1", "burst 2"]
        );
        assert!(bodies(&step("none", Some(0))).is_err());
    }
}
