#!/usr/bin/env node
// Recording cost per camera: Vigil against the seed systems' one-ffmpeg-per-camera recorder.
//
// camsim (tests/sim) serves the cameras. Vigil records N of them (cameras made through
// POST /api/cameras with "record": true, no viewer) into <tmp>/vigil, and in the same run,
// at the same time, N processes of `ffmpeg -rtsp_transport tcp -i rtsp://… -c copy -f segment
// -segment_time 60 -reset_timestamps 1 -segment_format mp4 out%03d.mp4` record the same
// cameras into <tmp>/ffmpeg, on the same disk. After a warm-up, over --seconds: CPU seconds
// per camera-minute (utime+stime of every thread), RSS and PSS, bytes written per second
// (file sizes before and after, and /proc/PID/io), every camera's files checked to grow.
// Prints figures, never pass/fail.
//
// Usage: node bench/recording.mjs [--cameras 16] [--seconds 60] [--warmup 20]
//          [--segment-seconds 60] [--per-sim K] [--mount /h264] [--sequential]
//          [--no-ffmpeg] [--dir DIR] [--keep]
//   --sequential  measure Vigil first, then ffmpeg (default: both at once)
//   --dir DIR     where the temp dir of the recordings goes (default: the OS temp dir)
//   --keep        keep the recordings (the path is printed)
// Env: VIGIL_BIN (build/vigil), CAMSIM_BIN (build/tests/sim/camsim), FFMPEG_BIN (ffmpeg).

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { CLK_TCK, memKb, threads, ioCounters, snapshot, delta, pctCore, otherPct } from './lib/proc.mjs';
import { spawnChild, stopChild } from './lib/children.mjs';
import { startCamsim, cameraUrls } from './lib/camsim.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { startDaemon, Client } = await import(path.join(ROOT, 'tests', 'lib', 'daemon.mjs'));

// ---------------------------------------------------------------------------
// Options

function parseArgs(argv) {
    const o = { cameras: 16, seconds: 60, warmup: 20, segment: 60, perSim: 0, mount: '/h264', sequential: false,
        ffmpeg: true, dir: os.tmpdir(), keep: false };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const val = () => {
            if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
            return argv[++i];
        };
        if (a === '--cameras') o.cameras = Number(val());
        else if (a === '--seconds') o.seconds = Number(val());
        else if (a === '--warmup') o.warmup = Number(val());
        else if (a === '--segment-seconds') o.segment = Number(val());
        else if (a === '--per-sim') o.perSim = Number(val());
        else if (a === '--mount') o.mount = val();
        else if (a === '--sequential') o.sequential = true;
        else if (a === '--no-ffmpeg') o.ffmpeg = false;
        else if (a === '--dir') o.dir = val();
        else if (a === '--keep') o.keep = true;
        else if (a === '-h' || a === '--help') {
            console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 20).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
            process.exit(0);
        } else throw new Error(`unknown argument ${a}`);
    }
    if (!Number.isInteger(o.cameras) || o.cameras < 1) throw new Error('--cameras: a positive integer');
    if (!(o.seconds > 0) || !(o.warmup >= 0)) throw new Error('--seconds > 0, --warmup >= 0');
    if (!Number.isInteger(o.segment) || o.segment < 1) throw new Error('--segment-seconds: a positive integer');
    return o;
}

const opt = parseArgs(process.argv.slice(2));
const N = opt.cameras;
const FFMPEG_BIN = process.env.FFMPEG_BIN ?? 'ffmpeg';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fmt = (x, d = 2) => (x === undefined || x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(d));
const mb = (kb) => kb / 1024;
const camId = (i) => `cam-${i + 1}`;

// ---------------------------------------------------------------------------
// Files: size (apparent), allocated bytes and count under a directory, per camera directory

