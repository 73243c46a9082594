// The app's line icons, drawn on a 24×24 grid in `currentColor`.
// Icons are decoration: the control that holds one carries the label.

import { svg } from './dom.js';

const path = (d) => ['path', { d }];
const circle = (cx, cy, r) => ['circle', { cx, cy, r }];
const rect = (x, y, width, height, rx) => ['rect', { x, y, width, height, rx }];

const SHAPES = {
  home: [path('M3.5 10.2 12 3.5l8.5 6.7V20a.5.5 0 0 1-.5.5h-5.5v-6h-5v6H4a.5.5 0 0 1-.5-.5z')],
  explore: [circle(12, 12, 8.5), path('M15.6 8.4l-2.1 5.1-5.1 2.1 2.1-5.1z')],
  create: [rect(3.5, 3.5, 17, 17, 5), path('M12 8v8M8 12h8')],
  heart: [path('M12 20s-7.6-4.7-9.2-9.3C1.7 7.6 3.8 4.5 7.1 4.5c2.1 0 3.6 1.2 4.9 3 1.3-1.8 2.8-3 4.9-3 3.3 0 5.4 3.1 4.3 6.2C19.6 15.3 12 20 12 20z')],
  comment: [path('M20.5 11.6a8.4 8.4 0 0 1-12.3 7.5L3.6 20.4l1.4-4.3a8.4 8.4 0 1 1 15.5-4.5z')],
  bell: [path('M6 16.5V11a6 6 0 0 1 12 0v5.5l1.8 1.8H4.2z'), path('M10 20.5a2.1 2.1 0 0 0 4 0')],
  user: [circle(12, 8, 4), path('M4 20.5c.6-3.9 3.9-6.5 8-6.5s7.4 2.6 8 6.5')],
  search: [circle(10.8, 10.8, 6.8), path('M20.5 20.5l-4.9-4.9')],
  close: [path('M6 6l12 12M18 6 6 18')],
  back: [path('M15 5l-7 7 7 7')],
  next: [path('M9 5l7 7-7 7')],
  more: [circle(5, 12, 1.4), circle(12, 12, 1.4), circle(19, 12, 1.4)],
  trash: [path('M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3')],
  logout: [path('M14.5 4H19a1 1 0 0 1 1 1v14a1 1 0 0 1-1 1h-4.5M10 16.5 14.5 12 10 7.5M14.5 12H3.5')],
  image: [rect(3.5, 3.5, 17, 17, 3), circle(9, 9, 1.6), path('M20.5 15.5 15.5 10.5 5 20.5')],
  camera: [rect(2.5, 6.5, 19, 14, 4), path('M8 6.5l1.6-3h4.8l1.6 3'), circle(12, 13.5, 3.8)],
  edit: [path('M4 20h4.2L19.5 8.7a2 2 0 0 0 0-2.8l-1.4-1.4a2 2 0 0 0-2.8 0L4 15.8z')],
  up: [path('M12 19V5M6 11l6-6 6 6')],
  grid: [rect(3.5, 3.5, 17, 17, 2), path('M3.5 9.2h17M3.5 14.8h17M9.2 3.5v17M14.8 3.5v17')],
  hash: [path('M9 3.5 7 20.5M17 3.5l-2 17M4 9h16.5M3.5 15H20')],
  lock: [rect(5, 10.5, 14, 10, 2.5), path('M8 10.5V7.5a4 4 0 0 1 8 0v3')],
};

/** An `<svg>` icon; `filled` paints the inside too (a liked heart). */
export function icon(name, { filled = false, className = '' } = {}) {
  const shapes = SHAPES[name];
  if (!shapes) throw new Error(`unknown icon ${name}`);
  return svg(
    'svg',
    {
      class: ['icon', `icon-${name}`, filled && 'icon-filled', className],
      viewBox: '0 0 24 24',
      'aria-hidden': 'true',
      focusable: 'false',
    },
    shapes.map(([tag, attrs]) => svg(tag, attrs)),
  );
}
