// Keeps the open tab and the settings of every experiment form in the URL fragment
// (url-hash.js), and restores them from it. Every value from a URL goes into its form field as
// text and is checked by the same validation as a typed value: the form's own parsing and the
// wasm module's validate function. A rejected value is reported and the field keeps its
// default. Nothing from the URL is ever parsed as HTML.

import {
  AUTOSTART_KEY,
  MAX_PARAMETERS,
  MAX_QUERY_LENGTH,
  SECTION_KEY,
  TABS,
  formatHash,
  parameterKey,
  parseHash,
} from './url-hash.js';

// How often and how long autostart waits for the Train button to be enabled, for example while
// the MNIST digits load.
const AUTOSTART_POLL_MS = 100;
const AUTOSTART_TIMEOUT_MS = 60_000;

/** Reads and writes the fields of one settings form by their config keys. */
export class FormBinding {
  /**
   * `form` is a SettingsForm, MnistSettingsForm or OptimizationForm. `check()` returns
   * `{problems}` as the pages' settingsProblems() do, `onApplied()` runs after settings from a
   * URL were put into the form, and `running()` returns true while the form's run trains.
   */
  constructor(form, check, onApplied = () => {}, running = () => false) {
    this.element = form.form;
    this.defaults = form.defaults;
    this.targets = form.targets;
    const entries = Object.entries(form.inputIdsByKey);
    this.controls = new Map(
      entries.map(([key, ids]) => [key, ids.map((id) => this.element.querySelector(`#${id}`))]),
    );
    // Choices come first, so that the domain's default follows the chosen function.
    const keys = [...this.controls.keys()];
    const choices = keys.filter((key) => this.isChoice(key));
    this.keys = [...choices, ...keys.filter((key) => !choices.includes(key))];
    this.check = check;
    this.onApplied = onApplied;
    this.running = running;
  }

  /** Returns the texts of every control, joined, to detect whether applying a URL changed any. */
  texts() {
    const inputs = [...this.controls.values()].flat();
    return inputs.map((input) => input.value).join('\n');
  }

  isChoice(key) {
    return this.controls.get(key)[0].tagName === 'SELECT';
  }

  options(key) {
    return [...this.controls.get(key)[0].options].map((option) => option.value);
  }

  /** Returns the field's text; a pair such as the domain is its two texts joined by a comma. */
  text(key) {
    return this.controls
      .get(key)
      .map((control) => control.value)
      .join(',');
  }

  /** Returns the text the form starts with; the domain's follows the chosen function. */
  defaultText(key) {
    if (key === 'domain') {
      const name = this.controls.get('function')?.[0].value;
      const target = this.targets.find((entry) => entry.name === name);
      return (target?.domain ?? this.defaults.domain).join(',');
    }
    return String(this.defaults[key]);
  }

  /** Puts `text` into the field; a pair's text is split at its first comma. */
  set(key, text) {
    const controls = this.controls.get(key);
    if (controls.length === 1) {
      controls[0].value = text;
      return;
    }
    const comma = text.indexOf(',');
    controls[0].value = comma < 0 ? text : text.slice(0, comma);
    controls[1].value = comma < 0 ? '' : text.slice(comma + 1);
  }

  /** Returns `[key, text]` of every field whose text differs from its default. */
  changedFields() {
    return this.keys
      .filter((key) => this.text(key) !== this.defaultText(key))
      .map((key) => [key, this.text(key)]);
  }

  /**
   * Fills the form from `values` (a Map from config key to text) and the defaults, then
   * replaces each value the validation rejects by its default. Pushes one 'invalid' entry per
   * replaced value onto `notices`, naming it as `section`.`key`.
   */
  apply(values, section, notices) {
    const fromUrl = new Set();
    for (const key of this.keys) {
      const value = values.get(key);
      if (value !== undefined && this.isChoice(key) && !this.options(key).includes(value)) {
        const reason = `It is not one of ${this.options(key).join(', ')}.`;
        this.set(key, this.defaultText(key));
        notices.push(this.invalid(section, key, value, reason));
      } else if (value !== undefined) {
        this.set(key, value);
        fromUrl.add(key);
      } else {
        this.set(key, this.defaultText(key));
      }
    }
    this.repair(values, section, fromUrl, notices);
    this.onApplied();
  }

  /**
   * Validates the form and puts back the default of every value from the URL that a problem
   * names, until no problem is left. A problem that names only fields at their defaults, such
   * as a default batch size above the points a link asked for, puts back every value from the
   * URL, since the link's combination is what fails.
   */
  repair(values, section, fromUrl, notices) {
    for (let round = 0; round <= this.keys.length; round += 1) {
      const { problems } = this.check();
      if (problems.length === 0) {
        return;
      }
      const named = [...new Set(problems.map((problem) => problem.field))];
      const culprits = named.filter((key) => fromUrl.has(key));
      const together = culprits.length === 0;
      for (const key of together ? [...fromUrl] : culprits) {
        const own = together ? problems : problems.filter((problem) => problem.field === key);
        const reason = own
          .map((problem) =>
            problem.field === key ? problem.message : `${problem.field}: ${problem.message}`,
          )
          .join(' ');
        fromUrl.delete(key);
        this.set(key, this.defaultText(key));
        if (key === 'function' && this.controls.has('domain') && !fromUrl.has('domain')) {
          this.set('domain', this.defaultText('domain'));
        }
        notices.push(this.invalid(section, key, values.get(key), reason));
      }
      if (fromUrl.size === 0 && together) {
        return;
      }
    }
  }

