//! Every scenario in the repository runs against a real Prosody, and a failing expectation
//! fails the run with a message naming the device, what was expected and what happened.

use std::path::PathBuf;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_tandem");

fn scenarios() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("scenarios folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_scenario_in_the_repository_passes() {
    let files = scenarios();
    assert!(files.len() >= 10, "{files:?}");
    for room in ["room-everywhere", "room-catch-up", "room-gone"] {
        assert!(
            files.iter().any(|f| f.ends_with(format!("{room}.toml"))),
            "{room}.toml is not run: {files:?}"
        );
    }
    // One process per file, all at once (each starts its own Prosody).
    let children: Vec<_> = files
        .iter()
        .map(|f| {
            let child = Command::new(BIN)
                .args(["scenario", "run"])
                .arg(f)
                .env_remove("RUST_LOG")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn();
            (f.clone(), child)
        })
        .collect();
    let mut failures = Vec::new();
    for (file, out) in children {
        let out = out.and_then(|c| c.wait_with_output()).expect("run tandem");
        if !out.status.success() {
            failures.push(format!(
                "{}:\n{}{}",
                file.display(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_failing_expectation_names_the_device_and_what_happened() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("wrong.toml");
    std::fs::write(
        &file,
        r#"
name = "wrong on purpose"
accounts = ["alice", "bob"]
[[devices]]
name = "laptop"
account = "alice"
[[devices]]
name = "bob"
account = "bob"
[[steps]]
send = { from = "bob", to = "alice", text = "hello" }
[[steps]]
expect = { device = "laptop", message = "hello", via = "archive" }
"#,
    )
    .expect("write");
    let out = Command::new(BIN)
        .args(["scenario", "run"])
        .arg(&file)
        .output()
        .expect("run tandem");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{stdout}");
    assert!(
        stdout.contains("device laptop: expected \"hello\" via archive, but it came via live"),
        "{stdout}"
    );
}

/// Runs a scenario written to a temporary file; its stdout and whether it passed.
fn run_text(text: &str) -> (bool, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("scenario.toml");
    std::fs::write(&file, text).expect("write");
    let out = Command::new(BIN)
        .args(["scenario", "run"])
        .arg(&file)
        .env_remove("RUST_LOG")
        .output()
        .expect("run tandem");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn a_wrong_room_expectation_names_the_device_and_the_room() {
    let (passed, stdout) = run_text(
        r#"
name = "a room, wrong on purpose"
accounts = ["alice"]
[[devices]]
name = "laptop"
account = "alice"
[[devices]]
name = "phone"
account = "alice"
type = "phone"
[[steps]]
join = { device = "laptop", room = "family" }
[[steps]]
expect = { device = "phone", room = "family", state = "left" }
"#,
    );
    assert!(!passed, "{stdout}");
    let line = stdout
        .lines()
        .find(|l| l.starts_with("FAIL"))
        .unwrap_or_else(|| panic!("no failure line: {stdout}"));
    assert!(
        line.contains("step 2: device phone: expected room family@conference.")
            && line.ends_with("to be left, but it is joined"),
        "{stdout}"
    );
}

#[test]
fn sending_to_a_room_the_device_is_not_in_fails_the_step() {
    let (passed, stdout) = run_text(
        r#"
name = "not in the room"
accounts = ["alice", "bob"]
[[devices]]
name = "laptop"
account = "alice"
[[devices]]
name = "bob"
account = "bob"
[[steps]]
join = { device = "laptop", room = "family" }
[[steps]]
send = { from = "bob", to = "room:family", text = "let me in" }
"#,
    );
    assert!(!passed, "{stdout}");
    assert!(
        stdout.contains("step 2: device bob cannot send to room family@conference.")
            && stdout.contains("it is not one of its rooms"),
        "{stdout}"
    );
}

#[test]
fn a_scenario_can_name_its_own_server() {
    let lab = tandem_lab::Lab::start().expect("lab");
    lab.register("alice", "a-pw").expect("register");
    lab.register("bob", "b-pw").expect("register");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(lab.ca_file(), dir.path().join("ca.pem")).expect("copy ca");
    let file = dir.path().join("named.toml");
    std::fs::write(
        &file,
        format!(
            r#"
name = "against a named server"
accounts = ["alice", "bob"]
[server]
address = "{addr}"
domain = "{domain}"
ca_file = "ca.pem"
passwords = {{ alice = "a-pw", bob = "b-pw" }}
[[devices]]
name = "laptop"
account = "alice"
[[devices]]
name = "bob"
account = "bob"
[[steps]]
send = {{ from = "bob", to = "alice", text = "hello there" }}
[[steps]]
expect = {{ device = "laptop", message = "hello there", via = "live", decision = "notify" }}
"#,
            addr = lab.c2s_addr(),
            domain = lab.domain()
        ),
    )
    .expect("write");
    let out = Command::new(BIN)
        .args(["scenario", "run"])
        .arg(&file)
        .output()
        .expect("run tandem");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("against 127.0.0.1"), "{stdout}");
}
