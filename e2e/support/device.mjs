// One scripted device: `tandem --data-dir DIR listen --json`, which prints one engine event per
// line and reads commands on stdin (send, read, foreground, background, presence, counters,
// quit). Every event is kept, so a test can wait for one that already arrived.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { TANDEM_BIN, requireBinary } from './paths.mjs';
import { withoutDataDir } from './lab.mjs';

export class Device {
  constructor(name, child, log) {
    this.name = name;
    this.child = child;
    /** Every event printed so far, in order (parsed JSON). */
    this.events = [];
    /** Lines that were not JSON (errors are printed as JSON too; this is for the rest). */
    this.otherLines = [];
    this.stderr = '';
    this.exited = null;
    this.log = log;
    this.waiters = new Set();
    createInterface({ input: child.stdout }).on('line', (line) => {
      log?.write(`${line}\n`);
      let ev;
      try {
        ev = JSON.parse(line);
      } catch {
        this.otherLines.push(line);
        return;
      }
      this.events.push(ev);
      for (const w of this.waiters) w.check();
    });
    child.stderr.on('data', (d) => {
      this.stderr += d;
      if (this.stderr.length > 200_000) this.stderr = this.stderr.slice(-100_000);
    });
    child.once('exit', (code, signal) => {
      this.exited = { code, signal };
      for (const w of this.waiters) w.check();
    });
  }

  /** Writes one command line to the device (see `tandem listen`). */
  command(line) {
    if (this.exited) throw new Error(`${this.name}: device exited (${JSON.stringify(this.exited)}); stderr:\n${this.stderr}`);
    this.child.stdin.write(`${line}\n`);
  }

  send(jid, text) {
    if (/[\r\n]/.test(text)) throw new Error('send: one line of text only');
    this.command(`send ${jid} ${text}`);
  }

  read(jid) {
    this.command(`read ${jid}`);
  }

  foreground() {
    this.command('foreground');
  }

  background() {
    this.command('background');
  }

  presence(show = 'available') {
    this.command(`presence ${show}`);
  }

  /** Events that match `predicate` (a function, or an object of fields that must be equal). */
  find(predicate) {
    const match = matcher(predicate);
    return this.events.filter(match);
  }

  /**
   * Resolves with the first event (already seen or still to come) that matches; only events
   * after index `since` (default 0) count. Rejects after `timeoutMs` with the events seen.
   */
  waitFor(predicate, { timeoutMs = 30_000, since = 0 } = {}) {
    const match = matcher(predicate);
    return new Promise((resolve, reject) => {
      const waiter = {
        check: () => {
          for (let i = since; i < this.events.length; i++) {
            if (match(this.events[i])) {
              done();
              resolve(this.events[i]);
              return;
            }
          }
          if (this.exited) {
            done();
            reject(new Error(`${this.name}: exited (${JSON.stringify(this.exited)}) before ${describe(predicate)}; stderr:\n${this.stderr.slice(-4000)}`));
          }
        },
      };
      const timer = setTimeout(() => {
        done();
        const seen = this.events.slice(since).map((e) => JSON.stringify(e)).join('\n  ');
        reject(new Error(`${this.name}: no event ${describe(predicate)} in ${timeoutMs} ms; events since #${since}:\n  ${seen}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      this.waiters.add(waiter);
      waiter.check();
    });
  }

  /** Index to pass as `since` to wait only for events after now. */
  mark() {
    return this.events.length;
  }

  /** Sends `quit` and waits for the process to exit (killing it after `timeoutMs`). */
  async stop({ timeoutMs = 10_000 } = {}) {
    if (this.exited) return this.exited;
    const exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    try {
      this.child.stdin.write('quit\n');
      this.child.stdin.end();
    } catch {
      // already gone
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const result = await exited;
    clearTimeout(timer);
    this.log?.end();
    return result;
  }
}

function matcher(predicate) {
  if (typeof predicate === 'function') return predicate;
  return (ev) => Object.entries(predicate).every(([k, v]) => ev[k] === v);
}

function describe(predicate) {
  return typeof predicate === 'function' ? `matching ${predicate.toString().slice(0, 200)}` : JSON.stringify(predicate);
}

/**
 * Starts a device on the profile in `dataDir`. With `ready` (default), resolves once the
 * device connected and finished catching up (`catch_up` with done: true). `logFile` keeps a
 * copy of its event stream.
 */
export async function startDevice(name, dataDir, { ready = true, logFile, timeoutMs = 60_000, activeWindow } = {}) {
  requireBinary(TANDEM_BIN, 'cargo build -p tandem-cli');
  const args = ['--data-dir', dataDir];
  if (activeWindow) args.push('--active-window', activeWindow);
  args.push('listen', '--json');
  const child = spawn(TANDEM_BIN, args, { stdio: ['pipe', 'pipe', 'pipe'], env: withoutDataDir() });
  child.stdin.on('error', () => {}); // EPIPE after the device quit
  const device = new Device(name, child, logFile ? createWriteStream(logFile) : null);
  // If the test process goes away first, a closed stdin makes the device quit on its own.
  process.once('exit', () => device.exited || child.stdin.destroy());
  if (ready) {
    await device.waitFor((e) => e.event === 'catch_up' && e.done === true, { timeoutMs });
  }
  return device;
}
