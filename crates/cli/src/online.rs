//! The commands that sign in: `send`, `sync` and `listen` (`join` and `leave` are in
//! [`crate::rooms`]).

use std::io::IsTerminal;

use anyhow::{anyhow, bail, Result};
use jid::{BareJid, Jid};
use tandem_client::profile::Profile;
use tandem_client::Session;
use tandem_core::activity::ActiveWindow;
use tandem_core::event::Event;
use tandem_core::model::{Direction, EditKind, MessageId, Show};
use tandem_core::room::RoomNotify;
use tandem_core::store::Store;
use tandem_store::SqliteStore;
use tokio::io::AsyncBufReadExt;

use crate::connect::{connect, parse_bare, parse_contact, save_counters, Connected};
use crate::output;
use crate::rooms::{self, parse_room};

/// What `send`, `correct` and `retract` put in a conversation.
#[derive(Debug, Clone)]
pub(crate) enum Outgoing {
    /// A new message.
    Text(String),
    /// A correction (`text`) or retraction (`None`) of a message of ours: the one `id`
    /// names, else our newest one in the conversation.
    Edit {
        id: Option<MessageId>,
        text: Option<String>,
    },
}

impl Outgoing {
    /// Refuses what can never be sent, before signing in.
    fn check(&self) -> Result<()> {
        match self {
            Outgoing::Text(t) if t.is_empty() => bail!("refusing to send an empty message"),
            Outgoing::Edit { text: Some(t), .. } if t.trim().is_empty() => {
                bail!("refusing an empty correction (retract the message instead)")
            }
            _ => Ok(()),
        }
    }

    /// Sends it on a signed-in session and prints what was done.
    pub(crate) async fn deliver(
        self,
        session: &Session,
        store: &SqliteStore,
        account: &BareJid,
        to: &Jid,
    ) -> Result<()> {
        match self {
            Outgoing::Text(text) => {
                let sent = session.send(to.clone(), text).await?;
                println!("sent to {to} (message {})", sent.id.0);
            }
            Outgoing::Edit { id, text } => {
                let to = to.to_bare();
                let id = match id {
                    Some(id) => id,
                    None => newest_of_ours(store, account, &to).await?,
                };
                let what = if text.is_some() {
                    "corrected"
                } else {
                    "retracted"
                };
                let edited = match text {
                    Some(text) => session.correct(to.clone(), id, text).await?,
                    None => session.retract(to.clone(), id).await?,
                };
                println!("{what} message {} in {to}", edited.id.0);
            }
        }
        Ok(())
    }
}

/// Our newest message in the conversation that was not retracted.
async fn newest_of_ours(
    store: &SqliteStore,
    account: &BareJid,
    peer: &BareJid,
) -> Result<MessageId> {
    let page = store.history_page(account, peer, None, 200).await?;
    page.iter()
        .rev()
        .find(|m| {
            m.direction == Direction::Out && m.edited.map(|e| e.kind) != Some(EditKind::Retracted)
        })
        .map(|m| m.id)
        .ok_or_else(|| anyhow!("no message of ours in {peer} to edit (give --id)"))
}

/// `tandem send JID TEXT`, `correct JID TEXT` and `retract JID`: to a contact, or to one
/// of our rooms once it is joined.
pub(crate) async fn send(
    profile: &Profile,
    to: &str,
    what: Outgoing,
    window: Option<ActiveWindow>,
) -> Result<()> {
    let to = parse_contact(to)?;
    what.check()?;
    if let Some(room) = rooms::room_for(profile, &to).await? {
        return rooms::send(profile, room, what, window).await;
    }
    let Connected {
        session,
        store,
        settings,
        _lock,
        ..
    } = connect(profile, window).await?;
    let result = what.deliver(&session, &store, &settings.jid, &to).await;
    save_counters(profile, &session).await;
    session.close().await;
    result
}

