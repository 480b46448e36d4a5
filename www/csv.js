// CSV files built on the page and saved through a download link. Numbers are written the way
// the native command line writes them (Rust's Display for f64 and f32), so a file saved here
// reads the same as the one `gradlab` writes.

import { saveBlob } from './export.js';

/**
 * Returns the plain decimal form of the number that String() printed with an exponent, such
 * as "1.5e-7" as "0.00000015": Rust's Display never uses an exponent.
 */
function expandExponent(text) {
  const [mantissa, exponentText] = text.split('e');
  const negative = mantissa.startsWith('-');
  const unsigned = negative ? mantissa.slice(1) : mantissa;
  const point = unsigned.indexOf('.');
  const digits = unsigned.replace('.', '');
  const position = (point === -1 ? unsigned.length : point) + Number(exponentText);
  let plain;
  if (position <= 0) {
    plain = `0.${'0'.repeat(-position)}${digits}`;
  } else if (position >= digits.length) {
    plain = digits + '0'.repeat(position - digits.length);
  } else {
    plain = `${digits.slice(0, position)}.${digits.slice(position)}`;
  }
  return negative ? `-${plain}` : plain;
}

/**
 * Formats an f64 as Rust's Display does: the shortest digits that read back as the same
 * number (as JavaScript's String() picks them), without an exponent. null, which is how a NaN
 * or an infinity arrives in JSON from the wasm module, prints as NaN. Other values, such as
 * names and booleans, print as String() prints them.
 */
export function formatF64(value) {
  if (value === null || value === undefined || Number.isNaN(value)) {
    return 'NaN';
  }
  if (typeof value !== 'number') {
    return String(value);
  }
  if (!Number.isFinite(value)) {
    return value > 0 ? 'inf' : '-inf';
  }
  if (Object.is(value, -0)) {
    return '-0';
  }
  const text = String(value);
  return text.includes('e') ? expandExponent(text) : text;
}

/**
 * Formats an f32 (held in a JavaScript number, as a Float32Array returns it) as Rust's
 * Display does: the fewest significant digits that round back to the same f32.
 */
export function formatF32(value) {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return formatF64(value);
  }
  // NOTE: the closest p-digit decimal is taken as the shortest one that round-trips. At a power
  // of two, where the f32 spacing below is half the spacing above, Rust may pick other digits.
  for (let precision = 1; precision < 9; precision += 1) {
    const shorter = Number(value.toPrecision(precision));
    if (Math.fround(shorter) === value) {
      return formatF64(shorter);
    }
  }
  return formatF64(Number(value.toPrecision(9)));
}

/**
 * Builds CSV text: the header, then one line per row, each line ending in a newline. Every
 * cell goes through `formatCell`, by default formatF64, which leaves text as it is.
 */
export function csvText(header, rows, formatCell = formatF64) {
  const lines = [header.join(','), ...rows.map((row) => row.map(formatCell).join(','))];
  return `${lines.join('\n')}\n`;
}

/** Saves a CSV file named `filename` through the browser's download. */
export function downloadCsv(filename, header, rows, formatCell = formatF64) {
  const blob = new Blob([csvText(header, rows, formatCell)], { type: 'text/csv' });
  saveBlob(filename, blob);
}
