#!/usr/bin/env node
// Ingest cost per camera: Vigil against the seed systems' one-ffmpeg-per-camera.
//
// For each camera count N: camsim (tests/sim) serves N RTSP sessions, Vigil pulls N
// cameras with one MSE viewer each (a Node fetch that reads and discards the body);
// after a warm-up, Vigil's CPU (utime+stime of the whole process), RSS and PSS are
// measured for --seconds. Then, in the same run, the peer: N processes of
// `ffmpeg -rtsp_transport tcp -i rtsp://… -c copy -f mp4 -movflags frag_keyframe+empty_moov -`
// whose stdout this script reads and discards, measured the same way. camsim's own CPU
// is measured separately and not counted in either. Prints figures, never pass/fail.
//
// Usage: node bench/ingest.mjs [--cameras 4,16,32] [--seconds 60] [--warmup 10]
//          [--per-sim K] [--mount /h264] [--no-ffmpeg] [--perf]
//   --per-sim K  one camsim process per K cameras (default: one for all)
//   --mount M    camsim mount every camera uses (default /h264: 720p25 2 Mbit/s + AAC)
//   --perf       after each Vigil window, `perf record` Vigil for 10 s and print the
//                top symbols by self time (outside the measured window)
// Env: VIGIL_BIN (build/vigil), CAMSIM_BIN (build/tests/sim/camsim), FFMPEG_BIN (ffmpeg).

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { CLK_TCK, cpuTicks, memKb, threads, snapshot, delta } from './lib/proc.mjs';
import { spawnChild, stopChild } from './lib/children.mjs';
import { startCamsim, cameraUrls as simUrls } from './lib/camsim.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { startDaemon, Client } = await import(path.join(ROOT, 'tests', 'lib', 'daemon.mjs'));

// ---------------------------------------------------------------------------
// Options

function parseArgs(argv) {
    const o = { cameras: [4, 16, 32], seconds: 60, warmup: 10, perSim: 0, mount: '/h264', ffmpeg: true, perf: false };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const val = () => {
            if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
            return argv[++i];
        };
        if (a === '--cameras') o.cameras = val().split(',').map((s) => Number(s.trim()));
        else if (a === '--seconds') o.seconds = Number(val());
        else if (a === '--warmup') o.warmup = Number(val());
        else if (a === '--per-sim') o.perSim = Number(val());
        else if (a === '--mount') o.mount = val();
        else if (a === '--no-ffmpeg') o.ffmpeg = false;
        else if (a === '--perf') o.perf = true;
        else if (a === '-h' || a === '--help') {
            console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 19).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
            process.exit(0);
        } else throw new Error(`unknown argument ${a}`);
    }
    if (!o.cameras.every((n) => Number.isInteger(n) && n > 0)) throw new Error('--cameras: positive integers, comma-separated');
    if (!(o.seconds > 0) || !(o.warmup >= 0)) throw new Error('--seconds > 0, --warmup >= 0');
    return o;
}

const opt = parseArgs(process.argv.slice(2));
const FFMPEG_BIN = process.env.FFMPEG_BIN ?? 'ffmpeg';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------
// Vigil with N cameras and N MSE viewers

const cameraUrls = (sims, n) => simUrls(sims, n, { perSim: opt.perSim, mount: opt.mount });

function vigilConfig(urls) {
    let y = 'streams:\n  idle_timeout_s: 600\nlog:\n  level: warn\ncameras:\n';
    urls.forEach((u, i) => {
        y += `  - id: cam-${i + 1}\n    main_url: "${u}"\n`;
    });
    return y;
}

function startViewer(url, cookie) {
    const v = { bytes: 0, error: null, status: 0, ctrl: new AbortController() };
    v.done = fetch(url, { headers: { Cookie: cookie }, signal: v.ctrl.signal })
        .then(async (res) => {
            v.status = res.status;
            for await (const chunk of res.body) v.bytes += chunk.length;
            v.error = 'ended';
        })
        .catch((e) => {
            if (!v.ctrl.signal.aborted) v.error = e.message;
        });
    return v;
}

