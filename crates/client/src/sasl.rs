//! Mutual SCRAM (RFC 5802) over an XMPP stream.
//!
//! tokio-xmpp 6's `client_login` returns on any `<success/>`, without checking the server's
//! signature, and derives the salted password with whatever iteration count the server
//! names. So a server (or anybody in the middle) that does not know the password could
//! accept us, and one that names two billion iterations could keep a core busy for minutes.
//! This module does the exchange itself with the `sasl` crate's SCRAM and adds what mutual
//! authentication needs:
//!
//! - the server's nonce must extend ours (RFC 5802 §5.1);
//! - the iteration count must lie in [`MIN_ITERATIONS`]..=[`MAX_ITERATIONS`];
//! - the key derivation runs on a blocking thread, so the login timeout bounds it;
//! - success counts only with a server signature (`v=`) that matches, in `<success/>` or in a
//!   final challenge (RFC 6120 §6.4.6 allows either).

use std::collections::BTreeSet;
use std::str::FromStr;

use futures::{SinkExt, StreamExt};
use sasl::client::mechanisms::Scram;
use sasl::client::Mechanism;
use sasl::common::scram::{Sha1, Sha256};
use sasl::common::{ChannelBinding, Credentials};
use tokio::io::{AsyncBufRead, AsyncWrite};
use tokio_xmpp::parsers::sasl::{Auth, Mechanism as XmppMechanism, Nonza, Response};
use tokio_xmpp::xmlstream::{InitiatingStream, ReadError, XmppStream, XmppStreamElement};

/// The fewest PBKDF2 iterations accepted (RFC 7677 recommends at least 4,096).
pub const MIN_ITERATIONS: u32 = 4_096;
/// The most PBKDF2 iterations accepted: beyond this a server only burns our CPU.
pub const MAX_ITERATIONS: u32 = 600_000;

/// Why SCRAM did not end in a mutually authenticated stream.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SaslError {
    /// The server offered neither SCRAM-SHA-256 nor SCRAM-SHA-1.
    #[error("no SCRAM mechanism offered")]
    NoMechanism,
    /// The server refused our proof: wrong password or unknown account.
    #[error("{0}")]
    Refused(String),
    /// The server broke the SCRAM rules or could not prove it knows the password.
    #[error("{0}")]
    Unverified(String),
    /// The stream failed during authentication.
    #[error("{0}")]
    Stream(String),
}

/// What the server said in its first message, once checked.
#[derive(Debug, PartialEq, Eq)]
struct ServerFirst {
    iterations: u32,
}

