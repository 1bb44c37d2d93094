// Small SVG charts drawn from plain numbers: stacked bars per day, horizontal bars per
// township. Colours are presentation attributes and CSS classes, never inline styles.

import { el, svg } from "./dom.js";

const WIDTH = 640;

export function stackedDays(days, keys, nameOf) {
  const height = 220;
  const left = 36;
  const bottom = 28;
  const top = 8;
  const stacked = (day) => keys.reduce((sum, key) => sum + (day.by_source[key] || 0), 0);
  const most = Math.max(1, ...days.map(stacked));
  const step = (WIDTH - left - 8) / Math.max(days.length, 1);
  const scale = (value) => ((height - bottom - top) * value) / most;
  const chart = svg("svg", { viewBox: `0 0 ${WIDTH} ${height}`, class: "chart stacked", role: "img" });
  for (const tickValue of ticks(most)) {
    const y = height - bottom - scale(tickValue);
    chart.append(
      svg("line", { x1: left, x2: WIDTH - 8, y1: y, y2: y, class: "grid" }),
      svg("text", { x: left - 4, y: y + 4, class: "axis", "text-anchor": "end" }, String(tickValue)),
    );
  }
  days.forEach((day, index) => {
    let y = height - bottom;
    const x = left + index * step + step * 0.15;
    for (const key of keys) {
      const value = day.by_source[key] || 0;
      if (!value) continue;
      const h = scale(value);
      y -= h;
      chart.append(
        svg("rect", { x, y, width: step * 0.7, height: h, class: "bar source-bar", source: key }, svg("title", {}, `${day.day} ${nameOf(key)} ${value}`)),
      );
    }
    if (days.length <= 16 || index % Math.ceil(days.length / 16) === 0) {
      chart.append(svg("text", { x: x + step * 0.35, y: height - 10, class: "axis", "text-anchor": "middle" }, day.day.slice(5)));
    }
  });
  const legend = el("div", { class: "chart-legend" }, ...keys.map((key) => el("span", { class: "legend-item src", source: key, text: nameOf(key) })));
  return el("figure", { class: "chart-box" }, chart, legend);
}

export function townshipBars(rows, value, format, nameOf) {
  const shown = rows.filter((row) => value(row) !== null);
  const rowHeight = 22;
  const left = 150;
  const height = Math.max(shown.length, 1) * rowHeight + 8;
  const most = Math.max(1e-9, ...shown.map(value));
  const chart = svg("svg", { viewBox: `0 0 ${WIDTH} ${height}`, class: "chart bars", role: "img" });
  shown.forEach((row, index) => {
    const y = 4 + index * rowHeight;
    const width = ((WIDTH - left - 70) * value(row)) / most;
    chart.append(
      svg("text", { x: left - 6, y: y + 15, class: "axis", "text-anchor": "end" }, nameOf(row)),
      svg("rect", { x: left, y: y + 3, width: Math.max(width, 1), height: rowHeight - 8, class: "bar township" }),
      svg("text", { x: left + width + 6, y: y + 15, class: "axis" }, format(value(row))),
    );
  });
  return chart;
}

function ticks(most) {
  const raw = most / 4;
  const magnitude = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  const step = Math.max(1, Math.ceil(raw / magnitude) * magnitude);
  const found = [];
  for (let v = step; v <= most; v += step) found.push(v);
  return found;
}
