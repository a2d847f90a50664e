// The RTSP camera simulator (build/tests/sim/camsim) for the tests, and small
// helpers for tests that ingest from it: MSE viewers, server-sent events,
// status polling and ffprobe.
//
// startCamsim() runs camsim on 127.0.0.1 with a clip cache shared by every test
// of the machine (the clips are encoded once), and collects its event lines
// ("ready port=N", "media-configure mount=/h264", "client-connected", ...).
// Every process started here is stopped by its PID: by stop(), and at the
// latest when the test process exits.

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

import { REPO_ROOT } from './daemon.mjs';

export const CAMSIM_BIN = process.env.CAMSIM_BIN ?? path.join(REPO_ROOT, 'build', 'tests', 'sim', 'camsim');
export const CLIPS_DIR = path.join(os.tmpdir(), 'vigil-camsim-clips');
// Encoding the clips the first time on a machine takes a while (x265).
const READY_TIMEOUT_MS = 180000;
const STOP_GRACE_MS = 5000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const livePids = new Set();
process.on('exit', () => {
  for (const pid of livePids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  livePids.clear();
});

/**
 * Starts camsim. user/pass: require digest authentication (basic: true for
 * basic instead). port: 0 (default)
 * lets camsim pick a free one (no race with other tests). Resolves once camsim
 * printed "ready port=N".
 * Returns {port, url(mount), lines, stop({signal}), kill(), restart(),
 *          count(event, mount), waitFor(event, mount, {timeout, since}), mark()}.
 */
export async function startCamsim({ user, pass, basic = false, port = 0, clipsDir = CLIPS_DIR, bin = CAMSIM_BIN } = {}) {
  const sim = {
    port,
    user,
    pass,
    basic,
    lines: [], // every stdout line of every run, in order
    stderrLines: [],
    proc: null,
    pid: null,
    exited: null,
    _exit: null,
    _waiters: new Set(),

    // rtsp:// URL of a mount, without credentials.
    url(mount = '/h264') {
      return `rtsp://127.0.0.1:${sim.port}${mount}`;
    },
    running() {
      return sim.proc !== null && sim.exited === null;
    },
    // Index into lines: count(..., since) and waitFor(..., {since}) look only after it.
    mark() {
      return sim.lines.length;
    },
    // Number of lines "<event>" (mount undefined) or "<event> mount=<mount>".
    count(event, mount, since = 0) {
      const want = mount === undefined ? event : `${event} mount=${mount}`;
      let n = 0;
      for (let i = since; i < sim.lines.length; i++) if (sim.lines[i] === want) n++;
      return n;
    },
    // Resolves when such a line appears after since; rejects on timeout.
    waitFor(event, mount, { timeout = 10000, since = 0 } = {}) {
      if (sim.count(event, mount, since) > 0) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const w = {
          check: () => {
            if (sim.count(event, mount, since) > 0) {
              sim._waiters.delete(w);
              clearTimeout(w.timer);
              resolve();
            }
          },
        };
        w.timer = setTimeout(() => {
          sim._waiters.delete(w);
          reject(new Error(`camsim did not print "${event}${mount ? ` mount=${mount}` : ''}" ` +
            `within ${timeout} ms; its output:\n${sim.lines.slice(since).join('\n')}`));
        }, timeout);
        sim._waiters.add(w);
      });
    },
    async stop({ signal = 'SIGTERM' } = {}) {
      return stopProc(sim, signal);
    },
    // SIGKILL: the camera dies without a word (power cut, crash).
    async kill() {
      return stopProc(sim, 'SIGKILL');
    },
    // Starts it again on the same port (stopping it first when it runs).
    async restart() {
      if (sim.running()) await sim.stop();
      await launch(sim, clipsDir, bin);
      return sim;
    },
  };
  await launch(sim, clipsDir, bin);
  return sim;
}

function collect(stream, sink, onLine) {
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    buf += chunk;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      sink.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
      onLine?.();
    }
  });
}

