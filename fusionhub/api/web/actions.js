// The actions a centre may give a case, each a small form: sent to the hub, which publishes
// it to the command topic; the answer is the worker's (applied, or refused with its reason).

import { clear, el, options } from "./dom.js";
import { t } from "./i18n.js";

// The fields each action asks for.
const FORMS = {
  accept: [],
  dispatch: ["department"],
  progress: ["note"],
  resolve: ["note"],
  close: ["evaluation"],
  reopen: ["note"],
  escalate: ["note"],
  merge: ["into_case_id", "note"],
  split: ["event_refs", "note"],
};
const REQUIRED = new Set(["department", "evaluation", "into_case_id"]);
const POLL_MS = 1000;
const POLLS = 10;

export class ActionPanel {
  constructor(api, config, onApplied, onIdle) {
    this.api = api;
    this.config = config;
    this.onApplied = onApplied;
    this.onIdle = onIdle;
    this.last = null;
    this.sending = false;
  }

  // An open form or an action on its way: the detail waits before redrawing the panel, so a
  // live change does not wipe what the officer is typing.
  busy() {
    return this.sending || Boolean(this.form?.firstChild);
  }

  render(found) {
    this.found = found;
    this.box = el("section", { class: "actions" });
    this.buttons = el("div", { class: "action-buttons" });
    this.form = el("div", { class: "action-form" });
    this.result = el("p", { class: "action-result", attrs: { role: "status" } });
    // The answer to the last action on this case stays on screen across redraws.
    if (this.last?.caseId === found.case_id) this.say(this.last.kind, this.last.text);
    for (const action of this.config.actions[found.status] || []) {
      this.buttons.append(
        el("button", {
          type: "button",
          class: `action act-${action}`,
          text: t(`action.${action}`),
          dataset: { action },
          on: { click: () => this.open(action) },
        }),
      );
    }
    this.box.append(this.buttons, this.form, this.result);
    return this.box;
  }

  open(action) {
    clear(this.form);
    this.say("", "");
    const fields = {};
    const form = el("form", { class: `form-${action}`, on: { submit: (event) => this.submit(event, action, fields) } });
    for (const name of FORMS[action]) {
      fields[name] = this.field(name);
      form.append(fields[name].wrap);
    }
    form.append(
      el("button", { type: "submit", class: "send", text: `${t("action.send")}：${t(`action.${action}`)}` }),
      el("button", { type: "button", class: "cancel", text: t("action.cancel"), on: { click: () => this.close() } }),
    );
    this.form.append(form);
    if (!FORMS[action].length) form.requestSubmit();
  }

  field(name) {
    const id = `action-${name}`;
    let input;
    if (name === "department") {
      input = el("input", { id, name, required: true, attrs: { list: "departments" } });
      const list = el("datalist", { id: "departments" });
      for (const d of this.config.departments) list.append(el("option", { value: d }));
      return { input, wrap: el("label", {}, t("action.department"), input, list) };
    }
    if (name === "evaluation") {
      input = el("select", { id, name, required: true });
      options(input, this.config.evaluations.map((e) => [e, e]), this.config.evaluations[0]);
      return { input, wrap: el("label", {}, t("action.evaluation"), input) };
    }
    if (name === "into_case_id") {
      input = el("input", { id, name, required: true, placeholder: "C…" });
      return { input, wrap: el("label", {}, t("action.into"), input) };
    }
    if (name === "event_refs") {
      const boxes = this.found.events.map((linked) =>
        el("label", { class: "ref-choice" }, el("input", { type: "checkbox", value: linked.event_ref }), linked.event_ref),
      );
      return { input: null, boxes, wrap: el("fieldset", {}, el("legend", { text: t("action.refs") }), ...boxes) };
    }
    input = el("textarea", { id, name, rows: 2, maxLength: 500 });
    return { input, wrap: el("label", {}, t("action.note"), input) };
  }

  async submit(event, action, fields) {
    event.preventDefault();
    const body = { action };
    for (const [name, field] of Object.entries(fields)) {
      if (name === "event_refs") {
        body.event_refs = field.boxes.map((b) => b.querySelector("input")).filter((i) => i.checked).map((i) => i.value);
      } else if (field.input.value.trim() || REQUIRED.has(name)) {
        body[name] = field.input.value.trim();
      }
    }
    this.say("pending", t("action.sending"));
    this.sending = true;
    for (const button of this.box.querySelectorAll("button")) button.disabled = true;
    let answer;
    try {
      answer = await this.api.post(`/v1/cases/${encodeURIComponent(this.found.case_id)}/actions`, body);
    } catch (error) {
      answer = { status: 0, body: { error: t("login.unreachable") } };
    }
    for (const button of this.box.querySelectorAll("button")) button.disabled = false;
    await this.answered(action, answer);
    this.sending = false;
    if (!this.busy()) this.onIdle();
  }

  close() {
    clear(this.form);
    if (!this.busy()) this.onIdle();
  }

  async answered(action, { status, body }) {
    if (status === 200) {
      clear(this.form);
      if (body.case) this.found = { ...this.found, ...body.case };
      this.say("applied", t("action.applied", { action: t(`action.${action}`) }));
      if (body.case) this.onApplied(body.case);
    } else if (status === 409) {
      this.say("refused", t("action.refused", { reason: body.reason }));
    } else if (status === 202) {
      this.say("pending", t("action.pending", { id: body.command_id }));
      await this.poll(action, body.command_id);
    } else {
      const fields = (body.fields || []).map((f) => `${f.field}: ${f.message}`).join("; ");
      this.say("refused", t("action.failed", { reason: fields || body.error || status }));
    }
  }

  async poll(action, commandId) {
    for (let i = 0; i < POLLS; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      let found;
      try {
        found = await this.api.get(`/v1/commands/${encodeURIComponent(commandId)}`);
      } catch {
        return;
      }
      if (found.outcome !== "pending") {
        await this.answered(action, { status: found.outcome === "applied" ? 200 : 409, body: found });
        return;
      }
    }
  }

  say(kind, text) {
    this.last = kind ? { caseId: this.found.case_id, kind, text } : null;
    this.result.className = `action-result ${kind}`;
    this.result.textContent = text;
  }
}

