// Group chat (XEP-0045) in the real app. Alice's laptop is the desktop app; bob is a CLI device
// (`tandem listen --json`, commands `join ROOM NICK` and `send ROOM TEXT` on its stdin); the
// room lives on the lab Prosody's MUC service, conference.<lab domain>. Alice's phone is there
// too (in the pocket), so the app is the active device. The tests run in order and build on
// each other:
//
//  1. the app joins a new room through the "Join a room" dialog: the room opens, joined, and
//     is listed; alice invites bob with the header's "Invite…", and bob gets the invitation;
//  2. bob joins and writes a message that mentions alice: the app lists it, notifies (room
//     notifications default to "mentions only"; the summary is "bob in ROOM"), the phone
//     (which follows the room's bookmark) stays silent, and the room view shows the message
//     with bob's nick;
//  3. a plain message from bob (no mention) shows in the list without a notification.
//
// While a room is open in the focused window the app reads what arrives itself and does not
// notify (decision "viewing"), so steps 2 and 3 keep "Your devices" on screen while bob writes.
/* global $, $$, browser, expect */
import { world } from '../support/world.mjs';
import {
  sel,
  waitForConversationList,
  conversationRow,
  previewOf,
  unreadOf,
  screenshot,
  showDevices,
  textOf,
} from '../support/app.mjs';
import { displayedCount } from '../support/notifications.mjs';

