// Measures the desktop app with a pre-seeded profile: cold start to the conversation list, and
// idle memory (RSS and PSS of tandem-desktop plus its WebKit child processes) after it has sat
// idle. Not part of the test suite. Run inside a desktop session:
//
//   TANDEM_MEASURE_PROFILE=/path/to/profile scripts/desktop-session.sh node e2e/measure.mjs
//
// The server the profile names must be reachable (e.g. the lab of the command that seeded it).
// Environment:
//   TANDEM_MEASURE_PROFILE   the profile directory (required); copied to a scratch directory
//                            first, so every run starts from the same state
//   TANDEM_MEASURE_COPY=0    use the profile in place instead
//   TANDEM_MEASURE_RUNS      runs (default 3); the median is reported
//   TANDEM_MEASURE_IDLE_S    seconds idle before memory is read (default 10)
//   TANDEM_MEASURE_READY     CSS selector meaning "ready" (default: a row in the conversation
//                            list, i.e. the list shows the seeded conversations)
//   TANDEM_MEASURE_JSON      also write the results to this file
//   TANDEM_DESKTOP_BIN, TANDEM_DESKTOP_ARGS, TANDEM_TARGET_DIR: as for the test suite
import { cp, mkdtemp, readFile, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { remote } from 'webdriverio';
import { DESKTOP_BIN, requireBinary } from './support/paths.mjs';
import { appEnv, DRIVER_PORT, startTauriDriver, ARTIFACTS_DIR } from './support/world.mjs';
import { sel } from './support/app.mjs';
import { mkdirSync } from 'node:fs';

const profile = process.env.TANDEM_MEASURE_PROFILE;
if (!profile) {
  console.error('measure: set TANDEM_MEASURE_PROFILE to a profile directory (see the header of measure.mjs)');
  process.exit(2);
}
if (!process.env.DISPLAY) {
  console.error('measure: no DISPLAY; run under scripts/desktop-session.sh');
  process.exit(2);
}
requireBinary(DESKTOP_BIN, 'cargo build -p tandem-desktop');
const runs = Number(process.env.TANDEM_MEASURE_RUNS ?? 3);
const idleS = Number(process.env.TANDEM_MEASURE_IDLE_S ?? 10);
const ready = process.env.TANDEM_MEASURE_READY ?? `${sel.conversationList} button[data-peer]`;
const args = (process.env.TANDEM_DESKTOP_ARGS ?? '').split(' ').filter(Boolean);
mkdirSync(ARTIFACTS_DIR, { recursive: true });

// ---- /proc helpers ----

const CLK_TCK = 100; // sysconf(_SC_CLK_TCK) on Linux x86_64/arm64

async function procStat(pid) {
  const s = await readFile(`/proc/${pid}/stat`, 'utf8');
  // comm may hold spaces and parentheses: the fields after it start at the last ')'.
  const close = s.lastIndexOf(')');
  const comm = s.slice(s.indexOf('(') + 1, close);
  const f = s.slice(close + 2).split(' ');
  return { pid, comm, ppid: Number(f[1]), startTicks: Number(f[19]) };
}

async function allProcesses() {
  const out = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      out.push(await procStat(Number(name)));
    } catch {
      // gone
    }
  }
  return out;
}

function descendants(procs, root) {
  const kids = new Map();
  for (const p of procs) {
    if (!kids.has(p.ppid)) kids.set(p.ppid, []);
    kids.get(p.ppid).push(p);
  }
  const out = [];
  const stack = [...(kids.get(root) ?? [])];
  while (stack.length) {
    const p = stack.pop();
    out.push(p);
    stack.push(...(kids.get(p.pid) ?? []));
  }
  return out;
}

async function exeOf(pid) {
  try {
    return await readlink(`/proc/${pid}/exe`);
  } catch {
    return null;
  }
}

/** The app's process under tauri-driver (tauri-driver → WebKitWebDriver → the app). */
async function findApp(driverPid) {
  const procs = await allProcesses();
  const target = path.resolve(DESKTOP_BIN);
  for (const p of descendants(procs, driverPid)) {
    if ((await exeOf(p.pid)) === target) return { app: p, procs };
  }
  return { app: null, procs };
}

/** Rss and Pss (kB) of one process, from smaps_rollup. */
async function memoryOf(pid) {
  const text = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  return { rssKb: kb('Rss'), pssKb: kb('Pss') };
}

