// Test helpers: start/stop a vigil daemon on a free port with a fresh state
// directory, a small HTTP client with cookie + CSRF handling, and `vigil routes`.
//
// Used by tests/integration/*.test.mjs and the browser tests; keep the API stable.

import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_BIN = path.join(REPO_ROOT, 'build', 'vigil');

export function vigilBin(bin) {
  return bin ?? process.env.VIGIL_BIN ?? DEFAULT_BIN;
}

// ---------------------------------------------------------------------------
// Cleanup: every daemon still alive when the test process ends is killed, and
// the temporary directories are removed (set VIGIL_KEEP_TMP=1 to keep them).

const livePids = new Set();
const tmpDirs = new Set();

function killAllSync() {
  for (const pid of livePids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  livePids.clear();
  if (!process.env.VIGIL_KEEP_TMP) {
    for (const dir of tmpDirs) {
      try {
        fs.rmSync(dir, { recursive: true, force: true });
      } catch {
        // ignore
      }
    }
  }
}

process.on('exit', killAllSync);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => {
    killAllSync();
    process.exit(128 + (os.constants.signals[sig] ?? 0));
  });
}

// ---------------------------------------------------------------------------

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export async function makeTempDir(prefix = 'vigil-test-') {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), prefix));
  tmpDirs.add(dir);
  return dir;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// GET url; resolves the status code. Accepts self-signed certificates.
