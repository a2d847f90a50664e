import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { startDaemon } from '../lib/daemon.mjs';
import {
  MASK, adminClient, assertError, assertStatus, createCamera, dbPath, show, sqlite, storedRowSize, viewer,
} from '../lib/helpers.mjs';

const CAMERA_FIELDS = ['created_at', 'enabled', 'id', 'main_url', 'name', 'nvr_id', 'password', 'readonly',
  'record', 'record_stream', 'recording', 'retention_days', 'source', 'status', 'sub_status', 'sub_url', 'transport', 'type', 'updated_at', 'username', 'zone'].sort();

function assertCameraShape(c) {
  assert.deepEqual(Object.keys(c).sort(), CAMERA_FIELDS, `camera fields: ${JSON.stringify(c)}`);
  assert.match(c.id, /^[a-z0-9][a-z0-9-]{0,62}$/);
  for (const k of ['name', 'zone', 'main_url', 'sub_url', 'username', 'password', 'source', 'created_at', 'updated_at']) {
    assert.equal(typeof c[k], 'string', `${k} is a string in ${JSON.stringify(c)}`);
  }
  for (const k of ['enabled', 'record', 'readonly']) assert.equal(typeof c[k], 'boolean', `${k} is a boolean`);
  assert.ok(['', MASK].includes(c.password), `password masked: ${c.password}`);
  assert.equal(c.type, c.main_url === 'webrtc:' ? 'webrtc' : 'url', `type matches main_url: ${JSON.stringify(c)}`);
  assert.ok(c.nvr_id === null || typeof c.nvr_id === 'string');
  assert.equal(typeof c.status?.state, 'string', 'the main stream has a status');
  assert.equal(c.sub_status === null, c.sub_url === '', 'a sub status exactly when there is a sub stream');
}

// Nothing in the database may be the mask itself in clear: a masked value sent
// back must have been replaced by the stored secret. (Sealed values are
// checked by size: see storedRowSize.)
async function assertNoMaskStored(d) {
  const dump = await sqlite(dbPath(d), '.dump');
  assert.ok(dump.length > 100, 'database dump is not empty');
  assert.ok(!dump.includes(MASK), 'the mask "********" was stored in the database instead of the secret');
}

