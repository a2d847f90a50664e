// Ingest from a real RTSP camera (tests/sim/camsim on gst-rtsp-server) through
// libavformat into the hub, out as fMP4 over GET /api/streams/{id}/mse: codecs,
// what ffprobe reads from the bytes, the status the API shows, one upstream
// session for many viewers, the idle stop and the restart on demand, and a
// camera edit while somebody watches.
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { makeTempDir, startDaemon } from '../lib/daemon.mjs';
import { adminClient, assertStatus, createCamera, sleep } from '../lib/helpers.mjs';
import {
  assertFragmentsOfKnownTracks, assertHealthy, boxes, ffprobeFile, openMse, startCamsim, stopDaemonCleanly,
  waitBytes, waitStatus, withTimeout,
} from '../lib/camsim.mjs';

const CONFIG = 'streams:\n  idle_timeout_s: 2\n  stall_timeout_s: 3\n  io_timeout_s: 3\n';
const IDLE_TIMEOUT_MS = 2000;
// From the request to the response headers: RTSP setup, then the first keyframe
// (GOP 2 s); more under the sanitizers.
const FIRST_FRAME_MS = 15000;

// Opens an MSE viewer and waits for a 200 with the headers and one fragment.
async function watch(t, d, client, streamId) {
  const v = openMse(d, client, streamId);
  t.after(() => v.close());
  const h = await withTimeout(v.headers, FIRST_FRAME_MS + 2000, `MSE headers of ${streamId}`);
  assert.equal(h.status, 200, `MSE ${streamId}: status ${h.status} ${h.error ?? ''}; daemon log:\n${d.stderr().slice(-2000)}`);
  await waitBytes(v, (x) => x.countFragments(1) >= 1, 10000, `first video fragment of ${streamId}`);
  return v;
}

// The codecs parameter of a Content-Type, as a list.
function codecsOf(contentType) {
  const m = contentType.match(/codecs="([^"]*)"/);
  assert.ok(m, `Content-Type names its codecs: ${contentType}`);
  return m[1].split(',').map((s) => s.trim());
}

async function probeBytes(dir, name, bytes) {
  const file = path.join(dir, name);
  await fsp.writeFile(file, bytes);
  return ffprobeFile(file);
}

