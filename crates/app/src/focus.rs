//! Window focus to foreground/background, debounced: a change counts once it has lasted
//! the debounce time, so a focus flicker (a menu, a dialog, a quick Alt+Tab) sends nothing.

use std::future::Future;
use std::time::Duration;

use tokio::sync::watch;

#[derive(Debug)]
pub(crate) struct Debouncer {
    tx: watch::Sender<bool>,
}

impl Debouncer {
    /// Starts the debouncer (inside a tokio runtime), starting from "focused". `apply` is
    /// called with each lasting change; the debouncer ends when `apply` returns false or
    /// the debouncer is dropped.
    pub(crate) fn start<F, Fut>(delay: Duration, mut apply: F) -> Self
    where
        F: FnMut(bool) -> Fut + Send + 'static,
        Fut: Future<Output = bool> + Send,
    {
        let (tx, mut rx) = watch::channel(true);
        tokio::spawn(async move {
            let mut applied = true;
            loop {
                if rx.changed().await.is_err() {
                    return;
                }
                // Wait until the value has been stable for `delay`.
                loop {
                    match tokio::time::timeout(delay, rx.changed()).await {
                        Ok(Ok(())) => continue,
                        Ok(Err(_)) => return,
                        Err(_) => break,
                    }
                }
                let focused = *rx.borrow_and_update();
                if focused == applied {
                    continue;
                }
                if !apply(focused).await {
                    return;
                }
                applied = focused;
            }
        });
        Self { tx }
    }

    pub(crate) fn set(&self, focused: bool) {
        self.tx.send_replace(focused);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    fn recorder() -> (Arc<Mutex<Vec<bool>>>, Debouncer) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let d = Debouncer::start(Duration::from_millis(400), move |f| {
            let log = log.clone();
            async move {
                log.lock().expect("lock").push(f);
                true
            }
        });
        (seen, d)
    }

    async fn wait(ms: u64) {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_focus_flicker_sends_nothing() {
        let (seen, d) = recorder();
        d.set(false);
        wait(100).await;
        d.set(true);
        wait(1000).await;
        assert!(seen.lock().expect("lock").is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn a_lasting_change_is_applied_once_after_the_delay() {
        let (seen, d) = recorder();
        d.set(false);
        wait(300).await;
        assert!(seen.lock().expect("lock").is_empty(), "too early");
        d.set(false);
        wait(1000).await;
        assert_eq!(*seen.lock().expect("lock"), vec![false]);
        d.set(true);
        wait(1000).await;
        assert_eq!(*seen.lock().expect("lock"), vec![false, true]);
    }
}
