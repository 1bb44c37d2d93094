// The command-centre console: sign in with the centre's token, then the board, the map, one
// case's detail and the statistics, kept live by the hub's event stream.

import { Api, ApiError } from "./api.js";
import { setSourceColours } from "./dom.js";
import { Board } from "./board.js";
import { CaseDetail } from "./detail.js";
import { applyStatic, getLanguage, setLabels, setLanguage, t } from "./i18n.js";
import { CaseMap } from "./map.js";
import { CaseModel } from "./model.js";
import { Reports } from "./reports.js";

const api = new Api();
let session = null;

// Read-only answers about what the page shows, for operators' browser tools and the tests.
window.fusionhubConsole = {
  boardCaseIds: () => (session ? [...session.model.cases.keys()] : []),
  mapCaseIds: () => (session ? [...session.map.markers.keys()] : []),
  live: () => Boolean(session?.live),
};

function boot() {
  setLanguage(getLanguage());
  applyStatic();
  for (const id of ["language", "login-language"]) {
    const select = document.getElementById(id);
    select.value = getLanguage();
    select.addEventListener("change", () => switchLanguage(select.value));
  }
  document.getElementById("login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const field = document.getElementById("token");
    signIn(field.value.trim());
    field.value = "";
  });
  document.getElementById("logout").addEventListener("click", signOut);
  document.getElementById("tab-board").addEventListener("click", () => showTab("board"));
  document.getElementById("tab-reports").addEventListener("click", () => showTab("reports"));
  if (api.token) signIn(api.token);
}

async function signIn(token) {
  api.setToken(token);
  const error = document.getElementById("login-error");
  let config;
  try {
    config = await api.get("/v1/console");
  } catch (failure) {
    api.setToken("");
    error.textContent = failure instanceof ApiError && failure.status === 401 ? t("login.wrong") : t("login.unreachable");
    return;
  }
  error.textContent = "";
  document.getElementById("login").hidden = true;
  document.getElementById("app").hidden = false;
  start(config);
}

function signOut() {
  session?.stream.stop();
  api.setToken("");
  window.location.reload();
}

function start(config) {
  setLabels(config.labels);
  setSourceColours(config.source_colours);
  document.getElementById("centre-name").textContent = config.centre.name;
  const model = new CaseModel(api, config.max_cases);
  const map = new CaseMap(document.getElementById("map"), config, (caseId) => select(caseId));
  const detail = new CaseDetail(api, config, (summary) => model.apply(summary));
  const board = new Board(model, config, { onSelect: (caseId) => select(caseId), onExport: exportList });
  const reports = new Reports(api, config);
  session = { config, model, map, detail, board, reports, stream: null };
  session.connected = false;
  session.ready = config.live;
  session.live = false;
  model.onChange(() => map.update(model.sorted()));
  api.get("/v1/map/outlines").then((outlines) => map.showOutlines(outlines)).catch(() => {});
  session.stream = api.stream({
    onOpen: (again) => {
      // Opened before the first load, so nothing falls between the two; after a break,
      // changes may have been missed: load again.
      if (again) model.load().catch(() => {});
    },
    onEvent: (event, payload) => {
      if (event === "case") {
        model.apply(payload);
        detail.changed(payload);
      } else if (event === "reset") {
        model.load().catch(() => {});
      } else if (event === "hello" || event === "state") {
        setLive(true, payload.ready);
      }
    },
    onClose: () => setLive(false),
  });
  model.load().catch(() => {});
}

function select(caseId) {
  session.board.select(caseId);
  session.map.focus(caseId);
  session.detail.caseId = null;
  session.detail.show(caseId);
}

async function exportList(kind) {
  const params = [...session.board.exportParams(), ["lang", getLanguage()]];
  try {
    await api.download(`/v1/exports/cases.${kind}`, params);
  } catch (error) {
    document.getElementById("board-note").textContent = t("export.failed", { error: error.message });
  }
}

function setLive(connected, ready = session.ready) {
  Object.assign(session, { connected, ready, live: connected && ready });
  const badge = document.getElementById("live-state");
  badge.className = `live ${connected && ready ? "on" : "off"}`;
  badge.textContent = connected ? (ready ? t("live.on") : t("live.waiting")) : t("live.off");
}

function showTab(name) {
  document.getElementById("view-board").hidden = name !== "board";
  document.getElementById("view-reports").hidden = name !== "reports";
  document.getElementById("tab-board").classList.toggle("active", name === "board");
  document.getElementById("tab-reports").classList.toggle("active", name === "reports");
  if (name === "reports") session.reports.load();
  else session.map.resize();
}

function switchLanguage(chosen) {
  setLanguage(chosen);
  applyStatic();
  for (const id of ["language", "login-language"]) document.getElementById(id).value = chosen;
  if (!session) return;
  session.board.fillFilters();
  session.board.render();
  session.reports.fill();
  session.map.legend();
  setLive(session.connected, session.ready);
  if (session.detail.caseId) session.detail.show(session.detail.caseId);
  if (!document.getElementById("view-reports").hidden) session.reports.load();
}

boot();
