import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Client, startDaemon } from '../lib/daemon.mjs';
import { adminClient, assertStatus } from '../lib/helpers.mjs';

// Password checks (Argon2id, tens of ms and 64 MiB each) run on worker threads:
// a burst of logins must not hold up other requests on the network loop.
describe('logins are checked off the network loop', () => {
  let d;

  before(async () => {
    d = await startDaemon({
      config: 'auth:\n  lockout_attempts: 1000\n',
    });
  });
  after(() => d?.stop());

  it('health answers while a burst of logins is being checked', async () => {
    const order = [];
    const logins = [];
    for (let i = 0; i < 12; i++) {
      const c = new Client(d.url);
      logins.push(
        c.post('/api/auth/login', { username: `nobody-${i}`, password: 'wrong-password' })
          .then((res) => {
            order.push('login');
            return res;
          }),
      );
    }
    // Let the requests reach the daemon before asking for health.
    await new Promise((r) => setTimeout(r, 20));
    const health = new Client(d.url).get('/api/health').then((res) => {
      order.push('health');
      return res;
    });
    const [h, ...rest] = await Promise.all([health, ...logins]);
    assertStatus(h, 200);
    for (const r of rest) assertStatus(r, 401);
    const at = order.indexOf('health');
    assert.ok(at < order.length / 2,
      `health came back after ${at} of ${rest.length} logins: ${order.join(' ')}`);
  });

  it('a correct login after the burst still works', async () => {
    const admin = await adminClient(d);
    assertStatus(await admin.get('/api/auth/me'), 200);
  });
});
