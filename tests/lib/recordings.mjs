// Helpers for the recording tests: the config, the segments index read with
// sqlite3, the files on disk, what ffprobe and ffmpeg say about a segment or a
// play.mp4, polling, and a small tmpfs for the full-disk tests.
//
// The index is the `segments` table of <state_dir>/vigil.db: id, camera_id,
// stream, start_ms, end_ms, bytes, path (relative to the recordings
// directory), codec, width, height, open.

import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { boxes } from './camsim.mjs';
import { dbPath, sleep } from './helpers.mjs';

// The ASan/UBSan build is several times slower: every wait is stretched.
export const SANITIZED = !!process.env.VIGIL_SANITIZED;
export const SLOW = SANITIZED ? 4 : 1;

// The demo cameras and camsim's /h264 run at 25 fps with a keyframe every 2 s.
export const FRAME_MS = 40;
export const GOP_MS = 2000;
// An index duration against what ffprobe reads from the file: one frame (the
// last frame's duration is only known when the next one arrives, so a segment
// closed by a cut or a stop may count it or not) plus 2 ms for rounding its
// start and its end to whole milliseconds.
export const DURATION_TOLERANCE_MS = FRAME_MS + 2;

/**
 * The YAML for a daemon that records: retention and storage settings, then
 * cameras (objects with id, main_url and optionally record, record_stream,
 * retention_days, name) and any extra YAML.
 */
export function recordingConfig({
  segmentSeconds = 4,
  intervalS = 2,
  maxStorageGb,
  maxAgeDays,
  minFreePercent,
  recordingsDir,
  cameras = [],
  extra = '',
} = {}) {
  let y = 'retention:\n';
  y += `  segment_seconds: ${segmentSeconds}\n`;
  y += `  interval_s: ${intervalS}\n`;
  if (maxStorageGb !== undefined) y += `  max_storage_gb: ${maxStorageGb}\n`;
  if (maxAgeDays !== undefined) y += `  max_age_days: ${maxAgeDays}\n`;
  if (minFreePercent !== undefined) y += `  min_free_percent: ${minFreePercent}\n`;
  if (recordingsDir) y += `storage:\n  recordings_dir: ${recordingsDir}\n`;
  if (cameras.length) {
    y += 'cameras:\n';
    for (const c of cameras) {
      y += `  - id: ${c.id}\n    name: ${c.name ?? c.id}\n    main_url: "${c.main_url}"\n`;
      for (const k of ['record', 'record_stream', 'retention_days']) {
        if (c[k] !== undefined) y += `    ${k}: ${c[k]}\n`;
      }
    }
  }
  return y + extra;
}

export function recordingsDir(d, override) {
  return override ?? path.join(d.stateDir, 'recordings');
}

// ---------------------------------------------------------------------------
// The index

// Rows of a query as objects (sqlite3 -json); [] when there are none.
export function queryDb(d, sql) {
  return new Promise((resolve, reject) => {
    execFile('sqlite3', ['-json', '-cmd', '.timeout 5000', dbPath(d), sql], { timeout: 20000, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`sqlite3 ${sql}: ${err.message} ${stderr}`));
        const text = stdout.trim();
        resolve(text ? JSON.parse(text) : []);
      });
  });
}

const quote = (s) => `'${String(s).replace(/'/g, "''")}'`;

// Index rows, oldest first; of one camera when camera is given.
export async function segmentRows(d, camera) {
  const where = camera === undefined ? '' : ` WHERE camera_id = ${quote(camera)}`;
  const rows = await queryDb(d, 'SELECT id, camera_id, stream, start_ms, end_ms, bytes, path, codec, width, height, open ' +
    `FROM segments${where} ORDER BY start_ms, id;`);
  for (const r of rows) {
    for (const k of ['id', 'start_ms', 'end_ms', 'bytes', 'width', 'height', 'open']) r[k] = Number(r[k]);
  }
  return rows;
}

export const closedRows = (rows) => rows.filter((r) => !r.open);

