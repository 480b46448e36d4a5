// The experiment switch: a tab list whose tabs show one panel each, following the WAI-ARIA tabs
// pattern with automatic activation. Arrow keys, Home and End move between tabs. The URL
// fragment starts with the open experiment's name (#fit, #mnist, #optimization or
// #generalization, then the settings as url-hash.js describes them), so a link or a reload
// opens it again.

import { parseHash } from './url-hash.js';

export class ExperimentTabs {
  /**
   * Wires the role="tab" buttons of `tablist`. `onSelect(name, {user})` runs after each
   * switch, with `user` true for a switch by the user, which the URL should follow.
   */
  constructor(tablist, onSelect) {
    this.tabs = [...tablist.querySelectorAll('[role="tab"]')];
    this.onSelect = onSelect;
    for (const tab of this.tabs) {
      tab.addEventListener('click', () => this.select(tab.dataset.experiment, { user: true }));
    }
    tablist.addEventListener('keydown', (event) => this.handleKey(event));
    window.addEventListener('hashchange', () => this.selectFromHash());
  }

  /** Opens the experiment named by the URL fragment, or the first one. */
  selectFromHash() {
    const name = parseHash(window.location.hash).tab;
    const known = this.tabs.some((tab) => tab.dataset.experiment === name);
    this.select(known ? name : this.tabs[0].dataset.experiment);
  }

  /** Shows experiment `name`. `user` is passed to onSelect: true when the user switched. */
  select(name, { focus = false, user = false } = {}) {
    for (const tab of this.tabs) {
      const selected = tab.dataset.experiment === name;
      tab.setAttribute('aria-selected', String(selected));
      tab.tabIndex = selected ? 0 : -1;
      document.getElementById(tab.getAttribute('aria-controls')).hidden = !selected;
      if (selected && focus) {
        tab.focus();
      }
    }
    this.onSelect(name, { user });
  }

  handleKey(event) {
    const current = this.tabs.indexOf(document.activeElement);
    if (current < 0) {
      return;
    }
    const last = this.tabs.length - 1;
    const targets = {
      ArrowRight: current === last ? 0 : current + 1,
      ArrowLeft: current === 0 ? last : current - 1,
      Home: 0,
      End: last,
    };
    if (!Object.hasOwn(targets, event.key)) {
      return;
    }
    event.preventDefault();
    this.select(this.tabs[targets[event.key]].dataset.experiment, { focus: true, user: true });
  }
}
