// GET /api/webrtc/config hands the configured ICE servers (TURN credentials
// included) to signed-in users, in RTCConfiguration.iceServers shape.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { startDaemon } from '../lib/daemon.mjs';
import { adminClient, viewer } from '../lib/helpers.mjs';
import { stopDaemonCleanly } from '../lib/camsim.mjs';

const CONFIG = `webrtc:
  ice_servers:
    - urls: ["stun:stun.example.net:3478"]
    - urls: ["turn:turn.example.net:3478?transport=udp", "turns:turn.example.net:5349"]
      username: relay-user
      credential: relay-secret
`;

describe('WebRTC configuration', () => {
  it('gives viewers the ICE servers with TURN credentials, and nothing to anonymous callers', async () => {
    const d = await startDaemon({ config: CONFIG });
    try {
      const admin = await adminClient(d);
      const { client: v } = await viewer(d, admin);
      const res = await v.get('/api/webrtc/config');
      assert.equal(res.status, 200);
      assert.deepEqual(res.json, {
        ice_servers: [
          { urls: ['stun:stun.example.net:3478'] },
          { urls: ['turn:turn.example.net:3478?transport=udp', 'turns:turn.example.net:5349'], username: 'relay-user', credential: 'relay-secret' },
        ],
      });
      const anon = await fetch(new URL('/api/webrtc/config', d.url));
      assert.equal(anon.status, 401);
    } finally {
      await stopDaemonCleanly(d);
    }
  });
});
