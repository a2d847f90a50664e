// Users (admin): list, add, edit role and camera/zone limits, reset password, delete.
// Account (anyone): change one's own password.
import * as api from '../api.js';
import {
    h, field, select, table, badge, messageArea, confirmDialog, busy, errorText,
    formatTime, splitList, listText,
} from '../dom.js';

const ROLE_OPTIONS = [['viewer', 'Viewer'], ['admin', 'Admin']];

export async function render(root, ctx) {
    const msg = messageArea();
    msg.id = 'users-message';
    const listEl = h('div', { id: 'user-list' }, h('p', { class: 'loading' }, 'Loading…'));
    const formSlot = h('div');
    const addBtn = h('button', { type: 'button', class: 'btn btn-primary', id: 'add-user' }, 'Add user');

    root.append(
        h('div', { class: 'page-head' }, h('h1', null, 'Users'), addBtn),
        h('p', { class: 'lead' },
            'Viewers see only the cameras and zones listed for them; empty lists mean all cameras. ',
            'To change your own password, use ', h('a', { href: '#/account' }, 'Account'), '.'),
        formSlot, msg, listEl);

    async function load() {
        const users = await api.get('/api/users');
        listEl.replaceChildren(table([
            ['Username', (u) => h('strong', null, u.username)],
            ['ID', (u) => String(u.id)],
            ['Role', (u) => badge(u.role, `role-${u.role}`)],
            ['Cameras', (u) => listText(u.cameras)],
            ['Zones', (u) => listText(u.zones)],
            ['Created', (u) => formatTime(u.created_at)],
            ['Actions', actions],
        ], users, { caption: 'Users', rowProps: (u) => ({ 'data-user': u.username }) }));
    }

    function closeForm() {
        formSlot.replaceChildren();
        addBtn.hidden = false;
    }

    function openForm(form) {
        msg.clear();
        addBtn.hidden = true;
        formSlot.replaceChildren(form);
        const first = form.querySelector('input:not([disabled]), select');
        if (first) first.focus();
        form.scrollIntoView({ block: 'nearest' });
    }

    const done = (text) => async () => {
        closeForm();
        await load();
        if (ctx.refreshUser) await ctx.refreshUser();
        msg.show('ok', text);
    };

    addBtn.addEventListener('click', () => openForm(userForm(null, {
        onCancel: closeForm,
        onSaved: (u) => done(`Added user ${u.username}.`)(),
    })));

    function actions(u) {
        const self = ctx.user && u.id === ctx.user.id;
        const edit = h('button', { type: 'button', class: 'btn btn-small', 'aria-label': `Edit ${u.username}` }, 'Edit');
        const reset = h('button', { type: 'button', class: 'btn btn-small', 'aria-label': `Reset password of ${u.username}` }, 'Reset password');
        const delBtn = h('button', { type: 'button', class: 'btn btn-small btn-danger', 'aria-label': `Delete ${u.username}`, disabled: self, title: self ? 'You cannot delete yourself' : null }, 'Delete');
        edit.addEventListener('click', () => openForm(userForm(u, {
            onCancel: closeForm,
            onSaved: (saved) => done(`Saved user ${saved.username}.`)(),
        })));
        reset.addEventListener('click', () => openForm(passwordForm(u, {
            self,
            onCancel: closeForm,
            onSaved: () => done(`Password of ${u.username} changed.`)(),
        })));
        delBtn.addEventListener('click', async () => {
            if (!(await confirmDialog(`Delete user “${u.username}”? Their sessions and tokens stop working.`))) return;
            try {
                await api.del(`/api/users/${api.seg(u.id)}`);
                msg.show('ok', `Deleted user ${u.username}.`);
            } catch (e) {
                msg.show('error', errorText(e));
            }
            await load();
        });
        return h('div', { class: 'row-actions' }, edit, reset, delBtn);
    }

    await load();
}

