// Talking to the hub's JSON API. The token lives in this tab only (memory, and sessionStorage
// so a reload keeps the officer signed in); it travels in the Authorization header, never in a
// URL or a cookie. The live stream is read with fetch, because EventSource cannot send headers.

const TOKEN_KEY = "fusionhub.token";

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

export class Api {
  constructor() {
    this.token = sessionStorage.getItem(TOKEN_KEY) || "";
  }

  setToken(token) {
    this.token = token;
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  }

  headers(extra = {}) {
    return { Authorization: `Bearer ${this.token}`, ...extra };
  }

  url(path, params = []) {
    const query = new URLSearchParams(params).toString();
    return query ? `${path}?${query}` : path;
  }

  async get(path, params = []) {
    const response = await fetch(this.url(path, params), { headers: this.headers() });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new ApiError(response.status, body);
    return body;
  }

  // Answers every status with its body: an action's 409 carries the worker's reason.
  async post(path, payload) {
    const response = await fetch(path, {
      method: "POST",
      headers: this.headers({ "Content-Type": "application/json" }),
      body: JSON.stringify(payload),
    });
    const body = await response.json().catch(() => ({}));
    return { status: response.status, body };
  }

  // A file from the API, saved through a temporary blob: URL (the token stays in the header).
  async download(path, params) {
    const response = await fetch(this.url(path, params), { headers: this.headers() });
    if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => ({})));
    const blob = await response.blob();
    const match = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = match ? match[1] : path.split("/").pop();
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  }

  stream(handlers) {
    return new LiveStream(this, handlers);
  }
}

// GET /v1/stream as Server-Sent Events over fetch, reconnecting after a break. A reconnect
// means changes may have been missed, so the caller reloads its view (onOpen(again=true)).
class LiveStream {
  constructor(api, { onOpen, onEvent, onClose }) {
    this.api = api;
    this.handlers = { onOpen, onEvent, onClose };
    this.stopped = false;
    this.controller = null;
    this.opened = 0;
    this.run();
  }

  stop() {
    this.stopped = true;
    this.controller?.abort();
  }

  async run() {
    while (!this.stopped) {
      this.controller = new AbortController();
      try {
        const response = await fetch("/v1/stream", {
          headers: this.api.headers({ Accept: "text/event-stream" }),
          signal: this.controller.signal,
          cache: "no-store",
        });
        if (!response.ok || !response.body) throw new ApiError(response.status, {});
        this.handlers.onOpen?.(this.opened++ > 0);
        await this.read(response.body.getReader());
      } catch (error) {
        if (this.stopped) return;
      }
      this.handlers.onClose?.();
      if (!this.stopped) await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }

  async read(reader) {
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        this.dispatch(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
  }

  dispatch(frame) {
    let event = "message";
    const data = [];
    for (const line of frame.split("\n")) {
      if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
    }
    if (!data.length) return;
    let payload = null;
    try {
      payload = JSON.parse(data.join("\n"));
    } catch {
      return;
    }
    this.handlers.onEvent?.(event, payload);
  }
}
