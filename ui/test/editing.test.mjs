// Corrections (XEP-0308) and retractions (XEP-0424): `edited` events from a message's author,
// and editing or deleting our own messages from their menu or with ArrowUp in the composer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, calls, eventually } from './support.mjs';
import { CHAT, ROOMS, TEA } from './scenarios.mjs';

let env;
before(async () => (env = await setup()));
after(async () => env?.close());

const BOB = 'bob@example.org';

async function openBob(scenario = CHAT) {
  const opened = await env.openApp(scenario);
  await opened.page.locator(`button.conv[data-peer="${BOB}"]`).click();
  await opened.page.locator('.msg[data-id="7"]').waitFor();
  return opened;
}

async function openTea() {
  const opened = await env.openApp(ROOMS);
  await opened.page.locator(`button.conv[data-peer="${TEA}"]`).click();
  await opened.page.locator('.msg[data-id="24"]').waitFor();
  return opened;
}

const msg = (page, id) => page.locator(`.msg[data-id="${id}"]`);
const bodyOf = (page, id) => msg(page, id).locator('.body').textContent();
const previewOf = async (page, peer) =>
  (await page.locator(`button.conv[data-peer="${peer}"] .preview`).textContent()).trim();
const menuButton = (page, id) => msg(page, id).getByRole('button', { name: 'Message actions' });
const focusedText = (page) => page.evaluate(() => document.activeElement?.textContent?.trim() ?? '');
const editBar = (page) => page.getByTestId('edit-bar');

test('an incoming edited event replaces the text and shows the "edited" mark, in history and the list', async () => {
  const { page, problems } = await openBob();
  assert.equal(await msg(page, 7).locator('.edited').count(), 0);
  await page.evaluate((p) => window.__fakeBackend.correction(p, 7, 'And one more thing: bring snacks'), BOB);
  await eventually(async () => (await bodyOf(page, 7)) === 'And one more thing: bring snacks');
  const mark = msg(page, 7).locator('.edited');
  assert.equal((await mark.textContent()).trim(), 'edited');
  assert.equal(await mark.getAttribute('title'), 'This message was edited by its author');
  assert.equal(await msg(page, 7).getAttribute('data-edited'), 'corrected');
  // It is bob's newest message: the list's preview follows.
  await eventually(async () => (await previewOf(page, BOB)) === 'And one more thing: bring snacks');
  // An older message of another conversation: its preview (the newest message) stays.
  await page.evaluate(() => window.__fakeBackend.correction('carol@example.net', 8, 'Dinner tomorrow?'));
  await page.waitForTimeout(100);
  assert.equal(await previewOf(page, 'carol@example.net'), 'You: Count me in');
  // The newest one does change it, without the conversation being open.
  await page.evaluate(() => window.__fakeBackend.correction('carol@example.net', 9, 'Count me in twice'));
  await eventually(async () => (await previewOf(page, 'carol@example.net')) === 'You: Count me in twice');
  // Nothing was added: still one bubble per message.
  assert.equal(await page.locator('.msg[data-id="7"]').count(), 1);
  assert.deepEqual(problems.errors, []);
});

test('a retraction shows "This message was deleted" (no body, no links), in chats and rooms alike', async () => {
  const { page } = await openBob({
    ...CHAT,
    conversations: {
      ...CHAT.conversations,
      [BOB]: [...CHAT.conversations[BOB], { id: 30, body: 'see https://example.org/secret', minutesAgo: 1 }],
    },
  });
  await msg(page, 30).locator('a').waitFor();
  await page.evaluate((p) => window.__fakeBackend.retraction(p, 30), BOB);
  await eventually(async () => (await bodyOf(page, 30)) === 'This message was deleted');
  const body = msg(page, 30).locator('.body');
  assert.equal(await body.evaluate((el) => getComputedStyle(el).fontStyle), 'italic');
  assert.equal(await msg(page, 30).locator('a').count(), 0);
  assert.equal(await msg(page, 30).locator('.edited').count(), 0);
  await eventually(async () => (await previewOf(page, BOB)) === 'Message deleted');

  // A room: the occupant's message goes the same way, and no longer counts as a mention.
  const room = await openTea();
  const p = room.page;
  assert.equal(await msg(p, 22).evaluate((el) => el.classList.contains('mention')), true);
  await p.evaluate((t) => window.__fakeBackend.retraction(t, 22), TEA);
  await eventually(async () => (await bodyOf(p, 22)) === 'This message was deleted');
  assert.equal(await msg(p, 22).evaluate((el) => el.classList.contains('mention')), false);
  assert.equal((await msg(p, 22).locator('.nick').textContent()).trim(), 'carol');
  // And a correction in a room shows the mark.
  await p.evaluate((t) => window.__fakeBackend.correction(t, 23, 'and honey'), TEA);
  await eventually(async () => (await bodyOf(p, 23)) === 'and honey');
  assert.equal((await msg(p, 23).locator('.edited').textContent()).trim(), 'edited');
});

