import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { startDaemon } from '../lib/daemon.mjs';
import { MASK, adminClient, assertError, assertStatus, dbPath, show, sqlite, storedRowSize } from '../lib/helpers.mjs';

const NVR_FIELDS = ['channels', 'created_at', 'host', 'id', 'name', 'password', 'port', 'sub_template',
  'template', 'updated_at', 'username', 'vendor', 'zone'].sort();

function assertNvrShape(n) {
  assert.deepEqual(Object.keys(n).sort(), NVR_FIELDS, `nvr fields: ${JSON.stringify(n)}`);
  assert.ok(['', MASK].includes(n.password), `password masked: ${n.password}`);
}

describe('NVR import', () => {
  let d;
  let admin;

  async function cams(prefix) {
    const list = (await admin.get('/api/cameras')).json;
    return list.filter((c) => c.id.startsWith(prefix)).map((c) => c.id).sort();
  }
  async function cam(id) {
    const res = await admin.get(`/api/cameras/${id}`);
    assertStatus(res, 200, `GET camera ${id}`);
    return res.json;
  }

  before(async () => {
    d = await startDaemon();
    admin = await adminClient(d);
  });
  after(() => d?.stop());

  it('hikvision with 4 channels creates nvr1-ch1..4 with masked URLs', async () => {
    const res = await admin.post('/api/nvrs', {
      id: 'nvr1', name: 'Garage NVR', vendor: 'hikvision', host: '10.0.0.5', port: 554,
      username: 'admin', password: 'p@ss:w0rd-hik', channels: 4,
    });
    assertStatus(res, 201);
    const { cameras_added: added, ...nvr } = res.json;
    assert.deepEqual(added, ['nvr1-ch1', 'nvr1-ch2', 'nvr1-ch3', 'nvr1-ch4']);
    assertNvrShape(nvr);
    assert.equal(nvr.id, 'nvr1');
    assert.equal(nvr.name, 'Garage NVR');
    assert.equal(nvr.vendor, 'hikvision');
    assert.equal(nvr.host, '10.0.0.5');
    assert.equal(nvr.port, 554);
    assert.equal(nvr.username, 'admin');
    assert.equal(nvr.password, MASK);
    assert.equal(nvr.channels, 4);
    assert.ok(!res.text.includes('w0rd-hik'), 'password leaked');

    for (let ch = 1; ch <= 4; ch++) {
      const c = await cam(`nvr1-ch${ch}`);
      assert.equal(c.main_url, `rtsp://admin:${MASK}@10.0.0.5:554/Streaming/Channels/${ch}01`);
      assert.equal(c.sub_url, `rtsp://admin:${MASK}@10.0.0.5:554/Streaming/Channels/${ch}02`);
      assert.equal(c.name, `Garage NVR channel ${ch}`);
      assert.equal(c.source, 'nvr');
      assert.equal(c.nvr_id, 'nvr1');
    }
    const list = await admin.get('/api/cameras');
    assert.ok(!list.text.includes('w0rd-hik'), 'password leaked in the camera list');

    const one = await admin.get('/api/nvrs/nvr1');
    assertStatus(one, 200);
    assert.deepEqual(one.json, nvr);
    const all = await admin.get('/api/nvrs');
    assertStatus(all, 200);
    assert.ok(all.json.some((n) => n.id === 'nvr1'));
    for (const n of all.json) assertNvrShape(n);
    assert.ok(!all.text.includes('w0rd-hik'));
  });

  it('dahua URLs', async () => {
    const res = await admin.post('/api/nvrs', {
      id: 'nvr2', name: 'Dahua box', vendor: 'dahua', host: '10.0.0.6', port: 1554,
      username: 'op', password: 'dahua-secret', channels: 2,
    });
    assertStatus(res, 201);
    assert.deepEqual(res.json.cameras_added, ['nvr2-ch1', 'nvr2-ch2']);
    for (let ch = 1; ch <= 2; ch++) {
      const c = await cam(`nvr2-ch${ch}`);
      assert.equal(c.main_url, `rtsp://op:${MASK}@10.0.0.6:1554/cam/realmonitor?channel=${ch}&subtype=0`);
      assert.equal(c.sub_url, `rtsp://op:${MASK}@10.0.0.6:1554/cam/realmonitor?channel=${ch}&subtype=1`);
      assert.equal(c.name, `Dahua box channel ${ch}`);
    }
  });

  it('generic with template (and optional sub_template)', async () => {
    const res = await admin.post('/api/nvrs', {
      id: 'nvr3', name: 'Generic', vendor: 'generic', host: '10.0.0.7', port: 8554,
      username: 'gen', password: 'gen-secret', channels: 2,
      template: 'rtsp://{user}:{pass}@{ip}:{port}/live/ch{channel}',
      sub_template: 'rtsp://{user}:{pass}@{ip}:{port}/live/ch{channel}/sub',
    });
    assertStatus(res, 201);
    assert.deepEqual(res.json.cameras_added, ['nvr3-ch1', 'nvr3-ch2']);
    assert.equal(res.json.template, 'rtsp://{user}:{pass}@{ip}:{port}/live/ch{channel}');
    const c2 = await cam('nvr3-ch2');
    assert.equal(c2.main_url, `rtsp://gen:${MASK}@10.0.0.7:8554/live/ch2`);
    assert.equal(c2.sub_url, `rtsp://gen:${MASK}@10.0.0.7:8554/live/ch2/sub`);

    const noSub = await admin.post('/api/nvrs', {
      id: 'nvr4', name: 'Generic 2', vendor: 'generic', host: '10.0.0.8', port: 554,
      username: 'gen', password: 'gen-secret', channels: 1,
      template: 'rtsp://{ip}:{port}/stream/{channel}',
    });
    assertStatus(noSub, 201);
    const c = await cam('nvr4-ch1');
    assert.equal(c.main_url, 'rtsp://10.0.0.8:554/stream/1');
    assert.equal(c.sub_url, '');
  });

  it('validation → 400; duplicate id → 409', async () => {
    const base = { name: 'Bad', host: '10.0.0.9', port: 554, username: 'u', password: 'p', channels: 2 };
    const cases = [
      [{ ...base, id: 'bad1', vendor: 'generic' }, 'generic without template'],
      [{ ...base, id: 'bad2', vendor: 'axis' }, 'unknown vendor'],
      [{ ...base, id: 'bad3', vendor: 'hikvision', channels: 0 }, 'channels 0'],
      [{ ...base, id: 'bad4', vendor: 'hikvision', channels: 257 }, 'channels 257'],
      [{ ...base, id: 'bad5', vendor: 'hikvision', channels: '4' }, 'channels as a string'],
      [{ ...base, id: 'bad6', vendor: 'hikvision', port: 'x' }, 'port as a string'],
      [{ ...base, id: 'bad7', vendor: 'hikvision', colour: 'red' }, 'unknown field'],
      [{ ...base, id: 'Bad_Id', vendor: 'hikvision' }, 'bad id'],
    ];
    for (const [body, what] of cases) {
      const res = await admin.post('/api/nvrs', body);
      assert.equal(res.status, 400, `${what}: expected 400, got ${show(res)}`);
      assertError(res, 400, 'bad_request');
    }
    const unk = await admin.post('/api/nvrs', cases[6][0]);
    assert.match(unk.json.error.message, /colour/);
    assert.deepEqual(await cams('bad'), [], 'refused NVRs made no cameras');
    assertError(await admin.post('/api/nvrs', { ...base, id: 'nvr1', vendor: 'hikvision' }), 409, 'conflict');
    assert.deepEqual(await cams('nvr1-'), ['nvr1-ch1', 'nvr1-ch2', 'nvr1-ch3', 'nvr1-ch4']);
  });

  it('256 channels is the maximum', async () => {
    const res = await admin.post('/api/nvrs', {
      id: 'big', name: 'Big', vendor: 'hikvision', host: '10.0.0.10', port: 554, username: 'u', password: 'p', channels: 256,
    });
    assertStatus(res, 201);
    assert.equal(res.json.cameras_added.length, 256);
    assert.equal((await cams('big-ch')).length, 256);
    assertStatus(await admin.del('/api/nvrs/big'), 204);
    assert.deepEqual(await cams('big-ch'), []);
  });

  it('sync adds only the missing channel cameras', async () => {
    assertStatus(await admin.del('/api/cameras/nvr1-ch2'), 204);
    assertError(await admin.get('/api/cameras/nvr1-ch2'), 404, 'not_found');
    const s1 = await admin.post('/api/nvrs/nvr1/sync');
    assertStatus(s1, 200);
    assert.deepEqual(s1.json, { added: ['nvr1-ch2'] });
    const c = await cam('nvr1-ch2');
    assert.equal(c.main_url, `rtsp://admin:${MASK}@10.0.0.5:554/Streaming/Channels/201`);
    const s2 = await admin.post('/api/nvrs/nvr1/sync');
    assertStatus(s2, 200);
    assert.deepEqual(s2.json, { added: [] });
    assertError(await admin.post('/api/nvrs/no-such-nvr/sync'), 404, 'not_found');
  });

  it('PUT channels 6 then sync adds ch5 and ch6', async () => {
    const res = await admin.put('/api/nvrs/nvr1', { channels: 6 });
    assertStatus(res, 200);
    assertNvrShape(res.json);
    assert.equal(res.json.channels, 6);
    assert.equal(res.json.name, 'Garage NVR', 'partial update keeps other fields');
    assert.equal(res.json.password, MASK);
    const s = await admin.post('/api/nvrs/nvr1/sync');
    assertStatus(s, 200);
    assert.deepEqual(s.json, { added: ['nvr1-ch5', 'nvr1-ch6'] });
    assert.deepEqual(await cams('nvr1-'), ['nvr1-ch1', 'nvr1-ch2', 'nvr1-ch3', 'nvr1-ch4', 'nvr1-ch5', 'nvr1-ch6']);
    assert.equal((await cam('nvr1-ch6')).main_url, `rtsp://admin:${MASK}@10.0.0.5:554/Streaming/Channels/601`);
  });

  it('PUT regenerates the camera URLs; a masked password sent back keeps the secret', async () => {
    const res = await admin.put('/api/nvrs/nvr1', { host: '10.0.0.50', port: 8554 });
    assertStatus(res, 200);
    assert.equal(res.json.host, '10.0.0.50');
    assert.equal(res.json.port, 8554);
    for (const ch of [1, 3, 6]) {
      const c = await cam(`nvr1-ch${ch}`);
      assert.equal(c.main_url, `rtsp://admin:${MASK}@10.0.0.50:8554/Streaming/Channels/${ch}01`);
      assert.equal(c.sub_url, `rtsp://admin:${MASK}@10.0.0.50:8554/Streaming/Channels/${ch}02`);
    }
    const cred = await admin.put('/api/nvrs/nvr1', { username: 'operator', password: 'new-nvr-pas' });
    assertStatus(cred, 200);
    assert.equal(cred.json.username, 'operator');
    assert.equal((await cam('nvr1-ch2')).main_url, `rtsp://operator:${MASK}@10.0.0.50:8554/Streaming/Channels/201`);
    assert.ok(!(await admin.get('/api/cameras')).text.includes('new-nvr-pas'));

    const nvrSize = await storedRowSize(d, 'nvrs', 'nvr1');
    const camSize = await storedRowSize(d, 'cameras', 'nvr1-ch2');
    // Send the masked object back, with a name of the same length.
    const echo = await admin.put('/api/nvrs/nvr1', { ...cred.json, name: 'Garage NVX' });
    assertStatus(echo, 200, 'PUT of a GET answer');
    assert.equal(echo.json.name, 'Garage NVX');
    assert.equal(echo.json.password, MASK);
    const dump = await sqlite(dbPath(d), '.dump');
    assert.ok(!dump.includes(MASK), 'the mask "********" was stored in clear instead of the secret');
    assert.equal(await storedRowSize(d, 'nvrs', 'nvr1'), nvrSize, 'stored NVR password unchanged (same stored size)');
    assert.equal(await storedRowSize(d, 'cameras', 'nvr1-ch2'), camSize,
      'regenerated camera URLs still carry the real password (same stored size)');

    const unk = await admin.put('/api/nvrs/nvr1', { firmware: '1.0' });
    assertError(unk, 400, 'bad_request');
    assert.match(unk.json.error.message, /firmware/);
    assertError(await admin.put('/api/nvrs/nvr1', { channels: 0 }), 400, 'bad_request');
    assertError(await admin.put('/api/nvrs/nvr3', { template: '' }), 400, 'bad_request');
    assertError(await admin.put('/api/nvrs/no-such-nvr', { name: 'x' }), 404, 'not_found');
  });

  it('DELETE an NVR deletes its cameras', async () => {
    assertStatus(await admin.del('/api/nvrs/nvr1'), 204);
    assertError(await admin.get('/api/nvrs/nvr1'), 404, 'not_found');
    assert.deepEqual(await cams('nvr1-'), []);
    assertError(await admin.get('/api/cameras/nvr1-ch1'), 404, 'not_found');
    assertError(await admin.del('/api/nvrs/nvr1'), 404, 'not_found');
    // Other NVRs keep theirs.
    assert.deepEqual(await cams('nvr2-'), ['nvr2-ch1', 'nvr2-ch2']);
    assert.ok(!(await admin.get('/api/nvrs')).json.some((n) => n.id === 'nvr1'));
  });
});