  invalid(section, key, value, reason) {
    const parameter = parameterKey(section, key);
    return { kind: 'invalid', parameter, value, reason, replacement: this.text(key) };
  }
}

/**
 * Tracks the settings forms of `page`, the page of `tab`: its one form, or the form of each of
 * its sections.
 */
export function bindPage(urlState, tab, page) {
  if (page.sections) {
    for (const [name, section] of page.sections) {
      const binding = new FormBinding(
        section.form,
        () => section.settingsProblems(),
        undefined,
        () => section.isActive(section.run),
      );
      urlState.register(tab, name, binding);
    }
    return;
  }
  const binding = new FormBinding(
    page.form,
    () => page.settingsProblems(),
    () => page.previewTarget?.(),
    () => page.isActive(page.run),
  );
  urlState.register(tab, '', binding);
}

/** Describes the keys a tab accepts, for the notice about an unknown key. */
function knownKeysHint(tab, bindings, section) {
  const sections = TABS[tab].sections;
  if (sections.length === 0) {
    const keys = [...(bindings.get('')?.keys ?? [])];
    return `The known parameters are ${[...keys, AUTOSTART_KEY].join(', ')}.`;
  }
  const binding = bindings.get(section);
  if (binding) {
    const keys = binding.keys.map((key) => parameterKey(section, key));
    return `The settings of ${section} are ${keys.join(', ')}.`;
  }
  return (
    `The known parameters are ${SECTION_KEY}, ${AUTOSTART_KEY} and <section>.<setting>, ` +
    `where the section is ${sections.join(', ')}.`
  );
}

export class UrlState {
  /**
   * `notice` is a UrlNotice. `selectTab(name)` opens a tab. With `writes` false the URL is
   * only read, as in embed.html, whose settings cannot be edited.
   */
  constructor(notice, { selectTab = () => {}, writes = true } = {}) {
    this.notice = notice;
    this.selectTab = selectTab;
    this.writes = writes;
    this.tab = 'fit';
    // Per tab, a Map from section ('' for tabs without sections) to its FormBinding.
    this.bindings = new Map(Object.keys(TABS).map((tab) => [tab, new Map()]));
    // Per tab, the section that links and embed code point at.
    this.sections = new Map(
      Object.entries(TABS).map(([tab, { sections }]) => [tab, sections[0] ?? '']),
    );
    this.onSectionChange = () => {};
  }

  /** Tracks `binding`'s form, the form of `section` ('' for none) of `tab`. */
  register(tab, section, binding) {
    this.bindings.get(tab).set(section, binding);
    const edited = () => {
      if (section) {
        this.setSection(tab, section);
      }
      this.write();
    };
    binding.element.addEventListener('input', edited);
    binding.element.addEventListener('change', edited);
  }

  /** Records the open tab; a switch by the user goes into the URL. */
  tabSelected(tab, user) {
    this.tab = tab;
    if (user) {
      this.write();
    }
  }

  section(tab = this.tab) {
    return this.sections.get(tab);
  }

  /** Points links and embed code at `section` of `tab`. */
  setSection(tab, section) {
    if (this.sections.get(tab) !== section) {
      this.sections.set(tab, section);
      this.onSectionChange(tab, section);
    }
  }

  /**
   * Returns the fragment of `tab` with its section and every setting that is not a default.
   * With `sectionOnly`, only the settings of the tab's current section go in, as embed.html
   * shows that section alone.
   */
  hash(tab = this.tab, { sectionOnly = false } = {}) {
    const pairs = [];
    const sections = TABS[tab].sections;
    const section = this.sections.get(tab);
    if (sections.length > 0 && section !== sections[0]) {
      pairs.push([SECTION_KEY, section]);
    }
    for (const [name, binding] of this.bindings.get(tab)) {
      if (sectionOnly && name !== section) {
        continue;
      }
      for (const [key, text] of binding.changedFields()) {
        pairs.push([parameterKey(name, key), text]);
      }
    }
    return formatHash(tab, pairs);
  }

  /** Replaces the URL's fragment with the current state, without a new history entry. */
  write() {
    const hash = this.hash();
    if (this.writes && window.location.hash !== hash) {
      history.replaceState(history.state, '', hash);
    }
  }

