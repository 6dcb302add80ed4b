//! Opening an authenticated XMPP stream: TCP, STARTTLS with our own trust roots, SCRAM.
//!
//! tokio-xmpp's built-in connectors trust a fixed root store and retry failed logins forever.
//! Tandem needs to trust an extra CA (a lab's or a company's), to reach a server at an address
//! that DNS does not know, and to tell the user within seconds why a login failed. So this
//! module performs the login itself with tokio-xmpp's `xmlstream` layer and hands the
//! authenticated stream to tokio-xmpp's `StanzaStream`, which binds the resource and runs
//! stream management (XEP-0198) on it.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use jid::{BareJid, FullJid, Jid};
use tokio::io::BufStream;
use tokio::net::TcpStream;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;
use tokio_xmpp::parsers::ns;
use tokio_xmpp::parsers::starttls;
use tokio_xmpp::parsers::stream_features::StreamFeatures;
use tokio_xmpp::stanzastream::Connection;
use tokio_xmpp::xmlstream::{
    initiate_stream, ReadError, StreamHeader, Timeouts, XmppStream, XmppStreamElement,
};

use crate::sasl::SaslError;
use crate::transport::Injector;

/// Where and how to log in.
#[derive(Clone)]
pub struct ConnectConfig {
    /// The account.
    pub jid: BareJid,
    /// The resource to ask for (the server may assign another).
    pub resource: String,
    /// The account's password.
    pub password: String,
    /// `HOST:PORT` to connect to instead of the JID's domain on port 5222.
    pub server: Option<String>,
    /// An extra CA certificate (PEM) to trust besides the system's roots.
    pub ca_file: Option<PathBuf>,
    /// Upper bound for one login attempt, from TCP connect to the authenticated stream.
    pub timeout: Duration,
}

impl std::fmt::Debug for ConnectConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the password.
        f.debug_struct("ConnectConfig")
            .field("jid", &self.jid)
            .field("resource", &self.resource)
            .field("server", &self.server)
            .field("ca_file", &self.ca_file)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl ConnectConfig {
    /// The full JID we ask to bind.
    pub fn full_jid(&self) -> Result<FullJid, ConnectError> {
        self.jid
            .with_resource_str(&self.resource)
            .map_err(|e| ConnectError::InvalidJid(format!("resource {:?}: {e}", self.resource)))
    }
}

/// Why a login failed. Each variant's message is one line for people.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// The JID (or resource) is not valid.
    #[error("invalid JID: {0}")]
    InvalidJid(String),
    /// The server's name does not resolve.
    #[error("unknown host {host}: {detail}")]
    UnknownHost {
        /// The host we looked up.
        host: String,
        /// The resolver's reason.
        detail: String,
    },
    /// Nothing listens at the address.
    #[error("connection refused by {addr}")]
    Refused {
        /// The address tried.
        addr: String,
    },
    /// The server could not be reached or did not answer in time.
    #[error("cannot reach {addr}: {detail}")]
    Unreachable {
        /// The address tried.
        addr: String,
        /// What happened.
        detail: String,
    },
    /// The server's certificate is not trusted for the domain.
    #[error("untrusted certificate for {domain}: {detail}")]
    UntrustedCertificate {
        /// The domain the certificate had to be valid for.
        domain: String,
        /// The verifier's reason.
        detail: String,
    },
    /// The server does not offer STARTTLS; Tandem never logs in unencrypted.
    #[error("{domain} does not offer TLS; refusing to log in unencrypted")]
    NoTls {
        /// The server's domain.
        domain: String,
    },
    /// The server offers no SCRAM mechanism; Tandem does not fall back to PLAIN.
    #[error("{domain} offers no SCRAM authentication (offered: {offered})")]
    NoScram {
        /// The server's domain.
        domain: String,
        /// What it offered instead.
        offered: String,
    },
    /// The server rejected the credentials.
    #[error("authentication failed for {jid}: wrong password or unknown account ({condition})")]
    AuthFailed {
        /// The account.
        jid: String,
        /// The SASL failure condition.
        condition: String,
    },
    /// The server could not prove that it knows our password (SCRAM server signature), or
    /// broke the SCRAM rules (a nonce that is not ours, an iteration count out of bounds).
    #[error("{domain} failed SCRAM server authentication: {detail}; refusing to log in")]
    ServerUnverified {
        /// The server's domain.
        domain: String,
        /// What was wrong.
        detail: String,
    },
    /// The extra CA file cannot be used.
    #[error("cannot use CA file {path}: {detail}")]
    CaFile {
        /// The file.
        path: String,
        /// Why.
        detail: String,
    },
    /// The login did not finish within the time allowed.
    #[error("login to {addr} timed out after {secs} s")]
    Timeout {
        /// The address tried.
        addr: String,
        /// The limit.
        secs: u64,
    },
    /// The server broke the protocol or closed the stream.
    #[error("connection to {addr} failed: {detail}")]
    Stream {
        /// The address.
        addr: String,
        /// What happened.
        detail: String,
    },
}

