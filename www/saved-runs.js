// Keeps runs across reloads on a page that opts in with <meta name="gradlab-saved-runs"
// content="on">: every page and section saves its runs through a RunKeeper, each tab gets a
// Saved runs panel, and a reopened run is shown by the experiment's own charts and table under
// a note that marks it as saved. Storage problems show once in a notice under the tabs.

import { FrameScheduler } from './frame-scheduler.js';
import { RunKeeper } from './run-keeper.js';
import { GENERALIZATION_ADAPTERS } from './run-snapshots-generalization.js';
import { BASE_ADAPTERS } from './run-snapshots.js';
import { SavedRunsPanel, formatStarted } from './saved-runs-panel.js';

// While another tab's run is listed as running, the list is read again this often, so the run
// turns interrupted soon after that tab closes. A reload also lands here: the old page may
// still hold its lock for a moment when the new one first reads the list.
const RECHECK_MS = 2000;

/** Returns whether the page opts in to saved runs with its meta element. */
export function savedRunsWanted() {
  return document.querySelector('meta[name="gradlab-saved-runs"]')?.content === 'on';
}

/** One line per kind of storage problem, under the tabs, each shown once. */
class StorageNotices {
  constructor() {
    this.element = document.createElement('div');
    this.element.className = 'saved-runs-notice';
    this.element.setAttribute('role', 'status');
    this.element.dataset.testid = 'saved-runs-notice';
    this.element.hidden = true;
    document.getElementById('load-error').after(this.element);
    this.lines = new Map();
  }

  /** Shows `text` as the notice of `kind`, replacing that kind's earlier text. */
  show(kind, text, action = null) {
    let line = this.lines.get(kind);
    if (!line) {
      line = document.createElement('p');
      line.dataset.kind = kind;
      this.lines.set(kind, line);
      this.element.append(line);
    }
    line.replaceChildren(text);
    if (action) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'secondary';
      button.textContent = action.text;
      button.addEventListener('click', action.run);
      line.append(' ', button);
    }
    this.element.hidden = false;
  }

  hide(kind) {
    this.lines.get(kind)?.remove();
    this.lines.delete(kind);
    this.element.hidden = this.lines.size === 0;
  }
}

/**
 * The note above a page's or section's progress panel, shown while its charts and table show a
 * saved run. Starting a new run hides it.
 */
class SavedRunNote {
  constructor(target, testId) {
    this.element = document.createElement('p');
    this.element.className = 'saved-run-note';
    this.element.dataset.testid = testId;
    this.element.tabIndex = -1;
    this.element.hidden = true;
    target.progress.status.closest('.progress-panel').before(this.element);
  }

  show(text) {
    this.element.textContent = text;
    this.element.hidden = false;
  }

  hide() {
    this.element.hidden = true;
  }
}

/** Describes a saved run for the note and the status line. */
function savedText(record) {
  const seed = record.config.seed === undefined ? '' : `, seed ${record.config.seed}`;
  return `Saved run of ${formatStarted(record)}${seed}, ${record.status}`;
}

/**
 * Puts a reopened run's settings into the form of `target`, so Train repeats the run. Settings
 * that an older record lacks take the experiment's defaults.
 */
function fillForm(target, config) {
  const values = { ...target.catalog.defaults, ...config };
  if (typeof target.form.fill === 'function') {
    target.form.fill(values);
  } else if (typeof target.form.fillDefaults === 'function') {
    target.form.fillDefaults(values);
  } else {
    // The MNIST form has no fill method. Its inputs are #mnist-<key>, dashes for underscores.
    for (const [key, value] of Object.entries(values)) {
      const input = document.getElementById(`mnist-${key.replaceAll('_', '-')}`);
      if (input) {
        input.value = String(value);
      }
    }
  }
  target.form.showErrors([]);
}

class SavedRuns {
  /**
   * `tabs` lists `{tab, panel, targets}`, where `targets` are the pages or sections of the
   * tab, each `{target, experiment, testId}`.
   */
  constructor(bindings, tabs) {
    this.notices = new StorageNotices();
    this.keeper = new RunKeeper([...BASE_ADAPTERS, ...GENERALIZATION_ADAPTERS], this.notices);
    this.bindings = bindings;
    this.scheduler = new FrameScheduler();
    this.targets = new Map();
    this.panels = [];
    this.recheckTimer = null;
    this.refreshCount = 0;
    for (const { tab, panel, targets } of tabs) {
      this.addTab(tab, panel, targets);
    }
  }

