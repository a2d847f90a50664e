// Audit log (admin): who did what, newest first, with paging to older entries.
import * as api from '../api.js';
import { h, table, errorText, notice, formatTime } from '../dom.js';

const PAGE = 100;

export async function render(root) {
    const listEl = h('div', { id: 'audit-list' });
    const more = h('button', { type: 'button', class: 'btn', id: 'audit-more', hidden: true }, 'Load older entries');
    const refresh = h('button', { type: 'button', class: 'btn', id: 'audit-refresh' }, 'Refresh');
    const status = h('div', { 'aria-live': 'polite' });
    root.append(
        h('div', { class: 'page-head' }, h('h1', null, 'Audit log'), refresh),
        listEl, status, h('div', { class: 'actions actions-start' }, more));

    let entries = [];

    function draw() {
        listEl.replaceChildren(table([
            ['Time', (e) => h('time', { datetime: e.time }, formatTime(e.time))],
            ['User', (e) => e.username || '—'],
            ['IP', (e) => h('code', null, e.ip || '')],
            ['Action', (e) => h('span', { class: `action action-${String(e.action).split('.')[0]}` }, e.action)],
            ['Target', (e) => e.target || '—'],
            ['Detail', (e) => e.detail || ''],
        ], entries, { caption: 'Audit entries', empty: 'No audit entries.', rowProps: (e) => ({ 'data-audit-id': e.id }) }));
    }

    async function fetchPage(before) {
        const q = new URLSearchParams({ limit: String(PAGE) });
        if (before !== undefined) q.set('before', String(before));
        const page = await api.get(`/api/audit?${q}`);
        more.hidden = page.length < PAGE;
        return page;
    }

    more.addEventListener('click', async () => {
        more.disabled = true;
        status.replaceChildren();
        try {
            const last = entries[entries.length - 1];
            entries = entries.concat(await fetchPage(last ? last.id : undefined));
            draw();
        } catch (e) {
            status.replaceChildren(notice('error', errorText(e)));
        } finally {
            more.disabled = false;
        }
    });

    refresh.addEventListener('click', async () => {
        status.replaceChildren();
        try {
            entries = await fetchPage();
            draw();
        } catch (e) {
            status.replaceChildren(notice('error', errorText(e)));
        }
    });

    entries = await fetchPage();
    draw();
}