async function waitOnline(api, n, timeoutMs = 30000) {
    const deadline = Date.now() + timeoutMs;
    let cams = [];
    for (;;) {
        const r = await api.get('/api/cameras');
        cams = r.json ?? [];
        const online = cams.filter((c) => c.status?.state === 'online').length;
        if (online === n) return cams;
        if (Date.now() > deadline) {
            const states = {};
            for (const c of cams) states[c.status?.state] = (states[c.status?.state] ?? 0) + 1;
            throw new Error(`only ${online} of ${n} cameras online after ${timeoutMs / 1000} s: ${JSON.stringify(states)}`);
        }
        await sleep(250);
    }
}

async function perfTop(pid, label) {
    const file = path.join(os.tmpdir(), `vigil-ingest-${label}-${process.pid}.perf.data`);
    try {
        execFileSync('perf', ['record', '-q', '-F', '999', '-p', String(pid), '-o', file, '--', 'sleep', '10'], { stdio: ['ignore', 'ignore', 'pipe'] });
        const rep = execFileSync('perf', ['report', '-i', file, '--no-children', '--sort', 'dso,symbol', '--stdio', '--percent-limit', '1.5'],
            { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 });
        const lines = rep.split('\n').filter((l) => /^\s+\d/.test(l)).slice(0, 25);
        console.log(`  perf (${label}, 10 s, self time, >=1.5 %; data in ${file}):`);
        for (const l of lines) console.log(`    ${l.trim()}`);
    } catch (e) {
        console.log(`  perf failed: ${e.message.split('\n')[0]}`);
    }
}

async function benchVigil(sims, n) {
    const urls = cameraUrls(sims, n);
    const d = await startDaemon({ config: vigilConfig(urls) });
    const api = new Client(d.url);
    await api.login('admin', d.adminPassword);
    await sleep(500);
    const idleMem = memKb(d.pid);
    const viewers = urls.map((_, i) => startViewer(`${d.url}/api/streams/cam-${i + 1}/mse`, api.cookieHeader()));
    try {
        await waitOnline(api, n);
        await sleep(opt.warmup * 1000);
        const groups = { vigil: [d.pid], camsim: sims.map((s) => s.pid) };
        const bytes0 = viewers.reduce((a, v) => a + v.bytes, 0);
        const before = (await api.get('/api/cameras')).json;
        // The main thread (tid = pid) runs the event loop: HTTP and the MSE viewers.
        const loopFile = `/proc/${d.pid}/task/${d.pid}/stat`;
        const loop0 = cpuTicks(d.pid, loopFile);
        const a = snapshot(groups);
        await sleep(opt.seconds * 1000);
        const b = snapshot(groups);
        const loop1 = cpuTicks(d.pid, loopFile);
        const bytes1 = viewers.reduce((a, v) => a + v.bytes, 0);
        const mem = memKb(d.pid);
        const after = (await api.get('/api/cameras')).json;
        const r = delta(a, b);
        const sum = (cams, k) => cams.reduce((acc, c) => acc + (c.status?.[k] ?? 0), 0);
        const failed = viewers.filter((v) => v.error || v.status !== 200);
        const res = {
            ...r,
            vigil: r.cpu.vigil,
            camsim: r.cpu.camsim,
            mem,
            idleMem,
            threads: threads(d.pid),
            loop: (loop1 - loop0) / CLK_TCK,
            bitrate: ((bytes1 - bytes0) * 8) / r.dt / n, // bit/s per camera
            skips: sum(after, 'skips') - sum(before, 'skips'),
            reconnects: sum(after, 'reconnects') - sum(before, 'reconnects'),
            offline: after.filter((c) => c.status?.state !== 'online').length,
            viewerErrors: failed.map((v) => v.error ?? `status ${v.status}`),
            pid: d.pid,
        };
        if (opt.perf) await perfTop(d.pid, `vigil-${n}`);
        return res;
    } finally {
        for (const v of viewers) v.ctrl.abort();
        await Promise.allSettled(viewers.map((v) => v.done));
        await d.stop();
    }
}

