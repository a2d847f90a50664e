// Processes a bench starts (camsim, ffmpeg, janus, perf): spawned with their output kept,
// stopped by pid, and killed by pid when the script exits.

import { spawn } from 'node:child_process';

const children = new Set();
process.on('exit', () => {
    for (const c of children) {
        try {
            c.kill('SIGKILL');
        } catch {
            // gone
        }
    }
});

/**
 * Spawns bin. c.outText keeps the end of its stderr, and of its stdout unless
 * captureStdout is false (the caller then reads c.stdout itself); c.exited turns true
 * when it has exited; c.spawnError is set when it could not start.
 */
export function spawnChild(bin, args, { captureStdout = true, ...opts } = {}) {
    const c = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    children.add(c);
    c.exited = false;
    c.on('error', (e) => {
        c.spawnError = e;
    });
    c.on('close', () => {
        c.exited = true;
        children.delete(c);
    });
    c.outText = '';
    for (const s of captureStdout ? [c.stdout, c.stderr] : [c.stderr]) {
        s?.setEncoding('utf8');
        s?.on('data', (t) => {
            c.outText += t;
            if (c.outText.length > 262144) c.outText = c.outText.slice(-131072);
        });
    }
    return c;
}

/** SIGTERM, then SIGKILL after timeoutMs; resolves when it has exited. */
export async function stopChild(c, timeoutMs = 5000) {
    if (!c || c.exited || c.pid === undefined) return;
    const closed = new Promise((r) => c.once('close', r));
    c.kill('SIGTERM');
    const t = setTimeout(() => c.kill('SIGKILL'), timeoutMs);
    await closed;
    clearTimeout(t);
}
