// The Saved runs panel of one tab: a collapsible list of the saved runs of the tab's
// experiments, with Reopen and Delete on each row, Delete all, and a chart that overlays the
// runs picked for comparison. saved-runs.js creates one per tab and hands it the records.

import { ChartView, watchPixelRatio } from './charts.js';

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** Formats a record's start time, such as "4 Dec 2026, 22:51:03" in a British locale. */
export function formatStarted(record) {
  return dateFormat.format(record.startedAt);
}

// The legend of a comparison chart has room for this many lines at the chart's usual height.
// Further lines would be drawn without a name.
const MAX_COMPARED_LINES = 18;

/** Returns the letters that name comparison run `index` (from 0): A to Z, then AA, AB… */
function letterOf(index) {
  const letter = String.fromCharCode(65 + (index % 26));
  return index < 26 ? letter : `${letterOf(Math.floor(index / 26) - 1)}${letter}`;
}

/** Returns the text of a record's status cell. */
function statusText(record) {
  if (record.live) {
    return 'running';
  }
  if (record.elsewhere) {
    return 'running in another tab';
  }
  return record.status;
}

function element(tag, className, textContent) {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (textContent !== undefined) {
    node.textContent = textContent;
  }
  return node;
}

function button(text, className = 'secondary') {
  const node = element('button', className, text);
  node.type = 'button';
  return node;
}

export class SavedRunsPanel {
  /**
   * `tab` names the tab ('fit', 'mnist', 'optimization' or 'generalization'), and the panel
   * goes after the intro of `tabPanel`. `experiments` are the adapters of the runs it lists.
   * `actions` has reopen(record), remove(keys) and draw(kind) (the wasm drawing export for a
   * chart kind).
   */
  constructor(tab, tabPanel, experiments, actions, scheduler) {
    this.tab = tab;
    this.experiments = new Map(experiments.map((adapter) => [adapter.experiment, adapter]));
    this.actions = actions;
    this.records = [];
    this.picked = new Set();
    this.comparison = null;
    this.build(tabPanel);
    this.createChart(scheduler);
  }

  build(tabPanel) {
    const id = (name) => `saved-runs-${this.tab}-${name}`;
    this.root = element('details', 'saved-runs');
    this.root.id = id('panel');
    this.root.dataset.testid = `saved-runs-${this.tab}`;
    this.summary = element('summary', 'saved-runs-summary', 'Saved runs');
    const hint = element(
      'p',
      'saved-runs-hint',
      'Every run is saved in this browser as it trains, so a reload keeps it. Reopen shows a ' +
        "run in its experiment's charts and table. Tick two or more runs of one experiment " +
        'to compare them on one chart.',
    );
    this.empty = element('p', 'saved-runs-empty', 'No saved runs of these experiments yet.');
    this.table = this.buildTable();
    this.compareButton = button('Compare ticked runs');
    this.compareButton.dataset.testid = id('compare');
    this.deleteAllButton = button('Delete all');
    this.deleteAllButton.dataset.testid = id('delete-all');
    const buttons = element('div', 'buttons');
    buttons.append(this.compareButton, this.deleteAllButton);
    this.message = element('p', 'saved-runs-message');
    this.message.setAttribute('role', 'status');
    this.message.dataset.testid = id('message');
    this.figure = this.buildFigure(id);
    const scroll = element('div', 'table-scroll');
    scroll.append(this.table);
    this.root.append(this.summary, hint, this.empty, scroll, buttons, this.message, this.figure);
    tabPanel.querySelector('.intro').after(this.root);
    this.compareButton.addEventListener('click', () => this.compare());
    this.deleteAllButton.addEventListener('click', () => this.deleteAll());
  }

  buildTable() {
    const table = element('table', 'saved-runs-table');
    const caption = element('caption', 'visually-hidden', 'Saved runs, newest first');
    const head = table.createTHead().insertRow();
    for (const name of ['Compare', 'Experiment', 'Started', 'Status', 'Result', 'Seed', '']) {
      const th = element('th', '', name);
      th.scope = 'col';
      head.append(th);
    }
    head.lastChild.append(element('span', 'visually-hidden', 'Actions'));
    table.prepend(caption);
    this.body = table.createTBody();
    return table;
  }

  buildFigure(id) {
    const figure = element('figure', 'chart saved-runs-compare');
    figure.hidden = true;
    this.canvas = element('canvas');
    this.canvas.id = id('compare-chart');
    this.canvas.dataset.testid = id('compare-chart');
    this.canvas.width = 640;
    this.canvas.height = 400;
    this.canvas.setAttribute('role', 'img');
    // The table view and PNG button take their names from this label.
    this.canvas.setAttribute('aria-label', 'Comparison of the ticked saved runs');
    this.caption = element('figcaption', 'chart-caption');
    this.caption.id = id('compare-caption');
    this.canvas.setAttribute('aria-describedby', this.caption.id);
    figure.append(this.canvas, this.caption);
    return figure;
  }

  createChart(scheduler) {
    const draw = (canvas, json, ratio) =>
      this.actions.draw(this.comparison.kind)(canvas, json, ratio);
    this.chart = new ChartView(this.canvas, () => this.comparison?.chart ?? null, draw, scheduler);
    watchPixelRatio(() => this.chart.resizeToPixelRatio());
  }