const APP_NAME = 'Tandem';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('Tandem desktop in a room, with bob on a lab Prosody', () => {
  let w;
  let room;

  before(() => {
    w = world();
    if (!w.notifications) throw new Error('no session bus recording (run under scripts/desktop-session.sh)');
    room = `tea@conference.${w.lab.domain}`;
  });

  it('joins a room through the "Join a room" dialog, and lists it', async () => {
    await waitForConversationList();
    // The app's session is up: the phone sees the laptop come online.
    await w.phone.waitFor((e) => e.event === 'presence' && e.jid === `${w.alice}/laptop` && e.show === 'available', {
      timeoutMs: 30_000,
    });

    await (await $(sel.joinRoomButton)).click();
    const dialog = await $(sel.roomDialog);
    await dialog.waitForDisplayed({ timeout: 10_000 });
    await (await $(sel.roomAddressField)).setValue(room);
    await (await dialog.$('button[type="submit"]')).click();

    // The dialog closes and the room opens; the room lets alice in (a new room: she creates
    // and configures it).
    await browser.waitUntil(async () => !(await $(sel.roomDialog).isExisting()), {
      timeout: 20_000,
      timeoutMsg: 'the "Join a room" dialog did not close',
    });
    await (await $(sel.roomView)).waitForDisplayed({ timeout: 10_000 });
    await browser.waitUntil(async () => (await textOf(await $(sel.roomState))) === 'Joined', {
      timeout: 30_000,
      timeoutMsg: `the room header never said "Joined" (it says ${JSON.stringify(await textOf(await $(sel.roomState)).catch(() => ''))})`,
    });
    const row = await conversationRow(room);
    expect(await row.getAttribute('data-room')).toBe('');
    await screenshot(w.artifacts, 'rooms-1-joined');
  });

  it('invites bob from the room header ("Invite…"), and bob gets the invitation', async () => {
    const bobMark = w.bobPc.mark();
    const inviteButton = await $(sel.inviteButton);
    await inviteButton.waitForDisplayed({
      timeout: 10_000,
      timeoutMsg: 'the room header has no "Invite…" (is tandem-desktop built from the current ui/dist?)',
    });
    await inviteButton.click();
    const dialog = await $(sel.inviteDialog);
    await dialog.waitForDisplayed({ timeout: 10_000 });
    await (await $(sel.inviteField)).setValue(w.bob);
    await (await dialog.$('button[type="submit"]')).click();
    await browser.waitUntil(async () => !(await $(sel.inviteDialog).isExisting()), {
      timeout: 20_000,
      timeoutMsg: 'the "Invite" dialog did not close',
    });
    expect(await textOf(await $(sel.invited))).toBe(`Invitation sent to ${w.bob}.`);
    const invite = await w.bobPc.waitFor((e) => e.event === 'invite' && e.room === room, {
      since: bobMark,
      timeoutMs: 20_000,
    });
    // Who invites is what the room says: Prosody's rooms are semi-anonymous by default and
    // name the inviter by their occupant JID (tea@conference…/alice); a room that shows
    // real JIDs names alice's account.
    expect([w.alice, `${room}/alice`]).toContain(invite.from);
    await screenshot(w.artifacts, 'rooms-1b-invited');
  });

  it('notifies bob\'s message that mentions alice, and shows it with his nick in the room', async () => {
    const bobMark = w.bobPc.mark();
    w.bobPc.command(`join ${room} bob`);
    await w.bobPc.waitFor((e) => e.event === 'room' && e.room === room && e.state === 'joined', {
      since: bobMark,
      timeoutMs: 30_000,
    });
    // The app sees bob come in.
    await browser.waitUntil(async () => Number.parseInt((await textOf(await $(sel.roomPeople))).replace(/\D+/g, ''), 10) >= 2, {
      timeout: 20_000,
      timeoutMsg: 'the room header does not count bob among the people in the room',
    });

    // Leave the room view (so nothing reads it on arrival); a click is activity too, so the
    // app stays the active device.
    await showDevices();
    await browser.keys(['Shift']);
    await sleep(500);
    const since = w.notifications.now();
    const phoneMark = w.phone.mark();
    const text = 'alice, the kettle is on';
    w.bobPc.send(room, text);

    // Listed, with bob's nick in the preview, unread.
    await browser.waitUntil(async () => (await previewOf(room).catch(() => '')).includes(text), {
      timeout: 20_000,
      timeoutMsg: `the list never showed bob's room message ${JSON.stringify(text)}`,
    });
    expect(await previewOf(room)).toBe(`bob: ${text}`);
    expect(await unreadOf(room)).toBe(1);

    // The app notified, through the session bus, as "Tandem": "bob in ROOM".
    const shown = await w.notifications.waitForShown((n) => `${n.summary}\n${n.body}`.includes(text.slice(0, 15)), {
      appName: APP_NAME,
      since,
      timeoutMs: 20_000,
    });
    expect(shown.summary).toContain('bob in ');
    // ...and the phone (in the room too: it follows the bookmark) kept quiet about it, the
    // laptop being the active device.
    const phoneNote = await w.phone.waitFor({ event: 'notification', conversation: room }, { since: phoneMark });
    expect(phoneNote.decision).toBe('silent');
    expect(phoneNote.device).toBe('laptop');
    // dunst has it on screen (its own view, as a second opinion).
    await browser.waitUntil(async () => (await displayedCount()) > 0, {
      timeout: 5_000,
      timeoutMsg: 'dunst displays no notification',
    });
    await screenshot(w.artifacts, 'rooms-2-mention-notified');

    // The room view shows the message with bob's nick.
    await (await conversationRow(room)).click();
    const messages = await $(sel.roomMessages);
    await messages.waitForDisplayed({ timeout: 10_000 });
    await browser.waitUntil(
      async () => {
        for (const m of await $$(`${sel.roomMessages} ${sel.message}`)) {
          const body = await textOf(m);
          if (!body.includes(text)) continue;
          const nick = await m.$(sel.nick);
          if ((await nick.isExisting()) && (await textOf(nick)) === 'bob') return true;
        }
        return false;
      },
      { timeout: 10_000, timeoutMsg: "the room view does not show bob's message with his nick" },
    );
    await screenshot(w.artifacts, 'rooms-3-room-view');
  });

  it("shows bob's plain message (no mention) without a notification", async () => {
    await showDevices();
    await browser.keys(['Shift']);
    await sleep(500);
    const since = w.notifications.now();
    const text = 'biscuits are in the tin';
    w.bobPc.send(room, text);

    await browser.waitUntil(async () => (await previewOf(room).catch(() => '')).includes(text), {
      timeout: 20_000,
      timeoutMsg: `the list never showed bob's plain room message ${JSON.stringify(text)}`,
    });
    expect(await previewOf(room)).toBe(`bob: ${text}`);
    expect(await unreadOf(room)).toBe(1);
    // Room notifications are "mentions only" by default: nothing on the bus.
    await w.notifications.expectNone((n) => n.appName === APP_NAME, { since, forMs: 4_000 });
    await screenshot(w.artifacts, 'rooms-4-plain-silent');
  });
});
