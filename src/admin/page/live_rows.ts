/**
 * The admin page's browser script, its second half: writing a polled answer
 * into the rows the server rendered. Served with `live.ts` (whose rules it
 * keeps: nothing from the module scope but these functions and the `h`
 * helpers; text into the DOM, never HTML).
 *
 * @module
 */
import type { SharedHelpers } from "./page_format.ts";
import type { HostStatus, StatusSnapshot } from "../views/status.ts";
import type { SummaryPage } from "../views/summary.ts";

/** Sets `el`'s text, unless it is already that (no needless DOM write). */
export function setText(el: Element | null, text: string): void {
  if (el && el.textContent !== text) el.textContent = text;
}

/** The summary rows; when the list of services changed, `reshaped()` may reload instead. */
export function applySummary(
  box: HTMLElement,
  rows: Map<string, HTMLElement>,
  page: SummaryPage,
  reshaped: () => boolean,
): void {
  const names = JSON.stringify(page.services.map((s) => s.name));
  if (names !== box.dataset.summaryShape && reshaped()) return;
  setText(document.getElementById("open-connections"), String(page.openConnections));
  for (const service of page.services) {
    const row = rows.get(service.name);
    if (!row) continue;
    row.dataset.state = service.bad > 0 ? "bad" : "up";
    for (const name of ["up", "hosts", "bad", "adminDown", "open", "rate"] as const) {
      setText(row.querySelector(`[data-field="${name}"]`), String(service[name]));
    }
  }
}

/** The host rows; when the services, groups or hosts changed, `reshaped()` may reload. */
export function applyStatus(
  h: SharedHelpers,
  main: HTMLElement,
  rows: Map<string, HTMLElement>,
  status: StatusSnapshot,
  reshaped: () => boolean,
): void {
  if (h.shapeOf(status) !== main.dataset.shape && reshaped()) return;
  const now = h.snapshotNow(status);
  setText(document.getElementById("uptime"), h.formatDuration(status.uptimeSeconds));
  setText(document.getElementById("open-connections"), String(status.openConnections));
  for (const service of status.services) {
    for (const group of service.groups) {
      for (const host of group.hosts) {
        const row = rows.get(h.hostKey(service.name, group.name, host.name));
        if (row) updateHostRow(h, row, host, now);
      }
    }
  }
}

/** One host's row: state badge, counters, spark line, history and the buttons that apply. */
export function updateHostRow(
  h: SharedHelpers,
  row: HTMLElement,
  host: HostStatus,
  now: number,
): void {
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
  updateHistory(h, field, host, now);
  // Per-state buttons (retry, admin down/up) are all rendered; show the ones that apply.
  for (const el of row.querySelectorAll<HTMLElement>("[data-when]")) {
    el.hidden = !(el.dataset.when ?? "").split(" ").includes(host.state);
  }
}

/** The state history: summary and list, rebuilt (as text) only when it grew. */
export function updateHistory(
  h: SharedHelpers,
  field: (name: string) => HTMLElement | null,
  host: HostStatus,
  now: number,
): void {
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
}

/** The functions `live.ts` embeds from this module, by name. */
export const LIVE_ROWS = { setText, applySummary, applyStatus, updateHostRow, updateHistory };
