// The MNIST page's "Digits" box: which digits are loaded, the file pickers, and the buttons that
// switch between the default subset and the user's files. A rejected file leaves the digits in
// use unchanged.

import {
  DataError,
  describeDigits,
  fetchDefaultDigits,
  readPickedDigits,
  splitCounts,
} from './mnist-data.js';

const PICKER_IDS = {
  trainImages: 'mnist-train-images',
  trainLabels: 'mnist-train-labels',
  testImages: 'mnist-test-images',
  testLabels: 'mnist-test-labels',
};

export class DigitsPanel {
  /**
   * `inspectDigits` is the wasm export, `heldOutShare` the catalog's share of training
   * digits held out without test files, and `onChange()` runs whenever the loaded digits or
   * the panel's state change.
   */
  constructor(root, inspectDigits, heldOutShare, onChange) {
    this.inspectDigits = inspectDigits;
    this.heldOutShare = heldOutShare;
    this.onChange = onChange;
    this.form = root.querySelector('#mnist-data');
    this.summary = root.querySelector('#mnist-data-summary');
    this.error = root.querySelector('#mnist-data-error');
    this.loadButton = root.querySelector('#mnist-load-files');
    this.defaultButton = root.querySelector('#mnist-use-default');
    this.dataset = null;
    this.defaultDataset = null;
    this.busy = false;
    this.locked = false;
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.usePickedFiles();
    });
    this.defaultButton.addEventListener('click', () => this.useDefault());
    this.render();
  }

  /** Whether digits are loaded and no load is under way. */
  get ready() {
    return this.dataset !== null && !this.busy;
  }

  /** Returns the digits trained and tested on with the current dataset. */
  counts() {
    return splitCounts(this.dataset, this.heldOutShare);
  }

  /** Disables loading other digits while a run uses the current ones. */
  setLocked(locked) {
    this.locked = locked;
    this.renderButtons();
  }

  /** Loads the default subset, fetching it the first time. */
  async useDefault() {
    await this.load('Loading the default subset…', async () => {
      try {
        this.defaultDataset ??= await fetchDefaultDigits(this.inspectDigits);
      } catch (error) {
        const text = `The default subset failed to load: ${endSentence(error.message)}`;
        throw new DataError(`${text} Build it with ./build.sh build, then reload the page.`);
      }
      return this.defaultDataset;
    });
    if (this.dataset?.source === 'default') {
      this.form.reset();
    }
  }

  async usePickedFiles() {
    const picked = {};
    for (const [key, id] of Object.entries(PICKER_IDS)) {
      picked[key] = this.form.querySelector(`#${id}`).files[0];
    }
    await this.load('Checking the picked files…', () =>
      readPickedDigits(this.inspectDigits, picked, this.heldOutShare),
    );
  }

  /** Runs `read`, which returns a dataset or throws; on success the dataset is used. */
  async load(busyText, read) {
    this.busy = true;
    this.error.textContent = '';
    this.summary.textContent = busyText;
    this.summary.dataset.state = 'loading';
    this.renderButtons();
    this.onChange();
    try {
      this.dataset = await read();
    } catch (error) {
      this.showError(error);
    } finally {
      this.busy = false;
      this.render();
      this.onChange();
    }
  }

  showError(error) {
    if (!(error instanceof DataError)) {
      console.error(error);
    }
    const followUp = this.dataset
      ? 'The digits loaded before stay in use.'
      : 'Pick valid files, or press "Use the default subset" to try the default again.';
    this.error.textContent = `Not loaded. ${endSentence(error.message)} ${followUp}`;
  }

  render() {
    const dataset = this.dataset;
    this.summary.textContent = dataset
      ? describeDigits(dataset, this.heldOutShare)
      : 'No digits loaded.';
    this.summary.dataset.state = dataset ? 'loaded' : 'empty';
    this.summary.dataset.source = dataset?.source ?? 'none';
    const counts = dataset ? this.counts() : { train: 0, test: 0, heldOut: false };
    this.summary.dataset.train = String(counts.train);
    this.summary.dataset.test = String(counts.test);
    this.summary.dataset.heldOut = String(counts.heldOut);
    this.renderButtons();
  }

  renderButtons() {
    const disabled = this.busy || this.locked;
    this.loadButton.disabled = disabled;
    this.defaultButton.disabled = disabled;
  }
}

/** Ends `text` with a full stop unless it already ends a sentence. */
function endSentence(text) {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
