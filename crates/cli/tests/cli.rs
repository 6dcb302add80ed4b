//! The real `tandem` binary against a real Prosody: account set-up, send, sync (catch-up),
//! history, devices and listen, plus every bad input the user can give it.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Result};
use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use tandem_core::model::DeviceType;
use tandem_tests::World;

mod common;
use common::{history, tandem, BIN};

async fn bob_sends(w: &World, to: &str, bodies: impl Iterator<Item = String>) -> Result<()> {
    let bob = w.device("bob", "pc", DeviceType::Desktop, true).await?;
    let to: jid::BareJid = to.parse()?;
    bob.send_many(&to, bodies).await?;
    bob.close().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn send_then_history_and_devices_as_json() -> Result<()> {
    let w = World::new()?;
    let laptop = w.profile(Path::new(BIN), "alice", "laptop", "desktop", &[])?;
    let bob = w.jid("bob").to_string();
    tandem(&laptop)
        .args(["send", &bob, "hello from the cli"])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!("sent to {bob}")));
    let items = history(&laptop, &bob)?;
    assert_eq!(items.len(), 1, "{items:?}");
    let m = &items[0];
    assert_eq!(m["body"], "hello from the cli");
    assert_eq!(m["direction"], "out");
    assert_eq!(m["from"], format!("{}/laptop", w.jid("alice")));
    assert_eq!(m["read"], true);
    assert!(m["id"].is_i64());
    let ts = m["timestamp"].as_str().expect("timestamp");
    chrono::DateTime::parse_from_rfc3339(ts)?;

    let out = tandem(&laptop).args(["devices", "--json"]).output()?;
    let devices: Value = serde_json::from_slice(&out.stdout)?;
    let me = devices
        .as_array()
        .and_then(|a| a.iter().find(|d| d["resource"] == "laptop"))
        .ok_or_else(|| anyhow!("laptop missing: {devices}"))?;
    assert_eq!(me["device_type"], "desktop");
    assert_eq!(me["this_device"], true);

    // Text for people: aligned, no JSON, no debug dumps.
    tandem(&laptop)
        .args(["history", &bob])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("hello from the cli").and(predicate::str::contains("{").not()),
        );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_phone_that_was_offline_syncs_200_messages_once_and_in_order() -> Result<()> {
    let w = World::new()?;
    let phone = w.profile(Path::new(BIN), "alice", "phone", "phone", &[])?;
    tandem(&phone).arg("sync").assert().success();
    // The laptop is online (so messages are delivered there live) while the phone is off.
    let mut laptop = w
        .device("alice", "laptop", DeviceType::Desktop, true)
        .await?;
    let alice = w.jid("alice").to_string();
    bob_sends(&w, &alice, (0..200).map(|i| format!("message {i:03}"))).await?;
    laptop.expect_message("message 199").await?;
    laptop.close().await;

    tandem(&phone)
        .arg("sync")
        .assert()
        .success()
        .stdout(predicate::str::contains("200 new"));
    let items = history(&phone, &w.jid("bob").to_string())?;
    let bodies: Vec<_> = items
        .iter()
        .map(|m| m["body"].as_str().unwrap_or(""))
        .collect();
    let expected: Vec<_> = (0..200).map(|i| format!("message {i:03}")).collect();
    assert_eq!(bodies, expected);
    assert!(items
        .iter()
        .all(|m| m["archived"] == true && m["direction"] == "in"));

    // A second sync finds nothing new and duplicates nothing.
    tandem(&phone)
        .arg("sync")
        .assert()
        .success()
        .stdout(predicate::str::contains("0 new"));
    assert_eq!(history(&phone, &w.jid("bob").to_string())?.len(), 200);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_catch_up_killed_half_way_loses_and_duplicates_nothing() -> Result<()> {
    const TOTAL: usize = 2000;
    let w = World::new()?;
    let phone = w.profile(Path::new(BIN), "alice", "phone", "phone", &[])?;
    tandem(&phone).arg("sync").assert().success();
    // The laptop takes the messages live, so the phone can only get them from the archive.
    let mut laptop = w
        .device("alice", "laptop", DeviceType::Desktop, true)
        .await?;
    let alice = w.jid("alice").to_string();
    bob_sends(&w, &alice, (0..TOTAL).map(|i| format!("m{i:04}"))).await?;
    laptop.expect_message(&format!("m{:04}", TOTAL - 1)).await?;
    laptop.close().await;

    let mut child = StdCommand::new(BIN)
        .arg("--data-dir")
        .arg(&phone)
        .arg("sync")
        .env("RUST_LOG", "tandem_core=info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    let stderr = child.stderr.take().ok_or_else(|| anyhow!("no stderr"))?;
    let mut pages = 0;
    for line in BufReader::new(stderr).lines() {
        if line?.contains("archive page stored") {
            pages += 1;
            if pages == 2 {
                child.kill()?;
                break;
            }
        }
    }
    child.wait()?;
    assert_eq!(pages, 2, "sync ended before it could be interrupted");
    let partial = history(&phone, &w.jid("bob").to_string())?.len();
    assert!(partial < TOTAL, "killed too late: {partial} stored");

    tandem(&phone).arg("sync").assert().success();
    let items = history(&phone, &w.jid("bob").to_string())?;
    let bodies: Vec<_> = items
        .iter()
        .map(|m| m["body"].as_str().unwrap_or("").to_owned())
        .collect();
    let expected: Vec<_> = (0..TOTAL).map(|i| format!("m{i:04}")).collect();
    assert_eq!(bodies.len(), TOTAL, "stored after restart");
    assert_eq!(bodies, expected);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn offline_messages_and_their_archive_copies_are_stored_once() -> Result<()> {
    let w = World::new()?;
    let phone = w.profile(Path::new(BIN), "alice", "phone", "phone", &[])?;
    tandem(&phone).arg("sync").assert().success();
    // Nobody of alice's is online: the server keeps the messages offline *and* archives them,
    // so the phone receives each twice when it signs in.
    let alice = w.jid("alice").to_string();
    bob_sends(&w, &alice, (0..120).map(|i| format!("offline {i:03}"))).await?;
    tandem(&phone).arg("sync").assert().success();
    let items = history(&phone, &w.jid("bob").to_string())?;
    let bodies: Vec<_> = items
        .iter()
        .map(|m| m["body"].as_str().unwrap_or("").to_owned())
        .collect();
    let expected: Vec<_> = (0..120).map(|i| format!("offline {i:03}")).collect();
    assert_eq!(bodies, expected);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn listen_prints_json_events_and_takes_commands_on_stdin() -> Result<()> {
    let w = World::new()?;
    let laptop = w.profile(Path::new(BIN), "alice", "laptop", "desktop", &[])?;
    let mut bob = w.device("bob", "pc", DeviceType::Desktop, true).await?;
    let mut child = StdCommand::new(BIN)
        .arg("--data-dir")
        .arg(&laptop)
        .args(["listen", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut stdin = child.stdin.take().ok_or_else(|| anyhow!("stdin"))?;
    let stdout = child.stdout.take().ok_or_else(|| anyhow!("stdout"))?;
    let (tx, rx) = std::sync::mpsc::channel::<Value>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let value = serde_json::from_str(&line).unwrap_or(Value::String(line));
            if tx.send(value).is_err() {
                break;
            }
        }
    });
    let wait_for = |pred: &dyn Fn(&Value) -> bool| -> Result<Value> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let v = rx
                .recv_timeout(left)
                .map_err(|_| anyhow!("event not seen"))?;
            assert!(v.is_object(), "not a JSON object: {v}");
            assert!(v["event"].is_string(), "no event field: {v}");
            if pred(&v) {
                return Ok(v);
            }
        }
    };
    wait_for(&|v| v["event"] == "connected")?;
    wait_for(&|v| v["event"] == "device")?;
    writeln!(stdin, "send {} hi bob, from listen", w.jid("bob"))?;
    let m = wait_for(&|v| v["event"] == "message")?;
    assert_eq!(m["body"], "hi bob, from listen");
    assert_eq!(m["direction"], "out");
    assert_eq!(m["carbon"], false);
    assert_eq!(m["archived"], false);
    assert!(m["conversation"].is_string() && m["timestamp"].is_string() && m["read"].is_boolean());
    bob.expect_message("hi bob, from listen").await?;

    bob.session.send(w.jid("alice"), "hi alice".into()).await?;
    let m = wait_for(&|v| v["event"] == "message" && v["body"] == "hi alice")?;
    assert_eq!(m["direction"], "in");
    assert_eq!(m["from"], format!("{}/pc", w.jid("bob")));

    // `view` puts the conversation on screen: it is read at once, and what arrives while it
    // is on screen is read too and stays silent.
    writeln!(stdin, "view {}", w.jid("bob"))?;
    let read = wait_for(&|v| v["event"] == "read")?;
    assert_eq!(read["source"], "local");
    assert_eq!(read["up_to"], m["id"]);
    bob.session
        .send(w.jid("alice"), "while you look".into())
        .await?;
    let seen = wait_for(&|v| v["event"] == "message" && v["body"] == "while you look")?;
    let n = wait_for(&|v| v["event"] == "notification" && v["message_id"] == seen["id"])?;
    assert_eq!(n["decision"], "silent");
    assert_eq!(n["reason"], "viewing");
    let read = wait_for(&|v| v["event"] == "read")?;
    assert_eq!(read["up_to"], seen["id"]);
    writeln!(stdin, "view -")?;
    writeln!(stdin, "view not a jid")?;
    wait_for(&|v| v["event"] == "error")?;

    writeln!(stdin, "bogus command")?;
    wait_for(&|v| v["event"] == "error")?;
    writeln!(stdin, "quit")?;
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            assert!(status.success());
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "listen did not quit"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    bob.close().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn no_carbons_is_a_profile_setting() -> Result<()> {
    let w = World::new()?;
    let phone = w.profile(Path::new(BIN), "alice", "phone", "phone", &["--no-carbons"])?;
    tandem(&phone)
        .args(["account", "show"])
        .assert()
        .success()
        .stdout(predicate::str::contains("multi-device messaging off"));
    Ok(())
}

/// Runs `tandem send` on a profile and checks it fails fast with one line mentioning `needle`.
fn fails_fast(profile: &Path, needle: &str) {
    let started = Instant::now();
    let out = tandem(profile)
        .args(["send", "bob@tandem.test", "x"])
        .output()
        .expect("run tandem");
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "succeeded: {stderr}");
    assert!(
        elapsed < Duration::from_secs(10),
        "took {elapsed:?}: {stderr}"
    );
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "not one line: {stderr}"
    );
    assert!(stderr.contains(needle), "{needle:?} not in {stderr:?}");
}

