// gradlab's page: loads the wasm module once and hosts four experiments behind tabs. Deep vs
// shallow function fitting (fit-page.js): three MLPs of about 571 parameters each fit the
// same 1-D function. MNIST (mnist-page.js): three CNNs of about 25,500 parameters classify
// digits. Each of these trains one Web Worker per model. Optimization (optimization-page.js):
// the PCA path, the gradient norm and the minimal ratio, whose runs share a pool of workers
// per experiment. optimization-page.js lists the ids of that tab. Generalization
// (generalization-page.js, which lists its ids): random labels, parameter count,
// interpolation and sensitivity on the MNIST tab's digits.
//
// Ids and data-testid values that the end-to-end tests in tests/e2e read:
//   #tab-fit, #tab-mnist      the experiment tabs (data-testid tab-fit, tab-mnist), which show
//                             #panel-fit or #panel-mnist; the URL fragment #mnist opens MNIST
//   #load-error               why the WebAssembly module failed to load, or a worker failed
//   #copy-link, #copy-embed   the share bar's buttons (share.js); #share-section picks the
//                             section to share, #share-message confirms (data-state copied or
//                             refused) and #share-text shows the text when copying failed
//   #url-notice               the link's rejected or ignored parameters, one li per problem
//                             with data-kind and data-parameter (url-notice.js)
//   data-run-config           on every settings form: the config of its last run, as JSON
//
// Deep vs shallow:
//   #settings                 the form; inputs #function #domain-low #domain-high #points
//                             #epochs #batch-size #learning-rate #engine #seed
//   #<input>-error            the message beside each field: #function-error #domain-error
//                             #points-error #epochs-error #batch-size-error
//                             #learning-rate-error #engine-error #seed-error, and #config-error
//                             for the rest; data-testid error-<config key>, for example
//                             error-learning_rate, error-domain, error-config
//   #train, #stop             buttons (data-testid train, stop)
//   #status                   status line; data-state is loading, ready, invalid, running,
//                             stopping, stopped, done or failed
//   #progress                 <progress> over all models' optimizer steps
//   #step-counter             "done / total steps"; raw numbers in data-step and data-steps
//   #rate, #eta               steps per second and estimated time left
//   #loss-chart, #fit-chart   canvases; data-model-series (model series with points),
//                             data-model-points, data-draw-count and data-draw-ms describe
//                             the last drawing; aria-label summarises it. After every chart
//                             canvas come its table view, a <details> whose <table> has
//                             data-testid <canvas id>-table, and its PNG button,
//                             data-testid <canvas id>-png
//   table rows [data-model=<name>] with cells data-testid widths-<name>, parameters-<name>,
//     final-loss-<name> and best-loss-<name> (raw number in data-value) and status-<name>
//     (data-state idle, running, done, stopped, diverged or error)
//   #fit-download-loss, #fit-download-predictions, #fit-download-json
//                             buttons (data-testid as the ids) that save loss.csv,
//                             predictions.csv and fit.json
//
// MNIST (ids start with mnist-, data-testid values as the ids unless given):
//   #mnist-data-summary       the digits in use; data-source default, upload or none,
//                             data-train and data-test (digits trained and tested on),
//                             data-held-out (true when test digits come from the training files)
//   #mnist-data-error         why picked files were rejected (role alert)
//   #mnist-train-images, #mnist-train-labels, #mnist-test-images, #mnist-test-labels
//                             file inputs; #mnist-load-files and #mnist-use-default buttons
//   #mnist-settings           the form; inputs #mnist-epochs #mnist-batch-size
//                             #mnist-learning-rate #mnist-engine #mnist-seed, messages
//                             #mnist-<input>-error and #mnist-config-error (data-testid
//                             mnist-error-<config key>)
//   #mnist-train, #mnist-stop buttons
//   #mnist-status             status line; data-state as #status, plus no-data
//   #mnist-progress, #mnist-step-counter (data-step, data-steps), #mnist-rate (images/s),
//   #mnist-eta
//   #mnist-loss-chart, #mnist-accuracy-chart
//                             canvases with the data attributes of #loss-chart
//   #mnist-download-epochs, #mnist-download-confusion, #mnist-download-json
//                             buttons that save epochs.csv, confusion.csv (of the model shown
//                             under Test digits) and mnist.json
//   table rows [data-model=<name>] in #mnist-results-body with cells data-testid
//     mnist-layers-<name>, mnist-parameters-<name>, mnist-best-accuracy-<name> (fraction in
//     data-value), mnist-final-loss-<name>, mnist-rate-<name> (images/s) and
//     mnist-status-<name> (data-state as status-<name>)
//   #mnist-inspection         section on the most accurate model; data-state pending, shown,
//                             none or failed, data-model its name
//   #mnist-digit-grid         canvas of the first test digits; data-digits, data-mistakes;
//                             the button data-testid mnist-digit-grid-png saves it
//   #mnist-digit-caption      the grid's caption, naming each mistake
//   #mnist-confusion          confusion matrix; cells td[data-count][data-true][data-predicted]
//                             (class diagonal on the diagonal), data-total on the table

