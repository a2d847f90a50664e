import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Client, startDaemon } from '../lib/daemon.mjs';
import { adminClient, assertError, assertStatus, viewer } from '../lib/helpers.mjs';

const TOKEN_FIELDS = ['created_at', 'expires_at', 'id', 'last_used_at', 'name', 'user_id', 'username'];

describe('API tokens', () => {
  let d;
  let admin;
  let v; // {user, client}

  before(async () => {
    d = await startDaemon();
    admin = await adminClient(d);
    v = await viewer(d, admin, { username: 'tok-viewer' });
  });
  after(() => d?.stop());

  it('create → 201 with the secret once; lists never show it', async () => {
    const res = await admin.post('/api/tokens', { name: 'ci' });
    assertStatus(res, 201);
    const t = res.json;
    assert.match(t.token, /^vgt_\S{16,}$/, `token format: ${t.token}`);
    assert.deepEqual(Object.keys(t).sort(), [...TOKEN_FIELDS, 'token'].sort());
    assert.equal(t.name, 'ci');
    assert.equal(t.user_id, admin.user.id);
    assert.equal(t.username, 'admin');
    assert.equal(t.expires_at, null);
    assert.equal(t.last_used_at, null);
    assert.ok(!Number.isNaN(Date.parse(t.created_at)));

    const list = await admin.get('/api/tokens');
    assertStatus(list, 200);
    const entry = list.json.find((x) => x.id === t.id);
    assert.ok(entry, 'new token is listed');
    for (const x of list.json) assert.deepEqual(Object.keys(x).sort(), TOKEN_FIELDS, `listed token fields: ${JSON.stringify(x)}`);
    assert.ok(!list.text.includes(t.token), 'secret not in the list');
    assert.ok(!list.text.includes(t.token.slice(4)), 'secret not in the list, even without prefix');

    // Use it.
    const b = new Client(d.url);
    const me = await b.request('GET', '/api/auth/me', { bearer: t.token });
    assertStatus(me, 200);
    assert.equal(me.json.user.username, 'admin');
    assertStatus(await b.request('GET', '/api/users', { bearer: t.token }), 200);

    // Using it records last_used_at.
    const used = (await admin.get('/api/tokens')).json.find((x) => x.id === t.id);
    assert.ok(used.last_used_at !== null && !Number.isNaN(Date.parse(used.last_used_at)),
      `last_used_at set after use: ${JSON.stringify(used)}`);
  });

  it('expires_in_days sets expires_at about that far ahead', async () => {
    const res = await admin.post('/api/tokens', { name: 'short-lived', expires_in_days: 30 });
    assertStatus(res, 201);
    const exp = Date.parse(res.json.expires_at);
    assert.ok(!Number.isNaN(exp), `expires_at is a date: ${res.json.expires_at}`);
    const want = Date.now() + 30 * 86400e3;
    assert.ok(Math.abs(exp - want) < 86400e3, `expires_at ${res.json.expires_at} ~ now + 30 days`);
    assertStatus(await new Client(d.url).request('GET', '/api/auth/me', { bearer: res.json.token }), 200);
  });

  it('validation: missing/empty name, wrong types, unknown field → 400', async () => {
    assertError(await admin.post('/api/tokens', {}), 400, 'bad_request');
    assertError(await admin.post('/api/tokens', { name: 42 }), 400, 'bad_request');
    assertError(await admin.post('/api/tokens', { name: 'x', expires_in_days: 'soon' }), 400, 'bad_request');
    const unk = await admin.post('/api/tokens', { name: 'x', scope: 'all' });
    assertError(unk, 400, 'bad_request');
    assert.match(unk.json.error.message, /scope/);
  });

  it('read-only output fields (id, created_at) in the body are accepted and ignored', async () => {
    const res = await admin.post('/api/tokens', { name: 'ro-fields', id: 424242, created_at: '2000-01-01T00:00:00Z' });
    assertStatus(res, 201);
    assert.notEqual(res.json.id, 424242);
    assert.notEqual(res.json.created_at, '2000-01-01T00:00:00Z');
  });

  it('delete → 204 and the bearer stops working (401)', async () => {
    const t = (await admin.post('/api/tokens', { name: 'to-revoke' })).json;
    const b = new Client(d.url);
    assertStatus(await b.request('GET', '/api/auth/me', { bearer: t.token }), 200);
    assertStatus(await admin.del(`/api/tokens/${t.id}`), 204);
    assertError(await b.request('GET', '/api/auth/me', { bearer: t.token }), 401, 'unauthorized');
    assertError(await admin.del(`/api/tokens/${t.id}`), 404, 'not_found');
    assert.ok(!(await admin.get('/api/tokens')).json.some((x) => x.id === t.id));
  });

  it('a token may delete itself', async () => {
    const t = (await admin.post('/api/tokens', { name: 'self-revoke' })).json;
    const b = new Client(d.url);
    assertStatus(await b.request('DELETE', `/api/tokens/${t.id}`, { bearer: t.token }), 204);
    assertError(await b.request('GET', '/api/auth/me', { bearer: t.token }), 401, 'unauthorized');
  });

  it('viewer sees and deletes only its own tokens; admin sees all', async () => {
    const mine = await v.client.post('/api/tokens', { name: 'viewer-token' });
    assertStatus(mine, 201);
    assert.equal(mine.json.user_id, v.user.id);
    assert.equal(mine.json.username, 'tok-viewer');
    const adminTok = (await admin.post('/api/tokens', { name: 'admin-only' })).json;

    const vlist = await v.client.get('/api/tokens');
    assertStatus(vlist, 200);
    assert.ok(vlist.json.length >= 1);
    for (const x of vlist.json) assert.equal(x.user_id, v.user.id, `viewer sees someone else's token ${JSON.stringify(x)}`);
    assert.ok(vlist.json.some((x) => x.id === mine.json.id));

    const alist = (await admin.get('/api/tokens')).json;
    assert.ok(alist.some((x) => x.id === mine.json.id), 'admin sees the viewer token');
    assert.ok(alist.some((x) => x.id === adminTok.id));

    // A viewer cannot delete someone else's token: 404, and it keeps working.
    assertError(await v.client.del(`/api/tokens/${adminTok.id}`), 404, 'not_found');
    assertStatus(await new Client(d.url).request('GET', '/api/auth/me', { bearer: adminTok.token }), 200);

    // The viewer token carries the viewer's rights.
    const vb = new Client(d.url);
    const me = await vb.request('GET', '/api/auth/me', { bearer: mine.json.token });
    assertStatus(me, 200);
    assert.equal(me.json.user.username, 'tok-viewer');
    assertError(await vb.request('GET', '/api/users', { bearer: mine.json.token }), 403, 'forbidden');
    assertError(await vb.request('POST', '/api/cameras', { bearer: mine.json.token, body: { name: 'nope', main_url: 'demo:1' } }), 403, 'forbidden');

    // Admin may delete anyone's token.
    assertStatus(await admin.del(`/api/tokens/${mine.json.id}`), 204);
    assertError(await vb.request('GET', '/api/auth/me', { bearer: mine.json.token }), 401, 'unauthorized');

    const own = (await v.client.post('/api/tokens', { name: 'viewer-2' })).json;
    assertStatus(await v.client.del(`/api/tokens/${own.id}`), 204, 'viewer deletes its own token');
  });

  it('tokens of a deleted user stop working', async () => {
    const u = await viewer(d, admin, { username: 'tok-gone' });
    const t = (await u.client.post('/api/tokens', { name: 'orphan' })).json;
    assertStatus(await admin.del(`/api/users/${u.user.id}`), 204);
    assertError(await new Client(d.url).request('GET', '/api/auth/me', { bearer: t.token }), 401, 'unauthorized');
  });
});
