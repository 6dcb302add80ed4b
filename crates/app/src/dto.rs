//! What crosses the IPC boundary besides the engine's own events: the sign-in form, the
//! signed-in identity, conversation summaries and settings. TypeScript declarations are
//! generated from these types (see [`crate::bindings`]).

use serde::{Deserialize, Serialize};
use tandem_core::event::MessageView;
use tandem_core::model::DeviceType;

/// The sign-in form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct SignIn {
    /// The account, `user@domain`.
    pub jid: String,
    /// Its password.
    pub password: String,
    /// `HOST:PORT` to connect to instead of the domain (advanced).
    pub server: Option<String>,
    /// A PEM file with an extra CA to trust (advanced).
    pub ca_file: Option<String>,
    /// The type of this device, shown to the account's other devices.
    pub device: DeviceType,
}

/// The account saved on this device, to prefill the sign-in form (never the password).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct SavedAccount {
    /// The account.
    pub jid: String,
    /// `HOST:PORT`, when set.
    pub server: Option<String>,
    /// The extra CA file, when set.
    pub ca_file: Option<String>,
    /// This device's type.
    pub device: DeviceType,
}

/// Who is signed in, on which device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Me {
    /// The account's bare JID.
    pub account: String,
    /// This device's full JID.
    pub jid: String,
    /// This device's resource (its name among the account's devices).
    pub resource: String,
    /// This device's type.
    pub device: DeviceType,
}

/// One line of the conversation list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ConversationSummary {
    /// The contact's bare JID.
    pub peer: String,
    /// The newest message.
    pub last: MessageView,
    /// Incoming messages not yet read.
    pub unread: u32,
}

/// The settings a user can change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct AppSettings {
    /// Multi-device messaging (XEP-0280 carbons) on or off.
    pub multi_device: bool,
    /// How long a device stays the active one after its last Available presence or message.
    pub active_window_secs: u32,
    /// Desktop notifications on or off.
    pub notifications: bool,
    /// This device's type.
    pub device: DeviceType,
}
