// Files saved from the page: any Blob through a download link, a chart canvas as PNG, and a
// run's settings and results as JSON.

// The object URL stays valid this long after the click, so the browser can finish reading it.
const REVOKE_DELAY_MS = 60_000;

/** Saves `blob` as a file named `filename` through the browser's download. */
export function saveBlob(filename, blob) {
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

/**
 * Returns a PNG Blob of `canvas` at its backing-store size in device pixels. The chart is
 * drawn over white, so parts the drawing left transparent do not turn black or checkered in
 * image viewers.
 */
export function canvasPng(canvas) {
  const copy = document.createElement('canvas');
  copy.width = canvas.width;
  copy.height = canvas.height;
  const context = copy.getContext('2d');
  context.fillStyle = '#fff';
  context.fillRect(0, 0, copy.width, copy.height);
  context.drawImage(canvas, 0, 0);
  return new Promise((resolve, reject) => {
    copy.toBlob((blob) => {
      if (blob) {
        resolve(blob);
      } else {
        reject(new Error(`the browser could not encode #${canvas.id} as PNG`));
      }
    }, 'image/png');
  });
}

/** Saves `canvas` as the PNG file `filename`. */
export async function savePng(canvas, filename) {
  saveBlob(filename, await canvasPng(canvas));
}

/**
 * Saves `<experiment>.json`: the experiment's name as the command line spells it, the seed,
 * the full config, the summary (the numbers of the results table) and when it was saved.
 * The key names follow the command line's summary.json, which has the same fields at its
 * top level rather than under `summary`.
 */
export function saveRunJson(experiment, config, summary) {
  const record = {
    experiment,
    created: new Date().toISOString(),
    seed: config.seed,
    config,
    summary,
  };
  // JSON.stringify writes NaN and infinities as null, as serde_json does.
  const text = `${JSON.stringify(record, null, 2)}\n`;
  saveBlob(`${experiment}.json`, new Blob([text], { type: 'application/json' }));
}
