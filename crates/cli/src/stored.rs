//! The commands that only read the profile: `history`, `devices` and `counters`.

use anyhow::{Context, Result};
use tandem_client::profile::Profile;
use tandem_core::store::Store;

use crate::connect::{open_store, parse_bare, COUNTERS_FILE};
use crate::output;

/// `tandem history JID [--json]`: a stored conversation, a contact's or a room's (room
/// messages name their occupant: `kind` and `occupant` in JSON).
pub(crate) async fn history(profile: &Profile, peer: &str, json: bool) -> Result<()> {
    let peer = parse_bare(peer)?;
    let settings = profile.settings()?;
    let store = open_store(profile).await?;
    let messages = store.history(&settings.jid, &peer).await?;
    if json {
        let views: Vec<_> = messages
            .iter()
            .map(tandem_core::event::MessageView::from)
            .collect();
        println!("{}", serde_json::to_string_pretty(&views)?);
    } else if messages.is_empty() {
        println!("no messages with {peer}");
    } else {
        for m in &messages {
            output::print_line(&output::message_line(m, &settings.jid));
        }
    }
    Ok(())
}

/// `tandem devices [--json]`: our devices as last seen.
pub(crate) async fn devices(profile: &Profile, json: bool) -> Result<()> {
    let settings = profile.settings()?;
    let store = open_store(profile).await?;
    let devices = store.devices(&settings.jid).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&devices)?);
    } else {
        print!(
            "{}",
            output::terminal_safe(&output::devices_table(&devices))
        );
    }
    Ok(())
}

/// `tandem counters [--json]`: the last session's counters.
pub(crate) fn counters(profile: &Profile, json: bool) -> Result<()> {
    profile.settings()?;
    let path = profile.dir().join(COUNTERS_FILE);
    let c: tandem_core::counters::Counters = match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text)
            .with_context(|| format!("broken counters file {}", path.display()))?,
        Err(_) => tandem_core::counters::Counters::default(),
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&c)?);
    } else {
        print!("{}", output::counters_table(&c));
    }
    Ok(())
}
