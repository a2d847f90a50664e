// Cameras: list, add/edit/delete (admin), and the NVR section (admin): import, sync, delete.
import * as api from '../api.js';
import {
    h, field, checkbox, select, table, badge, notice, messageArea, confirmDialog, busy, errorText,
} from '../dom.js';
import { recordingBadge, playbackLink } from '../recording.js';

export async function render(root, ctx) {
    const camerasSection = h('section', { class: 'section', 'aria-labelledby': 'cameras-title' });
    root.append(camerasSection);
    const cameras = cameraList(camerasSection, ctx);

    let nvrs = null;
    if (ctx.isAdmin) {
        const nvrSection = h('section', { class: 'section', 'aria-labelledby': 'nvrs-title' });
        root.append(nvrSection);
        nvrs = nvrList(nvrSection, cameras);
    }
    await Promise.all([cameras.load(), nvrs ? nvrs.load() : null]);
}

/* ---------------------------------------------------------------- cameras */

function cameraList(section, ctx) {
    const msg = messageArea();
    const listEl = h('div', { id: 'camera-list' }, h('p', { class: 'loading' }, 'Loading…'));
    const formSlot = h('div');
    const addBtn = ctx.isAdmin
        ? h('button', { type: 'button', class: 'btn btn-primary', id: 'add-camera' }, 'Add camera')
        : null;

    section.append(
        h('div', { class: 'page-head' },
            h('h1', { id: 'cameras-title' }, 'Cameras'),
            addBtn),
        formSlot, msg, listEl);

    async function load() {
        try {
            const cams = await api.get('/api/cameras');
            listEl.replaceChildren(cameraTable(cams));
        } catch (e) {
            listEl.replaceChildren(notice('error', errorText(e)));
        }
    }

    function closeForm() {
        formSlot.replaceChildren();
        if (addBtn) addBtn.hidden = false;
    }

    function openForm(cam) {
        msg.clear();
        if (addBtn) addBtn.hidden = true;
        const form = cameraForm(cam, {
            onCancel: closeForm,
            onSaved: async (saved) => {
                closeForm();
                await load();
                msg.show('ok', cam ? `Saved camera ${saved.id}.` : `Added camera ${saved.id}.`);
            },
        });
        formSlot.replaceChildren(form);
        form.querySelector('input:not([disabled])').focus();
    }

    if (addBtn) addBtn.addEventListener('click', () => openForm(null));

    async function remove(cam) {
        const yes = await confirmDialog(`Delete camera “${cam.name || cam.id}” (${cam.id})?`);
        if (!yes) return;
        try {
            await api.del(`/api/cameras/${api.seg(cam.id)}`);
            msg.show('ok', `Deleted camera ${cam.id}.`);
        } catch (e) {
            msg.show('error', errorText(e));
        }
        await load();
    }

    function actions(cam) {
        const playback = playbackLink(cam);
        if (!ctx.isAdmin) return h('div', { class: 'row-actions' }, playback);
        if (cam.readonly) {
            return h('div', { class: 'row-actions' }, playback,
                h('span', { class: 'muted', title: 'Declared in the config file or by --demo' }, 'read-only'));
        }
        const edit = h('button', { type: 'button', class: 'btn btn-small', 'aria-label': `Edit ${cam.id}` }, 'Edit');
        const delBtn = h('button', { type: 'button', class: 'btn btn-small btn-danger', 'aria-label': `Delete ${cam.id}` }, 'Delete');
        edit.addEventListener('click', () => openForm(cam));
        delBtn.addEventListener('click', () => remove(cam));
        return h('div', { class: 'row-actions' }, playback, edit, delBtn);
    }

    function cameraTable(cams) {
        const cols = [
            ['Name', (c) => h('strong', null, c.name || '')],
            ['ID', (c) => h('code', null, c.id)],
            ['Zone', (c) => c.zone || '—'],
            ['Type', (c) => (c.type === 'webrtc'
                ? badge('WebRTC (browser)', 'info')
                : 'Stream URL')],
            ['Main URL', (c) => (c.type === 'webrtc' ? '—' : h('code', { class: 'url' }, c.main_url || ''))],
            ['Sub URL', (c) => (c.sub_url ? h('code', { class: 'url' }, c.sub_url) : '—')],
            ['Enabled', (c) => (c.enabled ? badge('yes', 'ok') : badge('no', 'muted'))],
            ['Recording', (c) => recordingBadge(c.recording, c.record)],
            ['Source', (c) => h('span', null, c.source || '', c.nvr_id ? ` (${c.nvr_id})` : '')],
            ['Actions', actions],
        ];
        return table(cols, cams, {
            caption: 'Cameras',
            empty: ctx.isAdmin ? 'No cameras yet. Add one, or import an NVR below.' : 'No cameras are shared with you.',
            rowProps: (c) => ({ 'data-camera-id': c.id }),
        });
    }

    return { load };
}

