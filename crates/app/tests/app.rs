//! The app model against a real Prosody: what the desktop shell delegates to, without a window.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use jid::BareJid;
use tandem_app::{App, AppErrorKind, AppSettings, EventSink, Notice, Notifier, SignIn};
use tandem_core::event::Event;
use tandem_core::model::DeviceType;
use tandem_lab::Lab;

/// Records what the app asked the platform to show and withdraw.
#[derive(Default)]
struct Recorder {
    shown: Mutex<Vec<Notice>>,
    withdrawn: Mutex<Vec<BareJid>>,
}

impl Notifier for Recorder {
    fn show(&self, notice: Notice) {
        self.shown.lock().expect("lock").push(notice);
    }
    fn withdraw(&self, conversation: &BareJid) {
        self.withdrawn
            .lock()
            .expect("lock")
            .push(conversation.clone());
    }
}

struct Setup {
    lab: Lab,
    _dir: tempfile::TempDir,
    app: Arc<App>,
    notices: Arc<Recorder>,
    events: Arc<Mutex<Vec<Event>>>,
}

fn setup() -> Setup {
    let lab = Lab::start().expect("lab");
    lab.register("alice", "alice-pw").expect("alice");
    lab.register("bob", "bob-pw").expect("bob");
    let dir = tempfile::tempdir().expect("tempdir");
    let notices = Arc::new(Recorder::default());
    let events = Arc::new(Mutex::new(Vec::new()));
    let log = events.clone();
    let sink: EventSink = Arc::new(move |e| log.lock().expect("lock").push(e.clone()));
    let app = App::new(dir.path(), notices.clone(), sink).expect("app");
    Setup {
        lab,
        _dir: dir,
        app,
        notices,
        events,
    }
}

fn form(s: &Setup, user: &str, password: &str) -> SignIn {
    SignIn {
        jid: format!("{user}@{}", s.lab.domain()),
        password: password.into(),
        server: Some(s.lab.c2s_addr().to_string()),
        ca_file: Some(s.lab.ca_file().display().to_string()),
        device: DeviceType::Desktop,
    }
}

async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..100 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

/// A second device for bob, through the same app model (its own profile).
async fn bob(s: &Setup, dir: &std::path::Path) -> Arc<App> {
    let sink: EventSink = Arc::new(|_| {});
    let bob = App::new(dir, Arc::new(Recorder::default()), sink).expect("bob app");
    bob.sign_in(form(s, "bob", "bob-pw"))
        .await
        .expect("bob signs in");
    bob
}

#[tokio::test]
async fn a_wrong_password_is_an_auth_error_and_saves_nothing() {
    let s = setup();
    let e = s
        .app
        .sign_in(form(&s, "alice", "wrong"))
        .await
        .expect_err("wrong password");
    assert_eq!(e.kind, AppErrorKind::Auth, "{e:?}");
    assert!(s.app.saved_account().expect("read").is_none());
    let e = s.app.conversations().await.expect_err("not signed in");
    assert_eq!(e.kind, AppErrorKind::NotSignedIn);
}

