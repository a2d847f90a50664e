// The timeline of one recorded day: recorded spans, the gaps between them, time
// ticks, the playhead, a range for export, and a picture of the moment under
// the pointer. Drawn with absolutely positioned divs over a window of the day
// (the view), which zooms (select, wheel, + and -) and pans (drag, buttons).
//
// Pointer: click seeks, shift-drag selects a range, drag pans a zoomed view,
// the range's handles move its ends. Touch: tap seeks, drag pans.

import { h } from '../dom.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;

/** Widths of the view, widest first; 0 is the whole day. */
export const ZOOMS = [
    [0, 'Whole day'], [6 * H, '6 h'], [2 * H, '2 h'], [H, '1 h'], [30 * M, '30 min'],
    [10 * M, '10 min'], [5 * M, '5 min'], [M, '1 min'],
];

// [labelled tick step, small tick step]; the first whose labels are far enough apart.
const TICKS = [
    [10 * S, 2 * S], [30 * S, 5 * S], [M, 10 * S], [5 * M, M], [10 * M, M], [15 * M, 5 * M],
    [30 * M, 5 * M], [H, 15 * M], [2 * H, H], [3 * H, H], [6 * H, H], [12 * H, H],
];
const LABEL_MIN_PX = 64;
const THUMB_DELAY_MS = 150;
const DRAG_PX = 5;

const clamp = (v, lo, hi) => Math.min(Math.max(v, lo), hi);

/** Local time of ms as HH:MM, or HH:MM:SS when `seconds`. */
export function clockText(ms, seconds = true) {
    return new Date(ms).toLocaleTimeString(undefined, {
        hour: '2-digit', minute: '2-digit', second: seconds ? '2-digit' : undefined, hour12: false,
    });
}

/** Multiples of step in local time (whole hours stay whole across time zones). */
function localSteps(from, to, step) {
    const out = [];
    const off = new Date(from).getTimezoneOffset() * M;
    for (let t = Math.ceil((from - off) / step) * step + off; t <= to; t += step) out.push(t);
    return out;
}

export class Timeline {
    /**
     * onSeek(ms): a click or tap on the day. onSelect(range|null): the export
     * range changed ({from, to} in ms). thumbUrl(ms): the picture URL for a moment.
     */
    constructor({ onSeek, onSelect, thumbUrl }) {
        this.onSeek = onSeek;
        this.onSelect = onSelect;
        this.thumbUrl = thumbUrl;
        this.day = null; // the timeline answer: from_ms, to_ms, spans, gaps
        this.viewFrom = 0;
        this.viewSpan = 0;
        this.zoom = 0;
        this.playhead = null;
        this.selection = null;
        this.drag = null;
        this.thumbTimer = null;
        this.build();
    }

