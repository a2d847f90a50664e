// Storage: how full the disk of the recordings is, what each camera takes, the
// retention settings, and whether each camera's recorder is writing.
import * as api from '../api.js';
import { h, notice, errorText, formatTime } from '../dom.js';
import { recordingBadge, formatBytes, formatDuration, playbackHref } from '../recording.js';

export async function render(root) {
    const body = h('div', { id: 'storage' });
    const status = h('div', { 'aria-live': 'polite' });
    const refresh = h('button', { type: 'button', class: 'btn', id: 'storage-refresh' }, 'Refresh');
    root.append(h('div', { class: 'page-head' }, h('h1', null, 'Storage'), refresh), status, body);

    async function load() {
        try {
            const s = await api.get('/api/storage');
            body.replaceChildren(...view(s));
            status.replaceChildren();
        } catch (e) {
            status.replaceChildren(notice('error', errorText(e)));
        }
    }
    refresh.addEventListener('click', load);
    await load();
}

const pct = (part, whole) => (whole > 0 ? (part / whole) * 100 : 0);
const pctText = (part, whole) => `${pct(part, whole).toFixed(pct(part, whole) < 10 ? 1 : 0)} %`;

function view(s) {
    const total = s.total_bytes;
    const free = s.free_bytes;
    const used = s.used_bytes;
    // What else is on the disk (and what the file system keeps back).
    const other = Math.max(0, total - free - used);
    const parts = [
        ['recordings', 'Recordings', used],
        ['other', 'Other files', other],
        ['free', 'Free', free],
    ];
    const diskLabel = parts.map(([, name, n]) => `${name} ${formatBytes(n)}`).join(', ');
    const disk = h('section', { class: 'card', 'aria-labelledby': 'disk-title' },
        h('h2', { id: 'disk-title' }, 'Disk'),
        h('div', { class: 'stats' },
            stat('Size', formatBytes(total), 'disk-total'),
            stat('Recordings', formatBytes(used), 'disk-used', pctText(used, total)),
            stat('Other files', formatBytes(other), 'disk-other', pctText(other, total)),
            stat('Free', formatBytes(free), 'disk-free', pctText(free, total))),
        h('div', { class: 'disk-bar', id: 'disk-bar', role: 'img', 'aria-label': `Disk of ${formatBytes(total)}: ${diskLabel}` },
            parts.map(([key, name, n]) => width(h('span', {
                class: `disk-part disk-${key}`,
                title: `${name}: ${formatBytes(n)}`,
                'data-part': key,
            }), pct(n, total)))),
        h('ul', { class: 'legend', 'aria-hidden': 'true' },
            parts.map(([key, name, n]) => h('li', null, h('span', { class: `swatch disk-${key}` }), `${name} ${formatBytes(n)}`))));

    const r = s.retention || {};
    const retention = h('section', { class: 'card', 'aria-labelledby': 'retention-title' },
        h('h2', { id: 'retention-title' }, 'Retention'),
        h('dl', { class: 'meta meta-wide', id: 'retention' },
            h('dt', null, 'Oldest recording'), h('dd', { id: 'oldest' }, s.oldest ? formatTime(s.oldest) : 'none yet'),
            h('dt', null, 'Maximum size'), h('dd', null, r.max_storage_gb ? `${r.max_storage_gb} GB` : 'no limit'),
            h('dt', null, 'Maximum age'), h('dd', null, r.max_age_days ? `${r.max_age_days} days` : 'no limit'),
            h('dt', null, 'Keep free'), h('dd', null, `${r.min_free_percent ?? 0} % of the disk`),
            h('dt', null, 'Segment length'), h('dd', null, `${r.segment_seconds ?? '—'} s`)),
        h('p', { class: 'hint retention-hint' }, 'The oldest recordings are deleted first when a limit is reached. A camera may keep its recordings for a number of days of its own.'));

    const cams = [...s.cameras].sort((a, b) => b.bytes - a.bytes || a.camera.localeCompare(b.camera));
    const max = Math.max(1, ...cams.map((c) => c.bytes));
    const chart = cams.length
        ? h('ul', { class: 'usage', id: 'camera-usage', 'aria-label': 'Recordings per camera' }, cams.map((c) => usageRow(c, max, used)))
        : h('p', { class: 'empty' }, 'No camera records, and nothing is recorded.');
    const perCamera = h('section', { class: 'card', 'aria-labelledby': 'usage-title' },
        h('h2', { id: 'usage-title' }, 'Recordings per camera'), chart);

    return [h('div', { class: 'storage-grid' }, disk, retention), perCamera];
}

/** Sets a bar's width in percent (through the CSSOM: the CSP refuses style attributes). */
function width(el, percent) {
    el.style.width = `${percent}%`;
    return el;
}

function stat(label, value, id, sub) {
    return h('div', { class: 'stat' },
        h('span', { class: 'stat-label' }, label),
        h('strong', { class: 'stat-value', id }, value),
        sub ? h('span', { class: 'stat-sub muted' }, sub) : null);
}

function usageRow(c, max, used) {
    const name = c.name || c.camera;
    const rec = c.recording || { state: 'off', reason: '' };
    const span = c.oldest_ms && c.newest_ms ? formatDuration(c.newest_ms - c.oldest_ms) : null;
    const details = [
        `${c.segments} segment${c.segments === 1 ? '' : 's'}`,
        c.oldest_ms ? `since ${formatTime(c.oldest_ms)}` : null,
        span ? `${span} of time` : null,
        c.retention_days ? `kept ${c.retention_days} days` : 'default retention',
    ].filter(Boolean).join(' · ');
    return h('li', {
        class: `usage-row${rec.state === 'recording error' ? ' is-error' : ''}`,
        'data-camera-id': c.camera,
    },
    h('div', { class: 'usage-name' },
        h('a', { href: playbackHref(c.camera), 'aria-label': `Playback of ${name}` }, name),
        recordingBadge(rec)),
    h('div', { class: 'usage-bar', role: 'img', 'aria-label': `${name}: ${formatBytes(c.bytes)}, ${pctText(c.bytes, used)} of the recordings` },
        width(h('span', { class: 'usage-fill' }), Math.max(c.bytes ? 0.5 : 0, pct(c.bytes, max)))),
    h('div', { class: 'usage-size' }, formatBytes(c.bytes)),
    h('div', { class: 'usage-meta muted' }, details));
}