// First, so that charts drawn by any page measure their text correctly.
import './span-style.js';
import { FitPage } from './fit-page.js';
import { MnistPage } from './mnist-page.js';
import { GeneralizationPage } from './generalization-page.js';
import { OptimizationPage } from './optimization-page.js';
import { ShareBar } from './share.js';
import { installSavedRuns, savedRunsWanted } from './saved-runs.js';
import { ExperimentTabs } from './tabs.js';
import { TABS } from './url-hash.js';
import { UrlNotice } from './url-notice.js';
import { UrlState, bindPage } from './url-state.js';
import { loadWasm, markLoadFailed } from './wasm.js';
import { startSpareWorkers } from './pool.js';
import { warmUpWhenIdle } from './warm-up.js';

// Spare workers start as the page loads, one per logical core up to this many, so that the
// first Train does not wait for its workers to load.
const MAX_SPARE_WORKERS = 4;

function showLoadError(error) {
  console.error(error);
  const element = document.getElementById('load-error');
  element.textContent =
    `The WebAssembly module failed to load, so nothing can be trained: ${error.message}. ` +
    'Build it with ./build.sh build, then reload the page.';
  element.hidden = false;
  markLoadFailed();
}

async function boot() {
  // The tabs work while the module loads; MNIST loads its digits when first opened after that.
  let mnistPage = null;
  let mnistOpened = false;
  let generalizationPage = null;
  let urlState = null;
  let shareBar = null;
  const tabs = new ExperimentTabs(document.getElementById('experiment-tabs'), (name, { user }) => {
    if (name === 'mnist') {
      mnistOpened = true;
      mnistPage?.activate();
    } else if (name === 'generalization') {
      generalizationPage?.activate();
    }
    urlState?.tabSelected(name, user);
    shareBar?.showTab(name);
  });
  const notice = new UrlNotice(document.getElementById('url-notice'));
  urlState = new UrlState(notice, { selectTab: (name) => tabs.select(name) });
  shareBar = new ShareBar(urlState);
  tabs.selectFromHash();
  let loaded;
  try {
    loaded = await loadWasm();
  } catch (error) {
    showLoadError(error);
    return;
  }
  const { bindings, module } = loaded;
  const fitCatalog = JSON.parse(bindings.fitCatalog());
  const fitPage = new FitPage(bindings, module, fitCatalog);
  bindPage(urlState, 'fit', fitPage);
  const mnistCatalog = JSON.parse(bindings.mnistCatalog());
  mnistPage = new MnistPage(bindings, module, mnistCatalog);
  bindPage(urlState, 'mnist', mnistPage);
  if (mnistOpened) {
    mnistPage.activate();
  }
  const optimizationCatalog = JSON.parse(bindings.optimizationCatalog());
  const optimizationPage = new OptimizationPage(bindings, module, optimizationCatalog, fitCatalog);
  bindPage(urlState, 'optimization', optimizationPage);
  generalizationPage = new GeneralizationPage(
    bindings,
    module,
    JSON.parse(bindings.generalizationCatalog()),
    fitCatalog,
    mnistPage.digits,
    mnistCatalog.held_out_share,
  );
  bindPage(urlState, 'generalization', generalizationPage);
  if (savedRunsWanted()) {
    installSavedRuns(bindings, {
      fit: fitPage,
      mnist: mnistPage,
      optimization: optimizationPage,
      generalization: generalizationPage,
    });
  }
  restoreFromUrl(urlState);
  startSpareWorkers(module, Math.min(navigator.hardwareConcurrency || 1, MAX_SPARE_WORKERS));
  warmUpWhenIdle(module);
}

/**
 * Fills the forms from the URL fragment, now and whenever the fragment changes, scrolls to
 * the section the URL names unless the notice at the top lists problems, and starts training
 * when the URL contains autostart=1.
 */
function restoreFromUrl(urlState) {
  const { tab, section, autostart, notices } = urlState.apply(window.location.hash);
  window.addEventListener('hashchange', () => urlState.apply(window.location.hash));
  if (notices.length === 0 && section && section !== TABS[tab].sections[0]) {
    document.getElementById(`${section}-section`).scrollIntoView();
  }
  if (autostart) {
    urlState.startWhenReady(tab, section);
  }
}

boot();