impl ConnectError {
    /// Errors that will not go away by retrying (the user must change something).
    pub fn is_permanent(&self) -> bool {
        matches!(
            self,
            ConnectError::InvalidJid(_)
                | ConnectError::UntrustedCertificate { .. }
                | ConnectError::NoTls { .. }
                | ConnectError::NoScram { .. }
                | ConnectError::AuthFailed { .. }
                | ConnectError::ServerUnverified { .. }
                | ConnectError::CaFile { .. }
        )
    }
}

/// Builds the TLS configuration: the system's roots plus `ca_file`, when given.
pub fn tls_config(ca_file: Option<&Path>) -> Result<Arc<ClientConfig>, ConnectError> {
    let mut roots = RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for cert in native.certs {
        // A broken system certificate must not stop us; it simply is not trusted.
        let _ = roots.add(cert);
    }
    if let Some(path) = ca_file {
        let ca_err = |detail: String| ConnectError::CaFile {
            path: path.display().to_string(),
            detail,
        };
        let pem = std::fs::read(path).map_err(|e| ca_err(e.to_string()))?;
        let certs = rustls_pemfile::certs(&mut pem.as_slice())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ca_err(format!("not PEM: {e}")))?;
        if certs.is_empty() {
            return Err(ca_err("no certificate in the file".into()));
        }
        for cert in certs {
            roots
                .add(cert)
                .map_err(|e| ca_err(format!("not a usable certificate: {e}")))?;
        }
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ConnectError::Stream {
            addr: String::new(),
            detail: e.to_string(),
        })?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Logs in once: TCP, STARTTLS (required, certificate verified for the JID's domain), SCRAM.
/// Returns a stream ready for resource binding, bounded by `cfg.timeout`.
pub async fn login(
    cfg: &ConnectConfig,
    tls: Arc<ClientConfig>,
    injector: &Injector,
) -> Result<Connection, ConnectError> {
    let addr = target(cfg);
    let secs = cfg.timeout.as_secs();
    match tokio::time::timeout(cfg.timeout, login_inner(cfg, tls, injector, &addr)).await {
        Ok(result) => result,
        Err(_) => Err(ConnectError::Timeout { addr, secs }),
    }
}

fn target(cfg: &ConnectConfig) -> String {
    cfg.server
        .clone()
        .unwrap_or_else(|| format!("{}:5222", cfg.jid.domain()))
}

fn timeouts() -> Timeouts {
    Timeouts {
        read_timeout: Duration::from_secs(90),
        response_timeout: Duration::from_secs(20),
    }
}

fn header(domain: &str) -> StreamHeader<'_> {
    StreamHeader {
        to: Some(Cow::Borrowed(domain)),
        from: None,
        id: None,
    }
}