// Inserts an index row (day, the local date of its start, is filled in when
// the table has that column); resolves its id.
export async function insertSegmentRow(d, row, tz) {
  const cols = ['camera_id', 'stream', 'start_ms', 'end_ms', 'bytes', 'path', 'codec', 'width', 'height', 'open'];
  const table = await queryDb(d, 'PRAGMA table_info(segments);');
  if (table.some((c) => c.name === 'day')) {
    cols.push('day');
    row = { ...row, day: localDay(row.start_ms, tz) };
  }
  const vals = cols.map((c) => (typeof row[c] === 'number' ? String(row[c]) : quote(row[c])));
  const out = await queryDb(d, `INSERT INTO segments (${cols.join(', ')}) VALUES (${vals.join(', ')}); ` +
    'SELECT last_insert_rowid() AS id;');
  return Number(out[0].id);
}

/**
 * Polls fn until it resolves a truthy value, which it returns. On timeout fails
 * with what and describe(last value).
 */
export async function waitFor(fn, { timeout = 20000, interval = 250, what = 'condition', describe } = {}) {
  const t0 = Date.now();
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() - t0 > timeout) {
      assert.fail(`${what}: not within ${timeout} ms${describe ? `; ${describe(last)}` : ''}`);
    }
    await sleep(interval);
  }
}

/**
 * Waits until camera has at least n closed segments that started at or after
 * since (Unix ms); resolves every row of the camera at that moment.
 */
export async function waitClosedSegments(d, camera, n, { since = 0, timeout = 30000 * SLOW } = {}) {
  let rows = [];
  await waitFor(async () => {
    rows = await segmentRows(d, camera);
    return closedRows(rows).filter((r) => r.start_ms >= since).length >= n;
  }, {
    timeout,
    interval: 300,
    what: `${n} closed segments of ${camera} since ${since}`,
    describe: () => `index: ${JSON.stringify(rows.map((r) => [r.id, r.start_ms, r.end_ms, r.open]))}; ` +
      `daemon log (end):\n${d.stderr().slice(-3000)}`,
  });
  return rows;
}

// ---------------------------------------------------------------------------
// Time as the daemon sees it (its local time zone, TZ of its environment)

// {y, mo, d, h, mi, s} of a moment in time zone tz (undefined: the test's own).
export function localParts(ms, tz) {
  const f = new Intl.DateTimeFormat('en-CA', {
    timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit',
  });
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return { y: p.year, mo: p.month, d: p.day, h: p.hour, mi: p.minute, s: p.second };
}

// 'YYYY-MM-DD' of a moment in tz.
export function localDay(ms, tz) {
  const p = localParts(ms, tz);
  return `${p.y}-${p.mo}-${p.d}`;
}

// 'HHMMSS' of a moment in tz.
export function localHms(ms, tz) {
  const p = localParts(ms, tz);
  return `${p.h}${p.mi}${p.s}`;
}

// Unix ms of 00:00 of day ('YYYY-MM-DD') in tz (found by its offset, which
// is right for any zone without a change of offset that day).
export function dayStartMs(day, tz) {
  const [y, m, dd] = day.split('-').map(Number);
  const guess = Date.UTC(y, m - 1, dd);
  const p = localParts(guess, tz);
  const asUtc = Date.UTC(Number(p.y), Number(p.mo) - 1, Number(p.d), Number(p.h), Number(p.mi), Number(p.s));
  return guess - (asUtc - guess);
}

export function nextDay(day) {
  const [y, m, dd] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, dd + 1)).toISOString().slice(0, 10);
}

// A Timestamp of the API names this instant (to the millisecond, or to the
// second when it has no fraction).
export function assertTimestamp(text, ms, what) {
  assert.equal(typeof text, 'string', `${what}: a string`);
  const t = Date.parse(text);
  assert.ok(!Number.isNaN(t), `${what}: ${text} is a date-time`);
  assert.ok(t === ms || t === Math.floor(ms / 1000) * 1000, `${what}: ${text} is not ${new Date(ms).toISOString()} (${ms})`);
}

// ---------------------------------------------------------------------------
// ffprobe and ffmpeg

function run(cmd, args, timeout = 60000 * SLOW) {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'utf8', timeout, maxBuffer: 256 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, signal: err?.signal ?? null, stdout, stderr });
    });
  });
}

// -headers for an HTTP input with an API token.
const httpArgs = (bearer) => (bearer ? ['-headers', `Authorization: Bearer ${bearer}\r\n`] : []);

/**
 * ffprobe -show_format -show_streams -show_packets of a file or URL:
 * {format, streams, packets, stderr}. Fails the test when ffprobe fails or
 * says anything at -v error.
 */