describe('cameras: CRUD, validation, masking', () => {
  let d;
  let admin;

  before(async () => {
    d = await startDaemon();
    admin = await adminClient(d);
  });
  after(() => d?.stop());

  it('POST without id makes the id from the name; secrets are masked', async () => {
    const res = await admin.post('/api/cameras', {
      name: 'Front Door',
      zone: 'porch',
      main_url: 'rtsp://admin:s3cr3t-mai1@10.0.0.5:554/stream1',
      sub_url: 'rtsp://admin:s3cr3t-sub1@10.0.0.5:554/stream2',
      username: 'admin',
      password: 'hunter2-pwd',
    });
    assertStatus(res, 201);
    const c = res.json;
    assertCameraShape(c);
    assert.equal(c.id, 'front-door');
    assert.equal(c.name, 'Front Door');
    assert.equal(c.zone, 'porch');
    assert.equal(c.main_url, `rtsp://admin:${MASK}@10.0.0.5:554/stream1`);
    assert.equal(c.sub_url, `rtsp://admin:${MASK}@10.0.0.5:554/stream2`);
    assert.equal(c.username, 'admin');
    assert.equal(c.password, MASK);
    assert.equal(c.enabled, true, 'enabled by default');
    assert.equal(c.record, false, 'not recording by default');
    assert.equal(c.source, 'api');
    assert.equal(c.readonly, false);
    assert.equal(c.nvr_id, null);
    for (const s of ['s3cr3t-mai1', 's3cr3t-sub1', 'hunter2-pwd']) assert.ok(!res.text.includes(s), `${s} leaked`);

    const one = await admin.get('/api/cameras/front-door');
    assertStatus(one, 200);
    assert.deepEqual(one.json, c);
    const list = await admin.get('/api/cameras');
    assertStatus(list, 200);
    assert.ok(list.json.some((x) => x.id === 'front-door'));
    for (const x of list.json) assertCameraShape(x);
    for (const s of ['s3cr3t-mai1', 's3cr3t-sub1', 'hunter2-pwd']) {
      assert.ok(!one.text.includes(s) && !list.text.includes(s), `${s} leaked`);
    }
  });

  it('explicit id; duplicate id → 409', async () => {
    const c = await createCamera(admin, { id: 'cam-x', name: 'Cam X', main_url: 'rtsp://10.0.0.7/x' });
    assert.equal(c.id, 'cam-x');
    assert.equal(c.password, '');
    assert.equal(c.sub_url, '');
    assertError(await admin.post('/api/cameras', { id: 'cam-x', name: 'Other', main_url: 'rtsp://10.0.0.8/x' }), 409, 'conflict');
    // Same name → same derived id → 409.
    assertError(await admin.post('/api/cameras', { name: 'Front Door', main_url: 'rtsp://10.0.0.8/x' }), 409, 'conflict');
  });

  it('id validation → 400', async () => {
    for (const id of ['Bad_ID', 'UPPER', '-start', 'has space', 'a'.repeat(64), 'dot.ted', 'sl/ash']) {
      const res = await admin.post('/api/cameras', { id, name: 'x', main_url: 'rtsp://10.0.0.1/x' });
      assert.equal(res.status, 400, `id ${JSON.stringify(id)}: ${show(res)}`);
      assertError(res, 400, 'bad_request');
    }
    assertStatus(await admin.post('/api/cameras', { id: 'a'.repeat(63), name: 'long', main_url: 'rtsp://10.0.0.1/x' }), 201);
    assertStatus(await admin.post('/api/cameras', { id: '0cam', name: 'digit', main_url: 'rtsp://10.0.0.1/x' }), 201);
    // No id and no name: nothing to make an id from.
    assertError(await admin.post('/api/cameras', { main_url: 'rtsp://10.0.0.1/x' }), 400, 'bad_request');
  });

  it('URL scheme allow-list', async () => {
    const bad = ['file:///etc/passwd', 'javascript:alert(1)', 'gopher://10.0.0.1/x', 'ftp://10.0.0.1/x',
      'data:text/plain,hi'];
    for (const [i, url] of bad.entries()) {
      const res = await admin.post('/api/cameras', { id: `bad-${i}`, name: 'bad', main_url: url });
      assert.equal(res.status, 400, `main_url ${JSON.stringify(url)}: ${show(res)}`);
      assertError(res, 400, 'bad_request');
      const sub = await admin.post('/api/cameras', { id: `bad-sub-${i}`, name: 'bad', main_url: 'rtsp://10.0.0.1/x', sub_url: url });
      assert.equal(sub.status, 400, `sub_url ${JSON.stringify(url)}: ${show(sub)}`);
    }
    const good = ['rtsp://10.0.0.1:554/a', 'rtsps://cam.local:322/b', 'rtmp://10.0.0.2/live/c',
      'http://10.0.0.3/video.mjpg', 'https://cam.example.com/stream', 'demo:1'];
    for (const [i, url] of good.entries()) {
      const res = await admin.post('/api/cameras', { id: `good-${i}`, name: `good ${i}`, main_url: url });
      assertStatus(res, 201, `main_url ${url}`);
      assert.equal(res.json.main_url, url);
    }
    assertError(await admin.put('/api/cameras/cam-x', { main_url: 'file:///etc/shadow' }), 400, 'bad_request');
    assert.equal((await admin.get('/api/cameras/cam-x')).json.main_url, 'rtsp://10.0.0.7/x', 'refused PUT changed nothing');
  });

  it('credentials in http(s) URLs are masked too', async () => {
    const c = await createCamera(admin, { id: 'http-cam', name: 'http', main_url: 'http://user:pa55word@10.0.0.3/mjpg' });
    assert.equal(c.main_url, `http://user:${MASK}@10.0.0.3/mjpg`);
  });

  it('PUT is a partial update; masked values sent back keep the stored secret', async () => {
    const before1 = (await admin.get('/api/cameras/front-door')).json;
    const size0 = await storedRowSize(d, 'cameras', 'front-door');
    const r1 = await admin.put('/api/cameras/front-door', { name: 'Front door 2' });
    assertStatus(r1, 200);
    assert.equal(r1.json.name, 'Front door 2');
    for (const k of ['main_url', 'sub_url', 'username', 'password', 'zone', 'enabled', 'record', 'created_at']) {
      assert.deepEqual(r1.json[k], before1[k], `${k} kept by a partial PUT`);
    }
    assert.equal(r1.json.id, 'front-door', 'id does not change with the name');
    const size1 = await storedRowSize(d, 'cameras', 'front-door');
    assert.equal(size1, size0 + 2, 'only the name (2 characters longer) changed in the stored row');

    // Send the whole masked object back, read-only fields included (the zone
    // changes to one of the same length).
    const echo = await admin.put('/api/cameras/front-door', { ...r1.json, zone: 'patio' });
    assertStatus(echo, 200, 'PUT of a GET answer (read-only fields accepted)');
    assert.equal(echo.json.zone, 'patio');
    assert.equal(echo.json.main_url, before1.main_url);
    assert.equal(echo.json.password, MASK);
    await assertNoMaskStored(d);
    assert.equal(await storedRowSize(d, 'cameras', 'front-door'), size1,
      'masked URL and password sent back: the stored secrets are unchanged (same stored size)');

    const r2 = await admin.put('/api/cameras/front-door', { enabled: false, record: true });
    assertStatus(r2, 200);
    assert.equal(r2.json.enabled, false);
    assert.equal(r2.json.record, true);
    assert.equal(r2.json.name, 'Front door 2');

    const r3 = await admin.put('/api/cameras/front-door', {
      main_url: 'rtsp://admin:brand-new-secret@10.0.0.5:554/stream1', password: 'another-new-secret',
    });
    assertStatus(r3, 200);
    assert.equal(r3.json.main_url, `rtsp://admin:${MASK}@10.0.0.5:554/stream1`);
    assert.equal(r3.json.password, MASK);
    assert.ok(!r3.text.includes('brand-new-secret') && !r3.text.includes('another-new-secret'));
    assert.notEqual(await storedRowSize(d, 'cameras', 'front-door'), size1,
      'new secrets of other lengths change the stored size (the size check above is meaningful)');

    const r4 = await admin.put('/api/cameras/front-door', { password: '', sub_url: '' });
    assertStatus(r4, 200);
    assert.equal(r4.json.password, '');
    assert.equal(r4.json.sub_url, '');

    const ro = await admin.put('/api/cameras/front-door', { id: 'renamed-id', source: 'config', readonly: true, nvr_id: 'nvr9' });
    assertStatus(ro, 200, 'read-only fields accepted and ignored');
    assert.equal(ro.json.id, 'front-door');
    assert.equal(ro.json.source, 'api');
    assert.equal(ro.json.readonly, false);
    assert.equal(ro.json.nvr_id, null);
    assertError(await admin.get('/api/cameras/renamed-id'), 404, 'not_found');

    const unk = await admin.put('/api/cameras/front-door', { fps: 25 });
    assertError(unk, 400, 'bad_request');
    assert.match(unk.json.error.message, /fps/);
    assertError(await admin.put('/api/cameras/front-door', { enabled: 'yes' }), 400, 'bad_request');
    assertError(await admin.put('/api/cameras/front-door', { name: 7 }), 400, 'bad_request');
    assertError(await admin.put('/api/cameras/no-such-cam', { name: 'x' }), 404, 'not_found');
    await assertNoMaskStored(d);
  });

  it('POST: unknown field → 400 naming it; read-only fields ignored', async () => {
    const unk = await admin.post('/api/cameras', { id: 'unk', name: 'x', main_url: 'demo:1', codec: 'h264' });
    assertError(unk, 400, 'bad_request');
    assert.match(unk.json.error.message, /codec/);
    const ro = await admin.post('/api/cameras', {
      id: 'ro-cam', name: 'ro', main_url: 'demo:2', source: 'config', readonly: true, nvr_id: 'nvr1',
      created_at: '2000-01-01T00:00:00Z', updated_at: '2000-01-01T00:00:00Z',
    });
    assertStatus(ro, 201);
    assert.equal(ro.json.source, 'api');
    assert.equal(ro.json.readonly, false);
    assert.equal(ro.json.nvr_id, null);
    assert.notEqual(ro.json.created_at, '2000-01-01T00:00:00Z');
    assertStatus(await admin.put('/api/cameras/ro-cam', { name: 'still editable' }), 200);
  });

  it('DELETE → 204, then 404', async () => {
    await createCamera(admin, { id: 'del-me', name: 'x', main_url: 'demo:3' });
    assertStatus(await admin.del('/api/cameras/del-me'), 204);
    assertError(await admin.get('/api/cameras/del-me'), 404, 'not_found');
    assertError(await admin.del('/api/cameras/del-me'), 404, 'not_found');
    assert.ok(!(await admin.get('/api/cameras')).json.some((c) => c.id === 'del-me'));
  });

  it('viewers see only the cameras they are allowed (by camera id or zone); others are 404', async () => {
    await createCamera(admin, { id: 'a', name: 'A', zone: 'north', main_url: 'demo:1' });
    await createCamera(admin, { id: 'b', name: 'B', zone: 'south', main_url: 'demo:2' });
    await createCamera(admin, { id: 'c', name: 'C', zone: 'north', main_url: 'demo:3' });
    const all = (await admin.get('/api/cameras')).json.map((c) => c.id).sort();
    const north = (await admin.get('/api/cameras')).json.filter((c) => c.zone === 'north').map((c) => c.id).sort();
    assert.deepEqual(north, ['a', 'c']);

    const byCam = await viewer(d, admin, { username: 'only-a', cameras: ['a'] });
    const l1 = await byCam.client.get('/api/cameras');
    assertStatus(l1, 200);
    assert.deepEqual(l1.json.map((c) => c.id), ['a']);
    assertStatus(await byCam.client.get('/api/cameras/a'), 200);
    assertError(await byCam.client.get('/api/cameras/b'), 404, 'not_found');
    assertError(await byCam.client.get('/api/cameras/c'), 404, 'not_found');
    assertError(await byCam.client.get('/api/cameras/front-door'), 404, 'not_found');

    const byZone = await viewer(d, admin, { username: 'only-north', zones: ['north'] });
    const l2 = await byZone.client.get('/api/cameras');
    assertStatus(l2, 200);
    assert.deepEqual(l2.json.map((c) => c.id).sort(), north);
    assertStatus(await byZone.client.get('/api/cameras/c'), 200);
    assertError(await byZone.client.get('/api/cameras/b'), 404, 'not_found');

    const unrestricted = await viewer(d, admin, { username: 'sees-all' });
    const l3 = await unrestricted.client.get('/api/cameras');
    assert.deepEqual(l3.json.map((c) => c.id).sort(), all);
    for (const x of l3.json) assertCameraShape(x);

    // Viewers never write cameras.
    assertError(await unrestricted.client.post('/api/cameras', { id: 'v-cam', name: 'v', main_url: 'demo:1' }), 403, 'forbidden');
    assertError(await unrestricted.client.put('/api/cameras/a', { name: 'v' }), 403, 'forbidden');
    assertError(await unrestricted.client.del('/api/cameras/a'), 403, 'forbidden');
  });
});

