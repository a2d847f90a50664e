// Recording: the segments on disk and in the index, the recordings API
// (days, timeline, segments), play.mp4 over several segments with byte
// ranges and seeking, thumbnails, deleting a segment, a gap when recording
// stops for a while, and the storage figures.
//
// Two cameras record: a demo camera and an RTSP camera from camsim with
// H.264 + AAC, so the segments and play.mp4 carry sound too.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import YAML from 'yaml';

import { REPO_ROOT, startDaemon } from '../lib/daemon.mjs';
import { adminClient, assertError, assertStatus, createCamera, sleep } from '../lib/helpers.mjs';
import { boxes, startCamsim, stopDaemonCleanly, waitStatus } from '../lib/camsim.mjs';
import { responseSchema, validate } from '../lib/schema.mjs';
import {
  DURATION_TOLERANCE_MS, FRAME_MS, GOP_MS, SLOW, apiToken, assertContiguous, assertDecodes, assertGoodSegment,
  assertNoOverlap, assertTimestamp, audioOf, closedRows, dayStartMs, diskSpace, getBytes, jpegSize, listFiles, liveAudio, localDay,
  nextDay, packetTimes, packetsOf, probe, recordingConfig, recordingsDir, segmentRows, streamDurationMs, videoOf,
  waitClosedSegments, waitFor,
} from '../lib/recordings.mjs';

// UTC+05:45 all year: a day or a file name made in UTC instead of the
// server's local time shows.
const TZ = 'Asia/Kathmandu';
const SEGMENT_S = 4;
const SEGMENT_MS = SEGMENT_S * 1000;
const CONFIG = recordingConfig({ segmentSeconds: SEGMENT_S, intervalS: 2 });
const TEST_TIMEOUT = 120000 * SLOW;

const doc = YAML.parse(fs.readFileSync(path.join(REPO_ROOT, 'docs', 'openapi.yaml'), 'utf8'));
const opOf = (p, m = 'get') => doc.paths[p][m];

// The documented 200 answer of a GET under /api/recordings (or /api/storage).
function assertSchema(p, res) {
  const schema = responseSchema(doc, opOf(p), 200);
  assert.ok(schema, `openapi.yaml documents ${p}`);
  assert.deepEqual(validate(doc, schema, res.json), [], `${p}: the answer matches openapi.yaml`);
}

const q = (params) => new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString();

