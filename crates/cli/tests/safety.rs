//! The `tandem` binary against what can go wrong around it: a second process on the same
//! profile, text from the network that would drive the terminal, a damaged database.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Result};
use tandem_core::model::DeviceType;
use tandem_tests::World;

mod common;
use common::{tandem, BIN};

/// Starts `tandem listen --json` and waits until it is connected and caught up.
fn listening(profile: &Path) -> Result<Child> {
    let mut child = StdCommand::new(BIN)
        .arg("--data-dir")
        .arg(profile)
        .args(["listen", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let stdout = child.stdout.take().ok_or_else(|| anyhow!("stdout"))?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.contains("\"catch_up\"") && line.contains("\"done\":true") {
                let _ = tx.send(());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(15))
        .map_err(|_| anyhow!("listen did not catch up"))?;
    Ok(child)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_signed_in_process_on_a_profile_is_refused_at_once() -> Result<()> {
    let w = World::new()?;
    let laptop = w.profile(Path::new(BIN), "alice", "laptop", "desktop", &[])?;
    let mut first = listening(&laptop)?;
    let bob = w.jid("bob").to_string();
    for args in [vec!["listen"], vec!["sync"], vec!["send", &bob, "hi"]] {
        let started = Instant::now();
        let out = tandem(&laptop).args(&args).output()?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} ran beside listen");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains(&format!("is in use by process {}", first.id())),
            "{args:?}: {stderr}"
        );
        // "At once": refused before any connection attempt (well inside the login timeout).
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{args:?} waited"
        );
    }
    // Read-only commands keep working beside the running session.
    for args in [
        vec!["history", &bob],
        vec!["devices"],
        vec!["account", "show"],
    ] {
        tandem(&laptop).args(&args).assert().success();
    }
    drop(first.stdin.take());
    first.wait()?;
    // Once the first has gone, the profile is free again.
    tandem(&laptop).arg("sync").assert().success();
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn first_opens_of_a_profile_never_race_the_migrations() -> Result<()> {
    let w = World::new()?;
    let phone = w.profile(Path::new(BIN), "alice", "phone", "phone", &[])?;
    let bob = w.jid("bob").to_string();
    // A fresh profile: no database yet. A sync and several readers open it together.
    let mut children = vec![StdCommand::new(BIN)
        .arg("--data-dir")
        .arg(&phone)
        .arg("sync")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?];
    for _ in 0..4 {
        children.push(
            StdCommand::new(BIN)
                .arg("--data-dir")
                .arg(&phone)
                .args(["history", &bob])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()?,
        );
    }
    for child in children {
        let out = child.wait_with_output()?;
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn history_shows_terminal_controls_in_bodies_instead_of_obeying_them() -> Result<()> {
    let w = World::new()?;
    let laptop = w.profile(Path::new(BIN), "alice", "laptop", "desktop", &[])?;
    let bob = w.device("bob", "pc", DeviceType::Desktop, true).await?;
    // XML carries no C0 controls but tab and newline (a carriage return arrives as a
    // newline); C1 controls (CSI
    // U+009B starts an escape sequence on many terminals), DEL and bidi controls it does.
    let hostile = "invoice\u{202E}fdp.exe \u{9b}2J\u{9d}0;owned\u{9c} over\u{7f}write";
    bob.session.send(w.jid("alice"), hostile.into()).await?;
    tandem(&laptop).arg("sync").assert().success();
    let out = tandem(&laptop)
        .args(["history", &w.jid("bob").to_string()])
        .output()?;
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout)?;
    for c in ['\u{202E}', '\u{9b}', '\u{9d}', '\u{9c}', '\u{7f}'] {
        assert!(!text.contains(c), "{c:?} reached the terminal: {text:?}");
    }
    assert!(text.contains("invoice\\u{202e}fdp.exe"), "{text}");
    // The store keeps the body byte for byte; only the terminal view changes.
    let json = common::history(&laptop, &w.jid("bob").to_string())?;
    assert_eq!(json[0]["body"], hostile);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_database_with_damaged_pages_is_reported_not_synced_over() -> Result<()> {
    let w = World::new()?;
    let laptop = w.profile(Path::new(BIN), "alice", "laptop", "desktop", &[])?;
    let bob = w.device("bob", "pc", DeviceType::Desktop, true).await?;
    bob.send_many(
        &w.jid("alice"),
        (0..300).map(|i| format!("message {i} {}", "x".repeat(200))),
    )
    .await?;
    tandem(&laptop).arg("sync").assert().success();
    // Overwrite the last pages of the (checkpointed) database with garbage.
    let db = laptop.join("tandem.db");
    for leftover in ["tandem.db-wal", "tandem.db-shm"] {
        let _ = std::fs::remove_file(laptop.join(leftover));
    }
    let mut bytes = std::fs::read(&db)?;
    let len = bytes.len();
    assert!(
        len > 64 * 1024,
        "the database holds several pages ({len} bytes)"
    );
    for (i, b) in bytes[len - 16 * 1024..].iter_mut().enumerate() {
        *b = (i * 7 + 13) as u8;
    }
    std::fs::write(&db, &bytes)?;
    for args in [vec!["sync"], vec!["listen"]] {
        let out = tandem(&laptop).args(&args).output()?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success(),
            "{args:?} ran over a damaged database"
        );
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(stderr.contains("damaged"), "{args:?}: {stderr}");
    }
    assert_eq!(
        std::fs::read(&db)?,
        bytes,
        "the damaged file is left as it was"
    );
    Ok(())
}

#[test]
fn a_profile_whose_jid_has_no_user_part_is_a_one_line_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("profile.toml"),
        "jid = \"tandem.test\"\nresource = \"laptop\"\ndevice = \"desktop\"\ncarbons = true\npassword_store = \"file\"\n",
    )
    .expect("write");
    let out = tandem(dir.path())
        .args(["history", "bob@tandem.test"])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("no user part"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn text_that_xml_cannot_carry_is_refused_before_it_is_stored() -> Result<()> {
    let w = World::new()?;
    let laptop = w.profile(Path::new(BIN), "alice", "laptop", "desktop", &[])?;
    let bob = w.jid("bob").to_string();
    let out = tandem(&laptop)
        .args(["send", &bob, "escape \u{1b}[2J"])
        .output()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("U+001B, which XMPP cannot carry"),
        "{stderr}"
    );
    assert!(common::history(&laptop, &bob)?.is_empty(), "nothing stored");
    Ok(())
}
