// The board: open cases by urgency, with their deadline counting down, filters and search, a
// count per status, and the exports of the same filtered list.

import { clear, el, options } from "./dom.js";
import { countdown, label, t } from "./i18n.js";

const SHOWN_ROWS = 400;

export class Board {
  constructor(model, config, { onSelect, onExport }) {
    this.model = model;
    this.config = config;
    this.onSelect = onSelect;
    this.onExport = onExport;
    this.selected = null;
    this.status = "";
    this.body = document.querySelector("#board tbody");
    this.note = document.getElementById("board-note");
    this.statusBar = document.getElementById("status-bar");
    this.pending = false;
    document.getElementById("filters").addEventListener("submit", (event) => {
      event.preventDefault();
      this.model.load(this.readFilters()).catch(() => {});
    });
    for (const id of ["f-township", "f-category", "f-platform", "f-source"]) {
      document.getElementById(id).addEventListener("change", () => {
        this.model.load(this.readFilters()).catch(() => {});
      });
    }
    document.getElementById("export-csv").addEventListener("click", () => this.onExport("csv"));
    document.getElementById("export-xlsx").addEventListener("click", () => this.onExport("xlsx"));
    model.onChange(() => this.schedule());
    setInterval(() => this.tick(), 1000);
    this.fillFilters();
  }

  fillFilters() {
    const f = this.model.filters;
    const townships = this.config.townships.map((town) => [town.code, town.name]);
    options(document.getElementById("f-township"), [["", t("filter.all_townships")], ...townships], f.township || "");
    const byName = (kind) =>
      Object.keys(this.config.labels[kind] || {}).map((code) => [code, label(kind, code)]);
    options(document.getElementById("f-category"), [["", t("filter.all_categories")], ...byName("category")], f.category || "");
    options(document.getElementById("f-platform"), [["", t("filter.all_platforms")], ...byName("platform")], f.platform || "");
    options(document.getElementById("f-source"), [["", t("filter.all_sources")], ...byName("source")], f.source || "");
    document.getElementById("f-township").hidden = townships.length <= 1;
  }

  readFilters() {
    return {
      township: document.getElementById("f-township").value,
      category: document.getElementById("f-category").value,
      platform: document.getElementById("f-platform").value,
      source: document.getElementById("f-source").value,
      search: document.getElementById("f-q").value.trim(),
    };
  }

  exportParams() {
    const params = this.model.params();
    if (this.status) params.push(["status", this.status]);
    return params;
  }

  // Live changes can come many a second: draw once per frame.
  schedule() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.render();
    });
  }

  render() {
    const all = this.model.sorted();
    this.renderStatusBar(all);
    const rows = this.status ? all.filter((item) => item.status === this.status) : all;
    clear(this.body);
    for (const item of rows.slice(0, SHOWN_ROWS)) this.body.append(this.row(item));
    if (!rows.length) {
      this.body.append(el("tr", {}, el("td", { colSpan: 8, class: "empty", text: t("board.empty") })));
    }
    const shown = Math.min(rows.length, SHOWN_ROWS);
    this.note.textContent =
      shown < this.model.total ? t("board.shown", { shown, total: this.model.total }) : "";
  }

  renderStatusBar(all) {
    const counts = new Map();
    for (const item of all) counts.set(item.status, (counts.get(item.status) || 0) + 1);
    clear(this.statusBar);
    const chip = (status, text) =>
      el("button", {
        type: "button",
        class: `chip status-${status || "all"}${this.status === status ? " active" : ""}`,
        text,
        dataset: { status },
        on: {
          click: () => {
            this.status = status;
            this.render();
          },
        },
      });
    this.statusBar.append(chip("", `${t("board.all_statuses")} ${this.model.total}`));
    for (const [status, count] of counts) this.statusBar.append(chip(status, `${label("status", status)} ${count}`));
  }

  row(item) {
    const due = countdown(item.deadline);
    const tags = [];
    if (item.level === "county" && item.status !== "escalated") {
      tags.push(el("span", { class: "tag escalated", text: t("board.escalated") }));
    }
    const classes = ["case-row"];
    if (due.overdue) classes.push("overdue");
    if (item.case_id === this.selected) classes.push("selected");
    if (this.model.isFresh(item.case_id)) classes.push("fresh");
    return el(
      "tr",
      {
        class: classes.join(" "),
        dataset: { caseId: item.case_id, deadline: item.deadline },
        tabIndex: 0,
        on: {
          click: () => this.onSelect(item.case_id),
          keydown: (event) => event.key === "Enter" && this.onSelect(item.case_id),
        },
      },
      el("td", {}, el("span", { class: `priority p${item.priority}`, text: label("priority", item.priority) })),
      el("td", { class: `sla${due.overdue ? " over" : ""}`, text: due.text }),
      el(
        "td",
        { class: "matter" },
        el("span", { class: "headline", text: item.headline || label("category", item.category) }),
        el("span", { class: "case-id", text: item.case_id }),
        ...tags,
      ),
      el("td", { class: "township", text: item.township_name || item.township_code || "" }),
      el("td", { class: "category", text: label("category", item.category) }),
      el("td", {}, ...item.sources.map((s) => el("span", { class: "source", source: s, text: label("source", s) }))),
      el("td", {}, el("span", { class: `chip status-${item.status}`, text: label("status", item.status) })),
      el("td", { class: "num", text: item.report_count }),
    );
  }

  tick() {
    const now = Date.now();
    for (const row of this.body.querySelectorAll("tr.case-row")) {
      const due = countdown(row.dataset.deadline, now);
      const cell = row.querySelector("td.sla");
      cell.textContent = due.text;
      cell.classList.toggle("over", due.overdue);
      row.classList.toggle("overdue", due.overdue);
      if (!this.model.isFresh(row.dataset.caseId)) row.classList.remove("fresh");
    }
  }

  select(caseId) {
    this.selected = caseId;
    for (const row of this.body.querySelectorAll("tr.case-row")) {
      row.classList.toggle("selected", row.dataset.caseId === caseId);
    }
  }
}
