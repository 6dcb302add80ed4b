//! What the CLI's test files share: the built `tandem` binary and its history as JSON.
#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use anyhow::{anyhow, Result};
use assert_cmd::Command;
use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_tandem");

pub fn tandem(profile: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("--data-dir")
        .arg(profile)
        .env_remove("RUST_LOG")
        .timeout(Duration::from_secs(60));
    cmd
}

pub fn history(profile: &Path, peer: &str) -> Result<Vec<Value>> {
    let out = tandem(profile).args(["history", peer, "--json"]).output()?;
    if !out.status.success() {
        return Err(anyhow!(
            "history failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    match serde_json::from_slice(&out.stdout)? {
        Value::Array(items) => Ok(items),
        other => Err(anyhow!("history --json is not an array: {other}")),
    }
}
