// The main page's share bar: Copy link copies the page's URL with the open experiment and its
// settings, and Copy embed code copies an <iframe> snippet of embed.html with the same
// settings. On a tab with sections, a select picks the section to share; editing a section's
// form picks it too. When the browser refuses the clipboard, the text is shown to copy by hand.

import { TABS } from './url-hash.js';

// The iframe size of each experiment's embed code, in CSS pixels: room for two charts side by
// side, or for the gradient norm's two charts stacked.
const DEFAULT_EMBED_SIZE = { width: 960, height: 600 };
const EMBED_SIZES = { gradnorm: { width: 800, height: 640 } };

// The confirmation disappears after this long.
const MESSAGE_MS = 4000;

/** Escapes text for a double-quoted HTML attribute value. */
export function escapeAttribute(text) {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('"', '&quot;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;');
}

/** Returns the heading of `section` of `tab`, or of the tab's panel when it has no sections. */
export function experimentTitle(root, tab, section) {
  const heading = section
    ? root.getElementById(`${section}-heading`)
    : root.querySelector(`#panel-${tab} h1`);
  return heading?.textContent.replace(/\s+/g, ' ').trim() ?? TABS[tab].title;
}

export class ShareBar {
  /** Wires the share bar's controls in `document` to `urlState`, a UrlState. */
  constructor(urlState) {
    this.urlState = urlState;
    this.sectionField = document.getElementById('share-section-field');
    this.sectionSelect = document.getElementById('share-section');
    this.message = document.getElementById('share-message');
    this.text = document.getElementById('share-text');
    this.timer = null;
    document.getElementById('copy-link').addEventListener('click', () => this.copyLink());
    document.getElementById('copy-embed').addEventListener('click', () => this.copyEmbed());
    this.sectionSelect.addEventListener('change', () => {
      urlState.setSection(urlState.tab, this.sectionSelect.value);
      urlState.write();
    });
    urlState.onSectionChange = (tab) => {
      if (tab === urlState.tab) {
        this.showTab(tab);
      }
    };
  }

  /** Shows the section select of `tab`, or hides it when the tab has no sections. */
  showTab(tab) {
    const sections = TABS[tab].sections;
    this.sectionField.hidden = sections.length === 0;
    const options = sections.map((section) => {
      const option = document.createElement('option');
      option.value = section;
      option.textContent = experimentTitle(document, tab, section);
      return option;
    });
    this.sectionSelect.replaceChildren(...options);
    if (sections.length > 0) {
      this.sectionSelect.value = this.urlState.section(tab);
    }
  }

  copyLink() {
    this.urlState.write();
    this.copy(window.location.href, 'Link copied.');
  }

  copyEmbed() {
    this.copy(this.embedCode(), 'Embed code copied.');
  }

  /** Returns the iframe snippet of the open experiment, its URL absolute from this page's. */
  embedCode() {
    const tab = this.urlState.tab;
    const section = this.urlState.section(tab);
    const hash = this.urlState.hash(tab, { sectionOnly: true });
    const url = new URL(`embed.html${hash}`, window.location.href).href;
    const { width, height } = EMBED_SIZES[section] ?? DEFAULT_EMBED_SIZE;
    const title = `gradlab: ${experimentTitle(document, tab, section)}`;
    return (
      `<iframe src="${escapeAttribute(url)}" width="${width}" height="${height}" ` +
      `title="${escapeAttribute(title)}" loading="lazy"></iframe>`
    );
  }

  /** Writes `text` to the clipboard, or shows it selected when the browser refuses. */
  async copy(text, confirmation) {
    try {
      if (!navigator.clipboard) {
        throw new Error('the clipboard is not available on this page');
      }
      await navigator.clipboard.writeText(text);
      this.text.hidden = true;
      this.showMessage(confirmation, 'copied');
    } catch (error) {
      this.text.value = text;
      this.text.hidden = false;
      this.text.select();
      this.showMessage(
        `Copying failed (${error.message}). Copy the selected text below instead.`,
        'refused',
      );
    }
  }

  showMessage(text, state) {
    clearTimeout(this.timer);
    this.message.textContent = text;
    this.message.dataset.state = state;
    if (state === 'copied') {
      this.timer = setTimeout(() => {
        this.message.textContent = '';
        this.message.dataset.state = '';
      }, MESSAGE_MS);
    }
  }
}
