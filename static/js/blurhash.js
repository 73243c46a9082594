// A blurhash decoder: turns the short string the server stores with every
// image into a tiny picture to show while the real one loads.
//
// A blurhash is a handful of cosine (DCT) coefficients in base 83: the first
// character packs the component counts, the second the scale of the AC
// terms, the next four the average colour (sRGB), then two characters per AC
// term (three quantised channels, each -1..1 on a square-root-ish curve).
// Pure functions only, so the module runs in Node for unit tests as well.

const ALPHABET =
  '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~';
const DIGITS = new Map([...ALPHABET].map((ch, i) => [ch, i]));

function base83(text, from, to) {
  let value = 0;
  for (let i = from; i < to; i += 1) {
    const digit = DIGITS.get(text[i]);
    if (digit === undefined) throw new Error(`blurhash: invalid character ${JSON.stringify(text[i])}`);
    value = value * 83 + digit;
  }
  return value;
}

/** sRGB byte to linear light, 0..1. */
export function toLinear(byte) {
  const v = byte / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}

/** Linear light to an sRGB byte, clamped. */
export function toSrgb(linear) {
  const v = Math.min(1, Math.max(0, linear));
  const encoded = v <= 0.0031308 ? v * 12.92 : 1.055 * v ** (1 / 2.4) - 0.055;
  return Math.round(encoded * 255);
}

/** A signed value raised to a power, keeping its sign. */
function signedPow(value, exponent) {
  return Math.sign(value) * Math.abs(value) ** exponent;
}

/**
 * Reads a blurhash into its components: `{ cols, rows, colors }`, where
 * `colors[i + j * cols]` is the linear `[r, g, b]` weight of the cosine with
 * `i` half-periods across and `j` down. Throws on a malformed hash.
 */
export function parse(hash, punch = 1) {
  if (typeof hash !== 'string' || hash.length < 6) throw new Error('blurhash: too short');
  const sizes = base83(hash, 0, 1);
  const cols = (sizes % 9) + 1;
  const rows = Math.floor(sizes / 9) + 1;
  const expected = 4 + 2 * cols * rows;
  if (hash.length !== expected) {
    throw new Error(`blurhash: ${cols}×${rows} components need ${expected} characters, got ${hash.length}`);
  }
  const maxAc = ((base83(hash, 1, 2) + 1) / 166) * punch;
  const dc = base83(hash, 2, 6);
  const colors = [[toLinear(dc >> 16), toLinear((dc >> 8) & 255), toLinear(dc & 255)]];
  for (let k = 1; k < cols * rows; k += 1) {
    const ac = base83(hash, 4 + k * 2, 6 + k * 2);
    const quant = [Math.floor(ac / 361), Math.floor(ac / 19) % 19, ac % 19];
    colors.push(quant.map((q) => signedPow((q - 9) / 9, 2) * maxAc));
  }
  return { cols, rows, colors };
}

/**
 * Decodes `hash` into `width`×`height` RGBA pixels (a Uint8ClampedArray ready
 * for `new ImageData(pixels, width, height)`). `punch` > 1 boosts contrast.
 */
export function decode(hash, width, height, punch = 1) {
  const { cols, rows, colors } = parse(hash, punch);
  // Cosines depend on x or y alone: compute each table once.
  const cosX = table(width, cols);
  const cosY = table(height, rows);
  const pixels = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let j = 0; j < rows; j += 1) {
        const wy = cosY[y * rows + j];
        for (let i = 0; i < cols; i += 1) {
          const weight = cosX[x * cols + i] * wy;
          const c = colors[i + j * cols];
          r += c[0] * weight;
          g += c[1] * weight;
          b += c[2] * weight;
        }
      }
      const at = (y * width + x) * 4;
      pixels[at] = toSrgb(r);
      pixels[at + 1] = toSrgb(g);
      pixels[at + 2] = toSrgb(b);
      pixels[at + 3] = 255;
    }
  }
  return pixels;
}

function table(size, components) {
  const out = new Float64Array(size * components);
  for (let p = 0; p < size; p += 1) {
    for (let c = 0; c < components; c += 1) {
      out[p * components + c] = Math.cos((Math.PI * p * c) / size);
    }
  }
  return out;
}
