// The public address from the STUN server: Vigil asks webrtc.stun_server
// (here a small STUN responder on 127.0.0.1 that says "you are
// 203.0.113.9:40000", as a NAT's outside would) and offers that address to
// browsers as a server-reflexive candidate next to its host ones.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { REPO_ROOT, freePort, startDaemon } from '../lib/daemon.mjs';
import { adminClient, sleep } from '../lib/helpers.mjs';
import { stopDaemonCleanly } from '../lib/camsim.mjs';

const OFFER = fs.readFileSync(path.join(REPO_ROOT, 'tests', 'unit', 'webrtc', 'data', 'whep-video.sdp'), 'utf8');
const COOKIE = 0x2112a442;

/** A Binding success for the request req, with XOR-MAPPED-ADDRESS ip:port. */
function bindingSuccess(req, ip, port) {
  const attr = Buffer.alloc(12);
  attr.writeUInt16BE(0x0020, 0);
  attr.writeUInt16BE(8, 2);
  attr.writeUInt8(0x01, 5);
  attr.writeUInt16BE(port ^ (COOKIE >>> 16), 6);
  const a = ip.split('.').map(Number);
  attr.writeUInt32BE((((a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3]) ^ COOKIE) >>> 0, 8);
  const hdr = Buffer.alloc(20);
  hdr.writeUInt16BE(0x0101, 0);
  hdr.writeUInt16BE(attr.length, 2);
  hdr.writeUInt32BE(COOKIE, 4);
  req.copy(hdr, 8, 8, 20);
  return Buffer.concat([hdr, attr]);
}

describe('public address from a STUN server', () => {
  it('is offered as a server-reflexive candidate', async () => {
    const stun = dgram.createSocket('udp4');
    let asked = 0;
    stun.on('message', (msg, from) => {
      if (msg.length < 20 || msg.readUInt16BE(0) !== 0x0001 || msg.readUInt32BE(4) !== COOKIE) return;
      asked++;
      stun.send(bindingSuccess(msg, '203.0.113.9', 40000), from.port, from.address);
    });
    await new Promise((r) => stun.bind(0, '127.0.0.1', r));
    const d = await startDaemon({
      args: ['--demo', '1'],
      config: `webrtc:\n  udp_port: ${await freePort()}\n  tcp_port: ${await freePort()}\n` +
        `  stun_server: "127.0.0.1:${stun.address().port}"\n`,
    });
    try {
      const admin = await adminClient(d);
      let answer = '';
      for (let i = 0; i < 50 && !/typ srflx/.test(answer); i++) {
        const res = await admin.request('POST', '/api/streams/demo-1/whep',
          { raw: OFFER, headers: { 'Content-Type': 'application/sdp' } });
        assert.equal(res.status, 201, res.text);
        answer = res.text;
        await admin.request('DELETE', res.headers.get('location'));
        if (!/typ srflx/.test(answer)) await sleep(100);
      }
      assert.ok(asked >= 1, 'the STUN server was asked');
      assert.match(answer, /^a=candidate:\S+ 1 udp \d+ 203\.0\.113\.9 40000 typ srflx raddr 0\.0\.0\.0 rport 0\r$/m);
      assert.match(answer, /typ host/, 'the host candidates stay');
    } finally {
      await stopDaemonCleanly(d);
      stun.close();
    }
  });
});