  /**
   * Opens the tab that `hash` names, fills its forms from the parameters and reports every
   * problem in the notice. Returns `{tab, section, autostart, notices}`.
   */
  apply(hash) {
    const parsed = parseHash(hash);
    const notices = parsed.problems.map((problem) => ({
      ...problem,
      limit: problem.kind === 'too-long' ? MAX_QUERY_LENGTH : MAX_PARAMETERS,
    }));
    let tab = parsed.tab;
    let parameters = parsed.parameters;
    if (!Object.hasOwn(TABS, tab)) {
      if (tab !== '' || parameters.length > 0) {
        notices.push({ kind: 'unknown-tab', value: tab, replacement: TABS.fit.title });
      }
      tab = 'fit';
      parameters = [];
    }
    this.tab = tab;
    this.selectTab(tab);
    const { values, section, autostart } = this.sortParameters(tab, parameters, notices);
    this.sections.set(tab, section);
    this.onSectionChange(tab, section);
    for (const [name, binding] of this.bindings.get(tab)) {
      const before = binding.texts();
      binding.apply(values.get(name) ?? new Map(), name, notices);
      if (binding.running() && binding.texts() !== before) {
        notices.push({ kind: 'changed-during-run', section: name });
        // The next Train submits the form and starts a run with the new settings.
        const done = () => this.notice.remove('changed-during-run');
        binding.element.addEventListener('submit', done, { once: true });
      }
    }
    // A note that the link changed a training form is not a problem with the link.
    const problems = notices.filter((entry) => entry.kind !== 'changed-during-run');
    if (autostart && problems.length > 0) {
      notices.push({ kind: 'autostart-skipped' });
    }
    this.notice.show(notices);
    this.write();
    return { tab, section, autostart: autostart && problems.length === 0, notices };
  }

  /**
   * Sorts the parameters of `tab` into settings by section and the section and autostart
   * keys. Pushes a notice for each repeated, unknown or invalid key.
   */
  sortParameters(tab, parameters, notices) {
    const sections = TABS[tab].sections;
    const bindings = this.bindings.get(tab);
    const values = new Map();
    let section = sections[0] ?? '';
    let autostart = false;
    const counts = new Map();
    for (const { key } of parameters) {
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    for (const [key, count] of counts) {
      if (count > 1) {
        notices.push({ kind: 'repeated', parameter: key, count });
      }
    }
    const seen = new Set();
    for (const { key, value } of parameters) {
      if (seen.has(key)) {
        continue;
      }
      seen.add(key);
      if (key === AUTOSTART_KEY) {
        autostart = this.readAutostart(value, notices);
      } else if (key === SECTION_KEY && sections.length > 0) {
        section = this.readSection(sections, value, notices) ?? section;
      } else {
        this.sortSetting(tab, bindings, key, value, values, notices);
      }
    }
    return { values, section, autostart };
  }

  sortSetting(tab, bindings, key, value, values, notices) {
    // Keys of a tab with sections are <section>.<setting>; the others are the setting alone.
    let name = '';
    let setting = key;
    if (TABS[tab].sections.length > 0) {
      const dot = key.indexOf('.');
      name = dot > 0 ? key.slice(0, dot) : '';
      setting = dot > 0 ? key.slice(dot + 1) : null;
    }
    if (name !== '' && TABS[tab].sections.includes(name) && !bindings.has(name)) {
      // A section that this page does not show, such as another section in embed.html.
      return;
    }
    const binding = bindings.get(name);
    if (setting === null || !binding || !binding.keys.includes(setting)) {
      notices.push({ kind: 'unknown', parameter: key, hint: knownKeysHint(tab, bindings, name) });
      return;
    }
    if (!values.has(name)) {
      values.set(name, new Map());
    }
    values.get(name).set(setting, value);
  }

  readAutostart(value, notices) {
    if (value === '1' || value === '0') {
      return value === '1';
    }
    const reason = 'Use 1 to start training when the page has loaded, or 0.';
    notices.push({ kind: 'invalid', parameter: AUTOSTART_KEY, value, reason, replacement: '0' });
    return false;
  }

  readSection(sections, value, notices) {
    if (sections.includes(value)) {
      return value;
    }
    const reason = `It is not one of ${sections.join(', ')}.`;
    const replacement = sections[0];
    notices.push({ kind: 'invalid', parameter: SECTION_KEY, value, reason, replacement });
    return null;
  }

  /**
   * Presses Train of `section` of `tab` once its button is enabled, for example after the
   * digits loaded. Gives up after AUTOSTART_TIMEOUT_MS.
   */
  startWhenReady(tab, section) {
    const binding = this.bindings.get(tab).get(section);
    const button = binding?.element.querySelector('button[type="submit"]');
    if (!button) {
      return;
    }
    const started = performance.now();
    const attempt = () => {
      if (!button.disabled) {
        binding.element.requestSubmit(button);
      } else if (performance.now() - started < AUTOSTART_TIMEOUT_MS) {
        setTimeout(attempt, AUTOSTART_POLL_MS);
      }
    };
    attempt();
  }
}
