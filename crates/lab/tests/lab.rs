//! Tests against a real Prosody (Debian package `prosody`); nothing is faked.
//!
//! The XMPP side is spoken by hand over TCP and rustls, so these tests
//! depend on nothing but the lab itself.

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tandem_lab::{Lab, LabError, LabOptions};
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

type TlsStream = StreamOwned<ClientConnection, TcpStream>;
type TestResult = Result<(), Box<dyn std::error::Error>>;
/// A logged-in stream with its post-auth features, or the server's refusal.
type Login = Result<(Conn<TlsStream>, String), String>;

const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// A byte stream read up to expected markers.
struct Conn<S> {
    stream: S,
    buf: String,
}

impl<S: Read + Write> Conn<S> {
    fn new(stream: S) -> Self {
        Conn {
            stream,
            buf: String::new(),
        }
    }

    fn send(&mut self, text: &str) -> std::io::Result<()> {
        self.stream.write_all(text.as_bytes())?;
        self.stream.flush()
    }

    /// Reads until `needle` arrives; returns everything up to and including
    /// it and keeps the rest for the next call.
    fn until(&mut self, needle: &str) -> Result<String, String> {
        let mut chunk = [0u8; 8192];
        loop {
            if let Some(at) = self.buf.find(needle) {
                let rest = self.buf.split_off(at + needle.len());
                return Ok(std::mem::replace(&mut self.buf, rest));
            }
            match self.stream.read(&mut chunk) {
                Ok(0) => {
                    return Err(format!(
                        "connection closed before {needle:?}; got {:?}",
                        self.buf
                    ))
                }
                Ok(n) => self.buf.push_str(&String::from_utf8_lossy(&chunk[..n])),
                Err(e) => return Err(format!("reading for {needle:?}: {e}; got {:?}", self.buf)),
            }
        }
    }

    /// Opens a stream to `domain` and returns its features.
    fn open_stream(&mut self, domain: &str) -> Result<String, String> {
        self.send(&format!(
            "<?xml version='1.0'?><stream:stream to='{domain}' version='1.0' \
             xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
        ))
        .map_err(|e| e.to_string())?;
        self.until("</stream:features>")
    }
}

fn tcp(addr: SocketAddr) -> Result<TcpStream, std::io::Error> {
    let stream = TcpStream::connect_timeout(&addr, IO_TIMEOUT)?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    Ok(stream)
}

fn tls_config(ca_file: &Path) -> Result<Arc<ClientConfig>, Box<dyn std::error::Error>> {
    let mut roots = RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut BufReader::new(File::open(ca_file)?)) {
        roots.add(cert?)?;
    }
    let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Connects to the lab, negotiates STARTTLS and completes a TLS handshake
/// that verifies the server certificate for `lab.domain()` against `ca_file`.
fn starttls(lab: &Lab, ca_file: &Path) -> Result<Conn<TlsStream>, Box<dyn std::error::Error>> {
    let mut plain = Conn::new(tcp(lab.c2s_addr())?);
    let features = plain.open_stream(lab.domain())?;
    assert!(
        features.contains("urn:ietf:params:xml:ns:xmpp-tls"),
        "{features}"
    );
    plain.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")?;
    plain.until("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")?;
    assert!(
        plain.buf.is_empty(),
        "unexpected data after <proceed/>: {}",
        plain.buf
    );
    let name = ServerName::try_from(lab.domain().to_owned())?;
    let conn = ClientConnection::new(tls_config(ca_file)?, name)?;
    let mut tls = StreamOwned::new(conn, plain.stream);
    while tls.conn.is_handshaking() {
        tls.conn.complete_io(&mut tls.sock)?;
    }
    Ok(Conn::new(tls))
}

fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ABC[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// STARTTLS, then SASL PLAIN. `Ok(Ok(conn))` on success with a restarted
/// stream (its features in the second field), `Ok(Err(reply))` when the
/// server refuses the credentials.
fn login(lab: &Lab, user: &str, password: &str) -> Result<Login, Box<dyn std::error::Error>> {
    let mut conn = starttls(lab, lab.ca_file())?;
    let features = conn.open_stream(lab.domain())?;
    assert!(
        features.contains("<mechanism>PLAIN</mechanism>"),
        "{features}"
    );
    assert!(
        features.contains("<mechanism>SCRAM-SHA-1</mechanism>"),
        "{features}"
    );
    let token = base64(format!("\0{user}\0{password}").as_bytes());
    conn.send(&format!(
        "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{token}</auth>"
    ))?;
    let reply = conn.until("/>")?;
    if reply.contains("<success") {
        let features = conn.open_stream(lab.domain())?;
        Ok(Ok((conn, features)))
    } else {
        let rest = conn.until("</failure>").unwrap_or_default();
        Ok(Err(format!("{reply}{rest}")))
    }
}

/// The value of `name='…'` (or `name="…"`) in `xml` after `from`.
fn attr<'a>(xml: &'a str, from: &str, name: &str) -> Option<&'a str> {
    let start = xml.find(from)?;
    let xml = &xml[start..];
    for quote in ['\'', '"'] {
        let key = format!("{name}={quote}");
        if let Some(at) = xml.find(&key) {
            let value = &xml[at + key.len()..];
            return value.find(quote).map(|end| &value[..end]);
        }
    }
    None
}

/// One plain HTTP/1.1 request; returns the whole response.
fn http(addr: SocketAddr, request: &str) -> Result<String, Box<dyn std::error::Error>> {
    let mut stream = tcp(addr)?;
    stream.write_all(request.as_bytes())?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    Ok(response)
}

fn process_alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

fn wait_gone(pid: u32, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if !process_alive(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    !process_alive(pid)
}

#[test]
fn c2s_answers_with_required_starttls() -> TestResult {
    let lab = Lab::start()?;
    assert_eq!(lab.domain(), "tandem.test");
    assert_eq!(lab.muc_domain(), "conference.tandem.test");
    assert_eq!(lab.upload_domain(), "upload.tandem.test");
    assert!(lab.c2s_addr().ip().is_loopback());
    assert!(lab.http_addr().ip().is_loopback());
    assert_ne!(lab.c2s_addr().port(), lab.http_addr().port());
    assert!(process_alive(lab.pid()));

    let mut conn = Conn::new(tcp(lab.c2s_addr())?);
    let features = conn.open_stream(lab.domain())?;
    assert!(features.contains("<stream:stream"), "{features}");
    assert!(features.contains("from='tandem.test'"), "{features}");
    assert!(
        features
            .contains("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"),
        "STARTTLS must be offered and required: {features}"
    );
    assert!(
        !features.contains("<mechanism>PLAIN</mechanism>"),
        "PLAIN before TLS: {features}"
    );
    drop(conn);

    // Start-up is clean: no configuration warnings or errors.
    let log = std::fs::read_to_string(lab.log_file())?;
    let complaints: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("\twarn\t") || l.contains("\terror\t"))
        .collect();
    assert!(complaints.is_empty(), "prosody complained: {complaints:#?}");
    lab.stop()?;
    Ok(())
}

#[test]
fn tls_is_verified_against_the_lab_ca_and_accounts_log_in() -> TestResult {
    let lab = Lab::start()?;
    let jid = lab.register("alice", "wonderland")?;
    assert_eq!(jid, "alice@tandem.test");

    let (mut conn, features) = match login(&lab, "alice", "wonderland")? {
        Ok(ok) => ok,
        Err(reply) => panic!("login refused: {reply}"),
    };
    assert!(
        features.contains("urn:xmpp:sm:3"),
        "stream management missing: {features}"
    );
    assert!(
        features.contains("urn:xmpp:csi:0"),
        "CSI missing: {features}"
    );
    assert!(
        features.contains("urn:ietf:params:xml:ns:xmpp-bind"),
        "{features}"
    );

    conn.send(
        "<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>\
         <resource>lab</resource></bind></iq>",
    )?;
    let bound = conn.until("</iq>")?;
    assert!(
        bound.contains("<jid>alice@tandem.test/lab</jid>"),
        "{bound}"
    );

    conn.send(
        "<iq type='get' id='disco1' to='tandem.test'>\
         <query xmlns='http://jabber.org/protocol/disco#info'/></iq>",
    )?;
    let disco = conn.until("</iq>")?;
    for feature in ["urn:xmpp:carbons:2", "urn:xmpp:ping"] {
        assert!(disco.contains(feature), "server lacks {feature}: {disco}");
    }
    conn.send(
        "<iq type='get' id='disco2' to='alice@tandem.test'>\
         <query xmlns='http://jabber.org/protocol/disco#info'/></iq>",
    )?;
    let disco = conn.until("</iq>")?;
    assert!(
        disco.contains("urn:xmpp:mam:2"),
        "account lacks MAM: {disco}"
    );
    conn.send(&format!(
        "<iq type='get' id='disco3' to='{}'>\
         <query xmlns='http://jabber.org/protocol/disco#info'/></iq>",
        lab.muc_domain()
    ))?;
    let disco = conn.until("</iq>")?;
    assert!(
        disco.contains("http://jabber.org/protocol/muc"),
        "no MUC service: {disco}"
    );

    let wrong = login(&lab, "alice", "looking-glass")?;
    assert!(
        matches!(&wrong, Err(reply) if reply.contains("not-authorized")),
        "a wrong password must be refused"
    );
    Ok(())
}

