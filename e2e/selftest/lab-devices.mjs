// Checks the lab and device helpers on their own (no app, no display): bob writes, alice's
// laptop (active) notifies, her phone reads, the laptop sees it read and the phone's own
// message reaches the laptop as a sent carbon. Run: node selftest/lab-devices.mjs
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startLab } from '../support/lab.mjs';
import { startDevice } from '../support/device.mjs';

const work = await mkdtemp(path.join(os.tmpdir(), 'tandem-selftest-'));
const lab = await startLab({ alice: 'alice-pw', bob: 'bob-pw' }, { workDir: work });
const devices = [];
try {
  console.log(`lab: server=${lab.server} domain=${lab.domain}`);
  await lab.profile('alice', path.join(work, 'alice-phone'), { resource: 'phone', device: 'phone' });
  await lab.profile('alice', path.join(work, 'alice-laptop'), { resource: 'laptop', device: 'desktop' });
  await lab.profile('bob', path.join(work, 'bob-pc'), { resource: 'pc', device: 'desktop' });
  const phone = await startDevice('phone', path.join(work, 'alice-phone'));
  const laptop = await startDevice('laptop', path.join(work, 'alice-laptop'));
  const bob = await startDevice('bob', path.join(work, 'bob-pc'));
  devices.push(phone, laptop, bob);
  phone.background();
  laptop.presence('available');
  await new Promise((r) => setTimeout(r, 500));
  bob.send(lab.jid('alice'), 'hello from the selftest');
  const note = await laptop.waitFor({ event: 'notification', decision: 'notify' });
  console.log('laptop notification:', JSON.stringify(note));
  const silent = await phone.waitFor((e) => e.event === 'notification' && e.decision !== 'notify');
  console.log('phone notification:', JSON.stringify(silent));
  phone.read(lab.jid('bob'));
  const read = await laptop.waitFor({ event: 'read' });
  console.log('laptop read:', JSON.stringify(read));
  const mark = laptop.mark();
  phone.send(lab.jid('bob'), 'reply from the phone');
  const carbon = await laptop.waitFor({ event: 'message', via: 'carbon_sent' }, { since: mark });
  console.log('laptop carbon:', JSON.stringify(carbon));
  console.log('selftest: 1 passed, 0 failed');
} catch (e) {
  console.error(e);
  console.log('selftest: 0 passed, 1 failed');
  process.exitCode = 1;
} finally {
  await Promise.all(devices.map((d) => d.stop()));
  await lab.stop();
  await rm(work, { recursive: true, force: true });
}