function walk(dir) {
    const out = { bytes: 0, alloc: 0, files: 0 };
    let entries = [];
    try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
        return out;
    }
    for (const e of entries) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) {
            const w = walk(p);
            out.bytes += w.bytes;
            out.alloc += w.alloc;
            out.files += w.files;
        } else if (e.isFile()) {
            try {
                const st = fs.statSync(p);
                out.bytes += st.size;
                out.alloc += st.blocks * 512;
                out.files++;
            } catch {
                // removed meanwhile
            }
        }
    }
    return out;
}

const perCamera = (root) => Array.from({ length: N }, (_, i) => walk(path.join(root, camId(i))));
const sumOf = (cams, k) => cams.reduce((a, c) => a + c[k], 0);

/**
 * The newest file under dir that the recorder has closed (by mtime: the newest of all is
 * the one being written; an ffmpeg mp4 gets its moov only when closed), or null.
 */
function newestClosedFile(dir) {
    const all = [];
    const visit = (d) => {
        let entries = [];
        try {
            entries = fs.readdirSync(d, { withFileTypes: true });
        } catch {
            return;
        }
        for (const e of entries) {
            const p = path.join(d, e.name);
            if (e.isDirectory()) visit(p);
            else if (e.isFile()) {
                const st = fs.statSync(p);
                all.push({ path: p, mtimeMs: st.mtimeMs, size: st.size });
            }
        }
    };
    visit(dir);
    all.sort((a, b) => b.mtimeMs - a.mtimeMs);
    return all[1] ?? null;
}

/** What ffprobe reads in a recorded file: duration, streams, video packets. */
function probe(file) {
    try {
        const j = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-count_packets', '-show_entries',
            'format=duration,format_name:stream=codec_name,width,height,nb_read_packets', '-of', 'json', file],
        { encoding: 'utf8', timeout: 60000, maxBuffer: 16 << 20 }));
        const streams = (j.streams ?? []).map((s) => `${s.codec_name}${s.width ? ` ${s.width}x${s.height}` : ''} ${s.nb_read_packets} pkts`);
        return `${fmt(Number(j.format?.duration), 1)} s, ${streams.join(', ')}`;
    } catch (e) {
        return `ffprobe failed: ${e.message.split('\n')[0]}`;
    }
}

// ---------------------------------------------------------------------------
// Vigil

function vigilConfig(recDir) {
    return `log:\n  level: warn\nstreams:\n  idle_timeout_s: 600\nstorage:\n  recordings_dir: "${recDir}"\n` +
        `retention:\n  segment_seconds: ${opt.segment}\n`;
}

async function startVigil(recDir) {
    fs.mkdirSync(recDir, { recursive: true });
    const d = await startDaemon({ config: vigilConfig(recDir) });
    const api = new Client(d.url);
    await api.login('admin', d.adminPassword);
    await sleep(1000);
    const idleMem = memKb(d.pid);
    return { d, api, idleMem };
}

async function addCameras(v, urls) {
    for (let i = 0; i < urls.length; i++) {
        const r = await v.api.post('/api/cameras', { id: camId(i), name: `Camera ${i + 1}`, main_url: urls[i], record: true });
        if (r.status !== 201 && r.status !== 200) throw new Error(`POST /api/cameras ${camId(i)}: ${r.status} ${r.text.slice(0, 300)}`);
    }
}

/** Every camera online and recording (and a file on disk for each), or throws after timeoutMs. */
async function waitVigilRecording(v, recDir, timeoutMs = 60000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const cams = (await v.api.get('/api/cameras')).json ?? [];
        const mine = cams.filter((c) => /^cam-\d+$/.test(c.id));
        const recording = mine.filter((c) => (c.recording ? c.recording.state === 'recording' : c.status?.state === 'online')).length;
        const withFiles = perCamera(recDir).filter((w) => w.bytes > 0).length;
        if (recording === N && withFiles === N) return;
        if (Date.now() > deadline) {
            const states = {};
            for (const c of mine) {
                const k = `${c.status?.state}/${c.recording?.state ?? 'no recording field'}${c.recording?.reason ? ` (${c.recording.reason})` : ''}`;
                states[k] = (states[k] ?? 0) + 1;
            }
            throw new Error(`Vigil: ${recording} of ${N} cameras recording, ${withFiles} with a file in ${recDir} after ` +
                `${timeoutMs / 1000} s; states (stream/recording): ${JSON.stringify(states)}\nlog:\n${v.d.stderr().slice(-2000)}`);
        }
        await sleep(500);
    }
}

