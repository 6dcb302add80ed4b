import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, calls, eventually } from './support.mjs';

let env;
before(async () => (env = await setup()));
after(async () => env?.close());

const PEER = 'bulk@example.org';
const COUNT = 10_000;
/** The fake backend's bulk bodies start like this (every third message is ours). */
const bodyOf = (i) => (i % 3 === 0 ? `Reply number ${i}` : `Message number ${i}`);

test('10,000 messages: pages of 50 load as the user scrolls up, and the DOM stays small', async () => {
  const { page, problems } = await env.openApp({ restore: 'me', bulk: { peer: PEER, count: COUNT } });
  await page.locator(`button.conv[data-peer="${PEER}"]`).click();
  const scroller = page.locator('[data-testid="message-scroller"]');
  // The newest message is shown at the bottom.
  const newest = page.getByTestId('message-scroller').getByText(bodyOf(COUNT - 1));
  await newest.waitFor();
  assert.ok(await newest.isVisible());

  const history = () => calls(page, 'history');
  assert.deepEqual((await history())[0], { peer: PEER, before: null, limit: 50 });

  // Scroll to the top repeatedly: every time an older page is requested with the oldest id.
  for (let round = 0; round < 30; round++) {
    const n = (await history()).length;
    await scroller.evaluate((el) => {
      el.scrollTop = 0;
      el.dispatchEvent(new Event('scroll'));
    });
    await eventually(async () => (await history()).length > n);
  }
  const pages = await history();
  assert.ok(pages.length >= 31, `only ${pages.length} pages`);
  // Each request asks for what is strictly older than what is loaded.
  const allIds = await page.evaluate((p) => window.__fakeBackend.messages.get(p).map((m) => m.id), PEER);
  for (let i = 1; i < pages.length; i++) {
    assert.equal(pages[i].before, allIds[COUNT - 50 * i], `page ${i} asked before ${pages[i].before}`);
    assert.equal(pages[i].limit, 50);
  }
  await eventually(async () => !(await page.locator('.older').count()));

  // Many messages are loaded, but only a window of them is in the DOM.
  const bubbles = await page.locator('.msg').count();
  const loaded = 50 * pages.length;
  assert.ok(loaded >= 1500, `loaded ${loaded}`);
  assert.ok(bubbles > 0 && bubbles < 120, `${bubbles} bubbles in the DOM for ${loaded} loaded messages`);

  // The spacers stand for the rest: the scroll height reflects all loaded messages.
  const height = await scroller.evaluate((el) => el.scrollHeight);
  assert.ok(height > loaded * 30, `scrollHeight ${height} for ${loaded} messages`);

  // Jumping back to the bottom renders the newest again, still with a small DOM.
  await page.getByRole('button', { name: 'Latest' }).click();
  await newest.waitFor();
  assert.ok((await page.locator('.msg').count()) < 120);

  // And the middle of the list renders what is there (ids increasing, no gaps among rendered rows).
  await scroller.evaluate((el) => {
    el.scrollTop = el.scrollHeight / 2;
    el.dispatchEvent(new Event('scroll'));
  });
  await page.waitForTimeout(100);
  const ids = await page.$$eval('.msg', (els) => els.map((e) => Number(e.dataset.id)));
  assert.ok(ids.length > 5 && ids.length < 120, `${ids.length} rows`);
  for (let i = 1; i < ids.length; i++) assert.equal(ids[i], ids[i - 1] + 1);
  assert.deepEqual(problems.errors, []);
});

test('scrolling up keeps the messages on screen still when an older page is prepended', async () => {
  const { page } = await env.openApp({ restore: 'me', bulk: { peer: PEER, count: 2000 }, historyDelayMs: 400 });
  await page.locator(`button.conv[data-peer="${PEER}"]`).click();
  const scroller = page.locator('[data-testid="message-scroller"]');
  await page.getByTestId('message-scroller').getByText(bodyOf(1999)).waitFor();
  await eventually(async () => (await calls(page, 'history')).length >= 1);
  await eventually(async () => !(await page.locator('.older').count()));
  const n = (await calls(page, 'history')).length;
  // Scroll near the top (inside the load margin) and note which message sits at the top.
  await scroller.evaluate((el) => {
    el.scrollTop = 200;
    el.dispatchEvent(new Event('scroll'));
  });
  // Let the rows for that position render (the older page takes 400 ms to arrive).
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const probe = await scroller.evaluate((el) => {
    const top = el.getBoundingClientRect().top;
    const row = [...el.querySelectorAll('.msg')].find((m) => m.getBoundingClientRect().bottom > top + 5);
    return { id: row.dataset.id, y: row.getBoundingClientRect().top - top };
  });
  assert.ok(probe.y < 100, `probe row at ${probe.y}`);
  await eventually(async () => (await calls(page, 'history')).length > n);
  await eventually(async () => !(await page.locator('.older').count()));
  await page.waitForTimeout(150);
  const after = await scroller.evaluate((el, id) => {
    const row = el.querySelector(`.msg[data-id="${id}"]`);
    return row && row.getBoundingClientRect().top - el.getBoundingClientRect().top;
  }, probe.id);
  assert.notEqual(after, null, 'the message that was on screen is still rendered');
  assert.ok(Math.abs(after - probe.y) <= 2, `moved from ${probe.y} to ${after}`);
});
