//! A compromised server, played on loopback: a relay between a client and the lab's real
//! Prosody that holds the server's certificate, so the client's TLS (STARTTLS) ends at the
//! relay. It cuts both directions into whole top-level elements and lets a [`Tamper`]
//! rewrite, drop or answer any of them. Everything else is Prosody's own traffic.
//!
//! Replacing one stanza by one stanza keeps XEP-0198's counts right on both sides; a test
//! that needs a hostile stanza rewrites a real one (a message with a marker body) instead
//! of inventing a new one.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use tandem_client::transport::Scanner;
use tandem_lab::Lab;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore, ServerConfig};
use tokio_rustls::{TlsAcceptor, TlsConnector};

/// What the relay does with each whole top-level element (the stream header counts as one).
pub trait Tamper: Send + 'static {
    /// An element from the server; the client gets what this returns ("" drops it).
    fn server_element(&mut self, element: &str) -> String {
        element.to_owned()
    }
    /// An element from the client: (what the server gets, what the client gets back).
    fn client_element(&mut self, element: &str) -> (String, String) {
        (element.to_owned(), String::new())
    }
}

/// Passes everything through unchanged.
#[derive(Debug, Default)]
pub struct Honest;
impl Tamper for Honest {}

/// A tamper that rewrites only elements from the server, with a closure.
pub struct RewriteServer<F>(pub F);
impl<F: FnMut(&str) -> String + Send + 'static> Tamper for RewriteServer<F> {
    fn server_element(&mut self, element: &str) -> String {
        (self.0)(element)
    }
}

/// A relay listening on 127.0.0.1; every connection is relayed to the lab's Prosody.
pub struct Relay {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
    /// How many connections the relay has accepted.
    pub connections: Arc<Mutex<u32>>,
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Relay {
    /// Starts relaying to `lab`, each connection with a tamper from `tamper`.
    pub async fn start<T: Tamper>(
        lab: &Lab,
        mut tamper: impl FnMut() -> T + Send + 'static,
    ) -> Result<Relay> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let acceptor = TlsAcceptor::from(server_config(lab)?);
        let connector = TlsConnector::from(client_config(lab)?);
        let domain = ServerName::try_from(lab.domain().to_owned())?;
        let upstream = lab.c2s_addr();
        let connections = Arc::new(Mutex::new(0));
        let counted = connections.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if let Ok(mut n) = counted.lock() {
                    *n += 1;
                }
                let tamper = tamper();
                let (acceptor, connector, domain) =
                    (acceptor.clone(), connector.clone(), domain.clone());
                tokio::spawn(async move {
                    let _ = relay_one(client, upstream, acceptor, connector, domain, tamper).await;
                });
            }
        });
        Ok(Relay {
            addr,
            task,
            connections,
        })
    }

    /// Where clients connect (`--server`).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Connections accepted so far.
    pub fn connection_count(&self) -> u32 {
        self.connections.lock().map(|n| *n).unwrap_or(0)
    }
}

fn server_config(lab: &Lab) -> Result<Arc<ServerConfig>> {
    let certs = rustls_pemfile::certs(&mut std::fs::read(lab.cert_file())?.as_slice())
        .collect::<Result<Vec<CertificateDer>, _>>()?;
    let key: PrivateKeyDer =
        rustls_pemfile::private_key(&mut std::fs::read(lab.key_file())?.as_slice())?
            .context("no key in the lab's key file")?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)?;
    Ok(Arc::new(config))
}