export async function probe(input, { bearer, extra = [] } = {}) {
  const r = await run('ffprobe', ['-v', 'error', ...httpArgs(bearer), ...extra, '-show_format', '-show_streams',
    '-show_packets', '-of', 'json', input]);
  assert.equal(r.code, 0, `ffprobe ${input}: exit ${r.code} ${r.signal ?? ''}: ${r.stderr.slice(0, 2000)}`);
  assert.equal(r.stderr.trim(), '', `ffprobe ${input} reported errors:\n${r.stderr.slice(0, 2000)}`);
  const j = JSON.parse(r.stdout);
  return { format: j.format ?? {}, streams: j.streams ?? [], packets: j.packets ?? [], stderr: r.stderr };
}

export const videoOf = (p) => p.streams.find((s) => s.codec_type === 'video');
export const audioOf = (p) => p.streams.find((s) => s.codec_type === 'audio');
export const packetsOf = (p, stream) => p.packets.filter((k) => k.stream_index === stream.index);

function timeBase(stream) {
  const [num, den] = stream.time_base.split('/').map(Number);
  return num / den;
}

// A stream's duration in ms from its packets: from the first dts to the end of
// the last packet.
export function streamDurationMs(p, stream) {
  const pk = packetsOf(p, stream);
  if (!pk.length) return 0;
  const first = Number(pk[0].dts);
  const last = pk[pk.length - 1];
  return (Number(last.dts) + Number(last.duration ?? 0) - first) * timeBase(stream) * 1000;
}

// Presentation times (s) of a stream's packets, relative to the file's start.
export function packetTimes(p, stream) {
  return packetsOf(p, stream).map((k) => Number(k.pts_time ?? k.dts_time));
}

// Every stream's decode timestamps strictly increase.
export function assertDtsIncreasing(p, what) {
  for (const s of p.streams) {
    const pk = packetsOf(p, s);
    for (let i = 1; i < pk.length; i++) {
      assert.ok(Number(pk[i].dts) > Number(pk[i - 1].dts),
        `${what}: ${s.codec_type} dts not increasing at packet ${i}: ${pk[i - 1].dts} then ${pk[i].dts}`);
    }
  }
}

// ffmpeg decodes every frame of input (file or URL) without a word at -v error.
export async function assertDecodes(input, { bearer, before = [], after = [], what = input } = {}) {
  const r = await run('ffmpeg', ['-nostdin', '-v', 'error', ...httpArgs(bearer), ...before, '-i', input, ...after,
    '-f', 'null', '-']);
  assert.equal(r.code, 0, `ffmpeg decoding ${what}: exit ${r.code} ${r.signal ?? ''}: ${r.stderr.slice(0, 2000)}`);
  assert.equal(r.stderr.trim(), '', `ffmpeg decoding ${what} reported errors:\n${r.stderr.slice(0, 2000)}`);
}

/**
 * The checks every closed segment passes: the file named by the index exists
 * with the index's size and path scheme, is a fragmented MP4 of fragments of
 * about a second, ffprobe reads it without errors with the expected tracks
 * and increasing timestamps, it starts with a keyframe, ffmpeg decodes it
 * without errors, and its video lasts the index's duration. Returns the probe.
 * want: {audio: 'aac' | null, width, height}; tz: the daemon's time zone.
 */
