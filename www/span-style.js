// Lets the wasm charts measure their text under the content security policy. plotters 0.3.7
// (src/style/font/web.rs) sizes each label by giving a temporary <span> a style attribute
// through setAttribute, which style-src 'self' blocks, so the span would be measured in the
// default font. Declarations set through the CSSOM are allowed, so on <span> elements a style
// attribute set by setAttribute goes to element.style.cssText instead.
// NOTE: a change on the Rust side that measures text without a style attribute, such as
// CanvasRenderingContext2D.measureText, would make this module unnecessary.

const setAttribute = Element.prototype.setAttribute;

HTMLSpanElement.prototype.setAttribute = function setSpanAttribute(name, value) {
  if (String(name).toLowerCase() === 'style') {
    this.style.cssText = String(value);
    // Canvas text never wraps, but the span is as wide as the viewport at most and would wrap
    // a longer text, so a title wider than a narrow screen would be measured as fitting.
    this.style.whiteSpace = 'nowrap';
    return;
  }
  setAttribute.call(this, name, value);
};
