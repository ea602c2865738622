/**
 * Waiting for an endpoint through a Modal cold start: `/health` is polled until it answers 200,
 * within a time bound. While a container starts, Modal holds the request (and past its 150 s
 * limit answers 303 to a result URL, which `httpCall` follows), or a 502/503/504 comes back, or
 * the attempt times out: those mean "still starting" (modal.com/docs/guide/cold-start,
 * modal.com/docs/guide/webhook-timeouts). A 401/403 (credentials), 404 (no vLLM there), another
 * HTTP error, or a network failure that retrying cannot fix (refused or unresolvable
 * `*.modal.run` host) ends the wait at once.
 * @module
 */
import { COLD_START_STATUSES, type Endpoint, type EndpointConfig } from "@qwen-code-modal/contract";
import { authRejectedMessage, describeOutcome, httpCall, isAuthRejection } from "./http";

/** Least time the last attempt starts with, milliseconds: a warm /health answers in ~50–200 ms (modal.com/docs/guide/cold-start). */
export const LAST_ATTEMPT_MS = 250;

/** How long and how often to poll. */
export interface WaitOptions {
  /** Give up after this long, milliseconds. */
  timeoutMs: number;
  /** Pause between attempts, milliseconds. */
  pollMs: number;
  /** Limit for one attempt, milliseconds (Modal holds a request while a container starts). */
  attemptTimeoutMs: number;
  /** Called after each failed attempt, and on each 303 followed, with the time waited so far and what came back. */
  onWaiting?: (elapsedMs: number, last: string) => void;
}

/** The result of {@link waitUntilHealthy}; `waitedMs` is the time really spent. */
export type ReadyOutcome = { ready: true; waitedMs: number; healthMs: number } | { ready: false; waitedMs: number; reason: string };

/**
 * Polls `<url>/health` until 200 or a final answer. The last attempt starts before the bound with
 * at least {@link LAST_ATTEMPT_MS} left. Never throws. When the time is up, the reason names the
 * last answer the endpoint gave (an HTTP status), not a last attempt cut short by the bound.
 */
export async function waitUntilHealthy(
  endpoint: Pick<Endpoint, "url">,
  headers: Record<string, string>,
  proxyAuth: EndpointConfig["proxyAuth"],
  options: WaitOptions,
): Promise<ReadyOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const stop = (reason: string): ReadyOutcome => ({ ready: false, waitedMs: elapsed(), reason });
  let lastAnswer: string | undefined;
  for (;;) {
    const left = options.timeoutMs - elapsed();
    const outcome = await httpCall(`${endpoint.url}/health`, {
      headers,
      timeoutMs: Math.max(1, Math.min(options.attemptTimeoutMs, left)),
      onResultUrl: (hop) => options.onWaiting?.(elapsed(), `held by Modal past its 150 s limit, following the result URL (303 #${hop})`),
    });
    if (outcome.status === 200) return { ready: true, waitedMs: elapsed(), healthMs: outcome.ms };
    if (isAuthRejection(outcome.status)) return stop(authRejectedMessage(proxyAuth, outcome.status!));
    if (outcome.status === 404) return stop(`${endpoint.url}/health answered 404: is a vLLM server deployed there?`);
    if (outcome.status !== undefined && !COLD_START_STATUSES.has(outcome.status)) {
      return stop(`${endpoint.url}/health answered HTTP ${outcome.status}, not a cold start: ${outcome.text.replace(/\s+/g, " ").slice(0, 200) || "(empty body)"}; check the deployment's logs`);
    }
    if (outcome.final) return stop(outcome.error!);
    const last = describeOutcome(outcome);
    if (outcome.status !== undefined) lastAnswer = last;
    const remaining = options.timeoutMs - elapsed();
    if (remaining < LAST_ATTEMPT_MS) return stop(`not healthy after ${Math.round(elapsed() / 1000)} s (last answer: ${lastAnswer ?? last})`);
    options.onWaiting?.(elapsed(), last);
    await new Promise((r) => setTimeout(r, Math.min(options.pollMs, remaining - LAST_ATTEMPT_MS)));
  }
}