    build() {
        this.zoomSelect = h('select', { id: 'pb-zoom', class: 'tl-zoom' },
            ZOOMS.map(([ms, text]) => h('option', { value: String(ms) }, text)));
        this.zoomSelect.addEventListener('change', () => this.setZoom(Number(this.zoomSelect.value)));
        const zoomIn = h('button', { type: 'button', class: 'btn btn-small', 'aria-label': 'Zoom in', title: 'Zoom in (+)' }, '+');
        const zoomOut = h('button', { type: 'button', class: 'btn btn-small', 'aria-label': 'Zoom out', title: 'Zoom out (−)' }, '−');
        zoomIn.addEventListener('click', () => this.zoomBy(1));
        zoomOut.addEventListener('click', () => this.zoomBy(-1));
        this.earlierBtn = h('button', { type: 'button', class: 'btn btn-small', 'aria-label': 'Earlier' }, '‹');
        this.laterBtn = h('button', { type: 'button', class: 'btn btn-small', 'aria-label': 'Later' }, '›');
        this.earlierBtn.addEventListener('click', () => this.pan(-0.5));
        this.laterBtn.addEventListener('click', () => this.pan(0.5));
        this.rangeText = h('span', { class: 'tl-window muted', id: 'pb-window' });

        this.layer = h('div', { class: 'tl-layer' });
        this.selStart = h('span', { class: 'tl-handle tl-handle-start', role: 'slider', tabindex: '0', 'aria-label': 'Start of the range', 'data-edge': 'from' });
        this.selEnd = h('span', { class: 'tl-handle tl-handle-end', role: 'slider', tabindex: '0', 'aria-label': 'End of the range', 'data-edge': 'to' });
        this.selEl = h('div', { class: 'tl-sel', hidden: true }, this.selStart, this.selEnd);
        this.hoverLine = h('div', { class: 'tl-hover', hidden: true });
        this.playheadEl = h('div', { class: 'tl-playhead', hidden: true });
        this.bar = h('div', {
            class: 'tl-bar', role: 'slider', tabindex: '0', 'aria-label': 'Timeline',
            'aria-describedby': 'pb-timeline-help',
        }, this.layer, this.selEl, this.hoverLine, this.playheadEl);
        this.ticks = h('div', { class: 'tl-ticks', 'aria-hidden': 'true' });
        this.tipImg = h('img', { class: 'tl-tip-img', alt: '', width: '240', hidden: true });
        this.tipNone = h('span', { class: 'tl-tip-none', hidden: true }, 'No recording');
        this.tipTime = h('span', { class: 'tl-tip-time' });
        this.tip = h('div', { class: 'tl-tip', hidden: true, 'aria-hidden': 'true' }, this.tipImg, this.tipNone, this.tipTime);
        this.tipImg.addEventListener('load', () => {
            this.tipImg.hidden = false;
            this.tipNone.hidden = true;
        });
        this.tipImg.addEventListener('error', () => {
            this.tipImg.hidden = true;
            this.tipNone.hidden = false;
            this.tipNone.textContent = 'No picture';
        });
        this.track = h('div', { class: 'tl-track' }, this.bar, this.ticks, this.tip);
        this.el = h('div', { class: 'tl', id: 'timeline' },
            h('div', { class: 'tl-head' },
                h('label', { for: 'pb-zoom', class: 'tl-zoom-label' }, 'Zoom'), this.zoomSelect, zoomOut, zoomIn,
                this.earlierBtn, this.laterBtn, this.rangeText),
            this.track,
            h('p', { class: 'visually-hidden', id: 'pb-timeline-help' },
                'Click to play from a moment; shift-drag to select a range to export; arrow keys move by 10 seconds.'));

        this.bar.addEventListener('pointerdown', (e) => this.pointerDown(e));
        this.bar.addEventListener('pointermove', (e) => this.pointerMove(e));
        this.bar.addEventListener('pointerup', (e) => this.pointerUp(e));
        this.bar.addEventListener('pointercancel', () => this.endDrag());
        this.bar.addEventListener('pointerleave', () => {
            if (!this.drag) this.hideTip();
        });
        this.bar.addEventListener('wheel', (e) => this.wheel(e), { passive: false });
        this.bar.addEventListener('keydown', (e) => this.barKey(e));
        for (const handle of [this.selStart, this.selEnd]) {
            handle.addEventListener('keydown', (e) => this.handleKey(e, handle.dataset.edge));
        }
        this.resizeObserver = new ResizeObserver(() => this.render());
        this.resizeObserver.observe(this.bar);
    }

    get dayFrom() { return this.day ? this.day.from_ms : 0; }
    get dayTo() { return this.day ? this.day.to_ms : 0; }
    get viewTo() { return this.viewFrom + this.viewSpan; }

    /**
     * A day's timeline answer. The view is kept when it is the same day (a
     * refresh), else it fits the recordings (or `focus`, a moment to show).
     */
    setDay(day, { focus = null } = {}) {
        const same = this.day && this.day.day === day.day && this.day.from_ms === day.from_ms;
        this.day = day;
        if (!same) {
            if (this.selection) this.setSelection(null);
            if (focus !== null) this.setZoom(10 * M, focus, false);
            else this.fit();
        }
        this.render();
    }

    /** The narrowest zoom that shows every recorded span of the day. */
    fit() {
        const spans = this.day.spans;
        if (!spans.length) {
            this.setZoom(0, null, false);
            return;
        }
        const from = spans[0].start_ms;
        const to = spans[spans.length - 1].end_ms;
        const need = (to - from) * 1.2;
        let zoom = 0;
        for (const [ms] of ZOOMS) if (ms && ms >= need) zoom = ms;
        this.setZoom(zoom, (from + to) / 2, false);
    }