async function launch(sim, clipsDir, bin) {
  // The port may still be held for a moment by the previous run (restart).
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (let attempt = 0; ; attempt++) {
    const argv = ['--port', String(sim.port), '--clips', clipsDir];
    if (sim.user !== undefined) argv.push('--user', sim.user, '--pass', sim.pass);
    if (sim.basic) argv.push('--basic');
    const proc = spawn(bin, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    sim.proc = proc;
    sim.exited = null;
    const first = sim.lines.length;
    sim._exit = new Promise((resolve) => {
      proc.on('close', (code, signal) => {
        livePids.delete(proc.pid);
        if (sim.proc === proc) sim.exited = { code, signal };
        resolve({ code, signal });
      });
    });
    const spawnErr = await Promise.race([
      new Promise((resolve) => proc.once('error', resolve)),
      new Promise((resolve) => proc.once('spawn', () => resolve(null))),
    ]);
    if (spawnErr) throw new Error(`cannot start ${bin}: ${spawnErr.message}`);
    sim.pid = proc.pid;
    livePids.add(proc.pid);
    proc.unref();
    proc.stdout.unref?.();
    proc.stderr.unref?.();
    let readyResolve;
    const ready = new Promise((r) => (readyResolve = r));
    collect(proc.stdout, sim.lines, () => {
      for (const w of [...sim._waiters]) w.check();
      for (let i = first; i < sim.lines.length; i++) {
        const m = sim.lines[i].match(/^ready port=(\d+)$/);
        if (m) readyResolve(Number(m[1]));
      }
    });
    collect(proc.stderr, sim.stderrLines);
    let timer;
    const res = await Promise.race([
      ready.then((p) => ({ port: p })),
      sim._exit.then((e) => ({ exited: e })),
      new Promise((resolve) => (timer = setTimeout(() => resolve({ timeout: true }), Math.max(0, deadline - Date.now())))),
    ]);
    clearTimeout(timer);
    if (res.port) {
      sim.port = res.port;
      return;
    }
    if (res.timeout) {
      await stopProc(sim, 'SIGKILL');
      throw new Error(`camsim not ready within ${READY_TIMEOUT_MS} ms; stderr:\n${sim.stderrLines.join('\n')}`);
    }
    const stderr = sim.stderrLines.join('\n');
    if (sim.port !== 0 && /cannot listen/.test(stderr) && Date.now() < deadline - 1000 && attempt < 50) {
      await sleep(200);
      continue;
    }
    throw new Error(`camsim exited before it was ready (${JSON.stringify(res.exited)}); stderr:\n${stderr}`);
  }
}

async function stopProc(sim, signal) {
  if (!sim.proc || sim.exited) return sim.exited;
  try {
    process.kill(sim.pid, signal);
  } catch {
    // already gone; 'close' tells
  }
  let timer;
  const killer = new Promise((resolve) => {
    timer = setTimeout(() => {
      try {
        process.kill(sim.pid, 'SIGKILL');
      } catch {
        // gone
      }
      resolve();
    }, STOP_GRACE_MS);
  });
  const res = await Promise.race([sim._exit, killer.then(() => sim._exit)]);
  clearTimeout(timer);
  return res;
}

// ---------------------------------------------------------------------------
// Helpers for tests that watch streams of a daemon (tests/lib/daemon.mjs).

// Resolves or rejects like promise, or rejects after ms.
export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

// Top-level ISO BMFF boxes of buf: [{type, start, size}]; stops at a cut-off box.
export function boxes(buf) {
  const out = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    let size = buf.readUInt32BE(i);
    const type = buf.toString('latin1', i + 4, i + 8);
    let header = 8;
    if (size === 1) {
      if (i + 16 > buf.length) break;
      size = Number(buf.readBigUInt64BE(i + 8));
      header = 16;
    }
    if (size < header) throw new Error(`bad box size ${size} (${JSON.stringify(type)}) at ${i}`);
    if (i + size > buf.length) break;
    out.push({ type, start: i, size });
    i += size;
  }
  return out;
}

// The fragments of an fMP4 body: [{track, tfdt}] per complete moof (its first traf).
export function fragments(buf) {
  const out = [];
  for (const b of boxes(buf)) {
    if (b.type !== 'moof') continue;
    const frag = { track: null, tfdt: null };
    const inner = boxes(buf.subarray(b.start + 8, b.start + b.size));
    const traf = inner.find((x) => x.type === 'traf');
    if (traf) {
      const base = b.start + 8 + traf.start;
      for (const x of boxes(buf.subarray(base + 8, base + traf.size))) {
        const at = base + 8 + x.start;
        if (x.type === 'tfhd') frag.track = buf.readUInt32BE(at + 12);
        if (x.type === 'tfdt') frag.tfdt = buf[at + 8] === 1 ? Number(buf.readBigUInt64BE(at + 12)) : buf.readUInt32BE(at + 12);
      }
    }
    out.push(frag);
  }
  return out;
}

