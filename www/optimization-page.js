// The Optimization tab: three experiments, each a section with its own settings, workers and
// charts. PCA of the optimization path (pca-section.js), the gradient norm during training
// (gradnorm-section.js) and the minimal ratio at critical points (minratio-section.js).
//
// Ids and data-testid values that the end-to-end tests read. <p> is pca, gradnorm or minratio.
//   #tab-optimization         the tab (data-testid tab-optimization), which shows
//                             #panel-optimization; the URL fragment #optimization opens it
//   #<p>-settings             the form; its fields are built from the experiment's defaults,
//                             with inputs #<p>-<key> (dashes for underscores, for example
//                             #pca-learning-rate, #pca-record-every) and #<p>-domain-low,
//                             #<p>-domain-high
//   #<p>-<key>-error          the message beside each field (data-testid <p>-error-<config
//                             key>, for example pca-error-runs); #<p>-config-error for the rest
//   #<p>-train, #<p>-stop, #<p>-download, #<p>-download-json
//                             buttons; download saves pca.csv, gradnorm.csv or minratio.csv,
//                             download-json <p>.json
//   #<p>-status               status line; data-state is loading, ready, invalid, running,
//                             stopping, stopped, done or failed
//   #<p>-progress, #<p>-step-counter (data-step, data-steps), #<p>-rate, #<p>-eta
//                             overall progress: optimizer steps, or for minratio runs finished
//   #pca-run-list             one li per run (data-testid pca-run-<n>, data-state queued,
//                             running, done, diverged, stopped, skipped or error)
//   #pca-whole-chart, #pca-first-layer-chart, #minratio-ratio-chart
//                             scatter canvases; data-point-positions is the JSON of the point
//                             positions drawScatterChart returned, and the tooltip beside each
//                             has data-testid <canvas id>-tooltip
//   #gradnorm-loss-chart, #gradnorm-norm-chart, #minratio-histogram
//                             canvases; every canvas has the data attributes of #loss-chart
//                             (data-model-series, data-model-points, data-draw-count)
//   #minratio-results-body    rows tr[data-run=<n>] (n from 1) with data-state and cells
//                             data-testid minratio-phase-<n>, minratio-progress-<n>,
//                             minratio-loss-<n>, minratio-grad-norm-<n>, minratio-ratio-<n>
//                             (raw numbers in data-value), minratio-counts-<n> and
//                             minratio-threshold-<n> (data-reached true or false); a row with
//                             aria-current="true" is the run the histogram shows
//   #minratio-histogram-caption
//                             which run the histogram shows, and why

import { GradNormSection } from './gradnorm-section.js';
import { MinRatioSection } from './minratio-section.js';
import { PcaSection } from './pca-section.js';

// The sections by the prefix of their element ids, in page order.
const SECTIONS = {
  pca: (bindings, module, catalog, fit) => new PcaSection(bindings, module, catalog.pca, fit),
  gradnorm: (bindings, module, catalog, fit) =>
    new GradNormSection(bindings, module, catalog.gradnorm, fit),
  minratio: (bindings, module, catalog, fit) =>
    new MinRatioSection(bindings, module, catalog.minratio, fit),
};

export class OptimizationPage {
  /**
   * `catalog` is optimizationCatalog(); `fit` is fitCatalog(), for targets and engines.
   * `names` lists the sections to build, by id prefix; embed.html builds one.
   */
  constructor(bindings, module, catalog, fit, names = Object.keys(SECTIONS)) {
    this.sections = new Map(
      names.map((name) => [name, SECTIONS[name](bindings, module, catalog, fit)]),
    );
  }
}
