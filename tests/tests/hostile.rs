//! The hostile network: strangers and contacts sending what a real Prosody relays, and a
//! compromised server played by a TLS relay ([`tandem_tests::relay`]) that rewrites
//! Prosody's stream. No stanza may end the stream, loop a reconnect, crash the process or
//! change what another message means.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{anyhow, Result};
use base64::Engine;
use tandem_client::connect::ConnectError;
use tandem_client::{ClientError, Session};
use tandem_core::event::Event;
use tandem_core::model::DeviceType;
use tandem_core::notify::Decision;
use tandem_core::store::Store;
use tandem_store::SqliteStore;
use tandem_tests::relay::{Relay, RewriteServer, Tamper};
use tandem_tests::{Dev, World, PATIENCE};
use xmpp_parsers::message::{Id, Message};
use xmpp_parsers::minidom::Element;
use xmpp_parsers::stanza::Stanza;

/// An attribute name.
fn name(n: &str) -> xmpp_parsers::minidom::rxml::NcName {
    xmpp_parsers::minidom::rxml::NcName::try_from(n).expect("a valid attribute name")
}

/// A chat message to `to` with `body` and extra payloads, sent as it stands.
fn raw_message(to: &jid::BareJid, body: &str, payloads: Vec<Element>) -> Stanza {
    let mut m =
        Message::chat(Some(jid::Jid::from(to.clone()))).with_body(Default::default(), body.into());
    m.id = Some(Id(format!("raw-{body}")));
    m.payloads = payloads;
    Stanza::Message(m)
}

fn drops(events: &[Event]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, Event::Disconnected { .. }))
        .count()
}

#[tokio::test]
async fn a_stranger_cannot_knock_a_device_offline_with_one_stanza() -> Result<()> {
    let w = World::new()?;
    let mut laptop = w.laptop().await?;
    let mut phone = w.phone().await?;
    // colin is in nobody's roster: a stranger.
    let colin = w.device("colin", "pc", DeviceType::Desktop, true).await?;
    let alice = w.jid("alice");
    let long = "x".repeat(9_000);
    let poison = [
        raw_message(
            &alice,
            "long attribute",
            vec![Element::builder("x", "urn:example:poison")
                .attr(name("a"), long.clone())
                .build()],
        ),
        raw_message(
            &alice,
            "long name",
            vec![Element::builder("n".repeat(9_000), "urn:example:poison").build()],
        ),
        raw_message(
            &alice,
            "100 KiB attribute",
            vec![Element::builder("x", "urn:example:poison")
                .attr(name("a"), "y".repeat(100 * 1024))
                .build()],
        ),
    ];
    for stanza in poison {
        colin.session.send_raw(stanza).await?;
    }
    let mut long_id =
        Message::chat(Some(alice.clone().into())).with_body(Default::default(), "long id".into());
    long_id.id = Some(Id(long.clone()));
    colin.session.send_raw(Stanza::Message(long_id)).await?;
    colin.session.send(alice.clone(), "after".into()).await?;
    for dev in [&mut laptop, &mut phone] {
        let events = dev.events_until("after").await?;
        assert_eq!(
            drops(&events),
            0,
            "{}: the stream dropped: {events:?}",
            dev.name
        );
    }
    let stored = laptop.bodies(&w.jid("colin")).await?;
    for body in [
        "long attribute",
        "long name",
        "100 KiB attribute",
        "long id",
        "after",
    ] {
        assert_eq!(
            stored.iter().filter(|b| *b == body).count(),
            1,
            "{body} once in {stored:?}"
        );
    }
    // A device that signs in fresh catches up past the same stanzas in the archive.
    let tablet = w
        .device("alice", "tablet", DeviceType::Tablet, true)
        .await?;
    let caught = tablet.bodies(&w.jid("colin")).await?;
    assert_eq!(
        caught, stored,
        "the archive brings the same messages, once, in order"
    );
    Ok(())
}

/// Replaces the message whose body is `marker` with `with(element)`; counts the rewrites
/// that changed something, so a test knows its hostile stanza really went out.
struct Replace {
    marker: &'static str,
    with: fn(&str) -> String,
    done: Arc<AtomicUsize>,
}

impl Tamper for Replace {
    fn server_element(&mut self, el: &str) -> String {
        if el.starts_with("<message") && el.contains(&format!("<body>{}</body>", self.marker)) {
            let out = (self.with)(el);
            if out != el {
                self.done.fetch_add(1, Ordering::SeqCst);
            }
            out
        } else {
            el.to_owned()
        }
    }
}

