import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, calls, engine, eventually } from './support.mjs';
import { CHAT } from './scenarios.mjs';

let env;
before(async () => (env = await setup()));
after(async () => env?.close());

/** Today at noon: "Today" and "Yesterday" must not depend on when the suite runs. */
function noon() {
  const d = new Date();
  d.setHours(12, 0, 0, 0);
  return d;
}

async function openBob(scenario = CHAT) {
  const opened = await env.openApp(scenario, { at: noon() });
  await opened.page.locator('button.conv[data-peer="bob@example.org"]').click();
  await opened.page.locator('.msg[data-id="7"]').waitFor();
  return opened;
}

/** The rendered rows of the message list, top to bottom: "day:<label>" or "<id>:<body>". */
function rowsOf(page) {
  return page.$$eval('[data-testid="message-scroller"] .row', (els) =>
    els.map((el) => {
      const day = el.querySelector('.day');
      if (day) return `day:${day.textContent.trim()}`;
      const m = el.querySelector('.msg');
      if (m) return `${m.dataset.id}:${m.querySelector('.body').textContent}`;
      return 'start';
    }),
  );
}

test('history renders with day separators, in order, and open(peer) is called', async () => {
  const { page, problems } = await openBob();
  assert.deepEqual(await rowsOf(page), [
    'start',
    'day:March 5, 2024',
    '1:Old news from last spring',
    '2:Sure, see you then',
    'day:Yesterday',
    '3:Did you get the tickets?',
    '4:Yes, two of them',
    'day:Today',
    '5:Sent this from my phone',
    '6:Great, thanks!',
    '7:And one more thing',
  ]);
  assert.deepEqual(await calls(page, 'history'), [{ peer: 'bob@example.org', before: null, limit: 50 }]);
  assert.deepEqual(await calls(page, 'open'), [{ peer: 'bob@example.org' }]);
  assert.deepEqual(problems.errors, []);
});

test('outgoing messages show ticks (delivered ✓, seen ✓✓ "Read") and the device that sent them', async () => {
  const { page } = await openBob();
  const ticks = (id) => page.locator(`.msg[data-id="${id}"] .ticks`);
  assert.equal(await ticks(2).getAttribute('data-state'), 'seen');
  assert.equal((await ticks(2).textContent()).replace(/\s+/g, ''), '✓✓Read');
  assert.equal(await ticks(4).getAttribute('data-state'), 'delivered');
  assert.equal((await ticks(4).textContent()).replace(/\s+/g, ''), '✓Delivered');
  // Incoming messages have no ticks.
  assert.equal(await page.locator('.msg[data-id="3"] .ticks').count(), 0);
  // Sent from this device (laptop): no device label; sent from the phone: "from phone".
  assert.equal(await page.locator('.msg[data-id="4"] .device').count(), 0);
  assert.equal((await page.locator('.msg[data-id="5"] .device').textContent()).trim(), 'from phone');

  // Live receipts: delivered, then seen.
  await page.getByLabel('Message to bob@example.org').fill('new one');
  await page.keyboard.press('Enter');
  const sent = page.locator('.msg.out').last();
  await eventually(async () => (await sent.locator('.body').textContent()) === 'new one');
  const id = Number(await sent.getAttribute('data-id'));
  assert.equal(await sent.locator('.ticks').getAttribute('data-state'), 'sent');
  assert.equal(await sent.locator('.ticks [aria-hidden]').count(), 0);
  await engine(page, { event: 'delivered', conversation: 'bob@example.org', id });
  await eventually(async () => (await sent.locator('.ticks').getAttribute('data-state')) === 'delivered');
  await engine(page, { event: 'seen', conversation: 'bob@example.org', up_to: id });
  await eventually(async () => (await sent.locator('.ticks').getAttribute('data-state')) === 'seen');
  // seen up_to covers the older delivered message too
  assert.equal(await page.locator('.msg[data-id="4"] .ticks').getAttribute('data-state'), 'seen');
});