#[test]
fn upload_slots_point_at_the_lab_http_port_and_work() -> TestResult {
    let lab = Lab::start()?;
    lab.register("uploader", "pw")?;
    let (mut conn, _) =
        login(&lab, "uploader", "pw")?.map_err(|reply| format!("login refused: {reply}"))?;
    conn.send("<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>")?;
    conn.until("</iq>")?;
    conn.send(&format!(
        "<iq type='get' id='slot1' to='{}'><request xmlns='urn:xmpp:http:upload:0' \
         filename='hello.txt' size='5' content-type='text/plain'/></iq>",
        lab.upload_domain()
    ))?;
    let slot = conn.until("</iq>")?;
    let put = attr(&slot, "<put", "url").ok_or_else(|| format!("no put url: {slot}"))?;
    let get = attr(&slot, "<get", "url").ok_or_else(|| format!("no get url: {slot}"))?;
    let base = format!("http://{}/file_share/", lab.http_addr());
    assert!(put.starts_with(&base), "{put} should start with {base}");
    assert!(get.starts_with(&base), "{get} should start with {base}");
    let auth = slot
        .split("<header name='Authorization'>")
        .nth(1)
        .and_then(|rest| rest.split("</header>").next())
        .ok_or_else(|| format!("no Authorization header: {slot}"))?;

    let path = &put[base.len() - "/file_share/".len()..];
    let response = http(
        lab.http_addr(),
        &format!(
            "PUT {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: {auth}\r\nContent-Type: text/plain\r\n\
             Content-Length: 5\r\nConnection: close\r\n\r\nhello",
            lab.http_addr()
        ),
    )?;
    assert!(response.starts_with("HTTP/1.1 201"), "{response}");

    let path = &get[base.len() - "/file_share/".len()..];
    let response = http(
        lab.http_addr(),
        &format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            lab.http_addr()
        ),
    )?;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with("\r\n\r\nhello"), "{response}");
    Ok(())
}

#[test]
fn register_two_accounts_and_refuse_bad_input() -> TestResult {
    let lab = Lab::start()?;
    assert_eq!(lab.register("alice", "a-password")?, "alice@tandem.test");
    assert_eq!(lab.register("Bob", "b-password")?, "bob@tandem.test");
    // Accounts live in the server's SQL store.
    assert!(
        lab.dir().join("data").join("prosody.sqlite").exists(),
        "no SQL store in {}",
        lab.dir().display()
    );
    // Registering again resets the password.
    lab.register("alice", "new-password")?;
    assert!(login(&lab, "alice", "new-password")?.is_ok());
    assert!(login(&lab, "bob", "b-password")?.is_ok());

    for bad in ["", "a b", "a@b", "a/b", "-v", "x'y"] {
        assert!(
            matches!(lab.register(bad, "pw"), Err(LabError::InvalidUser(_))),
            "{bad:?} should be refused"
        );
    }
    assert!(matches!(
        lab.register("carol", ""),
        Err(LabError::InvalidPassword { .. })
    ));
    Ok(())
}

#[test]
fn two_labs_run_concurrently_and_do_not_trust_each_other() -> TestResult {
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(Lab::start);
        let b = s.spawn(Lab::start);
        (a.join(), b.join())
    });
    let a = a.map_err(|_| "lab a panicked")??;
    let b = b.map_err(|_| "lab b panicked")??;

    assert_ne!(a.pid(), b.pid());
    assert_ne!(a.dir(), b.dir());
    let ports_a = [a.c2s_addr().port(), a.http_addr().port()];
    let ports_b = [b.c2s_addr().port(), b.http_addr().port()];
    assert!(
        ports_a.iter().all(|p| !ports_b.contains(p)),
        "{ports_a:?} vs {ports_b:?}"
    );

    for lab in [&a, &b] {
        let features = Conn::new(tcp(lab.c2s_addr())?).open_stream(lab.domain())?;
        assert!(
            features.contains("urn:ietf:params:xml:ns:xmpp-tls"),
            "{features}"
        );
        assert!(
            starttls(lab, lab.ca_file()).is_ok(),
            "own CA must be trusted"
        );
    }
    let foreign = starttls(&a, b.ca_file());
    let err = foreign
        .err()
        .ok_or("lab a's certificate must not verify with lab b's CA")?;
    assert!(err.to_string().contains("certificate"), "{err}");

    b.stop()?;
    assert!(Conn::new(tcp(a.c2s_addr())?)
        .open_stream(a.domain())
        .is_ok());
    Ok(())
}