/// A relay that rewrites the `marker` message, and the count of rewrites it made.
async fn replacing(
    w: &World,
    marker: &'static str,
    with: fn(&str) -> String,
) -> Result<(Relay, Arc<AtomicUsize>)> {
    let done = Arc::new(AtomicUsize::new(0));
    let count = done.clone();
    let relay = Relay::start(&w.lab, move || Replace {
        marker,
        with,
        done: count.clone(),
    })
    .await?;
    Ok((relay, done))
}

/// Connects alice's laptop through `relay`.
async fn through(w: &World, relay: &Relay, resource: &str) -> Result<Dev> {
    let mut config = w.config("alice", resource, DeviceType::Desktop, true);
    config.connect.server = Some(relay.addr().to_string());
    w.sign_in(config).await
}

fn nest(el: &str, depth: usize) -> String {
    let open = "<a xmlns='urn:example:deep'>".repeat(depth);
    let close = "</a>".repeat(depth);
    match el.rfind("</message>") {
        Some(end) => format!("{}{open}{close}</message>", &el[..end]),
        None => el.to_owned(),
    }
}

#[tokio::test]
async fn a_compromised_server_cannot_crash_tandem_with_deep_nesting() -> Result<()> {
    let w = World::new()?;
    let (relay, rewrites) = replacing(&w, "deep", |el| nest(el, 10_000)).await?;
    let mut laptop = through(&w, &relay, "laptop").await?;
    let bob = w.bob().await?;
    bob.session.send(w.jid("alice"), "deep".into()).await?;
    bob.session.send(w.jid("alice"), "after".into()).await?;
    let events = laptop.events_until("after").await?;
    assert_eq!(drops(&events), 0, "the stream dropped: {events:?}");
    assert!(
        !laptop
            .bodies(&w.jid("bob"))
            .await?
            .contains(&"deep".to_owned()),
        "never delivered truncated"
    );
    assert_eq!(relay.connection_count(), 1);
    assert!(
        rewrites.load(Ordering::SeqCst) >= 1,
        "the hostile stanza went out"
    );
    Ok(())
}

#[tokio::test]
async fn xml_that_breaks_the_stream_is_skipped_on_resumption() -> Result<()> {
    let w = World::new()?;
    // Two MiB in one attribute: past any limit, the parser refuses it and the stream fails.
    let (relay, rewrites) = replacing(&w, "broken", |el| {
        el.replacen(
            "<message",
            &format!("<message x='{}'", "z".repeat(2 * 1024 * 1024)),
            1,
        )
    })
    .await?;
    let mut laptop = through(&w, &relay, "laptop").await?;
    let bob = w.bob().await?;
    bob.session.send(w.jid("alice"), "broken".into()).await?;
    bob.session.send(w.jid("alice"), "after".into()).await?;
    let events = laptop.events_until("after").await?;
    assert_eq!(
        drops(&events),
        1,
        "one drop, then resumption past it: {events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Connected { resumed: true, .. })),
        "resumed: {events:?}"
    );
    // No loop: nothing else happens afterwards.
    laptop
        .expect_no_message("broken", Duration::from_secs(2))
        .await?;
    assert_eq!(relay.connection_count(), 2, "exactly one reconnect");
    assert_eq!(
        rewrites.load(Ordering::SeqCst),
        1,
        "and it was not sent again"
    );
    Ok(())
}

#[tokio::test]
async fn a_stanza_of_an_invalid_type_is_dropped_and_the_stream_goes_on() -> Result<()> {
    let w = World::new()?;
    let (relay, rewrites) = replacing(&w, "bad type", |el| {
        el.replacen("type='chat'", "type='bogus'", 1)
            .replacen("type=\"chat\"", "type=\"bogus\"", 1)
    })
    .await?;
    let mut laptop = through(&w, &relay, "laptop").await?;
    let bob = w.bob().await?;
    bob.session.send(w.jid("alice"), "bad type".into()).await?;
    bob.session.send(w.jid("alice"), "after".into()).await?;
    let events = laptop.events_until("after").await?;
    assert_eq!(drops(&events), 0, "the stream dropped: {events:?}");
    assert_eq!(relay.connection_count(), 1);
    assert!(
        rewrites.load(Ordering::SeqCst) >= 1,
        "the hostile stanza went out"
    );
    Ok(())
}

/// A server that rewrites SASL.
struct Sasl {
    server: fn(&str) -> String,
    client: fn(&str) -> (String, String),
}
impl Tamper for Sasl {
    fn server_element(&mut self, el: &str) -> String {
        (self.server)(el)
    }
    fn client_element(&mut self, el: &str) -> (String, String) {
        (self.client)(el)
    }
}

const SASL_NS: &str = "urn:ietf:params:xml:ns:xmpp-sasl";

