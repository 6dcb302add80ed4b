//! Helpers around the Prosody process: finding programs, reserving ports,
//! knowing when it listens, and stopping it.

use std::fs;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

/// How long [`terminate`] waits after SIGTERM before it sends SIGKILL.
pub(crate) const TERM_GRACE: Duration = Duration::from_secs(3);

/// Finds an executable called `name` in the folders of `PATH`.
pub(crate) fn find_in_path(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| {
            fs::metadata(candidate)
                .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
                .unwrap_or(false)
        })
}

/// Reserves `N` distinct free ports on 127.0.0.1 by binding them all at once
/// and releasing them. Another process may still take one before Prosody
/// binds it; the caller retries when that happens.
pub(crate) fn free_ports<const N: usize>() -> io::Result<[u16; N]> {
    let mut listeners = Vec::with_capacity(N);
    let mut ports = [0u16; N];
    for port in &mut ports {
        let listener = TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0))?;
        *port = listener.local_addr()?.port();
        listeners.push(listener);
    }
    drop(listeners);
    Ok(ports)
}

/// A loopback socket address on `port`.
pub(crate) fn loopback(port: u16) -> SocketAddr {
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port))
}

/// Whether process `pid` itself holds the socket listening on
/// 127.0.0.1:`port`, looked up in `/proc`.
///
/// Returns `None` when `/proc` cannot tell (not Linux, or not readable), in
/// which case the caller falls back to a plain TCP connection test. This
/// matters because a bare connect would also succeed if another process won
/// the race for the port; Prosody only logs a failed bind and keeps running.
pub(crate) fn owns_listener(pid: u32, port: u16) -> Option<bool> {
    let table = fs::read_to_string("/proc/net/tcp").ok()?;
    let wanted = format!("0100007F:{port:04X}");
    let inodes: Vec<String> = table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
            match fields.as_slice() {
                [_, local, _, "0A", _, _, _, _, _, inode, ..] if *local == wanted => {
                    Some(format!("socket:[{inode}]"))
                }
                _ => None,
            }
        })
        .collect();
    if inodes.is_empty() {
        return Some(false);
    }
    let fds = fs::read_dir(format!("/proc/{pid}/fd")).ok()?;
    let owned = fds.flatten().any(|fd| {
        fs::read_link(fd.path())
            .map(|target| inodes.iter().any(|i| target.as_os_str() == i.as_str()))
            .unwrap_or(false)
    });
    Some(owned)
}

/// The last `n` non-empty lines of the given files, joined with ` | ` so
/// they fit on one line of an error message.
pub(crate) fn tail(files: &[&Path], n: usize) -> String {
    let mut lines: Vec<String> = Vec::new();
    for file in files {
        if let Ok(text) = fs::read_to_string(file) {
            let file_lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
            let start = file_lines.len().saturating_sub(n);
            lines.extend(file_lines[start..].iter().map(|l| l.trim().to_owned()));
        }
    }
    if lines.is_empty() {
        "(no log output)".to_owned()
    } else {
        lines.join(" | ")
    }
}

/// Stops `child`: SIGTERM, up to [`TERM_GRACE`] for it to exit, then
/// SIGKILL. The child is always reaped, so `/proc/<pid>` is gone afterwards.
pub(crate) fn terminate(child: &mut Child) -> io::Result<()> {
    let pid = child.id();
    if child.try_wait()?.is_some() {
        tracing::debug!(pid, "prosody had already exited");
        return Ok(());
    }
    let nix_pid = i32::try_from(pid)
        .map(Pid::from_raw)
        .map_err(io::Error::other)?;
    match kill(nix_pid, Signal::SIGTERM) {
        Ok(()) => {}
        Err(nix::errno::Errno::ESRCH) => {}
        Err(errno) => return Err(io::Error::from(errno)),
    }
    let deadline = Instant::now() + TERM_GRACE;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait()? {
            tracing::debug!(pid, %status, "prosody stopped after SIGTERM");
            return Ok(());
        }
        thread::sleep(Duration::from_millis(20));
    }
    tracing::warn!(
        pid,
        "prosody ignored SIGTERM for {TERM_GRACE:?}; sending SIGKILL"
    );
    child.kill()?;
    child.wait()?;
    Ok(())
}
