/**
 * HTTP through Modal's web gateway, for every client of a deployed endpoint (the vlm-analyzer MCP
 * server; the deployer's `smoke`, `status`, `wait-ready` and the launchers' wake step):
 *
 * - **303 → result URL.** Modal answers a request whose response has not started within 150 s
 *   with `303 See Other` to a result URL (`?__modal_function_call_id=…`); a GET of it blocks until
 *   the call finishes, up to another 150 s, then answers 303 again (browsers follow 20). undici
 *   follows no redirect, so {@link requestThroughGateway} does: GET, same host, the proxy-auth
 *   headers again, within the caller's deadline (source: modal.com/docs/guide/webhook-timeouts).
 * - **Which failures are a cold start.** 502/503/504 and a request held open are what a starting
 *   or replaced container looks like (modal.com/docs/guide/cold-start). A `*.modal.run` host
 *   always has Modal's gateway answering, so a refused connection or a failed DNS lookup there is
 *   not a cold start: {@link classifyNetworkError} marks it final.
 * - **Retry that respects the endpoint.** {@link retryDelayMs}: exponential backoff with a floor
 *   and a cap, never a 0 ms sleep, and no attempt squeezed in without time for it.
 * @module
 */
import { errors as undiciErrors, request, type Dispatcher } from "undici";

/** Statuses Modal's gateway (or vLLM behind it) answers while a container starts or is replaced. */
export const COLD_START_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);

/** Modal's limit on one web request before the 303, seconds (modal.com/docs/guide/webhook-timeouts). */
export const MODAL_REQUEST_LIMIT_SECONDS = 150;

/** Result-URL hops followed at most: what browsers allow, per Modal's docs (20 × 150 s = 50 min). */
export const MAX_RESULT_REDIRECTS = 20;

/** A request to send through the gateway. */
export interface GatewayRequest {
  method?: "GET" | "POST" | "DELETE";
  /** Request headers, the proxy-auth pair included; sent again to the result URL. */
  headers: Record<string, string>;
  /** Request body (POST). */
  body?: string;
  /** The caller's deadline and cancellation: covers every hop. */
  signal: AbortSignal;
  /** Connection pool (default: undici's global one). */
  dispatcher?: Dispatcher;
  /** Called before following each 303, with the hop number (1, 2, …) and the result URL. */
  onResultUrl?: (hop: number, resultUrl: string) => void;
}

/** The final answer: status, headers, unread body, and how many 303s led to it. */
export interface GatewayResponse {
  statusCode: number;
  headers: Dispatcher.ResponseData["headers"];
  body: Dispatcher.ResponseData["body"];
  /** The URL that gave this answer (the result URL after a 303). */
  url: string;
  /** 303s followed. */
  redirects: number;
}

/** A redirect this module will not follow; the message says why. */
export class GatewayRedirectError extends Error {
  override name = "GatewayRedirectError";
}

/**
 * Sends one request and follows Modal's 303s to the result URL until a non-303 answer.
 * Other redirects (301/302/307/308) are returned as they are: Modal's gateway does not send them.
 * @returns the final response with its body unread (the caller reads or dumps it).
 * @throws GatewayRedirectError when a 303 has no Location, points at another host (the proxy
 *   credentials are not sent elsewhere), or the hops exceed {@link MAX_RESULT_REDIRECTS};
 *   undici's errors for network failures; the signal's reason when it aborts.
 */
export async function requestThroughGateway(url: string, req: GatewayRequest): Promise<GatewayResponse> {
  let current = new URL(url);
  let method = req.method ?? "GET";
  let body = req.body;
  let headers = req.headers;
  for (let redirects = 0; ; redirects++) {
    const res = await request(current, { method, headers, body, signal: req.signal, dispatcher: req.dispatcher });
    if (res.statusCode !== 303) return { statusCode: res.statusCode, headers: res.headers, body: res.body, url: current.href, redirects };
    await res.body.dump();
    const location = res.headers.location;
    if (typeof location !== "string" || !location) throw new GatewayRedirectError(`${current.href} answered 303 without a Location header`);
    const next = new URL(location, current);
    if (next.origin !== current.origin) {
      throw new GatewayRedirectError(
        `${current.origin} answered 303 to another host (${next.origin}); not following it with the proxy credentials`,
      );
    }
    if (redirects + 1 > MAX_RESULT_REDIRECTS) {
      throw new GatewayRedirectError(`gave up after ${MAX_RESULT_REDIRECTS} result-URL redirects from ${url}`);
    }
    req.onResultUrl?.(redirects + 1, next.href);
    // 303 means "GET the result": no body, no body headers.
    method = "GET";
    body = undefined;
    headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !/^content-(type|length)$/i.test(k)));
    current = next;
  }
}

