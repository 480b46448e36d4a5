// Checks of saved-run records read back from IndexedDB. A record may come from an older page or
// have been changed by hand in devtools, so every field is checked for its type and size before
// the page uses it. A schema is a function that returns true when a value fits it.

/** Returns whether `value` is a finite number. */
export function finite(value) {
  return typeof value === 'number' && Number.isFinite(value);
}

/** Returns whether `value` is a finite number or null (not measured yet, or NaN). */
export function finiteOrNull(value) {
  return value === null || finite(value);
}

/** Returns whether `value` is a whole number from 0 to Number.MAX_SAFE_INTEGER. */
export function count(value) {
  return Number.isSafeInteger(value) && value >= 0;
}

export function countOrNull(value) {
  return value === null || count(value);
}

export function boolean(value) {
  return typeof value === 'boolean';
}

/** Returns a schema of strings of at most `maxLength` characters. */
export function text(maxLength = 200) {
  return (value) => typeof value === 'string' && value.length <= maxLength;
}

export function textOrNull(maxLength = 2000) {
  const check = text(maxLength);
  return (value) => value === null || check(value);
}

/** Returns a schema of one of `values`, compared with ===. */
export function oneOf(values) {
  const allowed = new Set(values);
  return (value) => allowed.has(value);
}

/** Returns a schema that accepts null as well as what `schema` accepts. */
export function nullable(schema) {
  return (value) => value === null || schema(value);
}

/** Returns a schema of arrays of at most `maxLength` items that each fit `item`. */
export function arrayOf(item, maxLength) {
  return (value) => Array.isArray(value) && value.length <= maxLength && value.every(item);
}

/** Returns a schema of arrays of exactly the items in `items`, in order. */
export function tuple(items) {
  return (value) =>
    Array.isArray(value) &&
    value.length === items.length &&
    items.every((item, i) => item(value[i]));
}

/** An [x, y] pair of finite numbers. */
export const point = tuple([finite, finite]);

/** An object with no prototype other than Object's, as structured clone returns. */
export function isPlainObject(value) {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return false;
  }
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * Returns a schema of plain objects with every key of `fields`, each fitting its schema.
 * Other keys are allowed and ignored, so a newer page's extra fields do not break an older one.
 */
export function shape(fields) {
  const entries = Object.entries(fields);
  return (value) =>
    isPlainObject(value) &&
    entries.every(([key, schema]) => Object.hasOwn(value, key) && schema(value[key]));
}

/**
 * Returns whether `value` is a plain JSON-like setting: a finite number, a string, a boolean,
 * null, or arrays and objects of those, at most `depth` levels deep.
 */
export function settingValue(value, depth = 3) {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') {
    return typeof value !== 'string' || value.length <= 200;
  }
  if (typeof value === 'number') {
    return Number.isFinite(value);
  }
  if (depth === 0) {
    return false;
  }
  if (Array.isArray(value)) {
    return value.length <= 100 && value.every((item) => settingValue(item, depth - 1));
  }
  return (
    isPlainObject(value) &&
    Object.keys(value).length <= 100 &&
    Object.values(value).every((item) => settingValue(item, depth - 1))
  );
}

/** Returns whether `value` is a settings object whose seed, if any, is a whole number. */
export function settings(value) {
  return isPlainObject(value) && settingValue(value) && (!('seed' in value) || count(value.seed));
}
