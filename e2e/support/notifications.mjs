// What reached the freedesktop notification service on the session bus.
//
// The reliable record is a `dbus-monitor` of the session bus: every Notify call (with its app
// name, summary, body and the id the server answered with), every CloseNotification call and
// every NotificationClosed signal. dunst's own view (`dunstctl count displayed`, `dunstctl
// history`) is read too, as a second opinion: a notification closed by the app goes to dunst's
// history as well, so the history alone cannot tell "shown" from "withdrawn".
//
// Needs DBUS_SESSION_BUS_ADDRESS (see scripts/desktop-session.sh).
import { spawn, execFile } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** NotificationClosed reasons (freedesktop spec). */
export const CLOSED_REASON = { 1: 'expired', 2: 'dismissed', 3: 'closed_by_call', 4: 'undefined' };

// ---------------------------------------------------------------------------------------------
// Parsing dbus-monitor's text output

const HEADER = /^(method call|method return|signal|error) time=(\S+) sender=(\S+) -> destination=(\S+) serial=(\d+)(.*)$/;

/**
 * Splits dbus-monitor output into messages: { kind, time, sender, destination, serial,
 * replySerial, path, interface, member, args } where args are the top-level values (strings,
 * numbers, booleans; arrays and dicts as nested arrays).
 */
export function parseMonitor(text) {
  const messages = [];
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length) {
    const m = HEADER.exec(lines[i]);
    i++;
    if (!m) continue;
    const rest = m[6];
    const field = (name) => new RegExp(`(?:^|[ ;])${name}=([^; ]*)`).exec(rest)?.[1];
    const msg = {
      kind: m[1],
      time: Number(m[2]),
      sender: m[3],
      destination: m[4],
      serial: Number(m[5]),
      replySerial: field('reply_serial') === undefined ? undefined : Number(field('reply_serial')),
      path: field('path'),
      interface: field('interface'),
      member: field('member'),
      args: [],
    };
    // The body: lines indented by three or more spaces, up to the next header.
    const body = [];
    while (i < lines.length && !HEADER.test(lines[i])) body.push(lines[i++]);
    msg.args = parseValues(body);
    messages.push(msg);
  }
  return messages;
}

