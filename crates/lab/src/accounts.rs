//! A running lab's accounts and admin console: registering users through
//! `prosodyctl`, running console commands, and dropping a user's connections.

use std::process::{Command, Stdio};

use crate::{process, Lab, LabError};

impl Lab {
    /// Creates the account `user` with `password` by running
    /// `prosodyctl --config <cfg> register <user> <domain> <password>`, and
    /// returns its bare JID `user@domain` (the user part lowercased, as
    /// Prosody stores it). Registering an existing user sets its password.
    ///
    /// Works while the server runs: accounts are files that Prosody reads at
    /// login.
    ///
    /// # Errors
    ///
    /// [`LabError::InvalidUser`] / [`LabError::InvalidPassword`] for values
    /// Prosody would refuse, [`LabError::ProsodyctlNotFound`], and
    /// [`LabError::Register`] with prosodyctl's output when it fails.
    pub fn register(&self, user: &str, password: &str) -> Result<String, LabError> {
        const FORBIDDEN: &[char] = &['"', '&', '\'', '/', ':', '<', '>', '@'];
        if user.is_empty()
            || user.len() > 1023
            || user.starts_with('-')
            || user
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || FORBIDDEN.contains(&c))
        {
            return Err(LabError::InvalidUser(user.to_owned()));
        }
        if password.is_empty() || password.contains(['\0', '\n', '\r']) {
            return Err(LabError::InvalidPassword {
                user: user.to_owned(),
            });
        }
        // prosodyctl writes to the same SQLite store as the running server; when the server
        // holds the write lock at that moment, prosodyctl fails with "database is locked"
        // instead of waiting. Such a collision is retried (briefly); any other failure is not.
        let mut attempt = 0;
        let output = loop {
            let output = self.prosodyctl(&["register", user, &self.domain, password])?;
            let locked = !output.status.success()
                && [&output.stdout, &output.stderr]
                    .iter()
                    .any(|o| String::from_utf8_lossy(o).contains("database is locked"));
            attempt += 1;
            if !locked || attempt >= 20 {
                break output;
            }
            tracing::debug!(attempt, "prosodyctl met a locked database; retrying");
            std::thread::sleep(std::time::Duration::from_millis(50 * attempt));
        };
        if !output.status.success() {
            let text = format!(
                "{} {}",
                String::from_utf8_lossy(&output.stderr),
                String::from_utf8_lossy(&output.stdout)
            );
            let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
            return Err(LabError::Register {
                user: user.to_owned(),
                domain: self.domain.clone(),
                status: output.status,
                output: if one_line.is_empty() {
                    "(no output)".to_owned()
                } else {
                    one_line
                },
            });
        }
        let jid = format!("{}@{}", user.to_lowercase(), self.domain);
        tracing::debug!(%jid, "registered lab account");
        Ok(jid)
    }

    /// Runs `prosodyctl --config <ours> <args>` in the lab's folder.
    fn prosodyctl(&self, args: &[&str]) -> Result<std::process::Output, LabError> {
        let prosodyctl = process::find_in_path("prosodyctl").ok_or(LabError::ProsodyctlNotFound)?;
        Command::new(prosodyctl)
            .arg("--config")
            .arg(&self.config_file)
            .args(args)
            .current_dir(&self.dir_path)
            .stdin(Stdio::null())
            .output()
            .map_err(|source| LabError::Spawn {
                program: "prosodyctl",
                source,
            })
    }

    /// Runs one command on Prosody's admin console (`prosodyctl shell`, mod_admin_shell) and
    /// returns what it printed, e.g. `c2s:show()` or `c2s:close("alice@tandem.test")`.
    ///
    /// # Errors
    ///
    /// [`LabError::ProsodyctlNotFound`], [`LabError::Spawn`], or [`LabError::Shell`] when the
    /// console reports a failure.
    pub fn shell(&self, command: &str) -> Result<String, LabError> {
        let output = self.prosodyctl(&["shell", command])?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        if !output.status.success() || text.lines().any(|l| l.starts_with("! ")) {
            return Err(LabError::Shell {
                command: command.to_owned(),
                output: text.split_whitespace().collect::<Vec<_>>().join(" "),
            });
        }
        Ok(text)
    }

    /// Closes every client connection of `jid` (bare: all its resources) from the server's
    /// side, as a network drop or a server restart would. Returns the console's report.
    ///
    /// # Errors
    ///
    /// As [`Lab::shell`].
    pub fn disconnect(&self, jid: &str) -> Result<String, LabError> {
        if jid.contains(['"', '\\', '\n']) {
            return Err(LabError::InvalidUser(jid.to_owned()));
        }
        self.shell(&format!("c2s:close(\"{jid}\")"))
    }
}