test('a body with HTML in an edited event is rendered as text', async () => {
  const { page, problems } = await openBob();
  const evil = '<img src=x onerror=alert(1)><b>bold</b><a href="javascript:alert(2)">x</a>';
  await page.evaluate(({ p, b }) => window.__fakeBackend.correction(p, 6, b), { p: BOB, b: evil });
  await eventually(async () => (await bodyOf(page, 6)) === evil);
  assert.equal(await page.locator('.msg img, .msg b, .msg script, .msg[data-id="6"] a').count(), 0);
  await eventually(async () => (await previewOf(page, BOB)) === 'And one more thing');
  await page.waitForTimeout(200);
  assert.deepEqual(problems.dialogs, []);
  assert.deepEqual(problems.errors, []);
});

test('only our messages that are not deleted have the menu; the backend refuses the rest', async () => {
  const { page } = await openBob({
    ...CHAT,
    conversations: {
      ...CHAT.conversations,
      [BOB]: [...CHAT.conversations[BOB], { id: 31, body: 'gone', dir: 'out', edited: 'retracted', minutesAgo: 1 }],
    },
  });
  await msg(page, 31).waitFor();
  assert.equal(await bodyOf(page, 31), 'This message was deleted');
  for (const id of [2, 4, 5]) assert.equal(await menuButton(page, id).count(), 1, `message ${id}`);
  for (const id of [1, 3, 6, 7, 31]) assert.equal(await menuButton(page, id).count(), 0, `message ${id}`);

  const refusal = (cmd, args) =>
    page.evaluate(
      ({ cmd, args }) => window.__fakeBackend.handle(cmd, args).then(() => null, (e) => e),
      { cmd, args },
    );
  assert.deepEqual(await refusal('correct', { peer: BOB, id: 3, body: 'not mine' }), {
    kind: 'invalid_input',
    message: 'cannot edit that message: only our own messages can be edited',
  });
  assert.equal((await refusal('retract', { peer: BOB, id: 3 })).kind, 'invalid_input');
  assert.deepEqual(await refusal('correct', { peer: BOB, id: 4, body: '  ' }), {
    kind: 'invalid_input',
    message: 'the correction is empty (delete the message instead)',
  });
  assert.equal((await refusal('correct', { peer: BOB, id: 4, body: 'x'.repeat(64 * 1024 + 1) })).kind, 'invalid_input');
  assert.equal((await refusal('correct', { peer: BOB, id: 31, body: 'back' })).kind, 'invalid_input');
  assert.equal(await refusal('correct', { peer: BOB, id: 4, body: 'fine' }), null);
});

