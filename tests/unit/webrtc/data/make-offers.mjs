// Makes the real WebRTC offers the SDP answer tests use, from this machine's
// Chromium (Debian's /usr/bin/chromium through playwright-core). Run once by
// hand when the browser changes; the tests read the saved .sdp files and never
// start a browser themselves:
//
//   node tests/unit/webrtc/data/make-offers.mjs        (from the repository root)
//
// Writes, next to this script:
//   whep-video-audio.sdp  recvonly video + audio: a WHEP viewer
//   whep-video.sdp        recvonly video only
//   whip-video-audio.sdp  sendonly video + audio from the fake camera: a WHIP publisher
//
// Each offer is taken after ICE gathering completed (or 5 s), as WHEP/WHIP
// clients that do not trickle send it. Launch flags as in tests/browser/, plus
// what Chromium needs to put host candidates in an offer: loopback allowed, a
// media permission (the fake devices answer getUserMedia) and mDNS host-name
// hiding off. The machine's addresses end up in the files; these were made
// on a test box (192.0.2.2, fd00::2).

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core'; // resolved from tests/node_modules

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CHROMIUM = process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium';

const LAUNCH_ARGS = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--autoplay-policy=no-user-gesture-required',
    '--allow-loopback-in-peer-connection',
    '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
    '--disable-features=WebRtcHideLocalIpsWithMdns',
];

// Runs in the page. kinds: ['video', 'audio'] for recvonly transceivers, or
// 'camera' for a sendonly publisher of the fake camera and microphone.
async function makeOffer(what) {
    // A media permission is what lets Chromium gather host candidates.
    const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
    const pc = new RTCPeerConnection();
    if (what === 'camera') {
        for (const track of stream.getTracks())
            pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
    } else {
        for (const kind of what)
            pc.addTransceiver(kind, { direction: 'recvonly' });
    }
    const gathered = new Promise((resolve) => {
        if (pc.iceGatheringState === 'complete') resolve();
        pc.addEventListener('icegatheringstatechange', () => {
            if (pc.iceGatheringState === 'complete') resolve();
        });
        setTimeout(resolve, 5000);
    });
    await pc.setLocalDescription(await pc.createOffer());
    await gathered;
    const sdp = pc.localDescription.sdp;
    pc.close();
    if (what !== 'camera') stream.getTracks().forEach((t) => t.stop());
    return sdp;
}

const OFFERS = [
    ['whep-video-audio.sdp', ['video', 'audio']],
    ['whep-video.sdp', ['video']],
    ['whip-video-audio.sdp', 'camera'],
];

const userDataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'vigil-offers-'));
const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    args: LAUNCH_ARGS,
});
try {
    const page = context.pages()[0] ?? (await context.newPage());
    // getUserMedia needs a secure context; a served https origin is one without a server.
    await page.route('https://vigil.test/', (route) =>
        route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>offers</title>' }));
    await page.goto('https://vigil.test/');
    for (const [name, what] of OFFERS) {
        const sdp = await page.evaluate(makeOffer, what);
        await fs.writeFile(path.join(HERE, name), sdp);
        console.log(`${name}: ${sdp.length} bytes`);
    }
} finally {
    await context.close();
    await fs.rm(userDataDir, { recursive: true, force: true });
}
