// The open cases the page shows, kept current: loaded from GET /v1/cases (open, by urgency,
// with the filters), then changed by the live stream. A case's newer version always wins; a
// case that is finished or no longer matches the filters leaves the board.

export const PAGE = 500;

export class CaseModel {
  constructor(api, maxCases) {
    this.api = api;
    this.maxCases = maxCases;
    this.cases = new Map();
    this.total = 0;
    this.filters = {};
    this.fresh = new Map();
    this.listeners = new Set();
  }

  onChange(listener) {
    this.listeners.add(listener);
  }

  notify() {
    for (const listener of this.listeners) listener(this);
  }

  params(extra = []) {
    const pairs = [["open", "true"], ["sort", "urgency"], ...extra];
    for (const [name, value] of Object.entries(this.filters)) {
      if (value) pairs.push([name === "search" ? "q" : name, value]);
    }
    return pairs;
  }

  async load(filters = this.filters) {
    this.filters = { ...filters };
    const found = new Map();
    let after = null;
    let total = 0;
    do {
      const extra = [["limit", String(PAGE)]];
      if (after) extra.push(["after", after]);
      const page = await this.api.get("/v1/cases", this.params(extra));
      total = page.total;
      for (const item of page.items) found.set(item.case_id, item);
      after = page.next;
    } while (after && found.size < this.maxCases);
    this.cases = found;
    this.total = total;
    this.notify();
  }

  matches(item) {
    const f = this.filters;
    if (!item.is_open) return false;
    if (f.township && item.township_code !== f.township) return false;
    if (f.category && item.category !== f.category) return false;
    if (f.platform && item.platform !== f.platform) return false;
    if (f.source && !item.sources.includes(f.source)) return false;
    if (f.search) {
      const needle = f.search.toLowerCase();
      const hay = `${item.case_id} ${item.headline || ""}`.toLowerCase();
      if (!hay.includes(needle)) return false;
    }
    return true;
  }

  // A case state from the live stream.
  apply(item) {
    const held = this.cases.get(item.case_id);
    if (held && held.version >= item.version) return;
    if (!this.matches(item)) {
      if (held) {
        this.cases.delete(item.case_id);
        this.total = Math.max(this.total - 1, 0);
        this.notify();
      }
      return;
    }
    // The feed may not know a report's place or words yet; what the store said stays.
    for (const key of ["headline", "lon", "lat"]) {
      if (item[key] === null && held) item[key] = held[key];
    }
    if (!held) this.total += 1;
    this.cases.set(item.case_id, item);
    this.fresh.set(item.case_id, Date.now());
    this.notify();
  }

  isFresh(caseId, withinMs = 6000) {
    const at = this.fresh.get(caseId);
    return at !== undefined && Date.now() - at < withinMs;
  }

  sorted() {
    return [...this.cases.values()].sort(
      (a, b) =>
        a.priority - b.priority ||
        a.deadline.localeCompare(b.deadline) ||
        a.case_id.localeCompare(b.case_id),
    );
  }
}