async fn login_inner(
    cfg: &ConnectConfig,
    tls: Arc<ClientConfig>,
    injector: &Injector,
    addr: &str,
) -> Result<Connection, ConnectError> {
    let identity = cfg.full_jid()?;
    let domain = cfg.jid.domain().as_str();
    let node = cfg
        .jid
        .node()
        .ok_or_else(|| ConnectError::InvalidJid(format!("{} has no user part", cfg.jid)))?
        .as_str();
    let stream_err = stream_error(addr);

    let tcp = tcp_connect(addr).await?;
    let (features, stream) = open_stream(BufStream::new(tcp), domain, addr).await?;
    if !features.can_starttls() {
        return Err(ConnectError::NoTls {
            domain: domain.to_owned(),
        });
    }
    let tls_stream = starttls_upgrade(stream, domain, tls, addr).await?;

    // The injector lets the session put XEP-0352 <inactive/>/<active/> between stanzas.
    let (features, stream) =
        open_stream(injector.wrap(BufStream::new(tls_stream)), domain, addr).await?;

    // SCRAM only, and mutual: `sasl::authenticate` checks the server's signature.
    let scram: BTreeSet<String> = features
        .sasl_mechanisms
        .iter()
        .filter(|m| matches!(m.as_str(), "SCRAM-SHA-256" | "SCRAM-SHA-1"))
        .cloned()
        .collect();
    if scram.is_empty() {
        return Err(ConnectError::NoScram {
            domain: domain.to_owned(),
            offered: features
                .sasl_mechanisms
                .iter()
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let stream = crate::sasl::authenticate(stream, &scram, node, &cfg.password)
        .await
        .map_err(|e| match e {
            SaslError::Refused(condition) => ConnectError::AuthFailed {
                jid: cfg.jid.to_string(),
                condition,
            },
            SaslError::Unverified(detail) => ConnectError::ServerUnverified {
                domain: domain.to_owned(),
                detail,
            },
            other => stream_err(other.to_string()),
        })?;
    let stream = stream
        .send_header(header(domain))
        .await
        .map_err(|e| stream_err(e.to_string()))?;
    let (features, stream) = stream
        .recv_features()
        .await
        .map_err(|e| stream_err(e.to_string()))?;
    Ok(Connection {
        stream: stream.box_stream(),
        features,
        identity: Jid::from(identity),
    })
}

/// Makes `ConnectError::Stream` for `addr` from a detail.
fn stream_error(addr: &str) -> impl Fn(String) -> ConnectError + '_ {
    move |detail| ConnectError::Stream {
        addr: addr.to_owned(),
        detail,
    }
}

/// Sends our stream header on `io` and reads the server's stream features.
async fn open_stream<Io: tokio::io::AsyncBufRead + tokio::io::AsyncWrite + Unpin>(
    io: Io,
    domain: &str,
    addr: &str,
) -> Result<(StreamFeatures, XmppStream<Io>), ConnectError> {
    let stream_err = stream_error(addr);
    initiate_stream(io, ns::JABBER_CLIENT, header(domain), timeouts())
        .await
        .map_err(|e| stream_err(e.to_string()))?
        .recv_features()
        .await
        .map_err(|e| stream_err(e.to_string()))
}

async fn tcp_connect(addr: &str) -> Result<TcpStream, ConnectError> {
    let host = addr
        .rsplit_once(':')
        .map(|(h, _)| h.trim_matches(['[', ']']))
        .unwrap_or(addr)
        .to_owned();
    let addrs: Vec<_> = tokio::net::lookup_host(addr)
        .await
        .map_err(|e| ConnectError::UnknownHost {
            host: host.clone(),
            detail: e.to_string(),
        })?
        .collect();
    if addrs.is_empty() {
        return Err(ConnectError::UnknownHost {
            host,
            detail: "no address".into(),
        });
    }
    let mut last = None;
    for sa in addrs {
        match TcpStream::connect(sa).await {
            Ok(s) => {
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        Some(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => ConnectError::Refused {
            addr: addr.to_owned(),
        },
        Some(e) => ConnectError::Unreachable {
            addr: addr.to_owned(),
            detail: e.to_string(),
        },
        None => ConnectError::Unreachable {
            addr: addr.to_owned(),
            detail: "no address".into(),
        },
    })
}

async fn starttls_upgrade(
    mut stream: XmppStream<BufStream<TcpStream>>,
    domain: &str,
    tls: Arc<ClientConfig>,
    addr: &str,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, ConnectError> {
    let stream_err = stream_error(addr);
    stream
        .send(&XmppStreamElement::Starttls(starttls::Nonza::Request(
            starttls::Request,
        )))
        .await
        .map_err(|e| stream_err(e.to_string()))?;
    loop {
        match stream
            .next()
            .await
            .map(|v| v.map(|v| v.into_read_error()).and_then(|x| x))
        {
            Some(Ok(XmppStreamElement::Starttls(starttls::Nonza::Proceed(_)))) => break,
            Some(Ok(XmppStreamElement::Starttls(_))) => {
                return Err(stream_err("server refused STARTTLS".into()))
            }
            Some(Ok(_)) | Some(Err(ReadError::SoftTimeout | ReadError::Discarded { .. })) => {}
            Some(Err(ReadError::HardError(e))) => return Err(stream_err(e.to_string())),
            Some(Err(ReadError::ParseError(e))) => return Err(stream_err(e.to_string())),
            Some(Err(ReadError::StreamFooterReceived)) | None => {
                return Err(stream_err("server closed the stream".into()))
            }
        }
    }
    let tcp = stream.into_inner().into_inner();
    let name = ServerName::try_from(domain.to_owned())
        .map_err(|e| ConnectError::InvalidJid(format!("domain {domain}: {e}")))?;
    TlsConnector::from(tls)
        .connect(name, tcp)
        .await
        .map_err(|e| classify_tls(e, domain, addr))
}

fn classify_tls(e: std::io::Error, domain: &str, addr: &str) -> ConnectError {
    let tls_err = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    match tls_err {
        Some(rustls::Error::InvalidCertificate(reason)) => ConnectError::UntrustedCertificate {
            domain: domain.to_owned(),
            detail: format!("{reason:?}"),
        },
        Some(other) => ConnectError::Stream {
            addr: addr.to_owned(),
            detail: format!("TLS: {other}"),
        },
        None => ConnectError::Stream {
            addr: addr.to_owned(),
            detail: format!("TLS: {e}"),
        },
    }
}