fn pass_client(el: &str) -> (String, String) {
    (el.to_owned(), String::new())
}

/// The base64 payload of a SASL element, rewritten by `f`.
fn rewrite_sasl(el: &str, name: &str, f: impl Fn(&str) -> String) -> String {
    let b64 = base64::engine::general_purpose::STANDARD;
    let Some(start) = el.find('>') else {
        return el.to_owned();
    };
    let Some(end) = el.rfind(&format!("</{name}>")) else {
        return el.to_owned();
    };
    let data = b64.decode(el[start + 1..end].trim()).unwrap_or_default();
    let text = f(&String::from_utf8_lossy(&data));
    format!("<{name} xmlns='{SASL_NS}'>{}</{name}>", b64.encode(text))
}

async fn login_through(w: &World, tamper: Sasl) -> Result<ClientError> {
    let tamper = Arc::new(Mutex::new(Some(tamper)));
    let relay = Relay::start(&w.lab, move || {
        tamper
            .lock()
            .ok()
            .and_then(|mut t| t.take())
            .unwrap_or(Sasl {
                server: str::to_owned,
                client: pass_client,
            })
    })
    .await?;
    let mut config = w.config("alice", "laptop", DeviceType::Desktop, true);
    config.connect.server = Some(relay.addr().to_string());
    let store = Arc::new(SqliteStore::open(&w.dir.path().join("sasl.db")).await?);
    match Session::start(config, store).await {
        Ok(_) => Err(anyhow!(
            "logged in through a server that did not prove it knows the password"
        )),
        Err(e) => Ok(e),
    }
}

fn unverified(e: &ClientError) -> bool {
    matches!(
        e,
        ClientError::Connect(ConnectError::ServerUnverified { .. })
    )
}

#[tokio::test]
async fn scram_is_mutual_a_server_that_cannot_prove_the_password_is_refused() -> Result<()> {
    let w = World::new()?;
    // <success/> without the server signature.
    let e = login_through(
        &w,
        Sasl {
            server: |el| {
                if el.starts_with("<success") {
                    format!("<success xmlns='{SASL_NS}'/>")
                } else {
                    el.to_owned()
                }
            },
            client: pass_client,
        },
    )
    .await?;
    assert!(unverified(&e), "no signature: {e}");
    // A wrong signature.
    let e = login_through(
        &w,
        Sasl {
            server: |el| {
                if el.starts_with("<success") {
                    rewrite_sasl(el, "success", |_| {
                        format!(
                            "v={}",
                            base64::engine::general_purpose::STANDARD.encode([0u8; 32])
                        )
                    })
                } else {
                    el.to_owned()
                }
            },
            client: pass_client,
        },
    )
    .await?;
    assert!(unverified(&e), "forged signature: {e}");
    // Success straight after <auth/>, with no proof at all (the server never sees our auth).
    let e = login_through(
        &w,
        Sasl {
            server: str::to_owned,
            client: |el| {
                if el.starts_with("<auth") {
                    (String::new(), format!("<success xmlns='{SASL_NS}'/>"))
                } else {
                    (el.to_owned(), String::new())
                }
            },
        },
    )
    .await?;
    assert!(unverified(&e), "success without proof: {e}");
    // Two billion iterations: refused at once, not computed (and not a timeout).
    let e = login_through(
        &w,
        Sasl {
            server: |el| {
                if el.starts_with("<challenge") {
                    rewrite_sasl(el, "challenge", |t| {
                        t.split(',')
                            .map(|p| {
                                if p.starts_with("i=") {
                                    "i=2000000000".to_owned()
                                } else {
                                    p.to_owned()
                                }
                            })
                            .collect::<Vec<_>>()
                            .join(",")
                    })
                } else {
                    el.to_owned()
                }
            },
            client: pass_client,
        },
    )
    .await?;
    assert!(unverified(&e), "iteration bomb: {e}");
    Ok(())
}

