import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Client, startDaemon } from '../lib/daemon.mjs';
import { adminClient, assertError, assertStatus, dbPath, sqlite, viewer } from '../lib/helpers.mjs';

const TOKEN_FIELDS = ['created_at', 'expires_at', 'id', 'last_used_at', 'name', 'publish', 'user_id', 'username'];

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
    assert.deepEqual(t.publish, [], 'no publish rights unless asked');
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
    assertError(await admin.post('/api/tokens', { name: 'x', publish: 'cam' }), 400, 'bad_request');
    assertError(await admin.post('/api/tokens', { name: 'x', publish: [''] }), 400, 'bad_request');
    assertError(await admin.post('/api/tokens', { name: 'x', user_id: 'me' }), 400, 'bad_request');
    assertError(await admin.post('/api/tokens', { name: 'x', user_id: 0 }), 400, 'bad_request');
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

describe('API tokens that may publish video', () => {
  let d;
  let admin;
  let node; // a camera node's user: {user, client}

  before(async () => {
    d = await startDaemon();
    admin = await adminClient(d);
    node = await viewer(d, admin, { username: 'lobby-node-user' });
    for (const id of ['lobby', 'porch']) {
      assertStatus(await admin.post('/api/cameras', { id, name: id, type: 'webrtc' }), 201);
    }
    assertStatus(await admin.post('/api/cameras', { id: 'pulled', name: 'pulled', main_url: 'demo:1' }), 201);
  });
  after(() => d?.stop());

  it('an admin makes a publish token for a viewer; it shows in create, list and the audit log', async () => {
    const res = await admin.post('/api/tokens', {
      name: 'lobby node', user_id: node.user.id, publish: ['lobby', 'porch', 'lobby'],
    });
    assertStatus(res, 201);
    const t = res.json;
    assert.deepEqual(Object.keys(t).sort(), [...TOKEN_FIELDS, 'token'].sort());
    assert.equal(t.user_id, node.user.id);
    assert.equal(t.username, 'lobby-node-user');
    assert.deepEqual(t.publish, ['lobby', 'porch'], 'duplicates collapsed, order kept');

    const listed = (await admin.get('/api/tokens')).json.find((x) => x.id === t.id);
    assert.deepEqual(listed.publish, ['lobby', 'porch']);
    const own = await node.client.get('/api/tokens');
    assertStatus(own, 200);
    const mine = own.json.find((x) => x.id === t.id);
    assert.ok(mine, 'the viewer sees the token made for it');
    assert.deepEqual(mine.publish, ['lobby', 'porch']);

    // It acts as the viewer, not as the admin who made it.
    const b = new Client(d.url);
    const me = await b.request('GET', '/api/auth/me', { bearer: t.token });
    assertStatus(me, 200);
    assert.equal(me.json.user.username, 'lobby-node-user');
    assertError(await b.request('GET', '/api/users', { bearer: t.token }), 403, 'forbidden');

    const audit = (await admin.get('/api/audit')).json;
    const entry = audit.find((e) => e.action === 'token.create' && e.target === 'lobby node');
    assert.ok(entry, `audit entry: ${JSON.stringify(audit).slice(0, 400)}`);
    assert.match(entry.detail, /lobby-node-user/);
    assert.match(entry.detail, /lobby,porch/);
  });

  it('an admin token for itself may publish; any camera id must exist (400 naming it)', async () => {
    const res = await admin.post('/api/tokens', { name: 'admin publish', publish: ['pulled'] });
    assertStatus(res, 201);
    assert.equal(res.json.user_id, admin.user.id);
    assert.deepEqual(res.json.publish, ['pulled']);

    const unknown = await admin.post('/api/tokens', { name: 'x', publish: ['lobby', 'no-such-cam'] });
    assertError(unknown, 400, 'bad_request');
    assert.match(unknown.json.error.message, /no-such-cam/);
    const invalid = await admin.post('/api/tokens', { name: 'x', publish: ['Not A Slug'] });
    assertError(invalid, 400, 'bad_request');
    assert.match(invalid.json.error.message, /Not A Slug/);
    const tooMany = await admin.post('/api/tokens', { name: 'x', publish: Array.from({ length: 65 }, (_, i) => `cam-${i}`) });
    assertError(tooMany, 400, 'bad_request');
    assert.match(tooMany.json.error.message, /publish/);
    const noUser = await admin.post('/api/tokens', { name: 'x', user_id: 999999 });
    assertError(noUser, 400, 'bad_request');
    assert.match(noUser.json.error.message, /user_id/);
  });

  it('a viewer cannot set publish or make tokens for someone else (403)', async () => {
    const pub = await node.client.post('/api/tokens', { name: 'sneaky', publish: ['lobby'] });
    assertError(pub, 403, 'forbidden');
    // Same answer for a camera that does not exist: nothing to learn from it.
    assertError(await node.client.post('/api/tokens', { name: 'sneaky', publish: ['no-such-cam'] }), 403, 'forbidden');
    assertError(await node.client.post('/api/tokens', { name: 'sneaky', user_id: admin.user.id }), 403, 'forbidden');
    // With a bearer token too.
    const t = (await node.client.post('/api/tokens', { name: 'plain' })).json;
    const b = new Client(d.url);
    assertError(await b.request('POST', '/api/tokens', { bearer: t.token, body: { name: 'x', publish: ['lobby'] } }), 403, 'forbidden');
    // Its own id and an empty list are what it gets anyway.
    const ok = await node.client.post('/api/tokens', { name: 'own', user_id: node.user.id, publish: [] });
    assertStatus(ok, 201);
    assert.deepEqual(ok.json.publish, []);
    assert.ok(!(await admin.get('/api/tokens')).json.some((x) => x.name === 'sneaky'));
  });

  it('a deleted camera leaves the publish lists', async () => {
    assertStatus(await admin.post('/api/cameras', { id: 'short-lived', name: 'x', type: 'webrtc' }), 201);
    const t = (await admin.post('/api/tokens', { name: 'short', user_id: node.user.id, publish: ['short-lived', 'lobby'] })).json;
    assertStatus(await admin.del('/api/cameras/short-lived'), 204);
    const listed = (await admin.get('/api/tokens')).json.find((x) => x.id === t.id);
    assert.deepEqual(listed.publish, ['lobby']);
  });

  it('publish lists survive a restart (the migration runs on every start)', async () => {
    const t = (await admin.post('/api/tokens', { name: 'durable', user_id: node.user.id, publish: ['porch'] })).json;
    await d.restart();
    admin = await adminClient(d);
    const listed = (await admin.get('/api/tokens')).json;
    assert.deepEqual(listed.find((x) => x.id === t.id)?.publish, ['porch']);
    for (const x of listed) assert.ok(Array.isArray(x.publish), `publish is a list: ${JSON.stringify(x)}`);
    assertStatus(await new Client(d.url).request('GET', '/api/auth/me', { bearer: t.token }), 200);
  });
});

