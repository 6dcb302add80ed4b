import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, calls, engine, eventually } from './support.mjs';
import { ROOMS, TEA } from './scenarios.mjs';

let env;
before(async () => (env = await setup()));
after(async () => env?.close());

const row = (page, jid) => page.locator(`nav[aria-label="Conversations"] button.conv[data-peer="${jid}"]`);

async function openTea(scenario = ROOMS) {
  const opened = await env.openApp(scenario);
  await row(opened.page, TEA).click();
  await opened.page.locator('.msg[data-id="24"]').waitFor();
  return opened;
}

/** The side panel's occupants, top to bottom: "nick role" (and "(you)" for us). */
function panel(page, name = 'Tea time') {
  return page.$$eval(`aside[aria-label="People in ${name}"] li.occupant`, (els) =>
    els.map((el) =>
      [el.querySelector('.nick').textContent, el.querySelector('.you')?.textContent, el.querySelector('.role').textContent]
        .filter(Boolean)
        .join(' '),
    ),
  );
}

test('a room is listed with a "#" icon, its name, its unread count and a separate mention badge', async () => {
  const { page, problems } = await env.openApp(ROOMS);
  const tea = row(page, TEA);
  await tea.waitFor();
  assert.deepEqual(
    await page.$$eval('nav[aria-label="Conversations"] button.conv', (els) => els.map((el) => el.dataset.peer)),
    [TEA, 'bob@example.org', 'quiet@conference.example.org'],
  );
  assert.equal(await tea.getAttribute('data-room'), '');
  assert.equal((await tea.locator('.room-avatar').textContent()).trim(), '#');
  assert.equal(await tea.locator('.peer').textContent(), 'Tea time');
  assert.equal((await tea.locator('.preview').textContent()).trim(), 'bob: Alice, biscuits?');
  assert.equal((await tea.locator('.badge.mention').textContent()).trim(), '@2');
  assert.equal(await tea.locator('.badge.mention').getAttribute('aria-label'), '2 mentions');
  assert.equal(await tea.locator('[aria-label$=" unread"]').textContent(), '3');
  // A chat has no room icon and no mention badge.
  const bob = row(page, 'bob@example.org');
  assert.equal(await bob.locator('.room-avatar').count(), 0);
  assert.equal(await bob.locator('.badge.mention').count(), 0);
  // A room without messages yet is listed by its JID's local part.
  const quiet = row(page, 'quiet@conference.example.org');
  assert.equal(await quiet.locator('.peer').textContent(), 'quiet');
  assert.equal((await quiet.locator('.preview').textContent()).trim(), 'No messages yet');

  // A live mention bumps both badges; a plain message only the unread count.
  await page.evaluate((room) => window.__fakeBackend.roomMessage(room, 'dave', { body: 'alice!', mention: true }), TEA);
  await eventually(async () => (await tea.locator('.badge.mention').textContent()).trim() === '@3');
  assert.equal(await tea.locator('[aria-label$=" unread"]').textContent(), '4');
  await page.evaluate((room) => window.__fakeBackend.roomMessage(room, 'dave', { body: 'anyone?' }), TEA);
  await eventually(async () => (await tea.locator('[aria-label$=" unread"]').textContent()) === '5');
  assert.equal((await tea.locator('.badge.mention').textContent()).trim(), '@3');
  // Read on another device: both go.
  const last = await page.evaluate((room) => window.__fakeBackend.messages.get(room).at(-1).id, TEA);
  await engine(page, { event: 'read', conversation: TEA, up_to: last, source: 'mds' });
  await eventually(async () => (await tea.locator('.badge').count()) === 0);
  assert.deepEqual(problems.errors, []);
});