async function vigilChecks(v, t0ms) {
    // The index as the API shows it, for cam-1, and the storage summary.
    const out = {};
    const seg = await v.api.get(`/api/recordings/segments?camera=cam-1&from=${t0ms - 60000}&to=${Date.now() + 60000}`);
    out.segStatus = seg.status;
    out.segments = seg.json?.segments ?? null;
    const st = await v.api.get('/api/storage');
    out.storageStatus = st.status;
    out.storage = st.json;
    const cams = (await v.api.get('/api/cameras')).json ?? [];
    out.notRecording = cams.filter((c) => /^cam-\d+$/.test(c.id) && c.recording?.state !== 'recording')
        .map((c) => `${c.id}: ${c.recording?.state ?? '?'}${c.recording?.reason ? ` (${c.recording.reason})` : ''}`);
    out.reconnects = cams.reduce((a, c) => a + (c.status?.reconnects ?? 0), 0);
    return out;
}

// ---------------------------------------------------------------------------
// ffmpeg, one per camera

function startFfmpegs(urls, dir) {
    return urls.map((u, i) => {
        const out = path.join(dir, camId(i));
        fs.mkdirSync(out, { recursive: true });
        return spawnChild(FFMPEG_BIN, ['-hide_banner', '-loglevel', 'error', '-rtsp_transport', 'tcp', '-i', u,
            '-c', 'copy', '-f', 'segment', '-segment_time', String(opt.segment), '-reset_timestamps', '1',
            '-segment_format', 'mp4', path.join(out, 'out%03d.mp4')]);
    });
}

async function waitFfmpegWriting(procs, dir, timeoutMs = 60000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const dead = procs.filter((p) => p.exited);
        if (dead.length) throw new Error(`ffmpeg exited early (${dead.length} of ${N}): ${dead[0].spawnError?.message ?? dead[0].outText}`);
        const withFiles = perCamera(dir).filter((w) => w.bytes > 0).length;
        if (withFiles === N) return;
        if (Date.now() > deadline) throw new Error(`ffmpeg: ${withFiles} of ${N} cameras with a file in ${dir} after ${timeoutMs / 1000} s`);
        await sleep(500);
    }
}

// ---------------------------------------------------------------------------
// One measured window over whichever recorders run

async function measure(parts, sims) {
    const groups = { camsim: sims.map((s) => s.pid) };
    for (const p of parts) groups[p.name] = p.pids;
    const io0 = Object.fromEntries(parts.map((p) => [p.name, p.pids.map(ioCounters)]));
    const files0 = Object.fromEntries(parts.map((p) => [p.name, perCamera(p.dir)]));
    const a = snapshot(groups);
    await sleep(opt.seconds * 1000);
    const b = snapshot(groups);
    const files1 = Object.fromEntries(parts.map((p) => [p.name, perCamera(p.dir)]));
    const io1 = Object.fromEntries(parts.map((p) => [p.name, p.pids.map(ioCounters)]));
    const r = delta(a, b);
    const res = { r, parts: {} };
    for (const p of parts) {
        const f0 = files0[p.name];
        const f1 = files1[p.name];
        const ioSum = (k) => p.pids.reduce((acc, _, i) => acc + ((io1[p.name][i]?.[k] ?? 0) - (io0[p.name][i]?.[k] ?? 0)), 0);
        const mems = p.pids.map(memKb);
        res.parts[p.name] = {
            cpu: r.cpu[p.name],
            mems,
            threads: p.pids.reduce((acc, pid) => acc + threads(pid), 0),
            bytes: sumOf(f1, 'bytes') - sumOf(f0, 'bytes'),
            alloc: sumOf(f1, 'alloc') - sumOf(f0, 'alloc'),
            files: sumOf(f1, 'files'),
            grew: f1.filter((w, i) => w.bytes > f0[i].bytes).length,
            stalled: f1.map((w, i) => (w.bytes > f0[i].bytes ? null : camId(i))).filter(Boolean),
            writeBytes: ioSum('write_bytes'),
            wchar: ioSum('wchar'),
            syscw: ioSum('syscw'),
            ioReadable: io0[p.name].every(Boolean),
        };
    }
    return res;
}

