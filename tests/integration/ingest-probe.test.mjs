// Against a real RTSP camera (tests/sim/camsim): the camera form's connection
// test POST /api/cameras/probe, and the JPEG outputs (snapshot, MJPEG) of an
// RTSP stream.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';

import { freePort, startDaemon } from '../lib/daemon.mjs';
import { adminClient, assertStatus, createCamera, show, sleep } from '../lib/helpers.mjs';
import { assertHealthy, openMse, startCamsim, stopDaemonCleanly, waitBytes } from '../lib/camsim.mjs';

const CONFIG = 'streams:\n  idle_timeout_s: 2\n  stall_timeout_s: 3\n  io_timeout_s: 3\n';
// The API promises an answer within about 8 s.
const PROBE_MAX_MS = 10000;

// Width and height from a JPEG's SOF header, after checking SOI and EOI.
function jpegSize(buf) {
  assert.ok(buf.length > 4, 'JPEG has bytes');
  assert.ok(buf[0] === 0xff && buf[1] === 0xd8, 'JPEG starts with SOI');
  assert.ok(buf[buf.length - 2] === 0xff && buf[buf.length - 1] === 0xd9, 'JPEG ends with EOI');
  let i = 2;
  while (i + 4 <= buf.length) {
    assert.equal(buf[i], 0xff, `marker at ${i}`);
    const marker = buf[i + 1];
    const len = buf.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xc2) return { height: buf.readUInt16BE(i + 5), width: buf.readUInt16BE(i + 7) };
    i += 2 + len;
  }
  throw new Error('no SOF header in the JPEG');
}

// Complete JPEG parts of a multipart/x-mixed-replace body (boundary vigilframe).
function mjpegParts(raw) {
  const parts = [];
  let i = 0;
  for (;;) {
    const headEnd = raw.indexOf('\r\n\r\n', i);
    if (headEnd < 0) break;
    const head = raw.subarray(i, headEnd).toString('latin1');
    assert.match(head, /^(\r\n)?--vigilframe\r\n/, `part at ${i} starts with the boundary`);
    const m = head.match(/Content-Length: (\d+)/i);
    assert.ok(m, `part has a Content-Length: ${head}`);
    const start = headEnd + 4;
    const end = start + Number(m[1]);
    if (end > raw.length) break;
    parts.push(raw.subarray(start, end));
    i = end;
  }
  return parts;
}

