// Reads the time barcode the demo source writes into every frame (see
// src/media/h264_pcm.h): 64 x 16 pixels in the top-left corner, 16 columns x 4
// rows of 4x4-pixel cells, row-major, most significant bit first. Bits 0..47
// are the Unix time in milliseconds when the daemon sent the frame, bits
// 48..63 the complement of bits 32..47. A light cell (luma 235) is a one, a
// dark one (luma 16) a zero.
//
// Glass-to-glass latency of a player = Date.now() when a frame is on screen
// minus the time its barcode says (same machine, same clock).
//
// Use in a page:
//   const ms = await page.evaluate(`(${barcodeReaderSource})(document.querySelector('video'))`);
// or with an element handle:
//   const ms = await page.evaluate(readBarcode, await page.$('video'));

// Runs in the page: everything it needs is inside it. source is a <video> (its
// current frame), a VideoFrame, an <img> or a <canvas>; it is drawn at its
// native size, so the tile's CSS size does not matter. Returns the time in ms,
// or null when nothing is shown yet or the check bits fail (not a demo stream,
// a frame caught mid-update, a scaled or damaged picture).
export function readBarcode(source) {
  const width = source.videoWidth ?? source.displayWidth ?? source.naturalWidth ?? source.width;
  const height = source.videoHeight ?? source.displayHeight ?? source.naturalHeight ?? source.height;
  if (!width || !height || width < 64 || height < 16) return null;
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(source, 0, 0, width, height);
  const px = ctx.getImageData(0, 0, 64, 16).data;
  const bits = [];
  for (let cell = 0; cell < 64; cell++) {
    // The 2x2 centre of the cell, away from its edges.
    const x0 = (cell % 16) * 4 + 1;
    const y0 = Math.floor(cell / 16) * 4 + 1;
    let luma = 0;
    for (let dy = 0; dy < 2; dy++) {
      for (let dx = 0; dx < 2; dx++) {
        const i = ((y0 + dy) * 64 + x0 + dx) * 4;
        luma += 0.299 * px[i] + 0.587 * px[i + 1] + 0.114 * px[i + 2];
      }
    }
    bits.push(luma / 4 >= 128 ? 1 : 0);
  }
  let ms = 0;
  for (let i = 0; i < 48; i++) ms = ms * 2 + bits[i]; // exact: 48 bits < 2^53
  let check = 0;
  for (let i = 48; i < 64; i++) check = check * 2 + bits[i];
  const low = ms % 65536;
  if (check !== (~low & 0xffff)) return null;
  return ms;
}

// The same function as source text, for page.evaluate() with a string.
export const barcodeReaderSource = readBarcode.toString();
