// Sign-in form.
import * as api from '../api.js';
import { h, field, messageArea, busy } from '../dom.js';

export function render(root, ctx) {
    const username = h('input', { name: 'username', id: 'login-username', autocomplete: 'username', required: true, maxlength: 64, autocapitalize: 'none', spellcheck: 'false' });
    const password = h('input', { name: 'password', id: 'login-password', type: 'password', autocomplete: 'current-password', required: true });
    const msg = messageArea();
    msg.id = 'login-message';
    const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block', id: 'login-submit' }, 'Sign in');

    const form = h('form', { class: 'card login-card', 'aria-label': 'Sign in', novalidate: false },
        h('h1', null, 'Sign in to Vigil'),
        field('Username', username),
        field('Password', password),
        msg,
        submit);

    form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        msg.clear();
        await busy(form, async () => {
            try {
                const user = await api.login(username.value.trim(), password.value);
                ctx.onLogin(user);
            } catch (e) {
                let text = e.message || 'Sign-in failed';
                // Locked out: say when to retry (from Retry-After) unless the server already did.
                if (e.status === 429 && e.retryAfter !== null && !text.includes(String(e.retryAfter))) {
                    text = `${text.replace(/\.?$/, '.')} Try again in ${e.retryAfter} second${e.retryAfter === 1 ? '' : 's'}.`;
                }
                msg.show('error', text);
                password.value = '';
            }
        });
        if (!ctx.user) password.focus();
    });

    root.append(h('div', { class: 'login-wrap' }, form));
    username.focus();
}
