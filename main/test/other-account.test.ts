import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { startTestProxy } from './helpers/test-proxy.js';

/**
 * Another account on the same machine, as in the issue: it can reach
 * 127.0.0.1 like everyone else. It must not be able to point cliPath at its
 * own program, read the request log, follow the event stream, or read the
 * dashboard secret. Run for real with setpriv as `nobody`, which needs root.
 */

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;

// What the other account runs: plain fetches, the way `curl` would, and a read of the secret file.
const ATTACK = `
const [base, secretFile] = process.argv.slice(1);
const post = (channel, payload) => fetch(base + '/dashboard/api/invoke/' + channel, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ payload }) }).then((r) => r.status);
(async () => {
  const out = {};
  out.settingsUpdate = await post('settings:update', { cliPath: '/tmp/x/claude' });
  out.requestsList = await post('requests:list');
  out.events = await fetch(base + '/dashboard/api/events').then((r) => r.status);
  out.session = await fetch(base + '/dashboard/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"token":"guess"}' }).then((r) => r.status);
  try { require('fs').readFileSync(secretFile, 'utf8'); out.secret = 'READ'; } catch (e) { out.secret = e.code; }
  console.log(JSON.stringify(out));
})();
`;

test(
  'another Unix account is refused by the dashboard API and cannot read its secret',
  { skip: isRoot ? false : 'needs root to run a request as another account (setpriv)' },
  async () => {
    const proxy = await startTestProxy({ bridge: true });
    const secretFile = path.join(proxy.dataDir, 'dashboard-secret');
    const asNobody = () =>
      run('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', '--', process.execPath, '-e', ATTACK, proxy.url, secretFile], {
        cwd: '/',
        timeout: 30_000,
      }).then(({ stdout }) => JSON.parse(stdout) as Record<string, number | string>);
    try {
      const outcome = await asNobody();
      assert.deepEqual(outcome, { settingsUpdate: 401, requestsList: 401, events: 401, session: 401, secret: 'EACCES' });
      assert.equal(proxy.proxy.currentSettings.cliPath, proxy.proxy.options.settings.cliPath, 'cliPath unchanged');

      // Even with the data directory opened for traversal, the file itself (0600) stays closed.
      await chmod(proxy.dataDir, 0o711);
      assert.equal((await asNobody()).secret, 'EACCES');

      // The attempts are in the owner's view, marked as refused.
      const refused = proxy.proxy.requests().filter((record) => record.refused);
      assert.ok(refused.some((record) => record.path === '/dashboard/api/invoke/settings:update' && record.status === 401));
    } finally {
      await chmod(proxy.dataDir, 0o700);
      await proxy.close();
    }
  },
);
