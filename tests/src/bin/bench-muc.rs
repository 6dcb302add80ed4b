//! Room catch-up speed: how many archived room messages per second a fresh device of ours
//! stores when it joins a room with a long history, against a real local Prosody (its MUC
//! component with `muc_mam`), with the real SQLite store.
//!
//! `cargo run --release -p tandem-tests --bin bench-muc -- [MESSAGES]` (default 10000).
//!
//! bob fills the room `bench@<muc domain>` (alice's laptop joined first, so the room exists and
//! archives); then alice's phone, an empty profile, signs in, joins the room from the bookmark
//! and reads its whole archive (XEP-0313 at the room, pages of 50, each page stored with the
//! room's archive position in one transaction). The figure is from sign-in to the room's
//! `RoomCatchUp { done: true }`. For comparison a raw client (TCP, STARTTLS, SASL PLAIN, bind,
//! then the same MAM queries page after page, each result parsed and counted, nothing stored)
//! reads the same archive, so that server time and Tandem's own time can be told apart.

use std::collections::VecDeque;
use std::str::FromStr;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use base64::Engine as _;
use jid::BareJid;
use tandem_client::transport::Scanner;
use tandem_core::event::{Event, RoomStatus};
use tandem_core::model::DeviceType;
use tandem_core::store::Store;
use tandem_tests::{Dev, World};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::TlsConnector;
use xmpp_parsers::minidom::Element;

/// Longest wait for any one thing (an event, a stanza) while the benchmark runs.
const STALL: Duration = Duration::from_secs(60);
/// Page size: the same as Tandem's (and the lab's `max_archive_query_results`).
const PAGE: usize = 50;

const NS_CLIENT: &str = "jabber:client";
const NS_STREAM: &str = "http://etherx.jabber.org/streams";
const NS_SASL: &str = "urn:ietf:params:xml:ns:xmpp-sasl";
const NS_MAM: &str = "urn:xmpp:mam:2";
const NS_RSM: &str = "http://jabber.org/protocol/rsm";
const NS_FORWARD: &str = "urn:xmpp:forward:0";

#[tokio::main]
async fn main() -> Result<()> {
    let n: usize = match std::env::args().nth(1) {
        Some(s) => s
            .parse()
            .map_err(|_| anyhow!("usage: bench-muc [MESSAGES]"))?,
        None => 10_000,
    };
    if n == 0 {
        bail!("usage: bench-muc [MESSAGES] (at least 1)");
    }
    // World::new installs the RUST_LOG tracing subscriber.
    let w = World::new()?;
    let room: BareJid = format!("bench@{}", w.lab.muc_domain()).parse()?;

    let bob = fill(&w, &room, n).await?;
    // bob stays in the room until the end: a room nobody is in is destroyed, with its archive.
    let tandem = tandem_catch_up(&w, &room, n).await;
    let raw = match &tandem {
        Ok(_) => raw_archive(&w, &room, n).await,
        Err(_) => Err(anyhow!("not run")),
    };
    bob.close().await;
    let tandem = tandem?;
    let raw = raw?;
    println!(
        "tandem / raw: {:.2} (Tandem reaches {:.0}% of the raw rate)",
        tandem / raw,
        100.0 * tandem / raw
    );
    Ok(())
}

/// alice's laptop joins (creating the room), bob joins and sends `n` messages, as fast as
/// the server acknowledges them; returns once the laptop has every one of them live, that
/// is once the room has archived them all.
async fn fill(w: &World, room: &BareJid, n: usize) -> Result<Dev> {
    println!("filling {room} with {n} messages from bob (alice's laptop in the room)…");
    let mut laptop = w.laptop().await?;
    let mut bob = w.bob().await?;
    join(&mut laptop, room).await?;
    join(&mut bob, room).await?;
    let started = Instant::now();
    let bodies = (0..n).map(|i| format!("room message number {i}"));
    let (sent, seen) = tokio::join!(
        bob.send_many(room, bodies),
        count_live(&mut laptop, room, n)
    );
    sent?;
    seen?;
    println!("filled in {:.1} s", started.elapsed().as_secs_f64());
    laptop.close().await;
    Ok(bob)
}

