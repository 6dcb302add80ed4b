// Alice's laptop is the real desktop app; her phone and bob are CLI devices; all three are on
// a lab Prosody (see support/world.mjs). The tests run in order and build on each other.
//
//  1. the app restores the pre-created profile and shows the conversation list;
//  2. bob writes while the app is the active device: the message shows in the list and the
//     app notifies (app name "Tandem" on the session bus);
//  3. the phone becomes the active device: bob's next message shows in the app, silently;
//  4. the phone reads the conversation: the unread badge goes and the notification is
//     withdrawn (CloseNotification);
//  5. alice writes from the app's composer: the phone gets it as a sent carbon.
//
// While a conversation is open in the focused window the app reads what arrives itself and does
// not notify (decision "viewing"), so steps 2–4 keep the list, not the conversation, on screen.
/* global $, $$, browser, expect */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { world } from '../support/world.mjs';
import { sel, waitForConversationList, conversationRow, previewOf, unreadOf, screenshot, textOf } from '../support/app.mjs';

const APP_NAME = 'Tandem';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('Tandem desktop, alice/laptop with alice/phone and bob on a lab Prosody', () => {
  let w;
  let shownId; // the id of the notification the app showed for bob's conversation

  before(() => {
    w = world();
    if (!w.notifications) throw new Error('no session bus recording (run under scripts/desktop-session.sh)');
  });

  it('restores alice/laptop and shows the conversation list', async () => {
    await waitForConversationList();
    expect(await textOf(await $(sel.me))).toBe(w.alice);
    // The app's session is up: the phone sees the laptop come online.
    await w.phone.waitFor((e) => e.event === 'presence' && e.jid === `${w.alice}/laptop` && e.show === 'available', {
      timeoutMs: 30_000,
    });
    await screenshot(w.artifacts, '1-conversation-list');
  });

  it("notifies bob's message while the app is the active device, and lists it", async () => {
    // The app came online after the phone went into the pocket, so it is the active device;
    // activity in the window (a key press) also tells the shell the user is here.
    await browser.keys(['Shift']);
    await sleep(500);
    const since = w.notifications.now();
    const phoneMark = w.phone.mark();
    const text = 'hello alice, are you at your laptop?';
    w.bobPc.send(w.alice, text);

    // The message shows in the list, unread.
    await browser.waitUntil(async () => (await previewOf(w.bob).catch(() => '')).includes(text), {
      timeout: 20_000,
      timeoutMsg: `the list never showed bob's message ${JSON.stringify(text)}`,
    });
    expect(await unreadOf(w.bob)).toBe(1);

    // The app notified, through the session bus, as "Tandem".
    const shown = await w.notifications.waitForShown((n) => `${n.summary}\n${n.body}`.includes(text.slice(0, 20)), {
      appName: APP_NAME,
      since,
      timeoutMs: 20_000,
    });
    shownId = shown.id;
    // ...and the phone, not being the active device, kept quiet about it.
    const phoneNote = await w.phone.waitFor({ event: 'notification', conversation: w.bob }, { since: phoneMark });
    expect(phoneNote.decision).toBe('silent');
    expect(phoneNote.device).toBe('laptop');
    await screenshot(w.artifacts, '2-notified');
  });

  it('stays silent while alice/phone is the active device', async () => {
    // Alice picks up her phone: it says Available and becomes the active device. The window is
    // not touched from here on (activity would make the app say Available again).
    w.phone.foreground();
    w.phone.presence('available');
    await sleep(1_500);
    const since = w.notifications.now();
    const phoneMark = w.phone.mark();
    const text = 'or are you on your phone now?';
    w.bobPc.send(w.alice, text);

    // The phone is the one that notifies...
    const phoneNote = await w.phone.waitFor({ event: 'notification', conversation: w.bob }, { since: phoneMark });
    expect(phoneNote.decision).toBe('notify');
    // ...the app shows the message...
    await browser.waitUntil(async () => (await previewOf(w.bob).catch(() => '')).includes(text), {
      timeout: 20_000,
      timeoutMsg: `the list never showed bob's second message ${JSON.stringify(text)}`,
    });
    expect(await unreadOf(w.bob)).toBe(2);
    // ...and makes no notification for it.
    await w.notifications.expectNone((n) => n.appName === APP_NAME, { since, forMs: 4_000 });
    await screenshot(w.artifacts, '3-silent');
  });

  it('shows the conversation read, and withdraws the notification, when alice/phone reads it', async () => {
    if (shownId === undefined) throw new Error('no notification from the earlier test to withdraw');
    w.phone.read(w.bob);
    await browser.waitUntil(async () => (await unreadOf(w.bob)) === 0, {
      timeout: 20_000,
      timeoutMsg: 'the unread badge did not go after the phone read the conversation',
    });
    const withdrawn = await w.notifications.waitForWithdrawn(shownId, { timeoutMs: 20_000 });
    expect(withdrawn.closeCalls.length).toBeGreaterThan(0);
    await screenshot(w.artifacts, '4-read-elsewhere');
  });

  it("sends from the composer, and alice/phone gets it as a sent carbon", async () => {
    const row = await conversationRow(w.bob);
    await row.click();
    const field = await $(sel.composer);
    await field.waitForDisplayed({ timeout: 10_000 });
    const phoneMark = w.phone.mark();
    const bobMark = w.bobPc.mark();
    const text = 'typed on the laptop';
    await field.setValue(text);
    await browser.keys(['Enter']);

    const carbon = await w.phone.waitFor(
      (e) => e.event === 'message' && e.body === text,
      { since: phoneMark, timeoutMs: 20_000 },
    );
    expect(carbon.via).toBe('carbon_sent');
    expect(carbon.direction).toBe('out');
    expect(carbon.from).toBe(`${w.alice}/laptop`);
    await w.bobPc.waitFor((e) => e.event === 'message' && e.body === text && e.direction === 'in', { since: bobMark });
    // The app shows it in the conversation, as ours.
    await browser.waitUntil(
      async () => {
        const outs = await $$(`${sel.messages(w.bob)} ${sel.outgoing}`);
        for (const m of outs) if ((await m.getText()).includes(text)) return true;
        return false;
      },
      { timeout: 10_000, timeoutMsg: 'the sent message is not in the conversation view' },
    );
    await screenshot(w.artifacts, '5-sent');
  });

  it('shows the devices, and opens the conversation when its notification is clicked', async () => {
    // Leave the conversation for "Your devices": nothing on screen is read by looking at it.
    await (await (await $('nav[aria-label="App"]')).$('button*=Your devices')).click();
    await (await $('h1=Your devices')).waitForDisplayed({ timeout: 10_000 });
    await browser.waitUntil(
      async () => {
        const page = await textOf(await $('body'));
        return page.includes('This device') && page.includes('phone');
      },
      { timeout: 10_000, timeoutMsg: 'the devices screen does not list this device and the phone' },
    );
    // The app sent the last message, so it is the active device again.
    const since = w.notifications.now();
    const text = 'open me from the notification';
    w.bobPc.send(w.alice, text);
    await w.notifications.waitForShown((n) => `${n.summary}\n${n.body}`.includes(text.slice(0, 20)), {
      appName: APP_NAME,
      since,
      timeoutMs: 20_000,
    });
    // Click it (dunst invokes the notification's default action).
    await promisify(execFile)('dunstctl', ['action', '0'], { timeout: 10_000 });
    const region = await $(sel.messages(w.bob));
    await region.waitForDisplayed({
      timeout: 10_000,
      timeoutMsg: 'clicking the notification did not open the conversation',
    });
    await browser.waitUntil(async () => (await textOf(region)).includes(text), {
      timeout: 10_000,
      timeoutMsg: 'the opened conversation does not show the message',
    });
    await screenshot(w.artifacts, '6-opened-from-notification');
  });
});
