// The statistics view: per township and per day, for a period (GET /v1/stats/report).

import { stackedDays, townshipBars } from "./charts.js";
import { clear, el, options } from "./dom.js";
import { label, t } from "./i18n.js";

export class Reports {
  constructor(api, config) {
    this.api = api;
    this.config = config;
    this.body = document.getElementById("report-body");
    this.township = document.getElementById("r-township");
    this.from = document.getElementById("r-from");
    this.to = document.getElementById("r-to");
    const today = new Date();
    this.to.value = isoDay(new Date(today.getTime() + 86400000));
    this.from.value = isoDay(new Date(today.getTime() - 29 * 86400000));
    document.getElementById("report-filters").addEventListener("submit", (event) => {
      event.preventDefault();
      this.load();
    });
    this.fill();
  }

  fill() {
    const townships = this.config.townships.map((town) => [town.code, town.name]);
    options(this.township, [["", t("filter.all_townships")], ...townships], this.township.value || "");
    this.township.hidden = townships.length <= 1;
  }

  async load() {
    const params = [];
    if (this.township.value) params.push(["township", this.township.value]);
    if (this.from.value) params.push(["opened_from", this.from.value]);
    if (this.to.value) params.push(["opened_to", this.to.value]);
    let report;
    try {
      report = await this.api.get("/v1/stats/report", params);
    } catch (error) {
      clear(this.body).append(el("p", { class: "error", text: error.message }));
      return;
    }
    this.render(report);
  }

  render(report) {
    clear(this.body);
    if (!report.totals.cases) {
      this.body.append(el("p", { class: "placeholder", text: t("report.none") }));
      return;
    }
    const percent = (v) => `${(v * 100).toFixed(1)}%`;
    const hours = (v) => v.toFixed(1);
    const section = (title, content) => el("section", { class: "report-card" }, el("h3", { text: title }), content);
    this.body.append(
      section(t("report.per_day"), stackedDays(report.per_day, Object.keys(this.config.source_colours || {}), (key) => label("source", key))),
      section(t("report.overdue_rate"), townshipBars(report.townships, (r) => r.overdue_rate, percent, townshipName)),
      section(t("report.median_resolve"), townshipBars(report.townships, (r) => r.median_resolve_hours, hours, townshipName)),
      section(t("report.repeats"), townshipBars(report.townships, (r) => r.repeats, String, townshipName)),
      section(t("report.table"), this.table(report, percent, hours)),
    );
  }

  table(report, percent, hours) {
    const head = ["board.township", "report.cases", "report.overdue", "report.overdue_rate", "report.resolved", "report.median_resolve", "report.repeats"];
    const cells = (name, row) => [
      name,
      row.cases,
      row.overdue,
      row.overdue_rate === null ? "-" : percent(row.overdue_rate),
      row.resolved,
      row.median_resolve_hours === null ? "-" : hours(row.median_resolve_hours),
      row.repeats,
    ];
    const line = (values, tag = "td") => el("tr", {}, ...values.map((v) => el(tag, { text: v })));
    return el(
      "table",
      { class: "stats" },
      el("thead", {}, line(head.map((key) => t(key)), "th")),
      el("tbody", {}, ...report.townships.map((row) => line(cells(townshipName(row), row)))),
      el("tfoot", {}, line(cells(t("report.total"), report.totals))),
    );
  }
}

function townshipName(row) {
  return row.township_name || row.township_code || t("report.no_township");
}

function isoDay(date) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" }).format(date);
}
