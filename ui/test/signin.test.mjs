import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, calls, eventually } from './support.mjs';

let env;
before(async () => (env = await setup()));
after(async () => env?.close());

test('restore with a saved session goes straight to the main view', async () => {
  const { page, problems } = await env.openApp({ restore: 'me' });
  await page.getByRole('navigation', { name: 'Conversations' }).waitFor();
  assert.equal(await page.getByRole('heading', { name: 'Sign in to Tandem' }).count(), 0);
  assert.deepEqual(problems.errors, []);
  assert.deepEqual(problems.csp, []);
});

test('no saved profile: the sign-in form is prefilled from saved_account and signs in with the advanced fields', async () => {
  const { page } = await env.openApp({
    restore: 'none',
    saved: { jid: 'carol@example.net', server: null, ca_file: null, device: 'desktop' },
  });
  const jid = page.getByLabel('Chat address (JID)');
  await eventually(async () => (await jid.inputValue()) === 'carol@example.net');
  await jid.fill('dave@example.com');
  await page.getByLabel('Password').fill('s3cret');
  await page.getByText('Advanced').click();
  await page.getByLabel('Server').fill('127.0.0.1:5222');
  await page.getByLabel('CA certificate file').fill('/tmp/lab-ca.pem');
  await page.getByLabel('This device is a').selectOption('tablet');
  await page.getByRole('button', { name: 'Sign in' }).click();

  await page.getByRole('navigation', { name: 'Conversations' }).waitFor();
  const [args] = await calls(page, 'sign_in');
  assert.deepEqual(args, {
    form: {
      jid: 'dave@example.com',
      password: 's3cret',
      server: '127.0.0.1:5222',
      ca_file: '/tmp/lab-ca.pem',
      device: 'tablet',
    },
  });
  // The signed-in account is shown in the sidebar.
  await page.getByText('dave@example.com', { exact: true }).waitFor();
});

test('a failed sign-in shows the AppError message as an alert and keeps the form', async () => {
  const message = 'authentication failed for bob@example.org: check the password';
  const { page } = await env.openApp({
    restore: 'none',
    saved: null,
    signIn: { kind: 'auth', message },
    signInDelayMs: 300,
  });
  await page.getByLabel('Chat address (JID)').fill('bob@example.org');
  await page.getByLabel('Password').fill('wrong');
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Progress while the shell works: the button says so and the fields are disabled.
  await page.getByRole('button', { name: 'Signing in…' }).waitFor();
  assert.equal(await page.getByLabel('Password').isDisabled(), true);
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.equal((await alert.textContent()).trim(), message);
  assert.equal(await page.getByLabel('Chat address (JID)').inputValue(), 'bob@example.org');
  assert.equal(await page.getByRole('button', { name: 'Sign in' }).isEnabled(), true);
});

test('a restore that fails lands on the sign-in form with the error', async () => {
  const { page } = await env.openApp({
    restore: { kind: 'unreachable', message: 'could not reach example.org: check the network' },
  });
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.equal((await alert.textContent()).trim(), 'could not reach example.org: check the network');
  await page.getByRole('heading', { name: 'Sign in to Tandem' }).waitFor();
});

test('a rejection that is not an AppError is shown as a readable line (normalised to kind closed)', async () => {
  const { page } = await env.openApp({ restore: 'none', fail: { sign_in: 'the shell went away' } });
  await page.getByLabel('Chat address (JID)').fill('bob@example.org');
  await page.getByLabel('Password').fill('pw');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.equal((await alert.textContent()).trim(), 'the shell went away');
});
