// Video files as cameras: only from inside streams.media_dir, played in real
// time and looped, so a clip of a few seconds serves as an endless camera.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { startDaemon } from '../lib/daemon.mjs';
import { adminClient, assertError, createCamera, sleep } from '../lib/helpers.mjs';
import { fragments, openMse, stopDaemonCleanly, waitBytes, withTimeout } from '../lib/camsim.mjs';

const CLIP_SECONDS = 2;
const FPS = 25;

describe('file cameras', () => {
  let d;
  let admin;
  let media;
  let outside;

  before(async () => {
    media = await fs.mkdtemp(path.join(os.tmpdir(), 'vigil-media-'));
    outside = await fs.mkdtemp(path.join(os.tmpdir(), 'vigil-outside-'));
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi',
      '-i', `testsrc2=size=320x240:rate=${FPS}:duration=${CLIP_SECONDS}`, '-c:v', 'libx264',
      '-profile:v', 'baseline', '-g', String(FPS), '-pix_fmt', 'yuv420p', path.join(media, 'clip.mp4')]);
    await fs.copyFile(path.join(media, 'clip.mp4'), path.join(outside, 'clip.mp4'));
    await fs.symlink(path.join(outside, 'clip.mp4'), path.join(media, 'escape.mp4'));
    d = await startDaemon({ config: `streams:\n  media_dir: ${media}\n  idle_timeout_s: 2\n` });
    admin = await adminClient(d);
  });

  after(async () => {
    if (d) await stopDaemonCleanly(d);
    await fs.rm(media, { recursive: true, force: true });
    await fs.rm(outside, { recursive: true, force: true });
  });

  it('plays a clip in real time and loops it with time moving forward', async (t) => {
    await createCamera(admin, { id: 'file-cam', name: 'File', main_url: `file://${media}/clip.mp4` });
    const v = openMse(d, admin, 'file-cam');
    t.after(() => v.close());
    assert.equal((await withTimeout(v.headers, 10000, 'MSE headers')).status, 200);
    await waitBytes(v, (x) => x.countFragments(1) >= 5, 5000, 'first frames');
    const start = Date.now();
    const n0 = v.countFragments(1);
    // Past the end of the clip at least once.
    await sleep((CLIP_SECONDS + 1.5) * 1000);
    const rate = ((v.countFragments(1) - n0) * 1000) / (Date.now() - start);
    t.diagnostic(`${rate.toFixed(1)} frames/s from a ${FPS} fps file`);
    assert.ok(rate > FPS * 0.7 && rate < FPS * 1.3, `real-time pace, not as fast as the disk: ${rate}`);
    const video = fragments(v.bytes()).filter((f) => f.track === 1);
    assert.ok(video.length > CLIP_SECONDS * FPS, `more frames than the clip has: ${video.length}`);
    for (let i = 1; i < video.length; i++) {
      assert.ok(video[i].tfdt > video[i - 1].tfdt, `decode time moves forward at fragment ${i}, across the loop`);
    }
    const cam = (await admin.get('/api/cameras/file-cam')).json;
    assert.equal(cam.status.state, 'online');
  });

  it('refuses files outside the media directory, through .. or a symbolic link', async () => {
    for (const url of [`file://${outside}/clip.mp4`, `file://${media}/../${path.basename(outside)}/clip.mp4`,
      `file://${media}/escape.mp4`, 'file:///etc/passwd']) {
      const res = await admin.post('/api/cameras', { id: 'bad-file', name: 'Bad', main_url: url });
      assertError(res, 400, 'bad_request');
      assert.match(res.json.message ?? res.json.error?.message ?? JSON.stringify(res.json), /media_dir|no such file/);
    }
    const probe = await admin.post('/api/cameras/probe', { url: `file://${outside}/clip.mp4` });
    assertError(probe, 400, 'bad_request');
  });

  it('tests a file with the connection test', async () => {
    const res = await admin.post('/api/cameras/probe', { url: `file://${media}/clip.mp4` });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal(res.json.ok, true, JSON.stringify(res.json));
    assert.equal(res.json.video.codec, 'h264');
    assert.equal(res.json.video.width, 320);
  });
});

describe('file cameras without a media directory', () => {
  it('are refused with the setting to change', async () => {
    const d = await startDaemon();
    try {
      const admin = await adminClient(d);
      const res = await admin.post('/api/cameras', { id: 'f', name: 'F', main_url: 'file:///tmp/x.mp4' });
      assertError(res, 400, 'bad_request');
      assert.match(JSON.stringify(res.json), /streams\.media_dir/);
    } finally {
      await stopDaemonCleanly(d);
    }
  });
});
