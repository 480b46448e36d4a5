// Enables and disables an experiment's buttons, such as Train and Stop, without losing the
// keyboard focus: disabling the focused button would send the focus to <body>.

/** Returns whether `button` takes clicks: neither disabled nor aria-disabled. */
export function isPressable(button) {
  return !button.disabled && button.getAttribute('aria-disabled') !== 'true';
}

/**
 * Enables or disables each `[button, enabled]` pair. A focused button that turns off hands
 * the focus to the first button of `pairs` that is on. When none is on, it stays focusable
 * with aria-disabled="true", so its handler must check isPressable.
 */
export function setButtonsEnabled(pairs) {
  for (const [button, enabled] of pairs) {
    if (enabled) {
      button.disabled = false;
      button.removeAttribute('aria-disabled');
    }
  }
  for (const [button, enabled] of pairs) {
    if (enabled) {
      continue;
    }
    if (button === document.activeElement) {
      const successor = pairs.find((pair) => pair[1]);
      if (!successor) {
        button.disabled = false;
        button.setAttribute('aria-disabled', 'true');
        continue;
      }
      successor[0].focus();
    }
    button.removeAttribute('aria-disabled');
    button.disabled = true;
  }
}
