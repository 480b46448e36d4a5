// The Generalization tab: four experiments on the MNIST digits, each a section with its own
// settings, workers and charts (generalization-experiments.js). They train on the digits that
// the MNIST tab uses, or on the default subset when that tab has loaded none.
//
// Ids and data-testid values that the end-to-end tests read. <p> is random-labels, capacity,
// interpolate or sensitivity.
//   #tab-generalization       the tab (data-testid tab-generalization), which shows
//                             #panel-generalization; the URL fragment #generalization opens it
//   #generalization-digits    the digits in use; data-source default, upload or none
//   #<p>-settings             the form, with inputs #<p>-<key> (dashes for underscores, for
//                             example #capacity-train-size) and messages #<p>-<key>-error
//                             (data-testid <p>-error-<config key>), #<p>-config-error for the rest
//   #<p>-train, #<p>-stop, #<p>-download, #<p>-download-json
//                             buttons; download saves random-labels.csv, capacity.csv,
//                             interpolate.csv or sensitivity.csv, download-json <p>.json
//   #<p>-status               status line; data-state is loading, ready, invalid, running,
//                             stopping, stopped, done or failed
//   #<p>-progress, #<p>-step-counter (data-step, data-steps), #<p>-rate, #<p>-eta
//                             optimizer steps of all models; for interpolate, the points
//                             evaluated once the sweep of alphas has begun
//   #<p>-loss-chart, #<p>-accuracy-chart
//                             canvases with the data attributes of #loss-chart; the capacity
//                             charts are scatters with data-point-positions and tooltips
//   #<p>-results-body         rows tr[data-model=<n>] (n from 1) with data-state and cells
//                             data-testid <p>-model-<n>, <p>-parameters-<n>, <p>-progress-<n>,
//                             <p>-train-loss-<n>, <p>-train-accuracy-<n>, <p>-test-loss-<n>,
//                             <p>-test-accuracy-<n> and, for sensitivity,
//                             sensitivity-sensitivity-<n> (raw numbers in data-value)

import {
  CapacitySection,
  InterpolationSection,
  RandomLabelsSection,
  SensitivitySection,
} from './generalization-experiments.js';
import { describeDigits, fetchDefaultDigits, splitCounts } from './mnist-data.js';

/**
 * The digits the generalization experiments train on: those the MNIST tab has loaded, or else
 * the default subset, fetched the first time it is needed.
 */
class DigitsSource {
  constructor(bindings, mnistDigits, heldOutShare, element) {
    this.inspectDigits = bindings.inspectDigits;
    this.mnistDigits = mnistDigits;
    this.heldOutShare = heldOutShare;
    this.element = element;
    this.defaultDataset = null;
  }

  get dataset() {
    return this.mnistDigits.dataset ?? this.defaultDataset;
  }

  get ready() {
    return this.dataset !== null;
  }

  /** Returns the number of digits to train on, or null before any are loaded. */
  trainCount() {
    return this.ready ? splitCounts(this.dataset, this.heldOutShare).train : null;
  }

  /** Fetches the default subset. Throws DataError when it fails to load. */
  async load() {
    this.defaultDataset ??= await fetchDefaultDigits(this.inspectDigits);
    this.render();
  }

  render() {
    const dataset = this.dataset;
    this.element.dataset.source = dataset?.source ?? 'none';
    this.element.textContent = dataset
      ? `${describeDigits(dataset, this.heldOutShare)} Load other digits in the MNIST CNNs tab.`
      : 'The experiments train on the digits of the MNIST CNNs tab: by default its subset, ' +
        'loaded when you first press Train. Load your own IDX files in that tab to use them here.';
  }
}

// The section classes by the prefix of their element ids, in page order, with their part of
// generalizationCatalog().
const SECTIONS = {
  'random-labels': [RandomLabelsSection, 'random_labels'],
  capacity: [CapacitySection, 'capacity'],
  interpolate: [InterpolationSection, 'interpolate'],
  sensitivity: [SensitivitySection, 'sensitivity'],
};

export class GeneralizationPage {
  /**
   * `catalog` is generalizationCatalog(), `fit` is fitCatalog() for the engines, `mnistDigits`
   * the MNIST tab's DigitsPanel (or any object whose `dataset` is null) and `heldOutShare`
   * mnistCatalog()'s held_out_share. `names` lists the sections to build, by id prefix;
   * embed.html builds one.
   */
  constructor(
    bindings,
    module,
    catalog,
    fit,
    mnistDigits,
    heldOutShare,
    names = Object.keys(SECTIONS),
  ) {
    const element = document.getElementById('generalization-digits');
    this.digits = new DigitsSource(bindings, mnistDigits, heldOutShare, element);
    this.digits.render();
    this.sections = new Map(
      names.map((name) => {
        const [Section, key] = SECTIONS[name];
        return [name, new Section(bindings, module, catalog[key], fit, this.digits)];
      }),
    );
  }

  /** Describes the digits again, since the MNIST tab may have loaded others meanwhile. */
  activate() {
    this.digits.render();
  }
}
