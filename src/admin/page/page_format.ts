/**
 * Formatting shared by the server-rendered admin page and its live-update
 * script: byte counts, durations, times, host states, and the "shape" of a
 * snapshot (what needs a page reload when it changes).
 *
 * Every function here is self-contained on purpose: `assets.ts` embeds their
 * source text (`fn.toString()`) in the browser script, so the page the server
 * renders and the values the script writes in place come from the same code
 * and cannot drift apart. They may call each other (all are embedded) but
 * nothing else from this module or its imports; the types are erased.
 *
 * @module
 */
import type { HostStatus, StatusSnapshot } from "../views/status.ts";

/**
 * Text safe to *display*: control characters become their Unicode control
 * pictures (U+0007 shows as ␇) and bidi overrides show as `\u202e`, so a
 * host name cannot hide or reorder what the operator reads. Values sent back
 * in forms keep the real text.
 */
export function visible(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0);
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    if (code === 0x7f) return "\u2421";
    return "\\u" + code.toString(16).padStart(4, "0");
  });
}

/** `512 B`, `1.5 KiB`, `12 MiB`: one decimal below ten units, none above. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${value} B`;
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** `42s`, `5m 03s`, `2h 05m`, `3d 4h`: the two largest units are enough. */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const pad = (n: number) => String(n).padStart(2, "0");
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${pad(Math.floor(s / 60) % 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor(s / 3600) % 24}h`;
}

/** `2024-05-01 12:00:03 UTC`. UTC on both sides, so the script never disagrees with the page. */
export function formatTime(iso: string): string {
  return `${iso.slice(0, 19).replace("T", " ")} UTC`;
}

/** The server's clock at snapshot time (the snapshot has no "now" field of its own). */
export function snapshotNow(status: StatusSnapshot): number {
  return Date.parse(status.startedAt) + status.uptimeSeconds * 1000;
}

/** `12s ago`, or an em dash when it never happened. */
export function formatAgo(iso: string | null, nowMs: number): string {
  if (!iso) return "\u2014";
  return `${formatDuration((nowMs - Date.parse(iso)) / 1000)} ago`;
}

/** What the state cell of a host row shows. */
export function hostStateView(host: HostStatus, nowMs: number) {
  return {
    label: host.state === "admin-down" ? "admin down" : host.state,
    badge: `badge badge-${host.state}`,
    reason: host.bad ? visible(host.bad.reason) : "",
    since: host.bad
      ? `since ${formatTime(host.bad.since)} (${formatAgo(host.bad.since, nowMs)})`
      : "",
  };
}

/** `refused 3, timeout 1`: the failures cell's tooltip. */
export function failureKinds(byKind: Record<string, number>): string {
  const parts = Object.entries(byKind).filter(([, n]) => n > 0).map(([kind, n]) => `${kind} ${n}`);
  return parts.length > 0 ? parts.join(", ") : "no failed connects";
}

/**
 * An SVG path over a 60×16 box for a connections-per-second series (one
 * point per second, oldest first), scaled to its own peak; empty when
 * there is nothing to draw.
 */
export function sparkPath(values: number[]): string {
  if (values.length < 2) return "";
  const peak = Math.max(1, ...values);
  const step = 60 / (values.length - 1);
  return values.map((v, i) =>
    `${i === 0 ? "M" : "L"}${+(i * step).toFixed(2)} ${+(15 - (v / peak) * 14).toFixed(2)}`
  ).join("");
}

/**
 * The history summary of a host: `4 state changes, last 12s ago`, and
 * whether it flaps (3 changes within 10 minutes). Self-contained: the
 * browser script embeds this function's source.
 */
export function historySummary(history: HostStatus["history"], nowMs: number) {
  const FLAP_WINDOW_MS = 10 * 60_000, FLAP_CHANGES = 3;
  if (history.length === 0) return { text: "", flapping: false };
  const recent = history.filter((c) => nowMs - Date.parse(c.at) <= FLAP_WINDOW_MS).length;
  const last = history[history.length - 1].at;
  const count = `${history.length} state change${history.length === 1 ? "" : "s"}`;
  return {
    text: `${count}, last ${formatAgo(last, nowMs)}${
      recent >= FLAP_CHANGES ? " \u2014 flapping" : ""
    }`,
    flapping: recent >= FLAP_CHANGES,
  };
}

/** One line of a host's history, newest first in the list. */
export function historyLine(change: HostStatus["history"][number]): string {
  return `${formatTime(change.at)} \u00b7 ${change.state} \u00b7 ${visible(change.reason)}`;
}

/** The key of a host row (`data-key`); JSON so that any name, even with `/`, is unambiguous. */
export function hostKey(service: string, group: string, host: string): string {
  return JSON.stringify([service, group, host]);
}

/**
 * Everything that decides which rows and forms the page has. When this
 * differs from the `data-shape` the page was rendered with, updating in
 * place is not enough and the script reloads the page.
 */
export function shapeOf(status: StatusSnapshot): string {
  return JSON.stringify([
    status.services.map((s) => [
      s.name,
      s.listen,
      s.enabledGroup,
      s.backupGroup,
      s.groups.map((g) => [g.name, g.scheduler, g.hosts.map((h) => [h.name, h.ip])]),
    ]),
    status.users.map((u) => [u.name, u.access]),
  ]);
}

/** The helpers, by name: `assets.ts` embeds these in the browser script. */
export const SHARED_HELPERS = {
  visible,
  formatBytes,
  formatDuration,
  formatTime,
  snapshotNow,
  formatAgo,
  hostStateView,
  failureKinds,
  sparkPath,
  hostKey,
  shapeOf,
  historySummary,
  historyLine,
};

export type SharedHelpers = typeof SHARED_HELPERS;
