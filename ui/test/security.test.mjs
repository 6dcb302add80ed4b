import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, calls, eventually } from './support.mjs';

let env;
before(async () => (env = await setup()));
after(async () => env?.close());

const EVIL = '<b>mallory</b>@evil.example';
const HOSTILE = {
  restore: 'me',
  conversations: {
    'bob@example.org': [
      { id: 1, body: '<img src=x onerror=alert(1)>', minutesAgo: 9 },
      { id: 2, body: 'click javascript:alert(1) or data:text/html,<script>alert(2)</script> or file:///etc/passwd', minutesAgo: 8 },
      { id: 3, body: 'docs at https://example.org/a?b=1&c=2#top, then (see https://tandem.example/x).', minutesAgo: 7 },
      { id: 4, body: 'talk to xmpp:carol@example.net?message please', minutesAgo: 6 },
      { id: 5, body: '<a href="javascript:alert(3)">free prizes</a>', minutesAgo: 5 },
    ],
    [EVIL]: [{ id: 6, body: '<script>alert(4)</script>', minutesAgo: 20 }],
    'carol@example.net': [{ id: 7, body: 'hello', minutesAgo: 60 }],
  },
};

async function openBob() {
  const opened = await env.openApp(HOSTILE);
  await opened.page.locator('button.conv[data-peer="bob@example.org"]').click();
  await opened.page.locator('.msg[data-id="5"]').waitFor();
  return opened;
}

test('a body with HTML shows as literal text and runs nothing', async () => {
  const { page, problems } = await openBob();
  const body = page.locator('.msg[data-id="1"] .body');
  assert.equal(await body.textContent(), '<img src=x onerror=alert(1)>');
  assert.equal(await page.locator('.msg img, .msg script, .msg[data-id="5"] a').count(), 0);
  assert.equal(await page.locator('.msg[data-id="5"] .body').textContent(), '<a href="javascript:alert(3)">free prizes</a>');
  await page.waitForTimeout(200);
  assert.deepEqual(problems.dialogs, []);
});

test('javascript:, data: and file: URLs are plain text: not clickable, never open_link', async () => {
  const { page, problems } = await openBob();
  const msg = page.locator('.msg[data-id="2"]');
  assert.equal(await msg.locator('a, button').count(), 0);
  await msg.getByText('javascript:alert(1)', { exact: false }).click();
  await page.waitForTimeout(200);
  assert.deepEqual(await calls(page, 'open_link'), []);
  assert.deepEqual(problems.dialogs, []);
  assert.match(page.url(), /harness\.html$/);
});

test('an https link shows its real target and calls open_link with the exact URL, without navigating', async () => {
  const { page } = await openBob();
  const links = page.locator('.msg[data-id="3"] a');
  assert.equal(await links.count(), 2);
  const first = links.nth(0);
  assert.equal(await first.textContent(), 'https://example.org/a?b=1&c=2#top');
  assert.equal(await first.getAttribute('title'), 'https://example.org/a?b=1&c=2#top');
  assert.equal(await links.nth(1).textContent(), 'https://tandem.example/x');
  await first.click();
  await eventually(async () => (await calls(page, 'open_link')).length === 1);
  assert.deepEqual(await calls(page, 'open_link'), [{ url: 'https://example.org/a?b=1&c=2#top' }]);
  // Keyboard works too.
  await links.nth(1).focus();
  await page.keyboard.press('Enter');
  await eventually(async () => (await calls(page, 'open_link')).length === 2);
  assert.deepEqual((await calls(page, 'open_link'))[1], { url: 'https://tandem.example/x' });
  assert.match(page.url(), /harness\.html$/);
});

test('an xmpp: link opens that conversation in the app', async () => {
  const { page } = await openBob();
  const link = page.locator('.msg[data-id="4"] a');
  assert.equal(await link.textContent(), 'xmpp:carol@example.net?message');
  await link.click();
  await page.getByRole('heading', { name: 'carol@example.net' }).waitFor();
  assert.deepEqual(await calls(page, 'open_link'), []);
});

test('contact names and JIDs with HTML are text too', async () => {
  const { page, problems } = await env.openApp(HOSTILE);
  const row = page.locator('button.conv').filter({ hasText: EVIL });
  await row.waitFor();
  assert.equal(await page.locator('aside b, aside script').count(), 0);
  assert.equal(await row.locator('.peer').textContent(), EVIL);
  assert.equal(await row.locator('.preview').textContent(), '<script>alert(4)</script>');
  await row.click();
  await page.getByRole('heading', { name: EVIL }).waitFor();
  assert.equal(await page.locator('main b, main script').count(), 0);
  await page.waitForTimeout(200);
  assert.deepEqual(problems.dialogs, []);
});
