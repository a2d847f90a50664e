// The recordings API against hostile input and the wrong users: every query
// parameter with path traversal, NUL bytes, quotes, SQL, overlong and
// out-of-range values gets a JSON 400 or 404, never a 500 and never the
// content of a file; a viewer limited to one camera sees nothing of
// another; viewers cannot delete; anonymous callers get 401.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import YAML from 'yaml';

import { Client, REPO_ROOT, startDaemon } from '../lib/daemon.mjs';
import { adminClient, assertError, assertStatus, createCamera, show, viewer } from '../lib/helpers.mjs';
import { stopDaemonCleanly } from '../lib/camsim.mjs';
import { responseSchema, validate } from '../lib/schema.mjs';
import {
  SLOW, apiToken, closedRows, getBytes, localDay, recordingConfig, segmentRows, waitClosedSegments,
} from '../lib/recordings.mjs';

const A = 'sec-a';
const B = 'sec-b';
const CONFIG = recordingConfig({ segmentSeconds: 2, intervalS: 2 });
const TEST_TIMEOUT = 120000 * SLOW;
const doc = YAML.parse(fs.readFileSync(path.join(REPO_ROOT, 'docs', 'openapi.yaml'), 'utf8'));

// What a body must never hold: a system file, the database, a recording.
const LEAKS = ['root:x:0:0', 'root:*:', 'SQLite format 3', 'ftypiso', 'ftypmp4', 'moov', 'mdat', '-----BEGIN'];

function assertNoLeak(res, what) {
  const text = res.body ? res.body.toString('latin1') : res.text;
  for (const s of LEAKS) assert.ok(!text.includes(s), `${what}: the answer holds "${s}": ${text.slice(0, 300)}`);
}

// A JSON error with one of the allowed statuses; never a 5xx.
function assertRefused(res, allowed, what) {
  assert.ok(res.status < 500, `${what}: ${show(res)}`);
  assert.ok(allowed.includes(res.status), `${what}: expected one of ${allowed}, got ${show(res)}`);
  assertError(res, res.status);
  if (res.status === 404) assert.equal(res.json.error.code, 'not_found', `${what}: error code`);
  assertNoLeak(res, what);
}

// assertRefused, collecting the failures in problems (so that one run lists them all).
function refused(problems, res, allowed, what) {
  try {
    assertRefused(res, allowed, what);
  } catch (e) {
    problems.push(e.message.split('\n')[0]);
  }
}

