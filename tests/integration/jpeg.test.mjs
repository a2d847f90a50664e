// JPEG outputs against the demo camera: GET /api/streams/{id}/snapshot.jpg and
// the MJPEG live view GET /api/streams/{id}/mjpeg (multipart/x-mixed-replace).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';

import { Client, startDaemon } from '../lib/daemon.mjs';
import { adminClient, assertError, assertStatus, createUser, loginAs, sleep, uniq } from '../lib/helpers.mjs';

const CAM = 'demo-1';
// The demo clip is encoded on first use into the state directory (seconds,
// more under the sanitizers); the first picture may take that long.
const FIRST_PICTURE_MS = 60000;

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
    if (marker >= 0xc0 && marker <= 0xc2) {
      return { height: buf.readUInt16BE(i + 5), width: buf.readUInt16BE(i + 7) };
    }
    i += 2 + len;
  }
  throw new Error('no SOF header in the JPEG');
}

// What ffprobe reads from the bytes (null when ffprobe is not installed).
function ffprobe(buf) {
  return new Promise((resolve, reject) => {
    const child = execFile('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', '-'],
      { encoding: 'utf8', timeout: 20000 }, (err, stdout, stderr) => {
        if (err?.code === 'ENOENT') return resolve(null);
        if (err) return reject(new Error(`ffprobe: ${err.message} ${stderr}`));
        resolve(JSON.parse(stdout).streams[0]);
      });
    child.stdin.on('error', () => {});
    child.stdin.end(buf);
  });
}

async function expectJpeg(buf, width, height) {
  assert.deepEqual(jpegSize(buf), { width, height });
  const s = await ffprobe(buf);
  if (s) {
    assert.equal(s.codec_name, 'mjpeg');
    assert.equal(s.width, width);
    assert.equal(s.height, height);
  }
}

// GET with the client's session; the body as bytes.
async function getBytes(d, client, p, { signal } = {}) {
  const headers = client ? { Cookie: client.cookieHeader() } : {};
  const res = await fetch(d.url + p, { headers, signal });
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body };
}

// Snapshot, retried while the stream is starting (503).
async function snapshot(d, client, query = '') {
  const deadline = Date.now() + FIRST_PICTURE_MS;
  for (;;) {
    const res = await getBytes(d, client, `/api/streams/${CAM}/snapshot.jpg${query}`);
    if (res.status !== 503 || Date.now() > deadline) return res;
    await sleep(500);
  }
}

// Reads an MJPEG response for ms and splits it into parts.
async function readMjpeg(d, client, query, ms) {
  const ac = new AbortController();
  const res = await fetch(`${d.url}/api/streams/${CAM}/mjpeg${query}`, {
    headers: { Cookie: client.cookieHeader() },
    signal: ac.signal,
  });
  const out = { status: res.status, headers: res.headers, parts: [], raw: Buffer.alloc(0) };
  if (res.status !== 200) {
    out.raw = Buffer.from(await res.arrayBuffer());
    return out;
  }
  const chunks = [];
  const timer = setTimeout(() => ac.abort(), ms);
  try {
    for await (const chunk of res.body) chunks.push(Buffer.from(chunk));
  } catch (e) {
    if (e.name !== 'AbortError') throw e;
  } finally {
    clearTimeout(timer);
  }
  out.raw = Buffer.concat(chunks);
  out.parts = splitParts(out.raw);
  return out;
}

// Complete parts of a multipart/x-mixed-replace body with boundary vigilframe.
function splitParts(raw) {
  const parts = [];
  let i = 0;
  const delim = Buffer.from('--vigilframe\r\n');
  for (;;) {
    assert.ok(raw.length - i < delim.length || raw.subarray(i, i + delim.length).equals(delim) ||
      delim.subarray(0, raw.length - i).equals(raw.subarray(i)),
      `part at ${i} starts with the boundary`);
    const headEnd = raw.indexOf('\r\n\r\n', i);
    if (headEnd < 0) break;
    const head = raw.subarray(i + delim.length, headEnd).toString('latin1');
    const m = head.match(/Content-Length: (\d+)/i);
    assert.ok(m, `part has Content-Length: ${head}`);
    assert.match(head, /Content-Type: image\/jpeg/i);
    const start = headEnd + 4;
    const end = start + Number(m[1]);
    if (end + 2 > raw.length) break; // cut off by the abort
    assert.equal(raw.subarray(end, end + 2).toString('latin1'), '\r\n', 'CRLF after the part');
    parts.push(raw.subarray(start, end));
    i = end + 2;
  }
  return parts;
}

async function consumers(admin) {
  const res = await admin.get(`/api/cameras/${CAM}`);
  assertStatus(res, 200);
  return res.json.status.consumers;
}

