// embed.html: one experiment of gradlab, compact for an iframe in a course page. The URL
// fragment is the main page's (url-hash.js): the tab, for the Optimization and Generalization
// tabs the section, the settings, and autostart=1 to train on load. The experiment's markup
// is copied from index.html and driven by the same page and section classes as there, so
// both pages build the same experiment. The settings show as a read-only summary.
//
// Ids beyond those of index.html's experiment: #embed-title, #embed-summary (the settings),
// #embed-open (a link to the main page with the same settings), #url-notice.

// First, so that the charts measure their text correctly.
import './span-style.js';
import { FitPage } from './fit-page.js';
import { GeneralizationPage } from './generalization-page.js';
import { MnistPage } from './mnist-page.js';
import { OptimizationPage } from './optimization-page.js';
import { experimentTitle } from './share.js';
import { SECTION_KEY, TABS, parseHash } from './url-hash.js';
import { UrlNotice } from './url-notice.js';
import { UrlState, bindPage } from './url-state.js';
import { loadWasm, markLoadFailed } from './wasm.js';

/**
 * Returns the tab and section that `hash` names, falling back to the first of each.
 * UrlState.apply checks the same fragment again and reports its problems.
 */
function chosenExperiment(hash) {
  const { tab: name, parameters } = parseHash(hash);
  const tab = Object.hasOwn(TABS, name) ? name : 'fit';
  const sections = TABS[tab].sections;
  const named = parameters.find((parameter) => parameter.key === SECTION_KEY)?.value;
  const section = sections.includes(named) ? named : (sections[0] ?? '');
  return { tab, section };
}

/** Fetches index.html and returns it parsed; its scripts stay inert. */
async function fetchMainPage() {
  const url = new URL('index.html', import.meta.url);
  const response = await fetch(url);
  if (!response.ok) {
    throw new Error(`${url.pathname} returned HTTP ${response.status} ${response.statusText}`);
  }
  return new DOMParser().parseFromString(await response.text(), 'text/html');
}

/**
 * Moves the experiment's markup from `source` into the page: its Train and Stop form and its
 * progress beside each other, its charts below, and the rest (texts, tables) hidden, where the
 * page classes still find their elements.
 */
function adoptExperiment(source, tab, section) {
  const selector = section ? `#${section}-section` : `#panel-${tab}`;
  const experiment = document.adoptNode(source.querySelector(selector));
  experiment.hidden = false;
  const hidden = document.getElementById('embed-source');
  hidden.append(experiment);
  if (tab === 'generalization') {
    hidden.append(document.adoptNode(source.getElementById('generalization-digits')));
  }
  const controls = document.getElementById('embed-controls');
  controls.append(
    experiment.querySelector('form.settings:not(.data-form)'),
    experiment.querySelector('.progress-panel'),
  );
  document.getElementById('embed-charts').append(...experiment.querySelectorAll('figure.chart'));
}

/** Builds the page object of `tab` with only `section`, as app.js builds the main page's. */
function buildPage(bindings, module, tab, section) {
  const fit = JSON.parse(bindings.fitCatalog());
  if (tab === 'fit') {
    return new FitPage(bindings, module, fit);
  }
  if (tab === 'mnist') {
    const page = new MnistPage(bindings, module, JSON.parse(bindings.mnistCatalog()));
    page.activate();
    return page;
  }
  if (tab === 'optimization') {
    const catalog = JSON.parse(bindings.optimizationCatalog());
    return new OptimizationPage(bindings, module, catalog, fit, [section]);
  }
  const catalog = JSON.parse(bindings.generalizationCatalog());
  const heldOutShare = JSON.parse(bindings.mnistCatalog()).held_out_share;
  const noDigits = { dataset: null };
  return new GeneralizationPage(bindings, module, catalog, fit, noDigits, heldOutShare, [
    section,
  ]);
}

/** Returns the label of each field of `binding`'s form with its value, as one line. */
function settingsSummary(binding) {
  const parts = binding.keys.map((key) => {
    const control = binding.controls.get(key)[0];
    const label = control.labels[0];
    // The domain's two inputs have hidden labels of their own, "Domain low" and "Domain high".
    const name = key === 'domain' ? 'Domain' : (label?.textContent ?? key);
    const value = binding.controls
      .get(key)
      .map((entry) => entry.value)
      .join(' to ');
    return `${name.trim()}: ${value}`;
  });
  return parts.join(' · ');
}

function showLoadError(error) {
  console.error(error);
  const element = document.getElementById('load-error');
  element.textContent = `This demo failed to load: ${error.message}`;
  element.hidden = false;
  document.getElementById('embed-summary').textContent = 'Not available.';
  markLoadFailed();
  // The full page may still load, so the link keeps the demo's settings.
  document.getElementById('embed-open').href = `index.html${window.location.hash}`;
}

function showTitle(tab, section) {
  const title = experimentTitle(document, tab, section);
  document.getElementById('embed-title').textContent = title;
  document.title = `${title} · gradlab`;
}

async function boot() {
  const notice = new UrlNotice(document.getElementById('url-notice'));
  const { tab, section } = chosenExperiment(window.location.hash);
  let page;
  try {
    adoptExperiment(await fetchMainPage(), tab, section);
    showTitle(tab, section);
    const { bindings, module } = await loadWasm();
    page = buildPage(bindings, module, tab, section);
  } catch (error) {
    showLoadError(error);
    return;
  }
  const urlState = new UrlState(notice, { writes: false });
  bindPage(urlState, tab, page);
  const applied = urlState.apply(window.location.hash);
  const binding = urlState.bindings.get(tab).get(section);
  document.getElementById('embed-summary').textContent = settingsSummary(binding);
  document.getElementById('embed-open').href = `index.html${urlState.hash(tab)}`;
  if (applied.autostart) {
    urlState.startWhenReady(tab, section);
  }
  // A course page that changes only the fragment of the frame's src gets no new document, so
  // the demo reloads to show the new experiment or settings.
  window.addEventListener('hashchange', () => window.location.reload());
}

boot();
