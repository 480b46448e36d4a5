// The controls under every chart canvas: a table view of the charted numbers in a <details>
// element, filled when opened and refreshed while open at most once a second, and a PNG
// button. The canvas's aria-label is kept as a summary of what was last drawn.

import { chartTable, describeChart, tableNumber } from './chart-text.js';
import { savePng } from './export.js';
import { formatInteger } from './results.js';

// An open table view is rebuilt at most this often while its chart keeps changing.
const TABLE_REFRESH_MS = 1000;

/** Returns whether `chart` has any data point besides reference curves such as the target. */
function hasData(chart) {
  if (!chart) {
    return false;
  }
  if (chart.groups) {
    return chart.groups.some((group) => group.values.length > 0);
  }
  const series = [...(chart.series ?? []), ...(chart.secondary?.series ?? [])];
  return series.some((entry) => !entry.reference && entry.points.length > 0);
}

function hiddenText(text) {
  const span = document.createElement('span');
  span.className = 'visually-hidden';
  span.textContent = text;
  return span;
}

/** Says how many of the chart's points the table lists. */
function captionText(description, table) {
  const { rows, total, stride } = table;
  if (stride === 1) {
    return `${description}: all ${formatInteger(total)} points.`;
  }
  return (
    `${description}: ${formatInteger(rows.length)} of ${formatInteger(total)} points, one in ` +
    `every ${formatInteger(stride)} of each series and its last.`
  );
}

export class ChartTools {
  /**
   * Adds the table view and the PNG button after `canvas`. `name` makes the PNG's file name,
   * `<name>.png`. The canvas's aria-label at this point describes the chart in words and
   * labels the controls.
   */
  constructor(canvas, name) {
    this.canvas = canvas;
    this.filename = `${name}.png`;
    this.description = canvas.getAttribute('aria-label') ?? name;
    this.chart = null;
    this.filledAt = -Infinity;
    this.fillTimer = null;
    this.build();
    this.setText(null);
  }

  build() {
    const bar = document.createElement('div');
    bar.className = 'chart-tools';
    this.details = document.createElement('details');
    this.details.className = 'chart-table';
    const summary = document.createElement('summary');
    summary.append('Table', hiddenText(` of the chart: ${this.description}`));
    const scroll = document.createElement('div');
    scroll.className = 'table-scroll';
    this.table = document.createElement('table');
    this.table.dataset.testid = `${this.canvas.id}-table`;
    scroll.append(this.table);
    this.details.append(summary, scroll);
    this.details.addEventListener('toggle', () => this.fillSoon());
    this.pngButton = document.createElement('button');
    this.pngButton.type = 'button';
    this.pngButton.className = 'secondary chart-png';
    this.pngButton.dataset.testid = `${this.canvas.id}-png`;
    this.pngButton.disabled = true;
    this.pngButton.append(hiddenText('Download '), 'PNG', hiddenText(` of ${this.description}`));
    this.pngButton.addEventListener('click', () => this.savePng());
    bar.append(this.details, this.pngButton);
    // A tooltip or caption that follows the canvas stays next to it.
    this.canvas.after(bar);
  }

  /** Takes the chart just drawn, or null when the canvas was cleared. */
  update(chart) {
    this.chart = chart;
    this.setText(chart);
    this.pngButton.disabled = !hasData(chart);
    this.fillSoon();
  }

  setText(chart) {
    const text = chart ? describeChart(chart) : `${this.description}. No data yet.`;
    this.canvas.setAttribute('aria-label', text);
  }

  async savePng() {
    try {
      await savePng(this.canvas, this.filename);
    } catch (error) {
      console.error(`Saving ${this.filename} failed: ${error.message}`);
    }
  }

  /** Fills the open table now, or once TABLE_REFRESH_MS have passed since the last fill. */
  fillSoon() {
    if (!this.details.open || this.fillTimer !== null) {
      return;
    }
    const waitMs = this.filledAt + TABLE_REFRESH_MS - performance.now();
    if (waitMs <= 0) {
      this.fill();
      return;
    }
    this.fillTimer = setTimeout(() => {
      this.fillTimer = null;
      if (this.details.open) {
        this.fill();
      }
    }, waitMs);
  }

  fill() {
    this.filledAt = performance.now();
    const caption = this.table.createCaption();
    for (const section of this.table.querySelectorAll('thead, tbody')) {
      section.remove();
    }
    if (!hasData(this.chart)) {
      caption.textContent = `${this.description}: no data yet.`;
      return;
    }
    const table = chartTable(this.chart);
    caption.textContent = captionText(this.description, table);
    const headRow = this.table.createTHead().insertRow();
    for (const column of table.columns) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = column;
      headRow.append(th);
    }
    const body = this.table.createTBody();
    for (const cells of table.rows) {
      const row = body.insertRow();
      for (const value of cells) {
        const cell = row.insertCell();
        if (typeof value === 'number' || value === null) {
          cell.className = 'number';
          cell.textContent = tableNumber(value);
        } else {
          cell.textContent = value;
        }
      }
    }
  }
}
