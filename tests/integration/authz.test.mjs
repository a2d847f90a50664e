// The access matrix: docs/openapi.yaml, `vigil routes` and the running server
// must agree on every /api operation and its access level.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import YAML from 'yaml';

import { Client, REPO_ROOT, getRoutes, startDaemon } from '../lib/daemon.mjs';
import { adminClient, assertStatus, createUser, loginAs, show, uniq } from '../lib/helpers.mjs';
import { responseSchema, validate } from '../lib/schema.mjs';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
const ACCESS = ['public', 'user', 'admin'];

const WHEP_OFFER = fs.readFileSync(path.join(REPO_ROOT, 'tests', 'unit', 'webrtc', 'data', 'whep-video.sdp'), 'utf8');
const WHIP_OFFER = fs.readFileSync(path.join(REPO_ROOT, 'tests', 'unit', 'webrtc', 'data', 'whip-video-audio.sdp'), 'utf8');
const doc = YAML.parse(fs.readFileSync(path.join(REPO_ROOT, 'docs', 'openapi.yaml'), 'utf8'));
const ops = [];
for (const [p, item] of Object.entries(doc.paths)) {
  for (const m of METHODS) {
    if (item[m]) ops.push({ method: m.toUpperCase(), path: p, access: item[m]['x-vigil-access'], op: item[m], item });
  }
}

const norm = (p) => p.replace(/\{[^}/]+\}/g, '{}').replace(/\/:[^/]+/g, '/{}');
const key = (method, p) => `${method} ${norm(p)}`;

describe('docs/openapi.yaml', () => {
  it('is OpenAPI 3.0.3 with the required components and security schemes', () => {
    assert.equal(doc.openapi, '3.0.3');
    for (const s of ['User', 'Token', 'Camera', 'Nvr', 'AuditEntry', 'Error']) {
      assert.ok(doc.components.schemas[s], `components.schemas.${s}`);
    }
    const sch = doc.components.securitySchemes;
    assert.deepEqual(
      Object.values(sch).map((s) => (s.type === 'apiKey' ? `${s.type}:${s.in}:${s.name}` : `${s.type}:${s.scheme}`)).sort(),
      ['apiKey:cookie:vigil_session', 'http:bearer'],
    );
  });

  it('only /api paths; every operation has x-vigil-access, matching security and error responses', () => {
    assert.ok(ops.length > 0);
    for (const o of ops) {
      const name = `${o.method} ${o.path}`;
      assert.match(o.path, /^\/api\//, `${name} is under /api`);
      assert.ok(ACCESS.includes(o.access), `${name}: x-vigil-access is ${o.access}`);
      assert.ok(o.op.operationId, `${name}: operationId`);
      const codes = Object.keys(o.op.responses ?? {});
      assert.ok(codes.some((c) => /^2/.test(c)), `${name}: a 2xx response`);
      if (o.access === 'public') {
        assert.deepEqual(o.op.security, [], `${name}: public operations have security: []`);
      } else {
        assert.ok(o.op.security === undefined || o.op.security.length > 0, `${name}: not anonymous`);
        assert.ok(codes.includes('401'), `${name}: documents 401`);
      }
      if (o.access === 'admin') assert.ok(codes.includes('403'), `${name}: documents 403`);
      // Path parameters are declared.
      const params = [...(o.item.parameters ?? []), ...(o.op.parameters ?? [])].map((x) => {
        if (x.$ref) return x.$ref.split('/').reduce((acc, k) => (k === '#' ? doc : acc[k]), doc);
        return x;
      });
      for (const [, pname] of o.path.matchAll(/\{([^}]+)\}/g)) {
        assert.ok(params.some((x) => x.in === 'path' && x.name === pname), `${name}: path parameter ${pname} declared`);
      }
    }
    const ids = ops.map((o) => o.op.operationId);
    assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
  });
});