function probe(url, timeout = 2000) {
  return new Promise((resolve, reject) => {
    const mod = url.startsWith('https:') ? https : http;
    const req = mod.get(url, { rejectUnauthorized: false, timeout, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

function buildEnv(adminPassword, env) {
  const out = { ...process.env };
  delete out.VIGIL_ADMIN_PASSWORD;
  if (adminPassword !== null && adminPassword !== undefined) out.VIGIL_ADMIN_PASSWORD = adminPassword;
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || v === null) delete out[k];
    else out[k] = String(v);
  }
  return out;
}

/**
 * Starts a daemon. adminPassword: null means VIGIL_ADMIN_PASSWORD is not set
 * (the daemon then makes a random one and writes <stateDir>/initial-admin-password).
 * env entries with value null/undefined are removed from the environment.
 * https: true when the config turns TLS on (url is then https://...).
 */
export async function startDaemon({
  adminPassword = 'admin-pass-123',
  args = [],
  config,
  env = {},
  bin,
  https: useHttps = false,
} = {}) {
  const exe = vigilBin(bin);
  const stateDir = await makeTempDir('vigil-state-');
  let configPath = null;
  // Daemons of parallel tests must not fight over the WebRTC ports (8555).
  if (config === undefined || (config !== null && !/^webrtc:/m.test(config))) {
    const webrtc = `webrtc:\n  udp_port: ${await freePort()}\n  tcp_port: ${await freePort()}\n`;
    config = config === undefined ? webrtc : `${config}${config.endsWith('\n') ? '' : '\n'}${webrtc}`;
  }
  if (config !== undefined && config !== null) {
    const cdir = await makeTempDir('vigil-conf-');
    configPath = path.join(cdir, 'vigil.yaml');
    await fsp.writeFile(configPath, config);
  }
  const port = await freePort();
  const url = `${useHttps ? 'https' : 'http'}://127.0.0.1:${port}`;
  const argv = [
    ...(configPath ? ['--config', configPath] : []),
    '--state-dir',
    stateDir,
    '--listen',
    `127.0.0.1:${port}`,
    ...args,
  ];
  const childEnv = buildEnv(adminPassword, env);

  const d = {
    url,
    port,
    stateDir,
    configPath,
    adminPassword,
    bin: exe,
    argv,
    proc: null,
    pid: null,
    exited: null, // {code, signal} once the current process has exited
    _stderr: [],
    _stdout: [],
    stderr() {
      return d._stderr.join('\n');
    },
    stdout() {
      return d._stdout.join('\n');
    },
    running() {
      return d.proc !== null && d.exited === null;
    },
    async stop({ signal = 'SIGTERM' } = {}) {
      return stopProc(d, signal);
    },
    async restart() {
      if (d.running()) await d.stop();
      await launch(d, childEnv);
      return d;
    },
  };
  await launch(d, childEnv);
  return d;
}

function collectLines(stream, sink) {
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    buf += chunk;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      sink.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  stream.on('end', () => {
    if (buf) sink.push(buf);
    buf = '';
  });
}

async function launch(d, childEnv) {
  const proc = spawn(d.bin, d.argv, { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  d.proc = proc;
  d.exited = null;
  const exitPromise = new Promise((resolve) => {
    proc.on('close', (code, signal) => {
      // 'close' comes after stderr has ended, so sanitizer reports are complete.
      livePids.delete(proc.pid);
      d.exited = { code, signal };
      resolve(d.exited);
    });
  });
  d._exitPromise = exitPromise;
  const spawnError = new Promise((resolve) => proc.on('error', resolve));
  collectLines(proc.stderr, d._stderr);
  collectLines(proc.stdout, d._stdout);
  // spawn() fails asynchronously (ENOENT...): wait for either pid or error.
  const err = await Promise.race([
    spawnError,
    new Promise((resolve) => proc.once('spawn', () => resolve(null))),
  ]);
  if (err) throw new Error(`cannot start ${d.bin}: ${err.message}`);
  d.pid = proc.pid;
  livePids.add(proc.pid);
  // A daemon someone forgot to stop must not keep the test process alive; the
  // 'exit' handler above kills it.
  proc.unref();
  proc.stdout.unref?.();
  proc.stderr.unref?.();

  const deadline = Date.now() + 20000;
  let lastErr = null;
  for (;;) {
    if (d.exited) {
      // Let the pipes drain so the error message is complete.
      await sleep(50);
      throw new Error(
        `vigil exited before it was ready (code ${d.exited.code}, signal ${d.exited.signal}); ` +
          `argv: ${d.argv.join(' ')}\nstderr:\n${d.stderr()}`,
      );
    }
    if (Date.now() > deadline) {
      await stopProc(d, 'SIGKILL');
      throw new Error(
        `vigil not ready within 20 s (last error: ${lastErr}); stderr:\n${d.stderr()}`,
      );
    }
    try {
      const status = await probe(`${d.url}/api/health`);
      if (status === 200) return;
      lastErr = `status ${status}`;
    } catch (e) {
      lastErr = e.code ?? e.message;
    }
    await Promise.race([sleep(50), exitPromise]);
  }
}

async function stopProc(d, signal) {
  const t0 = Date.now();
  if (!d.proc) return { code: null, signal: null, ms: 0 };
  if (d.exited) return { ...d.exited, ms: 0 };
  try {
    process.kill(d.pid, signal);
  } catch {
    // already gone; the exit event will tell
  }
  let timer;
  const killer = new Promise((resolve) => {
    timer = setTimeout(() => {
      try {
        process.kill(d.pid, 'SIGKILL');
      } catch {
        // gone
      }
      resolve();
    }, 10000);
  });
  const res = await Promise.race([d._exitPromise, killer.then(() => d._exitPromise)]);
  clearTimeout(timer);
  checkSanitizers(d);
  return { code: res.code, signal: res.signal, ms: Date.now() - t0 };
}

// Under the ASan/UBSan build a report on stderr (a leak at exit, a bad access,
// undefined behaviour) fails the test that stopped the daemon.
const SANITIZER_REPORT = /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:/;

function checkSanitizers(d) {
  const text = d.stderr();
  const m = text.match(SANITIZER_REPORT);
  if (m) {
    const at = text.indexOf(m[0]);
    throw new Error(`sanitizer report from vigil (pid ${d.pid}):\n${text.slice(Math.max(0, at - 200), at + 3000)}`);
  }
}

// ---------------------------------------------------------------------------
// HTTP client

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function parseSetCookie(line) {
  const parts = line.split(';').map((s) => s.trim());
  const [nv, ...attrParts] = parts;
  const eq = nv.indexOf('=');
  const name = nv.slice(0, eq).trim();
  const value = nv.slice(eq + 1).trim();
  const attrs = {};
  for (const a of attrParts) {
    if (!a) continue;
    const i = a.indexOf('=');
    if (i < 0) attrs[a.toLowerCase()] = true;
    else attrs[a.slice(0, i).trim().toLowerCase()] = a.slice(i + 1).trim();
  }
  return { name, value, attrs, raw: line };
}

export class Client {
  constructor(baseUrl) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.cookies = new Map();
    this.csrf = null;
    this.user = null;
  }

  // The Cookie header this client would send ('' when none).
  cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  // Logs in; stores cookie, CSRF token and user. Throws unless the answer is 200.
  async login(username, password) {
    const res = await this.request('POST', '/api/auth/login', {
      body: { username, password },
      csrf: false,
    });
    if (res.status !== 200) {
      const err = new Error(`login ${username} failed: ${res.status} ${res.text}`);
      err.response = res;
      throw err;
    }
    this.csrf = res.json?.csrf_token ?? null;
    this.user = res.json?.user ?? null;
    return res;
  }

  /**
   * method, path; options:
   *   body     JSON-encoded (unless a string/Buffer, sent as is)
   *   raw      string/Buffer body sent as is (no content-type unless in headers)
   *   headers  extra headers
   *   bearer   API token: sent as Authorization; cookies are then not sent
   *   csrf     true: send the stored CSRF token on state-changing requests;
   *            false: never; a string: send that value
   *   cookies  false: do not send cookies
   * Returns {status, headers, json, text, setCookies}.
   */
  async request(method, p, { body, headers = {}, bearer, csrf = true, raw, cookies = true, headersOnly = false } = {}) {
    method = method.toUpperCase();
    const h = { ...headers };
    let payload;
    if (raw !== undefined) {
      payload = raw;
    } else if (body !== undefined) {
      if (typeof body === 'string' || Buffer.isBuffer(body)) payload = body;
      else payload = JSON.stringify(body);
      if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) {
        h['Content-Type'] = 'application/json';
      }
    }
    if (bearer) h.Authorization = `Bearer ${bearer}`;
    if (cookies && !bearer && this.cookies.size) h.Cookie = this.cookieHeader();
    if (typeof csrf === 'string') h['X-CSRF-Token'] = csrf;
    else if (csrf && this.csrf && !bearer && STATE_CHANGING.has(method)) h['X-CSRF-Token'] = this.csrf;

    const res = await fetch(this.baseUrl + p, {
      method,
      headers: h,
      body: payload,
      redirect: 'manual',
    });
    const setCookies = res.headers.getSetCookie ? res.headers.getSetCookie() : [];
    for (const line of setCookies) {
      const c = parseSetCookie(line);
      const expired =
        c.value === '' ||
        (c.attrs['max-age'] !== undefined && Number(c.attrs['max-age']) <= 0) ||
        (c.attrs.expires && Date.parse(c.attrs.expires) < Date.now());
      if (expired) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    // A live response (MSE, events) never ends: keep its headers, drop the body.
    let text;
    if (headersOnly && res.ok) {
      await res.body?.cancel();
      text = '';
    } else {
      text = await res.text();
    }
    let json = null;
    if (text.length) {
      try {
        json = JSON.parse(text);
      } catch {
        json = null;
      }
    }
    // A login through request() also switches this client to the new session.
    if (method === 'POST' && p.split('?')[0] === '/api/auth/login' && res.status === 200 && json) {
      this.csrf = json.csrf_token ?? null;
      this.user = json.user ?? null;
    }
    return { status: res.status, headers: res.headers, json, text, setCookies };
  }

  get(p, opts) {
    return this.request('GET', p, opts);
  }
  post(p, body, opts = {}) {
    return this.request('POST', p, { ...opts, body });
  }
  put(p, body, opts = {}) {
    return this.request('PUT', p, { ...opts, body });
  }
  del(p, opts) {
    return this.request('DELETE', p, opts);
  }
}

export { parseSetCookie };

// ---------------------------------------------------------------------------
// CLI helpers

// Runs the binary with args; resolves {code, signal, stdout, stderr} (never rejects on exit code).
export function runVigil(args, { bin, env = {}, timeout = 20000 } = {}) {
  return new Promise((resolve, reject) => {
    execFile(
      vigilBin(bin),
      args,
      { env: { ...process.env, ...env }, timeout, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number' && !err.signal && err.code !== undefined) {
          reject(err);
          return;
        }
        resolve({
          code: err ? (typeof err.code === 'number' ? err.code : null) : 0,
          signal: err?.signal ?? null,
          stdout,
          stderr,
        });
      },
    );
  });
}

// Runs `vigil routes` and parses its "METHOD PATH ACCESS" lines.
export async function getRoutes({ bin } = {}) {
  const r = await runVigil(['routes'], { bin });
  if (r.code !== 0) throw new Error(`vigil routes exited ${r.code}: ${r.stderr}`);
  const routes = [];
  for (const line of r.stdout.split('\n')) {
    const m = line.trim().match(/^([A-Z]+)\s+(\/\S*)\s+(\S+)$/);
    if (m) routes.push({ method: m[1], path: m[2], access: m[3] });
  }
  return routes;
}
