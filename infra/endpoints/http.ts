/**
 * HTTP calls to the deployed endpoints through Modal's gateway (`@qwen-code-modal/contract`, modal-http.ts): the
 * proxy-auth headers, Modal's 303 → result URL followed within the call's limit, and the
 * round-trip time measured. Network failures come back as data, not exceptions, so callers can
 * tell "still starting" from "refused".
 * @module
 */
import { classifyNetworkError, GatewayRedirectError, isNetworkError, requestThroughGateway, type EndpointConfig } from "@qwen-code-modal/contract";

/** What one call returned. */
export interface HttpOutcome {
  /** HTTP status; undefined when no response came (see `error`). */
  status?: number;
  /** Response body as text (empty without a response, and for a `binary` call). */
  text: string;
  /** Response body as bytes, for a `binary` call. */
  body?: Buffer;
  /** Milliseconds from sending to the end of the body, redirects included. */
  ms: number;
  /** Why no response came: `timed out after N s`, the network error, or a redirect not followed. */
  error?: string;
  /** True when retrying cannot help (e.g. a refused connection to a `*.modal.run` host, a DNS failure). */
  final?: boolean;
  /** Modal 303s followed to the result URL. */
  redirects: number;
}

/** A call to make. */
export interface HttpCall {
  method?: "GET" | "POST" | "DELETE";
  /** Keep the body as bytes (`body`) rather than text (an image). */
  binary?: boolean;
  headers: Record<string, string>;
  /** JSON body (POST). */
  json?: unknown;
  /** Limit for the whole call, redirects included, milliseconds. */
  timeoutMs: number;
  /** Called before each 303 is followed (the request outlived Modal's limit: a cold start or a long answer). */
  onResultUrl?: (hop: number) => void;
  /** Ends the call early (e.g. the page that asked went away). */
  signal?: AbortSignal;
}

/** Sends one request, follows Modal's 303s, and reads the whole answer. Never throws. */
export async function httpCall(url: string, call: HttpCall): Promise<HttpOutcome> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  let redirects = 0;
  try {
    const res = await requestThroughGateway(url, {
      method: call.method ?? "GET",
      headers: call.json === undefined ? call.headers : { ...call.headers, "content-type": "application/json" },
      body: call.json === undefined ? undefined : JSON.stringify(call.json),
      signal: callSignal(call),
      onResultUrl: (hop) => {
        redirects = hop;
        call.onResultUrl?.(hop);
      },
    });
    if (call.binary) return { status: res.statusCode, text: "", body: Buffer.from(await res.body.arrayBuffer()), ms: ms(), redirects: res.redirects };
    const text = await res.body.text();
    return { status: res.statusCode, text, ms: ms(), redirects: res.redirects };
  } catch (err) {
    return { ...noResponse(url, call, err, redirects), ms: ms() };
  }
}

/** The call's time limit, and its own signal when it has one. */
export function callSignal(call: Pick<HttpCall, "timeoutMs" | "signal">): AbortSignal {
  const limit = AbortSignal.timeout(Math.max(1, Math.round(call.timeoutMs)));
  return call.signal ? AbortSignal.any([limit, call.signal]) : limit;
}

/**
 * The outcome of a call that got no HTTP answer: a timeout (saying how many 303s were followed),
 * a redirect not followed, or a network error classified by `classifyNetworkError`.
 */
export function noResponse(url: string, call: Pick<HttpCall, "timeoutMs">, err: unknown, redirects: number): Omit<HttpOutcome, "ms"> {
  const e = err as Error;
  if (e.name === "TimeoutError" || e.name === "AbortError") {
    const held = redirects ? ` (held by Modal: ${redirects} result-URL redirect${redirects > 1 ? "s" : ""} followed)` : "";
    return { text: "", error: `timed out after ${Math.round(call.timeoutMs / 1000)} s${held}`, redirects };
  }
  if (err instanceof GatewayRedirectError) return { text: "", error: e.message, final: true, redirects };
  if (isNetworkError(err)) {
    const failure = classifyNetworkError(url, err);
    return { text: "", error: failure.final ? failure.message : failure.code, final: failure.final, redirects };
  }
  return { text: "", error: e.message, redirects };
}

/** The status or the error, for messages: `HTTP 503` or `ECONNREFUSED`. */
export function describeOutcome(outcome: HttpOutcome): string {
  return outcome.status !== undefined ? `HTTP ${outcome.status}` : (outcome.error ?? "no response");
}

/** Whether a status is Modal's proxy auth refusing the credentials. */
export function isAuthRejection(status: number | undefined): boolean {
  return status === 401 || status === 403;
}

/** One line about a refused credential pair, naming the variables to check. */
export function authRejectedMessage(proxyAuth: EndpointConfig["proxyAuth"], status: number): string {
  return `Modal proxy auth refused the credentials (HTTP ${status}): check ${proxyAuth.tokenIdEnv} and ${proxyAuth.tokenSecretEnv}`;
}
