// The URL fragment that names an experiment and its settings, as in
// #fit?function=sgn-cos&points=500&seed=3 or #optimization?section=gradnorm&gradnorm.epochs=100.
// The name before "?" is the tab, and the parameters after it are key=value pairs joined by "&",
// each key and value percent-encoded. This module only splits and joins that text; url-state.js
// checks the values. README.md (Sharing and embedding) lists every key.

// The tabs, by the name in the fragment, with their sections (the prefixes of their settings'
// keys and of their element ids) in page order. Tabs without sections have unprefixed keys.
export const TABS = {
  fit: { title: 'Deep vs shallow function fitting', sections: [] },
  mnist: { title: 'MNIST: three CNNs', sections: [] },
  optimization: { title: 'Optimization', sections: ['pca', 'gradnorm', 'minratio'] },
  generalization: {
    title: 'Generalization',
    sections: ['random-labels', 'capacity', 'interpolate', 'sensitivity'],
  },
};

// Keys that are not settings: the section a link points at, and whether training starts on
// load.
export const SECTION_KEY = 'section';
export const AUTOSTART_KEY = 'autostart';

// A longer parameter part is ignored as a whole, since cutting it could change a value.
export const MAX_QUERY_LENGTH = 4000;
// Parameters after this many are ignored, so a hostile link cannot flood the notice.
export const MAX_PARAMETERS = 100;

/**
 * Splits `hash` (location.hash, with or without "#") into the tab name and its parameters.
 * Returns `{tab, parameters, problems}`: `tab` is the text before "?" (possibly empty),
 * `parameters` an array of `{key, value}` with both decoded, in order and with repeats, and
 * `problems` the parts that could not be read, each `{kind, text}` with `kind` 'encoding',
 * 'too-long' or 'too-many'.
 */
export function parseHash(hash) {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  const mark = text.indexOf('?');
  // Tab names are lower case, and a link typed in capitals still opens its tab.
  const tab = (mark < 0 ? text : text.slice(0, mark)).toLowerCase();
  const query = mark < 0 ? '' : text.slice(mark + 1);
  const problems = [];
  if (query.length > MAX_QUERY_LENGTH) {
    problems.push({ kind: 'too-long', text: String(query.length) });
    return { tab, parameters: [], problems };
  }
  const pieces = query.split('&').filter((piece) => piece !== '');
  if (pieces.length > MAX_PARAMETERS) {
    problems.push({ kind: 'too-many', text: String(pieces.length) });
  }
  const parameters = [];
  for (const piece of pieces.slice(0, MAX_PARAMETERS)) {
    const equals = piece.indexOf('=');
    const rawKey = equals < 0 ? piece : piece.slice(0, equals);
    const rawValue = equals < 0 ? '' : piece.slice(equals + 1);
    const key = decode(rawKey);
    const value = decode(rawValue);
    if (key === null || value === null) {
      problems.push({ kind: 'encoding', text: piece });
    } else {
      parameters.push({ key, value });
    }
  }
  return { tab, parameters, problems };
}

/** Decodes percent-encoding, or returns null when the text is not valid percent-encoded UTF-8. */
function decode(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

/**
 * Percent-encodes a key or value for the fragment. Commas stay readable, as in
 * domain=-1,1, since a fragment may contain them unencoded.
 */
function encode(text) {
  return encodeURIComponent(text).replaceAll('%2C', ',');
}

/** Builds the fragment, with "#", from a tab name and `[key, value]` pairs. */
export function formatHash(tab, pairs) {
  if (pairs.length === 0) {
    return `#${tab}`;
  }
  const query = pairs.map(([key, value]) => `${encode(key)}=${encode(value)}`).join('&');
  return `#${tab}?${query}`;
}

/** Returns the key of setting `key` of `section` in the fragment: "pca.seed", or "seed". */
export function parameterKey(section, key) {
  return section ? `${section}.${key}` : key;
}