describe('`vigil routes` matches docs/openapi.yaml', () => {
  it('same routes with the same access levels', async () => {
    const routes = await getRoutes();
    assert.ok(routes.length > 0, 'vigil routes printed routes');
    const server = new Map(routes.map((r) => [key(r.method, r.path), r.access]));
    const documented = new Map(ops.map((o) => [key(o.method, o.path), o.access]));
    const problems = [];
    for (const [k, a] of server) {
      if (!documented.has(k)) problems.push(`server route ${k} (${a}) not in openapi.yaml`);
      else if (documented.get(k) !== a) problems.push(`${k}: server says ${a}, openapi.yaml says ${documented.get(k)}`);
    }
    for (const [k, a] of documented) if (!server.has(k)) problems.push(`openapi.yaml ${k} (${a}) not served`);
    for (const r of routes) if (!r.path.startsWith('/api/')) problems.push(`non-/api route listed: ${r.method} ${r.path}`);
    assert.deepEqual(problems, []);
    assert.equal(routes.length, server.size, 'no route listed twice');
  });
});

describe('access matrix against the running server', () => {
  let d;
  let admin;
  let adminToken;
  let mainViewer; // {user, client, token, password}
  let callers;

  const VPASS = 'password-123';

  // A new viewer with a cookie session and an API token.
  async function throwawayViewer() {
    const user = await createUser(admin, { username: uniq('mxv'), password: VPASS });
    const client = await loginAs(d, user.username, VPASS);
    const t = await client.post('/api/tokens', { name: 'mx' });
    assertStatus(t, 201, 'viewer token');
    return { user, client, token: t.json.token, password: VPASS };
  }
  async function adminMake(p, body) {
    const res = await admin.post(p, body);
    assertStatus(res, 201, `fixture POST ${p}`);
    return res.json;
  }
  const cameraBody = () => ({ id: uniq('mxc'), name: 'Matrix cam', main_url: 'demo:1' });
  const nvrBody = () => ({
    id: uniq('mxn'), name: 'Matrix NVR', vendor: 'hikvision', host: '10.9.9.9', port: 554,
    username: 'admin', password: 'nvr-pass', channels: 1,
  });

  // For each operation: how to call it as a given caller (params, body, and
  // possibly another client/bearer). caller.role is anon | viewer | admin.
  const fixtures = {
    'GET /api/health': async () => ({}),
    'GET /api/openapi.yaml': async () => ({}),
    'POST /api/auth/login': async (c) => ({
      // A fresh client, so the caller's own session is not replaced.
      client: new Client(d.url),
      bearer: undefined,
      body: c.role === 'viewer'
        ? { username: mainViewer.user.username, password: VPASS }
        : { username: 'admin', password: d.adminPassword },
    }),
    'POST /api/auth/logout': async (c) => {
      if (c.bearer) return { skip: 'logout ends a cookie session; not meaningful with a bearer token' };
      if (c.role === 'anon') return {};
      const fresh = c.role === 'viewer' ? await loginAs(d, mainViewer.user.username, VPASS) : await adminClient(d);
      return { client: fresh };
    },
    'GET /api/auth/me': async () => ({}),
    'GET /api/users': async () => ({}),
    'POST /api/users': async () => ({
      body: { username: uniq('mxu'), password: 'password-456', role: 'viewer', cameras: [], zones: [] },
    }),
    'GET /api/users/{id}': async (c) => ({ params: { id: c.self?.id ?? mainViewer.user.id } }),
    'PUT /api/users/{id}': async (c) => {
      if (c.role === 'viewer') {
        // A viewer may change only its own password; use a throwaway viewer.
        const t = await throwawayViewer();
        return {
          params: { id: t.user.id },
          body: { password: 'password-789', current_password: VPASS },
          client: c.bearer ? new Client(d.url) : t.client,
          bearer: c.bearer ? t.token : undefined,
        };
      }
      const u = await createUser(admin, { username: uniq('mxp'), password: VPASS });
      return { params: { id: u.id }, body: { zones: ['matrix'] } };
    },
    'DELETE /api/users/{id}': async () => {
      const u = await createUser(admin, { username: uniq('mxd'), password: VPASS });
      return { params: { id: u.id } };
    },
    'GET /api/tokens': async () => ({}),
    'POST /api/tokens': async () => ({ body: { name: uniq('tok') } }),
    'DELETE /api/tokens/{id}': async (c) => {
      // Users delete their own tokens.
      const owner = c.role === 'viewer' ? mainViewer.client : admin;
      const t = await owner.post('/api/tokens', { name: uniq('deltok') });
      assertStatus(t, 201, 'fixture token');
      return { params: { id: t.json.id } };
    },
    'GET /api/cameras': async () => ({}),
    'POST /api/cameras': async () => ({ body: cameraBody() }),
    'GET /api/cameras/{id}': async () => ({ params: { id: 'mx-cam' } }),
    'PUT /api/cameras/{id}': async () => ({ params: { id: 'mx-cam' }, body: { name: 'Matrix cam renamed' } }),
    'DELETE /api/cameras/{id}': async () => ({ params: { id: (await adminMake('/api/cameras', cameraBody())).id } }),
    'GET /api/nvrs': async () => ({}),
    'POST /api/nvrs': async () => ({ body: nvrBody() }),
    'GET /api/nvrs/{id}': async () => ({ params: { id: 'mx-nvr' } }),
    'PUT /api/nvrs/{id}': async () => ({ params: { id: 'mx-nvr' }, body: { name: 'Matrix NVR renamed' } }),
    'DELETE /api/nvrs/{id}': async () => ({ params: { id: (await adminMake('/api/nvrs', nvrBody())).id } }),
    'POST /api/nvrs/{id}/sync': async () => ({ params: { id: 'mx-nvr' } }),
    'GET /api/audit': async () => ({}),
    'POST /api/cameras/probe': async () => ({ body: { url: 'demo:1' } }),
    'GET /api/streams/{id}/mse': async () => ({ params: { id: 'mx-cam' }, headersOnly: true }),
    // The example file from openapi.yaml: the playlist (waits for the first segment).
    'GET /api/streams/{id}/hls/{file}': async () => ({ params: { id: 'mx-cam', file: 'index.m3u8' } }),
    'GET /api/streams/{id}/snapshot.jpg': async () => ({ params: { id: 'mx-cam' } }),
    'GET /api/streams/{id}/mjpeg': async () => ({ params: { id: 'mx-cam' }, headersOnly: true }),
    'GET /api/events': async () => ({ headersOnly: true }),
    'GET /api/webrtc/config': async () => ({}),
    'GET /api/webrtc/sessions': async () => ({}),
    // A Chromium offer recorded on this machine (tests/unit/webrtc/data).
    'POST /api/streams/{id}/whep': async () => ({
      params: { id: 'mx-cam' }, raw: WHEP_OFFER, headers: { 'Content-Type': 'application/sdp' },
    }),
    // Each caller ends a session the admin just opened.
    'DELETE /api/streams/{id}/whep/{session}': async () => {
      const res = await admin.request('POST', '/api/streams/mx-cam/whep',
        { raw: WHEP_OFFER, headers: { 'Content-Type': 'application/sdp' } });
      assertStatus(res, 201);
      return { params: { id: 'mx-cam', session: res.headers.get('location').split('/').pop() } };
    },
    // Publishing: admins only (a viewer's token would need publish permission).
    'POST /api/streams/{id}/whip': async (caller) => {
      await endPublishers();
      return {
        params: { id: 'mx-pub' }, raw: WHIP_OFFER, headers: { 'Content-Type': 'application/sdp' },
        want: caller.role === 'viewer' ? 403 : undefined,
      };
    },
    'DELETE /api/streams/{id}/whip/{session}': async (caller) => {
      await endPublishers();
      const res = await admin.request('POST', '/api/streams/mx-pub/whip',
        { raw: WHIP_OFFER, headers: { 'Content-Type': 'application/sdp' } });
      assertStatus(res, 201);
      return {
        params: { id: 'mx-pub', session: res.headers.get('location').split('/').pop() },
        want: caller.role === 'viewer' ? 403 : undefined,
      };
    },
    // Recordings: mx-cam records nothing (empty answers); mx-rec records.
    'GET /api/recordings/days': async (c) => ({ client: withQuery(c.client, 'camera=mx-cam') }),
    'GET /api/recordings/timeline': async (c) => ({
      client: withQuery(c.client, `camera=mx-cam&day=${new Date(Date.now() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 10)}`),
    }),
    'GET /api/recordings/segments': async (c) => ({
      client: withQuery(c.client, `camera=mx-cam&from=0&to=${Date.now()}`),
    }),
    'GET /api/recordings/play.mp4': async (c) => {
      const s = await recordedSegment((x) => x.duration_ms >= 2000, 'a segment of 2 s');
      return { client: withQuery(c.client, `camera=mx-rec&from=${s.start_ms}&to=${s.start_ms + 1500}`) };
    },
    'GET /api/recordings/thumbnail.jpg': async (c) => {
      const s = await recordedSegment((x) => x.duration_ms >= 2000, 'a segment of 2 s');
      return { client: withQuery(c.client, `camera=mx-rec&at=${s.start_ms + 500}`) };
    },
    // Admins delete a closed segment each; the others are refused before any lookup.
    'DELETE /api/recordings/segments/{id}': async (c) => ({
      params: { id: c.role === 'admin' ? await closedRecordingSegment() : 1 },
    }),
    'GET /api/storage': async () => ({}),
  };

  /** The caller's client, sending every request with this query string. */
  function withQuery(client, query) {
    return { request: (method, p, opts) => client.request(method, `${p}?${query}`, opts) };
  }

  /** Makes mx-rec (recording demo:3) on first use; waits for a segment of mx-rec for which pred holds. */
  let mxRec = null;
  async function recordedSegment(pred, what) {
    mxRec ??= adminMake('/api/cameras', { id: 'mx-rec', name: 'Matrix recording', main_url: 'demo:3', record: true });
    await mxRec;
    const deadline = Date.now() + 60000;
    for (;;) {
      const res = await admin.get(`/api/recordings/segments?camera=mx-rec&from=0&to=${Date.now() + 60000}`);
      assertStatus(res, 200, 'fixture: segments of mx-rec');
      const s = res.json.segments.find(pred);
      if (s) return s;
      assert.ok(Date.now() < deadline, `fixture: ${what} of mx-rec not within 60 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** A closed segment of mx-rec: recording turned off closes the one being written. */
  async function closedRecordingSegment() {
    await recordedSegment((x) => x.live && x.duration_ms >= 1500, 'a live segment of 1.5 s');
    assertStatus(await admin.put('/api/cameras/mx-rec', { record: false }), 200, 'fixture: mx-rec stops recording');
    const s = await recordedSegment((x) => !x.live, 'a closed segment');
    assertStatus(await admin.put('/api/cameras/mx-rec', { record: true }), 200, 'fixture: mx-rec records again');
    return s.id;
  }

  /** Ends every publisher of mx-pub, so the next POST is not refused as busy. */
  async function endPublishers() {
    const list = await admin.get('/api/webrtc/sessions');
    for (const s of list.json.sessions.filter((x) => x.direction === 'whip' && x.stream === 'mx-pub')) {
      assertStatus(await admin.del(`/api/streams/mx-pub/whip/${s.id}`), 200);
    }
  }

  function expectation(access, role) {
    if (access === 'public') return '2xx';
    if (role === 'anon') return 401;
    if (access === 'admin' && role === 'viewer') return 403;
    return '2xx';
  }

  before(async () => {
    d = await startDaemon({ config: 'auth:\n  max_sessions_per_user: 100\n' });
    admin = await adminClient(d);
    const at = await admin.post('/api/tokens', { name: 'matrix-admin' });
    assertStatus(at, 201);
    adminToken = at.json.token;
    mainViewer = await throwawayViewer();
    await adminMake('/api/cameras', { id: 'mx-cam', name: 'Matrix cam', main_url: 'demo:1' });
    await adminMake('/api/cameras', { id: 'mx-pub', name: 'Matrix publisher', type: 'webrtc' });
    await adminMake('/api/nvrs', { ...nvrBody(), id: 'mx-nvr' });
    callers = {
      anonymous: { role: 'anon', client: new Client(d.url) },
      viewer: { role: 'viewer', client: mainViewer.client, self: mainViewer.user },
      'viewer-bearer': { role: 'viewer', client: new Client(d.url), bearer: mainViewer.token, self: mainViewer.user },
      admin: { role: 'admin', client: admin, self: admin.user },
      'admin-bearer': { role: 'admin', client: new Client(d.url), bearer: adminToken, self: admin.user },
    };
  });
  after(() => d?.stop());

  for (const o of ops) {
    it(`${o.method} ${o.path} (${o.access})`, async () => {
      const fx = fixtures[`${o.method} ${o.path}`];
      assert.ok(fx, `no fixture for ${o.method} ${o.path}: add one to authz.test.mjs`);
      const failures = [];
      for (const [cname, caller] of Object.entries(callers)) {
        const prep = await fx(caller);
        if (prep.skip) continue;
        const p = o.path.replace(/\{([^}]+)\}/g, (_, n) => encodeURIComponent(String(prep.params?.[n])));
        const client = prep.client ?? caller.client;
        const bearer = 'bearer' in prep ? prep.bearer : caller.bearer;
        const res = await client.request(o.method, p, {
          body: prep.body, raw: prep.raw, headers: prep.headers, bearer, headersOnly: prep.headersOnly,
        });
        const want = prep.want ?? expectation(o.access, caller.role);
        const ok = want === '2xx' ? res.status >= 200 && res.status < 300 : res.status === want;
        if (!ok) {
          failures.push(`${cname}: ${o.method} ${p} ${prep.body ? JSON.stringify(prep.body) : ''} → expected ${want}, got ${show(res)}`);
          continue;
        }
        if (want === 401 || want === 403) {
          const code = res.json?.error?.code;
          const wantCode = want === 401 ? 'unauthorized' : 'forbidden';
          if (code !== wantCode) failures.push(`${cname}: ${o.method} ${p} → error code ${code}, expected ${wantCode}`);
        }
        if (o.access === 'public' && (res.status === 401 || res.status === 403)) {
          failures.push(`${cname}: public ${o.method} ${p} → ${res.status}`);
        }
        // The answer matches what docs/openapi.yaml says about it.
        const ctype = (res.headers.get('content-type') ?? '').split(';')[0].trim();
        const schema = responseSchema(doc, o.op, res.status, ctype || 'application/json');
        if (schema === undefined) {
          failures.push(`${cname}: ${o.method} ${p} → ${res.status}, a status openapi.yaml does not document`);
        } else if (res.status === 204) {
          if (res.text !== '') failures.push(`${cname}: ${o.method} ${p} → 204 with a body`);
        } else if (schema === null) {
          failures.push(`${cname}: ${o.method} ${p} → ${res.status} with content-type "${ctype}", not documented`);
        } else if (ctype === 'application/json') {
          for (const e of validate(doc, schema, res.json)) failures.push(`${cname}: ${o.method} ${p} → ${res.status}: ${e}`);
        }
      }
      assert.deepEqual(failures, []);
    });
  }

  it('the main sessions survived the matrix', async () => {
    assertStatus(await admin.get('/api/auth/me'), 200);
    assertStatus(await mainViewer.client.get('/api/auth/me'), 200);
  });
});