test('Edit from the message menu (keyboard) sends correct with the id and body and updates the bubble', async () => {
  const { page } = await openBob();
  const box = page.getByLabel(`Message to ${BOB}`);
  await box.fill('a draft');
  // Keyboard: the menu button is reachable and shows when focused.
  const more = menuButton(page, 4);
  await more.focus();
  await eventually(async () => (await more.evaluate((el) => getComputedStyle(el).opacity)) === '1');
  assert.equal(await more.getAttribute('aria-expanded'), 'false');
  await page.keyboard.press('Enter');
  await page.getByRole('menu').waitFor();
  assert.equal(await more.getAttribute('aria-expanded'), 'true');
  assert.equal(await focusedText(page), 'Edit');
  await page.keyboard.press('ArrowDown');
  assert.equal(await focusedText(page), 'Delete');
  await page.keyboard.press('ArrowDown');
  assert.equal(await focusedText(page), 'Edit');
  await page.keyboard.press('Enter');
  assert.equal(await page.getByRole('menu').count(), 0);

  await editBar(page).waitFor();
  assert.equal((await editBar(page).locator('.edit-text').textContent()).trim(), 'Editing message — Esc to cancel');
  assert.equal(await editBar(page).getByRole('button', { name: 'Cancel editing' }).count(), 1);
  assert.equal(await box.inputValue(), 'Yes, two of them');
  assert.equal(await box.evaluate((el) => el === document.activeElement), true);
  assert.equal(await msg(page, 4).evaluate((el) => el.classList.contains('editing')), true);
  await page.keyboard.type(', front row');
  await page.keyboard.press('Enter');
  await eventually(async () => (await calls(page, 'correct')).length === 1);
  assert.deepEqual(await calls(page, 'correct'), [{ peer: BOB, id: 4, body: 'Yes, two of them, front row' }]);
  assert.deepEqual(await calls(page, 'send'), []);
  await eventually(async () => (await bodyOf(page, 4)) === 'Yes, two of them, front row');
  assert.equal(await msg(page, 4).locator('.edited').getAttribute('title'), 'You edited this message');
  // Its ticks stay.
  assert.equal(await msg(page, 4).locator('.ticks').getAttribute('data-state'), 'delivered');
  await eventually(async () => (await editBar(page).count()) === 0);
  assert.equal(await msg(page, 4).evaluate((el) => el.classList.contains('editing')), false);
  // The draft typed before comes back.
  assert.equal(await box.inputValue(), 'a draft');

  // With the mouse: hover, click ⋯, click Edit; an unchanged text sends nothing.
  await msg(page, 2).hover();
  await menuButton(page, 2).click();
  await page.getByRole('menuitem', { name: 'Edit' }).click();
  await editBar(page).waitFor();
  assert.equal(await box.inputValue(), 'Sure, see you then');
  await page.keyboard.press('Enter');
  await eventually(async () => (await editBar(page).count()) === 0);
  assert.equal((await calls(page, 'correct')).length, 1);
  assert.equal(await box.inputValue(), 'a draft');
});

test('ArrowUp in an empty composer edits our last message; Esc cancels edit mode', async () => {
  const { page } = await openBob();
  const box = page.getByLabel(`Message to ${BOB}`);
  await box.click();
  // Not with text in the field.
  await page.keyboard.type('x');
  await page.keyboard.press('ArrowUp');
  assert.equal(await editBar(page).count(), 0);
  await page.keyboard.press('End');
  await page.keyboard.press('Backspace');
  assert.equal(await box.inputValue(), '');

  // Our newest message is 5 (sent from the phone: still ours).
  await page.keyboard.press('ArrowUp');
  await editBar(page).waitFor();
  assert.equal(await box.inputValue(), 'Sent this from my phone');
  await page.keyboard.press('Escape');
  await eventually(async () => (await editBar(page).count()) === 0);
  assert.equal(await box.inputValue(), '');
  assert.equal(await msg(page, 5).evaluate((el) => el.classList.contains('editing')), false);
  assert.deepEqual(await calls(page, 'correct'), []);

  // The bar's ✕ cancels too.
  await page.keyboard.press('ArrowUp');
  await editBar(page).waitFor();
  await page.getByRole('button', { name: 'Cancel editing' }).click();
  await eventually(async () => (await editBar(page).count()) === 0);

  await box.focus();
  await page.keyboard.press('ArrowUp');
  await editBar(page).waitFor();
  await box.fill('Sent this from my laptop');
  await page.keyboard.press('Enter');
  await eventually(async () => (await calls(page, 'correct')).length === 1);
  assert.deepEqual(await calls(page, 'correct'), [{ peer: BOB, id: 5, body: 'Sent this from my laptop' }]);
  await eventually(async () => (await bodyOf(page, 5)) === 'Sent this from my laptop');
  await eventually(async () => (await box.inputValue()) === '');

  // A message we send now is the last one.
  await box.fill('brand new');
  await page.keyboard.press('Enter');
  await eventually(async () => (await box.inputValue()) === '');
  const id = Number(await page.locator('.msg.out').last().getAttribute('data-id'));
  await page.keyboard.press('ArrowUp');
  await editBar(page).waitFor();
  assert.equal(await box.inputValue(), 'brand new');
  assert.equal(await msg(page, id).evaluate((el) => el.classList.contains('editing')), true);
});

