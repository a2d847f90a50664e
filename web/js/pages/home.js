// Home: the live wall of the cameras this user may see (see ../wall/).
import * as api from '../api.js';
import { h, notice } from '../dom.js';
import { Wall } from '../wall/grid.js';
import { prefetchWebRtc } from '../wall/webrtc-player.js';

let current = null;

// For tests and the bench: what the wall's tiles do right now.
window.vigilWall = {
    tiles: () => (current ? current.info() : []),
    layout: () => (current ? current.layout : null),
    page: () => (current ? current.page + 1 : null),
};

let prefetched = null;

/**
 * Starts reading the camera list before the page renders (the app calls it at
 * start, alongside the session check, when the wall is the first page).
 */
export function prefetch() {
    prefetched = api.request('GET', '/api/cameras', undefined, { quiet401: true });
    prefetched.catch(() => {}); // render asks again
    prefetchWebRtc();
}

function cameraList() {
    const early = prefetched;
    prefetched = null;
    return early ? early.catch(() => api.get('/api/cameras')) : api.get('/api/cameras');
}

export async function render(root, ctx) {
    root.append(h('p', { class: 'loading' }, 'Loading cameras…'));
    const cameras = await cameraList();
    if (!root.isConnected) return undefined; // the user moved on meanwhile
    root.replaceChildren();
    if (!cameras.length) {
        root.append(h('div', { class: 'page-head' }, h('h1', null, 'Live')),
            notice('info', 'No cameras yet. ',
                ctx.isAdmin ? h('a', { href: '#/cameras' }, 'Add a camera or import an NVR.')
                    : 'Ask an administrator for access to cameras.'));
        return undefined;
    }
    const wall = new Wall(root, cameras);
    current = wall;
    // #/?camera=ID opens that camera over the wall; the address goes back to the wall's.
    const focus = new URLSearchParams(location.hash.split('?')[1] || '').get('camera');
    if (focus) {
        history.replaceState(null, '', '#/');
        wall.focusCamera(focus);
    }
    return () => {
        wall.destroy();
        if (current === wall) current = null;
    };
}