// Track ids the first init segment (moov/trak/tkhd) of an fMP4 body declares.
export function initTracks(buf) {
  const moov = boxes(buf).find((b) => b.type === 'moov');
  if (!moov) return [];
  const ids = [];
  for (const trak of boxes(buf.subarray(moov.start + 8, moov.start + moov.size))) {
    if (trak.type !== 'trak') continue;
    const base = moov.start + 8 + trak.start;
    const tkhd = boxes(buf.subarray(base + 8, base + trak.size)).find((x) => x.type === 'tkhd');
    if (!tkhd) continue;
    const at = base + 8 + tkhd.start;
    ids.push(buf.readUInt32BE(at + 8 + 4 + (buf[at + 8] === 1 ? 16 : 8)));
  }
  return ids;
}

// Every fragment of an fMP4 body is of a track its init segment declares (a
// fragment of another track makes parsers fail: ffmpeg "no tfhd was found").
export function assertFragmentsOfKnownTracks(buf, what) {
  const known = initTracks(buf);
  const counts = {};
  for (const f of fragments(buf)) counts[f.track] = (counts[f.track] ?? 0) + 1;
  const unknown = Object.keys(counts).map(Number).filter((t) => !known.includes(t));
  assert.deepEqual(unknown, [],
    `${what}: fragments of tracks the init segment does not declare (init: tracks ${JSON.stringify(known)}; ` +
    `fragments per track: ${JSON.stringify(counts)})`);
}

/**
 * A live MSE viewer: GET /api/streams/{id}/mse with the client's session,
 * keeping every byte. headers resolves with {status, contentType} (the daemon
 * sends them with the first keyframe, or 503 when none comes); ended resolves
 * when the response ends or fails.
 */
export function openMse(d, client, streamId) {
  const v = {
    chunks: [],
    length: 0,
    status: null,
    contentType: null,
    endedAt: null,
    error: null,
    req: null,
    bytes() {
      return Buffer.concat(v.chunks);
    },
    // Number of complete top-level boxes of this type so far.
    countBoxes(type) {
      return boxes(v.bytes()).filter((b) => b.type === type).length;
    },
    // Number of complete fragments of this track (1: video) so far.
    countFragments(track = 1) {
      return fragments(v.bytes()).filter((f) => f.track === track).length;
    },
    close() {
      v.req?.destroy();
    },
  };
  let headersResolve;
  let endedResolve;
  v.headers = new Promise((r) => (headersResolve = r));
  v.ended = new Promise((r) => (endedResolve = r));
  const url = new URL(`/api/streams/${encodeURIComponent(streamId)}/mse`, d.url);
  v.req = http.get(url, { agent: false, headers: { Cookie: client.cookieHeader() } }, (res) => {
    v.status = res.statusCode;
    v.contentType = res.headers['content-type'] ?? '';
    headersResolve({ status: v.status, contentType: v.contentType });
    res.on('data', (c) => {
      v.chunks.push(c);
      v.length += c.length;
    });
    const done = () => {
      if (!v.endedAt) v.endedAt = Date.now();
      endedResolve();
    };
    res.on('end', done);
    res.on('close', done);
    res.on('error', done);
  });
  v.req.on('error', (e) => {
    v.error = e;
    headersResolve({ status: null, contentType: null, error: e });
    if (!v.endedAt) v.endedAt = Date.now();
    endedResolve();
  });
  return v;
}