// ---------------------------------------------------------------------------
// The peer: one ffmpeg per camera, stdout read and discarded here

async function benchFfmpeg(sims, n) {
    const urls = cameraUrls(sims, n);
    const procs = urls.map((u) => {
        const c = spawnChild(FFMPEG_BIN, ['-hide_banner', '-loglevel', 'error', '-rtsp_transport', 'tcp', '-i', u,
            '-c', 'copy', '-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov', '-'], { captureStdout: false });
        c.bytes = 0;
        c.stdout.on('data', (b) => {
            c.bytes += b.length;
        });
        return c;
    });
    try {
        // Started when every process has written its first fragment (frag_keyframe: a GOP).
        const deadline = Date.now() + 30000;
        while (procs.some((p) => p.bytes === 0 && !p.exited)) {
            if (Date.now() > deadline) throw new Error('ffmpeg: no output within 30 s');
            await sleep(250);
        }
        const dead = procs.filter((p) => p.exited);
        if (dead.length) throw new Error(`ffmpeg exited early: ${dead[0].outText}`);
        await sleep(opt.warmup * 1000);
        const groups = { ffmpeg: procs.map((p) => p.pid), camsim: sims.map((s) => s.pid) };
        const bytes0 = procs.reduce((a, p) => a + p.bytes, 0);
        const a = snapshot(groups);
        await sleep(opt.seconds * 1000);
        const b = snapshot(groups);
        const bytes1 = procs.reduce((a, p) => a + p.bytes, 0);
        const mems = procs.map((p) => memKb(p.pid));
        const r = delta(a, b);
        return {
            ...r,
            ffmpeg: r.cpu.ffmpeg,
            camsim: r.cpu.camsim,
            rss: mems.reduce((x, m) => x + m.rss, 0) / n,
            pss: mems.reduce((x, m) => x + m.pss, 0) / n,
            pssTotal: mems.reduce((x, m) => x + m.pss, 0),
            bitrate: ((bytes1 - bytes0) * 8) / r.dt / n,
            died: procs.filter((p) => p.exited).length,
            stderr: procs.map((p) => p.outText.trim()).filter(Boolean),
        };
    } finally {
        await Promise.all(procs.map((p) => stopChild(p)));
    }
}

// ---------------------------------------------------------------------------

const fmt = (x, d = 2) => (x === undefined || x === null || Number.isNaN(x) ? 'n/a' : x.toFixed(d));
const mb = (kb) => kb / 1024;

const maxN = Math.max(...opt.cameras);
const nSims = opt.perSim > 0 ? Math.ceil(maxN / opt.perSim) : 1;
const sims = [];
for (let i = 0; i < nSims; i++) sims.push(await startCamsim());

console.log(`ingest bench: ${os.cpus().length} cores, CLK_TCK ${CLK_TCK}, vigil ${process.env.VIGIL_BIN ?? 'build/vigil'},` +
    ` ${nSims} camsim process${nSims > 1 ? 'es' : ''} (mount ${opt.mount}), warm-up ${opt.warmup} s, window ${opt.seconds} s`);
console.log(`ffmpeg: ${execFileSync(FFMPEG_BIN, ['-version'], { encoding: 'utf8' }).split('\n')[0]}`);

