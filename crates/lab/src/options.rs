//! The settings of a lab and their checks.

use crate::LabError;

/// Settings of a [`Lab`](crate::Lab).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabOptions {
    /// The XMPP domain of the virtual host; default `tandem.test`. The MUC
    /// and upload components live at `conference.<domain>` and
    /// `upload.<domain>`. Lowercase ASCII letters, digits, `-` and `.` only.
    pub domain: String,
    /// The lowest Prosody log level written to
    /// [`Lab::log_file`](crate::Lab::log_file): one of `debug`, `info`
    /// (default), `warn` or `error`.
    pub log_level: String,
}

impl Default for LabOptions {
    fn default() -> Self {
        LabOptions {
            domain: "tandem.test".to_owned(),
            log_level: "info".to_owned(),
        }
    }
}

impl LabOptions {
    pub(crate) fn validate(&self) -> Result<(), LabError> {
        let invalid = |option, value: &str, reason| LabError::InvalidOption {
            option,
            value: value.to_owned(),
            reason,
        };
        let d = &self.domain;
        if d.is_empty() || d.len() > 200 {
            return Err(invalid("domain", d, "must be 1 to 200 characters long"));
        }
        if !d
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        {
            return Err(invalid(
                "domain",
                d,
                "only lowercase ASCII letters, digits, '-' and '.' are allowed",
            ));
        }
        if d.split('.').any(str::is_empty) {
            return Err(invalid("domain", d, "labels must not be empty"));
        }
        if !matches!(self.log_level.as_str(), "debug" | "info" | "warn" | "error") {
            return Err(invalid(
                "log_level",
                &self.log_level,
                "must be one of debug, info, warn, error",
            ));
        }
        Ok(())
    }
}
