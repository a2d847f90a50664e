// API tokens: list, create (secret shown once, with a copy button), delete.
import * as api from '../api.js';
import { h, field, checkbox, select, table, messageArea, confirmDialog, busy, errorText, formatTime } from '../dom.js';

export async function render(root, ctx) {
    const msg = messageArea();
    msg.id = 'tokens-message';
    const secretSlot = h('div', { id: 'new-token' });
    const listEl = h('div', { id: 'token-list' }, h('p', { class: 'loading' }, 'Loading…'));

    const name = h('input', { id: 'token-name', name: 'name', required: true, maxlength: 64, placeholder: 'home-assistant' });
    const days = h('input', { id: 'token-days', name: 'expires_in_days', type: 'number', min: 1, max: 3650, placeholder: 'never' });
    const formMsg = messageArea();
    // Admins may make a token for another user (e.g. a camera node's) and let it
    // publish video to cameras that browsers publish (type webrtc).
    const admin = ctx.isAdmin ? await adminFields(ctx, formMsg) : null;
    const form = h('form', { class: 'card form', 'aria-label': 'Create token' },
        h('h2', null, 'Create token'),
        h('div', { class: 'form-grid' },
            field('Name', name),
            field('Expires in days', days, 'Optional; empty means the token does not expire'),
            admin ? admin.userField : null),
        admin ? admin.publishField : null,
        formMsg,
        h('div', { class: 'actions' },
            h('button', { type: 'submit', class: 'btn btn-primary', id: 'token-create' }, 'Create token')));

    root.append(
        h('div', { class: 'page-head' }, h('h1', null, 'API tokens')),
        h('p', { class: 'lead' },
            'Tokens let scripts call the API with ', h('code', null, 'Authorization: Bearer <token>'),
            '. A token acts with the rights of its user.',
            ctx.isAdmin ? ' As an administrator you see the tokens of every user.' : ''),
        form, secretSlot, msg, listEl);

    async function load() {
        const tokens = await api.get('/api/tokens');
        const cols = [
            ['Name', (t) => h('strong', null, t.name)],
            ['ID', (t) => String(t.id)],
        ];
        if (ctx.isAdmin) cols.push(['User', (t) => t.username || String(t.user_id)]);
        cols.push(
            ['Created', (t) => formatTime(t.created_at)],
            ['Expires', (t) => (t.expires_at ? formatTime(t.expires_at) : 'never')],
            ['May publish to', (t) => (t.publish && t.publish.length
                ? h('ul', { class: 'chips', 'aria-label': `Cameras token ${t.name} may publish to` },
                    t.publish.map((id) => h('li', null, h('code', null, id))))
                : '—')],
            ['Last used', (t) => (t.last_used_at ? formatTime(t.last_used_at) : 'never')],
            ['Actions', (t) => {
                const b = h('button', { type: 'button', class: 'btn btn-small btn-danger', 'aria-label': `Delete token ${t.name}` }, 'Delete');
                b.addEventListener('click', () => remove(t));
                return b;
            }]);
        listEl.replaceChildren(table(cols, tokens, {
            caption: 'API tokens',
            empty: 'No tokens yet.',
            rowProps: (t) => ({ 'data-token-id': t.id }),
        }));
    }

    async function remove(t) {
        if (!(await confirmDialog(`Delete token “${t.name}”? Anything using it stops working.`))) return;
        try {
            await api.del(`/api/tokens/${api.seg(t.id)}`);
            msg.show('ok', `Deleted token ${t.name}.`);
        } catch (e) {
            msg.show('error', errorText(e));
        }
        await load();
    }

    form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        formMsg.clear();
        msg.clear();
        const body = { name: name.value.trim() };
        if (days.value !== '') body.expires_in_days = Number(days.value);
        if (admin) Object.assign(body, admin.values());
        await busy(form, async () => {
            try {
                const t = await api.post('/api/tokens', body);
                form.reset();
                showSecret(secretSlot, t);
                await load();
            } catch (e) {
                formMsg.show('error', errorText(e));
            }
        });
    });

    await load();
}

/** The admin-only parts of the form: whose token it is and what it may publish to. */
async function adminFields(ctx, formMsg) {
    let users = [];
    let cameras = [];
    try {
        [users, cameras] = await Promise.all([api.get('/api/users'), api.get('/api/cameras')]);
    } catch (e) {
        formMsg.show('error', errorText(e));
    }
    const me = ctx.user;
    const user = select({ id: 'token-user', name: 'user_id' },
        (users.length ? users : [me]).map((u) => [String(u.id), u.id === me.id ? `${u.username} (you)` : u.username]));
    user.value = String(me.id);
    const userField = field('For user', user, 'The token acts with this user’s rights.');

    const publishable = cameras.filter((c) => c.type === 'webrtc');
    const boxes = publishable.map((c) => checkbox(c.name && c.name !== c.id ? `${c.name} (${c.id})` : c.id,
        { name: 'publish', value: c.id, dataset: { cameraId: c.id } }));
    const publishField = h('div', { class: 'field', id: 'token-publish', role: 'group', 'aria-labelledby': 'token-publish-label' },
        h('strong', { id: 'token-publish-label' }, 'May publish video to'),
        boxes.length
            ? h('div', { class: 'checks' }, boxes)
            : h('p', { class: 'hint' }, 'No camera is published by a browser yet: add a camera of type “Published by a browser (WebRTC)” first.'),
        h('small', { class: 'hint' }, 'A browser holding this token may send video to these cameras, if the user may see them.'));

    return {
        userField,
        publishField,
        values() {
            const out = {};
            if (user.value !== String(me.id)) out.user_id = Number(user.value);
            const publish = boxes.map((b) => b.querySelector('input')).filter((i) => i.checked).map((i) => i.value);
            if (publish.length) out.publish = publish;
            return out;
        },
    };
}

function showSecret(slot, t) {
    const value = h('input', { id: 'token-secret', readOnly: true, value: t.token || '', class: 'mono', spellcheck: 'false', 'aria-label': 'New token' });
    const status = h('span', { class: 'copy-status', role: 'status' });
    const copy = h('button', { type: 'button', class: 'btn btn-primary', id: 'token-copy' }, 'Copy');
    const dismiss = h('button', { type: 'button', class: 'btn' }, 'Done');
    copy.addEventListener('click', async () => {
        status.textContent = (await copyText(value)) ? 'Copied.' : 'Select the text and copy it by hand.';
    });
    dismiss.addEventListener('click', () => slot.replaceChildren());
    value.addEventListener('focus', () => value.select());
    slot.replaceChildren(h('div', { class: 'card secret-box', role: 'region', 'aria-label': 'New token' },
        h('h2', null, `Token “${t.name}” created`),
        h('p', null, 'Copy it now: it is shown only this once.'),
        h('div', { class: 'secret-row' }, value, copy),
        h('div', { class: 'actions' }, status, dismiss)));
    value.focus();
}

async function copyText(input) {
    try {
        await navigator.clipboard.writeText(input.value);
        return true;
    } catch {
        // Clipboard API needs a secure context or permission: fall back to the selection.
        input.select();
        try {
            return document.execCommand('copy');
        } catch {
            return false;
        }
    }
}