function cameraForm(cam, { onCancel, onSaved }) {
    const editing = !!cam;
    const c = cam || { enabled: true, record: false };
    const wasWebrtc = c.type === 'webrtc';
    const type = select({ id: 'camera-type', name: 'type' },
        [['url', 'Stream URL'], ['webrtc', 'Published by a browser (WebRTC)']]);
    type.value = wasWebrtc ? 'webrtc' : 'url';
    const id = h('input', { id: 'camera-id', name: 'camera_id', value: c.id || '', disabled: editing, pattern: '[a-z0-9][a-z0-9\\-]{0,62}', autocapitalize: 'none', spellcheck: 'false' });
    const name = h('input', { id: 'camera-name', name: 'name', value: c.name || '', required: true, maxlength: 128 });
    const zone = h('input', { id: 'camera-zone', name: 'zone', value: c.zone || '' });
    const mainUrl = h('input', { id: 'camera-main-url', name: 'main_url', value: wasWebrtc ? '' : (c.main_url || ''), required: true, placeholder: 'rtsp://user:pass@192.168.1.10:554/stream1', spellcheck: 'false', autocapitalize: 'none' });
    const subUrl = h('input', { id: 'camera-sub-url', name: 'sub_url', value: c.sub_url || '', placeholder: 'optional', spellcheck: 'false', autocapitalize: 'none' });
    const username = h('input', { id: 'camera-username', name: 'username', value: c.username || '', autocomplete: 'off' });
    const password = h('input', { id: 'camera-password', name: 'password', type: 'password', autocomplete: 'new-password', placeholder: editing && c.password ? 'unchanged' : '' });
    const enabled = checkbox('Enabled', { id: 'camera-enabled', name: 'enabled', checked: !!c.enabled });
    const record = checkbox('Record', { id: 'camera-record', name: 'record', checked: !!c.record });
    const transport = select({ id: 'camera-transport', name: 'transport' },
        [['tcp', 'TCP (RTP over the RTSP connection)'], ['udp', 'UDP']]);
    transport.value = c.transport || 'tcp';
    // The sub stream can be recorded only when there is one.
    const recordStream = select({ id: 'camera-record-stream', name: 'record_stream' },
        [['main', 'Main stream'], ['sub', 'Sub stream']]);
    recordStream.value = c.record_stream === 'sub' ? 'sub' : 'main';
    const retention = h('input', { id: 'camera-retention', name: 'retention_days', type: 'number', min: 0, max: 36500, step: 1, value: String(c.retention_days || 0), required: true });
    function showSub() {
        const hasSub = !!subUrl.value.trim();
        recordStream.querySelector('option[value="sub"]').disabled = !hasSub;
        if (!hasSub) recordStream.value = 'main';
    }
    subUrl.addEventListener('input', showSub);
    const msg = messageArea();
    const testButton = h('button', { type: 'button', class: 'btn', id: 'camera-test' }, 'Test connection');
    testButton.addEventListener('click', async () => {
        msg.clear();
        // A masked password or URL sent back is resolved from the stored camera.
        const body = { url: mainUrl.value.trim(), username: username.value,
            password: password.value || (editing && c.password ? '********' : '') };
        if (editing) body.camera = c.id;
        msg.show('info', 'Testing the connection…');
        try {
            const r = await api.post('/api/cameras/probe', body);
            if (r.ok) {
                const v = r.video;
                const a = r.audio ? `, audio ${r.audio.codec} ${r.audio.sample_rate} Hz` : ', no audio';
                msg.show('ok', `Connected: ${v.codec}${v.profile ? ` (${v.profile})` : ''} ${v.width}×${v.height} at ${Math.round(v.fps * 10) / 10} fps${a}.`);
            } else {
                msg.show('error', `Cannot use this camera: ${r.reason.replace('_', ' ')}${r.message ? ` — ${r.message}` : ''}.`);
            }
        } catch (e) {
            msg.show('error', e.message);
        }
    });
    const title = editing ? `Edit camera ${c.id}` : 'Add camera';

    // Fields that only mean something when Vigil pulls the stream from a URL.
    const urlFields = [
        field('Main URL', mainUrl, 'rtsp, rtsps, rtmp, http, https, file:///… (inside the media directory) or demo (e.g. demo:1)'),
        field('Sub URL', subUrl, 'Lower-resolution stream for small tiles'),
        field('Username', username),
        field('Password', password, editing ? 'Leave empty to keep the stored password.' : null),
        field('RTSP transport', transport),
        field('Recorded stream', recordStream, 'The sub stream takes less disk; it needs a sub URL.'),
    ];
    const webrtcHint = h('p', { class: 'hint', id: 'camera-webrtc-hint' },
        'A browser publishes this camera’s video to Vigil: an administrator, or a user with an API token allowed to publish to it. It has no sub stream.');
    function showType() {
        const webrtc = type.value === 'webrtc';
        for (const f of urlFields) f.hidden = webrtc;
        mainUrl.required = !webrtc;
        testButton.hidden = webrtc;
        webrtcHint.hidden = !webrtc;
    }
    type.addEventListener('change', showType);

    const form = h('form', { class: 'card form', 'aria-label': title, id: 'camera-form' },
        h('h2', null, title),
        h('div', { class: 'form-grid' },
            field('ID', id, editing ? 'The id cannot be changed.' : 'Optional: made from the name. Lowercase letters, digits and dashes.'),
            field('Name', name),
            field('Zone', zone),
            field('Type', type),
            urlFields,
            field('Keep recordings (days)', retention, '0 keeps them as long as the retention settings allow.')),
        webrtcHint,
        h('div', { class: 'checks' }, enabled, record),
        msg,
        h('div', { class: 'actions' },
            h('button', { type: 'button', class: 'btn', onclick: onCancel }, 'Cancel'),
            testButton,
            h('button', { type: 'submit', class: 'btn btn-primary', id: 'camera-save' }, editing ? 'Save camera' : 'Add camera')));
    showType();
    showSub();

    form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        msg.clear();
        const body = {
            name: name.value.trim(),
            zone: zone.value.trim(),
            type: type.value,
            enabled: enabled.querySelector('input').checked,
            record: record.querySelector('input').checked,
            retention_days: Number(retention.value),
        };
        // A webrtc camera has no URLs: the server sets its main URL and drops any sub stream.
        if (type.value !== 'webrtc') {
            Object.assign(body, {
                main_url: mainUrl.value.trim(),
                sub_url: subUrl.value.trim(),
                username: username.value,
                transport: transport.value,
                record_stream: recordStream.value,
            });
            // On edit an empty password keeps the stored one; masked URLs sent back keep theirs.
            if (password.value || !editing) body.password = password.value;
        }
        if (!editing && id.value.trim()) body.id = id.value.trim();
        await busy(form, async () => {
            try {
                const saved = editing
                    ? await api.put(`/api/cameras/${api.seg(c.id)}`, body)
                    : await api.post('/api/cameras', body);
                await onSaved(saved);
            } catch (e) {
                msg.show('error', errorText(e));
            }
        });
    });
    return form;
}