  addTab(tab, tabPanel, targets) {
    const adapters = targets.map(({ experiment }) => this.keeper.adapterOf(experiment));
    const actions = {
      reopen: (record) => this.reopen(record),
      remove: (keys) => this.keeper.remove(keys),
      draw: (kind) =>
        kind === 'scatter' ? this.bindings.drawScatterChart : this.bindings.drawLineChart,
    };
    const panel = new SavedRunsPanel(tab, tabPanel, adapters, actions, this.scheduler);
    panel.root.hidden = true;
    this.panels.push(panel);
    for (const { target, experiment, testId } of targets) {
      const note = new SavedRunNote(target, testId);
      const adapter = this.keeper.adapterOf(experiment);
      this.targets.set(experiment, { target, note, adapter });
      target.keeper = this.keeper.recorder(adapter, target, { onStart: () => note.hide() });
    }
  }

  /** Opens the store and lists the saved runs. Without storage the panels stay hidden. */
  async start() {
    if (!(await this.keeper.open())) {
      return;
    }
    for (const panel of this.panels) {
      panel.root.hidden = false;
    }
    this.keeper.subscribe(() => this.refresh());
    await this.refresh();
  }

  async refresh() {
    this.refreshCount += 1;
    const count = this.refreshCount;
    let listing;
    try {
      listing = await this.keeper.list();
    } catch (error) {
      console.error(error);
      this.notices.show('read-failed', `The saved runs could not be read: ${error.message}.`);
      return;
    }
    // A later refresh has started meanwhile, and its listing is newer.
    if (count !== this.refreshCount) {
      return;
    }
    const { records, invalidKeys } = listing;
    for (const panel of this.panels) {
      panel.render(records);
    }
    this.showInvalid(invalidKeys);
    clearTimeout(this.recheckTimer);
    if (records.some((record) => record.elsewhere)) {
      this.recheckTimer = setTimeout(() => this.refresh(), RECHECK_MS);
    }
  }

  showInvalid(keys) {
    if (keys.length === 0) {
      this.notices.hide('invalid');
      return;
    }
    const noun = keys.length === 1 ? 'saved run was' : 'saved runs were';
    this.notices.show(
      'invalid',
      `${keys.length} ${noun} left out because ${keys.length === 1 ? 'it is' : 'they are'} ` +
        'not in the form this page reads (written by another version of the page, or ' +
        'changed by hand).',
      { text: 'Delete them', run: () => this.keeper.remove(keys) },
    );
  }

  /** Shows `record` in its experiment's charts and table. Throws when that cannot be done. */
  reopen(record) {
    const { target, note, adapter } = this.targets.get(record.experiment);
    if (target.isActive(target.run)) {
      throw new Error('that experiment is training now, so stop it first');
    }
    const run = adapter.restore(target, record);
    run.savedNote = `${savedText(record)}.`;
    target.showSavedRun(run);
    fillForm(target, record.config);
    const reduced = record.reduced ? ` ${record.reduced}` : '';
    note.show(
      `Showing a saved run, not a live one. ${savedText(record)}.${reduced} The settings ` +
        'above are its settings, and Train starts a new run with them.',
    );
    note.element.scrollIntoView({ block: 'start' });
    note.element.focus({ preventScroll: true });
  }
}

/**
 * Adds saved runs to the main page: `pages` has the fit and MNIST pages and the sections of
 * the optimization and generalization tabs.
 */
export function installSavedRuns(bindings, { fit, mnist, optimization, generalization }) {
  // A page's sections are an array or a Map by id prefix, so both are read through values().
  const sectionTargets = (sections) =>
    [...sections.values()].map((section) => ({
      target: section,
      experiment: section.experiment,
      testId: `${section.prefix}-saved-note`,
    }));
  const tabs = [
    {
      tab: 'fit',
      panel: document.getElementById('panel-fit'),
      targets: [{ target: fit, experiment: 'fit', testId: 'fit-saved-note' }],
    },
    {
      tab: 'mnist',
      panel: document.getElementById('panel-mnist'),
      targets: [{ target: mnist, experiment: 'mnist', testId: 'mnist-saved-note' }],
    },
    {
      tab: 'optimization',
      panel: document.getElementById('panel-optimization'),
      targets: sectionTargets(optimization.sections),
    },
    {
      tab: 'generalization',
      panel: document.getElementById('panel-generalization'),
      targets: sectionTargets(generalization.sections),
    },
  ];
  const savedRuns = new SavedRuns(bindings, tabs);
  savedRuns.start();
  return savedRuns;
}
