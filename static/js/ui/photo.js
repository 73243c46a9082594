// A photo frame: the blurhash placeholder painted at once, the real image
// faded in over it once decoded. Frames reserve their aspect ratio so the
// page does not jump as images arrive.

import { h } from '../dom.js';
import { decode } from '../blurhash.js';

const PLACEHOLDER_SIDE = 32;

/** A <canvas> holding the decoded blurhash, or null if it cannot be read. */
export function blurCanvas(hash) {
  if (!hash) return null;
  try {
    const pixels = decode(hash, PLACEHOLDER_SIDE, PLACEHOLDER_SIDE);
    const canvas = h('canvas', {
      class: 'blurhash',
      width: PLACEHOLDER_SIDE,
      height: PLACEHOLDER_SIDE,
      'aria-hidden': 'true',
    });
    canvas.getContext('2d').putImageData(new ImageData(pixels, PLACEHOLDER_SIDE, PLACEHOLDER_SIDE), 0, 0);
    return canvas;
  } catch {
    return null;
  }
}

// The medium version's width (the server's MEDIUM_WIDTH).
const MEDIUM_WIDTH = 540;

/**
 * A `<div class="photo">` for one media item. `sizes` is the slot width for
 * `srcset`, which offers the medium (540 px wide) and display versions, so
 * the browser picks one within 1.5× of the slot at 1× and 2×. `square`
 * crops to a square (grids), where the 320 px thumbnail fits exactly, so it
 * is offered too; a non-square frame offers the thumbnail only when the
 * photo itself is square, since the thumbnail is a centre crop.
 */
export function photo(media, { sizes, square = false, eager = false, fallbackAlt = 'Photo' } = {}) {
  const canvas = blurCanvas(media.blurhash);
  const isSquare = Math.abs(media.width - media.height) <= 1;
  const offerThumb = (square || isSquare) && media.thumbnail_url;
  const candidates = [
    offerThumb ? `${media.thumbnail_url} 320w` : null,
    media.medium_url ? `${media.medium_url} ${MEDIUM_WIDTH}w` : null,
  ].filter(Boolean);
  const srcset = candidates.length > 0 ? [...candidates, `${media.url} ${media.width}w`].join(', ') : null;
  const img = h('img', {
    class: 'photo-img',
    src: media.url,
    srcset,
    sizes: srcset ? sizes : null,
    // Never empty: an empty alt would hide the photo from screen readers.
    alt: media.alt || fallbackAlt,
    width: media.width,
    height: media.height,
    loading: eager ? 'eager' : 'lazy',
    decoding: 'async',
    draggable: 'false',
  });
  const frame = h('div', { class: ['photo', square && 'photo-square'] }, canvas, img);
  const reveal = () => {
    frame.classList.add('photo-loaded');
    // Keep the placeholder until the fade-in is over.
    if (canvas) setTimeout(() => canvas.remove(), 400);
  };
  if (img.complete && img.naturalWidth > 0) reveal();
  else img.addEventListener('load', reveal, { once: true });
  img.addEventListener('error', () => frame.classList.add('photo-broken'), { once: true });
  return frame;
}
