/**
 * Who may talk to the dashboard. Every request must come with a `Host` header naming the loopback
 * address it listens on (so a DNS-rebinding page whose name now resolves to 127.0.0.1 is refused)
 * and, when a browser sends an `Origin`, come from this very origin (so another site's page cannot
 * call it). Every request but the page's own files (HTML, script, style: nothing secret)
 * must also carry this run's random token as `Authorization: Bearer <token>`.
 *
 * The token never travels in a cookie: browsers send cookies to every port of a host, so another
 * server on 127.0.0.1 would receive it. The printed URL carries it in the fragment (`#token=`),
 * which browsers never send to a server; the page keeps it in this origin's localStorage (scoped
 * by port) and sends it as the header above. Answers carry a strict content security policy.
 * @module
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";

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
    "default-src 'none'; script-src 'self'; worker-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-resource-policy": "same-origin",
  "cache-control": "no-store",
};

/** The refusal a request without this run's token gets (the page shows it as "restarted" when its old token stops working). */
export const TOKEN_REFUSAL = "refused: this needs the token of the URL the dashboard printed (a restarted dashboard has a new one)";

/**
 * The middleware. Refusals are plain-text 403s that say which check failed, never the token.
 * @param port - the port the server listens on (for the Host and Origin checks).
 * @param publicPaths - the exact GET paths that load without the token (the page's files).
 */
export function guard(token: string, port: number, publicPaths: ReadonlySet<string>): MiddlewareHandler {
  const hosts = new Set(allowedHosts(port));
  const origins = new Set([...hosts].map((h) => `http://${h}`));
  return async (c, next) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.header(k, v);
    const host = c.req.header("host") ?? "";
    if (!hosts.has(host)) return c.text(`refused: Host "${host}" is not this dashboard (DNS rebinding?)`, 403);
    const origin = c.req.header("origin");
    if (origin !== undefined && !origins.has(origin)) return c.text(`refused: Origin "${origin}" is not this dashboard`, 403);
    if (!(c.req.method === "GET" && publicPaths.has(c.req.path))) {
      const bearer = /^Bearer (\S+)$/.exec(c.req.header("authorization") ?? "")?.[1];
      if (!sameToken(bearer, token)) return c.text(TOKEN_REFUSAL, 403);
    }
    await next();
  };
}