describe('recording: segments, index, API, play.mp4, thumbnails', () => {
  let d;
  let sim;
  let admin;
  let token;
  let dir;
  // id → {audio: 'aac' | null}
  const cams = { 'rec-demo': { audio: null }, 'rec-rtsp': { audio: 'aac' } };

  before(async () => {
    [d, sim] = await Promise.all([startDaemon({ config: CONFIG, env: { TZ } }), startCamsim()]);
    admin = await adminClient(d);
    token = await apiToken(admin);
    dir = recordingsDir(d);
    await createCamera(admin, { id: 'rec-demo', name: 'Rec demo', main_url: 'demo:1', record: true });
    await createCamera(admin, { id: 'rec-rtsp', name: 'Rec RTSP', main_url: sim.url('/h264'), record: true });
  });

  after(async () => {
    await sim?.stop();
    if (d) await stopDaemonCleanly(d);
  });

  const rowsOf = (id) => segmentRows(d, id);

  it('records each camera in segments ffprobe reads, of segment_seconds each, the index matching the files',
    { timeout: TEST_TIMEOUT }, async () => {
      for (const id of Object.keys(cams)) {
        const { status } = await waitStatus(d, admin, id, (r) => r.state === 'recording',
          { field: 'recording', timeout: 30000 * SLOW, what: 'recording' });
        assert.equal(status.reason, '', `${id}: no reason while recording`);
        assert.ok(!Number.isNaN(Date.parse(status.segment_start)), `${id}: segment_start ${status.segment_start}`);
      }
      // Does the demo camera send sound? What it records must be what it sends.
      cams['rec-demo'].audio = await liveAudio(admin, 'rec-demo');

      // About 14 s: three closed segments of each camera.
      for (const id of Object.keys(cams)) await waitClosedSegments(d, id, 3, { timeout: 45000 * SLOW });

      for (const [id, { audio }] of Object.entries(cams)) {
        // At a cut the next row is written before the previous one is closed:
        // look when exactly one is open.
        const rows = await waitFor(async () => {
          const r = await rowsOf(id);
          return r.filter((x) => x.open).length === 1 ? r : null;
        }, { timeout: 3000 * SLOW, interval: 100, what: `${id}: one segment being written` });
        const closed = closedRows(rows);
        const open = rows.filter((r) => r.open);
        assert.equal(open.length, 1, `${id}: one segment being written: ${JSON.stringify(open)}`);
        assert.ok(closed.length >= 3, `${id}: at least 3 closed segments`);
        for (const r of rows) {
          assert.equal(r.camera_id, id);
          assert.equal(r.stream, 'main', `${id}: records its main stream`);
        }
        for (const r of closed) await assertGoodSegment(dir, r, { audio, tz: TZ });
        // Cut at the first keyframe once segment_seconds have passed; the
        // first segment of a run may be shorter.
        for (const [i, r] of closed.entries()) {
          const ms = r.end_ms - r.start_ms;
          const min = i === 0 ? FRAME_MS : SEGMENT_MS - 2 * FRAME_MS;
          assert.ok(ms >= min && ms <= SEGMENT_MS + GOP_MS + 2 * FRAME_MS,
            `${id}: segment ${r.id} lasts ${ms} ms, want ${min}..${SEGMENT_MS + GOP_MS + 2 * FRAME_MS}`);
        }
        // One run: each segment starts where the previous ended, including the live one.
        assertContiguous(rows, id);
        assert.ok(fs.existsSync(path.join(dir, open[0].path)), `${id}: the live segment's file exists`);
        // recording.segment_start names the open row (read together, again
        // when a cut fell between the two reads).
        let seen = '';
        await waitFor(async () => {
          const cam = (await admin.get(`/api/cameras/${id}`)).json;
          const live = (await rowsOf(id)).find((r) => r.open);
          seen = `segment_start ${cam.recording.segment_start}, open row ${JSON.stringify(live)}`;
          return live && Math.abs(Date.parse(cam.recording.segment_start) - live.start_ms) < 1000;
        }, { timeout: 5000 * SLOW, interval: 100, what: `${id}: recording.segment_start is the live segment's start`,
          describe: () => seen });
      }
    });

  it('GET /api/recordings/segments lists the index rows of a range, oldest first', { timeout: TEST_TIMEOUT }, async () => {
    for (const id of Object.keys(cams)) {
      const before1 = await rowsOf(id);
      const from = before1[0].start_ms - 60000;
      const to = Date.now() + 60000;
      const res = await admin.get(`/api/recordings/segments?${q({ camera: id, from, to })}`);
      assertStatus(res, 200, `segments of ${id}`);
      const after1 = await rowsOf(id);
      assertSchema('/api/recordings/segments', res);
      assert.equal(res.json.camera, id);
      const list = res.json.segments;
      const byId = new Map(after1.map((r) => [r.id, r]));
      for (let i = 1; i < list.length; i++) assert.ok(list[i].start_ms >= list[i - 1].start_ms, 'oldest first');
      for (const s of list) assert.ok(byId.has(s.id), `${id}: segment ${s.id} of the API is in the index`);
      // Closed rows do not change any more: they must be there exactly.
      for (const r of closedRows(before1)) {
        const s = list.find((x) => x.id === r.id);
        assert.ok(s, `${id}: closed segment ${r.id} listed`);
        assert.deepEqual(
          [s.camera, s.stream, s.start_ms, s.end_ms, s.duration_ms, s.bytes, s.codec, s.width, s.height, s.live],
          [id, r.stream, r.start_ms, r.end_ms, r.end_ms - r.start_ms, r.bytes, r.codec, r.width, r.height, false],
          `${id}: segment ${r.id} as the index has it`);
        assertTimestamp(s.start, s.start_ms, `segment ${r.id} start`);
        assertTimestamp(s.end, s.end_ms, `segment ${r.id} end`);
      }
      const live = list.filter((s) => s.live);
      assert.equal(live.length, 1, `${id}: one live segment listed`);
      const openIds = [...before1, ...after1].filter((r) => r.open).map((r) => r.id);
      assert.ok(openIds.includes(live[0].id), `${id}: the live segment ${live[0].id} is the open row (${openIds})`);

      // A range inside the second segment gives that one only; limit=1 the oldest.
      const c = closedRows(before1);
      const one = await admin.get(`/api/recordings/segments?${q({ camera: id, from: c[1].start_ms + 100, to: c[1].end_ms - 100 })}`);
      assertStatus(one, 200);
      assert.deepEqual(one.json.segments.map((s) => s.id), [c[1].id], `${id}: a range inside segment ${c[1].id}`);
      const lim = await admin.get(`/api/recordings/segments?${q({ camera: id, from, to, limit: 1 })}`);
      assertStatus(lim, 200);
      assert.deepEqual(lim.json.segments.map((s) => s.id), [c[0].id], `${id}: limit=1 gives the oldest`);
      // RFC 3339 times, in UTC and with an offset, mean the same instants.
      const iso = (ms) => new Date(ms).toISOString();
      const withOffset = (ms) => new Date(ms + 5 * 3600000 + 45 * 60000).toISOString().replace('Z', '+05:45');
      for (const [f, t] of [[iso(c[1].start_ms + 100), iso(c[1].end_ms - 100)],
        [withOffset(c[1].start_ms + 100), withOffset(c[1].end_ms - 100)]]) {
        const r = await admin.get(`/api/recordings/segments?${q({ camera: id, from: f, to: t })}`);
        assertStatus(r, 200, `from=${f} to=${t}`);
        assert.deepEqual(r.json.segments.map((s) => s.id), [c[1].id], `from=${f} to=${t}`);
      }
    }
  });

  it('GET /api/recordings/days and /timeline describe the same recordings in local days', { timeout: TEST_TIMEOUT }, async () => {
    for (const id of Object.keys(cams)) {
      const rows = await rowsOf(id);
      const days = await admin.get(`/api/recordings/days?${q({ camera: id })}`);
      assertStatus(days, 200, `days of ${id}`);
      assertSchema('/api/recordings/days', days);
      assert.equal(days.json.camera, id);
      const want = [...new Set(rows.map((r) => localDay(r.start_ms, TZ)))].sort();
      assert.deepEqual(days.json.days.map((x) => x.day), want, `${id}: the local days of its segments`);

      const day = localDay(rows[0].start_ms, TZ);
      const res = await admin.get(`/api/recordings/timeline?${q({ camera: id, day })}`);
      const now = Date.now();
      assertStatus(res, 200, `timeline of ${id} ${day}`);
      assertSchema('/api/recordings/timeline', res);
      const tl = res.json;
      assert.equal(tl.camera, id);
      assert.equal(tl.day, day);
      assert.equal(tl.from_ms, dayStartMs(day, TZ), `${day} starts at local midnight (${TZ})`);
      assert.equal(tl.to_ms, dayStartMs(nextDay(day), TZ), `${day} ends at the next local midnight`);
      assertTimestamp(tl.from, tl.from_ms, 'from');
      assertTimestamp(tl.to, tl.to_ms, 'to');
      assert.deepEqual(tl.events, []);
      // One uninterrupted run: one span, from the first segment to the newest
      // fragment of the live one.
      const lastClosed = closedRows(rows).at(-1);
      assert.equal(tl.spans.length, 1, `${id}: one span: ${JSON.stringify(tl.spans)}`);
      const [span] = tl.spans;
      assert.equal(span.start_ms, rows[0].start_ms, 'the span starts with the first segment');
      assert.ok(span.end_ms >= lastClosed.end_ms && span.end_ms <= now + 1000,
        `the span ends in the live segment: ${span.end_ms}, last closed ends ${lastClosed.end_ms}, now ${now}`);
      assert.equal(span.live, true, 'the span ends in the segment being written');
      assertTimestamp(span.start, span.start_ms, 'span start');
      // Gaps: from midnight to the span; none in the future, none over the span.
      assert.ok(tl.gaps.some((g) => g.start_ms === tl.from_ms && g.end_ms === span.start_ms),
        `a gap from ${tl.from_ms} to the span's start: ${JSON.stringify(tl.gaps)}`);
      for (const g of tl.gaps) {
        assert.ok(g.start_ms < g.end_ms && g.start_ms >= tl.from_ms && g.end_ms <= tl.to_ms, `gap inside the day: ${JSON.stringify(g)}`);
        assert.ok(g.end_ms <= span.start_ms || g.start_ms >= span.end_ms, `gap ${JSON.stringify(g)} over the span`);
        assert.ok(g.start_ms <= now + 1000, `gap in the future: ${JSON.stringify(g)}`);
      }
    }
  });

  it('play.mp4 over two segment boundaries: one seekable MP4 of the range, with byte ranges', { timeout: TEST_TIMEOUT }, async () => {
    for (const [id, { audio }] of Object.entries(cams)) {
      const rows = closedRows(await rowsOf(id));
      const from = rows[0].start_ms + 1000;
      const to = rows[2].end_ms - 1000;
      const url = `/api/recordings/play.mp4?${q({ camera: id, from, to })}`;
      const full = await getBytes(d, null, url, { bearer: token });
      assert.equal(full.status, 200, `${url}: ${full.status} ${full.text}`);
      const L = full.body.length;
      assert.match(full.headers.get('content-type'), /^video\/mp4/);
      assert.equal(full.headers.get('accept-ranges'), 'bytes');
      assert.equal(Number(full.headers.get('content-length')), L);
      const xs = Number(full.headers.get('x-recording-start'));
      const xe = Number(full.headers.get('x-recording-end'));
      assert.ok(Number.isInteger(xs) && Number.isInteger(xe), `X-Recording-Start/End: ${xs} ${xe}`);
      // From the keyframe at or before `from`, to just before `to`.
      assert.ok(xs <= from && xs >= from - GOP_MS - FRAME_MS, `${id}: X-Recording-Start ${xs} vs from ${from}`);
      assert.ok(xe <= to + FRAME_MS && xe >= to - 2 * FRAME_MS, `${id}: X-Recording-End ${xe} vs to ${to}`);
      assert.deepEqual(boxes(full.body).map((b) => b.type), ['ftyp', 'moov', 'mdat'], `${id}: a plain MP4, moov first`);

      const p = await probe(d.url + url, { bearer: token });
      const v = videoOf(p);
      assert.equal(v?.codec_name, 'h264');
      assert.equal(v.width, 1280);
      assert.equal(v.height, 720);
      if (audio) assert.equal(audioOf(p)?.codec_name, audio, `${id}: sound in play.mp4`);
      else assert.equal(audioOf(p), undefined);
      const vp = packetsOf(p, v);
      assert.equal(vp[0].flags[0], 'K', 'starts with a keyframe');
      for (let i = 1; i < vp.length; i++) assert.ok(Number(vp[i].dts) > Number(vp[i - 1].dts), `dts increasing at ${i}`);
      const dur = streamDurationMs(p, v);
      assert.ok(Math.abs(dur - (xe - xs)) <= DURATION_TOLERANCE_MS,
        `${id}: video lasts ${dur.toFixed(1)} ms, X-Recording-End - Start = ${xe - xs} ms`);
      // One frame every 40 ms, and as many as the segments hold over [xs, xe).
      assert.ok(Math.abs(vp.length - (xe - xs) / FRAME_MS) <= 1, `${id}: ${vp.length} frames over ${xe - xs} ms`);
      let inSegments = 0;
      for (const r of rows.slice(0, 3)) {
        const sp = await probe(path.join(dir, r.path));
        const times = packetTimes(sp, videoOf(sp));
        inSegments += times.filter((t) => {
          const wall = r.start_ms + (t - times[0]) * 1000;
          return wall >= xs - 1 && wall < xe - 1;
        }).length;
      }
      assert.ok(Math.abs(vp.length - inSegments) <= 1, `${id}: ${vp.length} frames in play.mp4, ${inSegments} in the segments`);

      // Whole file decodes; seeking (ffmpeg asks for byte ranges) lands near the position.
      await assertDecodes(d.url + url, { bearer: token, what: `play.mp4 of ${id}` });
      const seconds = (xe - xs) / 1000;
      for (const pos of [0, seconds / 2, seconds - 1.5]) {
        await assertDecodes(d.url + url, { bearer: token, before: ['-ss', pos.toFixed(2)], after: ['-frames:v', '1'],
          what: `play.mp4 of ${id} at ${pos.toFixed(2)} s` });
        const part = await probe(d.url + url, { bearer: token, extra: ['-read_intervals', `${pos.toFixed(2)}%+1`] });
        const t0 = packetTimes(part, videoOf(part))[0];
        assert.ok(t0 !== undefined && t0 <= pos + 0.05 && t0 >= pos - GOP_MS / 1000 - 0.05,
          `${id}: reading from ${pos.toFixed(2)} s starts at ${t0} s (the keyframe before)`);
      }

      // The same request gives the same bytes (ranges are cut from it).
      const again = await getBytes(d, null, url, { bearer: token });
      assert.ok(again.body.equals(full.body), `${id}: play.mp4 is the same file twice`);

      const mdat = boxes(full.body).find((b) => b.type === 'mdat');
      const header = mdat.start + 8;
      const mid = Math.floor(L / 2);
      const openFrom = Math.max(1, L - 100000);
      const ranges = [
        ['bytes=0-99', 0, 99],
        [`bytes=${header - 50}-${header + 49}`, header - 50, header + 49],
        [`bytes=${mid}-${mid + 65535}`, mid, mid + 65535],
        ['bytes=-500', L - 500, L - 1],
        [`bytes=${openFrom}-`, openFrom, L - 1],
        [`bytes=${L - 10}-${L + 5000}`, L - 10, L - 1],
      ];
      for (const [range, a, b] of ranges) {
        const r = await getBytes(d, null, url, { bearer: token, headers: { Range: range } });
        assert.equal(r.status, 206, `${id} Range ${range}: ${r.status}`);
        assert.equal(r.headers.get('content-range'), `bytes ${a}-${b}/${L}`, `${id} Range ${range}: Content-Range`);
        assert.equal(Number(r.headers.get('content-length')), b - a + 1, `${id} Range ${range}: Content-Length`);
        assert.match(r.headers.get('content-type'), /^video\/mp4/);
        assert.ok(r.body.equals(full.body.subarray(a, b + 1)), `${id} Range ${range}: the same bytes as the whole file`);
      }
      for (const range of [`bytes=${L}-`, `bytes=${L + 1000}-${L + 2000}`]) {
        const r = await getBytes(d, null, url, { bearer: token, headers: { Range: range } });
        assert.equal(r.status, 416, `${id} Range ${range} (file of ${L} bytes): ${r.status}`);
        const cr = r.headers.get('content-range');
        if (cr !== null) assert.equal(cr, `bytes */${L}`, 'Content-Range of a 416');
      }

      // download=1: an attachment named after the camera.
      const dl = await getBytes(d, null, `${url}&download=1`, { bearer: token });
      assert.equal(dl.status, 200);
      const cd = dl.headers.get('content-disposition') ?? '';
      assert.match(cd, /^attachment\s*;/i, `Content-Disposition: ${cd}`);
      assert.match(cd, new RegExp(`filename="?[^"]*${id}[^"]*\\.mp4"?`), `Content-Disposition names the camera: ${cd}`);
      assert.ok(dl.body.equals(full.body), 'the download is the same file');
      assert.equal(full.headers.get('content-disposition'), null, 'no attachment without download=1');
    }
  });

  it('thumbnail.jpg: a JPEG of the requested width near a moment, 404 far from any recording', { timeout: TEST_TIMEOUT }, async () => {
    const id = 'rec-demo';
    const rows = closedRows(await rowsOf(id));
    const at = rows[1].start_ms + 1500;
    for (const [query, size] of [
      [{ at, width: 320 }, { width: 320, height: 180 }],
      [{ at, width: 640 }, { width: 640, height: 360 }],
      [{ at }, { width: 320, height: 180 }],
      [{ at: new Date(at).toISOString() }, { width: 320, height: 180 }],
      // Before the first segment but within 60 s of it: its first keyframe.
      [{ at: rows[0].start_ms - 30000, width: 160 }, { width: 160, height: 90 }],
    ]) {
      const r = await getBytes(d, admin, `/api/recordings/thumbnail.jpg?${q({ camera: id, ...query })}`);
      assert.equal(r.status, 200, `thumbnail ${JSON.stringify(query)}: ${r.status} ${r.text}`);
      assert.match(r.headers.get('content-type'), /^image\/jpeg/);
      assert.equal(r.body.readUInt16BE(0), 0xffd8, 'starts with FFD8');
      assert.deepEqual(jpegSize(r.body), size, `thumbnail ${JSON.stringify(query)}`);
    }
    for (const far of [rows[0].start_ms - 3600000, Date.now() + 3600000]) {
      const r = await admin.get(`/api/recordings/thumbnail.jpg?${q({ camera: id, at: far })}`);
      assertError(r, 404, 'not_found');
    }
  });

  it('DELETE /api/recordings/segments/{id} removes a file and its row; the live segment is 409 live', { timeout: TEST_TIMEOUT }, async () => {
    const id = 'rec-demo';
    const rows = await rowsOf(id);
    const victim = closedRows(rows)[0];
    const file = path.join(dir, victim.path);
    assert.ok(fs.existsSync(file));
    const res = await admin.del(`/api/recordings/segments/${victim.id}`);
    assertStatus(res, 204, `delete segment ${victim.id}`);
    assert.equal(res.text, '', '204 without a body');
    assert.ok(!fs.existsSync(file), `${file} removed`);
    assert.ok(!(await rowsOf(id)).some((r) => r.id === victim.id), 'its row removed');
    const list = await admin.get(`/api/recordings/segments?${q({ camera: id, from: victim.start_ms - 1000, to: Date.now() })}`);
    assertStatus(list, 200);
    assert.ok(!list.json.segments.some((s) => s.id === victim.id), 'no longer listed');
    assertError(await admin.del(`/api/recordings/segments/${victim.id}`), 404, 'not_found');
    const audit = await admin.get('/api/audit?limit=20');
    assertStatus(audit, 200);
    assert.ok(audit.json.some((e) => e.action === 'recording.delete' && e.username === 'admin'),
      `recording.delete audited: ${JSON.stringify(audit.json.slice(0, 5))}`);

    // The live segment, asked while it is young, so that it is still live.
    const live = await waitFor(async () => {
      const open = (await rowsOf(id)).find((r) => r.open);
      return open && Date.now() - open.start_ms < 1500 ? open : null;
    }, { timeout: 20000 * SLOW, interval: 100, what: 'a young live segment' });
    const busy = await admin.del(`/api/recordings/segments/${live.id}`);
    assertError(busy, 409, 'live');
    assert.ok((await rowsOf(id)).some((r) => r.id === live.id), 'the live segment stays');
    assert.ok(fs.existsSync(path.join(dir, live.path)), 'its file stays');
  });

  it('recording off for a while, then on: two spans with a gap, no overlap', { timeout: TEST_TIMEOUT }, async () => {
    const id = 'rec-demo';
    assertStatus(await admin.put(`/api/cameras/${id}`, { record: false }), 200, 'record: false');
    await waitStatus(d, admin, id, (r) => r.state === 'off', { field: 'recording', timeout: 10000 * SLOW, what: 'off' });
    const stopped = await waitFor(async () => {
      const rows = await rowsOf(id);
      return rows.every((r) => !r.open) ? rows : null;
    }, { timeout: 10000 * SLOW, what: 'the live segment closed' });
    const cam = (await admin.get(`/api/cameras/${id}`)).json;
    assert.equal(cam.record, false);
    assert.equal(cam.recording.segment_start, null, 'no segment_start when off');
    // The segment cut by the stop is complete too.
    await assertGoodSegment(dir, stopped.at(-1), { audio: cams[id].audio, tz: TZ });
    const offAt = Date.now();

    await sleep(5000);
    assertStatus(await admin.put(`/api/cameras/${id}`, { record: true }), 200, 'record: true');
    const onAt = Date.now();
    await waitStatus(d, admin, id, (r) => r.state === 'recording', { field: 'recording', timeout: 20000 * SLOW, what: 'recording again' });
    const rows = await waitClosedSegments(d, id, 1, { since: onAt - 500, timeout: 30000 * SLOW });
    const run1 = rows.filter((r) => r.start_ms < offAt);
    const run2 = rows.filter((r) => r.start_ms >= offAt);
    assert.deepEqual(run1.map((r) => r.id), stopped.map((r) => r.id), 'the first run is as it was when stopped');
    assertContiguous(run1, `${id} before the stop`);
    assertContiguous(run2, `${id} after the restart`);
    assertNoOverlap(rows, id);
    const gap = run2[0].start_ms - run1.at(-1).end_ms;
    assert.ok(gap >= 4000 && gap <= 5000 + 10000 * SLOW, `a gap of about 5 s: ${gap} ms`);
    for (const r of closedRows(run2)) await assertGoodSegment(dir, r, { audio: cams[id].audio, tz: TZ });

    const day = localDay(run2[0].start_ms, TZ);
    if (localDay(run1[0].start_ms, TZ) === day) {
      const tl = await admin.get(`/api/recordings/timeline?${q({ camera: id, day })}`);
      assertStatus(tl, 200);
      const { spans, gaps } = tl.json;
      assert.equal(spans.length, 2, `two spans: ${JSON.stringify(spans)}`);
      assert.equal(spans[0].start_ms, run1[0].start_ms);
      assert.equal(spans[0].end_ms, run1.at(-1).end_ms);
      assert.ok(!spans[0].live, 'the first span is not live');
      assert.equal(spans[1].start_ms, run2[0].start_ms);
      assert.equal(spans[1].live, true);
      assert.ok(gaps.some((g) => g.start_ms === spans[0].end_ms && g.end_ms === spans[1].start_ms),
        `the gap between the spans: ${JSON.stringify(gaps)}`);
    }
  });

  it('when nothing records: days, segments and /api/storage add up to the index exactly', { timeout: TEST_TIMEOUT }, async () => {
    for (const id of Object.keys(cams)) assertStatus(await admin.put(`/api/cameras/${id}`, { record: false }), 200);
    for (const id of Object.keys(cams)) {
      await waitStatus(d, admin, id, (r) => r.state === 'off', { field: 'recording', timeout: 10000 * SLOW, what: 'off' });
      await waitFor(async () => (await rowsOf(id)).every((r) => !r.open), { timeout: 10000 * SLOW, what: `${id} closed` });
    }
    const all = await segmentRows(d);
    const storage = await admin.get('/api/storage');
    assertStatus(storage, 200);
    assertSchema('/api/storage', storage);
    const s = storage.json;
    assert.equal(s.retention.segment_seconds, SEGMENT_S);
    assert.equal(s.retention.max_storage_gb, 0);
    assert.equal(s.retention.min_free_percent, 5);
    assert.equal(s.used_bytes, all.reduce((n, r) => n + r.bytes, 0), 'used_bytes: the sum of the index');
    assert.equal(s.oldest_ms, Math.min(...all.map((r) => r.start_ms)));
    assertTimestamp(s.oldest, s.oldest_ms, 'oldest');
    const disk = diskSpace(dir);
    assert.equal(s.total_bytes, disk.total, 'total_bytes of the recordings file system');
    assert.ok(Math.abs(s.free_bytes - disk.free) < 256 << 20, `free_bytes ${s.free_bytes} vs ${disk.free}`);

    for (const id of Object.keys(cams)) {
      const rows = all.filter((r) => r.camera_id === id);
      const entry = s.cameras.find((c) => c.camera === id);
      assert.ok(entry, `${id} in /api/storage: ${JSON.stringify(s.cameras)}`);
      assert.equal(entry.bytes, rows.reduce((n, r) => n + r.bytes, 0));
      assert.equal(entry.segments, rows.length);
      assert.equal(entry.oldest_ms, rows[0].start_ms);
      assert.ok([Math.max(...rows.map((r) => r.end_ms)), rows.at(-1).start_ms].includes(entry.newest_ms),
        `newest_ms ${entry.newest_ms}`);
      assert.equal(entry.retention_days, 0);
      assert.equal(entry.recording.state, 'off');

      const days = await admin.get(`/api/recordings/days?${q({ camera: id })}`);
      assertStatus(days, 200);
      const want = new Map();
      for (const r of rows) {
        const k = localDay(r.start_ms, TZ);
        const w = want.get(k) ?? { day: k, segments: 0, bytes: 0, duration_ms: 0 };
        w.segments += 1;
        w.bytes += r.bytes;
        w.duration_ms += r.end_ms - r.start_ms;
        want.set(k, w);
      }
      assert.deepEqual(days.json.days, [...want.values()].sort((a, b) => a.day.localeCompare(b.day)),
        `${id}: days add up the index`);

      const seg = await admin.get(`/api/recordings/segments?${q({ camera: id, from: rows[0].start_ms, to: Date.now() })}`);
      assertStatus(seg, 200);
      assert.deepEqual(seg.json.segments.map((x) => [x.id, x.bytes, x.live]), rows.map((r) => [r.id, r.bytes, false]));
      for (const r of rows) await assertGoodSegment(dir, r, { audio: cams[id].audio, tz: TZ });
    }
    // Nothing on disk but the indexed files.
    assert.deepEqual(listFiles(dir), all.map((r) => r.path).sort(), 'every file on disk is indexed and the reverse');
  });
});