describe('API tokens: a database from before publish lists', () => {
  it('is migrated: old tokens keep working with no publish rights', async () => {
    const d = await startDaemon();
    try {
      const admin = await adminClient(d);
      const t = (await admin.post('/api/tokens', { name: 'from-v1' })).json;
      await d.stop();
      // Take the schema back to what an older Vigil left: no publish column.
      await sqlite(dbPath(d), 'DROP TRIGGER cameras_leave_token_publish; ALTER TABLE tokens DROP COLUMN publish; ' +
        'DROP TABLE segments; DROP TABLE segment_totals; ALTER TABLE cameras DROP COLUMN record_sub; ' +
        'ALTER TABLE cameras DROP COLUMN retention_days; PRAGMA user_version = 1;');
      await d.restart();
      const b = new Client(d.url);
      const me = await b.request('GET', '/api/auth/me', { bearer: t.token });
      assertStatus(me, 200);
      const again = await adminClient(d);
      const listed = (await again.get('/api/tokens')).json.find((x) => x.id === t.id);
      assert.deepEqual(listed?.publish, []);
      const version = Number((await sqlite(dbPath(d), 'PRAGMA user_version;')).trim());
      assert.ok(version >= 2, `schema version ${version} after the migration`);
    } finally {
      await d.stop();
    }
  });
});
