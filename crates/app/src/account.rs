//! Signing in and out: the saved account, the sign-in form, and the profile's session
//! lock.

use std::path::PathBuf;

use jid::BareJid;
use tandem_client::profile::{new_resource, PasswordStore, Settings};

use crate::session::me;
use crate::{lock, App, AppError, AppErrorKind, Me, Result, SavedAccount, SignIn};

impl App {
    /// The account saved on this device, to prefill the sign-in form.
    pub fn saved_account(&self) -> Result<Option<SavedAccount>> {
        Ok(self.profile.saved_settings()?.map(|s| SavedAccount {
            jid: s.jid.to_string(),
            server: s.server,
            ca_file: s.ca_file.map(|p| p.display().to_string()),
            device: s.device,
        }))
    }

    /// Signs in with the saved account, if there is one.
    pub async fn restore(&self) -> Result<Option<Me>> {
        if let Some(running) = self.current().await {
            return Ok(Some(me(&running)));
        }
        let Some(settings) = self.profile.saved_settings()? else {
            return Ok(None);
        };
        let config = self.profile.session_config(&settings).await?;
        self.start(settings, config).await.map(Some)
    }

    /// Signs in; on success the account is saved on this device (the password in the
    /// keyring, or a file only the user can read).
    pub async fn sign_in(&self, form: SignIn) -> Result<Me> {
        let jid = parse_account(&form.jid)?;
        if form.password.is_empty() {
            return Err(AppError::invalid("enter the password"));
        }
        let saved = self.profile.saved_settings().ok().flatten();
        let same_account = saved.as_ref().filter(|s| s.jid == jid);
        let mut settings = Settings {
            resource: same_account
                .filter(|s| s.device == form.device)
                .map(|s| s.resource.clone())
                .unwrap_or_else(|| new_resource(form.device)),
            device: form.device,
            server: filled(form.server.as_deref()).map(str::to_owned),
            ca_file: filled(form.ca_file.as_deref()).map(PathBuf::from),
            carbons: same_account.is_none_or(|s| s.carbons),
            password_store: PasswordStore::File,
            active_window_secs: same_account.and_then(|s| s.active_window_secs),
            notifications: same_account.is_none_or(|s| s.notifications),
            jid,
        };
        self.sign_out_quietly().await;
        let config = self
            .profile
            .session_config_with(&settings, form.password.clone());
        let me = self.start(settings.clone(), config).await?;
        settings.password_store = self
            .profile
            .store_password(&settings.jid, &form.password)
            .await?;
        self.profile.save_settings(&settings)?;
        self.replace_settings(settings).await;
        Ok(me)
    }

    /// Ends the session and forgets the password (the account stays for the form).
    pub async fn sign_out(&self) -> Result<()> {
        let settings = self.sign_out_quietly().await;
        self.release_profile();
        if let Some(settings) = settings.or(self.profile.saved_settings()?) {
            self.profile.forget_password(&settings).await?;
        }
        Ok(())
    }

    /// Ends the session cleanly (on quit).
    pub async fn shutdown(&self) {
        self.sign_out_quietly().await;
        self.release_profile();
    }

    /// Lets another process sign in on the profile (after sign-out or on quit).
    fn release_profile(&self) {
        *lock(&self.session_lock) = None;
    }
}

/// An optional form field, trimmed; `None` when left empty.
fn filled(field: Option<&str>) -> Option<&str> {
    field.map(str::trim).filter(|s| !s.is_empty())
}

pub(crate) fn parse_account(input: &str) -> Result<BareJid> {
    let jid = parse_contact(input)?;
    if jid.node().is_none() {
        return Err(AppError::new(
            AppErrorKind::InvalidJid,
            format!(
                "invalid JID {:?}: an account needs a user part (user@domain)",
                input.trim()
            ),
        ));
    }
    Ok(jid)
}

pub(crate) fn parse_contact(input: &str) -> Result<BareJid> {
    tandem_core::error::parse_bare(input.trim())
        .map_err(|e| AppError::new(AppErrorKind::InvalidJid, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_need_a_user_part() {
        assert_eq!(
            parse_account("example.org").expect_err("no node").kind,
            AppErrorKind::InvalidJid
        );
        assert_eq!(
            parse_account(" alice@example.org ")
                .expect("ok")
                .to_string(),
            "alice@example.org"
        );
        assert_eq!(
            parse_contact("not a jid@@").expect_err("bad").kind,
            AppErrorKind::InvalidJid
        );
    }
}
