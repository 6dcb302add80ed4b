// The world one WebdriverIO session runs in: a lab Prosody with alice and bob, alice's laptop
// profile for the app (restored by the app at start), alice's phone and bob's PC as CLI
// devices, a recording of the session bus's notifications, and tauri-driver, which starts the
// app (with TANDEM_DATA_DIR pointing at the laptop profile) when the session is created.
//
// wdio.conf.mjs sets it up in beforeSession (in the worker, before the app starts) and tears
// it down in afterSession; specs get it with `world()`.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startLab } from './lab.mjs';
import { startDevice } from './device.mjs';
import { recordNotifications } from './notifications.mjs';
import { E2E_DIR } from './paths.mjs';

export const ARTIFACTS_DIR = process.env.TANDEM_E2E_ARTIFACTS ?? path.join(E2E_DIR, 'artifacts');
export const DRIVER_PORT = Number(process.env.TAURI_DRIVER_PORT ?? 4444);
export const NATIVE_PORT = Number(process.env.TAURI_DRIVER_NATIVE_PORT ?? 4445);

export function tauriDriverPath() {
  if (process.env.TAURI_DRIVER) return process.env.TAURI_DRIVER;
  const home = path.join(process.env.CARGO_HOME ?? path.join(os.homedir(), '.cargo'), 'bin', 'tauri-driver');
  return home;
}

/** The environment the app gets (through tauri-driver and WebKitWebDriver). */
export function appEnv(dataDir, extra = {}) {
  return {
    ...process.env,
    TANDEM_DATA_DIR: dataDir,
    // Software rendering under Xvfb: no GPU, no DMA-BUF.
    WEBKIT_DISABLE_DMABUF_RENDERER: '1',
    WEBKIT_DISABLE_COMPOSITING_MODE: '1',
    LIBGL_ALWAYS_SOFTWARE: '1',
    GDK_BACKEND: 'x11',
    RUST_LOG: process.env.RUST_LOG ?? 'info,tandem=debug',
    ...extra,
  };
}

let current = null;

/** The world of the running session (set up by wdio.conf.mjs). */
export function world() {
  if (!current) throw new Error('no world: the session was not set up by wdio.conf.mjs');
  return current;
}

/** Sets up everything before the app starts; returns the world. */
export async function setUpWorld({ name = 'session' } = {}) {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const work = await mkdtemp(path.join(os.tmpdir(), 'tandem-e2e-'));
  const w = { work, artifacts: ARTIFACTS_DIR, devices: [], driver: null };
  current = w;
  w.lab = await startLab({ alice: 'alice-pw', bob: 'bob-pw' }, { workDir: work });
  w.alice = w.lab.jid('alice');
  w.bob = w.lab.jid('bob');
  w.laptopDir = await w.lab.profile('alice', path.join(work, 'alice-laptop'), { resource: 'laptop', device: 'desktop' });
  const phoneDir = await w.lab.profile('alice', path.join(work, 'alice-phone'), { resource: 'phone', device: 'phone' });
  const bobDir = await w.lab.profile('bob', path.join(work, 'bob-pc'), { resource: 'pc', device: 'desktop' });
  // The phone connects before the app, and goes into the pocket: the app, starting later,
  // is the active device.
  w.phone = await startDevice('alice/phone', phoneDir, { logFile: path.join(ARTIFACTS_DIR, `${name}-phone.jsonl`) });
  w.bobPc = await startDevice('bob/pc', bobDir, { logFile: path.join(ARTIFACTS_DIR, `${name}-bob.jsonl`) });
  w.devices.push(w.phone, w.bobPc);
  w.phone.background();
  if (process.env.DBUS_SESSION_BUS_ADDRESS) {
    w.notifications = await recordNotifications(path.join(ARTIFACTS_DIR, `${name}-bus.log`));
  }
  w.driver = await startTauriDriver(appEnv(w.laptopDir), path.join(ARTIFACTS_DIR, `${name}-tauri-driver.log`));
  return w;
}

/** Stops what setUpWorld started (tauri-driver last-but-one, the lab last). */
export async function tearDownWorld() {
  const w = current;
  if (!w) return;
  current = null;
  await Promise.allSettled(w.devices.map((d) => d.stop()));
  await w.notifications?.stop();
  await w.driver?.stop();
  await w.lab?.stop();
  if (!process.env.TANDEM_E2E_KEEP) await rm(w.work, { recursive: true, force: true });
}

/**
 * Spawns tauri-driver (which spawns WebKitWebDriver) with `env`, logging both (and the app's
 * stderr) to `logFile`; resolves once it accepts connections.
 */
export async function startTauriDriver(env, logFile) {
  const bin = tauriDriverPath();
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run e2e/install.sh (cargo install tauri-driver --locked)`);
  if (await portOpen(DRIVER_PORT)) {
    throw new Error(`port ${DRIVER_PORT} is taken (an old tauri-driver?); set TAURI_DRIVER_PORT or stop it`);
  }
  const log = createWriteStream(logFile);
  const args = ['--port', String(DRIVER_PORT), '--native-port', String(NATIVE_PORT)];
  if (existsSync('/usr/bin/WebKitWebDriver')) args.push('--native-driver', '/usr/bin/WebKitWebDriver');
  // Its own process group, so stopping it also stops WebKitWebDriver and the app.
  const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const killGroup = (sig) => {
    try {
      process.kill(-child.pid, sig);
    } catch {
      // gone
    }
  };
  process.once('exit', () => killGroup('SIGKILL'));
  const deadline = Date.now() + 15_000;
  while (!(await portOpen(DRIVER_PORT))) {
    if (child.exitCode !== null) throw new Error(`tauri-driver exited (${child.exitCode}); see ${logFile}`);
    if (Date.now() > deadline) {
      killGroup('SIGKILL');
      throw new Error(`tauri-driver did not listen on ${DRIVER_PORT}; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    logFile,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      killGroup('SIGTERM');
      const timer = setTimeout(() => killGroup('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
      // WebKitWebDriver or the app may outlive tauri-driver for a moment.
      await new Promise((r) => setTimeout(r, 200));
      killGroup('SIGKILL');
      log.end();
    },
  };
}

function portOpen(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
