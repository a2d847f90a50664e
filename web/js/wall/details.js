// A tile's details overlay: how the picture gets here, refreshed every second
// while open. WebRTC: ICE path, round trip, encryption, jitter buffer (from
// RTCPeerConnection.getStats()); MSE: transport and buffer. For demo cameras
// the glass-to-glass latency, read from the time each demo frame carries.

import { h } from '../dom.js';
import { readBarcode } from './barcode.js';

const REFRESH_MS = 1000;

export class TileDetails {
    /** tile: the Tile; the overlay is appended to tile.el. */
    constructor(tile) {
        this.tile = tile;
        this.list = h('dl', { class: 'tile-details-list' });
        this.el = h('div', { class: 'tile-details', hidden: true, role: 'region', 'aria-label': 'Stream details' }, this.list);
        this.timer = null;
    }

    get open() {
        return !this.el.hidden;
    }

    toggle() {
        if (this.open) this.close();
        else {
            this.el.hidden = false;
            this.refresh();
            this.timer = setInterval(() => this.refresh(), REFRESH_MS);
        }
    }

    close() {
        this.el.hidden = true;
        clearInterval(this.timer);
        this.timer = null;
    }

    async refresh() {
        const t = this.tile;
        const p = t.player;
        const rows = [['Protocol', p ? p.name : 'none'], ['Stream', t.stream || '']];
        if (p && p.details) {
            const d = await p.details();
            if (d) {
                rows.push(['ICE path', d.path || 'connecting']);
                rows.push(['Round trip', d.rttMs !== null ? `${d.rttMs} ms` : '–']);
                rows.push(['Encryption', d.encryption || '–']);
                rows.push(['Jitter buffer', d.jitterMs !== null ? `${d.jitterMs} ms` : '–']);
            }
        } else if (p) {
            rows.push(['Transport', p.transport === 'ws' ? 'WebSocket' : 'HTTP']);
            const lat = p.latency ? p.latency() : null;
            rows.push(['Buffer', lat !== null ? `${Math.round(lat * 1000)} ms` : '–']);
        }
        rows.push(['Frame rate', t.clientFps ? `${t.clientFps.toFixed(1)} fps` : '–']);
        rows.push(['Bitrate', t.clientBps ? `${(t.clientBps / 1e6).toFixed(2)} Mbit/s` : '–']);
        if (/^demo:/.test(t.camera.main_url || '') && t.state === 'playing') {
            const ms = readBarcode(t.video);
            if (ms !== null) rows.push(['Latency (glass to glass)', `${Date.now() - ms} ms`]);
        }
        this.list.replaceChildren(...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
    }
}
