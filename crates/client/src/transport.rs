//! A transport that can put a whole top-level element between stanzas.
//!
//! tokio-xmpp 6 sends only stanzas and its own stream-management nonzas; it has no way to send
//! XEP-0352 `<inactive/>` and `<active/>`. This wrapper sits between tokio-xmpp's XML stream
//! and the TLS stream. It follows the XML it writes well enough to know when the writer is
//! between two top-level elements, and only then writes queued raw elements. Because
//! tokio-xmpp polls its read side whenever it is idle, queued elements are also written from
//! the read path, so they go out without waiting for the next stanza.

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use tokio::io::{AsyncBufRead, AsyncRead, AsyncWrite, ReadBuf};

/// Queues whole elements for the current connection. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Injector {
    shared: Arc<Mutex<Shared>>,
}

#[derive(Debug, Default)]
struct Shared {
    /// Raw bytes of whole elements waiting for a boundary.
    pending: VecDeque<u8>,
    /// Wakes the connection's reader so that it writes `pending`.
    reader: Option<Waker>,
    /// Bumped for every new connection: elements queued for an old one are dropped.
    generation: u64,
}

impl Injector {
    /// A fresh injector (one per session).
    pub fn new() -> Self {
        Self::default()
    }

    /// Queues `element` (one complete, serialised top-level element) for the current
    /// connection. Returns false when there is no connection to write it to.
    pub fn inject(&self, element: &str) -> bool {
        let Ok(mut shared) = self.shared.lock() else {
            return false;
        };
        if shared.generation == 0 {
            return false;
        }
        shared.pending.extend(element.as_bytes());
        if let Some(w) = shared.reader.take() {
            w.wake();
        }
        true
    }

    /// Wraps a new connection's stream; queued elements of earlier connections are dropped.
    pub fn wrap<S>(&self, inner: S) -> Transport<S> {
        let generation = match self.shared.lock() {
            Ok(mut shared) => {
                shared.pending.clear();
                shared.reader = None;
                shared.generation += 1;
                shared.generation
            }
            Err(_) => 0,
        };
        Transport {
            inner,
            shared: self.shared.clone(),
            generation,
            scan: Scanner::default(),
            writing: Vec::new(),
        }
    }
}

/// The wrapped stream (see the module documentation).
#[derive(Debug)]
pub struct Transport<S> {
    inner: S,
    shared: Arc<Mutex<Shared>>,
    generation: u64,
    scan: Scanner,
    /// Injected bytes taken from the queue and not yet fully written.
    writing: Vec<u8>,
}

impl<S: AsyncWrite + Unpin> Transport<S> {
    /// The reader is polled whenever the stream is idle: a good moment to write. Remembers
    /// the reader's waker so that [`Injector::inject`] can wake it.
    fn poll_read_side_inject(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Ok(mut shared) = self.shared.lock() {
            if shared.generation == self.generation {
                shared.reader = Some(cx.waker().clone());
            }
        }
        self.poll_inject(cx)
    }

