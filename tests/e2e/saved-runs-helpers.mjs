// Readers and writers of the saved runs for the end-to-end tests: the Saved runs panel of a tab,
// the records in IndexedDB, and the numbers a results table shows.

import { waitForStatus } from './helpers.mjs';

// The page writes a live run at most every 2 s (run-keeper.js).
export const SAVE_INTERVAL_MS = 2000;

/** Reloads the page and waits until the wasm module has loaded again. */
export async function reloadPage(page) {
  await page.reload();
  await waitForStatus(page, ['ready']);
}

/** Opens the Saved runs panel of `tab` (fit, mnist, optimization or generalization). */
export async function openSavedRuns(page, tab) {
  const panel = page.getByTestId(`saved-runs-${tab}`);
  await panel.waitFor({ state: 'visible' });
  if (!(await panel.evaluate((details) => details.open))) {
    await panel.locator(':scope > summary').click();
  }
  return panel;
}

/** Returns the rows of the Saved runs panel of `tab`: id, experiment, status and cell texts. */
export async function savedRows(page, tab) {
  return page.evaluate((name) => {
    const rows = document.querySelectorAll(`[data-testid="saved-runs-${name}"] tbody tr`);
    return [...rows].map((row) => ({
      id: row.dataset.runId,
      experiment: row.dataset.experiment,
      status: row.dataset.status,
      cells: [...row.cells].map((cell) => cell.textContent.trim()),
    }));
  }, tab);
}

/** Waits until the panel of `tab` lists a run of `experiment` with `status`, and returns it. */
export async function waitForSavedRow(page, tab, experiment, status, timeout = 10_000) {
  await page.waitForFunction(
    ({ name, kind, state }) =>
      [...document.querySelectorAll(`[data-testid="saved-runs-${name}"] tbody tr`)].some(
        (row) => row.dataset.experiment === kind && row.dataset.status === state,
      ),
    { name: tab, kind: experiment, state: status },
    { timeout },
  );
  const rows = await savedRows(page, tab);
  return rows.find((row) => row.experiment === experiment && row.status === status);
}

/** Clicks the button of `row` (from savedRows) whose aria-label starts with `action`. */
export async function clickRowButton(page, row, action) {
  await page.locator(`tr[data-run-id="${row.id}"] button[aria-label^="${action} "]`).click();
}

/** Returns the data-value of each element with one of `testIds`, keyed by test id. */
export async function readValues(page, testIds) {
  const values = {};
  for (const testId of testIds) {
    values[testId] = await page.getByTestId(testId).getAttribute('data-value');
  }
  return values;
}

/** Returns every record in the page's IndexedDB store of saved runs. */
export async function storedRecords(page) {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const request = indexedDB.open('gradlab');
        request.onerror = () => reject(request.error);
        request.onsuccess = () => {
          const database = request.result;
          const read = database.transaction('runs').objectStore('runs').getAll();
          read.onerror = () => reject(read.error);
          read.onsuccess = () => {
            database.close();
            resolve(read.result);
          };
        };
      }),
  );
}

/** Writes `records` into the page's IndexedDB store as they are, bypassing the page. */
export async function injectRecords(page, records) {
  await page.evaluate(
    (values) =>
      new Promise((resolve, reject) => {
        const request = indexedDB.open('gradlab');
        request.onerror = () => reject(request.error);
        request.onsuccess = () => {
          const database = request.result;
          const transaction = database.transaction('runs', 'readwrite');
          for (const value of values) {
            transaction.objectStore('runs').put(value);
          }
          transaction.oncomplete = () => {
            database.close();
            resolve();
          };
          transaction.onerror = () => reject(transaction.error);
        };
      }),
    records,
  );
}