describe('ingest from an RTSP camera, served over MSE', () => {
  let d;
  let admin;
  let sim;
  let tmp;

  before(async () => {
    [d, sim, tmp] = await Promise.all([startDaemon({ config: CONFIG }), startCamsim(), makeTempDir('vigil-ingest-')]);
    admin = await adminClient(d);
  });

  after(async () => {
    await sim?.stop();
    if (d) await stopDaemonCleanly(d);
  });

  it('serves an RTSP H.264+AAC camera as fMP4 that ffprobe reads, with the camera online at 25 fps', async (t) => {
    await createCamera(admin, { id: 'mse-h264', name: 'MSE H264', main_url: sim.url('/h264') });
    const v = await watch(t, d, admin, 'mse-h264');
    const codecs = codecsOf(v.contentType);
    assert.match(v.contentType, /^video\/mp4;/);
    assert.ok(codecs.some((c) => c.startsWith('avc1.')), `avc1 in ${v.contentType}`);
    assert.ok(codecs.some((c) => c.startsWith('mp4a.')), `mp4a in ${v.contentType}`);

    await sleep(4000); // the recording: ~4 s of the live body
    // The status while the viewer watches.
    const { status } = await waitStatus(d, admin, 'mse-h264',
      (s) => s.state === 'online' && Math.abs(s.fps - 25) <= 3 && s.bitrate > 0, { timeout: 6000, what: 'online at ~25 fps' });
    assert.equal(status.width, 1280);
    assert.equal(status.height, 720);
    assert.equal(status.codec, 'h264');
    assert.equal(status.reason, '');
    assert.equal(status.consumers, 1);
    assert.ok(status.last_frame_at, 'last_frame_at is set');
    assert.ok(Math.abs(Date.parse(status.last_frame_at) - Date.now()) < 5000, `last_frame_at recent: ${status.last_frame_at}`);
    v.close();

    const bytes = v.bytes();
    const top = boxes(bytes).map((b) => b.type);
    assert.deepEqual(top.slice(0, 2), ['ftyp', 'moov'], 'the body starts with the init segment');
    assertFragmentsOfKnownTracks(bytes, 'H.264+AAC');
    const { streams, packets } = await probeBytes(tmp, 'h264.mp4', bytes);
    const video = streams.find((s) => s.codec_type === 'video');
    const audio = streams.find((s) => s.codec_type === 'audio');
    assert.ok(video, `a video stream: ${JSON.stringify(streams)}`);
    assert.equal(video.codec_name, 'h264');
    assert.equal(video.width, 1280);
    assert.equal(video.height, 720);
    assert.ok(audio, `an audio stream: ${JSON.stringify(streams)}`);
    assert.equal(audio.codec_name, 'aac');
    assert.equal(Number(audio.sample_rate), 16000);

    const vpk = packets.filter((p) => p.stream_index === video.index);
    assert.ok(vpk.length >= 60, `at least 60 video packets in ~4 s, got ${vpk.length}`);
    for (let i = 1; i < vpk.length; i++) {
      assert.ok(Number(vpk[i].dts) > Number(vpk[i - 1].dts),
        `video dts strictly increasing: packet ${i} dts ${vpk[i].dts} after ${vpk[i - 1].dts}`);
    }
    assert.equal(vpk[0].flags[0], 'K', 'the first video packet is a keyframe');
    const apk = packets.filter((p) => p.stream_index === audio.index);
    assert.ok(apk.length > 0, 'audio packets');
  });

  it('serves five concurrent viewers of a camera from one upstream session', async (t) => {
    // A camera of its own, so that the upstream sessions it counts are only ours.
    const own = await startCamsim();
    t.after(() => own.stop());
    await createCamera(admin, { id: 'mse-fanout', name: 'Fan-out', main_url: own.url('/h264') });
    const viewers = Array.from({ length: 5 }, () => openMse(d, admin, 'mse-fanout'));
    t.after(() => viewers.forEach((v) => v.close()));
    const heads = await withTimeout(Promise.all(viewers.map((v) => v.headers)), FIRST_FRAME_MS + 2000, 'five MSE headers');
    for (const h of heads) assert.equal(h.status, 200);
    assert.equal(new Set(heads.map((h) => h.contentType)).size, 1, 'one Content-Type for all');
    await Promise.all(viewers.map((v, i) =>
      waitBytes(v, (x) => x.countFragments(1) >= 25, 10000, `viewer ${i} gets a second of fragments`)));
    const { status } = await waitStatus(d, admin, 'mse-fanout', (s) => s.state === 'online' && s.consumers === 5,
      { timeout: 5000, what: 'online with 5 consumers' });
    assert.equal(status.consumers, 5);
    assert.equal(own.count('media-configure', '/h264'), 1, `one upstream pipeline; camsim said:\n${own.lines.join('\n')}`);
    assert.equal(own.count('client-connected'), 1, `one RTSP client; camsim said:\n${own.lines.join('\n')}`);
  });

  it('stops an unwatched stream after the idle timeout and starts it again on the next request', async (t) => {
    const mount = '/h264-sub'; // used by no other test of this camsim
    await createCamera(admin, { id: 'mse-idle', name: 'Idle', main_url: sim.url(mount) });
    const mark = sim.mark();
    const v1 = await watch(t, d, admin, 'mse-idle');
    const v2 = await watch(t, d, admin, 'mse-idle');
    await waitStatus(d, admin, 'mse-idle', (s) => s.state === 'online' && s.consumers === 2, { timeout: 5000, what: 'online, 2 consumers' });
    assert.equal(sim.count('media-configure', mount, mark), 1);

    const leftAt = sim.mark();
    v1.close();
    v2.close();
    const { status, ms } = await waitStatus(d, admin, 'mse-idle', (s) => s.state === 'idle',
      { timeout: IDLE_TIMEOUT_MS + 2000, what: 'idle after the viewers left' });
    t.diagnostic(`idle ${ms} ms after the last viewer left`);
    assert.equal(status.consumers, 0);
    // The upstream session ended: camsim saw the pipeline go or the client leave.
    await Promise.any([
      sim.waitFor('media-unprepared', mount, { since: leftAt, timeout: 3000 }),
      sim.waitFor('client-disconnected', undefined, { since: leftAt, timeout: 3000 }),
    ]).catch(() => assert.fail(`camsim saw no end of the session; it said:\n${sim.lines.slice(leftAt).join('\n')}`));

    // A new request starts it again, and frames flow.
    const again = sim.mark();
    const v3 = await watch(t, d, admin, 'mse-idle');
    await waitBytes(v3, (x) => x.countFragments(1) >= 30, 10000, 'fragments after the restart');
    await waitStatus(d, admin, 'mse-idle', (s) => s.state === 'online' && s.consumers === 1, { timeout: 5000, what: 'online again' });
    assert.equal(sim.count('media-configure', mount, again), 1, 'a new upstream session');
  });

  it('serves an H.265 camera with hvc1 in the Content-Type and HEVC that ffprobe reads', async (t) => {
    await createCamera(admin, { id: 'mse-h265', name: 'MSE H265', main_url: sim.url('/h265') });
    const v = await watch(t, d, admin, 'mse-h265');
    const codecs = codecsOf(v.contentType);
    assert.ok(codecs.some((c) => c.startsWith('hvc1.')), `hvc1 in ${v.contentType}`);
    assert.ok(codecs.some((c) => c.startsWith('mp4a.')), `mp4a in ${v.contentType}`);
    await waitBytes(v, (x) => x.countFragments(1) >= 40, 10000, 'H.265 video fragments');
    const { status } = await waitStatus(d, admin, 'mse-h265', (s) => s.state === 'online', { timeout: 5000, what: 'online' });
    assert.equal(status.codec, 'h265');
    assert.equal(status.width, 1280);
    assert.equal(status.height, 720);
    v.close();
    assertFragmentsOfKnownTracks(v.bytes(), 'H.265+AAC');
    const { streams, packets } = await probeBytes(tmp, 'h265.mp4', v.bytes());
    const video = streams.find((s) => s.codec_type === 'video');
    assert.ok(video, `a video stream: ${JSON.stringify(streams)}`);
    assert.equal(video.codec_name, 'hevc');
    assert.equal(video.width, 1280);
    assert.equal(video.height, 720);
    assert.equal(streams.find((s) => s.codec_type === 'audio')?.codec_name, 'aac');
    assert.ok(packets.filter((p) => p.stream_index === video.index).length >= 30);
  });

  it('serves an H.264+PCMA camera as video only, without an error', async (t) => {
    await createCamera(admin, { id: 'mse-pcma', name: 'MSE PCMA', main_url: sim.url('/h264-pcma') });
    const v = await watch(t, d, admin, 'mse-pcma');
    const codecs = codecsOf(v.contentType);
    assert.equal(codecs.length, 1, `video only: ${v.contentType}`);
    assert.match(codecs[0], /^avc1\./);
    await waitBytes(v, (x) => x.countFragments(1) >= 40, 10000, 'video fragments');
    const { status } = await waitStatus(d, admin, 'mse-pcma', (s) => s.state === 'online', { timeout: 5000, what: 'online' });
    assert.equal(status.reason, '');
    v.close();
    // PCMA has no place in a browser's MP4: the init segment declares video
    // only, so no fragment may carry the audio either.
    assertFragmentsOfKnownTracks(v.bytes(), 'H.264+PCMA');
    const { streams } = await probeBytes(tmp, 'pcma.mp4', v.bytes());
    assert.deepEqual(streams.map((s) => [s.codec_type, s.codec_name]), [['video', 'h264']]);
  });

  it('restarts the stream when the camera URL changes while a viewer watches', async (t) => {
    await createCamera(admin, { id: 'mse-edit', name: 'Edit', main_url: sim.url('/h264') });
    const v1 = await watch(t, d, admin, 'mse-edit');
    assert.ok(codecsOf(v1.contentType).some((c) => c.startsWith('mp4a.')));
    await waitStatus(d, admin, 'mse-edit', (s) => s.state === 'online' && s.width === 1280, { timeout: 5000, what: 'online at 720p' });

    const mark = sim.mark();
    assertStatus(await admin.put('/api/cameras/mse-edit', { main_url: sim.url('/video-only') }), 200, 'edit main_url');
    await sim.waitFor('media-configure', '/video-only', { since: mark, timeout: 10000 });
    // Another codec setup (no audio, another profile): the response ends and the
    // page reconnects, getting the new Content-Type.
    await withTimeout(v1.ended, 10000, 'the old MSE response ends on the codec change');
    const v2 = await watch(t, d, admin, 'mse-edit');
    const codecs = codecsOf(v2.contentType);
    assert.notEqual(v2.contentType, v1.contentType);
    assert.equal(codecs.length, 1, `video only now: ${v2.contentType}`);
    assert.match(codecs[0], /^avc1\./);
    await waitStatus(d, admin, 'mse-edit', (s) => s.state === 'online' && s.width === 640 && s.height === 360,
      { timeout: 5000, what: 'online at 640x360' });
    await assertHealthy(d, 'after the edit');
  });
});