#[test]
fn dropping_the_lab_kills_prosody_and_removes_its_folder() -> TestResult {
    let lab = Lab::start()?;
    let pid = lab.pid();
    let dir = lab.dir().to_owned();
    assert!(process_alive(pid));
    assert!(dir.join("prosody.cfg.lua").exists());
    drop(lab);
    assert!(
        wait_gone(pid, Duration::from_secs(5)),
        "prosody {pid} still runs"
    );
    assert!(!dir.exists(), "{} was not removed", dir.display());
    Ok(())
}

#[test]
fn a_panicking_test_still_stops_prosody() {
    let seen = std::sync::Mutex::new(None);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let lab = Lab::start().expect("lab starts");
        if let Ok(mut slot) = seen.lock() {
            *slot = Some((lab.pid(), lab.dir().to_owned()));
        }
        panic!("deliberate panic with a running lab");
    }));
    assert!(result.is_err());
    let (pid, dir) = seen
        .into_inner()
        .ok()
        .flatten()
        .expect("the lab had started");
    assert!(
        wait_gone(pid, Duration::from_secs(5)),
        "prosody {pid} survived the panic"
    );
    assert!(!dir.exists());
}

#[test]
fn stop_stops_prosody_and_cleans_up() -> TestResult {
    let lab = Lab::start()?;
    let (pid, dir, addr) = (lab.pid(), lab.dir().to_owned(), lab.c2s_addr());
    let started = Instant::now();
    lab.stop()?;
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "stop took {:?}",
        started.elapsed()
    );
    assert!(!process_alive(pid));
    assert!(!dir.exists());
    assert!(TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err());
    Ok(())
}

#[test]
fn ca_and_server_certificate_are_pem_files() -> TestResult {
    let lab = Lab::start()?;
    let ca: Vec<CertificateDer<'static>> =
        rustls_pemfile::certs(&mut BufReader::new(File::open(lab.ca_file())?))
            .collect::<Result<_, _>>()?;
    assert_eq!(ca.len(), 1);
    let server: Vec<CertificateDer<'static>> = rustls_pemfile::certs(&mut BufReader::new(
        File::open(lab.dir().join("server.crt"))?,
    ))
    .collect::<Result<_, _>>()?;
    assert_eq!(server.len(), 1);
    assert_ne!(
        ca[0], server[0],
        "the server must not use the CA certificate itself"
    );
    let key = rustls_pemfile::private_key(&mut BufReader::new(File::open(
        lab.dir().join("server.key"),
    )?))?;
    assert!(key.is_some());

    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(lab.dir().join("server.key"))?
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(lab.log_file().starts_with(lab.dir()));
    assert!(lab.log_file().exists());
    Ok(())
}

#[test]
fn custom_domain_and_log_level() -> TestResult {
    let lab = Lab::start_with(LabOptions {
        domain: "lab.example".to_owned(),
        log_level: "debug".to_owned(),
    })?;
    assert_eq!(lab.domain(), "lab.example");
    assert_eq!(lab.muc_domain(), "conference.lab.example");
    assert_eq!(lab.upload_domain(), "upload.lab.example");
    assert_eq!(lab.register("dora", "pw")?, "dora@lab.example");
    assert!(starttls(&lab, lab.ca_file()).is_ok());
    let log = std::fs::read_to_string(lab.log_file())?;
    assert!(log.contains("\tdebug\t"), "debug level not in effect");
    Ok(())
}

#[test]
fn invalid_options_are_refused() {
    for (domain, level) in [
        ("", "info"),
        ("Tandem.test", "info"),
        ("a..b", "info"),
        ("evil\" os.exit() --", "info"),
        ("tandem.test", "verbose"),
    ] {
        let result = Lab::start_with(LabOptions {
            domain: domain.to_owned(),
            log_level: level.to_owned(),
        });
        assert!(
            matches!(result, Err(LabError::InvalidOption { .. })),
            "{domain:?}/{level:?} should be refused"
        );
    }
}
