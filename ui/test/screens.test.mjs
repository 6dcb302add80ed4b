import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, calls, engine, eventually } from './support.mjs';

let env;
before(async () => (env = await setup()));
after(async () => env?.close());

test('"Your devices" lists every device with type, state, last activity and "This device"', async () => {
  const { page } = await env.openApp({ restore: 'me' });
  await page.getByRole('button', { name: 'Your devices' }).click();
  await page.getByRole('heading', { name: 'Your devices' }).waitFor();
  const cards = () =>
    page.$$eval('li.device', (els) =>
      els.map((el) => ({
        name: el.querySelector('.name').textContent.trim(),
        type: el.querySelector('.type').textContent.trim(),
        state: el.querySelector('.state').textContent.trim(),
        last: el.querySelector('.last').textContent.replace(/\s+/g, ' ').trim(),
        me: !!el.querySelector('.this'),
      })),
    );
  await page.locator('li.device').first().waitFor();
  assert.deepEqual(await cards(), [
    { name: 'laptop', type: 'Desktop', state: 'Active', last: 'Last active 1 minute ago', me: true },
    { name: 'phone', type: 'Phone', state: 'Quiet', last: 'Last active 42 minutes ago', me: false },
    { name: 'tablet', type: 'Tablet', state: 'Offline', last: 'No activity yet', me: false },
  ]);
  // A device event refreshes the list from devices().
  const before = (await calls(page, 'devices')).length;
  await page.evaluate(() => {
    const fb = window.__fakeBackend;
    fb.devices = fb.devices.map((d) => (d.resource === 'phone' ? { ...d, state: 'active', show: 'available' } : d));
  });
  await engine(page, { event: 'device', devices: [] });
  await eventually(async () => (await calls(page, 'devices')).length > before);
  await eventually(async () => (await cards())[1].state === 'Active');
  await engine(page, { event: 'quiet', state: 'inactive', server: true });
  await eventually(async () => (await calls(page, 'devices')).length > before + 1);
});

test('settings load, save through save_settings and report success or the error', async () => {
  const { page } = await env.openApp({ restore: 'me' });
  await page.getByRole('button', { name: 'Settings' }).click();
  const multi = page.getByLabel('Multi-device messaging');
  await multi.waitFor();
  assert.equal(await multi.isChecked(), true);
  assert.equal(await page.getByLabel('Active window (minutes)').inputValue(), '5');
  await multi.uncheck();
  await page.getByLabel('Active window (minutes)').fill('10');
  await page.getByLabel('Show notifications').uncheck();
  await page.getByLabel('Device type').selectOption('phone');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('status').filter({ hasText: 'Settings saved.' }).waitFor();
  assert.deepEqual(await calls(page, 'save_settings'), [
    { settings: { multi_device: false, active_window_secs: 600, notifications: false, device: 'phone' } },
  ]);

  await page.evaluate(() => {
    window.__fakeBackend.fail.save_settings = { kind: 'storage', message: 'could not write the profile: disk full' };
  });
  await page.getByLabel('Active window (minutes)').fill('15');
  await page.getByRole('button', { name: 'Save' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.equal((await alert.textContent()).trim(), 'Not saved: could not write the profile: disk full');
  assert.equal(await page.getByText('Settings saved.').count(), 0);
});

test('sign out returns to the sign-in form', async () => {
  const { page } = await env.openApp({ restore: 'me' });
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in to Tandem' }).waitFor();
  assert.equal((await calls(page, 'sign_out')).length, 1);
});

test('diagnostics shows the counters by their admin-guide names, live', async () => {
  const { page } = await env.openApp({ restore: 'me' });
  await page.getByRole('button', { name: 'Diagnostics' }).click();
  const value = (name) => page.locator(`tr[data-counter="${name}"] td.num`).textContent();
  await page.locator('tr[data-counter="MDMSessions"]').waitFor();
  assert.equal(await value('MDMSessions'), '2');
  assert.equal(await value('MDMQuietModeSessions'), '1');
  assert.equal(await value('MDMQuietModeMillis'), '12.5 s');
  assert.equal(await value('MDMBufferFlushes'), '3');
  assert.equal(await value('MDMBufferFlushPacketCount'), '7');
  assert.equal(await value('MDMBufferAvgQueuedTime'), '1.5 s');
  assert.equal(await value('carbons_received'), '11');
  const decision = (d) => page.locator(`tr[data-decision="${d}"] td.num`).textContent();
  assert.equal(await decision('notify'), '5');
  assert.equal(await decision('active_elsewhere'), '6');
  assert.equal(await decision('already_read'), '2');
  assert.equal(await page.locator('[data-total]').textContent(), '8');

  // A counters event updates at once.
  const counters = await page.evaluate(() => window.__fakeBackend.counters);
  await engine(page, { event: 'counters', ...counters, MDMSessions: 3, notifications_suppressed: { ...counters.notifications_suppressed, viewing: 4 } });
  await eventually(async () => (await value('MDMSessions')) === '3');
  assert.equal(await decision('viewing'), '4');

  // And the screen polls counters() every 2 s while shown.
  await page.evaluate(() => {
    window.__fakeBackend.counters.MDMBufferFlushes = 42;
  });
  const n = (await calls(page, 'counters')).length;
  await eventually(async () => (await value('MDMBufferFlushes')) === '42', { timeout: 4000 });
  assert.ok((await calls(page, 'counters')).length > n);

  // Polling stops when the screen is left.
  await page.getByRole('button', { name: 'Your devices' }).click();
  const m = (await calls(page, 'counters')).length;
  await page.waitForTimeout(2500);
  assert.equal((await calls(page, 'counters')).length, m);
});

test('narrow windows (or 200% zoom) stack the layout: one pane at a time with a back button', async () => {
  const { page } = await env.openApp({ restore: 'me', conversations: { 'bob@example.org': [{ body: 'hi', minutesAgo: 1 }] } }, { viewport: { width: 600, height: 700 } });
  await page.locator('button.conv').first().click();
  await page.getByRole('heading', { name: 'bob@example.org' }).waitFor();
  assert.equal(await page.locator('aside.sidebar').isVisible(), false);
  await page.getByRole('button', { name: 'Back to conversations' }).click();
  assert.equal(await page.locator('aside.sidebar').isVisible(), true);
  // Nothing overflows horizontally.
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true);
});
