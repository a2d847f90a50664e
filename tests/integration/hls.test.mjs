// LL-HLS against the demo camera: GET /api/streams/{id}/hls/index.m3u8 and the
// resources it names, read by us, by ffprobe and by ffmpeg's HLS demuxer.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';

import { Client, startDaemon } from '../lib/daemon.mjs';
import { adminClient, assertError, assertStatus, createUser, loginAs, uniq } from '../lib/helpers.mjs';

const CAM = 'demo-1';
const BASE = `/api/streams/${CAM}/hls`;
// The demo clip is encoded on first use into the state directory (seconds,
// more under the sanitizers), then the first segment takes a GOP (2 s).
const FIRST_PLAYLIST_MS = 60000;

// GET with the client's session; the body as bytes.
async function get(d, client, p, { timeout = 20000 } = {}) {
  const headers = client ? { Cookie: client.cookieHeader() } : {};
  const t0 = Date.now();
  const res = await fetch(d.url + p, { headers, signal: AbortSignal.timeout(timeout) });
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body, text: body.toString('utf8'), ms: Date.now() - t0 };
}

function run(cmd, args, timeout = 60000) {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'utf8', timeout, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (err.code ?? err.signal) : 0, stdout, stderr });
    });
  });
}

// The playlist as {tags: [lines], segments: [{msn, uri, parts: [{uri, independent, duration}]}], hint}.
function parsePlaylist(text) {
  const lines = text.split('\n').filter(Boolean);
  const msn0 = Number(lines.find((l) => l.startsWith('#EXT-X-MEDIA-SEQUENCE:')).split(':')[1]);
  const segments = [];
  let parts = [];
  let hint = null;
  for (const l of lines) {
    if (l.startsWith('#EXT-X-PART:')) {
      parts.push({
        uri: l.match(/URI="([^"]+)"/)[1],
        independent: l.includes('INDEPENDENT=YES'),
        duration: Number(l.match(/DURATION=([0-9.]+)/)[1]),
      });
    } else if (l.startsWith('#EXT-X-PRELOAD-HINT:')) {
      hint = l.match(/URI="([^"]+)"/)[1];
    } else if (!l.startsWith('#')) {
      segments.push({ msn: msn0 + segments.length, uri: l, parts });
      parts = [];
    }
  }
  return { lines, segments, openParts: parts, hint };
}

const partOf = (uri) => uri.match(/^part-(\d+)-(\d+)\.mp4$/).slice(1).map(Number);

function assertFragments(buf, what) {
  assert.ok(buf.length > 16, `${what} has bytes`);
  assert.equal(buf.subarray(4, 8).toString('latin1'), 'moof', `${what} starts with a moof`);
}

