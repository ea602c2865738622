/**
 * Waking the coder before a launcher hands over to an agent CLI (`qodal`/`qwen`, `claude`).
 *
 * Both CLIs follow Modal's 303 to the result URL on their own, with the proxy headers (checked
 * against the Modal gateway stand-in: qwen-code 0.24.4 and Claude Code 2.1.330 both use WHATWG
 * `fetch`, whose default `redirect: "follow"` turns the POST into a GET of the result URL and keeps
 * same-origin headers; see docs/clients.md). What they do not do is say anything while a
 * scaled-to-zero GPU container starts, which takes minutes, or tell a dead endpoint from a slow
 * one. So the launchers first poll `/health` through the cold start, with a progress line on
 * stderr and a bound, and stop with one clear line when the endpoint is not there.
 * @module
 */
import type { Endpoint } from "@qwen-code-modal/contract";
import { UserError } from "../core/errors";
import { waitUntilHealthy } from "../endpoints/wait-ready";
import type { ClientContext } from "../endpoints/context";
import { proxyAuthHeaders } from "../endpoints/credentials";

/** How to wake. Times in milliseconds. */
export interface WakeOptions {
  /** Give up after this long. */
  timeoutMs: number;
  /** Pause between `/health` attempts. */
  pollMs: number;
  /** No line is printed when the endpoint answers within this (it was warm). */
  quietMs: number;
  /** A progress line at most this often while waiting. */
  progressEveryMs: number;
  /** Where progress lines go (stderr for the launchers). */
  log: (line: string) => void;
}

/** Defaults for the launchers: up to 20 minutes (an 80B FP8 model's cold start), a line every 15 s. */
export const DEFAULT_WAKE: Omit<WakeOptions, "log" | "timeoutMs"> & { timeoutSeconds: number } = {
  timeoutSeconds: 1200,
  pollMs: 5_000,
  quietMs: 2_000,
  progressEveryMs: 15_000,
};

/**
 * Polls the endpoint's `/health` until it answers 200.
 * @param deployment - its name, for the progress lines.
 * @returns milliseconds waited.
 * @throws UserError when it is not healthy within the bound, refuses the credentials, or is not there.
 */
export async function wakeEndpoint(context: ClientContext, deployment: string, endpoint: Endpoint, options: WakeOptions): Promise<number> {
  const started = performance.now();
  const seconds = () => Math.round((performance.now() - started) / 1000);
  let last = "no answer yet";
  let spoke = false;
  const line = () => {
    spoke = true;
    options.log(`… waking the ${deployment} (${endpoint.app}): ${seconds()} s so far, up to ${Math.round(options.timeoutMs / 1000)} s (last: ${last}); a cold start takes minutes`);
  };
  const first = setTimeout(line, options.quietMs);
  const ticker = setInterval(line, options.progressEveryMs);
  try {
    const ready = await waitUntilHealthy(endpoint, proxyAuthHeaders(context.credentials), context.config.proxyAuth, {
      timeoutMs: options.timeoutMs,
      pollMs: options.pollMs,
      attemptTimeoutMs: options.timeoutMs,
      onWaiting: (_elapsed, what) => {
        last = what;
        if (what.includes("result URL")) line();
      },
    });
    if (!ready.ready) {
      throw new UserError(`the ${deployment} at ${endpoint.url} is not ready: ${ready.reason} (--no-wake starts the agent anyway)`);
    }
    if (spoke) options.log(`… the ${deployment} is up after ${seconds()} s`);
    return ready.waitedMs;
  } finally {
    clearTimeout(first);
    clearInterval(ticker);
  }
}