test('the room view shows nicks in stable colours, our messages on the right and the occupants panel', async () => {
  const { page, problems } = await openTea();
  await page.getByRole('heading', { name: 'Tea time' }).waitFor();
  assert.equal((await page.locator('.head .state').textContent()).trim(), 'Joined');
  assert.deepEqual(await calls(page, 'history'), [{ peer: TEA, before: null, limit: 50 }]);
  assert.deepEqual((await calls(page, 'open')).at(-1), { peer: TEA });

  // Each incoming message shows who wrote it (a run from one nick shows it once); ours do not.
  const nick = (id) => page.locator(`.msg[data-id="${id}"] .nick`);
  assert.equal(await nick(20).textContent(), 'bob');
  assert.equal(await nick(22).textContent(), 'carol');
  assert.equal(await nick(23).count(), 0, 'grouped with the one before');
  assert.equal(await nick(21).count(), 0);
  assert.equal(await page.locator('.msg[data-id="21"]').getAttribute('class').then((c) => c.includes('out')), true);
  assert.equal(await page.locator('.msg[data-id="22"]').getAttribute('class').then((c) => c.includes('mention')), true);
  // The same nick has the same colour everywhere; the colour comes from the nick alone.
  const hueOf = (loc) => loc.evaluate((el) => el.style.getPropertyValue('--nick-hue'));
  const bobHue = await hueOf(nick(20));
  assert.match(bobHue, /^\d+$/);
  assert.equal(await hueOf(nick(24)), bobHue);
  assert.equal(await hueOf(page.locator('li.occupant[data-nick="bob"] .nick')), bobHue);
  assert.notEqual(await nick(20).evaluate((el) => getComputedStyle(el).color), '');

  // The side panel: moderators first, then participants, then visitors; "(you)" for us.
  assert.deepEqual(await panel(page), ['bob Moderator', 'alice (you) Participant', 'carol Visitor']);
  const people = page.getByRole('button', { name: /People in the room/ });
  assert.equal((await people.textContent()).replace(/\s+/g, ' ').trim(), 'People in the room:3');
  // Occupants come and go live.
  await engine(page, { event: 'occupant', room: TEA, nick: 'dave', change: { kind: 'joined' }, role: 'participant', this_is_us: false });
  await engine(page, { event: 'occupant', room: TEA, nick: 'carol', change: { kind: 'left' }, role: 'none', this_is_us: false });
  await engine(page, { event: 'occupant', room: TEA, nick: 'bob', change: { kind: 'renamed', to: 'robert' }, role: 'moderator', this_is_us: false });
  await eventually(async () => {
    assert.deepEqual(await panel(page), ['robert Moderator', 'alice (you) Participant', 'dave Participant']);
    return true;
  });
  // The toggle hides and shows the panel.
  await people.click();
  await eventually(async () => (await page.locator('aside#occupants').count()) === 0);
  assert.equal(await people.getAttribute('aria-pressed'), 'false');
  await people.click();
  await page.locator('aside#occupants').waitFor();

  // Sending goes to the room; our message shows on the right without a nick.
  await page.getByLabel('Message to Tea time').fill('On my way');
  await page.keyboard.press('Enter');
  await eventually(async () => (await calls(page, 'send')).length === 1);
  assert.deepEqual(await calls(page, 'send'), [{ peer: TEA, body: 'On my way' }]);
  const mine = page.locator('.msg.out').last();
  await eventually(async () => (await mine.locator('.body').textContent()) === 'On my way');
  assert.equal(await mine.locator('.nick').count(), 0);
  assert.deepEqual(problems.errors, []);
  assert.deepEqual(problems.csp, []);
});

