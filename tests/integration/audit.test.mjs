import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Client, startDaemon } from '../lib/daemon.mjs';
import { adminClient, assertError, assertStatus, createCamera, viewer } from '../lib/helpers.mjs';

const AUDIT_FIELDS = ['action', 'detail', 'id', 'ip', 'target', 'time', 'username'];

describe('audit log', () => {
  let d;
  let admin;

  before(async () => {
    d = await startDaemon();
    // A failed login, a login, and a camera creation.
    const anon = new Client(d.url);
    assertError(await anon.post('/api/auth/login', { username: 'admin', password: 'definitely-wrong' }), 401);
    admin = await adminClient(d);
    await createCamera(admin, { id: 'audit-cam', name: 'Audit cam', main_url: 'rtsp://u:audit-secret@10.0.0.1/x' });
  });
  after(() => d?.stop());

  async function entries(query = '') {
    const res = await admin.get(`/api/audit${query}`);
    assertStatus(res, 200);
    assert.ok(Array.isArray(res.json));
    return res.json;
  }

  it('entries have the documented fields, newest first', async () => {
    const list = await entries();
    assert.ok(list.length >= 3);
    for (const e of list) {
      assert.deepEqual(Object.keys(e).sort(), AUDIT_FIELDS, `entry fields: ${JSON.stringify(e)}`);
      assert.equal(typeof e.id, 'number');
      assert.ok(!Number.isNaN(Date.parse(e.time)), `time is a date: ${e.time}`);
    }
    for (let i = 1; i < list.length; i++) {
      assert.ok(list[i - 1].id > list[i].id, 'newest first (ids descending)');
    }
  });

  it('login, failed login and camera creation are recorded with username/action/target', async () => {
    const list = await entries();
    const failed = list.find((e) => e.action === 'login_failed');
    assert.ok(failed, `login_failed entry in ${JSON.stringify(list)}`);
    assert.equal(failed.username, 'admin');
    assert.equal(failed.ip, '127.0.0.1');
    assert.ok(!JSON.stringify(failed).includes('definitely-wrong'), 'tried password not logged');

    const login = list.find((e) => e.action === 'login' && e.username === 'admin');
    assert.ok(login, 'login entry');
    assert.equal(login.ip, '127.0.0.1');
    assert.ok(login.id > failed.id, 'order of events kept');

    const cam = list.find((e) => e.action === 'camera.create');
    assert.ok(cam, 'camera.create entry');
    assert.equal(cam.username, 'admin');
    assert.equal(cam.target, 'audit-cam');
    assert.ok(cam.id > login.id);
    assert.ok(!JSON.stringify(list).includes('audit-secret'), 'camera secret not in the audit log');
  });

  it('other actions: user.create, token.create/delete, camera.update/delete, logout', async () => {
    const v = await viewer(d, admin, { username: 'audit-viewer' });
    const tok = (await admin.post('/api/tokens', { name: 'audit-tok' })).json;
    assertStatus(await admin.del(`/api/tokens/${tok.id}`), 204);
    assertStatus(await admin.put('/api/cameras/audit-cam', { name: 'renamed' }), 200);
    assertStatus(await admin.del('/api/cameras/audit-cam'), 204);
    assertStatus(await v.client.post('/api/auth/logout'), 204);
    const list = await entries();
    const has = (action, pred = () => true) => assert.ok(list.some((e) => e.action === action && pred(e)),
      `${action} recorded: ${JSON.stringify(list.slice(0, 12))}`);
    has('user.create', (e) => e.username === 'admin');
    has('token.create', (e) => e.username === 'admin');
    has('token.delete', (e) => e.username === 'admin');
    has('camera.update', (e) => e.target === 'audit-cam');
    has('camera.delete', (e) => e.target === 'audit-cam');
    has('logout', (e) => e.username === 'audit-viewer');
    assert.ok(!JSON.stringify(list).includes(tok.token), 'token secret not in the audit log');
  });

  it('user.update/delete and nvr.create/update/sync/delete are recorded with their targets', async () => {
    const u = (await admin.post('/api/users', { username: 'audit-u2', password: 'password-123', role: 'viewer' })).json;
    assertStatus(await admin.put(`/api/users/${u.id}`, { zones: ['x'] }), 200);
    assertStatus(await admin.del(`/api/users/${u.id}`), 204);
    assertStatus(await admin.post('/api/nvrs', { id: 'audit-nvr', name: 'n', vendor: 'hikvision', host: '10.0.0.1',
      port: 554, username: 'u', password: 'nvr-audit-secret', channels: 1 }), 201);
    assertStatus(await admin.put('/api/nvrs/audit-nvr', { name: 'n2' }), 200);
    assertStatus(await admin.post('/api/nvrs/audit-nvr/sync'), 200);
    assertStatus(await admin.del('/api/nvrs/audit-nvr'), 204);
    const list = await entries();
    const has = (action, pred = () => true) => assert.ok(list.some((e) => e.action === action && e.username === 'admin' && pred(e)),
      `${action} recorded: ${JSON.stringify(list.slice(0, 12))}`);
    has('user.update', (e) => e.target.includes('audit-u2') || e.target === String(u.id));
    has('user.delete', (e) => e.target.includes('audit-u2') || e.target === String(u.id));
    for (const a of ['nvr.create', 'nvr.update', 'nvr.sync', 'nvr.delete']) has(a, (e) => e.target === 'audit-nvr');
    assert.ok(!JSON.stringify(list).includes('nvr-audit-secret'));
  });

  it('the recorded ip is the peer address, not a forwarding header', async () => {
    const anon = new Client(d.url);
    await anon.request('POST', '/api/auth/login', {
      body: { username: 'xff-user', password: 'wrong-password' },
      headers: { 'X-Forwarded-For': '198.51.100.7', 'X-Real-IP': '198.51.100.7' },
    });
    const e = (await entries()).find((x) => x.action === 'login_failed' && x.username === 'xff-user');
    assert.ok(e, 'login_failed recorded');
    assert.equal(e.ip, '127.0.0.1');
  });

  it('limit and before page through the log', async () => {
    const all = await entries('?limit=1000');
    assert.ok(all.length >= 5);
    const one = await entries('?limit=1');
    assert.equal(one.length, 1);
    assert.equal(one[0].id, all[0].id);
    const page = await entries(`?before=${all[1].id}&limit=2`);
    assert.deepEqual(page.map((e) => e.id), all.slice(2, 4).map((e) => e.id));
    for (const bad of ['abc', '10x']) {
      assertError(await admin.get(`/api/audit?limit=${bad}`), 400, 'bad_request');
    }
    assertError(await admin.get('/api/audit?before=xyz'), 400, 'bad_request');
    // Out of 1..1000: refused (400) or clamped, never more than 1000 or an empty page.
    for (const out of ['0', '1001', '-5']) {
      const res = await admin.get(`/api/audit?limit=${out}`);
      if (res.status !== 400) {
        assertStatus(res, 200, `limit=${out}`);
        assert.ok(res.json.length >= 1 && res.json.length <= 1000, `limit=${out} gave ${res.json.length} entries`);
      }
    }
  });

  it('viewer → 403, anonymous → 401', async () => {
    const v = await viewer(d, admin, { username: 'audit-viewer-2' });
    assertError(await v.client.get('/api/audit'), 403, 'forbidden');
    assertError(await new Client(d.url).get('/api/audit'), 401, 'unauthorized');
  });
});