describe('cameras of type webrtc (published by a browser)', () => {
  let d;
  let admin;

  before(async () => {
    d = await startDaemon();
    admin = await adminClient(d);
  });
  after(() => d?.stop());

  it('created by type: main_url "webrtc:", no sub stream, type shown by GET and list', async () => {
    const res = await admin.post('/api/cameras', { id: 'pub-type', name: 'Published', type: 'webrtc' });
    assertStatus(res, 201);
    assertCameraShape(res.json);
    assert.equal(res.json.type, 'webrtc');
    assert.equal(res.json.main_url, 'webrtc:');
    assert.equal(res.json.sub_url, '');
    assert.equal(res.json.sub_status, null);
    const one = await admin.get('/api/cameras/pub-type');
    assertStatus(one, 200);
    assert.equal(one.json.type, 'webrtc');
    const listed = (await admin.get('/api/cameras')).json.find((c) => c.id === 'pub-type');
    assert.equal(listed?.type, 'webrtc');
    // main_url may be given with the type, as long as it says the same.
    const both = await admin.post('/api/cameras', { id: 'pub-both', name: 'Both', type: 'webrtc', main_url: 'webrtc:' });
    assertStatus(both, 201);
    assert.equal(both.json.type, 'webrtc');
  });

  it('created by main_url "webrtc:" alone', async () => {
    const c = await createCamera(admin, { id: 'pub-url', name: 'By URL', main_url: 'webrtc:', username: 'kept' });
    assertCameraShape(c);
    assert.equal(c.type, 'webrtc');
    assert.equal(c.username, 'kept', 'username is kept, though unused');
    const pulled = await createCamera(admin, { id: 'pulled', name: 'Pulled', main_url: 'demo:1' });
    assert.equal(pulled.type, 'url');
  });

  it('refuses a sub stream, "webrtc:x" and types other than url and webrtc', async () => {
    const sub = await admin.post('/api/cameras', { id: 'pub-sub', name: 'x', type: 'webrtc', sub_url: 'demo:2' });
    assertError(sub, 400, 'bad_request');
    assert.match(sub.json.error.message, /sub_url.*no sub stream/);
    const sub2 = await admin.post('/api/cameras', { id: 'pub-sub', name: 'x', main_url: 'webrtc:', sub_url: 'rtsp://10.0.0.1/s' });
    assertError(sub2, 400, 'bad_request');
    assert.match(sub2.json.error.message, /no sub stream/);
    const subOnly = await admin.post('/api/cameras', { id: 'pub-sub', name: 'x', main_url: 'demo:1', sub_url: 'webrtc:' });
    assertError(subOnly, 400, 'bad_request');
    assert.match(subOnly.json.error.message, /sub_url/);
    for (const url of ['webrtc:x', 'webrtc://10.0.0.1/x', 'WEBRTC:']) {
      const bad = await admin.post('/api/cameras', { id: 'pub-bad', name: 'x', main_url: url });
      assertError(bad, 400, 'bad_request');
      assert.match(bad.json.error.message, /main_url.*exactly 'webrtc:'/, `${url}: ${bad.json.error.message}`);
    }
    const mixed = await admin.post('/api/cameras', { id: 'pub-bad', name: 'x', type: 'webrtc', main_url: 'demo:1' });
    assertError(mixed, 400, 'bad_request');
    assert.match(mixed.json.error.message, /main_url/);
    for (const type of ['rtsp', 'WebRTC', '', 7]) {
      const bad = await admin.post('/api/cameras', { id: 'pub-bad', name: 'x', type, main_url: 'demo:1' });
      assertError(bad, 400, 'bad_request');
      assert.match(bad.json.error.message, /'type'/, `type ${JSON.stringify(type)}: ${bad.json.error.message}`);
    }
    const noUrl = await admin.post('/api/cameras', { id: 'pub-bad', name: 'x', type: 'url' });
    assertError(noUrl, 400, 'bad_request');
    assert.match(noUrl.json.error.message, /main_url/);
    assertError(await admin.get('/api/cameras/pub-bad'), 404, 'not_found');
    assertError(await admin.get('/api/cameras/pub-sub'), 404, 'not_found');
  });

  it('update to url and back: to url needs a main_url; to webrtc drops the sub stream', async () => {
    await createCamera(admin, { id: 'flip', name: 'Flip', type: 'webrtc' });
    const noUrl = await admin.put('/api/cameras/flip', { type: 'url' });
    assertError(noUrl, 400, 'bad_request');
    assert.match(noUrl.json.error.message, /main_url/);
    assert.equal((await admin.get('/api/cameras/flip')).json.type, 'webrtc', 'refused PUT changed nothing');

    const toUrl = await admin.put('/api/cameras/flip', { type: 'url', main_url: 'rtsp://u:flip-secret@10.0.0.4/main', sub_url: 'demo:2' });
    assertStatus(toUrl, 200);
    assertCameraShape(toUrl.json);
    assert.equal(toUrl.json.type, 'url');
    assert.equal(toUrl.json.main_url, `rtsp://u:${MASK}@10.0.0.4/main`);
    assert.equal(toUrl.json.sub_url, 'demo:2');

    const refused = await admin.put('/api/cameras/flip', { type: 'webrtc', sub_url: 'demo:2' });
    assertError(refused, 400, 'bad_request');
    assert.match(refused.json.error.message, /no sub stream/);

    const back = await admin.put('/api/cameras/flip', { type: 'webrtc' });
    assertStatus(back, 200);
    assertCameraShape(back.json);
    assert.equal(back.json.type, 'webrtc');
    assert.equal(back.json.main_url, 'webrtc:');
    assert.equal(back.json.sub_url, '', 'the sub stream is gone');
    assert.equal(back.json.sub_status, null);
    assert.ok(!back.text.includes('flip-secret'));

    // The object sent back as received keeps it as it is.
    const echo = await admin.put('/api/cameras/flip', back.json);
    assertStatus(echo, 200);
    assert.equal(echo.json.type, 'webrtc');

    // And by main_url alone.
    const byUrl = await admin.put('/api/cameras/flip', { main_url: 'demo:3' });
    assertStatus(byUrl, 200);
    assert.equal(byUrl.json.type, 'url');
    const again = await admin.put('/api/cameras/flip', { main_url: 'webrtc:' });
    assertStatus(again, 200);
    assert.equal(again.json.type, 'webrtc');
    await assertNoMaskStored(d);
  });

  it('the connection test refuses "webrtc:": nothing to connect to', async () => {
    const res = await admin.post('/api/cameras/probe', { url: 'webrtc:' });
    assertError(res, 400, 'bad_request');
    assert.match(res.json.error.message, /browser/);
    assertError(await admin.post('/api/cameras/probe', { url: 'webrtc:x' }), 400, 'bad_request');
  });
});

