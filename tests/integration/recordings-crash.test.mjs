// The daemon killed (SIGKILL) while two cameras record, at three moments
// spread at random over a segment, and started again each time: the open
// segments are repaired (cut after their last complete fragment, the index
// fixed), every indexed file is whole and decodes, nothing on disk is left
// out of the index, and each kill costs at most the time the daemon was down
// plus about a second and a half.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { startDaemon } from '../lib/daemon.mjs';
import { adminClient } from '../lib/helpers.mjs';
import { assertHealthy, stopDaemonCleanly, waitStatus } from '../lib/camsim.mjs';
import {
  SLOW, assertGoodSegment, assertNoOverlap, closedRows, listFiles, liveAudio, recordingConfig, recordingsDir,
  segmentRows, waitClosedSegments, waitFor,
} from '../lib/recordings.mjs';

const SEGMENT_S = 4;
const SEGMENT_MS = SEGMENT_S * 1000;
const CAMS = ['crash-a', 'crash-b'];
const CONFIG = recordingConfig({
  segmentSeconds: SEGMENT_S,
  intervalS: 2,
  cameras: [
    { id: 'crash-a', main_url: 'demo:1', record: true },
    { id: 'crash-b', main_url: 'demo:2', record: true },
  ],
});
// Beyond the time the daemon is down (from the kill until the restarted one
// answers), at most about one fragment (1 s) is lost before the kill; the
// rest of the allowance is the way to the first frame after the restart.
const LOSS_MS = 1500;

describe('recording through kill -9 and restart', () => {
  let d;
  let admin;
  const kills = []; // {offset, killAt, readyAt}

  before(async () => {
    d = await startDaemon({ config: CONFIG });
    admin = await adminClient(d);
  });
  after(async () => {
    if (d?.running()) await stopDaemonCleanly(d);
  });

  async function waitRecording(since) {
    for (const id of CAMS) {
      await waitStatus(d, admin, id, (r) => r.state === 'recording' && Date.parse(r.segment_start) >= since - 1000,
        { field: 'recording', timeout: 30000 * SLOW, what: `${id} recording` });
    }
  }

  it('kills mid-segment three times; the index and the files agree afterwards', { timeout: 240000 * SLOW }, async (t) => {
    await waitRecording(0);
    const audio = await liveAudio(admin, 'crash-a');
    for (const id of CAMS) await waitClosedSegments(d, id, 1, { timeout: 30000 * SLOW });

    // Three moments within a segment: early, middle and late, each at random
    // in its third, in a random order.
    const offsets = [0, 1, 2].map((k) => Math.round((0.08 + (k + Math.random() * 0.9) * 0.3) * SEGMENT_MS))
      .sort(() => Math.random() - 0.5);
    t.diagnostic(`kill offsets into a segment of crash-a: ${offsets.join(', ')} ms`);
    for (const offset of offsets) {
      // A segment of crash-a that started recently, then the offset into it.
      const live = await waitFor(async () => {
        const open = (await segmentRows(d, 'crash-a')).find((r) => r.open);
        return open && Date.now() - open.start_ms < 500 ? open : null;
      }, { timeout: 20000 * SLOW, interval: 50, what: 'a new segment of crash-a' });
      const wait = live.start_ms + offset - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const killAt = Date.now();
      await d.stop({ signal: 'SIGKILL' });
      await d.restart();
      const readyAt = Date.now();
      kills.push({ offset, killAt, readyAt });
      t.diagnostic(`killed ${offset} ms into segment ${live.id}; the restarted daemon answered after ${readyAt - killAt} ms`);
      await assertHealthy(d, 'after the restart');
      await waitRecording(readyAt);
      // A whole segment after the restart before the next kill.
      for (const id of CAMS) await waitClosedSegments(d, id, 1, { since: readyAt - 2000, timeout: 30000 * SLOW });
    }

    const dir = recordingsDir(d);
    // At a cut the next row is written before the previous one is closed:
    // look when each camera has exactly one open.
    let seen = [];
    const all = await waitFor(async () => {
      seen = await segmentRows(d);
      return CAMS.every((id) => seen.filter((r) => r.camera_id === id && r.open).length === 1) ? seen : null;
    }, {
      timeout: 3000 * SLOW, interval: 100, what: 'no open rows but the segment being written of each camera',
      describe: () => `open rows: ${JSON.stringify(seen.filter((r) => r.open))}`,
    });
    for (const id of CAMS) {
      const rows = all.filter((r) => r.camera_id === id);
      const open = rows.filter((r) => r.open);
      assert.equal(open.length, 1, `${id}: only the new live segment is open: ${JSON.stringify(open)}`);
      assert.ok(open[0].start_ms >= kills.at(-1).killAt, `${id}: the open segment began after the last restart`);
      assertNoOverlap(rows, id);
      // Every closed segment, repaired or not, is whole.
      for (const r of closedRows(rows)) await assertGoodSegment(dir, r, { audio });
      assert.ok(fs.existsSync(path.join(dir, open[0].path)), `${id}: the live segment's file exists`);

      // The loss around each kill: from the end of the last segment before it
      // to the start of the first one after the restart.
      for (const k of kills) {
        const before1 = rows.filter((r) => r.start_ms < k.killAt).at(-1);
        const after1 = rows.find((r) => r.start_ms >= k.killAt);
        assert.ok(before1 && after1, `${id}: segments on both sides of the kill at ${k.killAt}`);
        const lostBefore = k.killAt - before1.end_ms;
        const lostAfter = after1.start_ms - k.readyAt;
        const gap = after1.start_ms - before1.end_ms;
        t.diagnostic(`${id}: kill at +${k.offset} ms: ${lostBefore} ms lost before the kill, down ` +
          `${k.readyAt - k.killAt} ms, first frame ${lostAfter} ms after the restart; gap ${gap} ms`);
        assert.ok(before1.end_ms <= k.killAt + 100, `${id}: the segment cut by the kill ends by the kill (${before1.end_ms} vs ${k.killAt})`);
        assert.ok(gap <= k.readyAt - k.killAt + LOSS_MS,
          `${id}: gap of ${gap} ms around the kill at +${k.offset} ms, allowed ${k.readyAt - k.killAt} ms down + ${LOSS_MS} ms ` +
          `(${lostBefore} ms lost before the kill, first frame ${lostAfter} ms after the restart)`);
      }
    }

    // Nothing on disk outside the index, but possibly the file being written
    // (the newest of its camera).
    const indexed = new Set(all.map((r) => r.path));
    const stray = listFiles(dir).filter((f) => !indexed.has(f));
    for (const f of stray) {
      const cam = f.split('/')[0];
      const newest = listFiles(path.join(dir, cam)).at(-1);
      assert.equal(`${cam}/${newest}`, f, `${f} is on disk but not in the index (and is not the file being written)`);
    }
    assert.ok(stray.length <= CAMS.length, `files outside the index: ${stray}`);
    await stopDaemonCleanly(d);
  });
});
