// The settings forms of the fitting and MNIST experiments: each fills itself from its catalog,
// reads itself into a config and shows each validation message beside its field. The
// optimization experiments build their forms from the helpers exported here
// (optimization-form.js).

// Numeric settings typed as text, with the config key, the input id and a sample value for
// the "not a number" message.
const NUMBER_FIELDS = [
  { key: 'points', inputId: 'points', sample: '1000' },
  { key: 'epochs', inputId: 'epochs', sample: '2000' },
  { key: 'batch_size', inputId: 'batch-size', sample: '0 (the full batch)' },
  { key: 'learning_rate', inputId: 'learning-rate', sample: '0.0011' },
  { key: 'seed', inputId: 'seed', sample: '1' },
];

const INPUT_IDS_BY_KEY = {
  function: ['function'],
  domain: ['domain-low', 'domain-high'],
  engine: ['engine'],
  ...Object.fromEntries(NUMBER_FIELDS.map((field) => [field.key, [field.inputId]])),
};

// A decimal number as people type it: optional sign, digits with an optional point, optional
// exponent. Number() alone would also accept "", "0x1f" and "Infinity".
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

const MAX_ECHO_LENGTH = 40;

/**
 * Parses typed text as a finite decimal number, or returns null when it is not one. Text such
 * as 1e-400, which is not 0 but rounds to 0 as a double, is not one either.
 */
export function parseDecimal(text) {
  const trimmed = text.trim();
  if (!DECIMAL.test(trimmed)) {
    return null;
  }
  const value = Number(trimmed);
  return Number.isFinite(value) && !roundsToZero(trimmed, value) ? value : null;
}

/** Returns whether decimal `text` has a non-zero digit before its exponent but `value` is 0. */
function roundsToZero(text, value) {
  return value === 0 && /[1-9]/.test(text.split(/e/i)[0]);
}

function notANumber(text, sample) {
  const echo = text.length > MAX_ECHO_LENGTH ? `${text.slice(0, MAX_ECHO_LENGTH)}…` : text;
  const quoted = echo.trim() === '' ? 'An empty field' : `"${echo}"`;
  // Called only for text parseDecimal rejected, so decimal text that is 0 rounded to it.
  const trimmed = text.trim();
  if (DECIMAL.test(trimmed) && Number(trimmed) === 0) {
    return `${quoted} is too close to 0 to compute with; enter one such as ${sample}.`;
  }
  return `${quoted} is not a finite number; enter one such as ${sample}.`;
}

/**
 * Stores the config a run started with in the form's data-run-config, as JSON, so a test or
 * a reader in devtools can compare it with the settings a link asked for.
 */
export function recordRunConfig(form, config) {
  form.dataset.runConfig = JSON.stringify(config);
}

export function addOptions(select, entries) {
  for (const { value, text } of entries) {
    const option = document.createElement('option');
    option.value = value;
    option.textContent = text;
    select.append(option);
  }
}

export class SettingsForm {
  /** Fills the form with the catalog's targets, engines and defaults. */
  constructor(form, catalog) {
    this.form = form;
    this.catalog = catalog;
    this.defaults = catalog.defaults;
    this.targets = catalog.targets;
    this.inputIdsByKey = INPUT_IDS_BY_KEY;
    this.input = (id) => form.querySelector(`#${id}`);
    const targets = catalog.targets.map((t) => ({
      value: t.name,
      text: `${t.name}: ${t.formula}`,
    }));
    addOptions(this.input('function'), targets);
    addOptions(
      this.input('engine'),
      catalog.engines.map((name) => ({ value: name, text: name })),
    );
    this.fillDefaults(catalog.defaults);
    this.messages = new FieldMessages(
      form,
      INPUT_IDS_BY_KEY,
      (key) => `${key.replaceAll('_', '-')}-error`,
    );
    this.input('function').addEventListener('change', () => this.resetDomain());
  }

  fillDefaults(defaults) {
    this.input('function').value = defaults.function;
    this.input('engine').value = defaults.engine;
    this.setDomain(defaults.domain);
    for (const field of NUMBER_FIELDS) {
      this.input(field.inputId).value = String(defaults[field.key]);
    }
  }

  setDomain([low, high]) {
    this.input('domain-low').value = String(low);
    this.input('domain-high').value = String(high);
  }

  /** Puts the selected target's default domain into the domain fields. */
  resetDomain() {
    const name = this.input('function').value;
    const target = this.catalog.targets.find((t) => t.name === name);
    if (target) {
      this.setDomain(target.domain);
      this.showFieldErrors('domain', []);
    }
  }

  /**
   * Reads the form into a config object and returns it with the fields whose text does not
   * parse as a number. Those fields are left out of the config, so the config's own
   * validation does not report them a second time.
   */
  read() {
    const config = { function: this.input('function').value, engine: this.input('engine').value };
    const errors = [];
    readNumberFields(this.input, NUMBER_FIELDS, config, errors);
    this.readDomain(config, errors);
    return { config, errors };
  }

  readDomain(config, errors) {
    readDomain(this.input('domain-low').value, this.input('domain-high').value, config, errors);
  }

  /** Shows every error beside its field and focuses the first invalid control. */
  showErrors(errors) {
    this.messages.showErrors(errors);
  }

