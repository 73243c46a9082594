// Several photos side by side in a scroll-snapping strip: swipe on touch,
// arrow buttons or the arrow keys elsewhere, dots to show where you are.

import { h } from '../dom.js';
import { icon } from '../icons.js';
import { photo } from './photo.js';

// Instagram's bounds: from 4:5 portrait to 1.91:1 landscape.
const MIN_RATIO = 4 / 5;
const MAX_RATIO = 1.91;
const SIZES = '(min-width: 768px) 470px, 100vw';

/** The photos of one post; a single photo gets no controls. */
export function carousel(media, { eager = false, label = 'Photos', author = '' } = {}) {
  const first = media[0];
  const ratio = first ? Math.min(MAX_RATIO, Math.max(MIN_RATIO, first.width / first.height)) : 1;
  const slides = media.map((item, index) =>
    h(
      'li',
      {
        class: 'slide',
        'aria-roledescription': media.length > 1 ? 'slide' : null,
        'aria-label': media.length > 1 ? `${index + 1} of ${media.length}` : null,
      },
      photo(item, {
        sizes: SIZES,
        eager: eager && index === 0,
        fallbackAlt: media.length > 1 ? `Photo ${index + 1} of ${media.length} by ${author}` : `Photo by ${author}`,
      }),
    ),
  );
  // Several photos scroll sideways: the strip takes the focus, so the keys
  // that move it reach it without a pointer.
  const track = h('ul', { class: 'slides', role: 'list', tabindex: media.length > 1 ? '0' : null, 'aria-label': media.length > 1 ? label : null }, slides);
  const root = h(
    'div',
    {
      class: ['carousel', media.length > 1 && 'is-multi'],
      role: media.length > 1 ? 'group' : null,
      'aria-roledescription': media.length > 1 ? 'carousel' : null,
      'aria-label': media.length > 1 ? label : null,
    },
    track,
  );
  // The frame's shape comes from the first photo; CSSOM is allowed by the CSP.
  root.style.setProperty('--ratio', String(ratio));
  if (media.length < 2) return root;

  let index = 0;
  const prev = h('button', { class: 'carousel-btn carousel-prev', type: 'button', 'aria-label': 'Previous photo' }, icon('back'));
  const next = h('button', { class: 'carousel-btn carousel-next', type: 'button', 'aria-label': 'Next photo' }, icon('next'));
  const counter = h('span', { class: 'carousel-count', 'aria-hidden': 'true' });
  const dots = h('div', { class: 'carousel-dots', 'aria-hidden': 'true' }, media.map(() => h('span', { class: 'carousel-dot' })));
  root.append(prev, next, counter, dots);

  const go = (to) => {
    const target = Math.max(0, Math.min(media.length - 1, to));
    track.scrollTo({ left: target * track.clientWidth, behavior: 'smooth' });
  };
  const paint = () => {
    prev.hidden = index === 0;
    next.hidden = index === media.length - 1;
    counter.textContent = `${index + 1}/${media.length}`;
    [...dots.children].forEach((dot, i) => dot.classList.toggle('is-active', i === index));
    slides.forEach((slide, i) => slide.toggleAttribute('inert', i !== index));
  };
  prev.addEventListener('click', () => go(index - 1));
  next.addEventListener('click', () => go(index + 1));
  track.addEventListener('scroll', () => {
    const at = Math.round(track.scrollLeft / Math.max(1, track.clientWidth));
    if (at !== index) {
      index = at;
      paint();
    }
  }, { passive: true });
  root.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowLeft') go(index - 1);
    else if (event.key === 'ArrowRight') go(index + 1);
    else return;
    event.preventDefault();
  });
  paint();
  return root;
}