fn profile_with(
    w: &World,
    name: &str,
    password: &str,
    server: &str,
    ca: bool,
) -> Result<std::path::PathBuf> {
    let dir = w.dir.path().join(name);
    let pw = w.dir.path().join(format!("{name}.pw"));
    std::fs::write(&pw, password)?;
    let mut cmd = tandem(&dir);
    cmd.args([
        "account",
        "set",
        &w.jid("alice").to_string(),
        "--password-file",
    ])
    .arg(&pw)
    .args(["--server", server]);
    if ca {
        cmd.arg("--ca-file").arg(w.lab.ca_file());
    }
    cmd.assert().success();
    Ok(dir)
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_inputs_end_with_one_clear_line() -> Result<()> {
    let w = World::new()?;
    let addr = w.lab.c2s_addr().to_string();

    let wrong = profile_with(&w, "wrong-pw", "not-the-password", &addr, true)?;
    fails_fast(&wrong, "authentication failed");

    let untrusted = profile_with(&w, "untrusted", "alice-pw", &addr, false)?;
    fails_fast(&untrusted, "untrusted certificate");

    let unknown = profile_with(
        &w,
        "unknown-host",
        "alice-pw",
        "no-such-host.invalid:5222",
        true,
    )?;
    fails_fast(&unknown, "unknown host");

    let free = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    let refused = profile_with(&w, "refused", "alice-pw", &free.to_string(), true)?;
    fails_fast(&refused, "connection refused");

    // An invalid JID is refused when the account is set up, before anything is stored.
    let dir = w.dir.path().join("invalid-jid");
    let pw = w.dir.path().join("x.pw");
    std::fs::write(&pw, "pw")?;
    for bad in ["not a jid@@", "no-user-part.example", ""] {
        let out = tandem(&dir)
            .args(["account", "set", bad, "--password-file"])
            .arg(&pw)
            .output()?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{bad:?} accepted");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(stderr.contains("invalid JID"), "{stderr}");
    }
    assert!(!dir.join("profile.toml").exists());

    // No account yet, a missing password file, a bad --server: clear, one line.
    tandem(&w.dir.path().join("empty"))
        .arg("sync")
        .assert()
        .failure()
        .stderr(predicate::str::contains("tandem account set"));
    tandem(&dir)
        .args([
            "account",
            "set",
            "alice@tandem.test",
            "--password-file",
            "/nonexistent/pw",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("cannot read password file"));
    tandem(&dir)
        .args(["account", "set", "alice@tandem.test", "--password-file"])
        .arg(&pw)
        .args(["--server", "localhost"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("HOST:PORT"));
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_database_is_a_clear_error_and_not_overwritten() -> Result<()> {
    let w = World::new()?;
    let laptop = w.profile(Path::new(BIN), "alice", "laptop", "desktop", &[])?;
    let db = laptop.join("tandem.db");
    std::fs::write(&db, b"this is not a database, and it must survive")?;
    let out = tandem(&laptop)
        .args(["history", "bob@tandem.test"])
        .output()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("cannot open the database"), "{stderr}");
    assert_eq!(
        std::fs::read(&db)?,
        b"this is not a database, and it must survive"
    );
    Ok(())
}

#[test]
fn the_desktop_demo_hands_the_app_a_signed_in_laptop_profile_and_ends_with_it() {
    // A stand-in for the app: it reads the profile it is given with the real CLI, which signs
    // in to the demo's server and prints the history the laptop caught up.
    let dir = tempfile::tempdir().expect("tempdir");
    let app = dir.path().join("app.sh");
    std::fs::write(
        &app,
        format!(
            "#!/bin/sh\nset -e\ngrep -q 'resource = \"laptop\"' \"$TANDEM_DATA_DIR/profile.toml\"\n\
             {BIN} --data-dir \"$TANDEM_DATA_DIR\" sync > /dev/null\n\
             {BIN} --data-dir \"$TANDEM_DATA_DIR\" history bob@tandem.test > \"{out}\"\n",
            out = dir.path().join("history.txt").display()
        ),
    )
    .expect("write the stand-in");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&app, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let out = std::process::Command::new(BIN)
        .args(["demo", "--app"])
        .arg(&app)
        .env_remove("RUST_LOG")
        .output()
        .expect("run the desktop demo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("opening Tandem as alice@"), "{stdout}");
    assert!(stdout.contains("Tandem closed"), "{stdout}");
    let history = std::fs::read_to_string(dir.path().join("history.txt")).expect("history");
    assert!(
        history.contains("Are you free for lunch tomorrow?"),
        "the laptop did not catch up bob's message:\n{history}"
    );
}

#[test]
fn the_desktop_demo_names_a_missing_app_in_one_line() {
    Command::new(BIN)
        .args(["demo", "--app", "/nonexistent/tandem-desktop"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "/nonexistent/tandem-desktop does not exist",
        ));
}

#[test]
fn the_demo_plays_the_flow_use_case() {
    let out = std::process::Command::new(BIN)
        .arg("demo")
        .env_remove("RUST_LOG")
        .output()
        .expect("run the demo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !stdout.contains('✗'),
        "a device missed a message:\n{stdout}"
    );
    for needle in [
        "◆ notified",
        "silent: active on laptop",
        "notification withdrawn",
        "caught up from the archive",
        "alice/phone (6 messages)",
    ] {
        assert!(stdout.contains(needle), "{needle:?} missing:\n{stdout}");
    }
}

#[test]
fn a_shell_script_drives_several_devices_through_listen() {
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/two-devices.sh");
    let out = std::process::Command::new("bash")
        .arg(&script)
        .arg(BIN)
        .env_remove("RUST_LOG")
        .output()
        .expect("run the script");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("PASS"),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