const rows = [];
try {
    for (const n of opt.cameras) {
        console.log(`\nN=${n}`);
        const v = await benchVigil(sims, n);
        const camMin = (n * v.dt) / 60;
        console.log(`  vigil: ${fmt(v.vigil)} CPU s in ${fmt(v.dt, 1)} s = ${fmt(v.vigil / camMin, 3)} s/cam-min` +
            ` (${fmt((100 * v.vigil) / v.dt, 1)} % of a core); RSS ${fmt(mb(v.mem.rss), 1)} MB, PSS ${fmt(mb(v.mem.pss), 1)} MB` +
            ` (idle before viewers: RSS ${fmt(mb(v.idleMem.rss), 1)} MB)`);
        console.log(`         ${v.threads} threads; the loop thread ${fmt(v.loop)} CPU s, the other threads (sources, workers) ${fmt(v.vigil - v.loop)} CPU s`);
        console.log(`         viewers ${fmt(v.bitrate / 1e6, 3)} Mbit/s per camera; skips ${v.skips}, reconnects ${v.reconnects},` +
            ` not online at end ${v.offline}${v.viewerErrors.length ? `; viewer errors: ${v.viewerErrors.join(', ')}` : ''}`);
        console.log(`         camsim ${fmt((100 * v.camsim) / v.dt, 1)} % of a core; this script ${fmt((100 * v.self) / v.dt, 1)} %;` +
            ` host busy ${fmt(v.hostBusyPct, 0)} % of ${os.cpus().length} cores`);
        let f = null;
        if (opt.ffmpeg) {
            await sleep(1000);
            f = await benchFfmpeg(sims, n);
            console.log(`  ffmpeg: ${fmt(f.ffmpeg)} CPU s in ${fmt(f.dt, 1)} s = ${fmt(f.ffmpeg / ((n * f.dt) / 60), 3)} s/cam-min;` +
                ` per process RSS ${fmt(mb(f.rss), 1)} MB, PSS ${fmt(mb(f.pss), 1)} MB (PSS total ${fmt(mb(f.pssTotal), 1)} MB)`);
            console.log(`         output ${fmt(f.bitrate / 1e6, 3)} Mbit/s per camera; exited early ${f.died}` +
                `${f.stderr.length ? `; stderr: ${f.stderr[0].split('\n')[0]}` : ''}`);
            console.log(`         camsim ${fmt((100 * f.camsim) / f.dt, 1)} % of a core; this script ${fmt((100 * f.self) / f.dt, 1)} %;` +
                ` host busy ${fmt(f.hostBusyPct, 0)} % of ${os.cpus().length} cores`);
        }
        rows.push({ n, v, f });
        await sleep(1000);
    }
} finally {
    await Promise.all(sims.map((s) => stopChild(s)));
}

// ---------------------------------------------------------------------------
// Table

const head = ['N', 'vigil s/cam-min', 'ffmpeg s/cam-min', 'vigil/ffmpeg', 'vigil RSS MB/cam', 'vigil PSS MB/cam',
    'vigil +RSS MB/cam', 'ffmpeg PSS MB/proc', 'ffmpeg RSS MB/proc', 'Mbit/s/cam v|f', 'camsim %core v|f'];
const table = rows.map(({ n, v, f }) => {
    const vc = v.vigil / ((n * v.dt) / 60);
    const fc = f ? f.ffmpeg / ((n * f.dt) / 60) : null;
    return [
        String(n), fmt(vc, 3), f ? fmt(fc, 3) : '-', f ? fmt(vc / fc, 2) : '-',
        fmt(mb(v.mem.rss) / n, 2), fmt(mb(v.mem.pss) / n, 2), fmt(mb(v.mem.rss - v.idleMem.rss) / n, 2),
        f ? fmt(mb(f.pss), 1) : '-', f ? fmt(mb(f.rss), 1) : '-',
        `${fmt(v.bitrate / 1e6, 2)}|${f ? fmt(f.bitrate / 1e6, 2) : '-'}`,
        `${fmt((100 * v.camsim) / v.dt, 1)}|${f ? fmt((100 * f.camsim) / f.dt, 1) : '-'}`,
    ];
});
const widths = head.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
const line = (r) => r.map((c, i) => c.padStart(widths[i])).join('  ');
console.log(`\n${line(head)}`);
for (const r of table) console.log(line(r));
console.log('\nvigil RSS/PSS MB/cam: the whole process divided by N; +RSS: growth over the idle daemon, divided by N.' +
    '\nFor the reader (not asserted): Vigil at most half of ffmpeg\'s CPU per camera; RSS per camera under 4 MB' +
    ' plus the GOP cache (the current GOP + 1 MiB slack per stream).');
