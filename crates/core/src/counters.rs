//! Per-device counters, named after the admin guide's multi-device statistics.
//!
//! The session updates them as things happen; front ends show them (`tandem counters`,
//! the `counters` event). Pure data: no clock, durations are passed in.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What this device has seen since its session started.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Counters {
    /// Our account's devices online now, this one included (MDMSessions).
    #[serde(rename = "MDMSessions")]
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub sessions: u64,
    /// Times this device entered quiet mode (MDMQuietModeSessions).
    #[serde(rename = "MDMQuietModeSessions")]
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub quiet_mode_sessions: u64,
    /// Milliseconds spent in quiet mode, the current stretch included.
    #[serde(rename = "MDMQuietModeMillis")]
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub quiet_mode_millis: u64,
    /// Buffer flushes seen on becoming active: the server released what it held back
    /// (MDMBufferFlushes).
    #[serde(rename = "MDMBufferFlushes")]
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub buffer_flushes: u64,
    /// Stanzas the server had held back while this device was inactive
    /// (MDMBufferFlushPacketCount).
    #[serde(rename = "MDMBufferFlushPacketCount")]
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub buffer_flush_packets: u64,
    /// Average time those stanzas were held, in milliseconds, from their delay stamps
    /// (MDMBufferAvgQueuedTime).
    #[serde(rename = "MDMBufferAvgQueuedTime")]
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub buffer_avg_queued_millis: u64,
    /// Carbon copies of messages our other devices received.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub carbons_received: u64,
    /// Carbon copies of messages our other devices sent.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub carbons_sent: u64,
    /// Notifications shown on this device.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub notifications_shown: u64,
    /// Notifications not shown, by reason (`active_elsewhere`, `own_message`, ...).
    #[cfg_attr(feature = "ts", ts(type = "{ [key in string]?: number }"))]
    pub notifications_suppressed: BTreeMap<String, u64>,
    /// Copies of messages already stored, dropped.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub duplicates_dropped: u64,
    #[serde(skip)]
    queued_total_millis: u64,
}

impl Counters {
    /// Records one stanza the server held back for `held_millis`.
    pub fn held_stanza(&mut self, held_millis: u64) {
        self.buffer_flush_packets += 1;
        self.queued_total_millis = self.queued_total_millis.saturating_add(held_millis);
        self.buffer_avg_queued_millis = self.queued_total_millis / self.buffer_flush_packets;
    }

    /// Records a notification decision by its text form (`notify` or a silent reason).
    pub fn decision(&mut self, notified: bool, reason: &str) {
        if notified {
            self.notifications_shown += 1;
        } else {
            *self
                .notifications_suppressed
                .entry(reason.to_owned())
                .or_default() += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_average_queued_time_covers_every_held_stanza() {
        let mut c = Counters::default();
        c.held_stanza(100);
        c.held_stanza(300);
        assert_eq!(c.buffer_flush_packets, 2);
        assert_eq!(c.buffer_avg_queued_millis, 200);
    }

    #[test]
    fn suppressed_notifications_are_counted_by_reason() {
        let mut c = Counters::default();
        c.decision(true, "notify");
        c.decision(false, "active_elsewhere");
        c.decision(false, "active_elsewhere");
        c.decision(false, "own_message");
        assert_eq!(c.notifications_shown, 1);
        assert_eq!(c.notifications_suppressed["active_elsewhere"], 2);
        assert_eq!(c.notifications_suppressed["own_message"], 1);
    }
}
