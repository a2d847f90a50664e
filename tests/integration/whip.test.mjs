// WHIP signalling without a browser: who may publish, what a bad request gets,
// one publisher per camera, the camera's status while nobody publishes, and
// the audit entry. Publishing real media is in tests/browser/whip.test.mjs.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { Client, REPO_ROOT, startDaemon } from '../lib/daemon.mjs';
import { adminClient, assertError, assertStatus, createCamera, sleep, viewer } from '../lib/helpers.mjs';
import { stopDaemonCleanly } from '../lib/camsim.mjs';

const OFFER = fs.readFileSync(path.join(REPO_ROOT, 'tests', 'unit', 'webrtc', 'data', 'whip-video-audio.sdp'), 'utf8');
const WHEP_OFFER = fs.readFileSync(path.join(REPO_ROOT, 'tests', 'unit', 'webrtc', 'data', 'whep-video.sdp'), 'utf8');
const SDP = { 'Content-Type': 'application/sdp' };

describe('WHIP', () => {
  let d;
  let admin;

  before(async () => {
    d = await startDaemon({ args: ['--demo', '1'] });
    admin = await adminClient(d);
    await createCamera(admin, { id: 'node-1', name: 'Lobby node', zone: 'lobby', type: 'webrtc' });
    await createCamera(admin, { id: 'node-2', name: 'Gate node', zone: 'gate', type: 'webrtc' });
  });
  after(async () => {
    if (d) await stopDaemonCleanly(d);
  });

  const post = (id, raw, { headers = SDP, client = admin, bearer } = {}) =>
    client.request('POST', `/api/streams/${id}/whip`, { raw, headers, bearer });

  async function status(id) {
    const res = await admin.get(`/api/cameras/${id}`);
    assertStatus(res, 200);
    return res.json.status;
  }

  async function waitStatus(id, state, reason) {
    let st;
    for (let i = 0; i < 50; i++) {
      st = await status(id);
      if (st.state === state && (reason === undefined || st.reason === reason)) return st;
      await sleep(100);
    }
    assert.fail(`${id}: wanted ${state} ${reason ?? ''}, last ${JSON.stringify(st)}`);
  }

  it('answers a publisher recvonly with H.264 and Opus, and DELETE ends it', async () => {
    const res = await post('node-1', OFFER);
    assert.equal(res.status, 201, res.text);
    assert.equal(res.headers.get('content-type'), 'application/sdp');
    const location = res.headers.get('location');
    assert.match(location, /^\/api\/streams\/node-1\/whip\/[0-9a-f]{32}$/);
    assert.match(res.text, /^a=ice-lite\r$/m);
    assert.match(res.text, /^a=recvonly\r$/m);
    assert.doesNotMatch(res.text, /^a=sendonly\r$/m);
    const vpt = res.text.match(/^m=video 9 UDP\/TLS\/RTP\/SAVPF (\d+)\r$/m)?.[1];
    assert.ok(vpt, res.text);
    assert.match(OFFER, new RegExp(`^a=rtpmap:${vpt} H264/90000`, 'm'));
    assert.match(res.text, /^a=rtpmap:111 opus\/48000\/2\r$/m);
    const sessions = (await admin.get('/api/webrtc/sessions')).json.sessions;
    const mine = sessions.find((s) => location.endsWith(s.id));
    assert.equal(mine?.direction, 'whip');
    assert.equal(mine?.stream, 'node-1');
    // Holding the stream like a viewer: the camera runs, waiting for media.
    assert.notEqual((await status('node-1')).state, 'idle');
    assertStatus(await admin.request('DELETE', location), 200);
    assert.ok(!(await admin.get('/api/webrtc/sessions')).json.sessions.some((s) => location.endsWith(s.id)));
    assertError(await admin.request('DELETE', location), 404, 'not_found');
  });

  it('one publisher per camera: the second is told the camera is busy', async () => {
    const first = await post('node-1', OFFER);
    assertStatus(first, 201);
    const second = await post('node-1', OFFER);
    assertError(second, 409, 'busy');
    assert.match(second.json.error.message, /already has a publisher/);
    // Another camera is free.
    const other = await post('node-2', OFFER);
    assertStatus(other, 201);
    assertStatus(await admin.request('DELETE', first.headers.get('location')), 200);
    assertStatus(await admin.request('DELETE', other.headers.get('location')), 200);
    // Once the first is gone, the camera takes a new publisher.
    const again = await post('node-1', OFFER);
    assertStatus(again, 201);
    assertStatus(await admin.request('DELETE', again.headers.get('location')), 200);
  });

  it('a webrtc camera nobody publishes is offline, and a viewer is told so at once', async () => {
    await createCamera(admin, { id: 'node-3', name: 'Spare node', type: 'webrtc' });
    const t0 = Date.now();
    const res = await admin.request('POST', '/api/streams/node-3/whep', { raw: WHEP_OFFER, headers: SDP });
    assertError(res, 503, 'service_unavailable');
    assert.match(res.json.error.message, /offline: waiting for a publisher/);
    assert.ok(Date.now() - t0 < 3000, `answered after ${Date.now() - t0} ms`);
    await waitStatus('node-3', 'offline', 'waiting for a publisher');
  });

  it('refuses cameras that are not of type webrtc, and sub streams', async () => {
    const res = await post('demo-1', OFFER);
    assertError(res, 409, 'not_webrtc');
    assert.match(res.json.error.message, /demo-1.*not a webrtc camera/);
    assertError(await post('demo-1.sub', OFFER), 409, 'not_webrtc');
    assertError(await post('no-such-camera', OFFER), 404, 'not_found');
  });

  it('says what is wrong with a bad request', async () => {
    assertError(await post('node-1', OFFER, { headers: { 'Content-Type': 'application/json' } }), 415, 'unsupported_media_type');
    assertError(await post('node-1', ''), 400, 'bad_request');
    assertError(await post('node-1', 'x'.repeat(70000)), 413, 'payload_too_large');
    assertError(await post('node-1', 'v=0\r\ngarbage\r\n'), 400, 'bad_request');
    const noFingerprint = OFFER.replace(/^a=fingerprint:.*\r?\n/gm, '');
    const res = await post('node-1', noFingerprint);
    assertError(res, 400, 'bad_request');
    assert.match(res.json.error.message, /fingerprint/);
    // A viewer's offer (recvonly) has nothing to publish.
    const recv = await post('node-1', WHEP_OFFER);
    assertError(recv, 400, 'bad_request');
    assert.match(recv.json.error.message, /direction/);
    // VP8 only: no H.264 to take.
    const vp8 = OFFER.replace(/^a=rtpmap:(\d+) H264\/90000\r?\n/gm, 'a=rtpmap:$1 VP8/90000\r\n');
    assertError(await post('node-1', vp8), 400, 'unsupported_codec');
    // None of these left a session behind.
    assert.ok(!(await admin.get('/api/webrtc/sessions')).json.sessions.some((s) => s.direction === 'whip'));
  });

  it('only admins and tokens with publish permission may publish', async () => {
    const anon = new Client(d.url);
    assertError(await post('node-1', OFFER, { client: anon }), 401, 'unauthorized');
    const v = await viewer(d, admin, { cameras: ['node-1'] });
    assertError(await post('node-1', OFFER, { client: v.client }), 403, 'forbidden');
    // A token without publish permission acts as its (viewer) user.
    const plain = await v.client.post('/api/tokens', { name: 'plain' });
    assertStatus(plain, 201);
    assertError(await post('node-1', OFFER, { client: new Client(d.url), bearer: plain.json.token }), 403, 'forbidden');
    // The admin grants that user a token to publish node-1.
    const tok = await admin.post('/api/tokens', { name: 'lobby device', user_id: v.user.id, publish: ['node-1'] });
    assertStatus(tok, 201);
    assert.deepEqual(tok.json.publish, ['node-1']);
    const device = new Client(d.url);
    const ok = await post('node-1', OFFER, { client: device, bearer: tok.json.token });
    assertStatus(ok, 201);
    // Only the cameras it names, and only ones its user may see.
    assertError(await post('node-2', OFFER, { client: device, bearer: tok.json.token }), 404, 'not_found');
    assertStatus(await device.request('DELETE', ok.headers.get('location'), { bearer: tok.json.token }), 200);
    // Every start is audited.
    const audit = await admin.get('/api/audit?limit=50');
    assertStatus(audit, 200);
    const entries = Array.isArray(audit.json) ? audit.json : audit.json.entries ?? audit.json.items ?? [];
    assert.ok(entries.some((e) => e.action === 'camera.publish' && e.target === 'node-1'), JSON.stringify(entries.slice(0, 5)));
  });
});
