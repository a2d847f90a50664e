import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { freePort, makeTempDir, runVigil, startDaemon } from '../lib/daemon.mjs';
import { adminClient, assertStatus } from '../lib/helpers.mjs';

const GOOD = `# a complete, valid configuration
server:
  listen: 127.0.0.1:8080
  max_body_kb: 512
auth:
  max_sessions_per_user: 5
  lockout_attempts: 5
  lockout_window_s: 300
  lockout_duration_s: 300
cameras:
  - id: porch
    name: Porch
    zone: front
    main_url: rtsp://10.0.0.2/stream
  - id: lobby-node
    main_url: "webrtc:"
`;

let dir;
async function file(name, text) {
  const p = path.join(dir, name);
  await fs.writeFile(p, text);
  return p;
}

before(async () => {
  dir = await makeTempDir('vigil-config-');
});

describe('vigil check-config', () => {
  it('a good file → exit 0', async () => {
    const f = await file('good.yaml', GOOD);
    const r = await runVigil(['check-config', f]);
    assert.equal(r.code, 0, `exit ${r.code}; stderr: ${r.stderr}`);
    const empty = await file('empty-map.yaml', 'server:\n  listen: 127.0.0.1:9000\n');
    assert.equal((await runVigil(['check-config', empty])).code, 0);
  });

  const bad = [
    ['unknown key', 'server:\n  listen: 127.0.0.1:8080\n  listne: 127.0.0.1:1\n', 3],
    ['unknown section', 'server:\n  listen: 127.0.0.1:8080\nsevrer:\n  listen: x\n', 3],
    ['wrong type', 'server:\n  max_body_kb: lots\n', 2],
    ['YAML syntax error (unterminated quote)', 'server:\n  listen: "127.0.0.1:8080\n', null],
    ['YAML syntax error (unterminated flow sequence)', 'server:\n  listen: [127.0.0.1\n', null],
    ['YAML syntax error (bad indentation)', 'server:\n  listen: 127.0.0.1:80\n   max_body_kb: 3\n', 3],
    ['camera with a forbidden URL scheme', 'cameras:\n  - id: bad\n    name: Bad\n    main_url: file:///etc/passwd\n', null],
    ['webrtc camera with something after the colon', 'cameras:\n  - id: bad\n    main_url: "webrtc:x"\n', 3],
    ['webrtc camera with a sub_url', 'cameras:\n  - id: bad\n    main_url: "webrtc:"\n    sub_url: "demo:1"\n', 4],
  ];
  for (const [what, text, line] of bad) {
    it(`${what} → exit 2 and "file:line:col: message" on stderr`, async () => {
      const f = await file(`bad-${what.replace(/\W+/g, '-')}.yaml`, text);
      const r = await runVigil(['check-config', f]);
      assert.equal(r.code, 2, `exit ${r.code}; stderr: ${r.stderr}`);
      assert.match(r.stderr, /^.+:\d+:\d+: /, `stderr: ${r.stderr}`);
      assert.ok(r.stderr.startsWith(`${f}:`), `message starts with the file name: ${r.stderr}`);
      if (line !== null) {
        assert.ok(r.stderr.startsWith(`${f}:${line}:`), `points at line ${line}: ${r.stderr}`);
      }
    });
  }

  it('a missing file → exit 2 with a message naming it', async () => {
    const f = path.join(dir, 'does-not-exist.yaml');
    const r = await runVigil(['check-config', f]);
    assert.equal(r.code, 2, `exit ${r.code}`);
    assert.ok(r.stderr.includes(f), `stderr names the file: ${r.stderr}`);
  });

  it('the daemon refuses to start with a bad config file', async () => {
    const f = await file('bad-daemon.yaml', 'server:\n  listne: 127.0.0.1:1\n');
    const state = await makeTempDir('vigil-state-');
    const port = await freePort();
    const r = await runVigil(['--config', f, '--state-dir', state, '--listen', `127.0.0.1:${port}`], { timeout: 10000 });
    assert.notEqual(r.code, 0, 'non-zero exit');
    assert.equal(r.signal, null, 'exits by itself (not killed by the timeout)');
    assert.ok(r.stderr.includes(`${f}:2:`), `stderr: ${r.stderr}`);
  });
});

describe('command-line flags override the config file', () => {
  const daemons = [];
  after(async () => {
    for (const d of daemons) await d.stop();
  });

  it('--listen wins over server.listen (flag after --config)', async () => {
    const d = await startDaemon({ config: 'server:\n  listen: 127.0.0.1:1\n' });
    daemons.push(d);
    assert.match(d.stderr(), new RegExp(`listening on http://127\\.0\\.0\\.1:${d.port}/`));
    assertStatus(await (await adminClient(d)).get('/api/auth/me'), 200);
  });

  it('--listen wins over server.listen (flag before --config)', async () => {
    const f = await file('listen-1.yaml', 'server:\n  listen: 127.0.0.1:1\n');
    const d = await startDaemon({ args: ['--config', f] });
    daemons.push(d);
    assert.match(d.stderr(), new RegExp(`listening on http://127\\.0\\.0\\.1:${d.port}/`));
  });

  it('values from the file are used when no flag overrides them', async () => {
    const d = await startDaemon({ config: 'server:\n  max_body_kb: 1\n' });
    daemons.push(d);
    const admin = await adminClient(d);
    const res = await admin.post('/api/cameras', { id: 'big', name: 'x'.repeat(2048), main_url: 'demo:1' });
    assert.equal(res.status, 413, `max_body_kb from the file applies: ${res.status} ${res.text}`);
  });
});

describe('CLI', () => {
  it('--version prints the version and exits 0', async () => {
    const r = await runVigil(['--version']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /0\.1\.0/);
  });

  it('--help exits 0 and describes the options', async () => {
    const r = await runVigil(['--help']);
    assert.equal(r.code, 0);
    const out = r.stdout + r.stderr;
    for (const opt of ['--config', '--listen', '--state-dir', '--demo']) {
      assert.ok(out.includes(opt), `--help mentions ${opt}: ${out}`);
    }
  });

  it('an unknown option → non-zero exit', async () => {
    const r = await runVigil(['--no-such-option'], { timeout: 5000 });
    assert.notEqual(r.code, 0);
    assert.equal(r.signal, null, 'exits by itself');
  });

  it('`vigil routes` prints "METHOD PATH ACCESS" lines', async () => {
    const r = await runVigil(['routes']);
    assert.equal(r.code, 0);
    const lines = r.stdout.trim().split('\n');
    assert.ok(lines.length >= 20);
    for (const l of lines) assert.match(l, /^(GET|POST|PUT|PATCH|DELETE)\s+\/api\/\S*\s+(public|user|admin)$/);
  });
});
