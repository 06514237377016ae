/**
 * Cross-site request refusal for admin change calls.
 *
 * A browser logged in to the admin (Basic credentials are cached) would
 * otherwise carry them on a request forged by any page it visits: an
 * `<img src="http://admin/delHost?…">` or a self-submitting form. Browsers
 * say where a request comes from, so Director refuses a change when
 *
 * - `Sec-Fetch-Site` is `cross-site` or `same-site` (another site, or
 *   another port or subdomain of this one), or
 * - `Origin` is present and is not the admin's own origin.
 *
 * `Sec-Fetch-Site: same-origin` (or `none`, a URL the user typed) is
 * trusted over `Origin`, which some browsers send as `null` on same-origin
 * posts. Requests with neither header — curl, wget, scripts — are allowed,
 * which keeps every legacy admin script working.
 *
 * @module
 */

/** Why `request` must be refused as cross-site, or undefined when it may proceed. */
export function crossSiteReason(request: Request): string | undefined {
  const site = request.headers.get("sec-fetch-site");
  if (site === "cross-site" || site === "same-site") {
    return `cross-site request refused (Sec-Fetch-Site: ${site})`;
  }
  // The browser vouches for the request: from this origin, or typed by the user.
  if (site === "same-origin" || site === "none") return undefined;
  const origin = request.headers.get("origin");
  if (origin !== null) {
    const own = new URL(request.url).origin;
    if (origin !== own) return `cross-site request refused (Origin ${origin} is not ${own})`;
  }
  return undefined;
}
