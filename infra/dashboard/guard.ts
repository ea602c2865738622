/**
 * Who may talk to the dashboard: a request must name this run's random token (in the URL as
 * `?token=`, as Jupyter does, or in the cookie set by the first page load), come with a `Host`
 * header naming the loopback address it listens on (so a DNS-rebinding page whose name now
 * resolves to 127.0.0.1 is refused), and, when a browser sends an `Origin`, come from this very
 * origin (so another site's page cannot call it). Answers carry a strict content security policy.
 * @module
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";

/** Name of the cookie that carries the token after the first load (per port: cookies ignore ports). */
export function tokenCookie(port: number): string {
  return `qcm_dashboard_${port}`;
}

/** A new per-run token: 32 random bytes, base64url (43 characters). */
export function newToken(): string {
  return randomBytes(32).toString("base64url");
}

function sameToken(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The `Host` values the server answers to: its loopback address and `localhost`, with its port. */
export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

/** Security headers on every answer: scripts, styles and connections from this origin only; no framing, no referrer. */
const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-resource-policy": "same-origin",
  "cache-control": "no-store",
};

/**
 * The middleware. Refusals are plain-text 403s that say which check failed, never the token.
 * A valid `?token=` sets an HttpOnly, SameSite=Strict cookie, so the page's own requests and
 * EventSource streams carry it without putting it in scripts.
 * @param port - the port the server listens on (for the Host and Origin checks).
 */
export function guard(token: string, port: number): MiddlewareHandler {
  const hosts = new Set(allowedHosts(port));
  const origins = new Set([...hosts].map((h) => `http://${h}`));
  const cookie = tokenCookie(port);
  return async (c, next) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.header(k, v);
    const host = c.req.header("host") ?? "";
    if (!hosts.has(host)) return c.text(`refused: Host "${host}" is not this dashboard (DNS rebinding?)`, 403);
    const origin = c.req.header("origin");
    if (origin !== undefined && !origins.has(origin)) return c.text(`refused: Origin "${origin}" is not this dashboard`, 403);
    const fromQuery = c.req.query("token");
    if (sameToken(fromQuery, token)) {
      setCookie(c, cookie, token, { httpOnly: true, sameSite: "Strict", path: "/" });
    } else if (!sameToken(getCookie(c, cookie), token)) {
      return c.text("refused: open the dashboard with the URL it printed (it holds this run's token)", 403);
    }
    await next();
  };
}
