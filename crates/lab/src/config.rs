//! The Prosody configuration file of a lab.

use std::fmt::Write as _;
use std::path::Path;

use crate::certs::CertFiles;

/// What goes into one lab's `prosody.cfg.lua`.
#[derive(Debug)]
pub(crate) struct ConfigParams<'a> {
    /// The XMPP domain of the single virtual host.
    pub(crate) domain: &'a str,
    /// Prosody's lowest log level written to the log file.
    pub(crate) log_level: &'a str,
    /// The c2s (STARTTLS) port on 127.0.0.1.
    pub(crate) c2s_port: u16,
    /// The plain HTTP port on 127.0.0.1 (file uploads).
    pub(crate) http_port: u16,
    /// The server's log file.
    pub(crate) log_file: &'a Path,
    /// The pid file.
    pub(crate) pid_file: &'a Path,
    /// Where Prosody keeps accounts, rosters and archives.
    pub(crate) data_dir: &'a Path,
    /// An empty folder for Prosody's certificate auto-discovery, which
    /// logs an error at start-up when its folder is missing.
    pub(crate) certs_dir: &'a Path,
    /// The lab's certificates.
    pub(crate) certs: &'a CertFiles,
}

/// Renders a Lua string literal; paths are the only values that may hold
/// characters needing escapes.
fn lua(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    let _ = write!(out, "\\{b:03}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn lua_path(p: &Path) -> String {
    lua(&p.to_string_lossy())
}

/// Renders the whole configuration file.
pub(crate) fn render(p: &ConfigParams<'_>) -> String {
    let domain = lua(p.domain);
    let muc = lua(&format!("conference.{}", p.domain));
    let upload = lua(&format!("upload.{}", p.domain));
    let ssl = format!(
        "{{ certificate = {}; key = {}; }}",
        lua_path(&p.certs.cert),
        lua_path(&p.certs.key)
    );
    let upload_url = lua(&format!("http://127.0.0.1:{}/", p.http_port));
    format!(
        r#"-- Written by tandem-lab: a throw-away Prosody 0.12 on loopback. Do not edit.

-- Running as root (CI, containers) is fine for a throw-away test server;
-- without this Prosody refuses to run as root.
run_as_root = true
pidfile = {pid}
data_path = {data}
certificates = {certs_dir}
log = {{ {level} = {log} }}

-- Loopback only, and nothing but c2s (STARTTLS) and plain HTTP.
interfaces = {{ "127.0.0.1" }}
local_interfaces = {{ "127.0.0.1" }}
c2s_interfaces = {{ "127.0.0.1" }}
c2s_ports = {{ {c2s_port} }}
c2s_direct_tls_ports = {{ }}
s2s_ports = {{ }}
component_ports = {{ }}
http_interfaces = {{ "127.0.0.1" }}
http_ports = {{ {http_port} }}
https_ports = {{ }}

ssl = {ssl}

c2s_require_encryption = true
allow_unencrypted_plain_auth = false
authentication = "internal_hashed"
-- SQL storage (SQLite through LuaDBI, Debian package lua-dbi-sqlite3), as production servers
-- use: the file-based "internal" store rescans the whole archive for every page, which makes
-- catch-up quadratic in the archive's size.
storage = "sql"
sql = {{ driver = "SQLite3"; database = "prosody.sqlite"; }}

default_archive_policy = true
archive_expires_after = "never"
max_archive_query_results = 50
smacks_hibernation_time = 60
-- Loopback traffic is many small stanzas: do not let Nagle hold them back.
network_settings = {{ nagle = false; }}

modules_enabled = {{
    "roster"; "saslauth"; "tls"; "disco"; "carbons"; "pep"; "mam";
    "csi_simple"; "smacks"; "ping"; "admin_adhoc"; "admin_shell";
    -- XEP-0402 bookmarks (with the XEP-0048 #compat view): rooms joined on every device.
    "bookmarks";
}}
modules_disabled = {{ "s2s"; "s2s_auth_certs"; }}

VirtualHost {domain}
    ssl = {ssl}

Component {muc} "muc"
    ssl = {ssl}
    modules_enabled = {{ "muc_mam" }}
    muc_log_expires_after = "never"
    -- Every room archives (its history reaches every device through XEP-0313).
    muc_log_by_default = true
    muc_log_all_rooms = true

Component {upload} "http_file_share"
    ssl = {ssl}
    http_host = "127.0.0.1"
    http_external_url = {upload_url}
"#,
        pid = lua_path(p.pid_file),
        data = lua_path(p.data_dir),
        certs_dir = lua_path(p.certs_dir),
        level = p.log_level,
        log = lua_path(p.log_file),
        c2s_port = p.c2s_port,
        http_port = p.http_port,
    )
}

#[cfg(test)]
mod tests {
    use super::lua;

    #[test]
    fn lua_strings_are_escaped() {
        assert_eq!(lua("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(lua("x\ny"), r#""x\ny""#);
        assert_eq!(lua("\u{1}"), r#""\001""#);
    }
}
