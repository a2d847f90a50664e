// Retention: a total size limit deletes the oldest segments first and never
// the live one; a camera's retention_days deletes what is older; a full disk
// puts the camera in "recording error" without harm and recording resumes
// once there is room; low free space (min_free_percent) deletes the oldest.
// The disk tests mount a small tmpfs and so need root.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';

import { startDaemon } from '../lib/daemon.mjs';
import { adminClient, assertStatus, sleep } from '../lib/helpers.mjs';
import { assertHealthy, stopDaemonCleanly, waitStatus } from '../lib/camsim.mjs';
import {
  GOP_MS, SLOW, assertGoodSegment, closedRows, diskSpace, fillDisk, insertSegmentRow, liveAudio, localDay, localHms,
  mountTmpfs, recordingConfig, recordingsDir, segmentRows, waitClosedSegments, waitFor,
} from '../lib/recordings.mjs';

const TEST_TIMEOUT = 150000 * SLOW;
// How long retention is watched at work: the cameras write in real time, the
// sanitized daemon only answers more slowly.
const WATCH_MS = 28000 + (SLOW - 1) * 4000;

const demoCameras = (prefix, n, extra = {}) =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${i + 1}`, main_url: `demo:${i + 1}`, record: true, ...extra }));

/**
 * Watches the index every 400 ms for ms, checking after each look that the
 * rows deleted since the previous look were the oldest (of their camera, and
 * about the oldest of all), were closed, and that their files are gone.
 * check(rows) adds the checks of the caller. Resolves {deleted, maxBytes}.
 */
async function watchRetention(d, dir, ms, check) {
  const seen = new Map(); // id → row as last seen
  const deleted = [];
  let maxBytes = 0;
  let earliest = 0;
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    const rows = await segmentRows(d);
    const now = new Map(rows.map((r) => [r.id, r]));
    const gone = [...seen.values()].filter((r) => !now.has(r.id));
    for (const r of gone) {
      assert.equal(r.open, 0, `segment ${r.id} was deleted while it was being written: ${JSON.stringify(r)}`);
      const left = rows.filter((x) => x.camera_id === r.camera_id);
      assert.ok(left.every((x) => x.start_ms > r.start_ms),
        `segment ${r.id} of ${r.camera_id} (start ${r.start_ms}) deleted before older ones: ` +
        `${JSON.stringify(left.filter((x) => x.start_ms <= r.start_ms).map((x) => [x.id, x.start_ms]))}`);
      const oldestLeft = Math.min(...closedRows(rows).map((x) => x.start_ms));
      assert.ok(r.start_ms <= oldestLeft + GOP_MS, `segment ${r.id} (start ${r.start_ms}) deleted while an older one of ` +
        `another camera stays (${oldestLeft})`);
      seen.delete(r.id);
      deleted.push(r);
    }
    // A deleted segment's file goes with it (given a moment to be unlinked).
    for (const r of gone) {
      const file = path.join(dir, r.path);
      if (fs.existsSync(file)) await sleep(1000);
      assert.ok(!fs.existsSync(file), `the file of deleted segment ${r.id} is gone: ${file}`);
    }
    for (const r of rows) {
      seen.set(r.id, r);
      if (!r.open) maxBytes = Math.max(maxBytes, r.bytes);
    }
    if (rows.length) {
      const first = rows[0].start_ms;
      assert.ok(first >= earliest, `the earliest start never goes back: ${first} after ${earliest}`);
      earliest = first;
    }
    await check(rows, maxBytes);
    await sleep(400);
  }
  return { deleted, maxBytes };
}

describe('retention', () => {
  it('max_storage_gb: closed segments stay under the limit (+ one segment a camera), oldest deleted first, never the live one',
    { timeout: TEST_TIMEOUT }, async (t) => {
      const LIMIT = 4000000; // max_storage_gb: 0.004
      const cams = demoCameras('size', 2);
      const d = await startDaemon({
        config: recordingConfig({ segmentSeconds: 2, intervalS: 1, maxStorageGb: '0.004', cameras: cams }),
      });
      t.after(() => (d.running() ? stopDaemonCleanly(d) : null));
      const admin = await adminClient(d);
      const dir = recordingsDir(d);
      for (const c of cams) await waitClosedSegments(d, c.id, 1, { timeout: 30000 * SLOW });

      // Two demo cameras write about 0.6 MB/s together: the limit is reached
      // within seconds and retention then deletes every second or two.
      // Retention runs once a second; in between, each camera may close one
      // more segment (the demo cameras cut at the same moments).
      let peak = 0;
      const { deleted, maxBytes } = await watchRetention(d, dir, WATCH_MS, async (rows, max) => {
        const closed = closedRows(rows).reduce((n, r) => n + r.bytes, 0);
        peak = Math.max(peak, closed);
        assert.ok(closed <= LIMIT + cams.length * max,
          `closed segments hold ${closed} bytes, over ${LIMIT} + one segment per camera (${cams.length} x ${max})`);
      });
      t.diagnostic(`${deleted.length} segments deleted; at most ${peak} bytes in closed segments; largest segment ${maxBytes} bytes`);
      assert.ok(deleted.length >= 4, `retention deleted segments (${deleted.length})`);

      const storage = await admin.get('/api/storage');
      assertStatus(storage, 200);
      // The closed segments (as above) and the live ones.
      assert.ok(storage.json.used_bytes <= LIMIT + 2 * cams.length * maxBytes, `used_bytes ${storage.json.used_bytes}`);
      const audio = {};
      for (const c of cams) {
        assert.ok((await segmentRows(d, c.id)).some((r) => r.open), `${c.id} still records`);
        audio[c.id] = await liveAudio(admin, c.id);
      }
      // What is left is whole (checked once stopped, so that retention does
      // not delete a file while it is read).
      await stopDaemonCleanly(d);
      for (const r of await segmentRows(d)) await assertGoodSegment(dir, r, { audio: audio[r.camera_id] });
    });

  it('retention_days of a camera deletes its older segments, and only those', { timeout: TEST_TIMEOUT }, async (t) => {
    const cams = [
      { id: 'age-a', main_url: 'demo:1', record: true, retention_days: 1 },
      { id: 'age-b', main_url: 'demo:2', record: true },
    ];
    const d = await startDaemon({ config: recordingConfig({ segmentSeconds: 2, intervalS: 1, maxAgeDays: 0, cameras: cams }) });
    t.after(() => (d.running() ? stopDaemonCleanly(d) : null));
    let admin = await adminClient(d);
    const dir = recordingsDir(d);
    for (const c of cams) await waitClosedSegments(d, c.id, 2, { timeout: 30000 * SLOW });
    const cam = (await admin.get('/api/cameras/age-a')).json;
    assert.equal(cam.retention_days, 1);
    await stopDaemonCleanly(d);

    // Copies of a real segment, dated in the past, planted while the daemon is down.
    const fresh = await segmentRows(d);
    assert.ok(fresh.every((r) => !r.open), 'a clean stop closes every segment');
    const src = closedRows(fresh).find((r) => r.camera_id === 'age-a');
    const now = Date.now();
    const plant = async (camera, ageMs) => {
      const start = now - ageMs;
      const rel = `${camera}/${localDay(start)}/${localHms(start)}.mp4`;
      await fsp.mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
      await fsp.copyFile(path.join(dir, src.path), path.join(dir, rel));
      const row = { ...src, camera_id: camera, start_ms: start, end_ms: start + (src.end_ms - src.start_ms), path: rel, open: 0 };
      row.id = await insertSegmentRow(d, row);
      return row;
    };
    const DAY = 86400000;
    const oldA = await plant('age-a', 3 * DAY);
    const halfDayA = await plant('age-a', DAY / 2);
    const oldB = await plant('age-b', 3 * DAY);

    await d.restart();
    admin = await adminClient(d);
    await waitFor(async () => !(await segmentRows(d)).some((r) => r.id === oldA.id),
      { timeout: 15000 * SLOW, what: `the 3-day-old segment of age-a (retention_days 1) deleted` });
    await sleep(1500); // another pass, in case it would take more
    const rows = await segmentRows(d);
    const ids = new Set(rows.map((r) => r.id));
    assert.ok(!fs.existsSync(path.join(dir, oldA.path)), 'its file is gone');
    for (const r of [halfDayA, oldB, ...fresh]) {
      assert.ok(ids.has(r.id), `segment ${r.id} (${r.path}) kept`);
      assert.ok(fs.existsSync(path.join(dir, r.path)), `${r.path} kept`);
    }
    const storage = await admin.get('/api/storage');
    assertStatus(storage, 200);
    assert.equal(storage.json.cameras.find((c) => c.camera === 'age-a')?.retention_days, 1);
    assert.equal(storage.json.cameras.find((c) => c.camera === 'age-b')?.oldest_ms, oldB.start_ms);
  });

  it('a full disk: "recording error" naming the lack of space, the daemon serving, recording resuming when room is made',
    { timeout: TEST_TIMEOUT }, async (t) => {
      // 12 MiB hold some 40 s of a demo camera: the disk is full only when
      // the filler makes it so.
      const fsx = await mountTmpfs(12);
      if (fsx.skip) {
        t.skip(fsx.skip);
        return;
      }
      let d;
      try {
        const dir = path.join(fsx.dir, 'recordings');
        d = await startDaemon({
          config: recordingConfig({
            segmentSeconds: 2, intervalS: 1, maxStorageGb: 0, minFreePercent: 0, recordingsDir: dir,
            cameras: [{ id: 'full-a', main_url: 'demo:1', record: true }],
          }),
        });
        const admin = await adminClient(d);
        const audio = await liveAudio(admin, 'full-a');
        await waitClosedSegments(d, 'full-a', 1, { timeout: 30000 * SLOW });

        const filler = path.join(fsx.dir, 'filler.bin');
        const size = await fillDisk(filler);
        t.diagnostic(`filler of ${size} bytes; ${diskSpace(fsx.dir).free} bytes left`);
        const { status } = await waitStatus(d, admin, 'full-a', (r) => r.state === 'recording error',
          { field: 'recording', timeout: 20000 * SLOW, what: 'recording error' });
        assert.match(status.reason, /space|full|ENOSPC/i, `the reason says the disk is full: ${status.reason}`);
        await assertHealthy(d, 'with a full disk');
        assertStatus(await admin.get('/api/recordings/days?camera=full-a'), 200, 'the API serves');
        const logLine = d.stderr().split('\n').find((l) => l.includes('full-a') && /space|full|ENOSPC/i.test(l));
        assert.ok(logLine, `the log names the camera and the lack of space:\n${d.stderr().slice(-3000)}`);
        await sleep(3000); // a few retries against the full disk
        await assertHealthy(d, 'after retries on a full disk');

        await fsp.unlink(filler);
        const freedAt = Date.now();
        await waitStatus(d, admin, 'full-a', (r) => r.state === 'recording',
          { field: 'recording', timeout: 30000 * SLOW, what: 'recording again' });
        const rows = await waitClosedSegments(d, 'full-a', 1, { since: freedAt, timeout: 30000 * SLOW });
        for (const r of closedRows(rows)) await assertGoodSegment(dir, r, { audio });
        assert.ok(rows.filter((r) => r.open).length <= 1, 'one segment being written');
        await stopDaemonCleanly(d);
      } finally {
        if (d?.running()) await d.stop({ signal: 'SIGKILL' });
        await fsx.unmount();
      }
    });

  it('min_free_percent: the oldest segments are deleted to keep that much free while recording goes on',
    { timeout: TEST_TIMEOUT }, async (t) => {
      const fsx = await mountTmpfs(12);
      if (fsx.skip) {
        t.skip(fsx.skip);
        return;
      }
      let d;
      try {
        const dir = path.join(fsx.dir, 'recordings');
        const cams = demoCameras('free', 2);
        d = await startDaemon({
          config: recordingConfig({
            segmentSeconds: 2, intervalS: 1, maxStorageGb: 0, minFreePercent: 50, recordingsDir: dir, cameras: cams,
          }),
        });
        const admin = await adminClient(d);
        for (const c of cams) await waitClosedSegments(d, c.id, 1, { timeout: 30000 * SLOW });
        const { total } = diskSpace(fsx.dir);
        let lowest = total;
        // 12 MiB at about 0.6 MB/s: half of it is used after about 10 s.
        const { deleted, maxBytes } = await watchRetention(d, dir, WATCH_MS, async (rows, max) => {
          const { free } = diskSpace(fsx.dir);
          lowest = Math.min(lowest, free);
          // Retention runs every second and when space runs low: in between,
          // each camera writes less than a segment.
          const slack = cams.length * Math.max(max, 1);
          assert.ok(free >= total / 2 - slack,
            `${free} of ${total} bytes free, under 50 % by more than ${slack} (a segment per camera)`);
        });
        t.diagnostic(`${deleted.length} segments deleted; lowest free ${lowest} of ${total}; largest segment ${maxBytes}`);
        assert.ok(deleted.length >= 3, `retention deleted segments to keep space free (${deleted.length})`);
        const audio = {};
        for (const c of cams) {
          await waitStatus(d, admin, c.id, (r) => r.state === 'recording', { field: 'recording', timeout: 5000, what: 'still recording' });
          const rows = await segmentRows(d, c.id);
          assert.ok(rows.at(-1).start_ms > Date.now() - 10000 * SLOW, `${c.id}: new segments keep coming`);
          audio[c.id] = await liveAudio(admin, c.id);
        }
        const storage = await admin.get('/api/storage');
        assertStatus(storage, 200);
        assert.equal(storage.json.total_bytes, total, 'total_bytes is the size of the file system holding the recordings');
        await stopDaemonCleanly(d);
        for (const r of await segmentRows(d)) await assertGoodSegment(dir, r, { audio: audio[r.camera_id] });
      } finally {
        if (d?.running()) await d.stop({ signal: 'SIGKILL' });
        await fsx.unmount();
      }
    });
});
