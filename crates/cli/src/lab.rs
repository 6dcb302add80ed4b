//! `tandem lab`: a local lab Prosody for scripts, served until stdin closes.

use anyhow::{anyhow, Result};
use tokio::io::AsyncBufReadExt;

pub(crate) async fn run(accounts: Vec<String>) -> Result<()> {
    let lab = tokio::task::spawn_blocking(tandem_lab::Lab::start)
        .await
        .map_err(|e| anyhow!("{e}"))??;
    for account in &accounts {
        let (user, password) = account
            .split_once(':')
            .ok_or_else(|| anyhow!("account {account:?}: expected USER:PASSWORD"))?;
        lab.register(user, password)?;
    }
    println!(
        "server={} ca={} domain={}",
        lab.c2s_addr(),
        lab.ca_file().display(),
        lab.domain()
    );
    // Serve until stdin closes (or we are told to stop); the lab stops when dropped.
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    tokio::select! {
        _ = async { while let Ok(Some(_)) = lines.next_line().await {} } => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    drop(lab);
    Ok(())
}
