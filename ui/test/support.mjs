// Shared test plumbing: a static server for dist-test/ on loopback, the system Chromium through
// playwright-core (no browser download), and `openApp(scenario)` which loads the harness with a
// scenario for the fake backend.

import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, extname, normalize, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist-test');
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
};
// The CSP the Tauri shell is expected to set; the harness is served with it so a violation shows.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ipc: http://ipc.localhost";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function startServer() {
  if (!existsSync(join(ROOT, 'test', 'harness.html'))) {
    throw new Error('dist-test/ is missing: run `npm run build:harness` (npm test does it)');
  }
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const file = join(ROOT, path);
    if (!file.startsWith(ROOT) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-security-policy': CSP,
      'cache-control': 'no-store',
    });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/**
 * Starts the server and a browser for one test file. Returns `openApp` and `close`.
 * Every page records console errors, page errors, CSP violations and dialogs.
 */
export async function setup() {
  const server = await startServer();
  const base = `http://127.0.0.1:${server.address().port}/test/harness.html`;
  const profile = mkdtempSync(join(tmpdir(), 'tandem-ui-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    locale: 'en-US',
    viewport: { width: 1100, height: 760 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  for (const p of context.pages()) await p.close();

  async function openApp(scenario = {}, options = {}) {
    const { viewport } = options;
    const page = await context.newPage();
    if (viewport) await page.setViewportSize(viewport);
    const problems = { errors: [], dialogs: [], csp: [] };
    page.on('pageerror', (e) => problems.errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.errors.push(m.text());
      if (/Content.Security.Policy/i.test(m.text())) problems.csp.push(m.text());
    });
    page.on('dialog', (d) => {
      problems.dialogs.push(d.message());
      void d.dismiss();
    });
    await page.addInitScript((s) => {
      window.__TANDEM_SCENARIO__ = s;
    }, scenario);
    if (options.at) {
      // A fixed wall clock (timers still run), for tests whose labels depend on the date.
      await page.clock.setFixedTime(options.at);
    }
    await page.goto(base);
    await page.waitForFunction(() => window.__harnessReady === true);
    return { page, problems };
  }

  async function close() {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
    await new Promise((r) => server.close(r));
  }

  return { openApp, close };
}

/** Calls of one command recorded by the fake backend. */
export function calls(page, cmd) {
  return page.evaluate((c) => window.__fakeBackend.callsOf(c), cmd);
}

/** Emits an engine event. */
export function engine(page, ev) {
  return page.evaluate((e) => window.__fakeBackend.engine(e), ev);
}

/** Polls `fn` until it returns a truthy value (or throws the last assertion error). */
export async function eventually(fn, { timeout = 5000, interval = 50 } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v !== false && v !== undefined && v !== null) return v;
      last = new Error('condition stayed false');
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw last;
    await new Promise((r) => setTimeout(r, interval));
  }
}

export const ME = {
  account: 'alice@example.org',
  jid: 'alice@example.org/laptop',
  resource: 'laptop',
  device: 'desktop',
};
