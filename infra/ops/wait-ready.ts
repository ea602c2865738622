/**
 * Waiting for an endpoint through a Modal cold start: `/health` is polled until it answers 200,
 * within a time bound. While a container starts, Modal holds requests and may answer 303/5xx or
 * time out; those mean "still starting". A 401/403 (credentials) or 404 (no vLLM there) ends the
 * wait at once.
 * @module
 */
import type { Endpoint, EndpointConfig } from "@qwen-code-modal/contract";
import { authRejectedMessage, describeOutcome, httpCall, isAuthRejection } from "../endpoints/http";

/** How long and how often to poll. */
export interface WaitOptions {
  /** Give up after this long, milliseconds. */
  timeoutMs: number;
  /** Pause between attempts, milliseconds. */
  pollMs: number;
  /** Limit for one attempt, milliseconds (Modal holds a request while a container starts). */
  attemptTimeoutMs: number;
  /** Called after each failed attempt with the time waited so far and what came back. */
  onWaiting?: (elapsedMs: number, last: string) => void;
}

/** The result of {@link waitUntilHealthy}. */
export type ReadyOutcome = { ready: true; waitedMs: number; healthMs: number } | { ready: false; reason: string };

/**
 * Polls `<url>/health` until 200 or a final answer. Never throws. When the time is up, the reason
 * names the last answer the endpoint gave (an HTTP status), not a last attempt cut short by the bound.
 */
export async function waitUntilHealthy(
  endpoint: Pick<Endpoint, "url">,
  headers: Record<string, string>,
  proxyAuth: EndpointConfig["proxyAuth"],
  options: WaitOptions,
): Promise<ReadyOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let lastAnswer: string | undefined;
  for (;;) {
    const left = options.timeoutMs - elapsed();
    const outcome = await httpCall(`${endpoint.url}/health`, { headers, timeoutMs: Math.max(1, Math.min(options.attemptTimeoutMs, left)) });
    if (outcome.status === 200) return { ready: true, waitedMs: elapsed(), healthMs: outcome.ms };
    if (isAuthRejection(outcome.status)) return { ready: false, reason: authRejectedMessage(proxyAuth, outcome.status!) };
    if (outcome.status === 404) return { ready: false, reason: `${endpoint.url}/health answered 404: is a vLLM server deployed there?` };
    const last = describeOutcome(outcome);
    if (outcome.status !== undefined) lastAnswer = last;
    if (elapsed() + options.pollMs >= options.timeoutMs) {
      return { ready: false, reason: `not healthy after ${Math.round(elapsed() / 1000)} s (last answer: ${lastAnswer ?? last})` };
    }
    options.onWaiting?.(elapsed(), last);
    await new Promise((r) => setTimeout(r, options.pollMs));
  }
}