#[tokio::test]
async fn sign_in_chat_and_restore_after_a_restart() {
    let s = setup();
    let me = s
        .app
        .sign_in(form(&s, "alice", "alice-pw"))
        .await
        .expect("sign in");
    assert_eq!(me.account, format!("alice@{}", s.lab.domain()));
    assert!(me.resource.starts_with("desktop-"), "{me:?}");
    let bob_dir = tempfile::tempdir().expect("tempdir");
    let bob = bob(&s, bob_dir.path()).await;

    // Bob writes; the window has focus and nothing is open: the app is the active device.
    bob.send(&me.account, "hello from bob".into())
        .await
        .expect("send");
    let peer = format!("bob@{}", s.lab.domain());
    eventually("the notification", || {
        !s.notices.shown.lock().expect("lock").is_empty()
    })
    .await;
    let shown = s.notices.shown.lock().expect("lock")[0].clone();
    assert_eq!(shown.body, "hello from bob");
    assert_eq!(shown.conversation.to_string(), peer);
    let list = s.app.conversations().await.expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!((list[0].peer.as_str(), list[0].unread), (peer.as_str(), 1));

    // Opening the conversation in the focused window reads it and withdraws the notification.
    s.app.open(Some(&peer)).await.expect("open");
    eventually("the conversation read", || {
        s.events
            .lock()
            .expect("lock")
            .iter()
            .any(|e| matches!(e, Event::Read { .. }))
    })
    .await;
    assert!(s
        .notices
        .withdrawn
        .lock()
        .expect("lock")
        .iter()
        .any(|c| c.to_string() == peer));
    assert_eq!(s.app.conversations().await.expect("list")[0].unread, 0);

    // Bob writes again while it is open: read at once, no notification.
    bob.send(&me.account, "still there?".into())
        .await
        .expect("send");
    eventually("the second message", || {
        s.events
            .lock()
            .expect("lock")
            .iter()
            .any(|e| matches!(e, Event::Message(m) if m.body == "still there?"))
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(s.notices.shown.lock().expect("lock").len(), 1);
    assert_eq!(s.app.conversations().await.expect("list")[0].unread, 0);

    // Sending, and paging history.
    let sent = s.app.send(&peer, "yes!".into()).await.expect("send");
    assert_eq!(sent.body, "yes!");
    let page = s.app.history(&peer, None, 2).await.expect("history");
    assert_eq!(
        page.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(),
        ["still there?", "yes!"]
    );
    let older = s
        .app
        .history(&peer, Some(page[0].id), 50)
        .await
        .expect("older");
    assert_eq!(older.len(), 1);
    assert!(
        s.app.send(&peer, "  ".into()).await.is_err(),
        "empty message"
    );

    // The devices view lists this device.
    let devices = s.app.devices().await.expect("devices");
    assert!(devices
        .iter()
        .any(|d| d.this_device && d.resource == me.resource));

    // A new app on the same profile (the user restarted it) signs in by itself.
    s.app.shutdown().await;
    let sink: EventSink = Arc::new(|_| {});
    let again = App::new(s.app.dir(), Arc::new(Recorder::default()), sink).expect("app");
    let restored = again
        .restore()
        .await
        .expect("restore")
        .expect("saved account");
    assert_eq!(restored.resource, me.resource);
    assert_eq!(
        again.history(&peer, None, 10).await.expect("history").len(),
        3
    );
    again.shutdown().await;
    bob.shutdown().await;
}

#[tokio::test]
async fn settings_are_saved_and_checked_and_sign_out_forgets_the_password() {
    let s = setup();
    s.app
        .sign_in(form(&s, "alice", "alice-pw"))
        .await
        .expect("sign in");
    let mut settings = s.app.settings().await.expect("settings");
    assert_eq!(
        settings,
        AppSettings {
            multi_device: true,
            active_window_secs: 300,
            notifications: true,
            device: DeviceType::Desktop,
        }
    );
    settings.active_window_secs = 5;
    let e = s
        .app
        .save_settings(settings.clone())
        .await
        .expect_err("too short");
    assert_eq!(e.kind, AppErrorKind::InvalidInput);
    // Turning multi-device messaging off restarts the session without carbons.
    settings.active_window_secs = 120;
    settings.multi_device = false;
    settings.notifications = false;
    let saved = s.app.save_settings(settings.clone()).await.expect("save");
    assert_eq!(saved, settings);
    assert_eq!(s.app.settings().await.expect("settings"), settings);
    assert!(s.app.conversations().await.is_ok(), "still signed in");

    s.app.sign_out().await.expect("sign out");
    assert!(s.app.restore().await.is_err(), "the password is gone");
    let saved = s.app.saved_account().expect("read").expect("account kept");
    assert_eq!(saved.jid, format!("alice@{}", s.lab.domain()));
}

#[test]
fn only_web_links_leave_the_app() {
    let s = tokio::runtime::Runtime::new().expect("rt");
    let dir = tempfile::tempdir().expect("tempdir");
    s.block_on(async {
        let sink: EventSink = Arc::new(|_| {});
        let app = App::new(dir.path(), Arc::new(Recorder::default()), sink).expect("app");
        assert!(app.external_link("https://example.org/").is_ok());
        assert_eq!(
            app.external_link("javascript:alert(1)")
                .expect_err("js")
                .kind,
            AppErrorKind::InvalidInput
        );
    });
}

#[tokio::test]
async fn losing_focus_puts_the_device_in_the_background_and_regaining_it_brings_it_back() {
    use tandem_core::event::QuietState;
    let s = setup();
    s.app
        .sign_in(form(&s, "alice", "alice-pw"))
        .await
        .expect("sign in");
    let quiet = |state: QuietState| {
        s.events
            .lock()
            .expect("lock")
            .iter()
            .filter(|e| matches!(e, Event::Quiet { state: q, .. } if *q == state))
            .count()
    };
    // A flicker (a menu, a quick Alt+Tab) changes nothing.
    s.app.window_focus(false);
    s.app.window_focus(true);
    tokio::time::sleep(tandem_app::FOCUS_DEBOUNCE * 2).await;
    assert_eq!(quiet(QuietState::Inactive), 0);
    // A lasting loss of focus is the background; focus again is the foreground.
    s.app.window_focus(false);
    eventually("quiet mode", || quiet(QuietState::Inactive) == 1).await;
    s.app.window_focus(true);
    eventually("back in the foreground", || quiet(QuietState::Active) == 1).await;
    s.app.shutdown().await;
}

#[tokio::test]
async fn rooms_are_joined_listed_notified_and_left_through_the_app_model() {
    use tandem_core::event::RoomStatus;
    use tandem_core::room::RoomNotify;
    let s = setup();
    s.app
        .sign_in(form(&s, "alice", "alice-pw"))
        .await
        .expect("sign in");
    let bob_dir = tempfile::tempdir().expect("tempdir");
    let bob = bob(&s, bob_dir.path()).await;
    let room = format!("tea@{}", s.lab.muc_domain());
    let state_of = |want: RoomStatus| {
        let room = room.clone();
        let events = s.events.clone();
        move || {
            events.lock().expect("lock").iter().any(
                |e| matches!(e, Event::Room { room: r, state, .. } if r.as_str() == room && *state == want),
            )
        }
    };

    // Arguments are checked before anything reaches the session.
    let e = s
        .app
        .join_room("conference.example.org", None, None)
        .await
        .expect_err("no local part");
    assert_eq!(e.kind, AppErrorKind::InvalidJid, "{e:?}");
    let e = s
        .app
        .join_room(&room, None, Some("public"))
        .await
        .expect_err("unknown kind");
    assert_eq!(e.kind, AppErrorKind::InvalidInput, "{e:?}");
    let e = s
        .app
        .set_room_notify(&room, "mentions")
        .await
        .expect_err("not ours yet");
    assert_eq!(e.kind, AppErrorKind::InvalidInput, "{e:?}");
    assert!(e.message.contains("not one of your rooms"), "{e:?}");

    // Alice creates the room (open) under her own nick; the UI hears it joined.
    s.app
        .join_room(&room, Some("Alice"), Some("open"))
        .await
        .expect("join");
    eventually("alice in the room", state_of(RoomStatus::Joined)).await;
    let rooms = s.app.rooms().await.expect("rooms");
    let tea = rooms.iter().find(|r| r.jid == room).expect("listed");
    assert_eq!(
        (tea.nick.as_str(), tea.status, tea.notify),
        ("Alice", RoomStatus::Joined, RoomNotify::Mentions)
    );
    assert!(tea.occupants.iter().any(|o| o.nick == "Alice"), "{tea:?}");

    // Bob joins: alice sees the occupant; his mention notifies her, titled with his nick.
    bob.join_room(&room, None, None).await.expect("bob joins");
    eventually("bob's occupant event", || {
        s.events
            .lock()
            .expect("lock")
            .iter()
            .any(|e| matches!(e, Event::Occupant { nick, this_is_us: false, .. } if nick == "bob"))
    })
    .await;
    for _ in 0..100 {
        let joined = bob
            .rooms()
            .await
            .expect("bob's rooms")
            .iter()
            .any(|r| r.status == RoomStatus::Joined);
        if joined {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bob.send(&room, "Alice, tea?".into())
        .await
        .expect("send to the room");
    eventually("the mention's notification", || {
        s.notices
            .shown
            .lock()
            .expect("lock")
            .iter()
            .any(|n| n.body == "Alice, tea?")
    })
    .await;
    let shown = s
        .notices
        .shown
        .lock()
        .expect("lock")
        .last()
        .cloned()
        .expect("shown");
    assert_eq!(shown.title, format!("bob in {room}"));
    let list = s.app.conversations().await.expect("list");
    let row = list
        .iter()
        .find(|c| c.peer == room)
        .expect("the room is listed");
    assert!(row.room, "{row:?}");
    assert_eq!((row.unread, row.mentions), (1, 1), "{row:?}");
    assert_eq!(
        row.last.occupant.as_ref().map(|o| o.nick.as_str()),
        Some("bob")
    );

    // The notification setting, and an unknown one.
    let e = s
        .app
        .set_room_notify(&room, "loud")
        .await
        .expect_err("unknown");
    assert_eq!(e.kind, AppErrorKind::InvalidInput);
    s.app.set_room_notify(&room, "all").await.expect("all");
    let notify = s.app.rooms().await.expect("rooms")[0].notify;
    assert_eq!(notify, RoomNotify::All);
    let e = s
        .app
        .invite(&room, "not an account")
        .await
        .expect_err("bad invitee");
    assert_eq!(e.kind, AppErrorKind::InvalidJid);

    // Leaving: the UI hears the room left.
    s.app.leave_room(&room).await.expect("leave");
    eventually("alice out of the room", state_of(RoomStatus::Left)).await;
    s.app.shutdown().await;
    bob.shutdown().await;
}
