//! The view model: what the window shows and whether it has focus, the conversations and
//! messages it displays, and the user's actions in it.

use std::time::Instant;

use jid::BareJid;
use tandem_core::counters::Counters;
use tandem_core::event::MessageView;
use tandem_core::model::{MessageId, Show};
use tandem_core::status::DeviceStatus;
use tandem_core::store::Store;

use crate::account::parse_contact;
use crate::session::Running;
use crate::{
    links, lock, App, AppError, ConversationSummary, Result, MAX_BODY, MAX_PAGE, PRESENCE_REFRESH,
};

/// What the window shows and whether it has focus.
#[derive(Debug)]
pub(crate) struct Ui {
    pub(crate) focused: bool,
    pub(crate) open: Option<BareJid>,
    pub(crate) last_refresh: Option<Instant>,
}

impl App {
    /// Conversations (chats and rooms), newest first, with unread and mention counts.
    pub async fn conversations(&self) -> Result<Vec<ConversationSummary>> {
        let running = self.require().await?;
        let list = running
            .store
            .conversations(&running.account)
            .await?
            .into_iter()
            .map(|c| ConversationSummary {
                peer: c.peer.to_string(),
                last: MessageView::from(&c.last),
                unread: u32::try_from(c.unread).unwrap_or(u32::MAX),
                room: c.room,
                mentions: u32::try_from(c.mentions).unwrap_or(u32::MAX),
            })
            .collect();
        Ok(list)
    }

    /// Up to `limit` messages before `before` (the newest when `None`), oldest first.
    pub async fn history(
        &self,
        peer: &str,
        before: Option<MessageId>,
        limit: u32,
    ) -> Result<Vec<MessageView>> {
        let peer = parse_contact(peer)?;
        let running = self.require().await?;
        let page = running
            .store
            .history_page(&running.account, &peer, before, limit.clamp(1, MAX_PAGE))
            .await?;
        Ok(page.iter().map(MessageView::from).collect())
    }

    /// Sends a message (to a room, when `peer` is one of our joined rooms); returns it as
    /// stored.
    pub async fn send(&self, peer: &str, body: String) -> Result<MessageView> {
        let peer = parse_contact(peer)?;
        if body.trim().is_empty() {
            return Err(AppError::invalid("the message is empty"));
        }
        if body.len() > MAX_BODY {
            return Err(AppError::invalid(format!(
                "the message is too long ({} KiB; at most {} KiB)",
                body.len() / 1024,
                MAX_BODY / 1024
            )));
        }
        let running = self.require().await?;
        self.touch_ui();
        let stored = running.session.send(peer, body).await?;
        Ok(MessageView::from(&stored))
    }

    /// Corrects a message of ours (`Some(body)`) or retracts it (`None`) on every device and
    /// for the contact or the room; returns it as it now reads.
    pub async fn edit(
        &self,
        peer: &str,
        id: MessageId,
        body: Option<String>,
    ) -> Result<MessageView> {
        let peer = parse_contact(peer)?;
        if let Some(body) = &body {
            if body.trim().is_empty() {
                return Err(AppError::invalid(
                    "the correction is empty (delete the message instead)",
                ));
            }
            if body.len() > MAX_BODY {
                return Err(AppError::invalid(format!(
                    "the correction is too long ({} KiB; at most {} KiB)",
                    body.len() / 1024,
                    MAX_BODY / 1024
                )));
            }
        }
        let running = self.require().await?;
        self.touch_ui();
        let stored = match body {
            Some(body) => running.session.correct(peer, id, body).await?,
            None => running.session.retract(peer, id).await?,
        };
        Ok(MessageView::from(&stored))
    }

    /// The conversation on screen (`None`: none). While the window has focus it is read,
    /// now and as messages arrive.
    pub async fn open(&self, peer: Option<&str>) -> Result<()> {
        let peer = peer.map(parse_contact).transpose()?;
        let focused = {
            let mut ui = self.lock_ui();
            ui.open.clone_from(&peer);
            ui.focused
        };
        if let Some(running) = self.current().await {
            self.apply_view(&running, focused, peer).await?;
        }
        Ok(())
    }

    /// Every device of the account, this one included, with its state.
    pub async fn devices(&self) -> Result<Vec<DeviceStatus>> {
        let running = self.require().await?;
        Ok(running.session.devices().await?)
    }

    /// This device's counters now.
    pub async fn counters(&self) -> Result<Counters> {
        let running = self.require().await?;
        Ok(running.session.counters().await?)
    }

    /// The user typed, scrolled or clicked in the window: this device is in use.
    pub async fn activity(&self) -> Result<()> {
        let Some(running) = self.current().await else {
            return Ok(());
        };
        let refresh = {
            let mut ui = self.lock_ui();
            let due = ui
                .last_refresh
                .is_none_or(|at| at.elapsed() >= PRESENCE_REFRESH);
            if due {
                ui.last_refresh = Some(Instant::now());
            }
            due
        };
        if refresh {
            running.session.presence(Show::Available).await?;
        }
        Ok(())
    }

    /// Checks a link from a message before the shell opens it in the browser.
    pub fn external_link(&self, url: &str) -> Result<String> {
        links::external_link(url).map(|u| u.to_string())
    }

    /// The window gained or lost focus (or was minimised, hidden, suspended). Applied once
    /// it has lasted [`FOCUS_DEBOUNCE`](crate::FOCUS_DEBOUNCE).
    pub fn window_focus(&self, focused: bool) {
        self.focus.set(focused);
    }

    pub(crate) fn lock_ui(&self) -> std::sync::MutexGuard<'_, Ui> {
        lock(&self.ui)
    }

    pub(crate) fn touch_ui(&self) {
        self.lock_ui().last_refresh = Some(Instant::now());
    }

    /// Tells the engine what is on screen; reads it when the window has focus.
    pub(crate) async fn apply_view(
        &self,
        running: &Running,
        focused: bool,
        open: Option<BareJid>,
    ) -> Result<()> {
        let viewing = open.filter(|_| focused);
        running.session.viewing(viewing.clone()).await?;
        if let Some(peer) = viewing {
            // Its `read` event withdraws a notification shown for it (see the pump).
            running.session.read(peer).await?;
        }
        Ok(())
    }

    /// Applies a debounced focus change.
    pub(crate) async fn apply_focus(&self, focused: bool) {
        let open = {
            let mut ui = self.lock_ui();
            ui.focused = focused;
            ui.open.clone()
        };
        let Some(running) = self.current().await else {
            return;
        };
        let result = async {
            if focused {
                running.session.foreground().await?;
                self.apply_view(&running, true, open).await
            } else {
                self.apply_view(&running, false, open).await?;
                running.session.background().await.map_err(AppError::from)
            }
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, focused, "could not apply the window's focus");
        }
    }
}
