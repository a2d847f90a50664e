// /proc readings shared by the benches: CPU time of processes (every thread), memory,
// the whole machine's load, the kernel's UDP counters, the process tree, I/O counters.
// Linux only. Readers of a process that is gone return null (CPU) or zeros (memory).

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

export const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** Monotonic seconds. */
export const now = () => Number(process.hrtime.bigint()) / 1e9;

/**
 * utime+stime ticks of a process, counted over every thread (or of one thread with
 * file = /proc/PID/task/TID/stat); null when it is gone.
 */
export function cpuTicks(pid, file = `/proc/${pid}/stat`) {
    try {
        // Fields after the command name (which may hold spaces): state is field 3,
        // utime 14 and stime 15.
        const s = fs.readFileSync(file, 'utf8');
        const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
        return Number(f[11]) + Number(f[12]);
    } catch {
        return null;
    }
}

/**
 * Rss, Pss and anon (Anonymous: heap, stacks, anonymous maps; unlike Pss and the private
 * counts it does not change when another process maps the same libraries) of a process in
 * kB (/proc/PID/smaps_rollup); zeros when it is gone.
 */
export function memKb(pid) {
    const out = { rss: 0, pss: 0, anon: 0 };
    let text = '';
    try {
        text = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    } catch {
        return out;
    }
    for (const line of text.split('\n')) {
        const m = line.match(/^(Rss|Pss|Anonymous):\s+(\d+) kB/);
        if (m) out[m[1] === 'Anonymous' ? 'anon' : m[1].toLowerCase()] = Number(m[2]);
    }
    return out;
}

/** Number of threads of a process (0 when it is gone). */
export function threads(pid) {
    try {
        const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/^Threads:\s+(\d+)/m);
        return m ? Number(m[1]) : 0;
    } catch {
        return 0;
    }
}

/**
 * I/O counters of a process (/proc/PID/io, every thread): wchar (bytes passed to write
 * calls, sockets included), write_bytes (bytes it caused to be sent to the storage layer),
 * read_bytes, syscw; null when it is gone or not readable.
 */
export function ioCounters(pid) {
    try {
        const out = {};
        for (const line of fs.readFileSync(`/proc/${pid}/io`, 'utf8').split('\n')) {
            const m = line.match(/^(\w+):\s+(\d+)/);
            if (m) out[m[1]] = Number(m[2]);
        }
        return out;
    } catch {
        return null;
    }
}

/** Whole machine: busy jiffies and total jiffies over all CPUs (to see other load). */
export function hostTicks() {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0); // user..steal; guest is inside user
    return { busy: total - f[3] - f[4], total };
}

/** The kernel's UDP counters (this network namespace: every process on the host). */
export function udpCounters() {
    const lines = fs.readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
    const keys = lines[0].split(/\s+/).slice(1);
    const vals = lines[1].split(/\s+/).slice(1).map(Number);
    return Object.fromEntries(keys.map((k, i) => [k, vals[i]]));
}

/** Every process: pid -> {ppid, comm}. */
export function procTable() {
    const out = new Map();
    for (const d of fs.readdirSync('/proc')) {
        if (!/^\d+$/.test(d)) continue;
        try {
            const s = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
            const comm = s.slice(s.indexOf('(') + 1, s.lastIndexOf(')'));
            const ppid = Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
            out.set(Number(d), { ppid, comm });
        } catch {
            // gone
        }
    }
    return out;
}

/** The children of pid whose command name matches re, and all their descendants. */
export function descendants(pid, re) {
    const t = procTable();
    const kids = new Map();
    for (const [p, { ppid }] of t) {
        if (!kids.has(ppid)) kids.set(ppid, []);
        kids.get(ppid).push(p);
    }
    const roots = (kids.get(pid) ?? []).filter((p) => re.test(t.get(p).comm));
    const out = [];
    const walk = (p) => {
        out.push(p);
        for (const k of kids.get(p) ?? []) walk(k);
    };
    roots.forEach(walk);
    return out;
}

/**
 * Snapshot of the CPU ticks of named groups of pids ({name: [pid, ...]}), of the host,
 * of this process and of the UDP counters.
 */
export function snapshot(groups) {
    const out = { t: now(), host: hostTicks(), self: process.cpuUsage(), udp: udpCounters(), groups: {} };
    for (const [name, pids] of Object.entries(groups)) out.groups[name] = new Map(pids.map((p) => [p, cpuTicks(p)]));
    return out;
}

/**
 * Between two snapshots: dt (s), cpu[name] (CPU seconds of the group; a pid gone by the
 * second snapshot counts for nothing), hostBusyPct (of all cores), self (this script's
 * CPU seconds), rcvbufErrors and sndbufErrors (UDP datagrams the kernel dropped because
 * a receiver's or a sender's socket buffer was full).
 */
export function delta(a, b) {
    const dt = b.t - a.t;
    const out = { dt, cpu: {} };
    for (const [name, m] of Object.entries(a.groups)) {
        let s = 0;
        for (const [pid, t0] of m) {
            const t1 = b.groups[name]?.get(pid);
            if (t0 !== null && t1 !== null && t1 !== undefined) s += t1 - t0;
        }
        out.cpu[name] = s / CLK_TCK;
    }
    const ht = b.host.total - a.host.total;
    out.hostBusyPct = ht > 0 ? (100 * (b.host.busy - a.host.busy)) / ht : 0;
    out.self = (b.self.user - a.self.user + b.self.system - a.self.system) / 1e6;
    out.rcvbufErrors = b.udp.RcvbufErrors - a.udp.RcvbufErrors;
    out.sndbufErrors = b.udp.SndbufErrors - a.udp.SndbufErrors;
    return out;
}

/** A group's CPU over a delta() in % of one core. */
export const pctCore = (r, name) => (100 * r.cpu[name]) / r.dt;

/** The host's busy time not spent by the measured groups or this script, in % of one core. */
export const otherPct = (r) => (r.hostBusyPct * os.cpus().length) -
    Object.keys(r.cpu).reduce((a, k) => a + pctCore(r, k), 0) - (100 * r.self) / r.dt;
