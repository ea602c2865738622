/**
 * HTTP calls to the deployed endpoints (undici), with the proxy-auth headers, a time limit, and
 * the round-trip time measured. Network failures come back as data, not exceptions, so callers
 * can tell "still starting" from "refused".
 * @module
 */
import { request } from "undici";
import type { EndpointConfig } from "@qwen-code-modal/contract";

/** What one call returned. */
export interface HttpOutcome {
  /** HTTP status; undefined when no response came (see `error`). */
  status?: number;
  /** Response body as text (empty without a response, and for a `binary` call). */
  text: string;
  /** Response body as bytes, for a `binary` call. */
  body?: Buffer;
  /** Milliseconds from sending to the end of the body. */
  ms: number;
  /** Why no response came: `timed out after N s` or the network error. */
  error?: string;
}

/** A call to make. */
export interface HttpCall {
  method?: "GET" | "POST" | "DELETE";
  /** Keep the body as bytes (`body`) rather than text (an image). */
  binary?: boolean;
  headers: Record<string, string>;
  /** JSON body (POST). */
  json?: unknown;
  /** Limit for the whole call, milliseconds. */
  timeoutMs: number;
  /** Ends the call early (e.g. the page that asked went away). */
  signal?: AbortSignal;
}

/** Sends one request and reads the whole answer. Never throws. */
export async function httpCall(url: string, call: HttpCall): Promise<HttpOutcome> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  try {
    const res = await request(url, {
      method: call.method ?? "GET",
      headers: call.json === undefined ? call.headers : { ...call.headers, "content-type": "application/json" },
      body: call.json === undefined ? undefined : JSON.stringify(call.json),
      signal: callSignal(call),
    });
    if (call.binary) return { status: res.statusCode, text: "", body: Buffer.from(await res.body.arrayBuffer()), ms: ms() };
    const text = await res.body.text();
    return { status: res.statusCode, text, ms: ms() };
  } catch (err) {
    return { text: "", ms: ms(), error: noResponseReason(err, call.timeoutMs) };
  }
}

/** The call's time limit, and its own signal when it has one. */
export function callSignal(call: HttpCall): AbortSignal {
  const limit = AbortSignal.timeout(Math.max(1, Math.round(call.timeoutMs)));
  return call.signal ? AbortSignal.any([limit, call.signal]) : limit;
}

/** Why a call got no response: `timed out after N s`, or the network error's code (`ECONNREFUSED`) or message. */
export function noResponseReason(err: unknown, timeoutMs: number): string {
  const e = err as Error & { code?: string; cause?: { code?: string } };
  const timedOut = e.name === "TimeoutError" || e.name === "AbortError";
  return timedOut ? `timed out after ${Math.round(timeoutMs / 1000)} s` : (e.code ?? e.cause?.code ?? e.message);
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