/* ------------------------------------------------------------------- NVRs */

function nvrList(section, cameras) {
    const msg = messageArea();
    msg.id = 'nvr-message';
    const listEl = h('div', { id: 'nvr-list' }, h('p', { class: 'loading' }, 'Loading…'));
    const formSlot = h('div');
    const importBtn = h('button', { type: 'button', class: 'btn btn-primary', id: 'import-nvr' }, 'Import NVR');

    section.append(
        h('div', { class: 'page-head' }, h('h2', { id: 'nvrs-title', class: 'h1' }, 'NVRs'), importBtn),
        h('p', { class: 'lead' }, 'Importing an NVR adds one camera per channel, with its main and sub stream.'),
        formSlot, msg, listEl);

    async function load() {
        try {
            const nvrs = await api.get('/api/nvrs');
            listEl.replaceChildren(nvrTable(nvrs));
        } catch (e) {
            listEl.replaceChildren(notice('error', errorText(e)));
        }
    }

    function closeForm() {
        formSlot.replaceChildren();
        importBtn.hidden = false;
    }

    importBtn.addEventListener('click', () => {
        msg.clear();
        importBtn.hidden = true;
        const form = nvrForm({
            onCancel: closeForm,
            onSaved: async (nvr) => {
                closeForm();
                const added = nvr.cameras_added || [];
                await Promise.all([load(), cameras.load()]);
                msg.show('ok', `Imported NVR ${nvr.id}: `, addedText(added), addedList(added));
            },
        });
        formSlot.replaceChildren(form);
        form.querySelector('input').focus();
    });

    async function sync(nvr, btn) {
        btn.disabled = true;
        try {
            const r = await api.post(`/api/nvrs/${api.seg(nvr.id)}/sync`);
            const added = (r && r.added) || [];
            if (added.length) await cameras.load();
            msg.show('ok', `Synced NVR ${nvr.id}: `, addedText(added), addedList(added));
        } catch (e) {
            msg.show('error', errorText(e));
        } finally {
            btn.disabled = false;
        }
    }

    async function remove(nvr) {
        const yes = await confirmDialog(`Delete NVR “${nvr.name || nvr.id}” (${nvr.id}) and all of its ${nvr.channels} channel cameras?`);
        if (!yes) return;
        try {
            await api.del(`/api/nvrs/${api.seg(nvr.id)}`);
            msg.show('ok', `Deleted NVR ${nvr.id} and its cameras.`);
        } catch (e) {
            msg.show('error', errorText(e));
        }
        await Promise.all([load(), cameras.load()]);
    }

    function actions(nvr) {
        const syncBtn = h('button', { type: 'button', class: 'btn btn-small', 'aria-label': `Sync ${nvr.id}` }, 'Sync');
        const delBtn = h('button', { type: 'button', class: 'btn btn-small btn-danger', 'aria-label': `Delete NVR ${nvr.id}` }, 'Delete');
        syncBtn.addEventListener('click', () => sync(nvr, syncBtn));
        delBtn.addEventListener('click', () => remove(nvr));
        return h('div', { class: 'row-actions' }, syncBtn, delBtn);
    }

    function nvrTable(nvrs) {
        return table([
            ['Name', (n) => h('strong', null, n.name || '')],
            ['ID', (n) => h('code', null, n.id)],
            ['Vendor', (n) => n.vendor],
            ['Host', (n) => h('code', null, `${n.host}:${n.port}`)],
            ['Channels', (n) => String(n.channels)],
            ['Zone', (n) => n.zone || '—'],
            ['Actions', actions],
        ], nvrs, {
            caption: 'NVRs',
            empty: 'No NVRs yet.',
            rowProps: (n) => ({ 'data-nvr-id': n.id }),
        });
    }

    return { load };
}

