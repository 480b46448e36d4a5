// Details of the point under the pointer on a scatter chart. drawScatterChart returns where it
// drew every point; the point nearest the pointer, within MAX_DISTANCE_PX, shows its details.

const MAX_DISTANCE_PX = 10;
// Gap between the pointer and the tooltip, in CSS pixels.
const OFFSET_PX = 12;

export class PointTooltip {
  /**
   * Adds a tooltip element after `canvas`, whose parent must be positioned (CSS position
   * relative). `onPick(series, index)`, when given, runs when a point is clicked.
   */
  constructor(canvas, testId, { onPick = null } = {}) {
    this.canvas = canvas;
    this.element = document.createElement('div');
    this.element.className = 'chart-tooltip';
    this.element.dataset.testid = testId;
    this.element.hidden = true;
    canvas.after(this.element);
    this.positions = [];
    this.describe = null;
    this.pointer = null;
    canvas.addEventListener('pointermove', (event) => {
      this.pointer = this.pointerOf(event);
      this.update();
    });
    // A touch sends no pointermove before it lifts, so a tap shows the tapped point's details.
    canvas.addEventListener('pointerdown', (event) => {
      if (event.pointerType === 'touch') {
        this.pointer = this.pointerOf(event);
        this.update();
      }
    });
    // A touch also leaves the canvas as it lifts, and its tooltip stays until the next tap.
    canvas.addEventListener('pointerleave', (event) => {
      if (event.pointerType !== 'touch') {
        this.pointer = null;
        this.update();
      }
    });
    if (onPick) {
      canvas.addEventListener('click', (event) => {
        const point = this.nearest(this.pointerOf(event));
        if (point) {
          onPick(point.series, point.index);
        }
      });
    }
  }

  /**
   * Takes the positions drawScatterChart returned (per series, `[x, y]` in CSS pixels or
   * null) and `describe(series, index)`, which returns a point's details as text.
   */
  setPoints(positions, describe) {
    this.positions = positions ?? [];
    this.describe = describe;
    this.canvas.dataset.pointPositions = JSON.stringify(this.positions);
    this.update();
  }

  pointerOf(event) {
    const box = this.canvas.getBoundingClientRect();
    return { x: event.clientX - box.left, y: event.clientY - box.top };
  }

  /** Returns the point nearest `pointer` within MAX_DISTANCE_PX, or null. */
  nearest(pointer) {
    let best = null;
    let bestDistance = MAX_DISTANCE_PX ** 2;
    this.positions.forEach((points, series) => {
      points.forEach((position, index) => {
        if (!position) {
          return;
        }
        const distance = (position[0] - pointer.x) ** 2 + (position[1] - pointer.y) ** 2;
        if (distance <= bestDistance) {
          best = { series, index, position };
          bestDistance = distance;
        }
      });
    });
    return best;
  }

  update() {
    const point = this.pointer && this.describe ? this.nearest(this.pointer) : null;
    this.canvas.classList.toggle('on-point', point !== null);
    if (!point) {
      this.element.hidden = true;
      return;
    }
    this.element.textContent = this.describe(point.series, point.index);
    this.element.hidden = false;
    this.place(point.position);
  }

  /** Puts the tooltip beside the point, flipped to the other side near the right or bottom. */
  place([x, y]) {
    const left = this.canvas.offsetLeft + x;
    const top = this.canvas.offsetTop + y;
    const width = this.element.offsetWidth;
    const height = this.element.offsetHeight;
    const parent = this.element.offsetParent ?? this.canvas.parentElement;
    const fitsRight = left + OFFSET_PX + width <= parent.clientWidth;
    const fitsBelow = top + OFFSET_PX + height <= parent.clientHeight;
    this.element.style.left = `${fitsRight ? left + OFFSET_PX : left - OFFSET_PX - width}px`;
    this.element.style.top = `${fitsBelow ? top + OFFSET_PX : top - OFFSET_PX - height}px`;
  }
}
