//! Which links from a message may leave the app.
//!
//! A body is data from the network: only `http` and `https` links with a host go to the
//! system browser, exactly as written (the UI shows that same target). `xmpp:` links are
//! handled inside the app (they open a conversation); every other scheme (`javascript:`,
//! `file:`, `data:`, custom handlers, ...) is refused.

use crate::error::{AppError, Result};

/// Longest link accepted; longer ones are not links a person clicks.
const MAX_LINK: usize = 4096;

/// Checks a link before it is handed to the system browser. Returns the URL to open.
pub fn external_link(url: &str) -> Result<url::Url> {
    if url.len() > MAX_LINK {
        return Err(AppError::invalid("the link is too long to open"));
    }
    if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(AppError::invalid(
            "the link contains spaces or control characters",
        ));
    }
    let parsed =
        url::Url::parse(url).map_err(|e| AppError::invalid(format!("not a valid link: {e}")))?;
    match parsed.scheme() {
        "http" | "https" if parsed.host_str().is_some_and(|h| !h.is_empty()) => Ok(parsed),
        "http" | "https" => Err(AppError::invalid("the link has no host")),
        "xmpp" => Err(AppError::invalid(
            "xmpp: links open a conversation in Tandem",
        )),
        other => Err(AppError::invalid(format!(
            "links with the scheme \"{other}:\" are not opened"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AppErrorKind;

    #[test]
    fn web_links_open_as_written() {
        for ok in [
            "https://example.org/a?b=c#d",
            "http://127.0.0.1:8080/",
            "HTTPS://Example.org",
        ] {
            assert!(external_link(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn every_other_scheme_is_refused() {
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "file:///etc/passwd",
            "xmpp:bob@example.org",
            "tauri://localhost",
            "vbscript:x",
            "https://",
            "https://exa mple.org",
            "java\tscript:alert(1)",
            "not a link",
            "",
        ] {
            let e = external_link(bad).expect_err(bad);
            assert_eq!(e.kind, AppErrorKind::InvalidInput, "{bad}");
        }
    }
}
