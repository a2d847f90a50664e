// The RTSP camera simulator for the benches: camsim processes (see tests/sim/README.md)
// started through children.mjs, and the camera URLs spread over them.

import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { spawnChild } from './children.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CAMSIM_BIN = process.env.CAMSIM_BIN ?? path.join(ROOT, 'build', 'tests', 'sim', 'camsim');

/** Starts camsim on a free port; resolves the child with .port once it printed "ready". */
export async function startCamsim(bin = CAMSIM_BIN) {
    const c = spawnChild(bin, ['--port', '0'], { captureStdout: false });
    let buf = '';
    c.stdout.setEncoding('utf8');
    const port = await new Promise((resolve, reject) => {
        // The first start encodes the clips (tens of seconds); later starts read the cache.
        const t = setTimeout(() => reject(new Error(`camsim not ready in 180 s: ${c.outText}`)), 180000);
        c.stdout.on('data', (s) => {
            buf += s;
            const m = buf.match(/^ready port=(\d+)$/m);
            if (m) {
                clearTimeout(t);
                resolve(Number(m[1]));
            }
            if (buf.length > 65536) buf = buf.slice(-1024);
        });
        c.once('close', (code) => {
            clearTimeout(t);
            reject(new Error(`camsim exited (${code}): ${c.spawnError?.message ?? c.outText}`));
        });
    });
    c.port = port;
    return c;
}

/** n camera URLs on mount, perSim cameras per camsim (0: all on the first). */
export function cameraUrls(sims, n, { perSim = 0, mount = '/h264' } = {}) {
    const per = perSim > 0 ? perSim : n;
    return Array.from({ length: n }, (_, i) => `rtsp://127.0.0.1:${sims[Math.floor(i / per) % sims.length].port}${mount}`);
}