test('HTML in a nick, a room name, a reason or an invitation renders as text', async () => {
  const EVIL_ROOM = 'evil@conference.example.org';
  const NAME = '<b>Evil</b><img src=x onerror=alert(1)>';
  const NICK = '<i>mallory</i><script>alert(2)</script>';
  const { page, problems } = await env.openApp({
    restore: 'me',
    rooms: [
      {
        jid: EVIL_ROOM,
        name: NAME,
        occupants: [{ nick: NICK, role: 'moderator', affiliation: 'owner', jid: null }],
      },
    ],
    conversations: { [EVIL_ROOM]: [{ id: 30, body: '<u>hi</u>', nick: NICK, minutesAgo: 1 }] },
  });
  const evil = row(page, EVIL_ROOM);
  await evil.waitFor();
  assert.equal(await evil.locator('.peer').textContent(), NAME);
  assert.equal((await evil.locator('.preview').textContent()).trim(), `${NICK}: <u>hi</u>`);
  await evil.click();
  await page.locator('.msg[data-id="30"]').waitFor();
  assert.equal(await page.locator('#conv-title').textContent(), NAME);
  assert.equal(await page.locator('.msg[data-id="30"] .nick').textContent(), NICK);
  assert.equal(await page.locator('li.occupant .nick').textContent(), NICK);

  await engine(page, { event: 'room', room: EVIL_ROOM, state: 'gone', reason: '<em>destroyed</em><img src=y onerror=alert(3)>' });
  await eventually(async () => (await page.locator('.head .state').textContent()).includes('<em>destroyed</em>'));
  await engine(page, { event: 'invite', room: 'trap@conference.example.org', from: 'eve@example.org', reason: '<a href="javascript:alert(4)">click</a>' });
  const banner = page.getByRole('region', { name: 'Invitation to trap@conference.example.org' });
  await banner.waitFor();
  assert.equal(await banner.locator('.reason').textContent(), '<a href="javascript:alert(4)">click</a>');

  assert.equal(await page.locator('body b, body i, body u, body em, body img, body script, main a').count(), 0);
  await page.waitForTimeout(200);
  assert.deepEqual(problems.dialogs, []);
  assert.deepEqual(problems.errors, []);
});

test('"Join a room" checks the address, calls join_room with the typed JID and nick, and opens the room', async () => {
  const { page } = await env.openApp(ROOMS);
  await row(page, TEA).waitFor();
  await page.getByRole('button', { name: 'Join a room' }).click();
  const dialog = page.getByRole('dialog', { name: 'Join a room' });
  await dialog.waitFor();
  await dialog.getByLabel('Room address').fill('not a room');
  await dialog.getByRole('button', { name: 'Join', exact: true }).click();
  await dialog.getByRole('alert').waitFor();
  assert.match(await dialog.getByRole('alert').textContent(), /room@conference\.example\.org/);
  assert.deepEqual(await calls(page, 'join_room'), []);

  await dialog.getByLabel('Room address').fill(' Lounge@Conference.Example.org ');
  await dialog.getByLabel('Nickname').fill('Ali');
  await dialog.getByRole('button', { name: 'Join', exact: true }).click();
  await eventually(async () => (await calls(page, 'join_room')).length === 1);
  assert.deepEqual(await calls(page, 'join_room'), [{ room: 'lounge@conference.example.org', nick: 'Ali', create: null }]);
  await eventually(async () => (await dialog.count()) === 0);
  await page.getByRole('heading', { name: 'lounge' }).waitFor();
  // The fake room lets us in: joined, and we are in the panel.
  await eventually(async () => (await page.locator('.head .state').textContent()).trim() === 'Joined');
  await eventually(async () => (await panel(page, 'lounge')).join() === 'Ali (you) Participant');
  await row(page, 'lounge@conference.example.org').waitFor();

  // A refusal from the backend is shown in the dialog, which stays open.
  await page.evaluate(() => {
    window.__fakeBackend.fail.join_room = { kind: 'invalid_jid', message: 'invalid room "x": a room JID needs a local part' };
  });
  await page.getByRole('button', { name: 'Join a room' }).click();
  await dialog.getByLabel('Room address').fill('x@y.example');
  await dialog.getByRole('button', { name: 'Join', exact: true }).click();
  await eventually(async () => (await dialog.getByRole('alert').textContent()).includes('needs a local part'));
  await page.keyboard.press('Escape');
  await eventually(async () => (await dialog.count()) === 0);
});

