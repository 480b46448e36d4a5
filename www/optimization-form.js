// The settings forms of the optimization experiments. Each form gets one field per setting in
// its experiment's defaults (optimizationCatalog), so a setting added to the defaults shows up
// on the page.

import { FieldMessages, addOptions, readDomain, readNumberFields } from './form.js';

// Labels of the known settings, by config key. `choice` settings get a select, two grid columns
// wide when 'wide', `pair` the two domain inputs, and the rest a text input for a number with
// the given inputMode.
const FIELD_SPECS = {
  function: { label: 'Target function', choice: 'wide' },
  domain: { label: 'Domain [low, high]', pair: true },
  model: { label: 'Model', choice: 'wide' },
  runs: { label: 'Runs', inputMode: 'numeric' },
  points: { label: 'Sample points', inputMode: 'numeric' },
  epochs: { label: 'Epochs', inputMode: 'numeric' },
  batch_size: { label: 'Batch size (0 = full batch)', inputMode: 'numeric' },
  learning_rate: { label: 'Learning rate', inputMode: 'decimal' },
  train_size: { label: 'Training digits (0 = all)', inputMode: 'numeric' },
  alphas: { label: 'Interpolation points', inputMode: 'numeric' },
  record_every: { label: 'Record every (epochs)', inputMode: 'numeric' },
  threshold: { label: 'Gradient norm threshold', inputMode: 'decimal' },
  search_steps: { label: 'Search steps (maximum)', inputMode: 'numeric' },
  engine: { label: 'Engine', choice: true },
  seed: { label: 'Seed', inputMode: 'numeric' },
};

// The catalog's defaults come with their keys sorted by name, so the form takes this order and
// puts unknown settings last.
const FIELD_ORDER = Object.keys(FIELD_SPECS);

function dashed(key) {
  return key.replaceAll('_', '-');
}

function textInput(id, inputMode, describedBy) {
  const input = document.createElement('input');
  Object.assign(input, { id, name: id, type: 'text', autocomplete: 'off', spellcheck: false });
  input.inputMode = inputMode;
  input.setAttribute('aria-describedby', describedBy);
  return input;
}

function labelFor(id, text, className) {
  const label = document.createElement('label');
  label.htmlFor = id;
  label.textContent = text;
  if (className) {
    label.className = className;
  }
  return label;
}

/** Builds the two inputs of a domain, labelled together by the field's label. */
function domainControls(prefix, label, describedBy) {
  const heading = document.createElement('span');
  heading.className = 'field-label';
  heading.id = `${prefix}-domain-label`;
  heading.textContent = label;
  const pair = document.createElement('div');
  pair.className = 'pair';
  pair.setAttribute('role', 'group');
  pair.setAttribute('aria-labelledby', heading.id);
  const to = document.createElement('span');
  to.setAttribute('aria-hidden', 'true');
  to.textContent = 'to';
  pair.append(
    labelFor(`${prefix}-domain-low`, 'Domain low', 'visually-hidden'),
    textInput(`${prefix}-domain-low`, 'decimal', describedBy),
    to,
    labelFor(`${prefix}-domain-high`, 'Domain high', 'visually-hidden'),
    textInput(`${prefix}-domain-high`, 'decimal', describedBy),
  );
  return [heading, pair];
}

/** Builds the field of setting `key`: its label, control, optional hint and error message. */
function buildField(prefix, key, spec, hint) {
  const field = document.createElement('div');
  field.className = spec.pair || spec.choice === 'wide' ? 'field field-wide' : 'field';
  const id = `${prefix}-${dashed(key)}`;
  const error = document.createElement('p');
  error.id = `${id}-error`;
  error.className = 'field-error';
  error.dataset.testid = `${prefix}-error-${key}`;
  const describedBy = [error.id];
  const hintElement = hint ? document.createElement('p') : null;
  if (hintElement) {
    hintElement.id = `${id}-hint`;
    hintElement.className = 'field-hint';
    hintElement.textContent = hint;
    describedBy.unshift(hintElement.id);
  }
  if (spec.pair) {
    field.append(...domainControls(prefix, spec.label, describedBy.join(' ')));
  } else if (spec.choice) {
    const select = document.createElement('select');
    Object.assign(select, { id, name: id });
    select.setAttribute('aria-describedby', describedBy.join(' '));
    field.append(labelFor(id, spec.label), select);
  } else {
    field.append(labelFor(id, spec.label), textInput(id, spec.inputMode, describedBy.join(' ')));
  }
  field.append(...[hintElement, error].filter(Boolean));
  return field;
}

