// WHEP signalling errors: every bad request gets a clear JSON error, and an
// H.265 camera (which Chromium's WebRTC here does not take) is refused with
// unsupported_codec so the page falls back to MSE.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { REPO_ROOT, startDaemon } from '../lib/daemon.mjs';
import { adminClient, assertError, createCamera, viewer } from '../lib/helpers.mjs';
import { startCamsim, stopDaemonCleanly } from '../lib/camsim.mjs';

const OFFER = fs.readFileSync(path.join(REPO_ROOT, 'tests', 'unit', 'webrtc', 'data', 'whep-video.sdp'), 'utf8');
const OFFER_AV = fs.readFileSync(path.join(REPO_ROOT, 'tests', 'unit', 'webrtc', 'data', 'whep-video-audio.sdp'), 'utf8');
const SDP = { 'Content-Type': 'application/sdp' };

describe('WHEP', () => {
  let d;
  let admin;

  before(async () => {
    d = await startDaemon({ args: ['--demo', '1'] });
    admin = await adminClient(d);
  });
  after(async () => {
    if (d) await stopDaemonCleanly(d);
  });

  const post = (id, raw, headers = SDP, client = admin) =>
    client.request('POST', `/api/streams/${id}/whep`, { raw, headers });

  it('answers an offer with ICE-lite, DTLS and the offered H.264 payload type', async () => {
    const res = await post('demo-1', OFFER);
    assert.equal(res.status, 201, res.text);
    assert.equal(res.headers.get('content-type'), 'application/sdp');
    assert.match(res.headers.get('location'), /^\/api\/streams\/demo-1\/whep\/[0-9a-f]{32}$/);
    assert.match(res.text, /^a=ice-lite\r$/m);
    assert.match(res.text, /^a=fingerprint:sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}\r$/m);
    assert.match(res.text, /^a=setup:passive\r$/m);
    assert.match(res.text, /^a=sendonly\r$/m);
    assert.match(res.text, /^a=candidate:\S+ 1 udp \d+ \S+ \d+ typ host\r$/m);
    assert.match(res.text, /^a=candidate:\S+ 1 tcp \d+ \S+ \d+ typ host tcptype passive\r$/m);
    const pt = res.text.match(/^m=video 9 UDP\/TLS\/RTP\/SAVPF (\d+)\r$/m)?.[1];
    assert.ok(pt, res.text);
    assert.match(OFFER, new RegExp(`^a=fmtp:${pt} .*packetization-mode=1`, 'm'));
    assert.equal((await admin.request('DELETE', res.headers.get('location'))).status, 200);
  });

  it('says what is wrong with a bad request', async () => {
    assertError(await post('demo-1', OFFER, { 'Content-Type': 'application/json' }), 415, 'unsupported_media_type');
    assertError(await post('demo-1', ''), 400, 'bad_request');
    assertError(await post('demo-1', 'x'.repeat(70000)), 413, 'payload_too_large');
    const noFingerprint = OFFER.replace(/^a=fingerprint:.*\r?\n/gm, '');
    const res = await post('demo-1', noFingerprint);
    assertError(res, 400, 'bad_request');
    assert.match(res.json.error.message, /fingerprint/);
    assertError(await post('demo-1', 'v=0\r\ngarbage\r\n'), 400, 'bad_request');
    assertError(await post('no-such-camera', OFFER), 404, 'not_found');
    assertError(await admin.request('DELETE', `/api/streams/demo-1/whep/${'0'.repeat(32)}`), 404, 'not_found');
  });

  it('hides cameras a viewer may not see', async () => {
    await createCamera(admin, { id: 'hidden-cam', name: 'Hidden', main_url: 'demo:2' });
    const { client } = await viewer(d, admin, { cameras: ['demo-1'] });
    assertError(await post('hidden-cam', OFFER, SDP, client), 404, 'not_found');
    const ok = await post('demo-1', OFFER, SDP, client);
    assert.equal(ok.status, 201, ok.text);
  });

  it('sends the sound of a G.711 camera as it comes, and an AAC camera\'s as Opus', async (t) => {
    const sim = await startCamsim();
    t.after(() => sim.stop());
    await createCamera(admin, { id: 'alaw', name: 'A-law', main_url: sim.url('/h264-pcma') });
    await createCamera(admin, { id: 'aac', name: 'AAC', main_url: sim.url('/h264') });
    const res = await post('alaw', OFFER_AV);
    assert.equal(res.status, 201, res.text);
    assert.match(res.text, /^m=audio 9 UDP\/TLS\/RTP\/SAVPF 8\r$/m);
    assert.match(res.text, /^a=rtpmap:8 PCMA\/8000\r$/m);
    const aac = await post('aac', OFFER_AV);
    assert.equal(aac.status, 201, aac.text);
    const opusPt = OFFER_AV.match(/^a=rtpmap:(\d+) opus\/48000\/2\r?$/m)?.[1];
    assert.ok(opusPt, 'the recorded offer has Opus');
    assert.match(aac.text, new RegExp(`^m=audio 9 UDP/TLS/RTP/SAVPF ${opusPt}\r$`, 'm'));
    assert.match(aac.text, new RegExp(`^a=rtpmap:${opusPt} opus/48000/2\r$`, 'm'));
  });

  // An RFC 4571-framed STUN Binding request for a session (USERNAME
  // "<our ufrag>:<the offer's>", MESSAGE-INTEGRITY keyed with our ice-pwd).
  function framedCheck(ufrag, pwd) {
    const user = Buffer.from(`${ufrag}:${OFFER.match(/a=ice-ufrag:(\S+)/)[1]}`);
    const pad = Buffer.alloc((4 - (user.length % 4)) % 4);
    const uattr = Buffer.concat([Buffer.from([0, 6, user.length >> 8, user.length & 255]), user, pad]);
    const hdr = Buffer.alloc(20);
    hdr.writeUInt16BE(1, 0);
    hdr.writeUInt16BE(uattr.length + 24, 2);
    hdr.writeUInt32BE(0x2112a442, 4);
    crypto.randomBytes(12).copy(hdr, 8);
    const mac = crypto.createHmac('sha1', pwd).update(Buffer.concat([hdr, uattr])).digest();
    const msg = Buffer.concat([hdr, uattr, Buffer.from([0, 8, 0, 20]), mac]);
    return Buffer.concat([Buffer.from([msg.length >> 8, msg.length & 255]), msg]);
  }

  it('keeps one ICE-TCP connection to one session, whatever checks it carries', async () => {
    const sessions = [];
    for (let i = 0; i < 2; i++) {
      const r = await post('demo-1', OFFER);
      assert.equal(r.status, 201, r.text);
      sessions.push({ loc: r.headers.get('location'), ufrag: r.text.match(/a=ice-ufrag:(\S+)/)[1],
        pwd: r.text.match(/a=ice-pwd:(\S+)/)[1], tcp: Number(r.text.match(/ tcp \d+ \S+ (\d+) typ host/)[1]) });
    }
    const sock = net.connect(sessions[0].tcp, '127.0.0.1');
    await new Promise((r) => sock.on('connect', r));
    let answered = 0;
    sock.on('data', (d) => { answered += d.length; });
    for (const s of sessions) {
      sock.write(framedCheck(s.ufrag, s.pwd));
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(answered > 0, 'the first check is answered');
    const listed = (await admin.get('/api/webrtc/sessions')).json.sessions;
    const byId = (loc) => listed.find((x) => loc.endsWith(x.id));
    assert.equal(byId(sessions[0].loc).transport, 'tcp');
    assert.equal(byId(sessions[1].loc).transport, 'none', 'the second check on the same connection is ignored');
    sock.end();
    await new Promise((r) => setTimeout(r, 300));
    for (const s of sessions) await admin.request('DELETE', s.loc);
    assert.equal((await admin.get('/api/health')).status, 200, 'the daemon is still up');
  });

  it('refuses an H.265 camera the browser cannot take, with unsupported_codec', async (t) => {
    const sim = await startCamsim();
    t.after(() => sim.stop());
    await createCamera(admin, { id: 'hevc', name: 'HEVC', main_url: sim.url('/h265') });
    const res = await post('hevc', OFFER);
    assertError(res, 400, 'unsupported_codec');
    assert.match(res.json.error.message, /H\.265|HEVC/i);
  });
});