    /** Sets the view width (0: whole day) around center (default: the view's middle). */
    setZoom(ms, center = null, draw = true) {
        const dayLen = this.dayTo - this.dayFrom;
        const span = ms && ms < dayLen ? ms : dayLen;
        const c = center ?? (this.playhead !== null && this.playhead >= this.viewFrom && this.playhead <= this.viewTo
            ? this.playhead : this.viewFrom + this.viewSpan / 2);
        this.zoom = span === dayLen ? 0 : ms;
        this.viewSpan = span;
        this.viewFrom = clamp(c - span / 2, this.dayFrom, this.dayTo - span);
        this.zoomSelect.value = String(this.zoom);
        if (draw) this.render();
    }

    /** One zoom step in (+1) or out (-1), keeping `at` (default the centre) in place. */
    zoomBy(dir, at = null) {
        const i = ZOOMS.findIndex(([ms]) => ms === this.zoom);
        const next = ZOOMS[clamp(i + dir, 0, ZOOMS.length - 1)][0];
        if (next === this.zoom) return;
        if (at === null) {
            this.setZoom(next);
            return;
        }
        // Keep the moment under the pointer under the pointer.
        const frac = (at - this.viewFrom) / this.viewSpan;
        this.setZoom(next, at, false);
        this.viewFrom = clamp(at - frac * this.viewSpan, this.dayFrom, this.dayTo - this.viewSpan);
        this.render();
    }

    /** Moves the view by a fraction of its width. */
    pan(frac) {
        this.viewFrom = clamp(this.viewFrom + frac * this.viewSpan, this.dayFrom, this.dayTo - this.viewSpan);
        this.render();
    }

    setPlayhead(ms, { follow = false } = {}) {
        this.playhead = ms;
        if (follow && ms !== null && !this.drag && this.day && ms >= this.dayFrom && ms <= this.dayTo &&
            (ms < this.viewFrom || ms > this.viewTo)) {
            // Playback ran out of the view: the view jumps ahead with it.
            this.viewFrom = clamp(ms - this.viewSpan * 0.1, this.dayFrom, this.dayTo - this.viewSpan);
            this.render();
            return;
        }
        this.renderPlayhead();
    }

    setSelection(range) {
        this.selection = range;
        this.renderSelection();
        this.onSelect(range);
    }

    /* ------------------------------------------------------------ drawing */

    x(ms) {
        return ((ms - this.viewFrom) / this.viewSpan) * 100;
    }

    /** A div over [from, to) of the view, or null when outside it. */
    box(cls, from, to, props = {}) {
        const a = Math.max(from, this.viewFrom);
        const b = Math.min(to, this.viewTo);
        if (b <= a) return null;
        const el = h('div', { class: cls, ...props });
        // Through the CSSOM: the page's CSP refuses style attributes.
        el.style.left = `${this.x(a)}%`;
        el.style.width = `${this.x(b) - this.x(a)}%`;
        return el;
    }

    render() {
        if (!this.day || !this.viewSpan) return;
        const d = this.day;
        const now = Date.now();
        const parts = [];
        for (const g of d.gaps) parts.push(this.box('tl-gap', g.start_ms, g.end_ms));
        if (now < d.to_ms) parts.push(this.box('tl-future', Math.max(now, d.from_ms), d.to_ms));
        for (const s of d.spans) {
            parts.push(this.box(`tl-span${s.live ? ' is-live' : ''}`, s.start_ms, s.end_ms, {
                'data-start': s.start_ms, 'data-end': s.end_ms,
            }));
        }
        this.layer.replaceChildren(...parts.filter(Boolean));
        this.renderTicks();
        this.el.dataset.viewFrom = String(Math.round(this.viewFrom));
        this.el.dataset.viewTo = String(Math.round(this.viewTo));
        this.rangeText.textContent = `${clockText(this.viewFrom, this.viewSpan <= 10 * M)} – ${clockText(this.viewTo, this.viewSpan <= 10 * M)}`;
        this.earlierBtn.disabled = this.viewFrom <= this.dayFrom;
        this.laterBtn.disabled = this.viewTo >= this.dayTo;
        this.bar.setAttribute('aria-valuemin', String(d.from_ms));
        this.bar.setAttribute('aria-valuemax', String(d.to_ms));
        this.renderSelection();
        this.renderPlayhead();
    }

