// Checks the WebdriverIO + tauri-driver + WebKitWebDriver plumbing without the app: run with
// WebKitGTK's MiniBrowser standing in for it (see README.md, "Self-tests").
/* global $, browser, expect */
import { world } from '../support/world.mjs';
import { screenshot } from '../support/app.mjs';

describe('the driver plumbing (MiniBrowser as the app)', () => {
  it('opens a session, runs script in the page and sees the world', async () => {
    const w = world();
    expect(w.alice).toMatch(/^alice@/);
    const answer = await browser.execute(() => 6 * 7);
    expect(answer).toBe(42);
    await browser.url('data:text/html,<nav aria-label="Conversations"><button data-peer="x">x</button></nav>');
    await expect($('nav[aria-label="Conversations"] button[data-peer="x"]')).toBeDisplayed();
    await screenshot(w.artifacts, 'selftest-driver');
  });
});
