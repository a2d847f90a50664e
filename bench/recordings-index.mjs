#!/usr/bin/env node
// Playback API latency over a large recordings index: 30 days x 32 cameras of 60 s segments.
//
// 1. Vigil records one real segment of a demo camera (demo:1, segment_seconds 60): the
//    first closed segment of at least 90 % of segment_seconds.
// 2. The bench cameras are made (through the API, not recording), the daemon is stopped and
//    --days x --cameras x (86400 / segment_seconds) rows (1,382,400 by default) are inserted
//    into the segments table of its vigil.db with the sqlite3 CLI, in one transaction. Each
//    row is a contiguous 60 s segment with the real one's size and codec.
// 3. --requests random (camera, moment) pairs are drawn; the files of the rows they touch
//    are made as hard links to the real segment (only those: ext4 allows 65000 links).
// 4. Vigil starts again on the same state; for each pair, one after the other, on a new
//    connection with an admin session cookie, the time from sending the request to the
//    first byte of the answer, to the end of its headers, and to the end of the moov
//    (play.mp4) or of the body (the others) is taken, for
//      GET /api/recordings/play.mp4?camera=C&from=T&to=T+30min   (what the playback page asks)
//      GET /api/recordings/timeline?camera=C&day=<T's day>
//      GET /api/recordings/days?camera=C
//      GET /api/recordings/thumbnail.jpg?camera=C&at=T            (each one the first at T)
//    (and GET /api/storage, min(20, --requests) times), and their median, p90, p99 and
//    max are printed, with the DB size. Never pass/fail.
//
// Usage: node bench/recordings-index.mjs [--requests 200] [--days 30] [--cameras 32]
//          [--segment-seconds 60] [--range-minutes 30] [--seed 1] [--idle-seconds 65]
//          [--dir DIR] [--keep]
//   --idle-seconds S  Vigil's CPU over S s, idle with the index loaded, and the answer time
//                     of GET /api/health every 100 ms meanwhile (0: skip)
//   --dir DIR         where the temp dir goes (default: the OS temp dir); --keep keeps it
// Env: VIGIL_BIN (build/vigil), SQLITE3_BIN (sqlite3).

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { now, snapshot, delta, pctCore, memKb } from './lib/proc.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { startDaemon, Client } = await import(path.join(ROOT, 'tests', 'lib', 'daemon.mjs'));

// ---------------------------------------------------------------------------
// Options

function parseArgs(argv) {
    const o = { requests: 200, days: 30, cameras: 32, segment: 60, range: 30, seed: 1, idle: 65, dir: os.tmpdir(), keep: false };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const val = () => {
            if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
            return argv[++i];
        };
        if (a === '--requests') o.requests = Number(val());
        else if (a === '--days') o.days = Number(val());
        else if (a === '--cameras') o.cameras = Number(val());
        else if (a === '--segment-seconds') o.segment = Number(val());
        else if (a === '--range-minutes') o.range = Number(val());
        else if (a === '--seed') o.seed = Number(val());
        else if (a === '--idle-seconds') o.idle = Number(val());
        else if (a === '--dir') o.dir = val();
        else if (a === '--keep') o.keep = true;
        else if (a === '-h' || a === '--help') {
            console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 30).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
            process.exit(0);
        } else throw new Error(`unknown argument ${a}`);
    }
    for (const k of ['requests', 'days', 'cameras', 'segment', 'range']) {
        if (!Number.isInteger(o[k]) || o[k] < 1) throw new Error(`--${k}: a positive integer`);
    }
    if (86400 % o.segment) throw new Error('--segment-seconds must divide a day');
    if (o.range * 60 > o.days * 86400 / 2) throw new Error('--range-minutes too long for --days');
    if (o.cameras > 99) throw new Error('--cameras: at most 99');
    return o;
}