describe('LL-HLS', () => {
  let d;
  let admin;

  before(async () => {
    d = await startDaemon({ args: ['--demo', '1'] });
    admin = await adminClient(d);
  });
  after(() => d?.stop());

  it('index.m3u8 is an LL-HLS media playlist once a segment is complete', async () => {
    const res = await get(d, admin, `${BASE}/index.m3u8`, { timeout: FIRST_PLAYLIST_MS });
    assertStatus(res, 200, 'playlist');
    assert.match(res.headers.get('content-type'), /^application\/vnd\.apple\.mpegurl/);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const t = res.text;
    assert.ok(t.startsWith('#EXTM3U\n#EXT-X-VERSION:9\n'), t);
    assert.match(t, /^#EXT-X-TARGETDURATION:[1-9]\d*$/m);
    assert.match(t, /^#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=\d+\.\d{3}$/m);
    assert.match(t, /^#EXT-X-PART-INF:PART-TARGET=0\.\d{3}$/m);
    assert.match(t, /^#EXT-X-MEDIA-SEQUENCE:\d+$/m);
    assert.match(t, /^#EXT-X-MAP:URI="init\.mp4"$/m);
    assert.match(t, /^#EXTINF:\d+\.\d{3},\nseg-\d+\.mp4$/m);
    assert.match(t, /^#EXT-X-PART:DURATION=\d+\.\d{3},URI="part-\d+-0\.mp4",INDEPENDENT=YES$/m);
    assert.match(t, /^#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part-\d+-\d+\.mp4"$/m);

    const pl = parsePlaylist(t);
    const target = Number(t.match(/TARGETDURATION:(\d+)/)[1]);
    const partTarget = Number(t.match(/PART-TARGET=([0-9.]+)/)[1]);
    const holdBack = Number(t.match(/PART-HOLD-BACK=([0-9.]+)/)[1]);
    assert.ok(holdBack >= 2 * partTarget, 'PART-HOLD-BACK is at least two part targets');
    for (const s of pl.segments) {
      for (const p of s.parts) assert.ok(p.duration <= partTarget, `${p.uri} within PART-TARGET`);
      const extinf = Number(t.match(new RegExp(`#EXTINF:([0-9.]+),\\n${s.uri}`))[1]);
      assert.ok(Math.round(extinf) <= target, `${s.uri} within TARGETDURATION`);
    }
    // The demo runs 25 fps with an IDR every 2 s: one GOP per segment.
    assert.equal(target, 2);
    const listed = pl.segments.find((s) => s.parts.length);
    const sum = listed.parts.reduce((a, p) => a + p.duration, 0);
    assert.ok(Math.abs(sum - 2) < 0.01, `parts of ${listed.uri} add up to 2 s: ${sum}`);
  });

  it('init.mp4, a segment and its parts are fMP4 made of the same fragments', async () => {
    const init = await get(d, admin, `${BASE}/init.mp4`);
    assertStatus(init, 200, 'init');
    assert.equal(init.headers.get('content-type'), 'video/mp4');
    assert.equal(init.body.subarray(4, 8).toString('latin1'), 'ftyp');
    assert.ok(init.body.includes(Buffer.from('moov')) && init.body.includes(Buffer.from('avc1')));

    const pl = parsePlaylist((await get(d, admin, `${BASE}/index.m3u8`)).text);
    const seg = pl.segments.find((s) => s.parts.length);
    const whole = await get(d, admin, `${BASE}/${seg.uri}`);
    assertStatus(whole, 200, seg.uri);
    assert.equal(whole.headers.get('content-type'), 'video/mp4');
    assertFragments(whole.body, seg.uri);
    const parts = [];
    for (const p of seg.parts) {
      const res = await get(d, admin, `${BASE}/${p.uri}`);
      assertStatus(res, 200, p.uri);
      assertFragments(res.body, p.uri);
      parts.push(res.body);
    }
    assert.ok(Buffer.concat(parts).equals(whole.body), 'a segment is the concatenation of its parts');

    // ffprobe reads init + segment as one file.
    const probe = await new Promise((resolve, reject) => {
      const child = execFile('ffprobe', ['-v', 'error', '-count_frames', '-show_streams', '-of', 'json', '-'],
        { encoding: 'utf8', timeout: 20000, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
          err ? reject(new Error(`${err.message} ${stderr}`)) : resolve(JSON.parse(stdout)));
      child.stdin.on('error', () => {});
      child.stdin.end(Buffer.concat([init.body, whole.body]));
    });
    const v = probe.streams.find((s) => s.codec_type === 'video');
    assert.equal(v.codec_name, 'h264');
    assert.equal(v.width, 1280);
    assert.equal(Number(v.nb_read_frames), 50, 'one GOP: 2 s at 25 fps');
  });

  it('ffprobe reads the playlist URL: h264 1280x720', async () => {
    const cookie = `Cookie: ${admin.cookieHeader()}\r\n`;
    const r = await run('ffprobe', ['-v', 'error', '-headers', cookie, '-show_streams', '-of', 'json',
      `${d.url}${BASE}/index.m3u8`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr.trim(), '', 'ffprobe reports no errors');
    const v = JSON.parse(r.stdout).streams.find((s) => s.codec_type === 'video');
    assert.equal(v.codec_name, 'h264');
    assert.equal(v.width, 1280);
    assert.equal(v.height, 720);
  });

  it('ffmpeg plays 4 s of the live playlist without an error', async () => {
    const cookie = `Cookie: ${admin.cookieHeader()}\r\n`;
    const r = await run('ffmpeg', ['-nostdin', '-v', 'error', '-headers', cookie,
      '-i', `${d.url}${BASE}/index.m3u8`, '-t', '4', '-f', 'null', '-']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr.trim(), '', 'ffmpeg reports no errors');
  });

  it('a blocking reload returns once the hinted part exists; the hinted part is held until complete', async () => {
    const pl = parsePlaylist((await get(d, admin, `${BASE}/index.m3u8`)).text);
    const [msn, part] = partOf(pl.hint);

    const reload = await get(d, admin, `${BASE}/index.m3u8?_HLS_msn=${msn}&_HLS_part=${part}`);
    assertStatus(reload, 200, 'blocking reload');
    const next = parsePlaylist(reload.text);
    const all = [...next.segments.flatMap((s) => s.parts), ...next.openParts].map((p) => p.uri);
    // The part exists now, unless the segment ended first and the next one began.
    assert.ok(all.includes(pl.hint) || next.segments.some((s) => s.msn === msn),
      `${pl.hint} in\n${reload.text}`);
    assert.notEqual(next.hint, pl.hint, 'the hint moved on');
    assert.ok(reload.ms < 2000, `held ${reload.ms} ms`);

    const [hmsn, hpart] = partOf(next.hint);
    const held = await get(d, admin, `${BASE}/${next.hint}`);
    assertStatus(held, 200, next.hint);
    assertFragments(held.body, next.hint);
    assert.ok(held.ms > 20 && held.ms < 2000, `held ${held.ms} ms until the part completed`);
    // Now listed, with the bytes we got.
    const after = parsePlaylist((await get(d, admin, `${BASE}/index.m3u8?_HLS_msn=${hmsn}&_HLS_part=${hpart}`)).text);
    assert.ok([...after.segments.flatMap((s) => s.parts), ...after.openParts].some((p) => p.uri === next.hint));
    const again = await get(d, admin, `${BASE}/${next.hint}`);
    assert.ok(again.body.equals(held.body), 'a part does not change once complete');
  });

  it('a blocking reload too far ahead is refused; numbers are strict', async () => {
    const pl = parsePlaylist((await get(d, admin, `${BASE}/index.m3u8`)).text);
    const last = pl.segments.at(-1).msn;
    assertError(await admin.get(`${BASE}/index.m3u8?_HLS_msn=${last + 10}`), 400, 'bad_request');
    for (const q of ['_HLS_msn=-1', '_HLS_msn=1e3', '_HLS_msn=01', '_HLS_msn=99999999999',
      `_HLS_msn=${last}&_HLS_part=16`, '_HLS_part=0', '_HLS_msn=%201']) {
      assertError(await admin.get(`${BASE}/index.m3u8?${q}`), 400, 'bad_request');
    }
    // Other query parameters (cache busters) do not matter.
    assertStatus(await admin.get(`${BASE}/index.m3u8?t=123`), 200);
  });

  it('only the resources of the hls/ directory exist: anything else is 404 JSON', async () => {
    const pl = parsePlaylist((await get(d, admin, `${BASE}/index.m3u8`)).text);
    const gone = pl.segments[0].msn - 1;
    const names = ['nope.mp4', 'index.m3u', 'seg-01.mp4', 'seg--1.mp4', 'part-1-99.mp4', 'part-1.mp4',
      'init-99.mp4', `seg-${pl.segments.at(-1).msn + 5}.mp4`, '..%2Findex.m3u8', '%2e%2e', 'index.m3u8%00',
      'seg-1.mp4.mp4', 'SEG-1.MP4'];
    if (gone >= 0) names.push(`seg-${gone}.mp4`);
    for (const f of names) {
      const res = await admin.get(`${BASE}/${f}`);
      assertError(res, 404, 'not_found');
    }
    assertError(await admin.get(`${BASE}/index.m3u8/x`), 404);
    assertError(await admin.get('/api/streams/no-such-cam/hls/index.m3u8'), 404, 'not_found');
  });

  it('the same access as other stream endpoints: anonymous 401, a viewer of other cameras 404', async () => {
    const anon = new Client(d.url);
    for (const f of ['index.m3u8', 'init.mp4', 'seg-0.mp4', 'part-0-0.mp4']) {
      assertError(await anon.get(`${BASE}/${f}`), 401, 'unauthorized');
    }
    const other = await createUser(admin, { username: uniq('hlsv'), zones: ['elsewhere'] });
    const v = await loginAs(d, other.username);
    assertError(await v.get(`${BASE}/index.m3u8`), 404, 'not_found');
    assertError(await v.get(`${BASE}/init.mp4`), 404, 'not_found');
    const all = await createUser(admin, { username: uniq('hlsa') });
    const va = await loginAs(d, all.username);
    assertStatus(await va.get(`${BASE}/index.m3u8`), 200);
  });
});