test('"Create a room" makes the address at conference.<our domain> and is members-only unless unticked', async () => {
  const { page } = await env.openApp(ROOMS);
  await row(page, TEA).waitFor();
  await page.getByRole('button', { name: 'Create a room' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create a room' });
  await dialog.getByLabel('Room name').fill('Book Club!');
  assert.equal(await dialog.locator('.address').textContent(), 'book-club@conference.example.org');
  assert.equal(await dialog.getByLabel('Members only').isChecked(), true);
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await eventually(async () => (await calls(page, 'join_room')).length === 1);
  assert.deepEqual((await calls(page, 'join_room'))[0], {
    room: 'book-club@conference.example.org',
    nick: null,
    create: 'members_only',
  });
  await page.getByRole('heading', { name: 'book-club' }).waitFor();

  // A full address is used as typed; unticked, the room is open.
  await page.getByRole('button', { name: 'Create a room' }).click();
  await dialog.getByLabel('Room name').fill('Games@Muc.Example.net');
  assert.equal(await dialog.locator('.address').textContent(), 'games@muc.example.net');
  await dialog.getByLabel('Members only').uncheck();
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await eventually(async () => (await calls(page, 'join_room')).length === 2);
  assert.deepEqual((await calls(page, 'join_room'))[1], { room: 'games@muc.example.net', nick: null, create: 'open' });
});

test('an invitation shows as a banner: Join calls join_room and opens the room, Dismiss only hides it', async () => {
  const { page } = await env.openApp(ROOMS);
  await row(page, TEA).waitFor();
  await engine(page, { event: 'invite', room: 'party@conference.example.org', from: 'bob@example.org', reason: 'Come celebrate' });
  await engine(page, { event: 'invite', room: 'spam@conference.example.org', from: 'eve@example.org' });
  const party = page.getByRole('region', { name: 'Invitation to party@conference.example.org' });
  await party.waitFor();
  assert.equal(
    (await party.locator('.grow').textContent()).replace(/\s+/g, ' ').trim(),
    'bob@example.org invites you to party@conference.example.org: Come celebrate',
  );
  const spam = page.getByRole('region', { name: 'Invitation to spam@conference.example.org' });
  await spam.getByRole('button', { name: 'Dismiss' }).click();
  await eventually(async () => (await spam.count()) === 0);
  assert.deepEqual(await calls(page, 'join_room'), []);

  await party.getByRole('button', { name: 'Join', exact: true }).click();
  await eventually(async () => (await calls(page, 'join_room')).length === 1);
  assert.deepEqual(await calls(page, 'join_room'), [{ room: 'party@conference.example.org', nick: null, create: null }]);
  await eventually(async () => (await party.count()) === 0);
  await page.getByRole('heading', { name: 'party' }).waitFor();
  // An invitation to a room we are in is not shown.
  await engine(page, { event: 'invite', room: TEA, from: 'bob@example.org' });
  await page.waitForTimeout(150);
  assert.equal(await page.locator('section.invite').count(), 0);
});

test('the notification selector calls set_room_notify; Leave leaves; a gone room is greyed with its reason', async () => {
  const { page } = await openTea();
  const notify = page.getByLabel('Notifications for this room');
  assert.equal(await notify.inputValue(), 'mentions');
  await notify.selectOption('all');
  await eventually(async () => (await calls(page, 'set_room_notify')).length === 1);
  assert.deepEqual(await calls(page, 'set_room_notify'), [{ room: TEA, notify: 'all' }]);
  // A failure says so and puts the setting back.
  await page.evaluate(() => {
    window.__fakeBackend.fail.set_room_notify = { kind: 'not_signed_in', message: 'not signed in: sign in first' };
  });
  await notify.selectOption('none');
  await page.getByRole('alert').filter({ hasText: 'Could not change notifications' }).waitFor();
  await eventually(async () => (await notify.inputValue()) === 'all');

  // Leave: the room says so, the composer is off and offers to join again.
  await page.getByRole('button', { name: 'Leave' }).click();
  await eventually(async () => (await calls(page, 'leave_room')).length === 1);
  assert.deepEqual(await calls(page, 'leave_room'), [{ room: TEA }]);
  await eventually(async () => (await page.locator('.head .state').textContent()).trim() === 'Not in the room');
  assert.equal(await page.getByLabel('Message to Tea time').isDisabled(), true);
  await page.getByRole('button', { name: 'Join again' }).waitFor();

  // Gone (destroyed): greyed in the header and the list, with the reason.
  await engine(page, { event: 'room', room: TEA, state: 'gone', reason: 'destroyed by its owner' });
  await eventually(async () =>
    (await page.locator('.head .state').textContent()).trim() === 'Gone: destroyed by its owner',
  );
  assert.match(await page.locator('.head').getAttribute('class'), /\bgone\b/);
  await page.getByRole('status').filter({ hasText: 'This room is gone: destroyed by its owner' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Join again' }).count(), 0);
  assert.equal(await page.getByLabel('Notifications for this room').count(), 0);
  const tea = row(page, TEA);
  assert.match(await tea.getAttribute('class'), /\bgone\b/);
  assert.equal((await tea.locator('.preview').textContent()).trim(), 'Gone: destroyed by its owner');
});

test('"Invite…" in the room header checks the address, calls invite with the typed JID and shows a failure', async () => {
  const { page, problems } = await openTea();
  await page.getByRole('button', { name: 'Invite…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Invite to Tea time' });
  await dialog.waitFor();
  // Not a JID: a one-line error, nothing sent, the dialog stays.
  await dialog.getByLabel('Contact address').fill('not a jid');
  await dialog.getByRole('button', { name: 'Invite', exact: true }).click();
  await dialog.getByRole('alert').waitFor();
  assert.equal(await dialog.getByRole('alert').textContent(), 'Enter a contact address like bob@example.org.');
  await dialog.getByLabel('Contact address').fill('dave@example.org/phone');
  await dialog.getByRole('button', { name: 'Invite', exact: true }).click();
  await page.waitForTimeout(100);
  assert.deepEqual(await calls(page, 'invite'), []);
  assert.equal(await dialog.count(), 1);

  // A good address (trimmed, lowercased, xmpp: dropped) is sent; the dialog closes and says so.
  await dialog.getByLabel('Contact address').fill(' xmpp:Dave@Example.org ');
  await dialog.getByRole('button', { name: 'Invite', exact: true }).click();
  await eventually(async () => (await calls(page, 'invite')).length === 1);
  assert.deepEqual(await calls(page, 'invite'), [{ room: TEA, jid: 'dave@example.org' }]);
  await eventually(async () => (await dialog.count()) === 0);
  await page.getByRole('status').filter({ hasText: 'Invitation sent to dave@example.org.' }).waitFor();

  // A refusal from the backend shows in the dialog, which stays open; Escape closes it.
  await page.evaluate(() => {
    window.__fakeBackend.fail.invite = { kind: 'not_signed_in', message: 'not signed in: sign in first' };
  });
  await page.getByRole('button', { name: 'Invite…' }).click();
  await dialog.getByLabel('Contact address').fill('erin@example.org');
  await dialog.getByRole('button', { name: 'Invite', exact: true }).click();
  await eventually(async () => (await dialog.getByRole('alert').count()) === 1);
  assert.equal(
    await dialog.getByRole('alert').textContent(),
    'Could not invite erin@example.org: not signed in: sign in first',
  );
  assert.deepEqual((await calls(page, 'invite')).at(-1), { room: TEA, jid: 'erin@example.org' });
  await page.keyboard.press('Escape');
  await eventually(async () => (await dialog.count()) === 0);
  assert.deepEqual(problems.errors, []);
});
