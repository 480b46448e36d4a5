// The notice that lists the parameters of a link that were rejected or ignored, each with the
// value it had and what is used instead. Values from the URL are shown as text only, cut short
// and with control and bidirectional formatting characters replaced.

// Values longer than this are cut, and "…" marks the cut.
const MAX_SHOWN_LENGTH = 40;
// A validation message longer than this is cut: it may quote the whole rejected value.
const MAX_REASON_LENGTH = 160;
// The notice lists at most this many entries and counts the rest.
const MAX_SHOWN_ENTRIES = 12;

// C0 and C1 control characters, and the bidirectional overrides and isolates, which could make
// the shown text read differently from the value.
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Returns `value` quoted, cut to MAX_SHOWN_LENGTH characters and without control characters. */
export function showValue(value) {
  return `"${safeText(value, MAX_SHOWN_LENGTH)}"`;
}

/** Returns `text` cut to `limit` characters, "…" marking a cut, with unsafe characters replaced. */
function safeText(text, limit) {
  const characters = [...text];
  const shown = characters.slice(0, limit).join('').replace(UNSAFE_CHARACTERS, '\ufffd');
  return characters.length > limit ? `${shown}…` : shown;
}

/**
 * Returns a validation message as a safe sentence: it may quote the raw value, so it is cut
 * and cleaned like the value, and it ends in a full stop, as the messages may not.
 */
function asSentence(text) {
  const safe = safeText(text, MAX_REASON_LENGTH);
  return /[.!?…]$/.test(safe) ? safe : `${safe}.`;
}

/** Returns the sentence that describes one entry of the notice. */
export function describeEntry(entry) {
  switch (entry.kind) {
    case 'invalid':
      return (
        `${showValue(entry.parameter)} = ${showValue(entry.value)} was rejected. ` +
        `${asSentence(entry.reason)} It was replaced by ${showValue(entry.replacement)}.`
      );
    case 'unknown': {
      const sentence = `${showValue(entry.parameter)} is not a known parameter, so it was ignored.`;
      return entry.hint ? `${sentence} ${entry.hint}` : sentence;
    }
    case 'repeated':
      return (
        `${showValue(entry.parameter)} is given ${entry.count} times; the first value was ` +
        'used and the others were ignored.'
      );
    case 'encoding':
      return (
        `${showValue(entry.text)} is not valid percent-encoding, so it was ignored. ` +
        'Encode "%" as %25.'
      );
    case 'too-long':
      return (
        `The parameters are ${entry.text} characters long, more than the ${entry.limit} that ` +
        'are read, so all of them were ignored and the defaults are used.'
      );
    case 'too-many':
      return `The link has ${entry.text} parameters; only the first ${entry.limit} were read.`;
    case 'unknown-tab':
      return (
        `There is no experiment named ${showValue(entry.value)}, so ${entry.replacement} ` +
        'opened instead. Its parameters were ignored.'
      );
    case 'changed-during-run': {
      const where = entry.section ? `the ${entry.section} settings` : 'the settings';
      return (
        `The link changed ${where} while a run trains. The charts show the run as it ` +
        'started, and the new settings apply from the next Train.'
      );
    }
    case 'autostart-skipped':
      return 'Training did not start by itself because of the problems above; press Train.';
    default:
      return `${showValue(String(entry.kind))}: unrecognised notice.`;
  }
}

/**
 * Returns `entries` with the hint of an unknown parameter left out where an earlier entry
 * already gave the same hint, so that many unknown keys list the known ones once.
 */
export function withHintsOnce(entries) {
  const hintsGiven = new Set();
  return entries.map((entry) => {
    if (entry.kind !== 'unknown') {
      return entry;
    }
    const repeated = hintsGiven.has(entry.hint);
    hintsGiven.add(entry.hint);
    return repeated ? { ...entry, hint: '' } : entry;
  });
}

// Entries of these kinds go last, in this order: unknown keys change nothing in the forms, so
// a rejected value is never hidden behind them, and the skipped autostart refers to all above.
const LATE_KINDS = ['unknown', 'autostart-skipped'];

/** Returns `entries` with those of LATE_KINDS moved to the end, each group in its order. */
export function byImportance(entries) {
  const rank = (entry) => LATE_KINDS.indexOf(entry.kind) + 1;
  return entries.toSorted((a, b) => rank(a) - rank(b));
}

export class UrlNotice {
  /**
   * Uses `element`, which contains a `.url-notice-list` list and a `.url-notice-close` button,
   * and stays hidden while there is nothing to report.
   */
  constructor(element) {
    this.element = element;
    this.list = element.querySelector('.url-notice-list');
    this.entries = [];
    element.querySelector('.url-notice-close').addEventListener('click', () => this.clear());
  }

  /** Lists `entries`, the most important first, or hides the notice when there are none. */
  show(entries) {
    this.entries = entries;
    const listed = byImportance(entries).slice(0, MAX_SHOWN_ENTRIES);
    const items = withHintsOnce(listed).map((entry) => {
      const item = document.createElement('li');
      item.dataset.kind = entry.kind;
      if (entry.parameter !== undefined) {
        item.dataset.parameter = entry.parameter;
      }
      item.textContent = describeEntry(entry);
      return item;
    });
    if (entries.length > MAX_SHOWN_ENTRIES) {
      const item = document.createElement('li');
      item.textContent = `${entries.length - MAX_SHOWN_ENTRIES} more problems are not listed.`;
      items.push(item);
    }
    this.list.replaceChildren(...items);
    this.element.dataset.count = String(entries.length);
    this.element.hidden = entries.length === 0;
  }

  /** Removes the entries of `kind`, such as a note that has stopped being true. */
  remove(kind) {
    this.show(this.entries.filter((entry) => entry.kind !== kind));
  }

  clear() {
    this.show([]);
  }
}
