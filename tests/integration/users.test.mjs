import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Client, startDaemon } from '../lib/daemon.mjs';
import { adminClient, assertError, assertStatus, createUser, loginAs, show } from '../lib/helpers.mjs';

describe('users', () => {
  let d;
  let admin;
  let adminId;

  before(async () => {
    d = await startDaemon();
    admin = await adminClient(d);
    adminId = admin.user.id;
  });
  after(() => d?.stop());

  it('admin creates a viewer → 201 with the user object, no password', async () => {
    const res = await admin.post('/api/users', {
      username: 'viewer1', password: 'viewer-pass-1', role: 'viewer', cameras: ['front-door'], zones: ['north'],
    });
    assertStatus(res, 201);
    const u = res.json;
    assert.equal(typeof u.id, 'number');
    assert.equal(u.username, 'viewer1');
    assert.equal(u.role, 'viewer');
    assert.deepEqual(u.cameras, ['front-door']);
    assert.deepEqual(u.zones, ['north']);
    assert.ok(!Number.isNaN(Date.parse(u.created_at)), `created_at is a date: ${u.created_at}`);
    assert.ok(!res.text.includes('viewer-pass-1'), 'password not echoed');
    for (const k of Object.keys(u)) assert.doesNotMatch(k, /pass|hash/i);

    const list = await admin.get('/api/users');
    assertStatus(list, 200);
    assert.ok(Array.isArray(list.json));
    assert.deepEqual(list.json.map((x) => x.username).sort(), ['admin', 'viewer1']);
    assert.ok(!list.text.includes('viewer-pass-1'));

    const one = await admin.get(`/api/users/${u.id}`);
    assertStatus(one, 200);
    assert.deepEqual(one.json, u);
  });

  it('duplicate username → 409', async () => {
    const res = await admin.post('/api/users', { username: 'viewer1', password: 'another-pass-1', role: 'viewer' });
    assertError(res, 409, 'conflict');
  });

  it('validation errors → 400', async () => {
    const bad = [
      [{ username: 'has space', password: 'password-123', role: 'viewer' }, 'username with a space'],
      [{ username: '', password: 'password-123', role: 'viewer' }, 'empty username'],
      [{ username: 'u'.repeat(65), password: 'password-123', role: 'viewer' }, '65-char username'],
      [{ username: 'bad/name', password: 'password-123', role: 'viewer' }, 'username with /'],
      [{ username: 'shortpw', password: 'short', role: 'viewer' }, 'password < 8'],
      [{ username: 'longpw', password: 'p'.repeat(257), role: 'viewer' }, 'password > 256'],
      [{ username: 'badrole', password: 'password-123', role: 'superuser' }, 'unknown role'],
      [{ username: 'nopw', role: 'viewer' }, 'missing password'],
      [{ password: 'password-123', role: 'viewer' }, 'missing username'],
      [{ username: 'badtype', password: 'password-123', role: 'viewer', cameras: 'front-door' }, 'cameras not a list'],
      [{ username: 'badtype2', password: 'password-123', role: 'viewer', zones: [1, 2] }, 'zones of numbers'],
      [{ username: 12345, password: 'password-123', role: 'viewer' }, 'username a number'],
    ];
    for (const [body, what] of bad) {
      const res = await admin.post('/api/users', body);
      assert.equal(res.status, 400, `${what}: expected 400, got ${show(res)}`);
      assertError(res, 400, 'bad_request');
    }
    const unk = await admin.post('/api/users', { username: 'unk', password: 'password-123', role: 'viewer', is_root: true });
    assertError(unk, 400, 'bad_request');
    assert.match(unk.json.error.message, /is_root/, 'message names the unknown field');
    // Boundaries that are valid.
    assertStatus(await admin.post('/api/users', { username: 'a', password: '12345678', role: 'viewer' }), 201, '1-char username, 8-char password');
    assertStatus(await admin.post('/api/users', { username: 'u'.repeat(64), password: 'p'.repeat(256), role: 'viewer' }), 201, '64-char username, 256-char password');
    assertStatus(await admin.post('/api/users', { username: 'A.b_c@d-e', password: 'password-123', role: 'viewer' }), 201, 'username charset');
    // Read-only output fields are accepted and ignored.
    const ro = await admin.post('/api/users', { id: 999, created_at: '2000-01-01T00:00:00Z', username: 'ro-fields', password: 'password-123', role: 'viewer' });
    assertStatus(ro, 201, 'read-only fields accepted');
    assert.notEqual(ro.json.created_at, '2000-01-01T00:00:00Z');
    // PUT validation too.
    const v = (await admin.get('/api/users')).json.find((u) => u.username === 'viewer1');
    assertError(await admin.put(`/api/users/${v.id}`, { role: 'root' }), 400, 'bad_request');
    assertError(await admin.put(`/api/users/${v.id}`, { cameras: 5 }), 400, 'bad_request');
    assertError(await admin.put(`/api/users/${v.id}`, { password: 'short' }), 400, 'bad_request');
    const unkPut = await admin.put(`/api/users/${v.id}`, { nickname: 'x' });
    assertError(unkPut, 400, 'bad_request');
    assert.match(unkPut.json.error.message, /nickname/);
    assertError(await admin.get('/api/users/999999'), 404, 'not_found');
    assertError(await admin.put('/api/users/999999', { zones: [] }), 404, 'not_found');
  });

  it('viewer sees only itself', async () => {
    const v = await loginAs(d, 'viewer1', 'viewer-pass-1');
    const own = await v.get(`/api/users/${v.user.id}`);
    assertStatus(own, 200);
    assert.equal(own.json.username, 'viewer1');
    assertError(await v.get(`/api/users/${adminId}`), 403, 'forbidden');
    assertError(await v.get('/api/users'), 403, 'forbidden');
    assertError(await v.post('/api/users', { username: 'sneaky', password: 'password-123', role: 'admin' }), 403, 'forbidden');
    assertError(await v.put(`/api/users/${adminId}`, { zones: ['x'] }), 403, 'forbidden');
    assertError(await v.del(`/api/users/${adminId}`), 403, 'forbidden');
  });

  it('viewer changes its own password with current_password; wrong current → 403', async () => {
    const v = await loginAs(d, 'viewer1', 'viewer-pass-1');
    const other = await loginAs(d, 'viewer1', 'viewer-pass-1');
    const id = v.user.id;
    assertError(await v.put(`/api/users/${id}`, { password: 'viewer-pass-2', current_password: 'not-my-password' }), 403);
    assertError(await v.put(`/api/users/${id}`, { password: 'viewer-pass-2' }), 403);
    // Still the old password.
    await loginAs(d, 'viewer1', 'viewer-pass-1');

    const ok = await v.put(`/api/users/${id}`, { password: 'viewer-pass-2', current_password: 'viewer-pass-1' });
    assertStatus(ok, 200);
    assert.equal(ok.json.username, 'viewer1');
    assertStatus(await v.get('/api/auth/me'), 200, 'the session that changed the password stays');
    assertError(await other.get('/api/auth/me'), 401, 'unauthorized');

    assertError(await new Client(d.url).post('/api/auth/login', { username: 'viewer1', password: 'viewer-pass-1' }), 401);
    await loginAs(d, 'viewer1', 'viewer-pass-2');
  });

  it('viewer password change may carry the read-only id and created_at (accepted and ignored)', async () => {
    const v = await loginAs(d, 'viewer1', 'viewer-pass-2');
    const me = (await v.get(`/api/users/${v.user.id}`)).json;
    const res = await v.put(`/api/users/${me.id}`, {
      id: me.id, created_at: me.created_at, password: 'viewer-pass-2b', current_password: 'viewer-pass-2',
    });
    // Restore the password the following tests use, whatever happened.
    if (res.status === 200) {
      assertStatus(await v.put(`/api/users/${me.id}`, { password: 'viewer-pass-2', current_password: 'viewer-pass-2b' }), 200);
    }
    assertStatus(res, 200, 'read-only fields must not make the change forbidden');
  });

  it('viewer cannot change its own role, username, cameras or zones → 403', async () => {
    const v = await loginAs(d, 'viewer1', 'viewer-pass-2');
    const id = v.user.id;
    assertError(await v.put(`/api/users/${id}`, { role: 'admin' }), 403);
    assertError(await v.put(`/api/users/${id}`, { role: 'admin', password: 'viewer-pass-3', current_password: 'viewer-pass-2' }), 403);
    assertError(await v.put(`/api/users/${id}`, { username: 'renamed' }), 403);
    assertError(await v.put(`/api/users/${id}`, { cameras: [] }), 403);
    assertError(await v.put(`/api/users/${id}`, { zones: [] }), 403);
    const me = await admin.get(`/api/users/${id}`);
    assert.equal(me.json.role, 'viewer');
    assert.equal(me.json.username, 'viewer1');
    assert.deepEqual(me.json.zones, ['north']);
    // The refused combined request did not change the password either.
    await loginAs(d, 'viewer1', 'viewer-pass-2');
  });

  it('admin updates any field of a viewer; a password change ends that user\'s sessions', async () => {
    const vSession = await loginAs(d, 'viewer1', 'viewer-pass-2');
    const id = vSession.user.id;
    const res = await admin.put(`/api/users/${id}`, { username: 'viewer1b', cameras: [], zones: ['south', 'east'] });
    assertStatus(res, 200);
    assert.equal(res.json.username, 'viewer1b');
    assert.deepEqual(res.json.cameras, []);
    assert.deepEqual(res.json.zones, ['south', 'east']);
    assert.equal(res.json.role, 'viewer');
    const got = await admin.get(`/api/users/${id}`);
    assert.deepEqual(got.json, res.json);
    assertStatus(await vSession.get('/api/auth/me'), 200, 'a rename does not end sessions');

    // The GET answer sent back (read-only id and created_at included) is accepted.
    const echo = await admin.put(`/api/users/${id}`, { ...got.json, zones: ['south'] });
    assertStatus(echo, 200, 'PUT of a GET answer');
    assert.deepEqual(echo.json.zones, ['south']);

    const pw = await admin.put(`/api/users/${id}`, { password: 'set-by-admin-1' });
    assertStatus(pw, 200, 'admin sets another user\'s password without current_password');
    assertError(await vSession.get('/api/auth/me'), 401, 'unauthorized');
    await loginAs(d, 'viewer1b', 'set-by-admin-1');

    const promote = await admin.put(`/api/users/${id}`, { role: 'admin' });
    assertStatus(promote, 200);
    assert.equal(promote.json.role, 'admin');
    const demote = await admin.put(`/api/users/${id}`, { role: 'viewer' });
    assertStatus(demote, 200);
    assert.equal(demote.json.role, 'viewer');

    // Renaming onto an existing username → 409.
    assertError(await admin.put(`/api/users/${id}`, { username: 'admin' }), 409, 'conflict');
  });

  it('admin changing its own password needs current_password', async () => {
    const a2 = await adminClient(d);
    assertError(await admin.put(`/api/users/${adminId}`, { password: 'new-admin-pass-1', current_password: 'wrong-password' }), 403);
    const missing = await admin.put(`/api/users/${adminId}`, { password: 'new-admin-pass-1' });
    assert.ok([400, 403].includes(missing.status), `own password without current_password: ${show(missing)}`);
    assertStatus(await admin.put(`/api/users/${adminId}`, { password: 'new-admin-pass-1', current_password: d.adminPassword }), 200);
    assertStatus(await admin.get('/api/auth/me'), 200, 'own session survives');
    assertError(await a2.get('/api/auth/me'), 401, 'unauthorized');
    d.adminPassword = 'new-admin-pass-1';
    await adminClient(d);
  });

  it('delete a user → 204; then 404', async () => {
    const u = await createUser(admin, { username: 'to-delete' });
    const s = await loginAs(d, 'to-delete');
    assertStatus(await admin.del(`/api/users/${u.id}`), 204);
    assertError(await admin.get(`/api/users/${u.id}`), 404, 'not_found');
    assertError(await admin.del(`/api/users/${u.id}`), 404, 'not_found');
    assertError(await s.get('/api/auth/me'), 401, 'unauthorized');
    assert.ok(!(await admin.get('/api/users')).json.some((x) => x.username === 'to-delete'));
  });

  it('deleting oneself / the last admin → 409', async () => {
    assertError(await admin.del(`/api/users/${adminId}`), 409, 'conflict');
    assertStatus(await admin.get(`/api/users/${adminId}`), 200);
    // With a second admin, deleting oneself is still refused; deleting the other works.
    const a2 = await createUser(admin, { username: 'admin2', role: 'admin', password: 'admin2-pass-1' });
    const c2 = await loginAs(d, 'admin2', 'admin2-pass-1');
    assertError(await c2.del(`/api/users/${a2.id}`), 409, 'conflict');
    assertStatus(await c2.del(`/api/users/${adminId}`), 204, 'an admin deletes another admin');
    // admin2 is now the last admin.
    assertError(await c2.del(`/api/users/${a2.id}`), 409, 'conflict');
    const users = (await c2.get('/api/users')).json;
    assert.deepEqual(users.filter((u) => u.role === 'admin').map((u) => u.username), ['admin2']);
  });
});
