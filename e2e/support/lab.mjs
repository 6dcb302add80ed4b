// A lab Prosody for one test run: `tandem lab USER:PW...` starts a real Prosody on loopback,
// registers the accounts, prints `server=HOST:PORT ca=PEM domain=DOMAIN` and serves until its
// stdin closes. `profile()` writes a device profile for one of its accounts with the CLI.
import { spawn, execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { TANDEM_BIN, requireBinary } from './paths.mjs';

const run = promisify(execFile);

export class Lab {
  /** @param {{server:string, ca:string, domain:string}} info */
  constructor(child, info, accounts, workDir, stderr) {
    this.child = child;
    this.server = info.server;
    this.ca = info.ca;
    this.domain = info.domain;
    this.accounts = accounts; // { user: password }
    this.workDir = workDir;
    this.stderr = stderr;
  }

  /** The bare JID of a registered user. */
  jid(user) {
    return `${user}@${this.domain}`;
  }

  /**
   * Writes a profile for `user` in `dir` with `tandem account set` (resource and device type
   * as given); returns the directory.
   */
  async profile(user, dir, { resource, device = 'desktop', activeWindow } = {}) {
    const password = this.accounts[user];
    if (password === undefined) throw new Error(`lab: no account ${user}`);
    await mkdir(dir, { recursive: true });
    const pwFile = path.join(this.workDir, `${user}.pw`);
    await writeFile(pwFile, `${password}\n`, { mode: 0o600 });
    const args = ['--data-dir', dir, 'account', 'set', this.jid(user), '--password-file', pwFile,
      '--device', device, '--server', this.server, '--ca-file', this.ca];
    if (resource) args.push('--resource', resource);
    if (activeWindow) args.push('--active-window', activeWindow);
    await run(TANDEM_BIN, args, { env: withoutDataDir() });
    return dir;
  }

  /** Stops the server: closes its stdin and waits for it to exit (killing it after 10 s). */
  async stop() {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/** The CLI reads TANDEM_DATA_DIR; a profile is always named with --data-dir here instead. */
export function withoutDataDir(env = process.env) {
  const { TANDEM_DATA_DIR: _ignored, ...rest } = env;
  return rest;
}

/**
 * Starts `tandem lab` with the given accounts ({ alice: 'pw', ... }) and resolves once it
 * printed its line. `workDir` holds the password files.
 */
export async function startLab(accounts, { workDir, timeoutMs = 60_000 } = {}) {
  requireBinary(TANDEM_BIN, 'cargo build -p tandem-cli');
  if (!workDir) throw new Error('startLab: workDir is required');
  await mkdir(workDir, { recursive: true });
  const specs = Object.entries(accounts).map(([u, p]) => `${u}:${p}`);
  const child = spawn(TANDEM_BIN, ['lab', ...specs], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: withoutDataDir(),
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
    if (stderr.length > 100_000) stderr = stderr.slice(-50_000);
  });
  const lines = createInterface({ input: child.stdout });
  const info = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tandem lab printed nothing in ${timeoutMs} ms; stderr:\n${stderr}`));
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`tandem lab exited (${code ?? signal}) before it was ready; stderr:\n${stderr}`));
    });
    lines.on('line', (line) => {
      const m = /server=(\S+)\s+ca=(\S+)\s+domain=(\S+)/.exec(line);
      if (!m) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({ server: m[1], ca: m[2], domain: m[3] });
    });
  });
  const lab = new Lab(child, info, accounts, workDir, () => stderr);
  // Never leave a Prosody behind when the test process goes away (even when a hook that would
  // have called stop() never ran): closing its stdin makes the lab stop its Prosody. Killing
  // the lab instead would orphan the Prosody.
  process.once('exit', () => child.exitCode === null && child.stdin.destroy());
  return lab;
}