#[tokio::test]
async fn a_forged_stanza_id_claim_cannot_make_a_real_message_a_duplicate() -> Result<()> {
    let w = World::new()?;
    let mut laptop = w.laptop().await?;
    let bob = w.bob().await?;
    let (alice, bob_jid) = (w.jid("alice"), w.jid("bob"));
    bob.session.send(alice.clone(), "first".into()).await?;
    laptop.expect_message("first").await?;
    let first = laptop.store.history(&laptop.account, &bob_jid).await?;
    let real_id = first[0]
        .keys
        .stanza_id
        .clone()
        .ok_or_else(|| anyhow!("our server stamped no id"))?;
    // bob learned (or guessed) that id and claims it for his next message, in our name.
    let claim = Element::builder("stanza-id", "urn:xmpp:sid:0")
        .attr(name("by"), alice.to_string())
        .attr(name("id"), real_id.clone())
        .build();
    bob.session
        .send_raw(raw_message(&alice, "second", vec![claim]))
        .await?;
    laptop.expect_message("second").await?;
    let stored = laptop.store.history(&laptop.account, &bob_jid).await?;
    assert_eq!(
        stored.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(),
        ["first", "second"]
    );
    assert_eq!(
        stored[1].keys.stanza_id, None,
        "neither of two claims is trusted"
    );
    // A device catching up from the archive stores both, once.
    let tablet = w
        .device("alice", "tablet", DeviceType::Tablet, true)
        .await?;
    assert_eq!(tablet.bodies(&bob_jid).await?, ["first", "second"]);
    Ok(())
}

#[tokio::test]
async fn markers_name_the_message_s_own_id_never_our_archive_s() -> Result<()> {
    let w = World::new()?;
    let laptop = w.laptop().await?;
    // bob's device, behind a relay that records what bob receives.
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let record = seen.clone();
    let relay = Relay::start(&w.lab, move || {
        let record = record.clone();
        RewriteServer(move |el: &str| {
            if el.contains("urn:xmpp:chat-markers:0") {
                if let Ok(mut r) = record.lock() {
                    r.push(el.to_owned());
                }
            }
            el.to_owned()
        })
    })
    .await?;
    let mut config = w.config("bob", "pc", DeviceType::Desktop, true);
    config.connect.server = Some(relay.addr().to_string());
    let store = Arc::new(SqliteStore::open(&w.dir.path().join("bob.db")).await?);
    let (bob, _events) = Session::start(config, store).await?;
    let mut laptop = laptop;
    bob.send_raw(raw_message(
        &w.jid("alice"),
        "mark me",
        vec![Element::builder("markable", "urn:xmpp:chat-markers:0").build()],
    ))
    .await?;
    laptop.expect_message("mark me").await?;
    laptop.session.read(w.jid("bob")).await?;
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let marker = loop {
        if let Some(m) = seen
            .lock()
            .ok()
            .and_then(|s| s.iter().find(|e| e.contains("<displayed")).cloned())
        {
            break m;
        }
        if tokio::time::Instant::now() > deadline {
            return Err(anyhow!("bob got no displayed marker"));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        marker.contains("raw-mark me"),
        "the marker names bob's own id: {marker}"
    );
    let archive_id = laptop.store.history(&laptop.account, &w.jid("bob")).await?[0]
        .keys
        .stanza_id
        .clone();
    if let Some(archive_id) = archive_id {
        assert!(
            !marker.contains(&archive_id),
            "our archive's id never leaves: {marker}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn a_contact_s_timestamps_cannot_hide_later_messages_or_pin_one_to_the_top() -> Result<()> {
    let w = World::new()?;
    let mut laptop = w.laptop().await?;
    let bob = w.bob().await?;
    let (alice, bob_jid) = (w.jid("alice"), w.jid("bob"));
    let stamp = |s: &str| {
        Element::builder("delay", "urn:xmpp:delay")
            .attr(name("stamp"), s)
            .build()
    };
    bob.session.send(alice.clone(), "now".into()).await?;
    laptop.expect_message("now").await?;
    bob.session
        .send_raw(raw_message(
            &alice,
            "from 2099",
            vec![stamp("2099-01-01T00:00:00Z")],
        ))
        .await?;
    let m = laptop.expect_message("from 2099").await?;
    assert!(m.timestamp <= chrono::Utc::now(), "stamped {}", m.timestamp);
    bob.session
        .send_raw(raw_message(
            &alice,
            "from 1970",
            vec![stamp("1970-01-01T00:00:00Z")],
        ))
        .await?;
    laptop.expect_message("from 1970").await?;
    assert_eq!(
        laptop.bodies(&bob_jid).await?,
        ["now", "from 2099", "from 1970"]
    );
    // Reading the conversation does not swallow what comes next.
    laptop.session.read(bob_jid.clone()).await?;
    bob.session.send(alice, "next".into()).await?;
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let mut next_id = None;
    loop {
        match tokio::time::timeout_at(deadline, laptop.events.recv()).await {
            Ok(Some(Event::Message(m))) if m.body == "next" => next_id = Some(m.id),
            Ok(Some(Event::Notification {
                message_id,
                decision,
                ..
            })) if Some(message_id) == next_id => {
                assert_eq!(decision, Decision::Notify, "the next message notifies");
                return Ok(());
            }
            Ok(Some(_)) => {}
            _ => return Err(anyhow!("no decision for the next message")),
        }
    }
}
