// Small shared helpers for the integration tests (on top of daemon.mjs).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';

import { Client, startDaemon } from './daemon.mjs';

export const MASK = '********';

// Describes a response for assertion messages.
export function show(res) {
  return `${res.status} ${res.text?.slice(0, 400)}`;
}

// Asserts a JSON error reply {"error":{"code","message"}} with this status (and code).
export function assertError(res, status, code) {
  assert.equal(res.status, status, `expected ${status}, got ${show(res)}`);
  assert.ok(res.json && typeof res.json === 'object', `error body is not JSON: ${show(res)}`);
  assert.ok(res.json.error && typeof res.json.error === 'object', `no "error" object: ${show(res)}`);
  assert.equal(typeof res.json.error.code, 'string', `error.code not a string: ${show(res)}`);
  assert.equal(typeof res.json.error.message, 'string', `error.message not a string: ${show(res)}`);
  if (code !== undefined) assert.equal(res.json.error.code, code, `error code: ${show(res)}`);
  const ct = res.headers.get('content-type') ?? '';
  assert.match(ct, /application\/json/, `error content-type: ${ct}`);
}

export function assertStatus(res, status, what = '') {
  assert.equal(res.status, status, `${what ? what + ': ' : ''}expected ${status}, got ${show(res)}`);
}

export async function adminClient(d) {
  const c = new Client(d.url);
  await c.login('admin', d.adminPassword);
  return c;
}

let seq = 0;
export function uniq(prefix = 'x') {
  seq += 1;
  return `${prefix}${process.pid % 1000}-${seq}`;
}

// Creates a user through the admin client; returns the user object.
export async function createUser(admin, { username, password = 'password-123', role = 'viewer', cameras = [], zones = [] } = {}) {
  const res = await admin.post('/api/users', {
    username: username ?? uniq('user'),
    password,
    role,
    cameras,
    zones,
  });
  assertStatus(res, 201, 'create user');
  return res.json;
}

export async function loginAs(d, username, password = 'password-123') {
  const c = new Client(d.url);
  await c.login(username, password);
  return c;
}

// Creates a user and returns {user, client} logged in as it.
export async function viewer(d, admin, opts = {}) {
  const password = opts.password ?? 'password-123';
  const user = await createUser(admin, { ...opts, password });
  const client = await loginAs(d, user.username, password);
  return { user, client, password };
}

export async function createCamera(admin, body) {
  const res = await admin.post('/api/cameras', body);
  assertStatus(res, 201, `create camera ${JSON.stringify(body)}`);
  return res.json;
}

// Starts a daemon and stops it when the test (or suite) ends.
export async function daemonFor(t, opts) {
  const d = await startDaemon(opts);
  t.after(() => d.stop());
  return d;
}

export function sqlite(dbPath, sql) {
  return new Promise((resolve, reject) => {
    execFile('sqlite3', [dbPath, sql], { timeout: 20000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`sqlite3 ${dbPath} ${sql}: ${err.message} ${stderr}`));
      else resolve(stdout);
    });
  });
}

export function dbPath(d) {
  return path.join(d.stateDir, 'vigil.db');
}

// Length of a stored row as text (SELECT *). Secrets are stored sealed, but a
// sealed value's length follows the length of its plaintext: when a masked
// value sent back is stored instead of the secret (of a length differing from
// 8 by a multiple of 3), the row changes size.
export async function storedRowSize(d, table, id) {
  const out = (await sqlite(dbPath(d), `SELECT * FROM ${table} WHERE id = '${id}';`)).trim();
  assert.ok(out.length > 0, `row ${table}/${id} found in the database`);
  return out.length;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
