// The demo barcode reader lives with the web UI (the tile details use it);
// tests and benches import it from here.
export * from '../../web/js/wall/barcode.js';
