/**
 * The admin page's browser script: live updates, pause toggle, confirmation
 * of destructive buttons. `assets.ts` serves `liveMain`'s source text as
 * `/static/admin.js`, so this function runs in the browser, not in Director.
 * It is written in TypeScript only so that it is type-checked and linted.
 *
 * Rules for this file: `liveMain` uses nothing from the module scope (its
 * helpers arrive as the `h` parameter, which the served script builds from
 * the embedded `page_format.ts` functions); data reaches the DOM through
 * `textContent`, `classList`, `hidden` and `dataset` only, never as HTML.
 * The page works without it: every change is a plain form post.
 *
 * @module
 */
import type { SharedHelpers } from "./page_format.ts";
import type { HostStatus, StatusSnapshot } from "../views/status.ts";
import type { SummaryPage } from "../views/summary.ts";

export function liveMain(h: SharedHelpers): void {
  const POLL_MS = 2000;
  const FETCH_TIMEOUT_MS = 5000;
  const PAUSE_KEY = "director.autoRefreshPaused";

  // Destructive buttons ask first. Without the script they simply submit.
  document.addEventListener("submit", (event) => {
    const button = (event as SubmitEvent).submitter as HTMLElement | null;
    const question = button?.dataset.confirm;
    if (question && !confirm(question)) event.preventDefault();
  });

  const main = document.querySelector<HTMLElement>("main[data-shape]");

  // The result of a change is shown once: a reload must not repeat it. A
  // refused change renders this page at the action's URL (`/addHost`, after
  // a POST); naming it `/running` keeps a reload from posting again.
  const url = new URL(location.href);
  if (url.searchParams.has("resultMessage") || url.searchParams.has("resultKind")) {
    url.searchParams.delete("resultMessage");
    url.searchParams.delete("resultKind");
    history.replaceState(null, "", url.pathname + url.search + url.hash);
  }
  if (main && location.pathname !== "/running") history.replaceState(null, "", "/running");

  const indicator = document.getElementById("live-state");
  const toggle = document.getElementById("live-toggle");
  const pending = document.getElementById("pending");
  if (!main || !indicator || !toggle || !pending) return; // not the running page

  const rows = new Map<string, HTMLElement>();
  for (const row of document.querySelectorAll<HTMLElement>("tr[data-key]")) {
    rows.set(row.dataset.key ?? "", row);
  }
  // What to poll: the same view as the page shows (its services in full, its summary rows).
  const statusUrl = main.dataset.poll;
  const summaryBox = document.querySelector<HTMLElement>("[data-summary-poll]");
  const summaryRows = new Map<string, HTMLElement>();
  for (const row of document.querySelectorAll<HTMLElement>("tr[data-summary]")) {
    summaryRows.set(row.dataset.summary ?? "", row);
  }
  if (!statusUrl && !summaryBox) return; // nothing live on this page

  const stored = (): boolean => {
    try {
      return sessionStorage.getItem(PAUSE_KEY) === "1";
    } catch {
      return false; // storage disabled: not paused, and not remembered
    }
  };
  let paused = stored();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let reloading = false;

  const setText = (el: Element | null, text: string) => {
    if (el && el.textContent !== text) el.textContent = text;
  };
  const show = (state: "live" | "paused" | "offline") => {
    indicator.hidden = false;
    toggle.hidden = false;
    indicator.dataset.state = state;
    setText(
      indicator.querySelector(".live-text"),
      {
        live: "live",
        paused: "paused",
        offline: "paused (offline)",
      }[state],
    );
    setText(toggle, paused ? "Resume" : "Pause");
    toggle.setAttribute("aria-pressed", String(paused));
  };

  // A reload would throw away what the operator is typing into a form.
  const editing = (): boolean => {
    const active = document.activeElement;
    if (active?.closest("form") && active.matches("input, select, textarea")) return true;
    for (const el of document.querySelectorAll<HTMLInputElement>("form input:not([type=hidden])")) {
      if (el.value !== el.defaultValue) return true;
    }
    for (const el of document.querySelectorAll<HTMLSelectElement>("form select")) {
      const initial = Array.from(el.options).findIndex((o) => o.defaultSelected);
      if (el.selectedIndex !== Math.max(initial, 0)) return true;
    }
    return false;
  };

  const updateRow = (row: HTMLElement, host: HostStatus, now: number) => {
    const field = (name: string) => row.querySelector<HTMLElement>(`[data-field="${name}"]`);
    const view = h.hostStateView(host, now);
    row.dataset.state = host.state;
    const badge = field("state");
    if (badge && badge.className !== view.badge) badge.className = view.badge;
    setText(badge, view.label);
    for (const name of ["reason", "since"] as const) {
      const el = field(name);
      setText(el, view[name]);
      if (el) el.hidden = view[name] === "";
    }
    setText(field("open"), String(host.open));
    setText(field("total"), String(host.total));
    setText(field("bytesIn"), h.formatBytes(host.bytesIn));
    setText(field("bytesOut"), h.formatBytes(host.bytesOut));
    setText(field("failures"), String(host.failures));
    field("failures")?.setAttribute("title", h.failureKinds(host.failuresByKind));
    field("rate")?.setAttribute("d", h.sparkPath(host.rate));
    setText(field("lastClosed"), h.formatAgo(host.lastClosed, now));
    // The state history: summary and list, rebuilt (as text) only when it grew.
    const history = h.historySummary(host.history, now);
    const box = field("historyBox");
    if (box) box.hidden = host.history.length === 0;
    setText(field("changes"), history.text);
    field("changes")?.classList.toggle("flapping", history.flapping);
    const list = field("history");
    if (list && list.childElementCount !== host.history.length) {
      list.replaceChildren(
        ...[...host.history].reverse().map((change) => {
          const item = document.createElement("li");
          item.textContent = h.historyLine(change);
          return item;
        }),
      );
    }
    // Per-state buttons (retry, admin down/up) are all rendered; show the ones that apply.
    for (const el of row.querySelectorAll<HTMLElement>("[data-when]")) {
      el.hidden = !(el.dataset.when ?? "").split(" ").includes(host.state);
    }
  };

  /** The rows changed: reload, unless that would lose what the operator is typing. */
  const reshaped = (): boolean => {
    if (editing()) {
      pending.hidden = false;
      return false;
    }
    reloading = true;
    // A navigation (GET), not reload(): the entry may come from a form post.
    location.replace(location.pathname + location.search);
    return true;
  };

  const applySummary = (page: SummaryPage) => {
    if (!summaryBox) return;
    const names = JSON.stringify(page.services.map((s) => s.name));
    if (names !== summaryBox.dataset.summaryShape && reshaped()) return;
    setText(document.getElementById("open-connections"), String(page.openConnections));
    for (const service of page.services) {
      const row = summaryRows.get(service.name);
      if (!row) continue;
      row.dataset.state = service.bad > 0 ? "bad" : "up";
      for (const name of ["up", "hosts", "bad", "adminDown", "open", "rate"] as const) {
        setText(row.querySelector(`[data-field="${name}"]`), String(service[name]));
      }
    }
  };

  const apply = (status: StatusSnapshot) => {
    if (h.shapeOf(status) !== main.dataset.shape && reshaped()) return;
    const now = h.snapshotNow(status);
    setText(document.getElementById("uptime"), h.formatDuration(status.uptimeSeconds));
    setText(document.getElementById("open-connections"), String(status.openConnections));
    for (const service of status.services) {
      for (const group of service.groups) {
        for (const host of group.hosts) {
          const row = rows.get(h.hostKey(service.name, group.name, host.name));
          if (row) updateRow(row, host, now);
        }
      }
    }
  };

  const schedule = () => {
    clearTimeout(timer);
    timer = paused || reloading ? undefined : setTimeout(poll, POLL_MS);
  };
  const poll = async () => {
    if (document.hidden) return; // resumed by visibilitychange
    const abort = new AbortController();
    const deadline = setTimeout(() => abort.abort(), FETCH_TIMEOUT_MS);
    const get = async (url: string) => {
      const response = await fetch(url, {
        cache: "no-store",
        headers: { accept: "application/json" },
        signal: abort.signal,
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return await response.json();
    };
    try {
      const [summary, status] = await Promise.all([
        summaryBox ? get(summaryBox.dataset.summaryPoll ?? "") as Promise<SummaryPage> : null,
        statusUrl ? get(statusUrl) as Promise<StatusSnapshot> : null,
      ]);
      if (!paused) {
        if (summary) applySummary(summary);
        if (status && !reloading) apply(status);
        show("live");
      }
    } catch {
      if (!paused) show("offline");
    } finally {
      clearTimeout(deadline);
    }
    schedule();
  };

  toggle.addEventListener("click", () => {
    paused = !paused;
    try {
      sessionStorage.setItem(PAUSE_KEY, paused ? "1" : "0");
    } catch {
      // Storage disabled: the pause lasts until the next page load.
    }
    show(paused ? "paused" : "live");
    if (paused) schedule();
    else void poll();
  });
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && !paused) void poll();
  });

  show(paused ? "paused" : "live");
  schedule();
}