function report(name, p, r, extra = '') {
    const camMin = (N * r.dt) / 60;
    const rss = p.mems.reduce((a, m) => a + m.rss, 0);
    const pss = p.mems.reduce((a, m) => a + m.pss, 0);
    const anon = p.mems.reduce((a, m) => a + m.anon, 0);
    console.log(`  ${name}: ${fmt(p.cpu)} CPU s in ${fmt(r.dt, 1)} s = ${fmt(p.cpu / camMin, 3)} s/cam-min` +
        ` (${fmt((100 * p.cpu) / r.dt, 1)} % of a core); ${p.mems.length === 1 ? '' : `${p.mems.length} processes, `}` +
        `RSS ${fmt(mb(rss), 1)} MB, PSS ${fmt(mb(pss), 1)} MB, anonymous ${fmt(mb(anon), 1)} MB in all; ${p.threads} threads${extra}`);
    console.log(`         files grew ${fmt(p.bytes / r.dt / 1024, 0)} kB/s (${fmt((p.bytes * 8) / r.dt / N / 1e6, 3)} Mbit/s per camera),` +
        ` allocated ${fmt(p.alloc / r.dt / 1024, 0)} kB/s; /proc io: write_bytes ${fmt(p.writeBytes / r.dt / 1024, 0)} kB/s,` +
        ` wchar ${fmt(p.wchar / r.dt / 1024, 0)} kB/s in ${fmt(p.syscw / r.dt, 0)} writes/s`);
    console.log(`         cameras whose files grew: ${p.grew} of ${N}${p.stalled.length ? ` (not: ${p.stalled.join(', ')})` : ''}; ${p.files} files now`);
}

// ---------------------------------------------------------------------------

const nSims = opt.perSim > 0 ? Math.ceil(N / opt.perSim) : 1;
const sims = [];
for (let i = 0; i < nSims; i++) sims.push(await startCamsim());
const urls = cameraUrls(sims, N, { perSim: opt.perSim, mount: opt.mount });
const tmp = fs.mkdtempSync(path.join(opt.dir, 'vigil-recbench-'));
const vigilDir = path.join(tmp, 'vigil');
const ffDir = path.join(tmp, 'ffmpeg');
fs.mkdirSync(ffDir, { recursive: true });

console.log(`recording bench: ${os.cpus().length} cores, CLK_TCK ${CLK_TCK}, vigil ${process.env.VIGIL_BIN ?? 'build/vigil'},` +
    ` ${N} cameras on ${nSims} camsim process${nSims > 1 ? 'es' : ''} (mount ${opt.mount}), segments of ${opt.segment} s,` +
    ` warm-up ${opt.warmup} s, window ${opt.seconds} s, ${opt.ffmpeg ? (opt.sequential ? 'Vigil then ffmpeg' : 'Vigil and ffmpeg at once') : 'Vigil only'}`);
console.log(`recordings in ${tmp} (${execFileSync('df', ['--output=source,fstype', tmp], { encoding: 'utf8' }).split('\n')[1].trim().replace(/\s+/g, ' ')})`);
if (opt.ffmpeg) console.log(`ffmpeg: ${execFileSync(FFMPEG_BIN, ['-version'], { encoding: 'utf8' }).split('\n')[0]}`);

