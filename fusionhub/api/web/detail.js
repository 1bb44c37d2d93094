// One case in full: its state, every report from every source side by side (time, place,
// masked parties, words), why each report joined (the signal scores of the correlation), the
// case history, and the actions this centre may give it.

import { ActionPanel } from "./actions.js";
import { clear, el } from "./dom.js";
import { countdown, formatTime, label, t } from "./i18n.js";

const SIGNALS = ["ref", "person", "distance", "place", "address", "time", "category", "text"];

export class CaseDetail {
  constructor(api, config, onChanged) {
    this.api = api;
    this.config = config;
    this.panel = document.getElementById("detail-panel");
    this.caseId = null;
    this.version = null;
    this.wanted = 0;
    this.retries = 0;
    this.actions = new ActionPanel(
      api,
      config,
      (summary) => {
        onChanged(summary);
        this.changed(summary);
      },
      () => this.wanted > (this.version ?? 0) && this.reload(),
    );
  }

  async show(caseId, attempt = 0) {
    if (caseId !== this.caseId) {
      this.wanted = 0;
      this.retries = 0;
      clear(this.panel).append(el("p", { class: "placeholder", text: t("detail.loading") }));
    }
    this.caseId = caseId;
    let found;
    try {
      found = await this.api.get(`/v1/cases/${encodeURIComponent(caseId)}`);
    } catch (error) {
      if (this.caseId !== caseId) return;
      // A case the live feed announced may not be in the store yet: ask again for a while.
      if (error.status === 404 && attempt < 12) {
        setTimeout(() => this.caseId === caseId && this.show(caseId, attempt + 1), 500);
        return;
      }
      clear(this.panel).append(el("p", { class: "placeholder", text: t("detail.gone") }));
      return;
    }
    if (this.caseId !== caseId) return;
    this.version = found.version;
    this.render(found);
    // The live feed runs a little ahead of the store: ask again until the store caught up.
    if (found.version < this.wanted && this.retries++ < 20) setTimeout(() => this.reload(), 500);
  }

  // A change of the case on screen (live, or the answer to an action): show the new state
  // once the store has it, but not while the officer is filling in an action.
  changed(summary) {
    if (summary.case_id !== this.caseId || summary.version <= (this.version ?? 0)) return;
    this.wanted = Math.max(this.wanted, summary.version);
    this.retries = 0;
    if (!this.actions.busy()) setTimeout(() => this.reload(), 300);
  }

  reload() {
    if (this.caseId && !this.actions.busy()) this.show(this.caseId);
  }

  render(found) {
    const due = countdown(found.deadline);
    const facts = [
      [t("detail.opened"), formatTime(found.opened_at, true)],
      [t("detail.deadline"), `${formatTime(found.deadline, true)} · ${due.text}`],
      [t("detail.level"), t(`level.${found.level}`)],
      [t("board.township"), [found.county_name, found.township_name].filter(Boolean).join(" ")],
      [t("detail.department"), found.department],
      [t("detail.evaluation"), found.evaluation],
      [t("detail.repeat_of"), found.repeat_of],
      [t("detail.merged_into"), found.merged_into],
    ].filter(([, value]) => value);
    clear(this.panel).append(
      el(
        "header",
        { class: "detail-head" },
        el("span", { class: `priority p${found.priority}`, text: label("priority", found.priority) }),
        el("h2", { text: label("category", found.category) }),
        el("span", { class: `chip status-${found.status}`, text: label("status", found.status) }),
        el("span", { class: "case-id", text: found.case_id }),
      ),
      el("dl", { class: "facts" }, ...facts.flatMap(([name, value]) => [el("dt", { text: name }), el("dd", { text: value })])),
      this.actions.render(found),
      el("h3", { text: t("detail.reports", { count: found.events.length }) }),
      el("div", { class: "reports" }, ...found.events.map((linked) => this.report(linked))),
      el("h3", { text: t("detail.history") }),
      el("ol", { class: "history" }, ...found.history.map((step) => this.step(step))),
    );
  }

  report(linked) {
    const event = linked.event;
    const source = linked.event_ref.split(":")[0];
    const card = el("article", { class: "report", source, dataset: { ref: linked.event_ref } });
    card.append(
      el(
        "header",
        {},
        el("span", { class: "source", source, text: label("source", source) }),
        el("span", { class: "ref", text: linked.event_ref }),
        event ? el("time", { text: formatTime(event.occurred_at, true) }) : null,
      ),
    );
    if (!event) {
      card.append(el("p", { class: "muted", text: t("detail.not_stored") }));
    } else {
      if (event.title) card.append(el("p", { class: "title", text: event.title }));
      card.append(el("p", { class: "text", text: event.text }));
      const place = [event.address, event.lon !== null ? `${event.lat.toFixed(5)}, ${event.lon.toFixed(5)}` : null]
        .filter(Boolean)
        .join(" · ");
      if (place) card.append(el("p", { class: "place" }, el("b", { text: `${t("detail.place")} ` }), place));
      const parties = event.parties.map((p) =>
        [t(`role.${p.role}`) === `role.${p.role}` ? p.role : t(`role.${p.role}`), p.name_masked, p.phone_masked, p.id_masked]
          .filter(Boolean)
          .join(" "),
      );
      if (parties.length) {
        card.append(el("p", { class: "parties" }, el("b", { text: `${t("detail.parties")} ` }), parties.join("；")));
      }
    }
    card.append(this.why(linked.score));
    return card;
  }

  why(score) {
    const box = el("div", { class: "why" }, el("b", { text: t("detail.why") }));
    if (!score) {
      box.append(el("span", { class: "muted", text: ` ${t("detail.opened_case")}` }));
      return box;
    }
    const threshold = this.config.match_threshold;
    box.append(el("span", { class: "total", text: ` ${t("detail.total", { total: score.total.toFixed(2), threshold })}` }));
    if (score.veto) box.append(el("span", { class: "veto", text: ` ${t("detail.veto", { veto: score.veto })}` }));
    const bars = el("ul", { class: "signals" });
    for (const name of SIGNALS) {
      const value = score[name] || 0;
      if (!value) continue;
      const width = Math.min(Math.abs(value) / Math.max(threshold, 0.01), 1) * 100;
      const bar = el("span", { class: `bar${value < 0 ? " negative" : ""}` });
      bar.style.width = `${width.toFixed(0)}%`;
      bars.append(
        el(
          "li",
          { dataset: { signal: name } },
          el("span", { class: "signal", text: t(`signal.${name}`) }),
          el("span", { class: "track" }, bar),
          el("span", { class: "value", text: value.toFixed(2) }),
        ),
      );
    }
    box.append(bars);
    return box;
  }

  step(step) {
    return el(
      "li",
      {},
      el("time", { text: formatTime(step.at, true) }),
      el("span", { class: `chip status-${step.status}`, text: label("status", step.status) }),
      el("span", { class: "actor", text: step.actor }),
      step.note ? el("span", { class: "note", text: step.note }) : null,
    );
  }
}