fn client_config(lab: &Lab) -> Result<Arc<ClientConfig>> {
    let mut roots = RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut std::fs::read(lab.ca_file())?.as_slice()) {
        roots.add(cert?)?;
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Cuts a byte stream into whole top-level elements.
#[derive(Default)]
struct Cutter {
    scan: Scanner,
    pending: Vec<u8>,
}

impl Cutter {
    fn push(&mut self, bytes: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        for &b in bytes {
            self.pending.push(b);
            self.scan.feed(&[b]);
            if self.scan.at_boundary() {
                let element = String::from_utf8_lossy(&self.pending).into_owned();
                self.pending.clear();
                if !element.trim().is_empty() {
                    out.push(element);
                }
            }
        }
        out
    }
}

async fn relay_one(
    mut client: TcpStream,
    upstream: SocketAddr,
    acceptor: TlsAcceptor,
    connector: TlsConnector,
    domain: ServerName<'static>,
    tamper: impl Tamper,
) -> Result<()> {
    let mut server = TcpStream::connect(upstream).await?;
    // Before TLS: pass everything through until the server's <proceed/>.
    let mut from_server = Cutter::default();
    let (mut cbuf, mut sbuf) = (vec![0u8; 16384], vec![0u8; 16384]);
    'plain: loop {
        tokio::select! {
            n = client.read(&mut cbuf) => {
                let n = n?;
                if n == 0 { return Ok(()) }
                server.write_all(&cbuf[..n]).await?;
            }
            n = server.read(&mut sbuf) => {
                let n = n?;
                if n == 0 { return Ok(()) }
                for element in from_server.push(&sbuf[..n]) {
                    client.write_all(element.as_bytes()).await?;
                    if element.contains("<proceed") {
                        break 'plain;
                    }
                }
            }
        }
    }
    let client = acceptor.accept(client).await?;
    let server = connector.connect(domain, server).await?;
    let (client_read, client_write) = tokio::io::split(client);
    let (server_read, server_write) = tokio::io::split(server);
    let tamper = Arc::new(Mutex::new(tamper));
    let (answers_tx, answers_rx) = mpsc::unbounded_channel::<String>();
    let down = tokio::spawn(pump_down(
        server_read,
        client_write,
        tamper.clone(),
        answers_rx,
    ));
    let up = pump_up(client_read, server_write, tamper, answers_tx).await;
    down.abort();
    up
}

/// Server to client: element by element through the tamper, with the tamper's answers to
/// the client's elements put in between.
async fn pump_down(
    mut server: impl AsyncRead + Unpin,
    mut client: impl AsyncWrite + Unpin,
    tamper: Arc<Mutex<impl Tamper>>,
    mut answers: mpsc::UnboundedReceiver<String>,
) -> Result<()> {
    let mut cutter = Cutter::default();
    let mut buf = vec![0u8; 65536];
    loop {
        tokio::select! {
            n = server.read(&mut buf) => {
                let n = n?;
                if n == 0 { return Ok(()) }
                for element in cutter.push(&buf[..n]) {
                    let out = tamper.lock().map(|mut t| t.server_element(&element)).unwrap_or(element);
                    client.write_all(out.as_bytes()).await?;
                }
                client.flush().await?;
            }
            Some(answer) = answers.recv() => {
                client.write_all(answer.as_bytes()).await?;
                client.flush().await?;
            }
        }
    }
}

/// Client to server: element by element through the tamper.
async fn pump_up(
    mut client: impl AsyncRead + Unpin,
    mut server: impl AsyncWrite + Unpin,
    tamper: Arc<Mutex<impl Tamper>>,
    answers: mpsc::UnboundedSender<String>,
) -> Result<()> {
    let mut cutter = Cutter::default();
    let mut buf = vec![0u8; 65536];
    loop {
        let n = client.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        for element in cutter.push(&buf[..n]) {
            let (up, back) = tamper
                .lock()
                .map(|mut t| t.client_element(&element))
                .unwrap_or((element, String::new()));
            if !up.is_empty() {
                server.write_all(up.as_bytes()).await?;
            }
            if !back.is_empty() {
                let _ = answers.send(back);
            }
        }
        server.flush().await?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cutter_yields_the_header_and_whole_children() {
        let mut c = Cutter::default();
        let mut got = c.push(b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' a='>'><message to='x'><body>a</bo");
        got.extend(c.push(b"dy></message><r xmlns='urn:xmpp:sm:3'/>"));
        assert_eq!(
            got,
            [
                "<?xml version='1.0'?><stream:stream xmlns='jabber:client' a='>'>",
                "<message to='x'><body>a</body></message>",
                "<r xmlns='urn:xmpp:sm:3'/>",
            ]
        );
    }
}
