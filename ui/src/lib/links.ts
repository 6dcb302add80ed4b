import { isBareJid } from './jid';

// Splits a message body into text and link segments. Only http(s) URLs and xmpp: URIs become
// links; every other scheme (javascript:, data:, file:, ...) stays plain text. The caller renders
// segments with text interpolation only, so a body can never become markup.

export type Segment =
  | { kind: 'text'; text: string }
  | { kind: 'web'; url: string }
  | { kind: 'xmpp'; url: string; jid: string };

// A scheme must start at a word boundary that is not part of a longer scheme
// ("javascript:https://..." still yields only the https URL, which is what would open).
const CANDIDATE = /(?<![\w+.-])(?:https?:\/\/|xmpp:)[^\s<>"'`]+/gi;
const TRAILING = /[.,;:!?'"»”’]+$/;

function trimTrailing(url: string): string {
  let u = url.replace(TRAILING, '');
  // Drop a closing parenthesis that is not balanced inside the URL: "(see https://x.org/a)".
  while (u.endsWith(')') && count(u, '(') < count(u, ')')) u = u.slice(0, -1).replace(TRAILING, '');
  return u;
}

function count(s: string, ch: string): number {
  let n = 0;
  for (const c of s) if (c === ch) n++;
  return n;
}

/** The http(s) URL in canonical form, or null when `url` is not a usable web link. */
export function webUrl(url: string): string | null {
  try {
    const u = new URL(url);
    if ((u.protocol === 'http:' || u.protocol === 'https:') && u.hostname) return url;
  } catch {
    /* not a URL */
  }
  return null;
}

/** The bare JID an `xmpp:` URI names (RFC 5122), or null. */
export function xmppJid(url: string): string | null {
  const m = /^xmpp:(?:\/\/[^/]*\/)?([^?#/\s]+)(?:[?#].*)?$/i.exec(url);
  if (!m) return null;
  let jid: string;
  try {
    jid = decodeURIComponent(m[1]);
  } catch {
    return null;
  }
  return isBareJid(jid) ? jid.toLowerCase() : null;
}

export function linkify(body: string): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  for (const m of body.matchAll(CANDIDATE)) {
    const start = m.index ?? 0;
    const raw = trimTrailing(m[0]);
    let seg: Segment | null = null;
    if (/^xmpp:/i.test(raw)) {
      const jid = xmppJid(raw);
      if (jid) seg = { kind: 'xmpp', url: raw, jid };
    } else if (webUrl(raw)) {
      seg = { kind: 'web', url: raw };
    }
    if (!seg) continue;
    if (start > last) out.push({ kind: 'text', text: body.slice(last, start) });
    out.push(seg);
    last = start + raw.length;
  }
  if (last < body.length) out.push({ kind: 'text', text: body.slice(last) });
  return out;
}
