// Test helpers for the page's exports and its keyboard and screen-reader use: downloads read
// into memory, PNG headers, CSV text, and names that Chromium computes for its accessibility
// tree.

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Clicks `selector` and returns the download's suggested file name and its bytes. */
export async function download(page, selector) {
  const [saved] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  const chunks = [];
  for await (const chunk of await saved.createReadStream()) {
    chunks.push(chunk);
  }
  return { name: saved.suggestedFilename(), bytes: Buffer.concat(chunks) };
}

/**
 * Returns whether `bytes` start with the PNG signature, and the width and height from the
 * IHDR chunk that must follow it.
 */
export function readPngHeader(bytes) {
  const signature = PNG_SIGNATURE.every((value, index) => bytes[index] === value);
  const chunkType = bytes.subarray(12, 16).toString('latin1');
  return {
    signature,
    chunkType,
    width: bytes.readUInt32BE(16),
    height: bytes.readUInt32BE(20),
  };
}

/** Splits CSV text without quoted cells into its header and rows of cells. */
export function parseCsv(text) {
  const [header, ...rows] = text.trimEnd().split('\n');
  return { header, rows: rows.map((line) => line.split(',')) };
}

/** Returns the rows of the table view under canvas `canvasId`, opening the view first. */
export async function readTableView(page, canvasId) {
  const table = page.getByTestId(`${canvasId}-table`);
  const details = page.locator(`#${canvasId} + .chart-tools details`);
  if (!(await details.evaluate((element) => element.open))) {
    await details.locator('summary').click();
  }
  await page.waitForFunction(
    (id) => document.querySelector(`[data-testid="${id}-table"] tbody`) !== null,
    canvasId,
  );
  return table.evaluate((element) => ({
    caption: element.caption.textContent,
    columns: [...element.tHead.rows[0].cells].map((cell) => cell.textContent),
    rows: [...element.tBodies[0].rows].map((row) => [...row.cells].map((c) => c.textContent)),
  }));
}

/** Returns a description of the focused element: its id, tag and text. */
export async function focusedElement(page) {
  return page.evaluate(() => {
    const element = document.activeElement;
    return {
      id: element?.id ?? '',
      tag: element?.tagName.toLowerCase() ?? '',
      text: element?.textContent.trim() ?? '',
    };
  });
}

/** Presses Tab until the element with id `id` has the focus, or throws after `maxPresses`. */
export async function tabTo(page, id, maxPresses = 80) {
  for (let press = 0; press < maxPresses; press += 1) {
    if ((await focusedElement(page)).id === id) {
      return press;
    }
    await page.keyboard.press('Tab');
  }
  throw new Error(`#${id} did not get the focus after ${maxPresses} presses of Tab`);
}

/**
 * Returns the accessible name that Chromium computes for every element that `selector`
 * matches and that is in the accessibility tree, as `{description, name}` pairs.
 */
export async function accessibleNames(page, selector) {
  const session = await page.context().newCDPSession(page);
  await session.send('DOM.enable');
  await session.send('Accessibility.enable');
  const { root } = await session.send('DOM.getDocument', { depth: 0 });
  const { nodeIds } = await session.send('DOM.querySelectorAll', { nodeId: root.nodeId, selector });
  const names = [];
  for (const nodeId of nodeIds) {
    const { nodes } = await session.send('Accessibility.getPartialAXTree', {
      nodeId,
      fetchRelatives: false,
    });
    const node = nodes[0];
    if (!node || node.ignored) {
      continue;
    }
    const { node: domNode } = await session.send('DOM.describeNode', { nodeId });
    const attributes = domNode.attributes ?? [];
    const idIndex = attributes.indexOf('id');
    const id = idIndex >= 0 && idIndex % 2 === 0 ? attributes[idIndex + 1] : '';
    const description = `${domNode.localName}${id ? `#${id}` : ''} (${node.role?.value})`;
    names.push({ description, name: node.name?.value ?? '' });
  }
  await session.detach();
  return names;
}

/** Returns the WCAG 2 relative luminance of an `rgb(r, g, b)` or `rgba(...)` colour. */
function luminance(colour) {
  const [r, g, b] = colour.match(/[\d.]+/g).slice(0, 3).map(Number);
  const linear = (channel) => {
    const value = channel / 255;
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

/** Returns the WCAG 2 contrast ratio of two opaque CSS colours, from 1 to 21. */
export function contrastRatio(foreground, background) {
  const [light, dark] = [luminance(foreground), luminance(background)].sort((a, b) => b - a);
  return (light + 0.05) / (dark + 0.05);
}
