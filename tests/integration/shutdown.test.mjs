import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { after, describe, it } from 'node:test';

import { Client, startDaemon } from '../lib/daemon.mjs';
import { adminClient, assertStatus, createCamera, dbPath, sqlite } from '../lib/helpers.mjs';

const started = [];
async function start(opts) {
  const d = await startDaemon(opts);
  started.push(d);
  return d;
}
after(async () => {
  for (const d of started) await d.stop({ signal: 'SIGKILL' });
});

async function integrityOk(d) {
  const out = await sqlite(dbPath(d), 'PRAGMA integrity_check;');
  assert.equal(out.trim(), 'ok', `integrity_check: ${out}`);
}

describe('graceful shutdown', () => {
  for (const signal of ['SIGTERM', 'SIGINT']) {
    it(`${signal} → exit code 0 within 5 s`, async () => {
      const d = await start();
      const admin = await adminClient(d);
      await createCamera(admin, { id: 'kept-across-restart', name: 'x', main_url: 'demo:1' });
      const r = await d.stop({ signal });
      assert.equal(r.signal, null, `killed by ${r.signal}; stderr:\n${d.stderr()}`);
      assert.equal(r.code, 0, `exit code; stderr:\n${d.stderr()}`);
      assert.ok(r.ms < 5000, `took ${r.ms} ms`);
      await integrityOk(d);
    });

    it(`${signal} with idle open connections → exit code 0 within 5 s`, async () => {
      const d = await start();
      // An idle TCP connection that never sends a request, and one that sent
      // half a request.
      const idle = net.connect(d.port, '127.0.0.1');
      const half = net.connect(d.port, '127.0.0.1');
      await Promise.all([idle, half].map((s) => new Promise((res, rej) => {
        s.once('connect', res);
        s.once('error', rej);
      })));
      idle.on('error', () => {});
      half.on('error', () => {});
      half.write('GET /api/health HTTP/1.1\r\nHost: x\r\n');
      // Plus a finished keep-alive request.
      assertStatus(await new Client(d.url).get('/api/health'), 200);
      const r = await d.stop({ signal });
      idle.destroy();
      half.destroy();
      assert.equal(r.signal, null, `killed by ${r.signal}`);
      assert.equal(r.code, 0);
      assert.ok(r.ms < 5000, `took ${r.ms} ms`);
    });
  }
});

describe('crash safety (kill -9)', () => {
  it('kill -9 then restart on the same state dir keeps the data', async () => {
    const d = await start({ adminPassword: null });
    const password = (await fs.readFile(path.join(d.stateDir, 'initial-admin-password'), 'utf8')).trim();
    d.adminPassword = password;
    const admin = await adminClient(d);
    await createCamera(admin, { id: 'survivor', name: 'Survivor', main_url: 'rtsp://u:crash-secret@10.0.0.1/x', password: 'pw-123456' });
    const u = await admin.post('/api/users', { username: 'crash-viewer', password: 'password-123', role: 'viewer' });
    assertStatus(u, 201);

    const k = await d.stop({ signal: 'SIGKILL' });
    assert.equal(k.signal, 'SIGKILL');
    await d.restart();

    const admin2 = await adminClient(d); // the same admin password still works
    const cam = await admin2.get('/api/cameras/survivor');
    assertStatus(cam, 200, 'camera survived kill -9');
    assert.equal(cam.json.name, 'Survivor');
    assert.equal(cam.json.password, '********');
    assert.ok((await admin2.get('/api/users')).json.some((x) => x.username === 'crash-viewer'));

    const r = await d.stop();
    assert.equal(r.code, 0);
    await integrityOk(d);
  });

  it('kill -9 during a burst of camera creations: acknowledged creations survive, store consistent', async () => {
    const d = await start();
    const admin = await adminClient(d);
    const acked = new Set();
    const errors = [];
    let stopped = false;
    let reached;
    const enough = new Promise((res) => {
      reached = res;
    });
    const failsafe = setTimeout(() => reached(), 15000);

    async function worker(w) {
      for (let i = 0; !stopped; i++) {
        const id = `load-${w}-${i}`;
        let res;
        try {
          res = await admin.post('/api/cameras', { id, name: `Load ${w} ${i}`, main_url: `rtsp://u:p${i}@10.1.${w}.${i % 250}/s` });
        } catch {
          return; // connection refused/reset after the kill
        }
        if (res.status === 201) acked.add(id);
        else if (!stopped) {
          errors.push(`create ${id}: ${res.status} ${res.text}`);
          reached();
          return;
        }
        if (acked.size >= 60) reached();
      }
    }
    const workers = [0, 1, 2, 3].map((w) => worker(w));
    await enough;
    clearTimeout(failsafe);
    const k = await d.stop({ signal: 'SIGKILL' });
    stopped = true;
    await Promise.all(workers);
    assert.equal(k.signal, 'SIGKILL');
    assert.deepEqual(errors, [], 'creations refused before the kill');
    assert.ok(acked.size >= 60, `only ${acked.size} creations acknowledged`);

    await d.restart();
    const admin2 = await adminClient(d);
    const list = await admin2.get('/api/cameras');
    assertStatus(list, 200);
    const ids = new Set(list.json.map((c) => c.id));
    const lost = [...acked].filter((id) => !ids.has(id));
    assert.deepEqual(lost, [], 'acknowledged creations lost after kill -9');
    for (const c of list.json) {
      assert.match(c.id, /^load-\d-\d+$/);
      assert.match(c.main_url, /^rtsp:\/\/u:\*{8}@10\.1\.\d\.\d+\/s$/, `camera ${c.id} intact`);
    }
    // The store still takes writes after the crash.
    await createCamera(admin2, { id: 'after-crash', name: 'x', main_url: 'demo:1' });
    const r = await d.stop();
    assert.equal(r.code, 0);
    await integrityOk(d);
  });
});
