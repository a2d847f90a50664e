// Splits a fragmented MP4 byte stream (as it arrives, in arbitrary chunks) into
// appendable units: the init segment (ftyp + moov) and media fragments (moof +
// mdat). It reads just enough of the boxes to know each track's timescale and
// each fragment's decode time, so the player can spot a timestamp jump (the
// server's source restarted) and flush the buffer instead of stalling.

const MAX_BOX = 32 << 20; // a single box larger than this is a broken stream

function type4(b, o) {
    return String.fromCharCode(b[o + 4], b[o + 5], b[o + 6], b[o + 7]);
}

/** Child boxes of bytes[start, end): [{type, start, end}] (start = box header). */
function children(b, start, end) {
    const out = [];
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    let p = start;
    while (p + 8 <= end) {
        let size = dv.getUint32(p);
        let header = 8;
        if (size === 1 && p + 16 <= end) {
            size = Number(dv.getBigUint64(p + 8));
            header = 16;
        } else if (size === 0) {
            size = end - p;
        }
        if (size < header || p + size > end) break;
        out.push({ type: type4(b, p), start: p, body: p + header, end: p + size });
        p += size;
    }
    return out;
}

function find(b, box, path) {
    let cur = [box];
    for (const t of path) {
        const next = [];
        for (const c of cur) next.push(...children(b, c.body, c.end).filter((x) => x.type === t));
        cur = next;
    }
    return cur;
}

/** {trackId: timescale} from a moov box. */
function timescales(b, moov) {
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const out = new Map();
    for (const trak of find(b, moov, ['trak'])) {
        const tkhd = find(b, trak, ['tkhd'])[0];
        const mdhd = find(b, trak, ['mdia', 'mdhd'])[0];
        if (!tkhd || !mdhd) continue;
        const tv = b[tkhd.body];
        const id = dv.getUint32(tkhd.body + (tv === 1 ? 20 : 12));
        const mv = b[mdhd.body];
        const scale = dv.getUint32(mdhd.body + (mv === 1 ? 20 : 12));
        if (scale) out.set(id, scale);
    }
    return out;
}

/** [{trackId, dts}] (dts in ticks) from a moof box. */
function decodeTimes(b, moof) {
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const out = [];
    for (const traf of find(b, moof, ['traf'])) {
        const tfhd = find(b, traf, ['tfhd'])[0];
        const tfdt = find(b, traf, ['tfdt'])[0];
        if (!tfhd || !tfdt) continue;
        const trackId = dv.getUint32(tfhd.body + 4);
        const dts = b[tfdt.body] === 1 ? Number(dv.getBigUint64(tfdt.body + 4)) : dv.getUint32(tfdt.body + 4);
        out.push({ trackId, dts });
    }
    return out;
}

export class Fmp4Splitter {
    constructor() {
        this.buf = new Uint8Array(0);
        this.scales = new Map();
        this.pending = []; // boxes of the unit being assembled
    }

    /**
     * Feeds bytes; returns complete units: {kind: 'init'|'media', bytes, times: [{trackId, t}]}
     * (t in seconds, media only). Throws on a stream that is not MP4.
     */
    push(chunk) {
        let buf;
        if (this.buf.length) {
            buf = new Uint8Array(this.buf.length + chunk.length);
            buf.set(this.buf);
            buf.set(chunk, this.buf.length);
        } else {
            buf = chunk;
        }
        const units = [];
        const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
        let p = 0;
        while (p + 8 <= buf.length) {
            let size = dv.getUint32(p);
            if (size === 1) {
                if (p + 16 > buf.length) break;
                size = Number(dv.getBigUint64(p + 8));
            }
            if (size < 8 || size > MAX_BOX) throw new Error(`bad MP4 box size ${size}`);
            if (p + size > buf.length) break;
            const box = buf.subarray(p, p + size);
            const type = type4(buf, p);
            p += size;
            const unit = this.box(type, box);
            if (unit) units.push(unit);
        }
        // Keep the incomplete tail (copied: the chunk's buffer may be reused).
        this.buf = buf.slice(p);
        return units;
    }

    box(type, bytes) {
        const head = { type, start: 0, body: 8, end: bytes.length };
        if (type === 'ftyp' || type === 'styp') {
            this.pending = [bytes];
            return null;
        }
        if (type === 'moov') {
            this.scales = timescales(bytes, head);
            const parts = [...this.pending, bytes];
            this.pending = [];
            return { kind: 'init', bytes: concat(parts), times: [] };
        }
        if (type === 'moof') {
            this.pending = [bytes];
            this.moofTimes = decodeTimes(bytes, head)
                .map(({ trackId, dts }) => ({ trackId, t: dts / (this.scales.get(trackId) || 90000) }));
            return null;
        }
        if (type === 'mdat') {
            const parts = [...this.pending, bytes];
            this.pending = [];
            return { kind: 'media', bytes: concat(parts), times: this.moofTimes || [] };
        }
        // sidx, free, prft, emsg...: nothing the player needs
        return null;
    }
}

export function concat(parts) {
    if (parts.length === 1) return parts[0];
    let n = 0;
    for (const p of parts) n += p.length;
    const out = new Uint8Array(n);
    let o = 0;
    for (const p of parts) {
        out.set(p, o);
        o += p.length;
    }
    return out;
}
