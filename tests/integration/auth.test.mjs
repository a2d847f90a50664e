import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { Client, makeTempDir, parseSetCookie, startDaemon } from '../lib/daemon.mjs';
import { adminClient, assertError, assertStatus, createUser, show, sleep } from '../lib/helpers.mjs';

function sessionCookie(res) {
  const lines = res.setCookies.filter((l) => /^vigil_session=/.test(l));
  assert.equal(lines.length, 1, `exactly one vigil_session Set-Cookie, got ${JSON.stringify(res.setCookies)}`);
  return parseSetCookie(lines[0]);
}

function assertUserShape(u) {
  assert.equal(typeof u.id, 'number');
  assert.equal(typeof u.username, 'string');
  assert.ok(['admin', 'viewer'].includes(u.role));
  assert.ok(Array.isArray(u.cameras));
  assert.ok(Array.isArray(u.zones));
  assert.equal(typeof u.created_at, 'string');
  for (const k of Object.keys(u)) assert.doesNotMatch(k, /pass|hash|salt/i, `user has field ${k}`);
}

function retryAfter(res) {
  const v = res.headers.get('retry-after');
  assert.ok(v !== null, `429 without Retry-After: ${show(res)}`);
  assert.match(v, /^\d+$/, `Retry-After is seconds: ${v}`);
  return Number(v);
}