function addedText(added) {
    if (!added.length) return 'no cameras were missing, nothing added.';
    return `added ${added.length} camera${added.length === 1 ? '' : 's'}:`;
}

function addedList(added) {
    if (!added.length) return null;
    return h('ul', { class: 'chips', 'aria-label': 'Cameras added' },
        added.map((id) => h('li', null, h('code', null, id))));
}

function nvrForm({ onCancel, onSaved }) {
    const id = h('input', { id: 'nvr-id', name: 'nvr_id', required: true, pattern: '[a-z0-9][a-z0-9\\-]{0,62}', autocapitalize: 'none', spellcheck: 'false', placeholder: 'nvr1' });
    const name = h('input', { id: 'nvr-name', name: 'name', required: true, maxlength: 128 });
    const vendor = select({ id: 'nvr-vendor', name: 'vendor' },
        [['hikvision', 'Hikvision'], ['dahua', 'Dahua'], ['generic', 'Generic (URL template)']]);
    const host = h('input', { id: 'nvr-host', name: 'host', required: true, placeholder: '192.168.1.64', spellcheck: 'false', autocapitalize: 'none' });
    const port = h('input', { id: 'nvr-port', name: 'port', type: 'number', min: 1, max: 65535, value: '554', required: true });
    const username = h('input', { id: 'nvr-username', name: 'username', autocomplete: 'off' });
    const password = h('input', { id: 'nvr-password', name: 'password', type: 'password', autocomplete: 'new-password' });
    const channels = h('input', { id: 'nvr-channels', name: 'channels', type: 'number', min: 1, max: 256, value: '4', required: true });
    const zone = h('input', { id: 'nvr-zone', name: 'zone' });
    const template = h('input', { id: 'nvr-template', name: 'template', spellcheck: 'false', autocapitalize: 'none', placeholder: 'rtsp://{user}:{pass}@{ip}:{port}/ch{channel}/main' });
    const subTemplate = h('input', { id: 'nvr-sub-template', name: 'sub_template', spellcheck: 'false', autocapitalize: 'none', placeholder: 'rtsp://{user}:{pass}@{ip}:{port}/ch{channel}/sub' });
    const placeholders = 'Placeholders: {user} {pass} {ip} {port} {channel}';
    const generic = h('div', { class: 'form-grid', id: 'nvr-generic-fields', hidden: true },
        field('Template', template, placeholders),
        field('Sub template', subTemplate, 'Optional. ' + placeholders));
    vendor.addEventListener('change', () => {
        const isGeneric = vendor.value === 'generic';
        generic.hidden = !isGeneric;
        template.required = isGeneric;
    });
    const msg = messageArea();

    const form = h('form', { class: 'card form', 'aria-label': 'Import NVR', id: 'nvr-form' },
        h('h2', null, 'Import NVR'),
        h('div', { class: 'form-grid' },
            field('ID', id, 'Cameras will be named <id>-ch1 … <id>-chN.'),
            field('Name', name),
            field('Vendor', vendor),
            field('Host', host),
            field('Port', port),
            field('Username', username),
            field('Password', password),
            field('Channels', channels, '1 to 256'),
            field('Zone', zone)),
        generic,
        msg,
        h('div', { class: 'actions' },
            h('button', { type: 'button', class: 'btn', onclick: onCancel }, 'Cancel'),
            h('button', { type: 'submit', class: 'btn btn-primary', id: 'nvr-save' }, 'Import')));

    form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        msg.clear();
        const body = {
            id: id.value.trim(),
            name: name.value.trim(),
            vendor: vendor.value,
            host: host.value.trim(),
            port: Number(port.value),
            username: username.value,
            password: password.value,
            channels: Number(channels.value),
            zone: zone.value.trim(),
        };
        if (vendor.value === 'generic') {
            body.template = template.value.trim();
            if (subTemplate.value.trim()) body.sub_template = subTemplate.value.trim();
        }
        await busy(form, async () => {
            try {
                await onSaved(await api.post('/api/nvrs', body));
            } catch (e) {
                msg.show('error', errorText(e));
            }
        });
    });
    return form;
}