export async function assertGoodSegment(dir, row, { audio = null, width = 1280, height = 720, tz, checkName = true } = {}) {
  const what = `segment ${row.id} (${row.path})`;
  const file = path.join(dir, row.path);
  assert.ok(fs.existsSync(file), `${what}: file ${file} exists`);
  const st = fs.statSync(file);
  assert.equal(st.size, row.bytes, `${what}: index bytes == file size`);
  if (checkName) {
    assert.match(row.path, /^[a-z0-9][a-z0-9-]*\/\d{4}-\d\d-\d\d\/\d{6}\.mp4$/, `${what}: path <camera>/<day>/<HHMMSS>.mp4`);
    const [cam, day, name] = row.path.split('/');
    assert.equal(cam, row.camera_id, `${what}: under its camera's directory`);
    assert.equal(day, localDay(row.start_ms, tz), `${what}: in the directory of its local day`);
    // Named at the second it started (the file may be made a moment before).
    const named = [row.start_ms - 1000, row.start_ms, row.start_ms + 1000].map((t) => `${localHms(t, tz)}.mp4`);
    assert.ok(named.includes(name), `${what}: named after its local start time ${localHms(row.start_ms, tz)}`);
  }
  assert.ok(row.end_ms > row.start_ms, `${what}: end after start`);
  assert.match(row.codec, /^avc1\.[0-9A-Fa-f]{6}$/, `${what}: codec`);
  assert.equal(row.width, width, `${what}: width`);
  assert.equal(row.height, height, `${what}: height`);

  const buf = await fsp.readFile(file);
  const top = boxes(buf);
  assert.deepEqual(top.slice(0, 2).map((b) => b.type), ['ftyp', 'moov'], `${what}: starts with ftyp, moov`);
  const end = top.length ? top[top.length - 1].start + top[top.length - 1].size : 0;
  assert.equal(end, buf.length, `${what}: ends with a complete box`);
  const rest = top.slice(2).map((b) => b.type);
  assert.ok(rest.length >= 2, `${what}: has fragments`);
  for (let i = 0; i < rest.length; i += 2) {
    assert.deepEqual(rest.slice(i, i + 2), ['moof', 'mdat'], `${what}: moof+mdat pairs after the moov (${rest.join(',')})`);
  }
  const seconds = (row.end_ms - row.start_ms) / 1000;
  const frags = rest.length / 2;
  assert.ok(frags >= Math.floor(seconds / 1.6) && frags <= Math.ceil(seconds / 0.5),
    `${what}: ${frags} fragments for ${seconds} s, fragments of about 1 s`);

  const p = await probe(file);
  const v = videoOf(p);
  assert.ok(v, `${what}: a video stream: ${JSON.stringify(p.streams)}`);
  assert.equal(v.codec_name, 'h264', `${what}: video codec`);
  assert.equal(v.width, width);
  assert.equal(v.height, height);
  const a = audioOf(p);
  if (audio) {
    assert.ok(a, `${what}: an audio stream: ${JSON.stringify(p.streams.map((s) => s.codec_name))}`);
    assert.equal(a.codec_name, audio, `${what}: audio codec`);
    assert.ok(packetsOf(p, a).length > 0, `${what}: audio packets`);
  } else {
    assert.equal(a, undefined, `${what}: no audio stream expected`);
  }
  assertDtsIncreasing(p, what);
  const vp = packetsOf(p, v);
  assert.ok(vp.length > 0, `${what}: video packets`);
  assert.equal(vp[0].flags[0], 'K', `${what}: starts with a keyframe`);
  const dur = streamDurationMs(p, v);
  assert.ok(Math.abs(dur - (row.end_ms - row.start_ms)) <= DURATION_TOLERANCE_MS,
    `${what}: ffprobe video duration ${dur.toFixed(1)} ms vs index ${row.end_ms - row.start_ms} ms ` +
    `(tolerance ${DURATION_TOLERANCE_MS} ms)`);
  await assertDecodes(file, { what });
  return p;
}

/**
 * Segments of one camera's uninterrupted run: sorted, each starting where the
 * previous one ended (within maxGapMs), never overlapping.
 */
export function assertContiguous(rows, what, maxGapMs = 50) {
  for (let i = 1; i < rows.length; i++) {
    const gap = rows[i].start_ms - rows[i - 1].end_ms;
    assert.ok(gap >= 0, `${what}: segment ${rows[i].id} starts ${-gap} ms before ${rows[i - 1].id} ends (overlap)`);
    assert.ok(gap <= maxGapMs, `${what}: ${gap} ms between segment ${rows[i - 1].id} and ${rows[i].id} (at most ${maxGapMs})`);
  }
}

// No two segments of a camera overlap.
export function assertNoOverlap(rows, what) {
  const sorted = [...rows].sort((a, b) => a.start_ms - b.start_ms);
  for (let i = 1; i < sorted.length; i++) {
    assert.ok(sorted[i].start_ms >= sorted[i - 1].end_ms,
      `${what}: segment ${sorted[i].id} [${sorted[i].start_ms}, ${sorted[i].end_ms}) overlaps ` +
      `${sorted[i - 1].id} [${sorted[i - 1].start_ms}, ${sorted[i - 1].end_ms})`);
  }
}