    /// Writes queued elements if the writer is between top-level elements.
    /// Ready(Ok) means nothing is left to write for now.
    fn poll_inject(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.writing.is_empty() {
            if !self.scan.at_boundary() {
                return Poll::Ready(Ok(()));
            }
            let Ok(mut shared) = self.shared.lock() else {
                return Poll::Ready(Ok(()));
            };
            if shared.generation != self.generation || shared.pending.is_empty() {
                return Poll::Ready(Ok(()));
            }
            self.writing = shared.pending.drain(..).collect();
        }
        while !self.writing.is_empty() {
            match Pin::new(&mut self.inner).poll_write(cx, &self.writing) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => {
                    self.writing.drain(..n);
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for Transport<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Poll::Ready(Err(e)) = this.poll_read_side_inject(cx) {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncBufRead + AsyncWrite + Unpin> AsyncBufRead for Transport<S> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.get_mut();
        if let Poll::Ready(Err(e)) = this.poll_read_side_inject(cx) {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut this.inner).poll_fill_buf(cx)
    }

    fn consume(mut self: Pin<&mut Self>, amt: usize) {
        Pin::new(&mut self.inner).consume(amt)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Transport<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.poll_inject(cx) {
            Poll::Ready(Ok(())) => {}
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Pending => return Poll::Pending,
        }
        let this = &mut *self;
        // With an element waiting, write only up to the next boundary so that it goes out
        // at the first moment it may.
        let waiting = this
            .shared
            .lock()
            .map(|s| s.generation == this.generation && !s.pending.is_empty())
            .unwrap_or(false);
        let buf = if waiting {
            &buf[..this.scan.clone().next_boundary(buf).unwrap_or(buf.len())]
        } else {
            buf
        };
        match Pin::new(&mut this.inner).poll_write(cx, buf) {
            Poll::Ready(Ok(n)) => {
                this.scan.feed(&buf[..n]);
                Poll::Ready(Ok(n))
            }
            other => other,
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.poll_inject(cx) {
            Poll::Ready(Ok(())) => {}
            other => return other,
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Follows an XMPP stream's XML just enough to tell when it is between two children of
/// `<stream:stream>`. No comments, CDATA or DOCTYPE (XMPP forbids them); `<?xml ...?>` is
/// handled. Text never contains a raw `<`; attribute values may contain `>`. Public for the
/// tests' stream relay, which cuts a server's stream into whole top-level elements.
#[derive(Debug, Default, Clone)]
pub struct Scanner {
    depth: u32,
    state: ScanState,
}

#[derive(Debug, Default, Clone)]
enum ScanState {
    #[default]
    Text,
    /// Just read `<`.
    Open,
    /// Inside a tag: closing (`</`), its name so far, quote in effect, last byte was `/`.
    Tag {
        closing: bool,
        name: Vec<u8>,
        name_done: bool,
        quote: Option<u8>,
        slash: bool,
    },
    /// Inside `<?...?>`; true when the last byte was `?`.
    Pi(bool),
}

impl Scanner {
    /// Between two top-level elements (just after the stream header or a whole child).
    pub fn at_boundary(&self) -> bool {
        self.depth == 1 && matches!(self.state, ScanState::Text)
    }

    /// How many bytes of `bytes` lead to the first boundary, if one is reached.
    fn next_boundary(mut self, bytes: &[u8]) -> Option<usize> {
        for (i, b) in bytes.iter().enumerate() {
            self.feed(std::slice::from_ref(b));
            if self.at_boundary() {
                return Some(i + 1);
            }
        }
        None
    }

    /// Follows `bytes` of the stream.
    pub fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.state = match std::mem::take(&mut self.state) {
                ScanState::Text if b == b'<' => ScanState::Open,
                ScanState::Text => ScanState::Text,
                ScanState::Open => match b {
                    b'?' => ScanState::Pi(false),
                    b'/' => ScanState::Tag {
                        closing: true,
                        name: Vec::new(),
                        name_done: false,
                        quote: None,
                        slash: false,
                    },
                    _ => ScanState::Tag {
                        closing: false,
                        name: vec![b],
                        name_done: false,
                        quote: None,
                        slash: false,
                    },
                },
                ScanState::Pi(question) => {
                    if question && b == b'>' {
                        ScanState::Text
                    } else {
                        ScanState::Pi(b == b'?')
                    }
                }
                ScanState::Tag {
                    closing,
                    mut name,
                    mut name_done,
                    quote,
                    slash,
                } => match quote {
                    Some(q) => ScanState::Tag {
                        closing,
                        name,
                        name_done,
                        quote: (b != q).then_some(q),
                        slash: false,
                    },
                    None if b == b'\'' || b == b'"' => ScanState::Tag {
                        closing,
                        name,
                        name_done: true,
                        quote: Some(b),
                        slash: false,
                    },
                    None if b == b'>' => {
                        self.close_tag(closing, &name, slash);
                        ScanState::Text
                    }
                    None => {
                        if b.is_ascii_whitespace() || b == b'/' {
                            name_done = true;
                        } else if !name_done {
                            name.push(b);
                        }
                        ScanState::Tag {
                            closing,
                            name,
                            name_done,
                            quote: None,
                            slash: b == b'/',
                        }
                    }
                },
            };
        }
    }

    fn close_tag(&mut self, closing: bool, name: &[u8], self_closing: bool) {
        let is_stream =
            name == b"stream:stream" || name.ends_with(b":stream") && name.starts_with(b"stream");
        if closing {
            self.depth = if is_stream {
                0
            } else {
                self.depth.saturating_sub(1)
            };
        } else if is_stream {
            // A stream header (also the one after authentication) starts a fresh level 1.
            self.depth = 1;
        } else if !self_closing {
            self.depth += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufStream};

    use super::*;

    fn boundaries(xml: &str) -> Vec<usize> {
        let mut s = Scanner::default();
        let mut at = Vec::new();
        for (i, b) in xml.bytes().enumerate() {
            s.feed(&[b]);
            if s.at_boundary() {
                at.push(i + 1);
            }
        }
        at
    }

    #[test]
    fn boundaries_are_between_top_level_elements_only() {
        let head = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' to='a'>";
        let msg =
            "<message to='b' id=\"x>y\"><body>1 > 0 &amp; 2</body><markable xmlns='m'/></message>";
        let xml = format!("{head}{msg}<r xmlns='urn:xmpp:sm:3'/>");
        let b = boundaries(&xml);
        assert_eq!(b.first(), Some(&head.len()), "after the header");
        assert!(b.contains(&(head.len() + msg.len())), "after the message");
        assert_eq!(b.last(), Some(&xml.len()), "after the nonza");
        // Never inside the message.
        assert!(!b
            .iter()
            .any(|&i| i > head.len() && i < head.len() + msg.len()));
    }

    #[test]
    fn a_new_stream_header_after_authentication_restarts_at_level_one() {
        let xml = "<stream:stream to='a'><auth xmlns='s'>x</auth><stream:stream to='a'>";
        assert_eq!(boundaries(xml).last(), Some(&xml.len()));
    }

    #[tokio::test]
    async fn injected_elements_go_out_whole_and_between_stanzas() {
        let (client, mut server) = tokio::io::duplex(4096);
        let injector = Injector::new();
        let mut t = injector.wrap(BufStream::new(client));
        t.write_all(b"<stream:stream to='a'><message><body>one</body>")
            .await
            .expect("write");
        assert!(injector.inject("<inactive xmlns='urn:xmpp:csi:0'/>"));
        t.write_all(b"</message><message><body>two</body></message>")
            .await
            .expect("write");
        t.flush().await.expect("flush");
        drop(t);
        let mut out = String::new();
        server.read_to_string(&mut out).await.expect("read");
        assert_eq!(
            out,
            "<stream:stream to='a'><message><body>one</body></message>\
             <inactive xmlns='urn:xmpp:csi:0'/><message><body>two</body></message>"
        );
    }

    #[tokio::test]
    async fn an_idle_stream_writes_injections_from_its_read_side() {
        let (client, mut server) = tokio::io::duplex(256);
        let injector = Injector::new();
        let mut t = injector.wrap(BufStream::new(client));
        t.write_all(b"<stream:stream to='a'>").await.expect("write");
        t.flush().await.expect("flush");
        let reader = tokio::spawn(async move {
            let read = t.fill_buf().await.expect("read").to_vec();
            (t, read)
        });
        tokio::task::yield_now().await;
        assert!(injector.inject("<active xmlns='urn:xmpp:csi:0'/>"));
        let mut got = vec![0u8; "<stream:stream to='a'><active xmlns='urn:xmpp:csi:0'/>".len()];
        server.read_exact(&mut got).await.expect("server read");
        assert!(String::from_utf8_lossy(&got).ends_with("<active xmlns='urn:xmpp:csi:0'/>"));
        server.write_all(b"ok").await.expect("server write");
        let (_t, read) = reader.await.expect("join");
        assert_eq!(read, b"ok");
    }

    #[test]
    fn nothing_is_queued_without_a_connection() {
        assert!(!Injector::new().inject("<active xmlns='urn:xmpp:csi:0'/>"));
    }
}