  /** Shows the records of this panel's experiments out of `records`, newest first. */
  render(records) {
    this.records = records.filter((record) => this.experiments.has(record.experiment));
    const ids = new Set(this.records.map((record) => record.id));
    this.picked = new Set([...this.picked].filter((key) => ids.has(key)));
    this.body.replaceChildren(...this.records.map((record) => this.row(record)));
    this.empty.hidden = this.records.length > 0;
    this.table.hidden = this.records.length === 0;
    this.deleteAllButton.disabled = this.records.every((record) => record.live || record.elsewhere);
    const interrupted = this.records.filter((record) => record.status === 'interrupted').length;
    const counts = [String(this.records.length)];
    if (interrupted > 0) {
      counts.push(`${interrupted} interrupted`);
    }
    this.summary.textContent = `Saved runs (${counts.join(', ')})`;
    this.renderCompareButton();
    // A reopen refused while a run trained stops being true once no run of the panel trains.
    if (this.reopenFailed && !this.records.some((record) => record.live)) {
      this.say('');
      this.reopenFailed = false;
    }
  }

  row(record) {
    const adapter = this.experiments.get(record.experiment);
    const active = record.live || record.elsewhere;
    const row = document.createElement('tr');
    row.dataset.runId = record.id;
    row.dataset.experiment = record.experiment;
    row.dataset.status = active ? 'running' : record.status;
    const name = `${adapter.title} run of ${formatStarted(record)}`;

    const pick = element('input');
    pick.type = 'checkbox';
    pick.checked = this.picked.has(record.id);
    pick.disabled = active;
    pick.setAttribute('aria-label', `Compare the ${name}`);
    pick.addEventListener('change', () => {
      if (pick.checked) {
        this.picked.add(record.id);
      } else {
        this.picked.delete(record.id);
      }
      this.renderCompareButton();
    });

    const result = element('td', 'saved-runs-result', adapter.keyFigure(record));
    if (record.reduced) {
      result.title = record.reduced;
    }
    const seed = record.config.seed;
    const cells = [
      element('td', 'saved-runs-pick'),
      element('td', '', adapter.title),
      element('td', 'saved-runs-started', formatStarted(record)),
      element('td', 'saved-runs-status', statusText(record)),
      result,
      element('td', 'number', seed === undefined ? '–' : String(seed)),
      element('td', 'saved-runs-actions'),
    ];
    // Narrow screens show each row as a block with these labels (saved-runs.css).
    const labels = [null, null, 'Started', 'Status', 'Result', 'Seed', null];
    cells.forEach((cell, index) => {
      if (labels[index]) {
        cell.dataset.label = labels[index];
      }
    });
    cells[0].append(pick);
    cells[3].dataset.status = row.dataset.status;
    const reopen = button('Reopen');
    reopen.disabled = active;
    reopen.setAttribute('aria-label', `Reopen the ${name}`);
    reopen.addEventListener('click', () => this.reopen(record));
    const remove = button('Delete');
    remove.disabled = active;
    remove.setAttribute('aria-label', `Delete the ${name}`);
    remove.addEventListener('click', () => this.remove([record.id], 'The run was deleted.'));
    cells[6].append(reopen, remove);
    row.append(...cells);
    return row;
  }

  renderCompareButton() {
    this.compareButton.disabled = this.picked.size < 2;
  }

  say(text) {
    this.message.textContent = text;
  }

  reopen(record) {
    try {
      this.actions.reopen(record);
      this.say('');
      this.reopenFailed = false;
    } catch (error) {
      this.say(`This run cannot be reopened: ${error.message}.`);
      this.reopenFailed = true;
    }
  }

  async remove(keys, doneText) {
    try {
      await this.actions.remove(keys);
      this.say(doneText);
    } catch (error) {
      console.error(error);
      this.say(`Deleting failed: ${error.message}.`);
    }
  }

  deleteAll() {
    const keys = this.records
      .filter((record) => !record.live && !record.elsewhere)
      .map((record) => record.id);
    const noun = keys.length === 1 ? 'run' : 'runs';
    if (keys.length === 0 || !window.confirm(`Delete ${keys.length} saved ${noun} of this tab?`)) {
      return;
    }
    this.remove(keys, `${keys.length} saved ${noun} deleted.`);
  }

  /** Draws the ticked runs on one chart, if they belong to one experiment. */
  compare() {
    const picked = this.records.filter((record) => this.picked.has(record.id));
    const kinds = new Set(picked.map((record) => record.experiment));
    if (kinds.size > 1) {
      this.say('Tick runs of one experiment only: each experiment has its own comparison chart.');
      return;
    }
    const adapter = this.experiments.get(picked[0].experiment);
    // Oldest first, so the letters and colours follow the order the runs were made in.
    const ordered = picked
      .toSorted((a, b) => a.startedAt - b.startedAt)
      .map((record, index) => ({ ...record, letter: letterOf(index) }));
    const comparison = adapter.comparison(ordered);
    const lines = comparison.chart.series.length;
    if (lines > MAX_COMPARED_LINES) {
      this.say(
        `These ${ordered.length} runs draw ${lines} lines, but the chart's legend lists at most ` +
          `${MAX_COMPARED_LINES}. Tick fewer runs.`,
      );
      return;
    }
    this.comparison = comparison;
    const names = this.comparison.chart.series.map((series) => series.name);
    this.canvas.dataset.seriesNames = JSON.stringify(names);
    this.canvas.setAttribute('aria-label', this.comparison.chart.title);
    const legend = ordered.map((record) => {
      const seed = record.config.seed === undefined ? '' : `, seed ${record.config.seed}`;
      return `${record.letter}: started ${formatStarted(record)}${seed}`;
    });
    this.caption.textContent =
      `Compared: ${ordered.length} ${adapter.title} runs. ${legend.join('. ')}.`;
    this.figure.hidden = false;
    this.chart.invalidate();
    this.say('');
    this.figure.scrollIntoView({ block: 'nearest' });
  }
}