let vigil = null;
let procs = [];
let results = [];
let checks = null;
try {
    const t0ms = Date.now();
    vigil = await startVigil(vigilDir);
    await addCameras(vigil, urls);
    if (opt.ffmpeg && !opt.sequential) procs = startFfmpegs(urls, ffDir);
    await waitVigilRecording(vigil, vigilDir);
    if (procs.length) await waitFfmpegWriting(procs, ffDir);
    await sleep(opt.warmup * 1000);
    const parts = [{ name: 'vigil', pids: [vigil.d.pid], dir: vigilDir }];
    if (procs.length) parts.push({ name: 'ffmpeg', pids: procs.map((p) => p.pid), dir: ffDir });
    results.push(await measure(parts, sims));
    checks = await vigilChecks(vigil, t0ms);
    if (opt.ffmpeg && opt.sequential) {
        await vigil.d.stop();
        await sleep(1000);
        procs = startFfmpegs(urls, ffDir);
        await waitFfmpegWriting(procs, ffDir);
        await sleep(opt.warmup * 1000);
        results.push(await measure([{ name: 'ffmpeg', pids: procs.map((p) => p.pid), dir: ffDir }], sims));
    }
    const died = procs.filter((p) => p.exited).length;

    // Per part: where it was measured.
    const part = (name) => {
        for (const res of results) if (res.parts[name]) return { p: res.parts[name], r: res.r };
        return null;
    };
    const v = part('vigil');
    const f = part('ffmpeg');
    for (const [i, res] of results.entries()) {
        console.log(`\nwindow ${i + 1}: camsim ${fmt(pctCore(res.r, 'camsim'), 1)} % of a core; this script ${fmt((100 * res.r.self) / res.r.dt, 1)} %;` +
            ` other processes ${fmt(otherPct(res.r), 0)} % (host busy ${fmt(res.r.hostBusyPct, 0)} % of ${os.cpus().length} cores)`);
        for (const name of Object.keys(res.parts)) {
            const p = res.parts[name];
            if (name === 'vigil') {
                const m = p.mems[0];
                report('vigil', p, res.r, `;\n         idle daemon before the cameras: RSS ${fmt(mb(vigil.idleMem.rss), 1)} MB, PSS ${fmt(mb(vigil.idleMem.pss), 1)} MB,` +
                    ` anonymous ${fmt(mb(vigil.idleMem.anon), 1)} MB; growth per camera: RSS ${fmt(mb(m.rss - vigil.idleMem.rss) / N, 2)} MB,` +
                    ` anonymous ${fmt(mb(m.anon - vigil.idleMem.anon) / N, 2)} MB`);
            } else {
                report('ffmpeg', p, res.r, `; exited early ${died}`);
            }
        }
    }

    // What was recorded, as ffprobe and the API see it.
    const nv = newestClosedFile(path.join(vigilDir, 'cam-1'));
    console.log(`\nvigil cam-1 newest closed file: ${nv ? `${path.relative(vigilDir, nv.path)} ${fmt(nv.size / 1e6, 1)} MB: ${probe(nv.path)}` : 'none yet'}`);
    if (f) {
        const nf = newestClosedFile(path.join(ffDir, 'cam-1'));
        console.log(`ffmpeg cam-1 newest closed file: ${nf ? `${path.relative(ffDir, nf.path)} ${fmt(nf.size / 1e6, 1)} MB: ${probe(nf.path)}` : 'none yet'}`);
    }
    if (checks) {
        if (checks.segStatus === 200 && checks.segments) {
            const live = checks.segments.filter((s) => s.live).length;
            const bytes = checks.segments.reduce((a, s) => a + (s.bytes ?? 0), 0);
            const onDisk = walk(path.join(vigilDir, 'cam-1'));
            console.log(`API: cam-1 has ${checks.segments.length} segments indexed (${live} live, ${fmt(bytes / 1e6, 1)} MB);` +
                ` on disk ${onDisk.files} files, ${fmt(onDisk.bytes / 1e6, 1)} MB`);
        } else console.log(`API: GET /api/recordings/segments answered ${checks.segStatus}`);
        if (checks.storageStatus === 200 && checks.storage) {
            console.log(`API: /api/storage used_bytes ${fmt((checks.storage.used_bytes ?? NaN) / 1e6, 1)} MB` +
                ` (files under the recordings dir: ${fmt(walk(vigilDir).bytes / 1e6, 1)} MB)`);
        } else console.log(`API: GET /api/storage answered ${checks.storageStatus}`);
        if (checks.notRecording.length) console.log(`not recording at the end: ${checks.notRecording.join('; ')}`);
        if (checks.reconnects) console.log(`stream reconnects (sum over cameras): ${checks.reconnects}`);
    }
    const warn = vigil.d.stderr().split('\n').filter((l) => /warn|error/i.test(l));
    if (warn.length) console.log(`vigil logged ${warn.length} warnings/errors; the last: ${warn.slice(-3).join(' | ')}`);
    const errs = procs.map((p) => p.outText.trim()).filter(Boolean);
    if (errs.length) console.log(`ffmpeg stderr (${errs.length} of ${N} processes said something): ${errs[0].split('\n').slice(0, 2).join(' | ')}`);

    // Table
    const vc = v.p.cpu / ((N * v.r.dt) / 60);
    const fc = f ? f.p.cpu / ((N * f.r.dt) / 60) : null;
    const vm = v.p.mems[0];
    const idle = vigil.idleMem;
    const avg = (k) => f.p.mems.reduce((a, m) => a + m[k], 0) / f.p.mems.length;
    const vBps = v.p.bytes / v.r.dt / N;
    const fBps = f ? f.p.bytes / f.r.dt / N : null;
    const head = ['N', 'vigil s/cam-min', 'ffmpeg s/cam-min', 'CPU v/f', 'vigil RSS|PSS|anon MB/cam', 'vigil +RSS|+anon MB/cam',
        'ffmpeg RSS|PSS|anon MB/proc', 'PSS v/f', 'kB/s/cam v|f', 'bytes v/f'];
    const row = [String(N), fmt(vc, 3), f ? fmt(fc, 3) : '-', f ? fmt(vc / fc, 2) : '-',
        [vm.rss, vm.pss, vm.anon].map((k) => fmt(mb(k) / N, 2)).join('|'),
        [vm.rss - idle.rss, vm.anon - idle.anon].map((k) => fmt(mb(k) / N, 2)).join('|'),
        f ? ['rss', 'pss', 'anon'].map((k) => fmt(mb(avg(k)), 1)).join('|') : '-',
        f ? fmt(vm.pss / N / avg('pss'), 2) : '-',
        `${fmt(vBps / 1024, 1)}|${f ? fmt(fBps / 1024, 1) : '-'}`, f ? fmt(vBps / fBps, 3) : '-'];
    const widths = head.map((h, i) => Math.max(h.length, row[i].length));
    const line = (r) => r.map((c, i) => c.padStart(widths[i])).join('  ');
    console.log(`\n${line(head)}`);
    console.log(line(row));
    console.log('\nvigil MB/cam: the whole process divided by N; +RSS|+anon: growth over the idle daemon (no camera), divided by N.' +
        '\nanon: anonymous memory (heap, stacks). PSS shares the libraries\' pages out among every process mapping them,' +
        '\nffmpeg\'s and camsim\'s included when they run at once: Vigil\'s PSS then drops below what it is alone.' +
        '\nPSS v/f: Vigil\'s PSS per camera over one ffmpeg\'s PSS. kB/s/cam: growth of the files (apparent size) per camera.' +
        '\nThe CPU figures leave out the kernel\'s writeback threads, which neither recorder is charged for.');
} finally {
    await Promise.all(procs.map((p) => stopChild(p)));
    if (vigil?.d.running()) await vigil.d.stop();
    await Promise.all(sims.map((s) => stopChild(s)));
    if (opt.keep) console.log(`kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
}