const opt = parseArgs(process.argv.slice(2));
const SQLITE3 = process.env.SQLITE3_BIN ?? 'sqlite3';
const SEG_MS = opt.segment * 1000;
const RANGE_MS = opt.range * 60000;
const PER_CAMERA = (opt.days * 86400) / opt.segment;
const ROWS = PER_CAMERA * opt.cameras;
const SOURCE = 'source';
const cams = Array.from({ length: opt.cameras }, (_, i) => `bench-${String(i + 1).padStart(2, '0')}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fmt = (x, d = 1) => (x === undefined || x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(d));
const num = (n) => n.toLocaleString('en-US');

function sql(db, text, { json = false, timeout = 1800000 } = {}) {
    const out = execFileSync(SQLITE3, [...(json ? ['-json'] : []), '-bail', '-cmd', '.timeout 10000', db],
        { input: text, encoding: 'utf8', timeout, maxBuffer: 256 << 20 });
    if (!json) return out;
    return out.trim() ? JSON.parse(out) : [];
}

const q = (v) => (v === null || v === undefined ? 'NULL' : typeof v === 'number' ? String(v) : `'${String(v).replace(/'/g, "''")}'`);

function dbSize(stateDir) {
    let s = 0;
    for (const suffix of ['', '-wal', '-shm']) {
        try {
            s += fs.statSync(path.join(stateDir, `vigil.db${suffix}`)).size;
        } catch {
            // absent
        }
    }
    return s;
}

