// Times for people: relative ages for lists, day labels for separators, clock times for bubbles.
// Every function takes `now` so views can re-render on a ticking clock and tests stay exact.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export function startOfDay(d: Date): number {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

/** Whole calendar days between two instants in local time (0: same day, 1: yesterday). */
export function daysBetween(earlier: Date, later: Date): number {
  return Math.round((startOfDay(later) - startOfDay(earlier)) / (24 * HOUR));
}

/** "Today", "Yesterday" or a full date, for day separators. */
export function dayLabel(ts: string | Date, now: Date = new Date()): string {
  const d = typeof ts === 'string' ? new Date(ts) : ts;
  const days = daysBetween(d, now);
  if (days === 0) return 'Today';
  if (days === 1) return 'Yesterday';
  return d.toLocaleDateString(undefined, {
    weekday: days < 7 && days > 0 ? 'long' : undefined,
    year: 'numeric',
    month: 'long',
    day: 'numeric',
  });
}

/** Local calendar day key, for grouping messages. */
export function dayKey(ts: string): string {
  const d = new Date(ts);
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

/** "14:05" (locale format). */
export function clock(ts: string): string {
  return new Date(ts).toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit' });
}

/** Full date and time, for title attributes. */
export function fullTime(ts: string): string {
  return new Date(ts).toLocaleString(undefined, { dateStyle: 'full', timeStyle: 'short' });
}

/** Short relative age for lists: "now", "5 min", "14:05", "Yesterday", "Mon", "3 Mar 2024". */
export function shortAge(ts: string, now: Date = new Date()): string {
  const d = new Date(ts);
  const diff = now.getTime() - d.getTime();
  const days = daysBetween(d, now);
  if (diff < MINUTE) return 'now';
  if (diff < HOUR) return `${Math.floor(diff / MINUTE)} min`;
  if (days === 0) return clock(ts);
  if (days === 1) return 'Yesterday';
  if (days < 7) return d.toLocaleDateString(undefined, { weekday: 'short' });
  return d.toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
}

/** Relative phrase for "last activity": "just now", "5 minutes ago", "3 hours ago", "2 days ago". */
export function agoPhrase(ts: string | null, now: Date = new Date()): string {
  if (!ts) return 'never';
  const diff = Math.max(0, now.getTime() - new Date(ts).getTime());
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  if (diff < MINUTE) return 'just now';
  if (diff < HOUR) return rtf.format(-Math.floor(diff / MINUTE), 'minute');
  if (diff < 24 * HOUR) return rtf.format(-Math.floor(diff / HOUR), 'hour');
  return rtf.format(-Math.floor(diff / (24 * HOUR)), 'day');
}
