// Small DOM helpers. Server data only ever reaches the page as text nodes or
// attribute values, never as markup, so nothing the server sends can inject HTML.

// Properties that must be set on the element, not as attributes, to take effect.
const PROPS = new Set(['value', 'checked', 'disabled', 'selected', 'readOnly', 'required', 'hidden']);

/**
 * h('button', {class: 'btn', onclick: fn}, 'Save') creates an element.
 * Children may be strings (added as text), nodes, arrays, or null/false (skipped).
 */
export function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [key, val] of Object.entries(props || {})) {
        if (val === null || val === undefined || val === false) continue;
        if (key === 'class') el.className = val;
        else if (key === 'dataset') Object.assign(el.dataset, val);
        else if (key.startsWith('on') && typeof val === 'function')
            el.addEventListener(key.slice(2), val);
        else if (PROPS.has(key)) el[key] = val;
        else el.setAttribute(key, val === true ? '' : String(val));
    }
    append(el, children);
    return el;
}

function append(el, children) {
    for (const child of children) {
        if (child === null || child === undefined || child === false) continue;
        if (Array.isArray(child)) append(el, child);
        else if (child instanceof Node) el.appendChild(child);
        else el.appendChild(document.createTextNode(String(child)));
    }
}

let fieldSeq = 0;

/**
 * A labelled form field. `input` is an element (input/select/textarea) or props
 * for an <input>. The label is tied to the control by id so getByLabel works.
 */
export function field(label, input, hint) {
    const control = input instanceof Node ? input : h('input', input);
    if (!control.id) control.id = `f${++fieldSeq}`;
    const hintEl = hint ? h('small', { class: 'hint', id: `${control.id}-hint` }, hint) : null;
    if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
    return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hintEl);
}

/** A checkbox with its label to the right. */
export function checkbox(label, props) {
    const input = h('input', { type: 'checkbox', ...props });
    return h('label', { class: 'check' }, input, h('span', null, label));
}

export function select(props, options) {
    return h('select', props, options.map(([value, text]) => h('option', { value }, text)));
}

/**
 * A table. `columns` is [[header, cellFn(row) -> node|string], ...].
 * Each cell carries its header in data-label so phones can show rows as cards.
 */
export function table(columns, rows, { caption, rowProps, empty = 'Nothing here yet.' } = {}) {
    if (!rows.length) return h('p', { class: 'empty' }, empty);
    return h('div', { class: 'table-wrap' },
        h('table', { class: 'table' },
            caption ? h('caption', { class: 'visually-hidden' }, caption) : null,
            h('thead', null, h('tr', null, columns.map(([head]) => h('th', { scope: 'col' }, head)))),
            h('tbody', null, rows.map((row) =>
                h('tr', rowProps ? rowProps(row) : null,
                    columns.map(([head, cell]) => h('td', { 'data-label': head }, cell(row))))))));
}

export function badge(text, kind = '') {
    return h('span', { class: `badge ${kind}`.trim() }, text);
}

/** A message line: kind is 'error', 'ok' or 'info'. Errors are announced as alerts. */
export function notice(kind, ...content) {
    return h('div', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status' },
        ...content);
}

/** A region whose content is replaced by show(); used for form results. */
export function messageArea() {
    const el = h('div', { class: 'message-area', 'aria-live': 'polite' });
    el.show = (kind, ...content) => el.replaceChildren(notice(kind, ...content));
    el.clear = () => el.replaceChildren();
    return el;
}

export function formatTime(s) {
    if (!s) return '—';
    const d = new Date(s);
    if (Number.isNaN(d.getTime())) return String(s);
    return d.toLocaleString(undefined, {
        year: 'numeric', month: 'short', day: '2-digit',
        hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
}

/** "a, b ,c" -> ["a","b","c"] */
export function splitList(s) {
    return String(s || '').split(',').map((x) => x.trim()).filter(Boolean);
}

export function listText(list, emptyText = 'all') {
    return list && list.length ? list.join(', ') : emptyText;
}

/**
 * Asks a yes/no question in a modal <dialog>. Resolves true when confirmed.
 */
export function confirmDialog(message, { confirmText = 'Delete', danger = true } = {}) {
    return new Promise((resolve) => {
        const ok = h('button', { type: 'submit', value: 'ok', class: danger ? 'btn btn-danger' : 'btn btn-primary' },
            confirmText);
        const cancel = h('button', { type: 'submit', value: 'cancel', class: 'btn', formnovalidate: true },
            'Cancel');
        const title = h('h2', { id: 'confirm-title' }, 'Please confirm');
        const dlg = h('dialog', { class: 'dialog', 'aria-labelledby': 'confirm-title' },
            h('form', { method: 'dialog' },
                title,
                h('p', null, message),
                h('div', { class: 'actions' }, cancel, ok)));
        dlg.addEventListener('close', () => {
            resolve(dlg.returnValue === 'ok');
            dlg.remove();
        });
        document.body.appendChild(dlg);
        dlg.showModal();
        cancel.focus();
    });
}

/** Disables a form's controls while `fn` runs, so a double click sends one request. */
export async function busy(form, fn) {
    const controls = [...form.querySelectorAll('button, input, select, textarea')];
    const was = controls.map((c) => c.disabled);
    controls.forEach((c) => { c.disabled = true; });
    form.setAttribute('aria-busy', 'true');
    try {
        return await fn();
    } finally {
        controls.forEach((c, i) => { c.disabled = was[i]; });
        form.removeAttribute('aria-busy');
    }
}

export function errorText(err) {
    if (!err) return 'Unknown error';
    return err.message || String(err);
}