/// `tandem sync`: signs in, catches up from the archive, prints a summary.
pub(crate) async fn sync(profile: &Profile, window: Option<ActiveWindow>) -> Result<()> {
    let Connected {
        settings,
        store,
        session,
        mut events,
        _lock,
    } = connect(profile, window).await?;
    let progress = std::io::stderr().is_terminal();
    let mut new_messages = 0u64;
    let mut summary = None;
    while let Some(event) = events.recv().await {
        match event {
            // Every message event is a newly stored message: from the archive, or delivered
            // live while we were signing in (the server's offline store).
            Event::Message(_) => new_messages += 1,
            Event::CatchUp {
                stored,
                duplicates,
                pages,
                done,
            } => {
                if progress && !done {
                    eprint!("\rcatching up: {stored} messages from {pages} archive pages…");
                }
                if done {
                    if progress {
                        eprint!("\r\x1b[K");
                    }
                    summary = Some((stored, duplicates, pages));
                    break;
                }
            }
            Event::Error { message, .. } => {
                eprintln!("tandem: {}", output::terminal_safe(&message))
            }
            _ => {}
        }
    }
    save_counters(profile, &session).await;
    session.close().await;
    let (archived, duplicates, pages) =
        summary.ok_or_else(|| anyhow!("the session ended before catch-up finished"))?;
    let total = store.message_count(&settings.jid).await?;
    println!(
        "synced {}: {new_messages} new ({archived} from the archive), {duplicates} already stored, {pages} archive pages; {total} messages in total",
        settings.jid
    );
    Ok(())
}

/// The listen commands, for its usage line.
const LISTEN_COMMANDS: &str = "send <JID|ROOM> <TEXT>, correct <JID|ROOM> <MESSAGE> <TEXT>, retract <JID|ROOM> <MESSAGE>, read <JID>, view <JID>|-, join <ROOM> [NICK], leave <ROOM>, notify <ROOM> all|mentions|none, invite <ROOM> <JID>, rooms, foreground, background, presence <available|away|xa|dnd>, counters, quit";

