//! The session's settings, each with its one default, and their builder.

use std::time::Duration;

use jid::BareJid;
use tandem_core::activity::ActiveWindow;
use tandem_core::model::DeviceType;

use crate::connect::ConnectConfig;

/// What a session needs to know.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// Login details.
    pub connect: ConnectConfig,
    /// Multi-device messaging (XEP-0280 carbons) on or off.
    pub carbons: bool,
    /// The type of device this profile runs on, advertised in disco#info.
    pub device: DeviceType,
    /// How long a sent message may wait for the server's acknowledgement.
    pub ack_timeout: Duration,
    /// How long a device stays the active one after its last Available presence or message.
    pub active_window: ActiveWindow,
}

impl SessionConfig {
    /// A session for `jid/resource` with `password`, and every other setting at its one
    /// default: the domain's server, the system roots, an 8 s login timeout, carbons on, a
    /// desktop device, 10 s for the server's acknowledgement, the five-minute window.
    pub fn new(jid: BareJid, resource: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            connect: ConnectConfig {
                jid,
                resource: resource.into(),
                password: password.into(),
                server: None,
                ca_file: None,
                timeout: Duration::from_secs(8),
            },
            carbons: true,
            device: DeviceType::Desktop,
            ack_timeout: Duration::from_secs(10),
            active_window: ActiveWindow::DEFAULT,
        }
    }

    /// Connect to `HOST:PORT` instead of the domain.
    pub fn server(mut self, addr: Option<String>) -> Self {
        self.connect.server = addr;
        self
    }

    /// Trust this CA (PEM) besides the system roots.
    pub fn ca_file(mut self, path: Option<std::path::PathBuf>) -> Self {
        self.connect.ca_file = path;
        self
    }

    /// Multi-device messaging (carbons) on or off.
    pub fn carbons(mut self, on: bool) -> Self {
        self.carbons = on;
        self
    }

    /// The type of device this is.
    pub fn device(mut self, device: DeviceType) -> Self {
        self.device = device;
        self
    }

    /// How long a sent message may wait for the server's acknowledgement.
    pub fn ack_timeout(mut self, timeout: Duration) -> Self {
        self.ack_timeout = timeout;
        self
    }

    /// The active window.
    pub fn active_window(mut self, window: ActiveWindow) -> Self {
        self.active_window = window;
        self
    }
}
