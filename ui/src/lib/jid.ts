// Small JID helpers for display. The shell owns real JID parsing; the UI only splits strings.

export function bare(jid: string): string {
  const i = jid.indexOf('/');
  return (i < 0 ? jid : jid.slice(0, i)).toLowerCase();
}

export function resource(jid: string): string | null {
  const i = jid.indexOf('/');
  return i < 0 ? null : jid.slice(i + 1);
}

/** The part before "@" (or the whole JID), for avatars and short names. */
export function localpart(jid: string): string {
  const b = bare(jid);
  const i = b.indexOf('@');
  return i < 0 ? b : b.slice(0, i);
}

/** One or two letters for an avatar. */
export function initials(jid: string): string {
  const l = localpart(jid).replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
  if (!l) return '?';
  const parts = l.split(' ');
  const s = parts.length > 1 ? parts[0][0] + parts[1][0] : l.slice(0, 1);
  return s.toUpperCase();
}

/** One of eight avatar colours (class `hue-N`), stable per contact. */
export function hue(jid: string): number {
  let h = 0;
  for (const c of bare(jid)) h = (h * 31 + c.charCodeAt(0)) % 997;
  return h % 8;
}

/** A plausible bare JID: local@domain, no resource, no spaces or markup characters. */
export function isBareJid(s: string): boolean {
  return /^[^@/\s<>"'&]+@[^@/\s<>"'&]+\.?[^@/\s<>"'&]*$/.test(s) && !s.endsWith('.');
}