/** Parses the indented value lines of one message body. */
function parseValues(body) {
  let pos = 0;
  const values = [];
  const indentOf = (line) => line.length - line.trimStart().length;

  function value() {
    const line = body[pos];
    const t = line.trimStart();
    pos++;
    let m;
    if ((m = /^string "(.*)$/s.exec(t))) {
      // A string may span lines (dbus-monitor neither escapes quotes nor newlines): it ends
      // at a line ending in `"` that is followed by a value line, a closing bracket or the end.
      let s = m[1];
      while (!(s.endsWith('"') && (pos >= body.length || looksLikeValue(body[pos])))) {
        if (pos >= body.length) break;
        s += `\n${body[pos++]}`;
      }
      return s.endsWith('"') ? s.slice(0, -1) : s;
    }
    if ((m = /^(?:u?int(?:16|32|64)|byte|double) (\S+)/.exec(t))) return Number(m[1]);
    if ((m = /^boolean (\S+)/.exec(t))) return m[1] === 'true';
    if ((m = /^object path "(.*)"$/.exec(t))) return m[1];
    if ((m = /^variant\s+(.*)$/.exec(t))) {
      // `variant string "x"` on one line, or `variant` then nested lines.
      if (m[1].trim() === '') return pos < body.length ? value() : null;
      body[pos - 1] = ' '.repeat(indentOf(line)) + m[1];
      pos--;
      return value();
    }
    if (t === 'array [' || t === 'struct {' || t === 'dict entry(') {
      const close = t === 'array [' ? ']' : t === 'struct {' ? '}' : ')';
      const items = [];
      while (pos < body.length && body[pos].trim() !== close) {
        if (body[pos].trim() === '') {
          pos++;
          continue;
        }
        items.push(value());
      }
      pos++; // the closing bracket
      return items;
    }
    if (t === 'array of bytes [' ) {
      const bytes = [];
      while (pos < body.length && body[pos].trim() !== ']') bytes.push(...body[pos++].trim().split(/\s+/).map((b) => parseInt(b, 16)));
      pos++;
      return bytes;
    }
    return t; // unknown: keep the text
  }

  while (pos < body.length) {
    if (body[pos].trim() === '') {
      pos++;
      continue;
    }
    values.push(value());
  }
  return values;
}

function looksLikeValue(line) {
  const t = line.trimStart();
  if (line.length - t.length < 3) return t === '';
  return /^(string "|u?int(16|32|64) |byte |double |boolean |object path |variant|array |struct \{|dict entry\(|[\])}]$)/.test(t);
}

/**
 * Turns monitored messages into notifications: one entry per notification id with every
 * Notify that showed or replaced it, and when and how it was closed.
 * Entry: { id, appName, summary, body, shows: [{time, summary, body, replacesId}],
 *          closeCalls: [time], closed: {time, reason} | null, withdrawn: boolean }
 */
export function notificationsFrom(messages) {
  const calls = new Map(); // `${sender}/${serial}` -> Notify call
  const byId = new Map();
  const entry = (id) => {
    if (!byId.has(id)) byId.set(id, { id, appName: null, summary: null, body: null, shows: [], closeCalls: [], closed: null, withdrawn: false });
    return byId.get(id);
  };
  for (const m of messages) {
    if (m.kind === 'method call' && m.member === 'Notify' && m.interface === 'org.freedesktop.Notifications') {
      const [appName, replacesId, icon, summary, body, actions, hints, timeout] = m.args;
      calls.set(`${m.sender}/${m.serial}`, { time: m.time, appName, replacesId, icon, summary, body, actions, hints, timeout });
    } else if (m.kind === 'method return' && calls.has(`${m.destination}/${m.replySerial}`)) {
      const call = calls.get(`${m.destination}/${m.replySerial}`);
      calls.delete(`${m.destination}/${m.replySerial}`);
      const id = m.args[0];
      const e = entry(id);
      e.appName = call.appName;
      e.summary = call.summary;
      e.body = call.body;
      // A replacement shows the notification again.
      e.closed = null;
      e.withdrawn = false;
      e.shows.push({ time: call.time, summary: call.summary, body: call.body, replacesId: call.replacesId, actions: call.actions });
    } else if (m.kind === 'method call' && m.member === 'CloseNotification') {
      const e = entry(m.args[0]);
      e.closeCalls.push(m.time);
      e.withdrawn = true;
    } else if (m.kind === 'signal' && m.member === 'NotificationClosed') {
      const [id, reason] = m.args;
      const e = entry(id);
      e.closed = { time: m.time, reason: CLOSED_REASON[reason] ?? String(reason) };
      if (reason === 3) e.withdrawn = true;
    }
  }
  return [...byId.values()].filter((e) => e.shows.length > 0 || e.closeCalls.length > 0);
}

// ---------------------------------------------------------------------------------------------
// Recording

export class NotificationRecorder {
  constructor(child, file) {
    this.child = child;
    this.file = file;
  }

  /** Everything recorded so far, parsed. */
  messages() {
    let text;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return [];
    }
    return parseMonitor(text);
  }

  /** Notifications seen so far (see notificationsFrom), optionally only one app's. */
  notifications({ appName } = {}) {
    const all = notificationsFrom(this.messages());
    return appName === undefined ? all : all.filter((n) => n.appName === appName);
  }

  /**
   * Waits until a notification matching `predicate` (given the entry of notificationsFrom)
   * has been shown; resolves with it. Only shows after `since` (a time from `now()`) count.
   */
  async waitForShown(predicate, { timeoutMs = 20_000, since = 0, appName } = {}) {
    return poll(
      () => this.notifications({ appName }).find((n) => n.shows.some((s) => s.time >= since) && predicate(n)),
      timeoutMs,
      () => `no notification shown matching ${predicate}; seen: ${JSON.stringify(this.notifications(), null, 1)}`,
    );
  }

  /** Waits until notification `id` has been withdrawn (CloseNotification / closed by call). */
  async waitForWithdrawn(id, { timeoutMs = 20_000 } = {}) {
    return poll(
      () => this.notifications().find((n) => n.id === id && n.withdrawn),
      timeoutMs,
      () => `notification ${id} was not withdrawn; seen: ${JSON.stringify(this.notifications().find((n) => n.id === id) ?? null)}`,
    );
  }

  /**
   * Fails if a notification matching `predicate` is shown (after `since`) within `forMs`.
   */
  async expectNone(predicate, { forMs = 5_000, since = 0, appName } = {}) {
    const deadline = Date.now() + forMs;
    for (;;) {
      const hit = this.notifications({ appName }).find((n) => n.shows.some((s) => s.time >= since) && predicate(n));
      if (hit) throw new Error(`unexpected notification: ${JSON.stringify(hit)}`);
      if (Date.now() >= deadline) return;
      await sleep(Math.min(200, deadline - Date.now()));
    }
  }

  /** The current time on dbus-monitor's clock (seconds since the epoch), for `since`. */
  now() {
    return Date.now() / 1000;
  }

  async stop() {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}

/**
 * Starts recording the notification traffic of the session bus into `file`. Resolves once
 * dbus-monitor is listening (it answers with NameAcquired first).
 */
export async function recordNotifications(file) {
  if (!process.env.DBUS_SESSION_BUS_ADDRESS) {
    throw new Error('recordNotifications: no DBUS_SESSION_BUS_ADDRESS (run under scripts/desktop-session.sh)');
  }
  const out = createWriteStream(file);
  await new Promise((resolve, reject) => {
    out.once('open', resolve);
    out.once('error', reject);
  });
  const child = spawn(
    'dbus-monitor',
    [
      '--session',
      "type='method_call',interface='org.freedesktop.Notifications'",
      "type='signal',interface='org.freedesktop.Notifications'",
      // Replies carry the id of a new notification; the bus is private, so these are few.
      "type='method_return'",
    ],
    { stdio: ['ignore', out, 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  process.once('exit', () => child.exitCode === null && child.kill('SIGKILL'));
  const recorder = new NotificationRecorder(child, file);
  await poll(
    () => (child.exitCode !== null ? Promise.reject(new Error(`dbus-monitor exited: ${stderr}`)) : recorder.messages().some((m) => m.member === 'NameAcquired')),
    5_000,
    () => `dbus-monitor did not start: ${stderr}`,
  );
  return recorder;
}

// ---------------------------------------------------------------------------------------------
// dunst's view

/** `dunstctl count displayed` (notifications on screen now). */
export async function displayedCount() {
  const { stdout } = await run('dunstctl', ['count', 'displayed']);
  return Number(stdout.trim());
}

/**
 * `dunstctl history`: closed notifications, newest first, as { id, appName, summary, body }.
 * (Format: {"type":"aa{sv}","data":[[{"appname":{"type":"s","data":"Tandem"}, ...}, ...]]}.)
 */
export async function dunstHistory() {
  const { stdout } = await run('dunstctl', ['history']);
  const parsed = JSON.parse(stdout);
  const list = parsed.data?.[0] ?? [];
  const v = (n, k) => n[k]?.data;
  return list.map((n) => ({ id: v(n, 'id'), appName: v(n, 'appname'), summary: v(n, 'summary'), body: v(n, 'body') }));
}

// ---------------------------------------------------------------------------------------------

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

async function poll(check, timeoutMs, message) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() >= deadline) throw new Error(message());
    await sleep(100);
  }
}