/** Returns the setting keys of `defaults` in the form's order. */
function orderedKeys(defaults) {
  const keys = Object.keys(defaults);
  const known = FIELD_ORDER.filter((key) => keys.includes(key));
  return [...known, ...keys.filter((key) => !FIELD_ORDER.includes(key))];
}

/** The settings form of one optimization experiment. */
export class OptimizationForm {
  /**
   * Builds one field per setting of `defaults` in the form's `.fields` element and fills in
   * the defaults. Element ids start with `prefix`: `<prefix>-<key>` with dashes for
   * underscores, and `<prefix>-<key>-error` for the messages. `choices` maps each select's
   * key to its `{value, text}` options, `targets` (fitCatalog's) gives each function's
   * default domain, `hints` maps keys to help text shown under their fields, and `labels`
   * maps keys to labels that replace the usual ones.
   */
  constructor(form, prefix, { defaults, choices, targets, hints = {}, labels = {} }) {
    this.form = form;
    this.prefix = prefix;
    this.defaults = defaults;
    this.targets = targets;
    this.input = (id) => form.querySelector(`#${id}`);
    this.keys = orderedKeys(defaults);
    const container = form.querySelector('.fields');
    const inputIdsByKey = {};
    this.numberFields = [];
    this.choiceKeys = [];
    for (const key of this.keys) {
      const known = FIELD_SPECS[key] ?? { label: key, inputMode: 'decimal' };
      const spec = { ...known, label: labels[key] ?? known.label };
      container.append(buildField(prefix, key, spec, hints[key]));
      const id = `${prefix}-${dashed(key)}`;
      if (spec.pair) {
        inputIdsByKey[key] = [`${id}-low`, `${id}-high`];
      } else if (spec.choice) {
        addOptions(this.input(id), choices[key] ?? []);
        this.choiceKeys.push(key);
        inputIdsByKey[key] = [id];
      } else {
        this.numberFields.push({ key, inputId: id, sample: String(defaults[key]) });
        inputIdsByKey[key] = [id];
      }
    }
    this.inputIdsByKey = inputIdsByKey;
    this.fill(defaults);
    const errorIdOf = (key) => `${prefix}-${dashed(key)}-error`;
    this.messages = new FieldMessages(form, inputIdsByKey, errorIdOf);
    this.input(`${prefix}-function`)?.addEventListener('change', () => this.resetDomain());
  }

  fill(defaults) {
    for (const key of this.choiceKeys) {
      this.input(`${this.prefix}-${dashed(key)}`).value = defaults[key];
    }
    for (const field of this.numberFields) {
      this.input(field.inputId).value = String(defaults[field.key]);
    }
    if (defaults.domain) {
      this.setDomain(defaults.domain);
    }
  }

  setDomain([low, high]) {
    this.input(`${this.prefix}-domain-low`).value = String(low);
    this.input(`${this.prefix}-domain-high`).value = String(high);
  }

  /** Puts the selected target's default domain into the domain fields. */
  resetDomain() {
    const name = this.input(`${this.prefix}-function`).value;
    const target = this.targets.find((entry) => entry.name === name);
    if (target && this.keys.includes('domain')) {
      this.setDomain(target.domain);
      this.messages.showFieldErrors('domain', []);
    }
  }

  /**
   * Reads the form into a config object and returns it with the fields whose text does not
   * parse as a number, which stay out of the config.
   */
  read() {
    const config = {};
    const errors = [];
    for (const key of this.choiceKeys) {
      config[key] = this.input(`${this.prefix}-${dashed(key)}`).value;
    }
    readNumberFields(this.input, this.numberFields, config, errors);
    if (this.keys.includes('domain')) {
      const low = this.input(`${this.prefix}-domain-low`).value;
      const high = this.input(`${this.prefix}-domain-high`).value;
      readDomain(low, high, config, errors);
    }
    return { config, errors };
  }

  /** Shows every error beside its field and focuses the first invalid control. */
  showErrors(errors) {
    this.messages.showErrors(errors);
  }
}
