//! `tandem account`: creating, changing and showing the profile's account.

use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use tandem_client::profile::{Profile, Settings};
use tandem_core::activity::ActiveWindow;
use tandem_core::model::DeviceType;

use crate::args::AccountCommand;
use crate::connect::parse_bare;
use crate::output;

pub(crate) async fn run(
    profile: &Profile,
    command: AccountCommand,
    window: Option<ActiveWindow>,
) -> Result<()> {
    match command {
        AccountCommand::Set {
            jid,
            password_file,
            resource,
            device,
            server,
            ca_file,
            no_carbons,
            carbons,
        } => {
            let jid = parse_bare(&jid)?;
            let password = read_password(&password_file)?;
            let previous = profile.settings().ok().filter(|s| s.jid == jid);
            if let Some(server) = &server {
                validate_server(server)?;
            }
            let ca_file = match ca_file {
                Some(p) => {
                    let abs = std::fs::canonicalize(&p)
                        .with_context(|| format!("cannot use CA file {}", p.display()))?;
                    tandem_client::connect::tls_config(Some(&abs))?;
                    Some(abs)
                }
                None => previous.as_ref().and_then(|p| p.ca_file.clone()),
            };
            let device_type = device
                .map(Into::into)
                .or(previous.as_ref().map(|p| p.device))
                .unwrap_or(DeviceType::Desktop);
            let resource = match resource {
                Some(r) => {
                    jid.with_resource_str(&r)
                        .map_err(|e| anyhow!("invalid resource {r:?}: {e}"))?;
                    r
                }
                None => previous
                    .as_ref()
                    .map(|p| p.resource.clone())
                    .unwrap_or_else(|| tandem_client::profile::new_resource(device_type)),
            };
            let carbons = if no_carbons {
                false
            } else if carbons {
                true
            } else {
                previous.as_ref().is_none_or(|p| p.carbons)
            };
            let password_store = profile.store_password(&jid, &password).await?;
            let settings = Settings {
                jid,
                resource,
                device: device_type,
                server: server.or(previous.as_ref().and_then(|p| p.server.clone())),
                ca_file,
                carbons,
                password_store,
                active_window_secs: window
                    .map(ActiveWindow::secs)
                    .or(previous.as_ref().and_then(|p| p.active_window_secs)),
                notifications: previous.as_ref().is_none_or(|p| p.notifications),
            };
            profile.save_settings(&settings)?;
            println!("{}", output::settings_line(&settings));
            Ok(())
        }
        AccountCommand::Show => {
            println!("{}", output::settings_line(&profile.settings()?));
            Ok(())
        }
    }
}

pub(crate) fn read_password(path: &Path) -> Result<String> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read password file {}", path.display()))?;
    let password = text.trim_end_matches(['\n', '\r']).to_owned();
    if password.is_empty() {
        bail!("password file {} is empty", path.display());
    }
    Ok(password)
}

pub(crate) fn validate_server(server: &str) -> Result<()> {
    let ok = server
        .rsplit_once(':')
        .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0));
    if !ok {
        bail!("invalid --server {server:?}: expected HOST:PORT");
    }
    Ok(())
}