describe('login, session cookie, me, logout, CSRF, bearer', () => {
  let d;
  before(async () => {
    d = await startDaemon();
  });
  after(() => d?.stop());

  it('login sets the session cookie with the right attributes and returns user + csrf_token', async () => {
    const c = new Client(d.url);
    const res = await c.request('POST', '/api/auth/login', {
      body: { username: 'admin', password: d.adminPassword },
    });
    assertStatus(res, 200);
    const ck = sessionCookie(res);
    assert.ok(ck.value.length >= 16, 'session id looks random enough');
    assert.equal(ck.attrs.httponly, true, `HttpOnly missing: ${ck.raw}`);
    assert.equal(String(ck.attrs.samesite).toLowerCase(), 'strict', `SameSite=Strict missing: ${ck.raw}`);
    assert.equal(ck.attrs.path, '/', `Path=/ missing: ${ck.raw}`);
    assert.equal(typeof res.json.csrf_token, 'string');
    assert.ok(res.json.csrf_token.length >= 16);
    assertUserShape(res.json.user);
    assert.equal(res.json.user.username, 'admin');
    assert.equal(res.json.user.role, 'admin');
  });

  it('bad password → 401, unknown user → 401, no session cookie', async () => {
    const c = new Client(d.url);
    let res = await c.request('POST', '/api/auth/login', { body: { username: 'admin', password: 'wrong-password' } });
    assertError(res, 401, 'unauthorized');
    assert.ok(!res.setCookies.some((l) => /^vigil_session=[^;]+/.test(l)), 'no session cookie on failure');
    res = await c.request('POST', '/api/auth/login', { body: { username: 'nobody', password: 'whatever-123' } });
    assertError(res, 401, 'unauthorized');
  });

  it('login body validation: missing field, wrong type, unknown field → 400', async () => {
    const c = new Client(d.url);
    assertError(await c.post('/api/auth/login', { username: 'admin' }), 400, 'bad_request');
    assertError(await c.post('/api/auth/login', { username: 'admin', password: 12345678 }), 400, 'bad_request');
    const res = await c.post('/api/auth/login', { username: 'admin', password: d.adminPassword, remember_me: true });
    assertError(res, 400, 'bad_request');
    assert.match(res.json.error.message, /remember_me/, 'message names the unknown field');
  });

  it('GET /api/auth/me returns the user and the same csrf_token; 401 without a session', async () => {
    const c = new Client(d.url);
    const login = await c.login('admin', d.adminPassword);
    const me = await c.get('/api/auth/me');
    assertStatus(me, 200);
    assertUserShape(me.json.user);
    assert.equal(me.json.user.username, 'admin');
    assert.equal(me.json.csrf_token, login.json.csrf_token);

    assertError(await new Client(d.url).get('/api/auth/me'), 401, 'unauthorized');
    assertError(
      await new Client(d.url).get('/api/auth/me', { headers: { Cookie: 'vigil_session=forged-session-id-0000000000' } }),
      401, 'unauthorized');
  });

  it('logout → 204, clears the cookie, and the old session no longer works', async () => {
    const c = new Client(d.url);
    await c.login('admin', d.adminPassword);
    const oldCookie = c.cookieHeader();
    const res = await c.post('/api/auth/logout');
    assertStatus(res, 204);
    const ck = sessionCookie(res);
    const cleared = ck.value === '' || Number(ck.attrs['max-age']) <= 0 ||
      (ck.attrs.expires && Date.parse(ck.attrs.expires) < Date.now());
    assert.ok(cleared, `logout clears the cookie: ${ck.raw}`);
    assertError(await new Client(d.url).get('/api/auth/me', { headers: { Cookie: oldCookie } }), 401, 'unauthorized');
    assertError(await c.get('/api/auth/me'), 401, 'unauthorized');
  });

  it('login needs no CSRF token, even from a client that already has a session', async () => {
    const c = new Client(d.url);
    await c.login('admin', d.adminPassword);
    const again = await c.request('POST', '/api/auth/login', {
      body: { username: 'admin', password: d.adminPassword }, csrf: false,
    });
    assertStatus(again, 200);
    assertStatus(await c.get('/api/auth/me'), 200);
  });

  it('logout needs the CSRF token too', async () => {
    const c = new Client(d.url);
    await c.login('admin', d.adminPassword);
    assertError(await c.request('POST', '/api/auth/logout', { csrf: false }), 403, 'csrf');
    assertStatus(await c.get('/api/auth/me'), 200, 'session survives a refused logout');
  });

  it('CSRF: cookie-authenticated state change without / with a wrong X-CSRF-Token → 403 "csrf"', async () => {
    const c = new Client(d.url);
    await c.login('admin', d.adminPassword);
    assertError(await c.request('POST', '/api/tokens', { body: { name: 'no-csrf' }, csrf: false }), 403, 'csrf');
    assertError(await c.request('POST', '/api/tokens', { body: { name: 'bad-csrf' }, csrf: 'x'.repeat(32) }), 403, 'csrf');
    assertError(await c.request('POST', '/api/tokens', { body: { name: 'empty-csrf' }, csrf: '' }), 403, 'csrf');
    assertError(
      await c.request('POST', '/api/cameras', { body: { id: 'csrf-cam', name: 'c', main_url: 'demo:1' }, csrf: false }),
      403, 'csrf');
    // The CSRF token of another session is not good either.
    const other = new Client(d.url);
    await other.login('admin', d.adminPassword);
    assertError(await c.request('POST', '/api/tokens', { body: { name: 'other-csrf' }, csrf: other.csrf }), 403, 'csrf');

    const ok = await c.post('/api/tokens', { name: 'with-csrf' });
    assertStatus(ok, 201);
    assertError(await c.request('DELETE', `/api/tokens/${ok.json.id}`, { csrf: false }), 403, 'csrf');
    const users = await c.get('/api/users');
    const adminId = users.json.find((u) => u.username === 'admin').id;
    assertError(await c.request('PUT', `/api/users/${adminId}`, { body: { zones: [] }, csrf: false }), 403, 'csrf');
    assertStatus(await c.del(`/api/tokens/${ok.json.id}`), 204);
    // GET needs no CSRF token.
    assertStatus(await c.request('GET', '/api/tokens', { csrf: false }), 200);
  });

  it('Bearer token needs no CSRF token; /api/auth/me gives csrf_token null', async () => {
    const c = new Client(d.url);
    await c.login('admin', d.adminPassword);
    const tok = await c.post('/api/tokens', { name: 'bearer-test' });
    assertStatus(tok, 201);
    const b = new Client(d.url);
    const res = await b.request('POST', '/api/tokens', { body: { name: 'made-by-bearer' }, bearer: tok.json.token });
    assertStatus(res, 201);
    const cam = await b.request('POST', '/api/cameras', {
      body: { id: 'bearer-cam', name: 'Bearer cam', main_url: 'demo:2' }, bearer: tok.json.token });
    assertStatus(cam, 201);
    assertStatus(await b.request('DELETE', '/api/cameras/bearer-cam', { bearer: tok.json.token }), 204);
    const me = await b.request('GET', '/api/auth/me', { bearer: tok.json.token });
    assertStatus(me, 200);
    assert.equal(me.json.user.username, 'admin');
    assert.equal(me.json.csrf_token, null);
    assertError(await b.request('GET', '/api/auth/me', { bearer: 'vgt_not-a-real-token' }), 401, 'unauthorized');
  });
});