// Small deterministic PRNG (mulberry32): the same --seed draws the same requests.
function rng(seed) {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

const pad = (n, w = 2) => String(n).padStart(w, '0');
const localDay = (ms) => {
    const d = new Date(ms);
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
};

// ---------------------------------------------------------------------------
// One timed GET on a new connection: ms from writing the request to the first byte,
// to the end of the headers, and to the end of the moov (until: 'moov') or of the body
// (until: 'body').

function timedGet(port, target, cookie, until) {
    return new Promise((resolve, reject) => {
        const sock = net.connect(port, '127.0.0.1');
        sock.setNoDelay(true);
        const r = { status: 0, first: null, headers: null, done: null, hdr: {}, bodyBytes: 0 };
        let t0 = 0;
        let head = Buffer.alloc(0);
        let prefix = Buffer.alloc(0); // the start of the body, for the box headers
        let tail = '';
        let settled = false;
        const finish = (err) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            sock.destroy();
            if (err) reject(err);
            else resolve(r);
        };
        const timer = setTimeout(() => finish(new Error(`${target}: no complete answer in 120 s`)), 120000);
        const moovEnd = () => {
            let i = 0;
            while (i + 8 <= prefix.length) {
                let size = prefix.readUInt32BE(i);
                const type = prefix.toString('latin1', i + 4, i + 8);
                if (size === 1) {
                    if (i + 16 > prefix.length) return null;
                    size = Number(prefix.readBigUInt64BE(i + 8));
                }
                if (size < 8) return -1;
                if (type === 'moov') return i + size;
                i += size;
            }
            return null;
        };
        const onBody = (chunk, t) => {
            r.bodyBytes += chunk.length;
            if (until === 'moov') {
                if (prefix.length < 65536) prefix = Buffer.concat([prefix, chunk.subarray(0, 65536 - prefix.length)]);
                const end = moovEnd();
                if (end === -1 || (end === null && prefix.length >= 65536)) {
                    r.badBoxes = true;
                    finish();
                } else if (end !== null && r.bodyBytes >= end) {
                    r.done = (t - t0) * 1000;
                    r.moovBytes = end;
                    finish();
                }
            } else {
                const cl = Number(r.hdr['content-length']);
                tail = (tail + chunk.toString('latin1')).slice(-7);
                if ((Number.isFinite(cl) && r.bodyBytes >= cl) || (r.hdr['transfer-encoding'] === 'chunked' && /(^|\r\n)0\r\n\r\n$/.test(tail))) {
                    r.done = (t - t0) * 1000;
                    finish();
                }
            }
        };
        sock.on('connect', () => {
            t0 = now();
            sock.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: ${cookie}\r\nConnection: close\r\n\r\n`);
        });
        sock.on('data', (chunk) => {
            const t = now();
            if (r.first === null) r.first = (t - t0) * 1000;
            if (r.headers === null) {
                head = Buffer.concat([head, chunk]);
                const i = head.indexOf('\r\n\r\n');
                if (i < 0) return;
                r.headers = (t - t0) * 1000;
                const lines = head.subarray(0, i).toString('latin1').split('\r\n');
                r.status = Number(lines[0].split(' ')[1]);
                for (const l of lines.slice(1)) {
                    const c = l.indexOf(':');
                    if (c > 0) r.hdr[l.slice(0, c).trim().toLowerCase()] = l.slice(c + 1).trim();
                }
                const body = head.subarray(i + 4);
                if (r.status !== 200) until = 'body';
                if (body.length) onBody(body, t);
                else if (r.hdr['content-length'] === '0') onBody(body, t);
                return;
            }
            onBody(chunk, t);
        });
        sock.on('end', () => {
            if (r.done === null && r.headers !== null && until === 'body') r.done = (now() - t0) * 1000;
            finish();
        });
        sock.on('error', (e) => finish(e));
    });
}

function quantile(sorted, p) {
    if (!sorted.length) return NaN;
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

function stats(xs) {
    const s = xs.filter((x) => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
    return { n: s.length, min: s[0], median: quantile(s, 0.5), p90: quantile(s, 0.9), p99: quantile(s, 0.99), max: s[s.length - 1] };
}

// ---------------------------------------------------------------------------

const tmp = fs.mkdtempSync(path.join(opt.dir, 'vigil-idxbench-'));
const recDir = path.join(tmp, 'recordings');
fs.mkdirSync(recDir);
const config = `log:\n  level: warn\nstreams:\n  idle_timeout_s: 30\nstorage:\n  recordings_dir: "${recDir}"\n` +
    `retention:\n  segment_seconds: ${opt.segment}\n  max_age_days: 0\n  max_storage_gb: 0\n  min_free_percent: 0\n`;

console.log(`recordings index bench: ${os.cpus().length} cores, vigil ${process.env.VIGIL_BIN ?? 'build/vigil'},` +
    ` ${opt.days} days x ${opt.cameras} cameras x ${PER_CAMERA} segments of ${opt.segment} s = ${num(ROWS)} rows,` +
    ` ${opt.requests} requests (seed ${opt.seed}), ranges of ${opt.range} min; TZ ${Intl.DateTimeFormat().resolvedOptions().timeZone}`);
console.log(`state and recordings under ${tmp} (${execFileSync('df', ['--output=source,fstype', tmp], { encoding: 'utf8' }).split('\n')[1].trim().replace(/\s+/g, ' ')})`);

let d = null;
try {
    // 1. One real segment.
    d = await startDaemon({ config });
    const db = path.join(d.stateDir, 'vigil.db');
    let api = new Client(d.url);
    await api.login('admin', d.adminPassword);
    const tStart = Date.now();
    let r = await api.post('/api/cameras', { id: SOURCE, name: 'Source', main_url: 'demo:1', record: true });
    if (r.status !== 201 && r.status !== 200) throw new Error(`POST /api/cameras ${SOURCE}: ${r.status} ${r.text.slice(0, 300)}`);
    for (const id of cams) {
        r = await api.post('/api/cameras', { id, name: id, main_url: 'demo:1', record: false });
        if (r.status !== 201 && r.status !== 200) throw new Error(`POST /api/cameras ${id}: ${r.status} ${r.text.slice(0, 300)}`);
    }
    let real = null;
    const deadline = Date.now() + (3 * opt.segment + 60) * 1000;
    process.stdout.write(`waiting for a closed segment of >= ${fmt(0.9 * opt.segment, 0)} s of ${SOURCE} (demo:1) ...`);
    while (!real) {
        if (Date.now() > deadline) throw new Error(`no closed segment of ${SOURCE} after ${(Date.now() - tStart) / 1000} s; last answer ${r.status} ${r.text.slice(0, 300)}\nlog:\n${d.stderr().slice(-2000)}`);
        await sleep(2000);
        r = await api.get(`/api/recordings/segments?camera=${SOURCE}&from=${tStart - 3600000}&to=${Date.now() + 3600000}`);
        if (r.status === 200) real = (r.json?.segments ?? []).find((s) => !s.live && s.end_ms - s.start_ms >= 0.9 * SEG_MS) ?? null;
    }
    console.log(` after ${fmt((Date.now() - tStart) / 1000, 0)} s: id ${real.id}, ${fmt((real.end_ms - real.start_ms) / 1000, 2)} s,` +
        ` ${fmt(real.bytes / 1e6, 2)} MB, ${real.codec} ${real.width}x${real.height}`);
    r = await api.put(`/api/cameras/${SOURCE}`, { record: false });
    if (r.status !== 200) console.log(`  (PUT record:false answered ${r.status}; ${SOURCE} goes on recording until the stop)`);
    await d.stop();

    // 2. The synthetic index.
    const row = sql(db, `SELECT * FROM segments WHERE id = ${Number(real.id)};`, { json: true })[0];
    if (!row) throw new Error(`segment ${real.id} is not in ${db}`);
    const realFile = path.join(recDir, row.path);
    const realSize = fs.statSync(realFile).size;
    const cols = sql(db, 'PRAGMA table_info(segments);', { json: true });
    const day0 = new Date();
    day0.setHours(0, 0, 0, 0);
    day0.setDate(day0.getDate() - opt.days);
    const T0 = day0.getTime(); // local midnight, --days days ago: the index covers [T0, today's midnight)
    const startExpr = `(${T0} + i * ${SEG_MS})`;
    const local = (f) => `strftime('${f}', ${startExpr} / 1000, 'unixepoch', 'localtime')`;
    const exprs = {
        camera_id: 'c',
        stream: "'main'",
        start_ms: startExpr,
        end_ms: `(${startExpr} + ${SEG_MS})`,
        bytes: String(realSize),
        path: `c || '/' || ${local('%Y-%m-%d')} || '/' || ${local('%H%M%S')} || '.mp4'`,
        open: '0',
        day: local('%Y-%m-%d'),
    };
    const names = [];
    const values = [];
    const copied = [];
    for (const c of cols) {
        if (c.pk) continue;
        if (exprs[c.name] !== undefined) values.push(exprs[c.name]);
        else if (c.name in row) {
            values.push(q(row[c.name])); // codec, width, height and anything else: the real segment's
            copied.push(c.name);
        } else continue;
        names.push(c.name);
    }
    const before = dbSize(d.stateDir);
    const insert = 'BEGIN;\n' +
        `WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < ${PER_CAMERA - 1}),\n` +
        `  cams(c) AS (VALUES ${cams.map((c) => `(${q(c)})`).join(', ')})\n` +
        `INSERT INTO segments (${names.join(', ')})\nSELECT ${values.join(',\n  ')}\nFROM cams CROSS JOIN seq;\nCOMMIT;\n`;
    let t = now();
    sql(db, insert);
    const insertS = now() - t;
    const count = Number(sql(db, `SELECT count(*) FROM segments WHERE camera_id LIKE 'bench-%';`).trim());
    console.log(`inserted ${num(count)} rows in ${fmt(insertS, 1)} s (one transaction; columns copied from the real row: ${copied.join(', ') || 'none'});` +
        ` vigil.db ${fmt(before / 1e6, 1)} MB -> ${fmt(dbSize(d.stateDir) / 1e6, 1)} MB`);

    // 3. The requests, drawn before the restart; the files they touch, as hard links.
    const rand = rng(opt.seed);
    const span = opt.days * 86400000;
    const reqs = Array.from({ length: opt.requests }, () => {
        const cam = cams[Math.floor(rand() * cams.length)];
        const at = T0 + Math.floor((rand() * (span - RANGE_MS)) / 1000) * 1000;
        return { cam, at, day: localDay(at) };
    });
    t = now();
    const touched = sql(db, 'CREATE TEMP TABLE req(cam TEXT, t INTEGER);\n' +
        `INSERT INTO req VALUES ${reqs.map((x) => `(${q(x.cam)}, ${x.at})`).join(', ')};\n` +
        `SELECT DISTINCT s.path AS path FROM req JOIN segments s ON s.camera_id = req.cam AND s.start_ms >= req.t - ${2 * SEG_MS + 3600000}` +
        ` AND s.start_ms < req.t + ${RANGE_MS} AND s.end_ms > req.t - ${SEG_MS};\n`, { json: true }).map((x) => x.path);
    let links = 0;
    for (const p of touched) {
        const dst = path.join(recDir, p);
        fs.mkdirSync(path.dirname(dst), { recursive: true });
        try {
            fs.linkSync(realFile, dst);
            links++;
        } catch (e) {
            if (e.code !== 'EEXIST') throw e;
        }
    }
    console.log(`${num(links)} hard links to ${row.path} (${fmt(realSize / 1e6, 2)} MB) for the segments the requests touch, in ${fmt(now() - t, 1)} s`);

    // 4. Restart on the same state.
    t = now();
    await d.restart();
    const restartS = now() - t;
    const tReady = now();
    api = new Client(d.url);
    await api.login('admin', d.adminPassword);
    const cookie = api.cookieHeader();
    const mem = memKb(d.pid);
    console.log(`restart with the index: ready (GET /api/health 200) in ${fmt(restartS, 2)} s; RSS ${fmt(mem.rss / 1024, 1)} MB, PSS ${fmt(mem.pss / 1024, 1)} MB`);
    const days1 = await api.get(`/api/recordings/days?camera=${cams[0]}`);
    if (days1.status === 200) {
        const dd = days1.json?.days ?? [];
        console.log(`${cams[0]} after the restart: ${dd.length} days, ${num(dd.reduce((a, x) => a + (x.segments ?? 0), 0))} segments` +
            ` (inserted ${opt.days} days, ${num(PER_CAMERA)} segments)`);
    } else console.log(`GET /api/recordings/days answered ${days1.status}: ${days1.text.slice(0, 200)}`);
    if (opt.idle > 0) {
        // Idle but for GET /api/health every 100 ms: its answer time shows the event loop's
        // stalls (the retention pass runs on it every retention.interval_s, 60 s by default).
        const a = snapshot({ vigil: [d.pid] });
        const health = [];
        const until = now() + opt.idle;
        while (now() < until) {
            const h = await timedGet(d.port, '/api/health', cookie, 'body');
            health.push({ ms: h.done, at: now() });
            await sleep(100);
        }
        const b = snapshot({ vigil: [d.pid] });
        const rr = delta(a, b);
        const hs = stats(health.map((h) => h.ms));
        const slow = health.filter((h) => h.ms > 50).length;
        const worst = health.reduce((m, h) => (h.ms > m.ms ? h : m), health[0]);
        console.log(`idle with the index loaded: vigil ${fmt(pctCore(rr, 'vigil'), 2)} % of a core over ${fmt(rr.dt, 0)} s` +
            ` (host busy ${fmt(rr.hostBusyPct, 0)} % of ${os.cpus().length} cores); GET /api/health every 100 ms meanwhile:` +
            ` median ${fmt(hs.median, 1)} ms, max ${fmt(hs.max, 1)} ms (${fmt(worst.at - tReady, 0)} s after the restart), ${slow} of ${health.length} over 50 ms`);
    }

    const endpoints = [
        { name: 'play.mp4', until: 'moov', target: (x) => `/api/recordings/play.mp4?camera=${x.cam}&from=${x.at}&to=${x.at + RANGE_MS}` },
        { name: 'timeline', until: 'body', target: (x) => `/api/recordings/timeline?camera=${x.cam}&day=${x.day}` },
        { name: 'days', until: 'body', target: (x) => `/api/recordings/days?camera=${x.cam}` },
        { name: 'thumbnail.jpg', until: 'body', target: (x) => `/api/recordings/thumbnail.jpg?camera=${x.cam}&at=${x.at}` },
        // Not per camera: the storage page's summary over the whole index; fewer of them.
        { name: 'storage', until: 'body', count: Math.min(opt.requests, 20), target: () => '/api/storage' },
    ];
    const results = [];
    for (const ep of endpoints) {
        const res = [];
        const tEp = now();
        for (const x of reqs.slice(0, ep.count ?? reqs.length)) res.push({ x, ...(await timedGet(d.port, ep.target(x), cookie, ep.until)) });
        results.push({ ep, res, seconds: now() - tEp });
    }

    // Figures
    console.log(`\nvigil.db ${fmt(dbSize(d.stateDir) / 1e6, 1)} MB (${num(count)} synthetic rows; ${fmt(dbSize(d.stateDir) / count, 0)} bytes a row)`);
    const head = ['request', 'n', 'statuses', 'first byte ms: median', 'p90', 'p99', 'max', 'headers ms: median', 'p90', 'p99', 'max',
        'moov/body ms: median', 'p90', 'p99', 'max'];
    const table = results.map(({ ep, res }) => {
        const st = {};
        for (const x of res) st[x.status] = (st[x.status] ?? 0) + 1;
        const cells = [ep.name, String(res.length), Object.entries(st).map(([k, v]) => `${k}:${v}`).join(' ')];
        for (const k of ['first', 'headers', 'done']) {
            const s = stats(res.filter((x) => x.status === 200).map((x) => x[k]));
            cells.push(fmt(s.median, 1), fmt(s.p90, 1), fmt(s.p99, 1), fmt(s.max, 1));
        }
        return cells;
    });
    const widths = head.map((h, i) => Math.max(h.length, ...table.map((c) => c[i].length)));
    const line = (c) => c.map((x, i) => (i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ');
    console.log(line(head));
    for (const c of table) console.log(line(c));
    console.log('(times of 200 answers only; each request on a new connection, one at a time; moov/body: play.mp4 up to the end of' +
        '\nits moov box, which is what a player needs before the first picture; the others up to the end of the body)');

    // Sanity: what came back.
    for (const { ep, res, seconds } of results) {
        const ok = res.filter((x) => x.status === 200);
        const bad = res.filter((x) => x.status !== 200);
        let extra = '';
        if (ep.name === 'play.mp4' && ok.length) {
            const sizes = stats(ok.map((x) => Number(x.hdr['content-length'])));
            const moov = stats(ok.map((x) => x.moovBytes));
            const lead = stats(ok.map((x) => x.x.at - Number(x.hdr['x-recording-start'])));
            const trail = stats(ok.map((x) => x.x.at + RANGE_MS - Number(x.hdr['x-recording-end'])));
            const range = (x) => `${fmt(x.min, 0)} to ${fmt(x.max, 0)} ms (median ${fmt(x.median, 0)})`;
            extra = `; Content-Length median ${fmt(sizes.median / 1e6, 1)} MB, moov median ${fmt(moov.median / 1e3, 0)} kB;` +
                ` from - X-Recording-Start ${range(lead)}, to - X-Recording-End ${range(trail)}` +
                `${ok.some((x) => x.badBoxes) ? '; some bodies did not start with boxes ending in a moov' : ''}`;
        } else if (ok.length) {
            extra = `; body median ${fmt(stats(ok.map((x) => x.bodyBytes)).median / 1e3, 1)} kB`;
        }
        console.log(`${ep.name}: ${ok.length} of ${res.length} answered 200 in ${fmt(seconds, 1)} s${extra}` +
            `${bad.length ? `; others: ${bad.slice(0, 3).map((x) => `${x.status} for ${ep.target(x.x)}`).join(', ')}` : ''}`);
    }
    const tl = await api.get(`/api/recordings/timeline?camera=${reqs[0].cam}&day=${reqs[0].day}`);
    if (tl.status === 200) {
        console.log(`timeline of ${reqs[0].cam} on ${reqs[0].day} (a fully covered day): ${tl.json?.spans?.length} spans, ${tl.json?.gaps?.length} gaps`);
    }
    const warn = d.stderr().split('\n').filter((l) => /warn|error/i.test(l));
    if (warn.length) console.log(`vigil logged ${warn.length} warnings/errors; the last: ${warn.slice(-3).join(' | ')}`);
} finally {
    if (d?.running()) await d.stop();
    if (opt.keep) console.log(`kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
}