/** How long ago process `p` started (ms), on the kernel's boot-time clock. */
async function ageMs(p) {
  const uptimeS = Number((await readFile('/proc/uptime', 'utf8')).split(' ')[0]);
  return Math.round((uptimeS - p.startTicks / CLK_TCK) * 1000);
}

// ---- one run ----

async function measureOnce(i) {
  const work = await mkdtemp(path.join(os.tmpdir(), 'tandem-measure-'));
  let dataDir = profile;
  if (process.env.TANDEM_MEASURE_COPY !== '0') {
    dataDir = path.join(work, 'profile');
    await cp(profile, dataDir, { recursive: true });
  }
  const driver = await startTauriDriver(appEnv(dataDir), path.join(ARTIFACTS_DIR, `measure-${i}-tauri-driver.log`));
  let browser;
  try {
    const t0 = Date.now();
    browser = await remote({
      hostname: '127.0.0.1',
      port: DRIVER_PORT,
      logLevel: 'error',
      connectionRetryTimeout: 120_000,
      capabilities: { 'tauri:options': { application: DESKTOP_BIN, args }, 'wdio:enforceWebDriverClassic': true },
    });
    const tSession = Date.now();
    await browser.$(ready).waitForExist({ timeout: 120_000, interval: 20 });
    const tReady = Date.now();
    const { app } = await findApp(driver.child.pid);
    const appAge = app ? (await ageMs(app)) - (Date.now() - tReady) : null;
    await new Promise((r) => setTimeout(r, idleS * 1000));
    const { app: app2, procs } = await findApp(driver.child.pid);
    if (!app2) throw new Error(`no ${DESKTOP_BIN} process under tauri-driver`);
    const family = [app2, ...descendants(procs, app2.pid)];
    const parts = [];
    for (const p of family) {
      try {
        parts.push({ pid: p.pid, name: p.comm, ...(await memoryOf(p.pid)) });
      } catch {
        // exited meanwhile
      }
    }
    const sum = (k) => parts.reduce((a, p) => a + p[k], 0);
    return {
      run: i,
      // From the WebDriver new-session request (which launches the app) to the ready selector.
      sessionToReadyMs: tReady - t0,
      newSessionMs: tSession - t0,
      // From the app process's start (kernel start time, 10 ms resolution) to the ready selector.
      processToReadyMs: appAge,
      idleSeconds: idleS,
      rssKb: sum('rssKb'),
      pssKb: sum('pssKb'),
      processes: parts,
    };
  } finally {
    await browser?.deleteSession().catch(() => {});
    await driver.stop();
    await rm(work, { recursive: true, force: true });
  }
}

const median = (xs) => {
  const s = xs.filter((x) => x !== null).sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : null;
};

const results = [];
for (let i = 1; i <= runs; i++) {
  const r = await measureOnce(i);
  results.push(r);
  console.log(
    `run ${i}: ready ${r.processToReadyMs ?? '?'} ms after the app process started (${r.sessionToReadyMs} ms after the session request); ` +
      `idle ${idleS} s: RSS ${(r.rssKb / 1024).toFixed(1)} MiB, PSS ${(r.pssKb / 1024).toFixed(1)} MiB — ` +
      r.processes.map((p) => `${p.name} ${(p.pssKb / 1024).toFixed(1)}`).join(', '),
  );
}
const summary = {
  profile,
  runs,
  readySelector: ready,
  medianProcessToReadyMs: median(results.map((r) => r.processToReadyMs)),
  medianSessionToReadyMs: median(results.map((r) => r.sessionToReadyMs)),
  medianRssMiB: Number((median(results.map((r) => r.rssKb)) / 1024).toFixed(1)),
  medianPssMiB: Number((median(results.map((r) => r.pssKb)) / 1024).toFixed(1)),
  results,
};
console.log(
  `median of ${runs}: cold start to the conversation list ${summary.medianProcessToReadyMs} ms ` +
    `(${summary.medianSessionToReadyMs} ms from the WebDriver session request); ` +
    `idle memory RSS ${summary.medianRssMiB} MiB, PSS ${summary.medianPssMiB} MiB`,
);
if (process.env.TANDEM_MEASURE_JSON) await writeFile(process.env.TANDEM_MEASURE_JSON, JSON.stringify(summary, null, 2));