    renderTicks() {
        const width = this.bar.clientWidth || 800;
        const pxPerMs = width / this.viewSpan;
        const [major, minor] = TICKS.find(([step]) => step * pxPerMs >= LABEL_MIN_PX) || TICKS[TICKS.length - 1];
        const labels = new Set(localSteps(this.viewFrom, this.viewTo, major));
        const seconds = major < M;
        const els = [];
        for (const t of localSteps(this.viewFrom, this.viewTo, minor)) {
            const isMajor = labels.has(t);
            const tick = h('span', { class: `tl-tick${isMajor ? ' is-major' : ''}` });
            tick.style.left = `${this.x(t)}%`;
            if (isMajor) {
                // Labels near the ends would stick out of the bar.
                const px = (t - this.viewFrom) * pxPerMs;
                if (px > 18 && px < width - 18) tick.append(h('span', { class: 'tl-label' }, clockText(t, seconds)));
            }
            els.push(tick);
        }
        this.ticks.replaceChildren(...els);
    }

    renderPlayhead() {
        const p = this.playhead;
        const shown = p !== null && this.viewSpan > 0 && p >= this.viewFrom && p <= this.viewTo;
        this.playheadEl.hidden = !shown;
        if (shown) this.playheadEl.style.left = `${this.x(p)}%`;
        if (p !== null) {
            this.bar.setAttribute('aria-valuenow', String(Math.round(p)));
            this.bar.setAttribute('aria-valuetext', clockText(p));
        } else {
            this.bar.removeAttribute('aria-valuenow');
            this.bar.setAttribute('aria-valuetext', 'Nothing playing');
        }
    }

    renderSelection() {
        const s = this.selection;
        const a = s ? Math.max(s.from, this.viewFrom) : 0;
        const b = s ? Math.min(s.to, this.viewTo) : 0;
        this.selEl.hidden = !s || b < a;
        if (!s) return;
        this.selEl.style.left = `${this.x(a)}%`;
        this.selEl.style.width = `${Math.max(0, this.x(b) - this.x(a))}%`;
        this.selStart.hidden = s.from < this.viewFrom;
        this.selEnd.hidden = s.to > this.viewTo;
        for (const [el, ms] of [[this.selStart, s.from], [this.selEnd, s.to]]) {
            el.setAttribute('aria-valuemin', String(this.dayFrom));
            el.setAttribute('aria-valuemax', String(this.dayTo));
            el.setAttribute('aria-valuenow', String(Math.round(ms)));
            el.setAttribute('aria-valuetext', clockText(ms));
        }
    }

    /* ------------------------------------------------------------ pointer */

    msAt(clientX) {
        const r = this.bar.getBoundingClientRect();
        const frac = r.width ? clamp((clientX - r.left) / r.width, 0, 1) : 0;
        return this.viewFrom + frac * this.viewSpan;
    }

    pointerDown(e) {
        if (!this.day || e.button !== 0) return;
        const edge = e.target.dataset ? e.target.dataset.edge : undefined;
        let mode = 'press';
        if (edge && this.selection) mode = 'handle';
        else if (e.shiftKey) mode = 'select';
        this.drag = { mode, edge, id: e.pointerId, x: e.clientX, viewFrom: this.viewFrom, anchor: this.msAt(e.clientX) };
        this.bar.setPointerCapture(e.pointerId);
        if (mode !== 'press') e.preventDefault();
        this.hideTip();
    }

    pointerMove(e) {
        const d = this.drag;
        if (!d || d.id !== e.pointerId) {
            if (e.pointerType === 'mouse' || e.pointerType === 'pen') this.hover(e.clientX);
            return;
        }
        const ms = this.msAt(e.clientX);
        if (d.mode === 'press' && Math.abs(e.clientX - d.x) > DRAG_PX) {
            d.mode = this.viewSpan < this.dayTo - this.dayFrom ? 'pan' : 'none';
        }
        if (d.mode === 'pan') {
            const r = this.bar.getBoundingClientRect();
            const shift = ((e.clientX - d.x) / r.width) * this.viewSpan;
            this.viewFrom = clamp(d.viewFrom - shift, this.dayFrom, this.dayTo - this.viewSpan);
            this.render();
        } else if (d.mode === 'select') {
            this.setSelection({ from: Math.min(d.anchor, ms), to: Math.max(d.anchor, ms) });
        } else if (d.mode === 'handle') {
            const s = this.selection;
            const other = d.edge === 'from' ? s.to : s.from;
            this.setSelection({ from: Math.min(other, ms), to: Math.max(other, ms) });
            d.edge = ms < other ? 'from' : 'to';
        }
    }