describe('cameras from the config file and --demo are read-only', () => {
  let d;
  let admin;
  const config = `cameras:
  - id: cfg-cam
    name: Config cam
    zone: west
    main_url: rtsp://cfguser:cfg-url-secret@10.0.0.9:554/main
    sub_url: rtsp://cfguser:cfg-url-secret@10.0.0.9:554/sub
    username: cfguser
    password: cfg-pass-secret
  - id: cfg-pub
    name: Config published
    main_url: "webrtc:"
`;

  before(async () => {
    d = await startDaemon({ config, args: ['--demo', '3'] });
    admin = await adminClient(d);
  });
  after(() => d?.stop());

  it('config cameras: source "config", readonly, masked; PUT/DELETE → 409 "readonly"', async () => {
    const res = await admin.get('/api/cameras/cfg-cam');
    assertStatus(res, 200);
    const c = res.json;
    assertCameraShape(c);
    assert.equal(c.name, 'Config cam');
    assert.equal(c.zone, 'west');
    assert.equal(c.source, 'config');
    assert.equal(c.readonly, true);
    assert.equal(c.main_url, `rtsp://cfguser:${MASK}@10.0.0.9:554/main`);
    assert.equal(c.password, MASK);
    const list = await admin.get('/api/cameras');
    assert.ok(!res.text.includes('cfg-url-secret') && !list.text.includes('cfg-url-secret'));
    assert.ok(!res.text.includes('cfg-pass-secret') && !list.text.includes('cfg-pass-secret'));

    assertError(await admin.put('/api/cameras/cfg-cam', { name: 'changed' }), 409, 'readonly');
    assertError(await admin.del('/api/cameras/cfg-cam'), 409, 'readonly');
    assert.equal((await admin.get('/api/cameras/cfg-cam')).json.name, 'Config cam');
    assertError(await admin.post('/api/cameras', { id: 'cfg-cam', name: 'dup', main_url: 'demo:1' }), 409, 'conflict');
  });

  it('a config camera with main_url "webrtc:" is of type webrtc', async () => {
    const res = await admin.get('/api/cameras/cfg-pub');
    assertStatus(res, 200);
    assertCameraShape(res.json);
    assert.equal(res.json.type, 'webrtc');
    assert.equal(res.json.main_url, 'webrtc:');
    assert.equal(res.json.source, 'config');
    assert.equal(res.json.readonly, true);
  });

  it('--demo 3 creates demo-1 … demo-3, read-only', async () => {
    const list = (await admin.get('/api/cameras')).json;
    const demos = list.filter((c) => c.source === 'demo').map((c) => c.id).sort();
    assert.deepEqual(demos, ['demo-1', 'demo-2', 'demo-3']);
    for (let i = 1; i <= 3; i++) {
      const c = (await admin.get(`/api/cameras/demo-${i}`)).json;
      assertCameraShape(c);
      assert.equal(c.main_url, `demo:${i}`);
      assert.equal(c.source, 'demo');
      assert.equal(c.readonly, true);
    }
    assertError(await admin.put('/api/cameras/demo-2', { name: 'x' }), 409, 'readonly');
    assertError(await admin.del('/api/cameras/demo-2'), 409, 'readonly');
    assertStatus(await admin.get('/api/cameras/demo-2'), 200);
  });
});