describe('JPEG outputs of the demo camera', () => {
  let d;
  let admin;

  before(async () => {
    d = await startDaemon({ args: ['--demo', '1'] });
    admin = await adminClient(d);
  });
  after(() => d?.stop());

  it('snapshot.jpg is a 1280x720 JPEG of the stream', { timeout: FIRST_PICTURE_MS + 10000 }, async () => {
    const res = await snapshot(d, admin);
    assert.equal(res.status, 200, `snapshot: ${res.status} ${res.body.toString().slice(0, 200)}`);
    assert.equal(res.headers.get('content-type'), 'image/jpeg');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    await expectJpeg(res.body, 1280, 720);
  });

  it('?width=320 scales to 320x180', async () => {
    const res = await snapshot(d, admin, '?width=320');
    assertStatus(res, 200);
    await expectJpeg(res.body, 320, 180);
  });

  it('many viewers polling at once get the same picture', async () => {
    const all = await Promise.all(
      Array.from({ length: 12 }, () => getBytes(d, admin, `/api/streams/${CAM}/snapshot.jpg?width=200`)),
    );
    for (const r of all) assertStatus(r, 200);
    // Made once, or at most twice if the one-second cache ran out in between.
    const distinct = new Set(all.map((r) => r.body.toString('base64')));
    assert.ok(distinct.size <= 2, `${distinct.size} different JPEGs for 12 requests`);
    await expectJpeg(all[0].body, 200, 112);
  });

  it('a width out of range or not a number is 400', async () => {
    for (const q of ['?width=8', '?width=4000', '?width=abc', '?width=', '?width=-1']) {
      const res = await admin.get(`/api/streams/${CAM}/snapshot.jpg${q}`);
      assertError(res, 400, 'bad_request');
    }
    for (const q of ['?fps=0', '?fps=31', '?fps=x']) {
      const res = await admin.get(`/api/streams/${CAM}/mjpeg${q}`);
      assertError(res, 400, 'bad_request');
    }
  });

  it('an unknown stream is 404', async () => {
    assertError(await admin.get('/api/streams/no-such-cam/snapshot.jpg'), 404, 'not_found');
    assertError(await admin.get('/api/streams/no-such-cam.sub/snapshot.jpg'), 404, 'not_found');
    assertError(await admin.get('/api/streams/no-such-cam/mjpeg'), 404, 'not_found');
  });

  it('anonymous is 401', async () => {
    const anon = new Client(d.url);
    assertError(await anon.get(`/api/streams/${CAM}/snapshot.jpg`), 401, 'unauthorized');
    assertError(await anon.get(`/api/streams/${CAM}/mjpeg`), 401, 'unauthorized');
  });

  it('a viewer who may not see the camera gets 404', async () => {
    const u = await createUser(admin, { username: uniq('jpg'), cameras: ['elsewhere'] });
    const c = await loginAs(d, u.username);
    assertError(await c.get(`/api/streams/${CAM}/snapshot.jpg`), 404, 'not_found');
    assertError(await c.get(`/api/streams/${CAM}/mjpeg`), 404, 'not_found');
    // One allowed by zone sees it.
    const z = await createUser(admin, { username: uniq('jpz'), zones: ['demo'] });
    const zc = await loginAs(d, z.username);
    assertStatus(await snapshot(d, zc, '?width=64'), 200);
  });

  it('mjpeg at fps=2 sends a JPEG part about every half second', async () => {
    const r = await readMjpeg(d, admin, '?fps=2', 3000);
    assert.equal(r.status, 200, r.raw.toString().slice(0, 200));
    assert.equal(r.headers.get('content-type'), 'multipart/x-mixed-replace; boundary=vigilframe');
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.ok(r.parts.length >= 2, `${r.parts.length} parts in 3 s`);
    assert.ok(r.parts.length <= 10, `${r.parts.length} parts in 3 s at 2 fps`);
    for (const p of r.parts) assert.deepEqual(jpegSize(p), { width: 1280, height: 720 });
    await expectJpeg(r.parts[r.parts.length - 1], 1280, 720);
  });

  it('viewers of one stream share a producer, each at its own rate', async () => {
    const [slow, fast] = await Promise.all([
      readMjpeg(d, admin, '?fps=1', 4000),
      readMjpeg(d, admin, '?fps=10', 4000),
    ]);
    assertStatus(slow, 200);
    assertStatus(fast, 200);
    assert.ok(slow.parts.length >= 2 && slow.parts.length <= 7, `fps=1: ${slow.parts.length} parts in 4 s`);
    assert.ok(fast.parts.length >= 15 && fast.parts.length > 2 * slow.parts.length,
      `fps=10: ${fast.parts.length} parts in 4 s (fps=1: ${slow.parts.length})`);
    // The same bytes went to both: every slow part is one of the fast ones.
    const fastSet = new Set(fast.parts.map((p) => p.toString('base64')));
    const shared = slow.parts.filter((p) => fastSet.has(p.toString('base64'))).length;
    assert.ok(shared >= slow.parts.length - 1, `${shared} of ${slow.parts.length} slow parts also went to the fast viewer`);
  });

  it('the stream is released when the last MJPEG viewer leaves', async () => {
    const deadline = Date.now() + 5000;
    let n;
    while ((n = await consumers(admin)) !== 0 && Date.now() < deadline) await sleep(100);
    assert.equal(n, 0, 'no consumers left');
  });

  it('clients that go away while their snapshot is being made do no harm', async () => {
    const aborted = [];
    for (let w = 100; w < 120; w++) {
      const ac = new AbortController();
      aborted.push(getBytes(d, admin, `/api/streams/${CAM}/snapshot.jpg?width=${w}`, { signal: ac.signal })
        .catch((e) => e));
      setTimeout(() => ac.abort(), w % 4);
    }
    await Promise.all(aborted);
    const r = await readMjpeg(d, admin, '?fps=5', 50); // and a viewer that leaves at once
    assertStatus(r, 200);
    await sleep(1500);
    assertStatus(await snapshot(d, admin, '?width=100'), 200);
    assertStatus(await admin.get('/api/health'), 200);
  });

  it('the daemon stops cleanly with viewers and snapshots in flight', async () => {
    const ac = new AbortController();
    const viewer = readMjpeg(d, admin, '?fps=5', 10000).catch((e) => e);
    const snaps = Array.from({ length: 4 }, (_, i) =>
      getBytes(d, admin, `/api/streams/${CAM}/snapshot.jpg?width=${300 + i}`, { signal: ac.signal }).catch((e) => e));
    await sleep(300);
    const res = await d.stop();
    assert.equal(res.code, 0, `exit code ${res.code} signal ${res.signal}\n${d.stderr().slice(-2000)}`);
    ac.abort();
    await Promise.all([viewer, ...snaps]);
  });
});
