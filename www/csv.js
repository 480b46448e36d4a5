// CSV files built on the page and saved through a download link.

// The object URL stays valid this long after the click, so the browser can finish reading it.
const REVOKE_DELAY_MS = 60_000;

/**
 * Formats one cell. Numbers print as JavaScript prints them. null, which is how a NaN or an
 * infinity arrives in JSON from the wasm module, prints as NaN.
 */
function formatCell(value) {
  return value === null || value === undefined ? 'NaN' : String(value);
}

/** Builds CSV text: the header, then one line per row, each line ending in a newline. */
export function csvText(header, rows) {
  const lines = [header.join(','), ...rows.map((row) => row.map(formatCell).join(','))];
  return `${lines.join('\n')}\n`;
}

/** Saves a CSV file named `filename` through the browser's download. */
export function downloadCsv(filename, header, rows) {
  const blob = new Blob([csvText(header, rows)], { type: 'text/csv' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), REVOKE_DELAY_MS);
}