  showFieldErrors(key, messages) {
    this.messages.showFieldErrors(key, messages);
  }
}

/**
 * Parses the typed bounds of a domain into `config.domain`, or pushes a 'domain' error for
 * each bound that is not a number.
 */
export function readDomain(lowText, highText, config, errors) {
  const low = parseDecimal(lowText);
  const high = parseDecimal(highText);
  if (low === null) {
    errors.push({ field: 'domain', message: `Low bound: ${notANumber(lowText, '-1')}` });
  }
  if (high === null) {
    errors.push({ field: 'domain', message: `High bound: ${notANumber(highText, '1')}` });
  }
  if (low !== null && high !== null) {
    config.domain = [low, high];
  }
}

/**
 * The validation messages of one form. Each config key has its inputs and one message element,
 * whose id is `errorIdOf(key)`; errors of keys without inputs go to the 'config' element.
 */
export class FieldMessages {
  constructor(form, inputIdsByKey, errorIdOf) {
    this.form = form;
    this.inputIdsByKey = inputIdsByKey;
    this.errorIdOf = errorIdOf;
    form.addEventListener('input', (event) => this.clearFieldOf(event.target));
  }

  /** Shows every error beside its field and focuses the first invalid control. */
  showErrors(errors) {
    this.clearErrors();
    const byField = Map.groupBy(errors, (error) => this.errorKey(error.field));
    for (const [key, fieldErrors] of byField) {
      const messages = fieldErrors.map((error) =>
        key === 'config' && error.field !== 'config'
          ? `${error.field}: ${error.message}`
          : error.message,
      );
      this.showFieldErrors(key, messages);
    }
    const firstInvalid = this.form.querySelector('[aria-invalid="true"]');
    firstInvalid?.focus();
  }

  errorKey(field) {
    return Object.hasOwn(this.inputIdsByKey, field) ? field : 'config';
  }

  showFieldErrors(key, messages) {
    const element = this.form.querySelector(`#${this.errorIdOf(key)}`);
    element.textContent = messages.join(' ');
    for (const id of this.inputIdsByKey[key] ?? []) {
      this.form.querySelector(`#${id}`).setAttribute('aria-invalid', String(messages.length > 0));
    }
  }

  clearErrors() {
    for (const key of [...Object.keys(this.inputIdsByKey), 'config']) {
      this.showFieldErrors(key, []);
    }
  }

  /** Clears the message of the field being edited, since it may no longer apply. */
  clearFieldOf(control) {
    const entry = Object.entries(this.inputIdsByKey).find(([, ids]) => ids.includes(control.id));
    if (entry) {
      this.showFieldErrors(entry[0], []);
    }
  }
}

/**
 * Parses the numeric `fields` of a form into `config`, and pushes an error for each field
 * whose text is not a number. Such fields stay out of the config, so the config's own
 * validation does not report them a second time.
 */
export function readNumberFields(input, fields, config, errors) {
  for (const field of fields) {
    const text = input(field.inputId).value;
    const value = parseDecimal(text);
    if (value === null) {
      errors.push({ field: field.key, message: notANumber(text, field.sample) });
    } else {
      config[field.key] = value;
    }
  }
}

// The numeric settings of the MNIST form, as NUMBER_FIELDS.
const MNIST_NUMBER_FIELDS = [
  { key: 'epochs', inputId: 'mnist-epochs', sample: '10' },
  { key: 'batch_size', inputId: 'mnist-batch-size', sample: '64' },
  { key: 'learning_rate', inputId: 'mnist-learning-rate', sample: '0.002' },
  { key: 'seed', inputId: 'mnist-seed', sample: '1' },
];

const MNIST_INPUT_IDS_BY_KEY = {
  engine: ['mnist-engine'],
  ...Object.fromEntries(MNIST_NUMBER_FIELDS.map((field) => [field.key, [field.inputId]])),
};

/** The MNIST settings: epochs, batch size, learning rate, engine and seed. */
export class MnistSettingsForm {
  /** Fills the form with the catalog's engines and defaults. */
  constructor(form, catalog) {
    this.form = form;
    this.defaults = catalog.defaults;
    this.targets = [];
    this.inputIdsByKey = MNIST_INPUT_IDS_BY_KEY;
    this.input = (id) => form.querySelector(`#${id}`);
    addOptions(
      this.input('mnist-engine'),
      catalog.engines.map((name) => ({ value: name, text: name })),
    );
    this.input('mnist-engine').value = catalog.defaults.engine;
    for (const field of MNIST_NUMBER_FIELDS) {
      this.input(field.inputId).value = String(catalog.defaults[field.key]);
    }
    this.messages = new FieldMessages(
      form,
      MNIST_INPUT_IDS_BY_KEY,
      (key) => `mnist-${key.replaceAll('_', '-')}-error`,
    );
  }

  /** Reads the form into a config and returns it with the fields that are not numbers. */
  read() {
    const config = { engine: this.input('mnist-engine').value };
    const errors = [];
    readNumberFields(this.input, MNIST_NUMBER_FIELDS, config, errors);
    return { config, errors };
  }

  /** Shows every error beside its field and focuses the first invalid control. */
  showErrors(errors) {
    this.messages.showErrors(errors);
  }
}