// Polls until pred(v) holds for a viewer of openMse(); throws after timeout ms.
export async function waitBytes(v, pred, timeout, what) {
  const deadline = Date.now() + timeout;
  while (!pred(v)) {
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${timeout} ms (have ${v.length} bytes, status ${v.status}, ended ${!!v.endedAt})`);
    }
    await sleep(50);
  }
}

/**
 * A server-sent event listener on /api/events: events is [{event, data}] with
 * data parsed as JSON when it is JSON. waitFor(pred, timeout) resolves with the
 * first event (seen before or after the call) for which pred is true.
 */
export function openEvents(d, client) {
  const es = {
    events: [],
    status: null,
    req: null,
    _waiters: new Set(),
    close() {
      es.req?.destroy();
    },
    waitFor(pred, timeout = 10000, what = 'event') {
      const hit = es.events.find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const w = {
          check: (ev) => {
            if (pred(ev)) {
              es._waiters.delete(w);
              clearTimeout(w.timer);
              resolve(ev);
            }
          },
        };
        w.timer = setTimeout(() => {
          es._waiters.delete(w);
          reject(new Error(`no ${what} within ${timeout} ms; events seen: ` +
            JSON.stringify(es.events.map((e) => [e.event, e.data?.stream, e.data?.status?.state]))));
        }, timeout);
        es._waiters.add(w);
      });
    },
  };
  let openResolve;
  es.opened = new Promise((r) => (openResolve = r));
  es.req = http.get(new URL('/api/events', d.url), { agent: false, headers: { Cookie: client.cookieHeader() } }, (res) => {
    es.status = res.statusCode;
    es.contentType = res.headers['content-type'];
    openResolve(res.statusCode);
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (chunk) => {
      buf += chunk.replace(/\r\n?/g, '\n');
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        let event = 'message';
        const data = [];
        for (const line of block.split('\n')) {
          if (!line || line.startsWith(':')) continue;
          const c = line.indexOf(':');
          const field = c < 0 ? line : line.slice(0, c);
          let value = c < 0 ? '' : line.slice(c + 1);
          if (value.startsWith(' ')) value = value.slice(1);
          if (field === 'event') event = value;
          else if (field === 'data') data.push(value);
        }
        if (!data.length) continue;
        const text = data.join('\n');
        let parsed = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // not JSON: keep the text
        }
        const ev = { event, data: parsed, at: Date.now() };
        es.events.push(ev);
        for (const w of [...es._waiters]) w.check(ev);
      }
    });
  });
  es.req.on('error', () => openResolve(null));
  return es;
}

/**
 * Polls GET /api/cameras/{id} until pred(status, camera) holds; returns the
 * status. On timeout fails with the states seen and the end of the daemon's log.
 */
export async function waitStatus(d, admin, cameraId, pred, { timeout = 15000, what = 'status', field = 'status' } = {}) {
  const t0 = Date.now();
  const seen = [];
  let last = null;
  for (;;) {
    const res = await admin.get(`/api/cameras/${cameraId}`);
    assert.equal(res.status, 200, `GET /api/cameras/${cameraId}: ${res.status} ${res.text.slice(0, 300)}`);
    last = res.json[field];
    const label = last ? `${last.state}${last.reason ? ` (${last.reason})` : ''}` : String(last);
    if (seen[seen.length - 1]?.label !== label) seen.push({ label, ms: Date.now() - t0 });
    if (last && pred(last, res.json)) return { status: last, ms: Date.now() - t0, seen };
    if (Date.now() - t0 > timeout) {
      assert.fail(`camera ${cameraId}: ${what} not reached within ${timeout} ms; ` +
        `states seen: ${seen.map((s) => `${s.label}@${s.ms}ms`).join(' → ')}; last: ${JSON.stringify(last)}\n` +
        `daemon log (end):\n${d.stderr().slice(-3000)}`);
    }
    await sleep(150);
  }
}

// ffprobe -show_streams -show_packets on a file: {streams, packets}.
export function ffprobeFile(file, extra = []) {
  return new Promise((resolve, reject) => {
    execFile('ffprobe', ['-v', 'error', ...extra, '-show_streams', '-show_packets', '-of', 'json', file],
      { encoding: 'utf8', timeout: 30000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
        if (err) return reject(new Error(`ffprobe ${file}: ${err.message} ${stderr}`));
        try {
          const j = JSON.parse(stdout);
          resolve({ streams: j.streams ?? [], packets: j.packets ?? [], stderr });
        } catch (e) {
          reject(new Error(`ffprobe ${file}: bad JSON: ${e.message}`));
        }
      });
  });
}

// GET /api/health answers 200 (the daemon still serves).
export async function assertHealthy(d, what = '') {
  assert.ok(d.running(), `${what}: vigil is not running (exit ${JSON.stringify(d.exited)}); stderr:\n${d.stderr().slice(-4000)}`);
  const res = await fetch(`${d.url}/api/health`, { signal: AbortSignal.timeout(5000) });
  assert.equal(res.status, 200, `${what}: /api/health answered ${res.status}`);
  await res.arrayBuffer();
}

// Stops the daemon and checks that it exited cleanly (a crash or a hang at
// shutdown fails the test; daemon.mjs checks the sanitizer reports).
export async function stopDaemonCleanly(d) {
  const wasRunning = d.running();
  const exitBefore = d.exited;
  const r = await d.stop();
  assert.ok(wasRunning, `vigil had already exited (${JSON.stringify(exitBefore)}); stderr:\n${d.stderr().slice(-4000)}`);
  assert.equal(r.signal, null, `vigil ended by signal ${r.signal} (${r.ms} ms after SIGTERM); stderr:\n${d.stderr().slice(-4000)}`);
  assert.equal(r.code, 0, `vigil exit code ${r.code}; stderr:\n${d.stderr().slice(-4000)}`);
}
