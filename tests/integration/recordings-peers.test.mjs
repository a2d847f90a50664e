// Recordings served to clients that misbehave: a player that leaves in the
// middle of play.mp4, one that stops reading for a while (the response must
// wait for it without holding up anyone else, then finish byte for byte), and
// thumbnail requests dropped before their picture is decoded. The daemon
// must stay healthy and keep answering.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { startDaemon } from '../lib/daemon.mjs';
import { adminClient, assertStatus } from '../lib/helpers.mjs';
import { stopDaemonCleanly } from '../lib/camsim.mjs';
import { SLOW, closedRows, recordingConfig, waitClosedSegments } from '../lib/recordings.mjs';

const CAM = 'peer';

/** GET path with the session cookie; resolves {res, req} once headers arrive. */
function open(d, cookie, path) {
  return new Promise((resolve, reject) => {
    const req = http.get(`${d.url}${path}`, { headers: { Cookie: cookie } }, (res) => resolve({ res, req }));
    req.on('error', reject);
  });
}

/** Reads the rest of res into one buffer. */
function readAll(res) {
  return new Promise((resolve, reject) => {
    const parts = [];
    res.on('data', (b) => parts.push(b));
    res.on('end', () => resolve(Buffer.concat(parts)));
    res.on('error', reject);
  });
}

describe('recordings with clients that misbehave', { timeout: 180000 * SLOW }, () => {
  let d;
  let admin;
  let cookie;
  let playPath;

  before(async () => {
    d = await startDaemon({
      config: recordingConfig({ segmentSeconds: 2, cameras: [{ id: CAM, main_url: 'demo:1', record: true }] }),
    });
    admin = await adminClient(d);
    cookie = admin.cookieHeader();
    // About 7 MB: more than loopback's socket buffers hold, so a player that
    // stops reading makes the daemon wait.
    const rows = closedRows(await waitClosedSegments(d, CAM, 12));
    playPath = `/api/recordings/play.mp4?camera=${CAM}&from=${rows[0].start_ms}&to=${rows.at(-1).end_ms}`;
  });
  after(async () => {
    if (d) await stopDaemonCleanly(d);
  });

  it('a player that leaves in the middle of play.mp4 costs nothing', async () => {
    for (let i = 0; i < 5; i++) {
      const { res, req } = await open(d, cookie, playPath);
      assert.equal(res.statusCode, 200);
      await new Promise((resolve) => res.once('data', resolve));
      req.destroy();
    }
    assertStatus(await admin.get('/api/health'), 200, 'healthy after the players left');
    const { res } = await open(d, cookie, playPath);
    const body = await readAll(res);
    assert.equal(body.length, Number(res.headers['content-length']), 'a later play.mp4 is whole');
  });

  it('a player that stops reading is waited for, and gets every byte', async () => {
    const whole = await readAll((await open(d, cookie, playPath)).res);
    const { res } = await open(d, cookie, playPath);
    const parts = [];
    res.on('data', (b) => parts.push(b));
    res.pause();
    // While it reads nothing, the rest of the daemon answers.
    for (let i = 0; i < 5; i++) {
      assertStatus(await admin.get('/api/health'), 200, 'health while a player stalls');
      await sleep(200);
    }
    const ended = new Promise((resolve) => res.on('end', resolve));
    res.resume();
    await ended;
    const body = Buffer.concat(parts);
    assert.equal(body.length, whole.length, 'the stalled player got the whole file');
    assert.ok(body.equals(whole), 'byte for byte the same file');
  });

  it('thumbnail requests dropped before their picture is ready', async () => {
    const rows = closedRows(await waitClosedSegments(d, CAM, 3));
    const reqs = [];
    for (let i = 0; i < 8; i++) {
      const at = rows[0].start_ms + i * 250;
      const req = http.get(`${d.url}/api/recordings/thumbnail.jpg?camera=${CAM}&at=${at}&width=${200 + i}`,
        { headers: { Cookie: cookie } });
      req.on('error', () => {});
      reqs.push(req);
    }
    for (const req of reqs) req.destroy();
    await sleep(500);
    assertStatus(await admin.get('/api/health'), 200, 'healthy after the dropped requests');
    const res = await admin.get(`/api/recordings/thumbnail.jpg?camera=${CAM}&at=${rows[0].start_ms}`);
    assertStatus(res, 200, 'a later thumbnail');
  });
});