// Each lockout suite has its own daemon (the IP 127.0.0.1 gets locked too).
// They run one after the other: in parallel, password hashing slows the
// logins enough to make the 2 s windows flaky.
describe('login lockout', () => {
  describe('lockout by username', () => {
    let d;
    before(async () => {
      d = await startDaemon({ config: 'auth:\n  lockout_duration_s: 2\n  lockout_window_s: 60\n' });
    });
    after(() => d?.stop());

    it('5 failures → 429 with Retry-After, even for the right password; login works after expiry', async () => {
      const c = new Client(d.url);
      for (let i = 1; i <= 5; i++) {
        const res = await c.request('POST', '/api/auth/login', { body: { username: 'admin', password: `wrong-${i}-xxxx` } });
        assertError(res, 401, 'unauthorized');
      }
      const locked = await c.request('POST', '/api/auth/login', { body: { username: 'admin', password: 'wrong-6-xxxx' } });
      assertError(locked, 429, 'too_many_requests');
      const ra = retryAfter(locked);
      assert.ok(ra >= 1 && ra <= 2, `Retry-After within the 2 s lock: ${ra}`);

      const right = await c.request('POST', '/api/auth/login', { body: { username: 'admin', password: d.adminPassword } });
      assertError(right, 429, 'too_many_requests');
      retryAfter(right);
      assert.ok(!right.setCookies.some((l) => /^vigil_session=[^;]+/.test(l)), 'no session while locked');

      await sleep(ra * 1000 + 300);
      const again = await c.request('POST', '/api/auth/login', { body: { username: 'admin', password: d.adminPassword } });
      assertStatus(again, 200, 'login after the lock expired');
    });
  });

  describe('lockout by IP address', () => {
    let d;
    before(async () => {
      d = await startDaemon({ config: 'auth:\n  lockout_duration_s: 2\n  lockout_window_s: 60\n' });
    });
    after(() => d?.stop());

    it('5 failures from one IP with different usernames lock that IP for every username', async () => {
      const c = new Client(d.url);
      for (let i = 1; i <= 5; i++) {
        // Forwarding headers from an untrusted client must not change its address.
        const res = await c.request('POST', '/api/auth/login', {
          body: { username: `ghost-${i}`, password: 'wrong-password' },
          headers: { 'X-Forwarded-For': `203.0.113.${i}`, 'X-Real-IP': `203.0.113.${i}`, Forwarded: `for=203.0.113.${i}` },
        });
        assertError(res, 401, 'unauthorized');
      }
      // admin itself never failed: only the IP can be locked.
      const res = await c.request('POST', '/api/auth/login', { body: { username: 'admin', password: d.adminPassword } });
      assertError(res, 429, 'too_many_requests');
      const ra = retryAfter(res);
      assert.ok(ra >= 1 && ra <= 2, `Retry-After within the 2 s lock: ${ra}`);
      await sleep(ra * 1000 + 300);
      assertStatus(
        await c.request('POST', '/api/auth/login', { body: { username: 'admin', password: d.adminPassword } }),
        200, 'login after the IP lock expired');
    });
  });

  describe('lockout defaults and configuration', () => {
    it('by default the lock lasts 5 minutes (Retry-After ≈ 300)', async (t) => {
      const d = await startDaemon();
      t.after(() => d.stop());
      const c = new Client(d.url);
      for (let i = 1; i <= 5; i++) {
        assertError(await c.post('/api/auth/login', { username: 'admin', password: `wrong-${i}-xxxx` }), 401, 'unauthorized');
      }
      const res = await c.post('/api/auth/login', { username: 'admin', password: d.adminPassword });
      assertError(res, 429, 'too_many_requests');
      const ra = retryAfter(res);
      assert.ok(ra > 290 && ra <= 300, `Retry-After ${ra}`);
    });

    it('lockout_attempts and lockout_window_s: failures older than the window do not count', async (t) => {
      const d = await startDaemon({
        config: 'auth:\n  lockout_attempts: 3\n  lockout_window_s: 2\n  lockout_duration_s: 60\n',
      });
      t.after(() => d.stop());
      const c = new Client(d.url);
      const fail = () => c.post('/api/auth/login', { username: 'admin', password: 'wrong-password' });
      assertError(await fail(), 401, 'unauthorized');
      assertError(await fail(), 401, 'unauthorized');
      await sleep(2200); // the window passes
      assertError(await fail(), 401, 'unauthorized');
      assertError(await fail(), 401, 'unauthorized');
      assertError(await fail(), 401, 'unauthorized'); // third failure within the window: locks
      const res = await c.post('/api/auth/login', { username: 'admin', password: d.adminPassword });
      assertError(res, 429, 'too_many_requests');
      const ra = retryAfter(res);
      assert.ok(ra > 50 && ra <= 60, `Retry-After ${ra} for lockout_duration_s 60`);
    });
  });
});