describe('recordings API: hostile parameters and access', () => {
  let d;
  let admin;
  let valid; // {days, timeline, segments, play, thumbnail}: queries that work, as objects
  let segA; // a closed segment of A
  let segB; // of B

  // Raw query strings (already percent-encoded as sent on the wire).
  const raw = (obj) => Object.entries(obj).map(([k, v]) => (v === undefined ? null : `${k}=${v}`)).filter(Boolean).join('&');
  const routes = {
    days: '/api/recordings/days',
    timeline: '/api/recordings/timeline',
    segments: '/api/recordings/segments',
    play: '/api/recordings/play.mp4',
    thumbnail: '/api/recordings/thumbnail.jpg',
  };
  const url = (route, obj) => `${routes[route]}?${raw(obj)}`;

  before(async () => {
    d = await startDaemon({ config: CONFIG });
    admin = await adminClient(d);
    await createCamera(admin, { id: A, name: 'Sec A', main_url: 'demo:1', record: true });
    await createCamera(admin, { id: B, name: 'Sec B', main_url: 'demo:2', record: true });
    await waitClosedSegments(d, A, 2, { timeout: 40000 * SLOW });
    await waitClosedSegments(d, B, 2, { timeout: 40000 * SLOW });
    segA = closedRows(await segmentRows(d, A))[0];
    segB = closedRows(await segmentRows(d, B))[0];
    const at = segA.start_ms + 500;
    valid = (cam, seg = cam === B ? segB : segA) => ({
      days: { camera: cam },
      timeline: { camera: cam, day: localDay(seg.start_ms) },
      segments: { camera: cam, from: seg.start_ms, to: seg.end_ms },
      play: { camera: cam, from: seg.start_ms, to: seg.end_ms },
      thumbnail: { camera: cam, at: cam === B ? segB.start_ms + 500 : at },
    });
  });

  after(async () => {
    if (d) await stopDaemonCleanly(d);
  });

  it('valid requests work (so that the refusals below mean something)', { timeout: TEST_TIMEOUT }, async () => {
    for (const cam of [A, B]) {
      for (const [route, query] of Object.entries(valid(cam))) {
        const res = await getBytes(d, admin, url(route, query));
        assert.equal(res.status, 200, `${url(route, query)}: ${res.status} ${res.text}`);
      }
    }
  });

  it('hostile camera values: 400 or 404, never a file', { timeout: TEST_TIMEOUT }, async () => {
    const cameras = [
      '../../etc', '..%2F..%2Fetc', '%2e%2e%2f', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', '..', '.', '%2e%2e',
      `${A}%2F..%2F${B}`, `${A}/../${B}`, `..%2F${B}`, '%2Fetc%2Fpasswd', '/etc/passwd', '%252e%252e%252f',
      `${A}%00`, '%00', `${A}%00.mp4`, `${A}%00..%2F..%2Fetc`, '%27', '%22', `${A}%27`, `${A}%22`,
      'x%27%20OR%20%271%27%3D%271', `${A}%27%20OR%20%271%27%3D%271`, `${A}%27%3B%20DROP%20TABLE%20segments%3B--`,
      `${A}%22%3B%20DROP%20TABLE%20segments%3B--`, '%25', `${A}%25`, `${A}%ZZ`, `${A}*`, '*', `${A}%20`, '%20',
      `${A.toUpperCase()}`, 'sec-%C3%A4', `${A}%0D%0AX-Injected%3A%201`, `${A}%0A`, '', 'a'.repeat(64),
      'a'.repeat(4000), `${A}/`, `${A}\\..\\..`, `${A}%5C..%5C..`, 'no-such-camera',
    ];
    const problems = [];
    for (const cam of cameras) {
      for (const route of Object.keys(routes)) {
        const u = url(route, { ...valid(A)[route], camera: cam });
        refused(problems, await getBytes(d, admin, u), [400, 404], u);
        if (route === 'play') {
          const dl = `${u}&download=1`;
          const res = await getBytes(d, admin, dl);
          refused(problems, res, [400, 404], dl);
          if (res.headers.get('x-injected') !== null) problems.push(`${dl}: a header injected`);
        }
      }
    }
    // Without camera at all.
    for (const route of Object.keys(routes)) {
      const u = url(route, { ...valid(A)[route], camera: undefined });
      refused(problems, await getBytes(d, admin, u), [400], u);
    }
    // A second camera parameter must not reach another camera's files.
    for (const route of Object.keys(routes)) {
      const u = `${url(route, valid(A)[route])}&camera=..%2F${B}`;
      const res = await getBytes(d, admin, u);
      if (res.status !== 200) refused(problems, res, [400, 404], u);
      else if (res.json && res.json.camera !== A) problems.push(`${u}: answers for ${res.json.camera}`);
    }
    assert.deepEqual(problems, []);
  });

  it('hostile day, from, to, at, width, limit and download values: 400 or 404', { timeout: TEST_TIMEOUT }, async () => {
    const today = localDay(Date.now());
    const bad = [];
    for (const day of ['../..', '..%2F..', '%2e%2e%2f%2e%2e', '2026-13-45', '2026-02-30', '2026-00-10', '2026-01-00',
      '0000-00-00', '9999-99-99', '2026-1-1', '20261121', '-001-01-01', `${today}%2F..%2F..%2Fetc`, `${today}%00`,
      `${today}%27%20OR%20%271%27%3D%271`, `${today}T00:00:00Z`, `${today}x`, '', 'x'.repeat(4000), undefined]) {
      bad.push(['timeline', { camera: A, day }]);
    }
    const now = Date.now();
    const times = ['abc', '-1', '-9999999999999', '1e3', '1.5', '0x10', 'NaN', 'Infinity', '-Infinity',
      '99999999999999999999999', '18446744073709551617', '9223372036854775808', '2026-11-21T10:00:00',
      '2026-13-45T99:99:99Z', '2026-11-21T10:00:00Zjunk', '2026-11-21', `${now}abc`, `%20${now}`, `${now}%00`,
      '%27%20OR%201%3D1--', '..%2F..%2Fetc', '', 'x'.repeat(4000)];
    for (const route of ['segments', 'play']) {
      const v = valid(A)[route];
      for (const t of times) {
        bad.push([route, { ...v, from: t }]);
        bad.push([route, { ...v, to: t }]);
      }
      bad.push([route, { ...v, from: undefined }]);
      bad.push([route, { ...v, to: undefined }]);
      bad.push([route, { ...v, from: v.to, to: v.from }]); // from > to
      bad.push([route, { ...v, from: v.from, to: v.from }]); // empty range
    }
    for (const limit of ['0', '-1', '10001', 'abc', '1.5', '99999999999999999999', '5%00', '%2e%2e']) {
      bad.push(['segments', { ...valid(A).segments, limit }]);
    }
    for (const download of ['2', '-1', 'yes', '1%00', '1%0D%0AX-Injected%3A%201']) bad.push(['play', { ...valid(A).play, download }]);
    const vt = valid(A).thumbnail;
    for (const at of ['abc', '-5', '', '1e999', '99999999999999999999', '9223372036854775808', '2026-11-21T10:00:00',
      `${vt.at}%00`, `${vt.at}abc`, '%27%20OR%201%3D1--', undefined]) {
      bad.push(['thumbnail', { ...vt, at }]);
    }
    for (const width of ['0', '15', '3841', '-1', 'abc', '1e9', '320px', '16.5', '99999999999999999999', '320%00']) {
      bad.push(['thumbnail', { ...vt, width }]);
    }
    const problems = [];
    for (const [route, query] of bad) {
      const u = url(route, query);
      refused(problems, await getBytes(d, admin, u), [400, 404], u.slice(0, 200));
    }

    // Over 6 hours: range_too_long. Far in the future or the past: nothing there.
    const v = valid(A).play;
    const long = url('play', { camera: A, from: v.from, to: v.from + 6 * 3600000 + 1 });
    const r = await getBytes(d, admin, long);
    assertRefused(r, [400], long);
    assert.equal(r.json.error.code, 'range_too_long');
    for (const [from, to] of [['9223372036854775000', '9223372036854775807'], ['0', '1'],
      ['9999-12-31T23:00:00Z', '9999-12-31T23:59:59Z'], ['1970-01-01T00:00:00Z', '1970-01-01T00:00:01Z']]) {
      const u = url('play', { camera: A, from, to });
      refused(problems, await getBytes(d, admin, u), [400, 404], u);
    }
    for (const at of ['9223372036854775807', '0', '9999-12-31T23:59:59Z']) {
      const u = url('thumbnail', { camera: A, at });
      refused(problems, await getBytes(d, admin, u), [400, 404], u);
    }
    // Segments over a huge but well-formed range: fine, or refused; never a 500.
    for (const [from, to] of [['0', '9223372036854775807'], ['0', String(now + 86400000)]]) {
      const u = url('segments', { camera: A, from, to });
      const res = await getBytes(d, admin, u);
      if (res.status === 200) assert.ok(res.json.segments.length > 0, `${u}: A's segments`);
      else refused(problems, res, [400], u);
    }
    assert.deepEqual(problems, []);
  });

  it('hostile segment ids for DELETE: 400 or 404, nothing deleted', { timeout: TEST_TIMEOUT }, async () => {
    const before1 = await segmentRows(d);
    const problems = [];
    for (const id of ['abc', '-1', '0', '1.5', '1e3', '0x1', '%201', '1%00', '99999999999999999999999',
      '9223372036854775808', '9223372036854775807', '1%3B%20DROP%20TABLE%20segments', '1%20OR%201%3D1',
      '..%2F..%2Fetc%2Fpasswd', '%2e%2e', `${segA.id}%00`, `${segA.id}abc`, 'x'.repeat(2000)]) {
      const res = await admin.del(`/api/recordings/segments/${id}`);
      refused(problems, { ...res, body: null }, [400, 404], `DELETE /api/recordings/segments/${id.slice(0, 60)}`);
    }
    assert.deepEqual(problems, []);
    const after1 = await segmentRows(d);
    const left = new Set(after1.map((r) => r.id));
    assert.deepEqual(before1.filter((r) => !left.has(r.id)).map((r) => r.id), [], 'no segment deleted');
    for (const r of closedRows(before1)) assert.ok(fs.existsSync(path.join(d.stateDir, 'recordings', r.path)), `${r.path} kept`);
  });

  it('a viewer of camera A only: 404 for B everywhere, only A in /api/storage, 403 on DELETE', { timeout: TEST_TIMEOUT }, async () => {
    const { client } = await viewer(d, admin, { cameras: [A] });
    const vtoken = await apiToken(client, 'viewer-rec');
    for (const [route, query] of Object.entries(valid(A))) {
      const res = await getBytes(d, client, url(route, query));
      assert.equal(res.status, 200, `viewer of A: ${url(route, query)}: ${res.status} ${res.text}`);
    }
    for (const [route, query] of Object.entries(valid(B))) {
      for (const [how, opts] of [['cookie', {}], ['token', { bearer: vtoken }]]) {
        const u = url(route, query);
        const res = await getBytes(d, how === 'cookie' ? client : null, u, opts);
        assertRefused(res, [404], `viewer of A (${how}) asks ${u}`);
        assert.equal(res.json.error.code, 'not_found');
        // The same answer as for a camera that does not exist.
        const none = await getBytes(d, client, url(route, { ...query, camera: 'no-such-camera' }));
        assert.equal(none.status, 404);
        assert.equal(none.json?.error?.code, res.json.error.code, 'B looks like a camera that does not exist');
      }
    }

    const mine = await client.get('/api/storage');
    assertStatus(mine, 200, 'viewer storage');
    assert.deepEqual(validate(doc, responseSchema(doc, doc.paths['/api/storage'].get, 200), mine.json), []);
    assert.deepEqual(mine.json.cameras.map((c) => c.camera), [A], 'the viewer sees A only');
    assert.equal(mine.json.used_bytes, mine.json.cameras.reduce((n, c) => n + c.bytes, 0), 'used_bytes: A only');
    const all = await admin.get('/api/storage');
    assertStatus(all, 200);
    assert.deepEqual(all.json.cameras.map((c) => c.camera).sort(), [A, B]);
    assert.ok(all.json.used_bytes > mine.json.used_bytes, 'the admin counts both cameras');

    for (const seg of [segA, segB]) {
      assertError(await client.del(`/api/recordings/segments/${seg.id}`), 403, 'forbidden');
      assertError(await new Client(d.url).del(`/api/recordings/segments/${seg.id}`, { bearer: vtoken }), 403, 'forbidden');
    }
    const ids = new Set((await segmentRows(d)).map((r) => r.id));
    assert.ok(ids.has(segA.id) && ids.has(segB.id), 'the segments are still there');
  });

  it('anonymous requests get 401', { timeout: TEST_TIMEOUT }, async () => {
    const anon = new Client(d.url);
    for (const [route, query] of Object.entries(valid(A))) {
      assertError(await anon.get(url(route, query)), 401, 'unauthorized');
    }
    assertError(await anon.get('/api/storage'), 401, 'unauthorized');
    assertError(await anon.del(`/api/recordings/segments/${segA.id}`), 401, 'unauthorized');
    assertError(await anon.del(`/api/recordings/segments/${segA.id}`, { bearer: 'vgt_not-a-token' }), 401, 'unauthorized');
  });
});
