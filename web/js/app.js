// Vigil web UI: hash router, header (user, role, logout) and navigation.
import * as api from './api.js';
import { h, notice, errorText } from './dom.js';
import * as loginPage from './pages/login.js';
import * as homePage from './pages/home.js';

/** A page loaded when first opened: the live wall need not wait for the others. */
const later = (load, name = 'render') => async (root, ctx) => (await load())[name](root, ctx);

// nav: shown in the header; admin: only admins may open it (and see it in the nav);
// navAdmin: in the nav of admins only; public: open without signing in.
const ROUTES = {
    home: { title: 'Live', render: homePage.render, nav: 'Home' },
    playback: { title: 'Recordings', render: later(() => import('./pages/playback.js')), nav: 'Recordings' },
    cameras: { title: 'Cameras', render: later(() => import('./pages/cameras.js')), nav: 'Cameras' },
    storage: { title: 'Storage', render: later(() => import('./pages/storage.js')), nav: 'Storage' },
    // A camera node may publish with a token, without signing in.
    publish: { title: 'Publish camera', render: later(() => import('./pages/publish.js')), nav: 'Publish', navAdmin: true, public: true },
    users: { title: 'Users', render: later(() => import('./pages/users.js')), nav: 'Users', admin: true },
    tokens: { title: 'API tokens', render: later(() => import('./pages/tokens.js')), nav: 'Tokens' },
    audit: { title: 'Audit log', render: later(() => import('./pages/audit.js')), nav: 'Audit', admin: true },
    account: { title: 'Account', render: later(() => import('./pages/users.js'), 'renderAccount'), nav: 'Account' },
    login: { title: 'Sign in', render: loginPage.render, public: true },
};

const state = {
    user: null,
    afterLogin: null, // hash to return to once signed in
    renderSeq: 0,
    cleanup: null, // returned by the current page's render: stops its timers and streams
};

const header = document.getElementById('app-header');
const main = document.getElementById('app');

function currentRoute() {
    const path = location.hash.replace(/^#\/?/, '').split('?')[0];
    const name = path.split('/')[0] || 'home';
    return name;
}

export function navigate(name) {
    const hash = name === 'home' ? '#/' : `#/${name}`;
    if (location.hash === hash) route();
    else location.hash = hash;
}

function renderHeader(active) {
    const brand = h('a', { class: 'brand', href: '#/' },
        h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), 'Vigil');
    if (!state.user) {
        header.replaceChildren(h('div', { class: 'header-inner' }, brand));
        return;
    }
    const isAdmin = state.user.role === 'admin';
    const links = Object.entries(ROUTES)
        .filter(([, r]) => r.nav && (!(r.admin || r.navAdmin) || isAdmin))
        .map(([name, r]) => h('a', {
            href: name === 'home' ? '#/' : `#/${name}`,
            class: 'nav-link',
            'aria-current': name === active ? 'page' : null,
        }, r.nav));
    const logout = h('button', { type: 'button', class: 'btn btn-small', id: 'logout' }, 'Log out');
    logout.addEventListener('click', doLogout);
    header.replaceChildren(h('div', { class: 'header-inner' },
        brand,
        h('nav', { class: 'nav', 'aria-label': 'Main' }, links),
        h('div', { class: 'session', 'data-test': 'session' },
            h('span', { class: 'session-user', id: 'current-user', title: 'Signed in as' },
                state.user.username),
            h('span', { class: `badge role-${state.user.role}`, id: 'current-role' }, state.user.role),
            logout)));
}

async function doLogout() {
    try {
        await api.logout();
    } catch {
        // the session is gone either way for this page
    }
    state.user = null;
    state.afterLogin = null;
    navigate('login');
}

const ctx = {
    get user() { return state.user; },
    get isAdmin() { return !!state.user && state.user.role === 'admin'; },
    navigate,
    onLogin(user) {
        state.user = user;
        const next = state.afterLogin && state.afterLogin !== '#/login' ? state.afterLogin : '#/';
        state.afterLogin = null;
        if (location.hash === next) route();
        else location.hash = next;
    },
    /** Re-reads the current user (e.g. after changing its own name or role). */
    async refreshUser() {
        state.user = await api.me();
        renderHeader(currentRoute());
    },
};

function cleanupPage() {
    const fn = state.cleanup;
    state.cleanup = null;
    if (fn) {
        try {
            fn();
        } catch {
            // a page that fails to clean up must not block the next one
        }
    }
}

async function route() {
    cleanupPage();
    const name = currentRoute();
    if (!state.user && !ROUTES[name]?.public) {
        state.afterLogin = location.hash || '#/';
        location.replace('#/login');
        return;
    }
    if (state.user && name === 'login') {
        location.replace('#/');
        return;
    }
    const def = ROUTES[name];
    renderHeader(name);
    // Each render gets a fresh container: a slow page finishing after the user has
    // moved on writes into a detached node instead of the new page.
    const seq = ++state.renderSeq;
    const page = h('div', { class: `page page-${name}` });
    main.replaceChildren(page);
    if (!def) {
        document.title = 'Not found · Vigil';
        page.append(h('h1', null, 'Not found'), notice('error', 'There is no page here. ', h('a', { href: '#/' }, 'Go home')));
        return;
    }
    document.title = `${def.title} · Vigil`;
    if (def.admin && !ctx.isAdmin) {
        page.append(h('h1', null, def.title), notice('error', 'Only administrators can open this page.'));
        return;
    }
    try {
        const cleanup = await def.render(page, ctx);
        if (typeof cleanup === 'function') {
            // The user may have moved on while the page loaded.
            if (seq === state.renderSeq) state.cleanup = cleanup;
            else cleanup();
        }
    } catch (e) {
        if (seq !== state.renderSeq || e.status === 401) return;
        page.replaceChildren(h('h1', null, def.title), notice('error', errorText(e)));
    }
}

api.onUnauthorized(() => {
    // The session expired or was ended elsewhere: back to the sign-in page.
    if (!state.user) return;
    state.user = null;
    cleanupPage();
    if (currentRoute() !== 'login') {
        state.afterLogin = location.hash;
        location.replace('#/login');
    }
});

async function boot() {
    // Not one after the other: the wall needs both before its streams start.
    if (currentRoute() === 'home') homePage.prefetch();
    try {
        state.user = await api.me();
    } catch (e) {
        renderHeader(null);
        main.replaceChildren(h('div', { class: 'page' }, notice('error', `Cannot load Vigil: ${errorText(e)}`)));
        return;
    }
    window.addEventListener('hashchange', route);
    route();
}

boot();
