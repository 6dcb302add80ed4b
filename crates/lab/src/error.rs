//! The one error type of the lab.

use std::path::PathBuf;
use std::process::ExitStatus;

/// Everything that can go wrong while starting, using or stopping a [`Lab`](crate::Lab).
///
/// Every message is a single line, so it reads well in a failed test's output.
/// Messages that concern a Prosody process carry the last lines of its log.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LabError {
    /// The `prosody` executable is not on `PATH`.
    #[error("prosody not found: install the Debian package `prosody`")]
    ProsodyNotFound,

    /// The `prosodyctl` executable is not on `PATH`.
    #[error("prosodyctl not found: install the Debian package `prosody`")]
    ProsodyctlNotFound,

    /// A [`LabOptions`](crate::LabOptions) value cannot be used.
    #[error("invalid lab option {option} = {value:?}: {reason}")]
    InvalidOption {
        /// The option's name, such as `domain`.
        option: &'static str,
        /// The value given.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// The temporary folder could not be made.
    #[error("could not create the lab's temporary folder: {0}")]
    TempDir(#[source] std::io::Error),

    /// rcgen failed to make the CA or the server certificate.
    #[error("could not generate the lab's certificates: {0}")]
    Certificate(#[from] rcgen::Error),

    /// A file of the lab could not be written.
    #[error("could not write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },

    /// No free loopback port could be reserved.
    #[error("could not reserve a free port on 127.0.0.1: {0}")]
    Port(#[source] std::io::Error),

    /// A program could not be started at all.
    #[error("could not run {program}: {source}")]
    Spawn {
        /// The program, such as `prosody`.
        program: &'static str,
        /// Why.
        #[source]
        source: std::io::Error,
    },

    /// Prosody exited while starting.
    #[error("prosody exited during start-up ({status}); last log lines: {log_tail}")]
    Exited {
        /// Its exit status.
        status: ExitStatus,
        /// The last lines of its log and console output, joined with ` | `.
        log_tail: String,
    },

    /// Prosody kept losing the race for its ports to other processes.
    #[error("prosody could not bind its loopback ports after {attempts} attempts; last log lines: {log_tail}")]
    PortsTaken {
        /// How many starts were tried, each with new ports.
        attempts: u32,
        /// The last lines of the last attempt's log, joined with ` | `.
        log_tail: String,
    },

    /// Prosody did not listen on its c2s port in time.
    #[error("prosody did not listen on {addr} within {secs} s; last log lines: {log_tail}")]
    StartTimeout {
        /// The c2s address waited for.
        addr: std::net::SocketAddr,
        /// The time waited, in seconds.
        secs: u64,
        /// The last lines of its log, joined with ` | `.
        log_tail: String,
    },

    /// A user name that Prosody would refuse or change beyond recognition.
    #[error(
        "invalid user name {0:?}: use a non-empty name without spaces or any of \" & ' / : < > @"
    )]
    InvalidUser(String),

    /// A password that cannot be passed to `prosodyctl`.
    #[error(
        "invalid password for {user:?}: it must be non-empty and contain no NUL or line break"
    )]
    InvalidPassword {
        /// The user it was meant for.
        user: String,
    },

    /// `prosodyctl register` failed.
    #[error("prosodyctl register {user}@{domain} failed ({status}): {output}")]
    Register {
        /// The user name given.
        user: String,
        /// The lab's domain.
        domain: String,
        /// Its exit status.
        status: ExitStatus,
        /// What it printed on stderr and stdout, on one line.
        output: String,
    },

    /// A `prosodyctl shell` command failed.
    #[error("prosodyctl shell {command:?} failed: {output}")]
    Shell {
        /// The console command.
        command: String,
        /// What it printed, on one line.
        output: String,
    },

    /// Prosody could not be signalled or waited for while stopping.
    #[error("could not stop prosody (pid {pid}): {source}")]
    Stop {
        /// Its process id.
        pid: u32,
        /// Why.
        #[source]
        source: std::io::Error,
    },

    /// The temporary folder could not be removed after stopping.
    #[error("could not remove the lab's temporary folder: {0}")]
    Cleanup(#[source] std::io::Error),
}
