// WebdriverIO drives Tandem's desktop app through tauri-driver (a proxy in front of
// WebKitWebDriver, which starts the app). Run it inside a desktop session:
//   ../scripts/desktop-session.sh npx wdio run wdio.conf.mjs       (or ./run.sh)
// Each session gets its own world (support/world.mjs): a lab Prosody, alice's laptop profile for
// the app, CLI devices for alice's phone and bob, and a recording of the session bus.
import { existsSync } from 'node:fs';
import { SevereServiceError } from 'webdriverio';
import { screenshot } from './support/app.mjs';
import { DESKTOP_BIN, TANDEM_BIN } from './support/paths.mjs';
import { ARTIFACTS_DIR, DRIVER_PORT, setUpWorld, tauriDriverPath, tearDownWorld } from './support/world.mjs';

export const config = {
  runner: 'local',
  specs: ['./specs/**/*.e2e.mjs'],
  maxInstances: 1,
  capabilities: [
    {
      maxInstances: 1,
      // tauri-driver turns this into WebKitWebDriver's webkitgtk:browserOptions.
      // TANDEM_DESKTOP_ARGS: extra arguments, space-separated (e.g. `--automation` for the
      // MiniBrowser stand-in of the self-test).
      'tauri:options': { application: DESKTOP_BIN, args: (process.env.TANDEM_DESKTOP_ARGS ?? '').split(' ').filter(Boolean) },
      // WebKitWebDriver speaks WebDriver classic only (no BiDi).
      'wdio:enforceWebDriverClassic': true,
    },
  ],
  hostname: '127.0.0.1',
  port: DRIVER_PORT,
  path: '/',
  logLevel: process.env.WDIO_LOG_LEVEL ?? 'warn',
  outputDir: ARTIFACTS_DIR,
  bail: 0,
  waitforTimeout: 20_000,
  connectionRetryTimeout: 120_000,
  connectionRetryCount: 1,
  framework: 'mocha',
  reporters: ['spec'],
  mochaOpts: { ui: 'bdd', timeout: 120_000 },

  // In the launcher: fail early, and clearly, when something is missing.
  onPrepare() {
    const missing = [];
    if (!existsSync(TANDEM_BIN)) missing.push(`${TANDEM_BIN} (cargo build -p tandem-cli)`);
    if (!existsSync(DESKTOP_BIN)) missing.push(`${DESKTOP_BIN} (cargo build -p tandem-desktop)`);
    if (!existsSync(tauriDriverPath())) missing.push(`${tauriDriverPath()} (e2e/install.sh)`);
    if (!process.env.DISPLAY || !process.env.DBUS_SESSION_BUS_ADDRESS) {
      missing.push('a desktop session (run under scripts/desktop-session.sh)');
    }
    if (missing.length) throw new SevereServiceError(`cannot run the desktop e2e tests, missing:\n  ${missing.join('\n  ')}`);
  },

  // In the worker, before the session (and so the app) starts: the lab, the profiles, the
  // CLI devices, the bus recording, tauri-driver.
  async beforeSession(_config, _caps, specs) {
    const name = (specs?.[0] ?? 'session').split('/').pop().replace(/\.e2e\.mjs$/, '');
    await setUpWorld({ name });
  },

  async afterTest(test, _context, { passed }) {
    if (!passed) {
      await screenshot(ARTIFACTS_DIR, `failed-${test.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`);
    }
  },

  async afterSession() {
    await tearDownWorld();
  },
};
