/**
 * The admin page's browser script: live updates, pause toggle, confirmation
 * of destructive buttons. `assets.ts` serves the source text of the
 * functions in {@linkcode LIVE_PARTS} as `/static/admin.js`, so they run in
 * the browser, not in Director. They are written in TypeScript only so that
 * they are type-checked and linted.
 *
 * Rules for this file (and `live_rows.ts`): the functions use nothing from
 * the module scope but each other (the shared formatters arrive as the `h` parameter, which the
 * served script builds from the embedded `page_format.ts` functions); data
 * reaches the DOM through `textContent`, `classList`, `hidden` and `dataset`
 * only, never as HTML. The page works without them: every change is a
 * plain form post.
 *
 * @module
 */
import type { SharedHelpers } from "./page_format.ts";
import type { StatusSnapshot } from "../views/status.ts";
import type { SummaryPage } from "../views/summary.ts";
import { applyStatus, applySummary, LIVE_ROWS, setText } from "./live_rows.ts";

/** The page's live part: polls what it shows and writes the answers in place. */
export function liveMain(h: SharedHelpers): void {
  const POLL_MS = 2000;
  const FETCH_TIMEOUT_MS = 5000;

  confirmDestructive();
  const main = document.querySelector<HTMLElement>("main[data-shape]");
  forgetResult(main);
  const page = livePage(main);
  if (!page) return; // not the running page, or nothing live on it
  const { indicator, toggle, pending } = page;

  let paused = pauseStored();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let reloading = false;
  const show = (state: "live" | "paused" | "offline") =>
    showLiveState(indicator, toggle, state, paused);

  const reshaped = (): boolean => reloadUnlessEditing(pending) && (reloading = true);

  const schedule = () => {
    clearTimeout(timer);
    timer = paused || reloading ? undefined : setTimeout(poll, POLL_MS);
  };
  const poll = async () => {
    if (document.hidden) return; // resumed by visibilitychange
    const abort = new AbortController();
    const deadline = setTimeout(() => abort.abort(), FETCH_TIMEOUT_MS);
    try {
      const { summary, status } = await fetchLive(page, abort);
      if (!paused) {
        if (summary && page.summaryBox) {
          applySummary(page.summaryBox, page.summaryRows, summary, reshaped);
        }
        if (status && !reloading) applyStatus(h, page.main, page.rows, status, reshaped);
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
    pauseRemember(paused);
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

/** The elements the live part works on; undefined when the page has nothing live. */
export function livePage(main: HTMLElement | null) {
  const indicator = document.getElementById("live-state");
  const toggle = document.getElementById("live-toggle");
  const pending = document.getElementById("pending");
  if (!main || !indicator || !toggle || !pending) return undefined; // not the running page
  // What to poll: the same view as the page shows (its services in full, its summary rows).
  const statusUrl = main.dataset.poll;
  const summaryBox = document.querySelector<HTMLElement>("[data-summary-poll]");
  if (!statusUrl && !summaryBox) return undefined;
  return {
    main,
    indicator,
    toggle,
    pending,
    statusUrl,
    summaryBox,
    rows: keyedRows("tr[data-key]", "key"),
    summaryRows: keyedRows("tr[data-summary]", "summary"),
  };
}

/** Both views the page polls (null for one it does not show), cancelled by `abort`. */
export async function fetchLive(
  page: { statusUrl?: string; summaryBox: HTMLElement | null },
  abort: AbortController,
): Promise<{ summary: SummaryPage | null; status: StatusSnapshot | null }> {
  const [summary, status] = await Promise.all([
    page.summaryBox
      ? fetchJson<SummaryPage>(page.summaryBox.dataset.summaryPoll ?? "", abort)
      : null,
    page.statusUrl ? fetchJson<StatusSnapshot>(page.statusUrl, abort) : null,
  ]);
  return { summary, status };
}

/**
 * The rows changed: reload (true), unless that would lose what the operator
 * is typing — then say so in `pending` and go on (false).
 */
export function reloadUnlessEditing(pending: HTMLElement): boolean {
  if (editing()) {
    pending.hidden = false;
    return false;
  }
  // A navigation (GET), not reload(): the entry may come from a form post.
  location.replace(location.pathname + location.search);
  return true;
}

/** Destructive buttons ask first. Without the script they simply submit. */
export function confirmDestructive(): void {
  document.addEventListener("submit", (event) => {
    const button = (event as SubmitEvent).submitter as HTMLElement | null;
    const question = button?.dataset.confirm;
    if (question && !confirm(question)) event.preventDefault();
  });
}

/**
 * The result of a change is shown once: a reload must not repeat it. A
 * refused change renders the running page at the action's URL (`/addHost`,
 * after a POST); naming it `/running` keeps a reload from posting again.
 */
export function forgetResult(main: HTMLElement | null): void {
  const url = new URL(location.href);
  if (url.searchParams.has("resultMessage") || url.searchParams.has("resultKind")) {
    url.searchParams.delete("resultMessage");
    url.searchParams.delete("resultKind");
    history.replaceState(null, "", url.pathname + url.search + url.hash);
  }
  if (main && location.pathname !== "/running") history.replaceState(null, "", "/running");
}

/** The rows matching `selector`, by their `data-<key>`. */
export function keyedRows(selector: string, key: string): Map<string, HTMLElement> {
  const rows = new Map<string, HTMLElement>();
  for (const row of document.querySelectorAll<HTMLElement>(selector)) {
    rows.set(row.dataset[key] ?? "", row);
  }
  return rows;
}

/** Whether live updates were paused earlier in this tab. */
export function pauseStored(): boolean {
  try {
    return sessionStorage.getItem("director.autoRefreshPaused") === "1";
  } catch {
    return false; // storage disabled: not paused, and not remembered
  }
}

export function pauseRemember(paused: boolean): void {
  try {
    sessionStorage.setItem("director.autoRefreshPaused", paused ? "1" : "0");
  } catch {
    // Storage disabled: the pause lasts until the next page load.
  }
}

/** The indicator and the pause button, for `state`. */
export function showLiveState(
  indicator: HTMLElement,
  toggle: HTMLElement,
  state: "live" | "paused" | "offline",
  paused: boolean,
): void {
  indicator.hidden = false;
  toggle.hidden = false;
  indicator.dataset.state = state;
  const text = { live: "live", paused: "paused", offline: "paused (offline)" }[state];
  setText(indicator.querySelector(".live-text"), text);
  setText(toggle, paused ? "Resume" : "Pause");
  toggle.setAttribute("aria-pressed", String(paused));
}

/** A reload would throw away what the operator is typing into a form. */
export function editing(): boolean {
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
}

/** GET `url` as JSON (an error unless 2xx), cancelled by `abort`. */
export async function fetchJson<T>(url: string, abort: AbortController): Promise<T> {
  const response = await fetch(url, {
    cache: "no-store",
    headers: { accept: "application/json" },
    signal: abort.signal,
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return await response.json() as T;
}

/** Every function the served script embeds, by name (`liveMain` runs, the rest it calls). */
export const LIVE_PARTS = {
  livePage,
  fetchLive,
  reloadUnlessEditing,
  confirmDestructive,
  forgetResult,
  keyedRows,
  pauseStored,
  pauseRemember,
  showLiveState,
  editing,
  fetchJson,
  liveMain,
  ...LIVE_ROWS,
};
