import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, engine, eventually } from './support.mjs';
import { CHAT } from './scenarios.mjs';

let env;
before(async () => (env = await setup()));
after(async () => env?.close());

/** [peer, unread badge text or null, preview] for each row, top to bottom. */
function rows(page) {
  return page.$$eval('nav[aria-label="Conversations"] button.conv', (els) =>
    els.map((el) => [
      el.dataset.peer,
      el.querySelector('.badge')?.textContent.trim() ?? null,
      el.querySelector('.preview')?.textContent.trim(),
    ]),
  );
}

test('the conversation list is newest first with previews and unread counts', async () => {
  const { page } = await env.openApp(CHAT);
  await page.locator('button.conv').first().waitFor();
  assert.deepEqual(await rows(page), [
    ['dave@example.com', '1', 'ping'],
    ['bob@example.org', '2', 'And one more thing'],
    ['carol@example.net', null, 'You: Count me in'],
  ]);
  // The badge is labelled for screen readers, and the time is relative.
  await page.getByLabel('2 unread').waitFor();
  assert.equal(await page.locator('button.conv[data-peer="dave@example.com"] .age').textContent(), '2 min');
});

test('a live message moves its conversation to the top and bumps the badge; read clears it', async () => {
  const { page } = await env.openApp(CHAT);
  await page.locator('button.conv').first().waitFor();
  await page.evaluate(() => window.__fakeBackend.incoming('carol@example.net', { body: 'Are you there?' }));
  await eventually(async () => {
    const r = await rows(page);
    assert.deepEqual(r[0], ['carol@example.net', '1', 'Are you there?']);
    return true;
  });
  await page.evaluate(() => window.__fakeBackend.incoming('carol@example.net', { body: 'Hello??' }));
  await eventually(async () => (await rows(page))[0][1] === '2');

  // Read on another device (MDS): the badge goes.
  const lastId = await page.evaluate(() => window.__fakeBackend.messages.get('carol@example.net').at(-1).id);
  await engine(page, { event: 'read', conversation: 'carol@example.net', up_to: lastId, source: 'mds' });
  await eventually(async () => (await rows(page))[0][1] === null);
  // The others are untouched.
  assert.deepEqual((await rows(page)).map((r) => r[1]), [null, '1', '2']);
});

test('the connection indicator follows connected/disconnected events', async () => {
  const { page } = await env.openApp(CHAT);
  const status = page.locator('.conn');
  await status.waitFor();
  assert.equal((await status.textContent()).trim(), 'Connected');
  await engine(page, { event: 'disconnected', reason: 'connection_lost' });
  await eventually(async () => (await status.textContent()).trim() === 'Reconnecting…');
  await engine(page, { event: 'connected', jid: 'alice@example.org/laptop', resumed: true });
  await eventually(async () => (await status.textContent()).trim() === 'Connected');
});

test('"New chat" opens a conversation with the address typed; arrow keys move through the list', async () => {
  const { page } = await env.openApp(CHAT);
  await page.locator('button.conv').first().waitFor();
  await page.getByRole('button', { name: 'New chat' }).click();
  await page.getByLabel('Chat address').fill('not an address');
  await page.getByRole('button', { name: 'Open' }).click();
  await page.getByRole('alert').waitFor();
  await page.getByLabel('Chat address').fill('erin@example.org');
  await page.getByRole('button', { name: 'Open' }).click();
  await page.getByRole('heading', { name: 'erin@example.org' }).waitFor();

  await page.locator('button.conv').first().focus();
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.peer), 'bob@example.org');
  await page.keyboard.press('End');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.peer), 'carol@example.net');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'carol@example.net' }).waitFor();
});