test('composer: Enter sends, Shift+Enter inserts a newline', async () => {
  const { page } = await openBob();
  const box = page.getByLabel('Message to bob@example.org');
  await box.click();
  await page.keyboard.type('first line');
  await page.keyboard.press('Shift+Enter');
  await page.keyboard.type('second line');
  assert.equal(await box.inputValue(), 'first line\nsecond line');
  assert.equal((await calls(page, 'send')).length, 0);
  await page.keyboard.press('Enter');
  await eventually(async () => (await calls(page, 'send')).length === 1);
  assert.deepEqual(await calls(page, 'send'), [{ peer: 'bob@example.org', body: 'first line\nsecond line' }]);
  await eventually(async () => (await box.inputValue()) === '');
  const last = page.locator('.msg.out').last();
  assert.equal(await last.locator('.body').textContent(), 'first line\nsecond line');
  // The list shows it as the newest preview.
  await eventually(async () =>
    (await page.locator('button.conv').first().getAttribute('data-peer')) === 'bob@example.org',
  );
});

test('composer: disabled while sending; a failed send shows the error and keeps the text', async () => {
  const { page } = await openBob({
    ...CHAT,
    sendDelayMs: 400,
    fail: {},
  });
  const box = page.getByLabel('Message to bob@example.org');
  await box.fill('slow one');
  await page.keyboard.press('Enter');
  await eventually(async () => box.isDisabled());
  await eventually(async () => !(await box.isDisabled()));
  assert.equal(await box.inputValue(), '');

  await page.evaluate(() => {
    window.__fakeBackend.fail.send = { kind: 'not_signed_in', message: 'not signed in: sign in again' };
  });
  await box.fill('this will fail');
  await page.keyboard.press('Enter');
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.equal((await alert.textContent()).trim(), 'Not sent: not signed in: sign in again');
  assert.equal(await box.inputValue(), 'this will fail');
  assert.equal(await box.isEnabled(), true);
});

test('an incoming message for the open conversation appears live; other conversations only get a badge', async () => {
  const { page } = await openBob();
  await page.evaluate(() => window.__fakeBackend.incoming('bob@example.org', { body: 'live hello' }));
  await eventually(async () => (await page.locator('.msg.in').last().locator('.body').textContent()) === 'live hello');
  await page.evaluate(() => window.__fakeBackend.incoming('carol@example.net', { body: 'elsewhere' }));
  await eventually(async () =>
    (await page.locator('button.conv[data-peer="carol@example.net"] .badge').textContent()) === '1',
  );
  assert.equal(await page.locator('[data-testid="message-scroller"]').getByText('elsewhere', { exact: true }).count(), 0);
});

test('leaving a conversation calls open(null); a navigate event opens a conversation', async () => {
  const { page } = await openBob();
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.getByRole('heading', { name: 'Settings' }).waitFor();
  await eventually(async () => {
    const opens = await calls(page, 'open');
    assert.deepEqual(opens, [{ peer: 'bob@example.org' }, { peer: null }]);
    return true;
  });
  await page.evaluate(() => window.__fakeBackend.navigate('carol@example.net'));
  await page.getByRole('heading', { name: 'carol@example.net' }).waitFor();
  await page.locator('.msg[data-id="9"]').waitFor();
  assert.deepEqual((await calls(page, 'open')).at(-1), { peer: 'carol@example.net' });
});

test('activity() is called on input, at most once per 5 s', async () => {
  const { page } = await openBob();
  const before = (await calls(page, 'activity')).length;
  for (let i = 0; i < 10; i++) {
    await page.keyboard.press('a');
    await page.mouse.move(100 + i * 5, 200);
  }
  const after = (await calls(page, 'activity')).length;
  assert.ok(after - before <= 1, `activity called ${after - before} times`);
  assert.ok(after >= 1, 'activity was never called');
});