// Every file under dir, as paths relative to it.
export function listFiles(dir) {
  const out = [];
  const walk = (rel) => {
    let entries;
    try {
      entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true });
    } catch (e) {
      if (e.code === 'ENOENT') return;
      throw e;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else out.push(r);
    }
  };
  walk('');
  return out.sort();
}

// ---------------------------------------------------------------------------
// HTTP

// GET with the client's session (or a bearer token): {status, headers, body}.
export async function getBytes(d, client, p, { headers = {}, bearer } = {}) {
  const h = { ...headers };
  if (bearer) h.Authorization = `Bearer ${bearer}`;
  else if (client) h.Cookie = client.cookieHeader();
  const res = await fetch(d.url + p, { headers: h, redirect: 'manual' });
  const body = Buffer.from(await res.arrayBuffer());
  let json = null;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, body, json, text: body.toString('latin1').slice(0, 400) };
}

// Width and height from a JPEG's SOF header, after checking SOI and EOI.
export function jpegSize(buf) {
  assert.ok(buf.length > 4, 'JPEG has bytes');
  assert.ok(buf[0] === 0xff && buf[1] === 0xd8, 'JPEG starts with SOI (FFD8)');
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

// Makes an API token for client; resolves the secret (for ffmpeg's requests).
export async function apiToken(client, name = 'recordings-test') {
  const res = await client.post('/api/tokens', { name });
  assert.equal(res.status, 201, `token: ${res.status} ${res.text}`);
  return res.json.token;
}

// ---------------------------------------------------------------------------
// A small file system of its own (tmpfs), for full-disk tests: needs root.

const mounts = new Set();
process.on('exit', () => {
  for (const dir of mounts) {
    try {
      execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
      fs.rmdirSync(dir);
    } catch {
      // nothing more to do at exit
    }
  }
});

/**
 * Mounts a tmpfs of sizeMb MiB on a new directory. Resolves {dir, unmount()}
 * (call unmount() once the daemon using it stopped; at the latest it is
 * unmounted when the process exits), or {skip: reason} when this cannot be
 * done here.
 */
export async function mountTmpfs(sizeMb) {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return { skip: 'needs root to mount a tmpfs (run the tests as root to check a full disk)' };
  }
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'vigil-tmpfs-'));
  const r = await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m,mode=0700`, 'tmpfs', dir], 20000);
  if (r.code !== 0) {
    await fsp.rmdir(dir);
    return { skip: `cannot mount a tmpfs here (${r.stderr.trim()})` };
  }
  mounts.add(dir);
  return {
    dir,
    async unmount() {
      if (!mounts.has(dir)) return;
      mounts.delete(dir);
      const u = await run('umount', [dir], 20000);
      if (u.code !== 0) await run('umount', ['-l', dir], 20000);
      await fsp.rmdir(dir).catch(() => {});
    },
  };
}

// Free and total bytes of the file system holding dir.
export function diskSpace(dir) {
  const s = fs.statfsSync(dir);
  return { total: s.blocks * s.bsize, free: s.bavail * s.bsize };
}

// Writes zeros to file until the file system is full (ENOSPC); resolves its size.
export async function fillDisk(file) {
  const fh = await fsp.open(file, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  let size = 0;
  try {
    for (;;) {
      try {
        const { bytesWritten } = await fh.write(chunk, 0, chunk.length);
        size += bytesWritten;
        if (bytesWritten < chunk.length) break;
      } catch (e) {
        if (e.code === 'ENOSPC') break;
        throw e;
      }
    }
    // The last partial block too.
    for (let n = 32768; n >= 512; n /= 2) {
      try {
        size += (await fh.write(chunk, 0, n)).bytesWritten;
      } catch (e) {
        if (e.code !== 'ENOSPC') throw e;
      }
    }
  } finally {
    await fh.close();
  }
  return size;
}

// The codec of the sound a camera's live stream carries ('aac'), or null:
// what it records must carry the same.
export async function liveAudio(client, cameraId) {
  const res = await client.get(`/api/streams/${cameraId}/mse`, { headersOnly: true });
  assert.equal(res.status, 200, `live view of ${cameraId}: ${res.status} ${res.text}`);
  return /mp4a\./.test(res.headers.get('content-type') ?? '') ? 'aac' : null;
}
