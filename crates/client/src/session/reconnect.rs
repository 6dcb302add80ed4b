//! Reconnecting: the connector tokio-xmpp calls after a drop, and the guard that keeps a
//! connection that fails at once from reconnecting in a tight loop.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use crate::connect::{self, ConnectConfig, ConnectError};
use crate::transport::Injector;

/// The connector given to tokio-xmpp. Its first call hands over the stream of the first
/// login; after a drop it logs in again with backoff (1 s doubling to 30 s), reporting each
/// failure, until it succeeds or the session ends. It never drops the slot while the session
/// lives: tokio-xmpp 6 treats a dropped slot as a crash of its worker.
type Slot = oneshot::Sender<tokio_xmpp::stanzastream::Connection>;

pub(super) fn reconnector(
    cfg: ConnectConfig,
    tls: Arc<tokio_rustls::rustls::ClientConfig>,
    injector: Injector,
    first: tokio_xmpp::stanzastream::Connection,
    errors: mpsc::UnboundedSender<ConnectError>,
    shutdown: Arc<AtomicBool>,
) -> Box<dyn FnMut(Option<String>, Slot) + Send> {
    let mut first = Some(first);
    let mut storm = StormGuard::default();
    Box::new(move |_location, slot: Slot| {
        if let Some(conn) = first.take() {
            let _ = slot.send(conn);
            return;
        }
        let cfg = cfg.clone();
        let tls = tls.clone();
        let injector = injector.clone();
        let errors = errors.clone();
        let shutdown = shutdown.clone();
        let hold_off = storm.next(std::time::Instant::now());
        tokio::spawn(async move {
            if !hold_off.is_zero() {
                tracing::warn!(
                    ?hold_off,
                    "the connection keeps dropping; waiting before the next login"
                );
                tokio::time::sleep(hold_off).await;
            }
            let mut delay = Duration::from_secs(1);
            loop {
                if shutdown.load(Ordering::Relaxed) || slot.is_closed() {
                    // The session is over; nobody waits for this connection. Parking the
                    // slot (instead of dropping it) keeps tokio-xmpp's worker from panicking.
                    std::mem::forget(slot);
                    return;
                }
                match connect::login(&cfg, tls.clone(), &injector).await {
                    Ok(conn) => {
                        let _ = slot.send(conn);
                        return;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, ?delay, "reconnect failed; retrying");
                        let _ = errors.send(e);
                        tokio::time::sleep(delay).await;
                        delay = (delay * 2).min(Duration::from_secs(30));
                    }
                }
            }
        });
    })
}

/// Keeps a connection that fails as soon as it is up from reconnecting in a tight loop
/// (whatever makes it fail: a stanza we cannot read, a server that drops us). A drop within
/// [`StormGuard::QUICK`] of the previous one doubles the wait before the next login, from
/// one second up to thirty; a connection that lasted longer resets it.
#[derive(Debug, Default)]
struct StormGuard {
    last: Option<std::time::Instant>,
    wait: Duration,
}

impl StormGuard {
    const QUICK: Duration = Duration::from_secs(10);
    const MAX: Duration = Duration::from_secs(30);

    /// How long to wait before reconnecting after a drop at `now`.
    fn next(&mut self, now: std::time::Instant) -> Duration {
        let quick = self
            .last
            .is_some_and(|last| now.duration_since(last) < Self::QUICK);
        self.last = Some(now);
        self.wait = if quick {
            (self.wait * 2).clamp(Duration::from_secs(1), Self::MAX)
        } else {
            Duration::ZERO
        };
        self.wait
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::StormGuard;

    #[test]
    fn a_connection_that_keeps_dropping_backs_off_and_a_lasting_one_resets() {
        let mut guard = StormGuard::default();
        let t0 = Instant::now();
        let s = Duration::from_secs;
        assert_eq!(
            guard.next(t0),
            Duration::ZERO,
            "the first drop reconnects at once"
        );
        let waits: Vec<_> = (1..=7).map(|i| guard.next(t0 + s(i))).collect();
        assert_eq!(waits, [s(1), s(2), s(4), s(8), s(16), s(30), s(30)]);
        assert_eq!(
            guard.next(t0 + s(60)),
            Duration::ZERO,
            "a stream that lasted resets it"
        );
    }
}
