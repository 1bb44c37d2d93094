// Building the page's elements. Every text goes in as a text node (textContent), never as
// HTML, so a report's words such as <script> or <img onerror=...> show as words.

// Each source's colour, from its declaration (GET /v1/console "source_colours"): set on an
// element as the custom property --src (through the CSSOM, which the page's policy allows),
// so the style sheet names no source.
let colours = {};

export function setSourceColours(given) {
  colours = given || {};
}

export function sourceColour(source) {
  return colours[source] || "#64748b";
}

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  setProps(node, props);
  append(node, children);
  return node;
}

const SVG_NS = "http://www.w3.org/2000/svg";

export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined) continue;
    if (name === "source") node.setAttribute("fill", sourceColour(value));
    else node.setAttribute(name, String(value));
  }
  append(node, children);
  return node;
}

function setProps(node, props) {
  for (const [name, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = String(value);
    else if (name === "source") node.style.setProperty("--src", sourceColour(value));
    else if (name === "on") {
      for (const [event, handler] of Object.entries(value)) node.addEventListener(event, handler);
    } else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name === "attrs") {
      for (const [attr, v] of Object.entries(value)) node.setAttribute(attr, String(v));
    } else node[name] = value;
  }
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

export function options(select, entries, chosen) {
  clear(select);
  for (const [value, text] of entries) {
    select.append(el("option", { value, text, selected: value === chosen }));
  }
}
