// Small helpers for rooms (XEP-0045 group chat): nick colours, room addresses typed by people,
// and labels. The shell checks every JID again; these only shape what the user typed.

import type { Occupant, RoomNotify, RoomStatus } from './bindings';
import { isBareJid } from './jid';

/**
 * A hue (0-359) for a nick, the same on every device and every run: FNV-1a over the nick's
 * code points. (XEP-0392 asks for HSLuv over SHA-1; a stable hue is all the UI needs.)
 */
export function nickHue(nick: string): number {
  let h = 0x811c9dc5;
  for (const ch of nick) {
    h ^= ch.codePointAt(0) ?? 0;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % 360;
}

/** The MUC service people on this account's server most likely use: `conference.<domain>`. */
export function mucService(account: string): string {
  const at = account.indexOf('@');
  const domain = (at < 0 ? account : account.slice(at + 1)).split('/')[0].toLowerCase();
  return `conference.${domain}`;
}

/**
 * The room address for what was typed in "Create a room": a full JID as it is (lowercased),
 * else the name made into a local part (letters and digits of any script, runs of anything
 * else one "-") at the account's MUC service. `null` when nothing usable is left.
 */
export function roomAddress(input: string, account: string): string | null {
  const typed = input.trim().replace(/^xmpp:/i, '');
  if (typed.includes('@')) {
    const jid = typed.toLowerCase();
    return isBareJid(jid) ? jid : null;
  }
  const local = typed
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
  return local ? `${local}@${mucService(account)}` : null;
}

/** A room's state, for its header and the conversation list. */
export function statusLabel(status: RoomStatus): string {
  switch (status) {
    case 'joining':
      return 'Joining…';
    case 'joined':
      return 'Joined';
    case 'left':
      return 'Not in the room';
    case 'gone':
      return 'Gone';
  }
}

export const NOTIFY_LABELS: Record<RoomNotify, string> = {
  all: 'Every message',
  mentions: 'Mentions only',
  none: 'Nothing',
};

const ROLE_RANK: Record<string, number> = { moderator: 0, participant: 1, visitor: 2 };

/** A role for people ("moderator" -> "Moderator"). */
export function roleLabel(role: string): string {
  return role ? role.charAt(0).toUpperCase() + role.slice(1) : 'None';
}

/** Occupants in the side panel's order: moderators, participants, visitors, then by nick. */
export function sortOccupants(list: Occupant[]): Occupant[] {
  return [...list].sort(
    (a, b) =>
      (ROLE_RANK[a.role] ?? 3) - (ROLE_RANK[b.role] ?? 3) ||
      a.nick.localeCompare(b.nick, undefined, { sensitivity: 'base' }) ||
      (a.nick < b.nick ? -1 : a.nick > b.nick ? 1 : 0),
  );
}
