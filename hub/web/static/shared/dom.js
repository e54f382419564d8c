/** Building DOM nodes without markup: every piece of text goes through textContent. */

/** createElement with classes, attributes and text; null or undefined attributes are skipped. */
export function el(tag, options = {}, children = []) {
  const node = document.createElement(tag);
  if (options.className) node.className = options.className;
  if (options.text !== undefined) node.textContent = options.text;
  for (const [name, value] of Object.entries(options.attrs || {})) {
    if (value !== undefined && value !== null) node.setAttribute(name, String(value));
  }
  for (const child of children) if (child) node.appendChild(child);
  return node;
}

/** A button with its text and classes; type "button" unless told, data-testid when given. */
export function button(text, className, testid, type = "button") {
  return el("button", { className, text, attrs: { type, "data-testid": testid } });
}

/** Shows text in node (a notice, an error line), or hides node while there is none. */
export function showText(node, text) {
  node.textContent = text || "";
  node.hidden = !text;
}
