// Checks the notifications helper on its own: run it inside scripts/desktop-session.sh.
// Sends a notification as app "Tandem" (notify-send when installed, else gdbus), sees it on the
// bus and on dunst's screen, withdraws it with CloseNotification and sees that too.
//   ../scripts/desktop-session.sh node selftest/notifications.mjs
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { recordNotifications, displayedCount, dunstHistory } from '../support/notifications.mjs';

const run = promisify(execFile);
const work = await mkdtemp(path.join(os.tmpdir(), 'tandem-notify-selftest-'));
const recorder = await recordNotifications(path.join(work, 'bus.log'));
const dest = ['--session', '--dest', 'org.freedesktop.Notifications', '--object-path', '/org/freedesktop/Notifications'];
let failed = 0;
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failed++;
};
try {
  const since = recorder.now();
  try {
    await run('notify-send', ['-a', 'Tandem', 'hi', 'from "notify-send"\nsecond line']);
    console.log('sent with notify-send');
  } catch (e) {
    if (e.code !== 'ENOENT') throw e;
    await run('gdbus', ['call', ...dest, '--method', 'org.freedesktop.Notifications.Notify',
      'Tandem', '0', '', 'hi', 'from "gdbus"\nsecond line', '["default","Open"]', '{}', '0']);
    console.log('sent with gdbus (notify-send is not installed)');
  }
  await run('gdbus', ['call', ...dest, '--method', 'org.freedesktop.Notifications.Notify', 'Other', '0', '', 'not ours', '', '[]', '{}', '0']);
  const shown = await recorder.waitForShown((n) => n.summary === 'hi', { appName: 'Tandem', since });
  check(shown.appName === 'Tandem' && /second line$/.test(shown.body), `shown: ${JSON.stringify({ id: shown.id, app: shown.appName, summary: shown.summary, body: shown.body })}`);
  check(recorder.notifications({ appName: 'Tandem' }).length === 1, 'only one notification from Tandem');
  await new Promise((r) => setTimeout(r, 300));
  check((await displayedCount()) === 2, 'dunst displays both');
  await recorder.expectNone((n) => n.summary === 'never', { forMs: 500, appName: 'Tandem' });
  check(true, 'expectNone passes when nothing matches');
  let threw = false;
  try {
    await recorder.expectNone((n) => n.summary === 'hi', { forMs: 500, appName: 'Tandem', since });
  } catch {
    threw = true;
  }
  check(threw, 'expectNone fails when one matches');
  await run('gdbus', ['call', ...dest, '--method', 'org.freedesktop.Notifications.CloseNotification', String(shown.id)]);
  const withdrawn = await recorder.waitForWithdrawn(shown.id);
  check(withdrawn.closed?.reason === 'closed_by_call', `withdrawn: ${JSON.stringify(withdrawn.closed)}`);
  await new Promise((r) => setTimeout(r, 300));
  check((await displayedCount()) === 1, 'dunst displays one after the close');
  const history = await dunstHistory();
  check(history.some((h) => h.appName === 'Tandem' && h.summary === 'hi'), `dunst history has it: ${JSON.stringify(history)}`);
} finally {
  await recorder.stop();
  await rm(work, { recursive: true, force: true });
}
console.log(`notifications selftest: ${failed ? 0 : 1} passed, ${failed ? 1 : 0} failed`);
process.exitCode = failed ? 1 : 0;