    pointerUp(e) {
        const d = this.drag;
        if (!d || d.id !== e.pointerId) return;
        this.endDrag();
        if (d.mode === 'press') {
            this.onSeek(this.msAt(e.clientX));
        } else if (d.mode === 'select' && this.selection && this.selection.to - this.selection.from < S) {
            this.setSelection(null); // a shift-click, not a range
        }
        if (e.pointerType === 'mouse') this.hover(e.clientX);
    }

    endDrag() {
        if (this.drag && this.bar.hasPointerCapture(this.drag.id)) this.bar.releasePointerCapture(this.drag.id);
        this.drag = null;
    }

    wheel(e) {
        if (!this.day || e.deltaY === 0 || Math.abs(e.deltaX) > Math.abs(e.deltaY)) return;
        e.preventDefault();
        this.zoomBy(e.deltaY < 0 ? 1 : -1, this.msAt(e.clientX));
    }

    barKey(e) {
        if (e.key === '+' || e.key === '=') this.zoomBy(1);
        else if (e.key === '-') this.zoomBy(-1);
        else if (e.key === 'Home') this.onSeek(this.day.spans.length ? this.day.spans[0].start_ms : this.dayFrom);
        else if (e.key === 'End') {
            const last = this.day.spans[this.day.spans.length - 1];
            if (last) this.onSeek(Math.max(last.start_ms, last.end_ms - 10 * S));
        } else return;
        e.preventDefault();
    }

    handleKey(e, edge) {
        const step = e.shiftKey ? 10 * S : S;
        let delta = 0;
        if (e.key === 'ArrowLeft' || e.key === 'ArrowDown') delta = -step;
        else if (e.key === 'ArrowRight' || e.key === 'ArrowUp') delta = step;
        if (!delta || !this.selection) return;
        e.preventDefault();
        e.stopPropagation(); // not the page's ±10 s
        const s = { ...this.selection };
        s[edge] = clamp(s[edge] + delta, this.dayFrom, this.dayTo);
        if (s.from < s.to) this.setSelection(s);
    }

    /* ------------------------------------------------------------ hover picture */

    /** The span holding ms, if any. */
    spanAt(ms) {
        return this.day ? this.day.spans.find((s) => ms >= s.start_ms && ms < s.end_ms) || null : null;
    }

    hover(clientX) {
        if (!this.day) return;
        const ms = this.msAt(clientX);
        const r = this.bar.getBoundingClientRect();
        const px = clientX - r.left;
        this.hoverLine.hidden = false;
        this.hoverLine.style.left = `${this.x(ms)}%`;
        this.tip.hidden = false;
        const half = 120 + 6;
        this.tip.style.left = `${clamp(px, Math.min(half, r.width / 2), Math.max(r.width - half, r.width / 2))}px`;
        this.tipTime.textContent = clockText(ms);
        this.tip.dataset.ms = String(Math.round(ms));
        clearTimeout(this.thumbTimer);
        const span = this.spanAt(ms);
        if (!span) {
            this.tipImg.hidden = true;
            this.tipNone.hidden = false;
            this.tipNone.textContent = 'No recording';
            this.tip.classList.add('is-empty');
            return;
        }
        this.tip.classList.remove('is-empty');
        if (this.tipImg.hidden) this.tipNone.textContent = 'Loading picture…';
        // Scrubbing fast asks for one picture once the pointer rests; whole
        // seconds make the same URL for the same second.
        this.thumbTimer = setTimeout(() => {
            const url = this.thumbUrl(Math.round(ms / S) * S);
            if (this.tipImg.getAttribute('src') !== url) this.tipImg.src = url;
            else if (this.tipImg.complete && this.tipImg.naturalWidth) {
                this.tipImg.hidden = false;
                this.tipNone.hidden = true;
            }
            this.tipImg.alt = `Picture at ${clockText(ms)}`;
        }, THUMB_DELAY_MS);
    }

    hideTip() {
        clearTimeout(this.thumbTimer);
        this.tip.hidden = true;
        this.hoverLine.hidden = true;
    }

    destroy() {
        clearTimeout(this.thumbTimer);
        this.resizeObserver.disconnect();
    }
}