/// Joins `room` on `dev` and waits until it is joined and its (short) history caught up.
///
/// A join that ends in `Left` is tried again: a join made moments after sign-in used to be
/// undone by the answer to the sign-in's own bookmark fetch (a full list without the new room
/// read as "left on another device"); the guard keeps the benchmark from hanging on that.
async fn join(dev: &mut Dev, room: &BareJid) -> Result<()> {
    for attempt in 1..=5 {
        dev.session.join(room.clone(), None, None).await?;
        let state = loop {
            match next(dev).await? {
                Event::Room { room: r, state, .. }
                    if r == *room
                        && matches!(
                            state,
                            RoomStatus::Joined | RoomStatus::Left | RoomStatus::Gone
                        ) =>
                {
                    break state
                }
                _ => {}
            }
        };
        match state {
            RoomStatus::Joined => {
                dev.until(
                    "the room's catch-up",
                    |e| matches!(e, Event::RoomCatchUp { room: r, done: true, .. } if r == room),
                )
                .await?;
                return Ok(());
            }
            RoomStatus::Left => {
                eprintln!(
                    "{}: the join of {room} was undone (attempt {attempt}); joining again",
                    dev.name
                );
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            _ => bail!("{}: {room} is gone", dev.name),
        }
    }
    bail!("{}: could not join {room}", dev.name)
}

/// Waits until `dev` has stored `n` room messages of `room`.
async fn count_live(dev: &mut Dev, room: &BareJid, n: usize) -> Result<()> {
    let mut seen = 0;
    while seen < n {
        match next(dev).await? {
            Event::Message(m) if m.conversation == *room => seen += 1,
            _ => {}
        }
    }
    Ok(())
}

async fn next(dev: &mut Dev) -> Result<Event> {
    match tokio::time::timeout(STALL, dev.events.recv()).await {
        Ok(Some(e)) => Ok(e),
        Ok(None) => Err(anyhow!("{}: session ended", dev.name)),
        Err(_) => Err(anyhow!("{}: no event within {STALL:?}", dev.name)),
    }
}

/// alice's phone, never signed in before: sign-in, the room joined from the bookmark, its
/// whole archive stored. Returns messages per second.
async fn tandem_catch_up(w: &World, room: &BareJid, n: usize) -> Result<f64> {
    let config = w.config("alice", "phone", DeviceType::Phone, true);
    let started = Instant::now();
    let mut phone = w.start(config).await?;
    let signed_in = started.elapsed();
    let mut joined = None;
    let mut pages = 0u64;
    let stored = loop {
        match next(&mut phone).await? {
            Event::Room {
                room: r,
                state: RoomStatus::Joined,
                ..
            } if r == *room && joined.is_none() => joined = Some(started.elapsed()),
            Event::RoomCatchUp {
                room: r,
                stored,
                done,
                ..
            } if r == *room => {
                pages += 1;
                if done {
                    break stored;
                }
            }
            _ => {}
        }
    };
    let secs = started.elapsed().as_secs_f64();
    let count = phone.store.history(&phone.account, room).await?.len();
    phone.close().await;
    let joined = joined.map_or(f64::NAN, |d| d.as_secs_f64());
    println!(
        "room catch-up (sign-in {:.2} s, joined at {joined:.2} s, ~{pages} pages of {PAGE} from \
         the room + SQLite): {stored} messages in {secs:.2} s = {:.0} msg/s; {count} stored",
        signed_in.as_secs_f64(),
        stored as f64 / secs
    );
    if count != n || stored as usize != n {
        bail!("expected {n} room messages stored, found {count} (the catch-up reported {stored})");
    }
    Ok(n as f64 / secs)
}

/// The same archive read by a raw client that only parses and counts. Returns messages per
/// second, login included (as Tandem's figure includes its sign-in).
async fn raw_archive(w: &World, room: &BareJid, n: usize) -> Result<f64> {
    let started = Instant::now();
    let mut c = raw_login(w, "alice", "raw").await?;
    let logged_in = started.elapsed().as_secs_f64();
    let paging = Instant::now();
    let (count, pages) = raw_pages(&mut c, room).await?;
    let paged = paging.elapsed().as_secs_f64();
    let secs = started.elapsed().as_secs_f64();
    let _ = c.send("</stream:stream>").await;
    println!(
        "raw room archive (login {logged_in:.2} s, then {pages} pages of {PAGE} parsed and \
         counted, nothing stored): {count} messages in {secs:.2} s = {:.0} msg/s ({:.0} msg/s \
         paging alone)",
        count as f64 / secs,
        count as f64 / paged
    );
    if count != n {
        bail!("the raw client counted {count} archived room messages, expected {n}");
    }
    Ok(n as f64 / secs)
}

/// Pages through `room`'s archive from its start; returns (results, pages).
async fn raw_pages<S: AsyncRead + AsyncWrite + Unpin>(
    c: &mut Raw<S>,
    room: &BareJid,
) -> Result<(usize, usize)> {
    let mut after: Option<String> = None;
    let mut count = 0;
    let mut pages = 0;
    loop {
        let qid = format!("bench-q{pages}");
        let id = format!("bench-page{pages}");
        let after_el = after
            .as_deref()
            .map(|a| format!("<after>{}</after>", escape(a)))
            .unwrap_or_default();
        c.send(&format!(
            "<iq type='set' id='{id}' to='{}'><query xmlns='{NS_MAM}' queryid='{qid}'>\
             <set xmlns='{NS_RSM}'><max>{PAGE}</max>{after_el}</set></query></iq>",
            escape(&room.to_string())
        ))
        .await?;
        let (complete, last) = loop {
            let e = c.next().await?;
            if e.name() == "message" {
                let Some(result) = e.get_child("result", NS_MAM) else {
                    continue;
                };
                if result.attr("queryid") != Some(qid.as_str()) {
                    continue;
                }
                let body = result
                    .get_child("forwarded", NS_FORWARD)
                    .and_then(|f| f.get_child("message", NS_CLIENT))
                    .and_then(|m| m.get_child("body", NS_CLIENT));
                if body.is_some() {
                    count += 1;
                }
            } else if e.name() == "iq" && e.attr("id") == Some(id.as_str()) {
                if e.attr("type") != Some("result") {
                    bail!(
                        "the room's archive refused page {pages}: {}",
                        String::from(&e)
                    );
                }
                let fin = e
                    .get_child("fin", NS_MAM)
                    .ok_or_else(|| anyhow!("no <fin/> in {}", String::from(&e)))?;
                let last = fin
                    .get_child("set", NS_RSM)
                    .and_then(|s| s.get_child("last", NS_RSM))
                    .map(Element::text);
                break (fin.attr("complete") == Some("true"), last);
            }
        };
        pages += 1;
        if complete || last.is_none() || last == after {
            return Ok((count, pages));
        }
        after = last;
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\'', "&apos;")
        .replace('"', "&quot;")
}

/// Logs `user/resource` in on the lab: TCP, STARTTLS (the lab's CA), SASL PLAIN, bind.
async fn raw_login(
    w: &World,
    user: &str,
    resource: &str,
) -> Result<Raw<tokio_rustls::client::TlsStream<TcpStream>>> {
    let domain = w.lab.domain().to_owned();
    let tcp = TcpStream::connect(w.lab.c2s_addr()).await?;
    tcp.set_nodelay(true)?;
    let mut c = Raw::new(tcp);
    c.open(&domain).await?;
    c.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        .await?;
    let e = c.next().await?;
    if e.name() != "proceed" {
        bail!("no STARTTLS: {}", String::from(&e));
    }
    let tls = tandem_client::connect::tls_config(Some(w.lab.ca_file()))?;
    let stream = TlsConnector::from(tls)
        .connect(ServerName::try_from(domain.clone())?, c.io)
        .await
        .context("TLS")?;
    let mut c = Raw::new(stream);
    let features = c.open(&domain).await?;
    let plain = features
        .get_child("mechanisms", NS_SASL)
        .is_some_and(|m| m.children().any(|x| x.text() == "PLAIN"));
    if !plain {
        bail!("the lab offers no SASL PLAIN: {}", String::from(&features));
    }
    let token = base64::engine::general_purpose::STANDARD.encode(format!("\0{user}\0{user}-pw"));
    c.send(&format!(
        "<auth xmlns='{NS_SASL}' mechanism='PLAIN'>{token}</auth>"
    ))
    .await?;
    let e = c.next().await?;
    if e.name() != "success" {
        bail!("login failed: {}", String::from(&e));
    }
    let mut c = Raw::new(c.io);
    c.open(&domain).await?;
    c.send(&format!(
        "<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>\
         <resource>{}</resource></bind></iq>",
        escape(resource)
    ))
    .await?;
    loop {
        let e = c.next().await?;
        if e.name() == "iq" && e.attr("id") == Some("bind") {
            if e.attr("type") != Some("result") {
                bail!("bind failed: {}", String::from(&e));
            }
            return Ok(c);
        }
    }
}

/// A bare XMPP stream: writes text, reads whole top-level elements (cut with Tandem's own
/// [`Scanner`]) parsed into minidom elements.
struct Raw<S> {
    io: S,
    scan: Scanner,
    pending: Vec<u8>,
    ready: VecDeque<String>,
    buf: Vec<u8>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Raw<S> {
    /// A new stream on `io` (a new one after STARTTLS and after SASL).
    fn new(io: S) -> Raw<S> {
        Raw {
            io,
            scan: Scanner::default(),
            pending: Vec::new(),
            ready: VecDeque::new(),
            buf: vec![0; 64 * 1024],
        }
    }

    async fn send(&mut self, text: &str) -> Result<()> {
        self.io.write_all(text.as_bytes()).await?;
        self.io.flush().await?;
        Ok(())
    }

    /// Sends our stream header and returns the server's stream features.
    async fn open(&mut self, domain: &str) -> Result<Element> {
        self.send(&format!(
            "<?xml version='1.0'?><stream:stream to='{}' version='1.0' xml:lang='en' \
             xmlns='{NS_CLIENT}' xmlns:stream='{NS_STREAM}'>",
            escape(domain)
        ))
        .await?;
        let e = self.next().await?;
        if !e.is("features", NS_STREAM) {
            bail!("expected stream features, got {}", String::from(&e));
        }
        Ok(e)
    }

    /// The next top-level element from the server (the stream header skipped).
    async fn next(&mut self) -> Result<Element> {
        loop {
            while let Some(text) = self.ready.pop_front() {
                let t = text.trim_start();
                if t.starts_with("<?xml") || t.starts_with("<stream:stream") {
                    continue;
                }
                let wrapped =
                    format!("<w xmlns='{NS_CLIENT}' xmlns:stream='{NS_STREAM}'>{text}</w>");
                let outer = Element::from_str(&wrapped)
                    .map_err(|e| anyhow!("unparsable element from the server ({e}): {text}"))?;
                let inner = outer
                    .children()
                    .next()
                    .cloned()
                    .ok_or_else(|| anyhow!("no element in {text:?}"))?;
                if inner.is("error", NS_STREAM) {
                    bail!("stream error: {}", String::from(&inner));
                }
                return Ok(inner);
            }
            let n = tokio::time::timeout(STALL, self.io.read(&mut self.buf))
                .await
                .map_err(|_| anyhow!("the server said nothing within {STALL:?}"))??;
            if n == 0 {
                bail!("the server closed the connection");
            }
            for &b in &self.buf[..n] {
                self.pending.push(b);
                self.scan.feed(&[b]);
                if self.scan.at_boundary() {
                    let text = String::from_utf8(std::mem::take(&mut self.pending))
                        .map_err(|_| anyhow!("the server sent invalid UTF-8"))?;
                    if !text.trim().is_empty() {
                        self.ready.push_back(text);
                    }
                }
            }
        }
    }
}