/** How a network failure (no HTTP answer at all) should be treated. */
export interface NetworkFailure {
  /** The error code, e.g. `ECONNREFUSED`, `ENOTFOUND`, `UND_ERR_SOCKET`. */
  code: string;
  /** True: retrying cannot help (wrong or dead host); false: worth another attempt. */
  final: boolean;
  /** One line for the user. */
  message: string;
}

/** Whether a URL's host is a Modal web endpoint (`*.modal.run`). */
export function isModalHost(url: string): boolean {
  return new URL(url).hostname.endsWith(".modal.run");
}

const DNS_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_NONAME", "EAI_FAIL"]);
const CONNECT_CODES = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH"]);

const TRANSIENT_CODES = new Set(["ECONNRESET", "EPIPE", "ETIMEDOUT", "UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_CLOSED"]);

/** Whether an error from undici means no HTTP answer came (could not connect, or the connection dropped). */
export function isNetworkError(err: unknown): boolean {
  if (err instanceof undiciErrors.SocketError || err instanceof undiciErrors.ConnectTimeoutError) return true;
  const code = networkErrorCode(err);
  return DNS_CODES.has(code) || CONNECT_CODES.has(code) || TRANSIENT_CODES.has(code);
}

/** The error code of an undici/Node network error (`code`, or its `cause`'s). */
export function networkErrorCode(err: unknown): string {
  const e = err as { code?: string; cause?: { code?: string }; message?: string };
  if (err instanceof undiciErrors.ConnectTimeoutError) return "UND_ERR_CONNECT_TIMEOUT";
  return e.cause?.code ?? e.code ?? e.message ?? "unknown error";
}

/**
 * Classifies a failure to get any HTTP answer from `url`.
 * - DNS failure: final everywhere (the name does not resolve).
 * - refused/unreachable: final for `*.modal.run` (Modal's gateway always answers; a cold start
 *   holds the request instead), retried elsewhere (a self-hosted server may be restarting).
 * - anything else (reset, socket closed, connect timeout): retried.
 */
export function classifyNetworkError(url: string, err: unknown): NetworkFailure {
  const code = networkErrorCode(err);
  const host = new URL(url).host;
  if (DNS_CODES.has(code)) {
    return {
      code,
      final: true,
      message:
        `cannot resolve ${host} (${code}): ${isModalHost(url) ? "not a cold start — Modal's gateway answers every *.modal.run name that exists; " : ""}` +
        `check the URL in the endpoint config (\`pulumi stack output endpoints\`) and this machine's DNS`,
    };
  }
  if (CONNECT_CODES.has(code)) {
    return isModalHost(url)
      ? {
          code,
          final: true,
          message:
            `cannot connect to ${host} (${code}): not a cold start — Modal's gateway answers every *.modal.run request, ` +
            `a scaled-to-zero app too; check this machine's network (proxy, firewall) and the URL in the endpoint config`,
        }
      : { code, final: false, message: `cannot connect to ${host} (${code})` };
  }
  return { code, final: false, message: `connection to ${host} failed (${code})` };
}

/** Backoff bounds, milliseconds. */
export const BACKOFF = {
  /** No retry waits less than this: no busy loop, whatever the remaining time. */
  floorMs: 1_000,
  /** No retry waits more than this. */
  capMs: 15_000,
  /** Time kept for the last attempt: a retry is not started with less than this left. */
  lastAttemptMs: 500,
} as const;

/**
 * The pause before retry number `attempt` (1 = the first retry): doubling from the floor to the
 * cap with ±20 % jitter, shortened to leave {@link BACKOFF.lastAttemptMs} before the deadline.
 * @param remainingMs - time left before the caller's deadline.
 * @returns milliseconds to wait, or undefined when no retry fits (the pause would be under the floor).
 */
export function retryDelayMs(attempt: number, remainingMs: number, random: () => number = Math.random): number | undefined {
  const exponential = Math.min(BACKOFF.capMs, BACKOFF.floorMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.max(BACKOFF.floorMs, exponential * (0.8 + random() * 0.4));
  const delay = Math.min(jittered, remainingMs - BACKOFF.lastAttemptMs);
  return delay >= BACKOFF.floorMs ? delay : undefined;
}
