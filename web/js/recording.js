// Words and numbers about recordings, shared by the cameras, playback and storage pages.
import { h, badge } from './dom.js';

const STATE_KIND = {
    recording: 'rec',
    waiting: 'warn',
    'recording error': 'danger',
    off: 'muted',
};

/** A camera's RecordingStatus in words: "recording", "recording error: disk full"… */
export function recordingText(rec) {
    if (!rec || !rec.state) return 'off';
    if (rec.state === 'recording error') return rec.reason ? `recording error: ${rec.reason}` : 'recording error';
    return rec.state;
}

/**
 * A badge for a camera's recorder. `rec` is camera.recording (absent from older
 * servers: then `record` alone says yes or no).
 */
export function recordingBadge(rec, record) {
    if (!rec) return record ? badge('yes', 'rec') : badge('off', 'muted');
    const el = badge(recordingText(rec), STATE_KIND[rec.state] || 'muted');
    el.classList.add('rec-state');
    el.dataset.state = rec.state;
    if (rec.state === 'recording error') el.setAttribute('role', 'status');
    return el;
}

/** 1234567 -> "1.2 MB" (powers of 1000, as disks are sold). */
export function formatBytes(n) {
    if (!Number.isFinite(n) || n < 0) return '—';
    const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
    let v = n;
    let i = 0;
    while (v >= 1000 && i < units.length - 1) {
        v /= 1000;
        i++;
    }
    const digits = i === 0 || v >= 100 ? 0 : v >= 10 ? 1 : 2;
    return `${v.toFixed(digits)} ${units[i]}`;
}

/** 5400000 -> "1 h 30 min", 42000 -> "42 s". */
export function formatDuration(ms) {
    if (!Number.isFinite(ms) || ms < 0) return '—';
    const s = Math.round(ms / 1000);
    if (s < 60) return `${s} s`;
    const m = Math.floor(s / 60);
    if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
    const hours = Math.floor(m / 60);
    if (hours < 48) return m % 60 ? `${hours} h ${m % 60} min` : `${hours} h`;
    const d = Math.floor(hours / 24);
    return hours % 24 ? `${d} d ${hours % 24} h` : `${d} d`;
}

/** The playback page of a camera, at a moment (Unix ms) when given. */
export function playbackHref(cameraId, atMs) {
    const q = new URLSearchParams({ camera: cameraId });
    if (Number.isFinite(atMs)) q.set('at', String(Math.round(atMs)));
    return `#/playback?${q}`;
}

/** A small "Playback" link for lists of cameras. */
export function playbackLink(camera) {
    return h('a', {
        class: 'btn btn-small',
        href: playbackHref(camera.id),
        'aria-label': `Playback of ${camera.name || camera.id}`,
    }, 'Playback');
}