function userForm(user, { onCancel, onSaved }) {
    const editing = !!user;
    const u = user || { role: 'viewer', cameras: [], zones: [] };
    const username = h('input', { id: 'user-username', name: 'username', value: u.username || '', required: true, maxlength: 64, pattern: '[A-Za-z0-9._@\\-]{1,64}', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false' });
    const password = editing ? null : h('input', { id: 'user-password', name: 'password', type: 'password', required: true, minlength: 8, maxlength: 256, autocomplete: 'new-password' });
    const role = select({ id: 'user-role', name: 'role' }, ROLE_OPTIONS);
    role.value = u.role;
    const cameras = h('input', { id: 'user-cameras', name: 'cameras', value: (u.cameras || []).join(', '), placeholder: 'front-door, garage', spellcheck: 'false', autocapitalize: 'none' });
    const zones = h('input', { id: 'user-zones', name: 'zones', value: (u.zones || []).join(', '), placeholder: 'north, lobby' });
    const msg = messageArea();
    const title = editing ? `Edit user ${u.username}` : 'Add user';

    const form = h('form', { class: 'card form', 'aria-label': title, id: 'user-form' },
        h('h2', null, title),
        h('div', { class: 'form-grid' },
            field('Username', username, 'Letters, digits and . _ @ -'),
            password ? field('Password', password, 'At least 8 characters') : null,
            field('Role', role),
            field('Cameras', cameras, 'Comma-separated camera ids; empty: all'),
            field('Zones', zones, 'Comma-separated zones; empty: all')),
        msg,
        h('div', { class: 'actions' },
            h('button', { type: 'button', class: 'btn', onclick: onCancel }, 'Cancel'),
            h('button', { type: 'submit', class: 'btn btn-primary', id: 'user-save' }, editing ? 'Save user' : 'Add user')));

    form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        msg.clear();
        const body = {
            username: username.value.trim(),
            role: role.value,
            cameras: splitList(cameras.value),
            zones: splitList(zones.value),
        };
        if (password) body.password = password.value;
        await busy(form, async () => {
            try {
                const saved = editing
                    ? await api.put(`/api/users/${api.seg(u.id)}`, body)
                    : await api.post('/api/users', body);
                await onSaved(saved);
            } catch (e) {
                msg.show('error', errorText(e));
            }
        });
    });
    return form;
}

/** Password form. `self` asks for the current password, which the server requires then. */
function passwordForm(user, { self, onCancel, onSaved, title }) {
    const current = self ? h('input', { id: 'pw-current', name: 'current_password', type: 'password', required: true, autocomplete: 'current-password' }) : null;
    const next = h('input', { id: 'pw-new', name: 'password', type: 'password', required: true, minlength: 8, maxlength: 256, autocomplete: 'new-password' });
    const again = h('input', { id: 'pw-again', name: 'password_again', type: 'password', required: true, minlength: 8, maxlength: 256, autocomplete: 'new-password' });
    const msg = messageArea();
    const heading = title || `Reset password of ${user.username}`;

    const form = h('form', { class: 'card form', 'aria-label': heading, id: 'password-form' },
        h('h2', null, heading),
        h('div', { class: 'form-grid' },
            current ? field('Current password', current) : null,
            field('New password', next, '8 to 256 characters'),
            field('Repeat new password', again)),
        msg,
        h('div', { class: 'actions' },
            onCancel ? h('button', { type: 'button', class: 'btn', onclick: onCancel }, 'Cancel') : null,
            h('button', { type: 'submit', class: 'btn btn-primary', id: 'password-save' }, 'Change password')));

    form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        msg.clear();
        if (next.value !== again.value) {
            msg.show('error', 'The two new passwords differ.');
            again.focus();
            return;
        }
        const body = { password: next.value };
        if (current) body.current_password = current.value;
        await busy(form, async () => {
            try {
                await api.put(`/api/users/${api.seg(user.id)}`, body);
                form.reset();
                await onSaved(msg);
            } catch (e) {
                msg.show('error', errorText(e));
            }
        });
    });
    return form;
}

export async function renderAccount(root, ctx) {
    const u = ctx.user;
    root.append(
        h('div', { class: 'page-head' }, h('h1', null, 'Account')),
        h('section', { class: 'card', 'aria-label': 'Your account' },
            h('dl', { class: 'meta meta-wide' },
                h('dt', null, 'Username'), h('dd', { id: 'account-username' }, u.username),
                h('dt', null, 'Role'), h('dd', null, badge(u.role, `role-${u.role}`)),
                h('dt', null, 'Cameras'), h('dd', null, listText(u.cameras)),
                h('dt', null, 'Zones'), h('dd', null, listText(u.zones)),
                h('dt', null, 'Created'), h('dd', null, formatTime(u.created_at)))),
        passwordForm(u, {
            self: true,
            title: 'Change your password',
            onSaved: (msg) => msg.show('ok', 'Password changed. Your other sessions were signed out.'),
        }),
        h('p', { class: 'lead' }, 'API tokens for scripts and integrations are on the ', h('a', { href: '#/tokens' }, 'Tokens'), ' page.'));
}