describe('connection test and JPEG outputs against an RTSP camera', () => {
  let d;
  let admin;
  let sim;
  let simAuth;
  let garbage;
  const sockets = new Set();

  before(async () => {
    [d, sim, simAuth] = await Promise.all([
      startDaemon({ config: CONFIG }),
      startCamsim(),
      startCamsim({ user: 'camuser', pass: 'cam-pass-1' }),
    ]);
    admin = await adminClient(d);
    garbage = net.createServer((sock) => {
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
      sock.on('error', () => {});
      sock.end(Buffer.concat([Buffer.from('HELLO\r\n'), crypto.randomBytes(512)]));
    });
    await new Promise((resolve) => garbage.listen(0, '127.0.0.1', resolve));
  });

  after(async () => {
    for (const s of sockets) s.destroy();
    if (garbage) await new Promise((resolve) => garbage.close(resolve));
    await Promise.all([sim?.stop(), simAuth?.stop()]);
    if (d) await stopDaemonCleanly(d);
  });

  async function probe(body) {
    const t0 = Date.now();
    const res = await admin.post('/api/cameras/probe', body);
    const ms = Date.now() - t0;
    assertStatus(res, 200, `probe ${JSON.stringify(body)}`);
    assert.ok(ms <= PROBE_MAX_MS, `probe ${JSON.stringify(body)} answered in ${ms} ms`);
    for (const k of ['ok', 'reason', 'message', 'video', 'audio']) assert.ok(k in res.json, `${k} in ${show(res)}`);
    return { ...res.json, ms };
  }

  it('probes an RTSP camera: H.264 1280x720 at 25 fps with AAC, H.265, wrong password, unreachable, garbage', async (t) => {
    const h264 = await probe({ url: sim.url('/h264') });
    assert.equal(h264.ok, true, JSON.stringify(h264));
    assert.equal(h264.reason, 'ok');
    assert.equal(h264.video.codec, 'h264');
    assert.equal(h264.video.width, 1280);
    assert.equal(h264.video.height, 720);
    assert.ok(Math.abs(h264.video.fps - 25) < 0.5, `fps ${h264.video.fps}`);
    assert.equal(h264.audio?.codec, 'aac', JSON.stringify(h264));
    assert.equal(h264.audio.sample_rate, 16000);
    assert.equal(h264.audio.channels, 1);

    const h265 = await probe({ url: sim.url('/h265') });
    assert.equal(h265.ok, true, JSON.stringify(h265));
    assert.equal(h265.video.codec, 'h265');
    assert.equal(h265.video.width, 1280);
    assert.equal(h265.video.height, 720);

    const authOk = await probe({ url: simAuth.url('/h264-sub'), username: 'camuser', password: 'cam-pass-1' });
    assert.equal(authOk.ok, true, `right digest password: ${JSON.stringify(authOk)}`);
    assert.equal(authOk.video.width, 640);

    const authBad = await probe({ url: simAuth.url('/h264-sub'), username: 'camuser', password: 'wrong-pass' });
    assert.equal(authBad.ok, false);
    assert.equal(authBad.reason, 'unauthorized', JSON.stringify(authBad));
    assert.ok(authBad.message, 'a message');

    const unreachable = await probe({ url: `rtsp://127.0.0.1:${await freePort()}/h264` });
    assert.equal(unreachable.ok, false);
    assert.equal(unreachable.reason, 'unreachable', JSON.stringify(unreachable));

    const junk = await probe({ url: `rtsp://127.0.0.1:${garbage.address().port}/h264` });
    assert.equal(junk.ok, false);
    assert.equal(junk.reason, 'error', JSON.stringify(junk));
    assert.ok(junk.message, 'a message');
    t.diagnostic(`answered in ms: h264 ${h264.ms}, h265 ${h265.ms}, auth ${authOk.ms}/${authBad.ms}, ` +
      `unreachable ${unreachable.ms}, garbage ${junk.ms}`);
    await assertHealthy(d, 'after the probes');
  });

  it('probes a camera that accepts the connection but never answers: unreachable within the timeout', async (t) => {
    const sockets = new Set();
    const server = net.createServer((sock) => {
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
      sock.on('error', () => {});
      sock.resume(); // reads the request, never answers
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(resolve));
    });
    const silent = await probe({ url: `rtsp://127.0.0.1:${server.address().port}/h264` });
    t.diagnostic(`silent camera: ${JSON.stringify(silent)}`);
    assert.equal(silent.ok, false);
    assert.equal(silent.reason, 'unreachable', JSON.stringify(silent));
  });

  it('answers a 1280x720 JPEG snapshot and MJPEG at 2 fps of an RTSP camera', async (t) => {
    await createCamera(admin, { id: 'jpeg-rtsp', name: 'JPEG RTSP', main_url: sim.url('/h264') });
    const cookie = { Cookie: admin.cookieHeader() };
    // The first snapshot starts the stream and waits for a keyframe (up to 5 s, then 503).
    let snap;
    const deadline = Date.now() + 20000;
    for (;;) {
      const res = await fetch(`${d.url}/api/streams/jpeg-rtsp/snapshot.jpg`, { headers: cookie, signal: AbortSignal.timeout(15000) });
      snap = { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
      if (snap.status !== 503 || Date.now() > deadline) break;
      await sleep(300);
    }
    assert.equal(snap.status, 200, `snapshot: ${snap.status} ${snap.body.toString('utf8', 0, 300)}`);
    assert.equal(snap.type, 'image/jpeg');
    assert.deepEqual(jpegSize(snap.body), { width: 1280, height: 720 });

    // A viewer holds the stream so that the MJPEG clock measures MJPEG only.
    const v = openMse(d, admin, 'jpeg-rtsp');
    t.after(() => v.close());
    await waitBytes(v, (x) => x.countFragments(1) >= 1, 15000, 'MSE viewer holding the stream');

    const ac = new AbortController();
    t.after(() => ac.abort());
    const t0 = Date.now();
    const res = await fetch(`${d.url}/api/streams/jpeg-rtsp/mjpeg?fps=2`, { headers: cookie, signal: ac.signal });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /^multipart\/x-mixed-replace;\s*boundary=vigilframe/);
    const chunks = [];
    const timer = setTimeout(() => ac.abort(), Math.max(0, 3000 - (Date.now() - t0)));
    try {
      for await (const c of res.body) chunks.push(Buffer.from(c));
    } catch (e) {
      if (e.name !== 'AbortError') throw e;
    } finally {
      clearTimeout(timer);
    }
    const parts = mjpegParts(Buffer.concat(chunks));
    t.diagnostic(`MJPEG parts in 3 s at fps=2: ${parts.length}`);
    assert.ok(parts.length >= 2, `at least 2 MJPEG parts in 3 s, got ${parts.length}`);
    assert.ok(parts.length <= 8, `about 2 per second, got ${parts.length} in 3 s`);
    for (const p of parts) assert.deepEqual(jpegSize(p), { width: 1280, height: 720 });
  });
});