/// `tandem listen`: stays online, prints events, takes commands on stdin.
pub(crate) async fn listen(
    profile: &Profile,
    json: bool,
    window: Option<ActiveWindow>,
) -> Result<()> {
    let Connected {
        settings,
        session,
        mut events,
        _lock,
        ..
    } = connect(profile, window).await?;
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    let printer = output::Printer::new(json, settings.jid.clone());
    // The session's own `connected` event is already queued: it is printed first.
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Some(event) => printer.event(&event),
                None => break,
            },
            line = lines.next_line() => match line {
                Ok(Some(line)) => {
                    let line = line.trim();
                    if line.is_empty() { continue; }
                    let (verb, rest) = line.split_once(' ').unwrap_or((line, ""));
                    match verb {
                        "quit" => break,
                        "send" => {
                            let Some((to, text)) = rest.trim().split_once(' ') else {
                                printer.error("usage: send <JID|ROOM> <TEXT>");
                                continue;
                            };
                            match parse_contact(to) {
                                Ok(to) => {
                                    if let Err(e) = session.send(to, text.to_owned()).await {
                                        printer.error(&e.to_string());
                                    }
                                }
                                Err(e) => printer.error(&format!("{e:#}")),
                            }
                        }
                        "correct" | "retract" => {
                            let usage = if verb == "correct" {
                                "usage: correct <JID|ROOM> <MESSAGE> <TEXT>"
                            } else {
                                "usage: retract <JID|ROOM> <MESSAGE>"
                            };
                            let mut parts = rest.trim().splitn(3, ' ');
                            let (Some(peer), Some(id)) = (parts.next(), parts.next()) else {
                                printer.error(usage);
                                continue;
                            };
                            let text = parts.next().map(str::to_owned);
                            let (Ok(peer), Ok(id)) = (parse_bare(peer), id.parse::<i64>()) else {
                                printer.error(usage);
                                continue;
                            };
                            let id = MessageId(id);
                            let result = match (verb, text) {
                                ("correct", Some(text)) => session.correct(peer, id, text).await,
                                ("retract", None) => session.retract(peer, id).await,
                                _ => {
                                    printer.error(usage);
                                    continue;
                                }
                            };
                            if let Err(e) = result {
                                printer.error(&e.to_string());
                            }
                        }
                        "read" => match parse_bare(rest.trim()) {
                            Ok(peer) => report(&printer, session.read(peer).await),
                            Err(e) => printer.error(&format!("{e:#}")),
                        },
                        "view" => match rest.trim() {
                            "-" => report(&printer, session.viewing(None).await),
                            peer => match parse_bare(peer) {
                                Ok(peer) => report(&printer, session.viewing(Some(peer)).await),
                                Err(e) => printer.error(&format!("{e:#}")),
                            },
                        },
                        "join" => {
                            // The nick is the rest of the line: it may have spaces.
                            let rest = rest.trim();
                            let (room, nick) = rest.split_once(' ').unwrap_or((rest, ""));
                            let nick = Some(nick.trim()).filter(|n| !n.is_empty()).map(str::to_owned);
                            match room {
                                "" => printer.error("usage: join <ROOM> [NICK]"),
                                room => match parse_room(room) {
                                    Ok(room) => report(&printer, session.join(room, nick, None).await),
                                    Err(e) => printer.error(&format!("{e:#}")),
                                },
                            }
                        }
                        "leave" => match parse_room(rest.trim()) {
                            Ok(room) => report(&printer, session.leave(room).await),
                            Err(e) => printer.error(&format!("{e:#}")),
                        },
                        "notify" => {
                            let words: Vec<&str> = rest.split_whitespace().collect();
                            match words.as_slice() {
                                [room, setting] => match (parse_room(room), RoomNotify::parse(setting)) {
                                    (Ok(room), Some(notify)) => {
                                        report(&printer, session.set_room_notify(room, notify).await)
                                    }
                                    (Err(e), _) => printer.error(&format!("{e:#}")),
                                    (_, None) => printer.error(&format!(
                                        "unknown setting {setting:?} (all, mentions, none)"
                                    )),
                                },
                                _ => printer.error("usage: notify <ROOM> all|mentions|none"),
                            }
                        }
                        "invite" => {
                            let words: Vec<&str> = rest.split_whitespace().collect();
                            match words.as_slice() {
                                [room, invitee] => match (parse_room(room), parse_bare(invitee)) {
                                    (Ok(room), Ok(invitee)) => {
                                        report(&printer, session.invite(room, invitee).await)
                                    }
                                    (Err(e), _) | (_, Err(e)) => printer.error(&format!("{e:#}")),
                                },
                                _ => printer.error("usage: invite <ROOM> <JID>"),
                            }
                        }
                        "rooms" => match session.rooms().await {
                            Ok(rooms) => printer.rooms(&rooms),
                            Err(e) => printer.error(&e.to_string()),
                        },
                        "foreground" => report(&printer, session.foreground().await),
                        "counters" => match session.counters().await {
                            Ok(c) => printer.event(&Event::Counters(c)),
                            Err(e) => printer.error(&e.to_string()),
                        },
                        "background" => report(&printer, session.background().await),
                        "presence" => match rest.trim() {
                            "available" => report(&printer, session.presence(Show::Available).await),
                            "away" => report(&printer, session.presence(Show::Away).await),
                            "xa" => report(&printer, session.presence(Show::Xa).await),
                            "dnd" => report(&printer, session.presence(Show::Dnd).await),
                            other => printer.error(&format!("unknown presence {other:?} (available, away, xa, dnd)")),
                        },
                        other => printer.error(&format!(
                            "unknown command {other:?} (try: {LISTEN_COMMANDS})"
                        )),
                    }
                }
                Ok(None) | Err(_) => break,
            },
        }
    }
    // Print what already arrived before leaving.
    while let Ok(event) = events.try_recv() {
        printer.event(&event);
    }
    save_counters(profile, &session).await;
    session.close().await;
    Ok(())
}

/// Prints a command's failure, if it failed.
pub(crate) fn report(printer: &output::Printer, result: Result<(), tandem_client::ClientError>) {
    if let Err(e) = result {
        printer.error(&e.to_string());
    }
}