describe('session cap per user', () => {
  let d;
  before(async () => {
    d = await startDaemon({ config: 'auth:\n  max_sessions_per_user: 2\n' });
  });
  after(() => d?.stop());

  it('a third login drops the oldest session', async () => {
    const c1 = new Client(d.url);
    const c2 = new Client(d.url);
    const c3 = new Client(d.url);
    await c1.login('admin', d.adminPassword);
    assertStatus(await c1.get('/api/auth/me'), 200);
    await c2.login('admin', d.adminPassword);
    await c3.login('admin', d.adminPassword);
    assertError(await c1.get('/api/auth/me'), 401, 'unauthorized');
    assertStatus(await c2.get('/api/auth/me'), 200, 'second session');
    assertStatus(await c3.get('/api/auth/me'), 200, 'third session');
  });

  it('the cap is per user: another user\'s logins do not drop admin sessions', async () => {
    const a = await adminClient(d);
    const v = await createUser(a, { username: 'cap-viewer', password: 'password-123' });
    assert.ok(v.id);
    for (let i = 0; i < 3; i++) await new Client(d.url).login('cap-viewer', 'password-123');
    assertStatus(await a.get('/api/auth/me'), 200);
  });
});

describe('initial admin password', () => {
  let d;
  before(async () => {
    d = await startDaemon({ adminPassword: null });
  });
  after(() => d?.stop());

  it('without VIGIL_ADMIN_PASSWORD a random password is written to <state-dir>/initial-admin-password (0600)', async () => {
    const file = path.join(d.stateDir, 'initial-admin-password');
    const st = await fs.stat(file);
    assert.equal(st.mode & 0o777, 0o600, `mode is ${(st.mode & 0o777).toString(8)}`);
    const password = (await fs.readFile(file, 'utf8')).trim();
    assert.ok(password.length >= 8, 'password long enough');
    assert.ok(d.stderr().includes(password), 'password is logged once on first start');
    const c = new Client(d.url);
    await c.login('admin', password);
    assertStatus(await c.get('/api/auth/me'), 200);
  });
});

describe('HTTPS', () => {
  let d;
  let saved;
  before(async () => {
    const dir = await makeTempDir('vigil-tls-');
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    saved = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'; // self-signed, for this test only
    d = await startDaemon({ https: true, config: `server:\n  tls_cert: ${cert}\n  tls_key: ${key}\n` });
  });
  after(async () => {
    await d?.stop();
    if (saved === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    else process.env.NODE_TLS_REJECT_UNAUTHORIZED = saved;
  });

  it('under HTTPS the session cookie is also Secure', async () => {
    const c = new Client(d.url);
    const res = await c.post('/api/auth/login', { username: 'admin', password: d.adminPassword });
    assertStatus(res, 200);
    const ck = sessionCookie(res);
    assert.equal(ck.attrs.secure, true, `Secure missing: ${ck.raw}`);
    assert.equal(ck.attrs.httponly, true);
    assert.equal(String(ck.attrs.samesite).toLowerCase(), 'strict');
    assert.equal(ck.attrs.path, '/');
    assertStatus(await c.get('/api/auth/me'), 200);
    assertStatus(await c.post('/api/tokens', { name: 'over-tls' }), 201);
  });
});
