// Home: the cameras this user may see, as cards (until the live wall exists).
import * as api from '../api.js';
import { h, badge, notice } from '../dom.js';

export async function render(root, ctx) {
    root.append(h('div', { class: 'page-head' }, h('h1', null, 'Cameras you can see')));
    const body = h('div', null, h('p', { class: 'loading' }, 'Loading cameras…'));
    root.append(body);

    const cameras = await api.get('/api/cameras');
    if (!cameras.length) {
        body.replaceChildren(notice('info', 'No cameras yet. ',
            ctx.isAdmin ? h('a', { href: '#/cameras' }, 'Add a camera or import an NVR.')
                : 'Ask an administrator for access to cameras.'));
        return;
    }
    const cards = cameras.map((c) => h('article', {
        class: `camera-card${c.enabled ? '' : ' is-disabled'}`,
        'data-camera-id': c.id,
        'aria-label': c.name || c.id,
    },
        h('div', { class: 'camera-thumb', 'aria-hidden': 'true' }, h('span', { class: 'camera-icon' })),
        h('div', { class: 'camera-body' },
            h('h2', { class: 'camera-name' }, c.name || c.id),
            h('dl', { class: 'meta' },
                h('dt', null, 'Zone'), h('dd', null, c.zone || '—'),
                h('dt', null, 'ID'), h('dd', null, h('code', null, c.id))),
            h('div', { class: 'badges' },
                c.enabled ? badge('Enabled', 'ok') : badge('Disabled', 'muted'),
                c.record ? badge('Recording', 'rec') : badge('Not recording', 'muted'),
                c.source && c.source !== 'api' ? badge(c.source, 'info') : null))));
    body.replaceChildren(
        h('p', { class: 'lead' }, `${cameras.length} camera${cameras.length === 1 ? '' : 's'}`),
        h('div', { class: 'camera-grid', id: 'camera-cards' }, cards));
}