test('in a room, ArrowUp edits our message there', async () => {
  const { page } = await openTea();
  const box = page.getByLabel('Message to Tea time');
  await box.click();
  await page.keyboard.press('ArrowUp');
  await editBar(page).waitFor();
  assert.equal(await box.inputValue(), 'Coming!');
  await page.keyboard.type(' With cake.');
  await page.keyboard.press('Enter');
  await eventually(async () => (await calls(page, 'correct')).length === 1);
  assert.deepEqual(await calls(page, 'correct'), [{ peer: TEA, id: 21, body: 'Coming! With cake.' }]);
  await eventually(async () => (await bodyOf(page, 21)) === 'Coming! With cake.');
  assert.equal((await msg(page, 21).locator('.edited').textContent()).trim(), 'edited');
});

test('Delete asks "Delete this message for everyone?"; Cancel keeps it, Delete calls retract', async () => {
  const { page, problems } = await openBob();
  await msg(page, 4).hover();
  await menuButton(page, 4).click();
  await page.getByRole('menuitem', { name: 'Delete' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete this message for everyone?' });
  await dialog.waitFor();
  assert.equal((await dialog.locator('blockquote').textContent()).trim(), 'Yes, two of them');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await eventually(async () => (await dialog.count()) === 0);
  assert.deepEqual(await calls(page, 'retract'), []);
  assert.equal(await bodyOf(page, 4), 'Yes, two of them');

  // Escape cancels too.
  await menuButton(page, 4).click();
  await page.getByRole('menuitem', { name: 'Delete' }).click();
  await dialog.waitFor();
  await page.keyboard.press('Escape');
  await eventually(async () => (await dialog.count()) === 0);
  assert.deepEqual(await calls(page, 'retract'), []);

  await menuButton(page, 4).click();
  await page.getByRole('menuitem', { name: 'Delete' }).click();
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Delete' }).click();
  await eventually(async () => (await calls(page, 'retract')).length === 1);
  assert.deepEqual(await calls(page, 'retract'), [{ peer: BOB, id: 4 }]);
  await eventually(async () => (await bodyOf(page, 4)) === 'This message was deleted');
  assert.equal(await menuButton(page, 4).count(), 0);
  // Never window.confirm: the question is the app's own dialog.
  assert.deepEqual(problems.dialogs, []);
});

test('a failed correction or deletion shows the error like a failed send; the edit is kept', async () => {
  const { page } = await openBob();
  await page.evaluate(() => {
    window.__fakeBackend.fail.correct = { kind: 'not_signed_in', message: 'not signed in: sign in again' };
    window.__fakeBackend.fail.retract = { kind: 'server', message: 'the server refused it' };
  });
  const box = page.getByLabel(`Message to ${BOB}`);
  await box.click();
  await page.keyboard.press('ArrowUp');
  await editBar(page).waitFor();
  await page.keyboard.type('!');
  await page.keyboard.press('Enter');
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.equal((await alert.textContent()).trim(), 'Not edited: not signed in: sign in again');
  assert.equal(await box.inputValue(), 'Sent this from my phone!');
  assert.equal(await editBar(page).count(), 1);
  assert.equal(await bodyOf(page, 5), 'Sent this from my phone');
  await page.keyboard.press('Escape');
  await eventually(async () => (await editBar(page).count()) === 0);
  assert.equal(await alert.count(), 0);

  await msg(page, 5).hover();
  await menuButton(page, 5).click();
  await page.getByRole('menuitem', { name: 'Delete' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
  await eventually(async () => (await page.getByRole('alert').count()) === 1);
  assert.equal((await page.getByRole('alert').textContent()).trim(), 'Not deleted: the server refused it');
  assert.equal(await bodyOf(page, 5), 'Sent this from my phone');
});