/// Checks the server-first-message against our nonce and the iteration bounds.
fn check_server_first(challenge: &[u8], client_nonce: &str) -> Result<ServerFirst, SaslError> {
    let text = std::str::from_utf8(challenge)
        .map_err(|_| SaslError::Unverified("SCRAM challenge is not UTF-8".into()))?;
    let attr = |key: &str| {
        text.split(',')
            .find_map(|part| part.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
    };
    let nonce =
        attr("r").ok_or_else(|| SaslError::Unverified("SCRAM challenge without a nonce".into()))?;
    if !nonce.starts_with(client_nonce) || nonce.len() == client_nonce.len() {
        return Err(SaslError::Unverified(
            "the server's SCRAM nonce does not extend ours".into(),
        ));
    }
    let iterations: u32 = attr("i").and_then(|i| i.parse().ok()).ok_or_else(|| {
        SaslError::Unverified("SCRAM challenge without an iteration count".into())
    })?;
    if !(MIN_ITERATIONS..=MAX_ITERATIONS).contains(&iterations) {
        return Err(SaslError::Unverified(format!(
            "the server asks for {iterations} SCRAM iterations (accepted: {MIN_ITERATIONS} to {MAX_ITERATIONS})"
        )));
    }
    Ok(ServerFirst { iterations })
}

/// The nonce in our client-first-message (`n,,n=USER,r=NONCE`).
fn client_nonce(initial: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(initial).ok()?;
    text.split(',')
        .find_map(|part| part.strip_prefix("r="))
        .map(str::to_owned)
}

type BoxedMechanism = Box<dyn Mechanism + Send>;

fn mechanism(offered: &BTreeSet<String>, creds: Credentials) -> Result<BoxedMechanism, SaslError> {
    let err = |e: sasl::client::MechanismError| SaslError::Stream(format!("SCRAM: {e:?}"));
    if offered.contains("SCRAM-SHA-256") {
        Ok(Box::new(
            Scram::<Sha256>::from_credentials(creds).map_err(err)?,
        ))
    } else if offered.contains("SCRAM-SHA-1") {
        Ok(Box::new(
            Scram::<Sha1>::from_credentials(creds).map_err(err)?,
        ))
    } else {
        Err(SaslError::NoMechanism)
    }
}

/// Where the exchange is.
enum Stage {
    /// `<auth/>` sent; waiting for the server-first-message.
    SentAuth,
    /// Our proof sent; waiting for the server's signature.
    SentProof,
    /// The server's signature checked (it came in a challenge); waiting for `<success/>`.
    Verified,
}

/// Authenticates with SCRAM-SHA-256 (or SCRAM-SHA-1) and returns the stream to restart.
/// Channel binding stays off: ejabberd rejects tokio-xmpp's tls-exporter binding.
pub async fn authenticate<S: AsyncBufRead + AsyncWrite + Unpin>(
    mut stream: XmppStream<S>,
    offered: &BTreeSet<String>,
    username: &str,
    password: &str,
) -> Result<InitiatingStream<S>, SaslError> {
    let creds = Credentials::default()
        .with_username(username)
        .with_password(password)
        .with_channel_binding(ChannelBinding::None);
    let mut mech = mechanism(offered, creds)?;
    let initial = mech.initial();
    let nonce = client_nonce(&initial)
        .ok_or_else(|| SaslError::Stream("SCRAM produced no client nonce".into()))?;
    let name = XmppMechanism::from_str(mech.name())
        .map_err(|e| SaslError::Stream(format!("SCRAM mechanism: {e}")))?;
    send(
        &mut stream,
        Nonza::Auth(Auth {
            mechanism: name,
            data: initial,
        }),
    )
    .await?;
    let mut stage = Stage::SentAuth;
    loop {
        let nonza = match stream.next().await {
            Some(Ok(element)) => match element.into_read_error() {
                Ok(XmppStreamElement::Sasl(nonza)) => nonza,
                Ok(other) => {
                    return Err(SaslError::Stream(format!(
                        "unexpected element during authentication: {other:?}"
                    )))
                }
                Err(e) => return Err(SaslError::Stream(e.to_string())),
            },
            Some(Err(ReadError::SoftTimeout | ReadError::Discarded { .. })) => continue,
            Some(Err(e)) => return Err(SaslError::Stream(e.to_string())),
            None => return Err(SaslError::Stream("server closed the stream".into())),
        };
        match (nonza, stage) {
            (Nonza::Challenge(challenge), Stage::SentAuth) => {
                check_server_first(&challenge.data, &nonce)?;
                // PBKDF2 is CPU work: off the runtime, so the login timeout still fires.
                let (back, proof) = tokio::task::spawn_blocking(move || {
                    let proof = mech.response(&challenge.data);
                    (mech, proof)
                })
                .await
                .map_err(|e| SaslError::Stream(format!("SCRAM computation: {e}")))?;
                mech = back;
                let proof =
                    proof.map_err(|e| SaslError::Unverified(format!("SCRAM challenge: {e:?}")))?;
                send(&mut stream, Nonza::Response(Response { data: proof })).await?;
                stage = Stage::SentProof;
            }
            (Nonza::Challenge(challenge), Stage::SentProof) => {
                verify(&mut mech, &challenge.data)?;
                send(&mut stream, Nonza::Response(Response { data: Vec::new() })).await?;
                stage = Stage::Verified;
            }
            (Nonza::Success(success), Stage::SentProof) => {
                verify(&mut mech, &success.data)?;
                return Ok(stream.initiate_reset());
            }
            (Nonza::Success(success), Stage::Verified) if success.data.is_empty() => {
                return Ok(stream.initiate_reset());
            }
            (Nonza::Success(_), Stage::SentAuth) => {
                return Err(SaslError::Unverified(
                    "the server claimed success before we proved anything".into(),
                ))
            }
            (Nonza::Failure(failure), _) => {
                return Err(SaslError::Refused(format!(
                    "{:?}",
                    failure.defined_condition
                )))
            }
            (other, _) => {
                return Err(SaslError::Unverified(format!(
                    "unexpected SASL element: {other:?}"
                )))
            }
        }
    }
}

fn verify(mech: &mut BoxedMechanism, server_final: &[u8]) -> Result<(), SaslError> {
    if server_final.is_empty() {
        return Err(SaslError::Unverified(
            "the server sent no SCRAM signature: it did not prove it knows the password".into(),
        ));
    }
    mech.success(server_final).map_err(|e| {
        SaslError::Unverified(format!(
            "the server's SCRAM signature is wrong ({e:?}): it does not know the password"
        ))
    })
}

async fn send<S: AsyncBufRead + AsyncWrite + Unpin>(
    stream: &mut XmppStream<S>,
    nonza: Nonza,
) -> Result<(), SaslError> {
    stream
        .send(&XmppStreamElement::Sasl(nonza))
        .await
        .map_err(|e| SaslError::Stream(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_nonce_must_extend_ours() {
        let ok = b"r=abcXYZ,s=c2FsdA==,i=4096";
        assert_eq!(
            check_server_first(ok, "abc"),
            Ok(ServerFirst { iterations: 4096 })
        );
        for bad in [
            &b"r=zzzXYZ,s=c2FsdA==,i=4096"[..],
            b"r=abc,s=c2FsdA==,i=4096",
            b"s=c2FsdA==,i=4096",
        ] {
            assert!(matches!(
                check_server_first(bad, "abc"),
                Err(SaslError::Unverified(_))
            ));
        }
    }

    #[test]
    fn iteration_count_is_bounded_both_ways() {
        for (i, ok) in [
            ("4096", true),
            ("10000", true),
            ("600000", true),
            ("4095", false),
            ("1", false),
            ("600001", false),
            ("2000000000", false),
            ("99999999999999", false),
            ("-1", false),
            ("x", false),
        ] {
            let challenge = format!("r=abcXYZ,s=c2FsdA==,i={i}");
            assert_eq!(
                check_server_first(challenge.as_bytes(), "abc").is_ok(),
                ok,
                "i={i}"
            );
        }
    }

    #[test]
    fn the_client_nonce_is_found_in_the_first_message() {
        assert_eq!(
            client_nonce(b"n,,n=alice,r=N0nce").as_deref(),
            Some("N0nce")
        );
        assert_eq!(client_nonce(b"n,,n=alice"), None);
    }
}
