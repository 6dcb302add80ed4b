//! Group chat through the real `tandem` binary against a real Prosody (its MUC component):
//! `join`, `leave`, `rooms`, `notify`, `send` and `history` for rooms, and `listen`'s room
//! commands and events, with bob in the room through the library.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command as StdCommand, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Result};
use jid::BareJid;
use predicates::prelude::*;
use serde_json::Value;
use tandem_core::event::{ChatKind, Event, RoomStatus};
use tandem_tests::{Dev, World};

mod common;
use common::{history, tandem, BIN};

/// A room of the lab's MUC service.
fn room(w: &World, name: &str) -> BareJid {
    format!("{name}@{}", w.lab.muc_domain())
        .parse()
        .expect("a valid room JID")
}

/// `tandem rooms --json` on a profile.
fn rooms_json(profile: &Path) -> Result<Vec<Value>> {
    let out = tandem(profile).args(["rooms", "--json"]).output()?;
    if !out.status.success() {
        return Err(anyhow!(
            "rooms failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    match serde_json::from_slice(&out.stdout)? {
        Value::Array(items) => Ok(items),
        other => Err(anyhow!("rooms --json is not an array: {other}")),
    }
}

/// Runs a command that must fail, at once (without waiting on the network), with one line
/// on stderr that contains `needle`.
fn fails_with_one_line(profile: &Path, args: &[&str], needle: &str) -> Result<()> {
    let started = Instant::now();
    let out = tandem(profile).args(args).output()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{args:?} succeeded: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
    assert!(
        stderr.contains(needle),
        "{args:?}: {needle:?} not in {stderr:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{args:?} took {:?}",
        started.elapsed()
    );
    Ok(())
}

/// Waits for this room's event with `state` on a library device.
async fn room_state(dev: &mut Dev, jid: &BareJid, want: RoomStatus) -> Result<()> {
    let e = dev
        .until("the room's event", |e| {
            matches!(e, Event::Room { room, state, .. }
                if room == jid && (*state == want || matches!(state, RoomStatus::Left | RoomStatus::Gone)))
        })
        .await?;
    match e {
        Event::Room { state, .. } if state == want => Ok(()),
        other => Err(anyhow!("{}: {jid} is not {want:?}: {other:?}", dev.name)),
    }
}

/// bob, signed in with the library, in `jid` (he creates it when it does not exist).
async fn bob_in(w: &World, jid: &BareJid) -> Result<Dev> {
    let mut bob = w.bob().await?;
    bob.session.join(jid.clone(), None, None).await?;
    room_state(&mut bob, jid, RoomStatus::Joined).await?;
    Ok(bob)
}

/// `tandem join` on a profile: its one line of output.
fn join(profile: &Path, jid: &BareJid, extra: &[&str]) -> Result<String> {
    let out = tandem(profile)
        .args(["join", jid.as_str()])
        .args(extra)
        .output()?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(anyhow!(
            "join failed: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(stdout)
}

#[tokio::test(flavor = "multi_thread")]
async fn join_creates_the_room_and_rooms_lists_it_with_autojoin() -> Result<()> {
    let w = World::new()?;
    let laptop = w.profile(Path::new(BIN), "alice", "laptop", "desktop", &[])?;
    let lounge = room(&w, "lounge");
    let out = join(&laptop, &lounge, &[])?;
    assert_eq!(
        out.trim_end(),
        format!("joined {lounge} as alice (0 messages of history)")
    );
    let rooms = rooms_json(&laptop)?;
    assert_eq!(rooms.len(), 1, "{rooms:?}");
    let r = &rooms[0];
    assert_eq!(r["jid"], lounge.as_str());
    assert_eq!(r["nick"], "alice");
    assert_eq!(r["autojoin"], true);
    assert_eq!(r["notify"], "mentions");
    assert!(r["gone"].is_null(), "{r}");

    // The room exists (alice created it) and lets others in.
    let bob = bob_in(&w, &lounge).await?;
    bob.close().await;

    // Text for people: the room, the nick, autojoin.
    tandem(&laptop).arg("rooms").assert().success().stdout(
        predicate::str::contains(lounge.as_str())
            .and(predicate::str::contains("alice"))
            .and(predicate::str::contains("yes"))
            .and(predicate::str::contains("{").not()),
    );

    // A second join with another nick keeps the room once, under the new nick.
    let out = join(&laptop, &lounge, &["--nick", "Alice W"])?;
    assert!(
        out.starts_with(&format!("joined {lounge} as Alice W")),
        "{out}"
    );
    let rooms = rooms_json(&laptop)?;
    assert_eq!(rooms.len(), 1, "{rooms:?}");
    assert_eq!(rooms[0]["nick"], "Alice W");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_room_message_goes_both_ways_and_history_names_the_occupant() -> Result<()> {
    let w = World::new()?;
    let laptop = w.profile(Path::new(BIN), "alice", "laptop", "desktop", &[])?;
    let lounge = room(&w, "lounge");
    let mut bob = bob_in(&w, &lounge).await?;
    bob.session
        .send(lounge.clone(), "hello room, bob here".into())
        .await?;

    // alice joins after bob wrote: the room's archive brings his message.
    let out = join(&laptop, &lounge, &[])?;
    assert_eq!(
        out.trim_end(),
        format!("joined {lounge} as alice (1 messages of history)")
    );
    let items = history(&laptop, lounge.as_str())?;
    assert_eq!(items.len(), 1, "{items:?}");
    let m = &items[0];
    assert_eq!(m["body"], "hello room, bob here");
    assert_eq!(m["kind"], "groupchat");
    assert_eq!(m["direction"], "in");
    assert_eq!(m["conversation"], lounge.as_str());
    assert_eq!(m["occupant"]["nick"], "bob");
    assert_eq!(m["from"], format!("{lounge}/bob"));

    // `send` to a room of the profile waits for the session to join it, then sends.
    tandem(&laptop)
        .args(["send", lounge.as_str(), "hi bob, from the cli"])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!("sent to {lounge}")));
    let got = bob.expect_message("hi bob, from the cli").await?;
    assert_eq!(got.kind, ChatKind::Groupchat);
    assert_eq!(got.conversation, lounge);
    assert_eq!(
        got.occupant.as_ref().map(|o| o.nick.as_str()),
        Some("alice")
    );

    let items = history(&laptop, lounge.as_str())?;
    let ours = items
        .iter()
        .find(|m| m["body"] == "hi bob, from the cli")
        .ok_or_else(|| anyhow!("our room message is not stored: {items:?}"))?;
    assert_eq!(ours["direction"], "out");
    assert_eq!(ours["kind"], "groupchat");
    assert_eq!(ours["occupant"]["nick"], "alice");
    // bob's message is kept once, whatever copies the sign-ins brought.
    assert_eq!(
        items
            .iter()
            .filter(|m| m["body"] == "hello room, bob here")
            .count(),
        1,
        "{items:?}"
    );

    // Text for people: the occupant's nick is the sender, not the room.
    let out = tandem(&laptop)
        .args(["history", lounge.as_str()])
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    let line = text
        .lines()
        .find(|l| l.contains("hello room, bob here"))
        .ok_or_else(|| anyhow!("bob's message missing: {text}"))?;
    assert!(line.contains("← bob "), "{line}");
    assert!(!line.contains(lounge.as_str()), "{line}");
    let line = text
        .lines()
        .find(|l| l.contains("hi bob, from the cli"))
        .ok_or_else(|| anyhow!("our message missing: {text}"))?;
    assert!(line.contains("→ me "), "{line}");
    bob.close().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn sending_to_a_room_that_is_not_joined_is_one_clear_line() -> Result<()> {
    let w = World::new()?;
    let laptop = w.profile(Path::new(BIN), "alice", "laptop", "desktop", &[])?;
    let lounge = room(&w, "lounge");
    join(&laptop, &lounge, &[])?;
    tandem(&laptop)
        .args(["leave", lounge.as_str()])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!("left {lounge}")));
    let rooms = rooms_json(&laptop)?;
    assert_eq!(rooms.len(), 1, "the bookmark stays: {rooms:?}");
    assert_eq!(rooms[0]["autojoin"], false);

    fails_with_one_line(
        &laptop,
        &["send", lounge.as_str(), "anyone?"],
        &format!("join {lounge} first"),
    )?;
    // Nothing was stored for it.
    assert!(history(&laptop, lounge.as_str())?.is_empty());
    // An occupant's JID is not a contact.
    fails_with_one_line(
        &laptop,
        &["send", &format!("{lounge}/bob"), "psst"],
        "private messages are not supported",
    )?;
    // Leaving a room that is not ours names it, before signing in.
    let other = room(&w, "elsewhere");
    fails_with_one_line(
        &laptop,
        &["leave", other.as_str()],
        "is not one of our rooms",
    )?;
    // A room JID needs a local part.
    fails_with_one_line(
        &laptop,
        &["join", &w.lab.muc_domain()],
        "a room JID needs a local part",
    )?;

    // Joined again, sending works again.
    join(&laptop, &lounge, &[])?;
    tandem(&laptop)
        .args(["send", lounge.as_str(), "back again"])
        .assert()
        .success();
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn notify_round_trips_through_rooms() -> Result<()> {
    let w = World::new()?;
    let laptop = w.profile(Path::new(BIN), "alice", "laptop", "desktop", &[])?;
    let lounge = room(&w, "lounge");
    join(&laptop, &lounge, &[])?;
    for setting in ["all", "none", "mentions"] {
        tandem(&laptop)
            .args(["notify", lounge.as_str(), setting])
            .assert()
            .success()
            .stdout(predicate::str::contains(format!(
                "{lounge} notifies: {setting}"
            )));
        let rooms = rooms_json(&laptop)?;
        assert_eq!(rooms[0]["notify"], setting, "{rooms:?}");
        // The rest of the room is kept.
        assert_eq!(rooms[0]["autojoin"], true);
        assert_eq!(rooms[0]["nick"], "alice");
    }
    tandem(&laptop)
        .args(["notify", lounge.as_str(), "none"])
        .assert()
        .success();
    // The setting survives a sign-in (the bookmarks do not carry it).
    tandem(&laptop).arg("sync").assert().success();
    assert_eq!(rooms_json(&laptop)?[0]["notify"], "none");

    let other = room(&w, "elsewhere");
    fails_with_one_line(
        &laptop,
        &["notify", other.as_str(), "all"],
        "is not one of our rooms",
    )?;
    assert_eq!(rooms_json(&laptop)?.len(), 1);
    Ok(())
}

/// `tandem listen --json` on a profile: its stdin, and its events as they come.
struct Listening {
    child: Child,
    stdin: ChildStdin,
    events: Receiver<Value>,
}

impl Listening {
    fn start(profile: &Path) -> Result<Listening> {
        let mut child = StdCommand::new(BIN)
            .arg("--data-dir")
            .arg(profile)
            .args(["listen", "--json"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let stdin = child.stdin.take().ok_or_else(|| anyhow!("stdin"))?;
        let stdout = child.stdout.take().ok_or_else(|| anyhow!("stdout"))?;
        let (tx, events) = std::sync::mpsc::channel::<Value>();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let value = serde_json::from_str(&line).unwrap_or(Value::String(line));
                if tx.send(value).is_err() {
                    break;
                }
            }
        });
        Ok(Listening {
            child,
            stdin,
            events,
        })
    }

    fn command(&mut self, line: &str) -> Result<()> {
        writeln!(self.stdin, "{line}")?;
        Ok(())
    }

    /// The first event `pred` accepts, within 15 s; every line must be a JSON event.
    fn wait_for(&self, what: &str, pred: impl Fn(&Value) -> bool) -> Result<Value> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let v = self
                .events
                .recv_timeout(left)
                .map_err(|_| anyhow!("listen: {what} not seen"))?;
            assert!(
                v.is_object() && v["event"].is_string(),
                "not a JSON event: {v}"
            );
            if pred(&v) {
                return Ok(v);
            }
        }
    }

    fn quit(mut self) -> Result<()> {
        self.command("quit")?;
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                assert!(status.success());
                return Ok(());
            }
            if started.elapsed() > Duration::from_secs(10) {
                let _ = self.child.kill();
                return Err(anyhow!("listen did not quit"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn listen_joins_writes_lists_and_leaves_rooms() -> Result<()> {
    let w = World::new()?;
    let laptop = w.profile(Path::new(BIN), "alice", "laptop", "desktop", &[])?;
    let lounge = room(&w, "lounge");
    let mut bob = bob_in(&w, &lounge).await?;
    let mut listen = Listening::start(&laptop)?;
    listen.wait_for("catch-up", |v| {
        v["event"] == "catch_up" && v["done"] == true
    })?;

    listen.command(&format!("join {lounge} ally"))?;
    let is_lounge = |v: &Value| v["room"] == lounge.as_str();
    // The room tells who is in it before it tells us we are in (XEP-0045 §7.2.3).
    let o = listen.wait_for("bob in the room", |v| {
        v["event"] == "occupant" && is_lounge(v) && v["nick"] == "bob"
    })?;
    assert_eq!(o["this_is_us"], false);
    assert_eq!(o["change"]["kind"], "joined");
    let o = listen.wait_for("us in the room", |v| {
        v["event"] == "occupant" && is_lounge(v) && v["this_is_us"] == true
    })?;
    assert_eq!(o["nick"], "ally");
    listen.wait_for("joined", |v| {
        v["event"] == "room" && is_lounge(v) && v["state"] == "joined"
    })?;
    listen.wait_for("the room's catch-up", |v| {
        v["event"] == "room_catch_up" && is_lounge(v) && v["done"] == true
    })?;

    listen.command("rooms")?;
    let rooms = listen.wait_for("rooms", |v| v["event"] == "rooms")?;
    let r = &rooms["rooms"][0];
    assert_eq!(r["jid"], lounge.as_str());
    assert_eq!(r["nick"], "ally");
    assert_eq!(r["status"], "joined");
    assert_eq!(r["autojoin"], true);
    let nicks: Vec<&str> = r["occupants"]
        .as_array()
        .map(|a| a.iter().filter_map(|o| o["nick"].as_str()).collect())
        .unwrap_or_default();
    assert!(nicks.contains(&"bob") && nicks.contains(&"ally"), "{rooms}");

    // bob writes; the listening device shows it as a room message by bob.
    bob.session
        .send(lounge.clone(), "ally, are you there?".into())
        .await?;
    let m = listen.wait_for("bob's message", |v| {
        v["event"] == "message" && v["body"] == "ally, are you there?"
    })?;
    assert_eq!(m["kind"], "groupchat");
    assert_eq!(m["conversation"], lounge.as_str());
    assert_eq!(m["occupant"]["nick"], "bob");
    assert_eq!(m["occupant"]["mention"], true);

    // `send` takes rooms as it takes contacts.
    listen.command(&format!("send {lounge} yes, here"))?;
    let m = listen.wait_for("our message", |v| {
        v["event"] == "message" && v["body"] == "yes, here"
    })?;
    assert_eq!(m["kind"], "groupchat");
    assert_eq!(m["direction"], "out");
    let got = bob.expect_message("yes, here").await?;
    assert_eq!(got.occupant.map(|o| o.nick), Some("ally".into()));

    listen.command(&format!("notify {lounge} loud"))?;
    let e = listen.wait_for("an error", |v| v["event"] == "error")?;
    assert!(
        e["message"]
            .as_str()
            .is_some_and(|m| m.contains("all, mentions, none")),
        "{e}"
    );
    listen.command(&format!("notify {lounge} all"))?;
    listen.command("rooms")?;
    let rooms = listen.wait_for("rooms", |v| v["event"] == "rooms")?;
    assert_eq!(rooms["rooms"][0]["notify"], "all");

    listen.command(&format!("invite {lounge} {}", w.jid("colin")))?;
    listen.command("invite nobody")?;
    let e = listen.wait_for("an error", |v| v["event"] == "error")?;
    assert!(
        e["message"]
            .as_str()
            .is_some_and(|m| m.contains("usage: invite")),
        "{e}"
    );

    listen.command(&format!("leave {lounge}"))?;
    listen.wait_for("left", |v| {
        v["event"] == "room" && is_lounge(v) && v["state"] == "left"
    })?;
    listen.command(&format!("send {lounge} still here?"))?;
    let e = listen.wait_for("an error", |v| v["event"] == "error")?;
    assert!(
        e["message"]
            .as_str()
            .is_some_and(|m| m.contains("not in the room")),
        "{e}"
    );

    listen.command("bogus")?;
    let e = listen.wait_for("an error", |v| v["event"] == "error")?;
    for verb in [
        "join <ROOM>",
        "leave <ROOM>",
        "notify <ROOM>",
        "invite <ROOM>",
        "rooms",
    ] {
        assert!(
            e["message"].as_str().is_some_and(|m| m.contains(verb)),
            "{verb}: {e}"
        );
    }
    listen.quit()?;

    // The listening device stored what it saw.
    let items = history(&laptop, lounge.as_str())?;
    let bodies: Vec<&str> = items.iter().filter_map(|m| m["body"].as_str()).collect();
    assert_eq!(bodies, ["ally, are you there?", "yes, here"], "{items:?}");
    let rooms = rooms_json(&laptop)?;
    assert_eq!(rooms[0]["autojoin"], false);
    assert_eq!(rooms[0]["notify"], "all");
    bob.close().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn listen_prints_room_events_as_text() -> Result<()> {
    let w = World::new()?;
    let laptop = w.profile(Path::new(BIN), "alice", "laptop", "desktop", &[])?;
    let lounge = room(&w, "lounge");
    let bob = bob_in(&w, &lounge).await?;
    let mut child = StdCommand::new(BIN)
        .arg("--data-dir")
        .arg(&laptop)
        .arg("listen")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut stdin = child.stdin.take().ok_or_else(|| anyhow!("stdin"))?;
    let stdout = child.stdout.take().ok_or_else(|| anyhow!("stdout"))?;
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let wait_for = |needle: &str| -> Result<String> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = rx
                .recv_timeout(left)
                .map_err(|_| anyhow!("{needle:?} not printed"))?;
            assert!(!line.contains('{'), "not text: {line}");
            if line.contains(needle) {
                return Ok(line);
            }
        }
    };
    wait_for("caught up:")?;
    writeln!(stdin, "join {lounge}")?;
    wait_for(&format!("bob is in {lounge}"))?;
    wait_for(&format!("joined {lounge}"))?;
    wait_for(&format!("caught up {lounge}"))?;
    bob.session
        .send(lounge.clone(), "plain text please".into())
        .await?;
    let line = wait_for("plain text please")?;
    assert!(line.contains(&format!("{lounge} ← bob")), "{line}");
    writeln!(stdin, "rooms")?;
    let line = wait_for(&format!("{lounge} as alice"))?;
    assert!(line.contains("joined") && line.contains("bob"), "{line}");
    bob.close().await;
    wait_for(&format!("bob left {lounge}"))?;
    writeln!(stdin, "quit")?;
    let started = Instant::now();
    while child.try_wait()?.is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "listen did not quit"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

/// A room's catch-up killed after two pages (kill -9 of `tandem join`) and run again loses
/// and duplicates nothing: each page was committed with the room's archive position.
#[tokio::test(flavor = "multi_thread")]
async fn a_room_catch_up_killed_half_way_loses_and_duplicates_nothing() -> Result<()> {
    const TOTAL: usize = 600;
    let w = World::new()?;
    let burst = room(&w, "burst");
    // The laptop creates the room (and bookmarks it); bob fills it.
    let mut laptop = w.laptop().await?;
    laptop.session.join(burst.clone(), None, None).await?;
    room_state(&mut laptop, &burst, RoomStatus::Joined).await?;
    let bob = bob_in(&w, &burst).await?;
    let bodies: Vec<String> = (0..TOTAL).map(|i| format!("r{i:04}")).collect();
    bob.send_many(&burst, bodies.iter().cloned()).await?;
    laptop.expect_message(&bodies[TOTAL - 1]).await?;
    laptop.close().await;

    let phone = w.profile(Path::new(BIN), "alice", "phone", "phone", &[])?;
    let mut child = StdCommand::new(BIN)
        .arg("--data-dir")
        .arg(&phone)
        .args(["join", burst.as_str()])
        .env("RUST_LOG", "tandem_core=info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    let stderr = child.stderr.take().ok_or_else(|| anyhow!("no stderr"))?;
    let mut pages = 0;
    for line in BufReader::new(stderr).lines() {
        if line?.contains("room archive page stored") {
            pages += 1;
            if pages == 2 {
                child.kill()?;
                break;
            }
        }
    }
    child.wait()?;
    assert_eq!(pages, 2, "join ended before it could be interrupted");
    let partial = history(&phone, burst.as_str())?.len();
    assert!(partial < TOTAL, "killed too late: {partial} stored");

    let out = join(&phone, &burst, &[])?;
    assert!(
        out.contains(&format!("({} messages of history)", TOTAL - partial)),
        "{out}"
    );
    let got: Vec<String> = history(&phone, burst.as_str())?
        .iter()
        .map(|m| m["body"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(got, bodies);
    bob.close().await;
    Ok(())
}
