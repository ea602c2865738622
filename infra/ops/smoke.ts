/**
 * `smoke`: every deployed endpoint, end to end — healthy (waiting through a cold start), serving
 * its model, and doing its job: the coder a streamed tool call with argument deltas and no markup in
 * `content` (what qwen-code sees), then a streamed `tool_use` and `count_tokens` on `/v1/messages`
 * (what Claude Code sees); the VLM reading images, its reasoning split from its answer.
 * Endpoints are checked at the same time, so their cold starts overlap.
 * @module
 */
import type { Endpoint, ImageEditEndpoint } from "@qwen-code-modal/contract";
import type { ClientContext } from "../endpoints/context";
import { proxyAuthHeaders } from "../endpoints/credentials";
import { checkModels, checkToolCall, checkVision, type CheckCall, type CheckResult } from "./smoke-checks";
import { checkAnthropicToolUse, checkCountTokens } from "./smoke-anthropic";
import { waitUntilHealthy } from "../endpoints/wait-ready";
import { checkImageEdit, checkImageEditModels } from "./smoke-image-edit";

/** Time limits, milliseconds. */
export interface SmokeOptions {
  /** Longest wait for `/health` through a cold start. */
  coldStartTimeoutMs: number;
  /** Pause between `/health` attempts. */
  pollMs: number;
  /** Limit for each request after the endpoint is healthy. */
  requestTimeoutMs: number;
}

/** Where progress goes while the checks run. */
export interface SmokeReporter {
  /** An endpoint is not healthy yet. */
  waiting(deployment: string, elapsedMs: number, last: string): void;
  /** A check finished. */
  checked(deployment: string, result: CheckResult): void;
}

/** All checks of one deployment, in order; later checks are skipped after a failure. */
export interface DeploymentSmoke {
  deployment: string;
  endpoint: Endpoint | ImageEditEndpoint;
  checks: CheckResult[];
}

/** Whether every check of every deployment passed. */
export function smokePassed(results: DeploymentSmoke[]): boolean {
  return results.length > 0 && results.every((r) => r.checks.every((c) => c.ok));
}

async function smokeOne(
  context: ClientContext,
  deployment: string,
  endpoint: Endpoint | ImageEditEndpoint,
  options: SmokeOptions,
  reporter: SmokeReporter,
): Promise<DeploymentSmoke> {
  const headers = proxyAuthHeaders(context.credentials);
  const checks: CheckResult[] = [];
  const record = (result: CheckResult) => {
    checks.push(result);
    reporter.checked(deployment, result);
    return result.ok;
  };
  const ready = await waitUntilHealthy(endpoint, headers, context.config.proxyAuth, {
    timeoutMs: options.coldStartTimeoutMs,
    pollMs: options.pollMs,
    attemptTimeoutMs: Math.min(options.requestTimeoutMs, options.coldStartTimeoutMs),
    onWaiting: (elapsed, last) => reporter.waiting(deployment, elapsed, last),
  });
  const health: CheckResult = ready.ready
    ? { name: "/health", ok: true, detail: ready.waitedMs > ready.healthMs ? `healthy after ${Math.round(ready.waitedMs / 1000)} s (cold start)` : "healthy", ms: ready.waitedMs }
    : { name: "/health", ok: false, detail: ready.reason, ms: ready.waitedMs };
  if (!record(health)) return { deployment, endpoint, checks };
  if (endpoint.role === "image-edit") {
    // The web function answers /health without a GPU; the edit pays the GPU container's cold start.
    if (!record(await checkImageEditModels(endpoint, headers, options.requestTimeoutMs))) return { deployment, endpoint, checks };
    record(await checkImageEdit(endpoint, headers, options.coldStartTimeoutMs + options.requestTimeoutMs, options.pollMs));
    return { deployment, endpoint, checks };
  }
  const started = performance.now();
  const call: CheckCall = {
    headers,
    timeoutMs: options.requestTimeoutMs,
    onResultUrl: (hop) =>
      reporter.waiting(deployment, Math.round(performance.now() - started), `answer not started within Modal's 150 s limit, following the result URL (303 #${hop})`),
  };
  if (!record(await checkModels(endpoint, call))) return { deployment, endpoint, checks };
  if (endpoint.role === "vlm") {
    record(await checkVision(endpoint, call));
    return { deployment, endpoint, checks };
  }
  // The coder: what qwen-code does (OpenAI tool call), then what Claude Code does (/v1/messages).
  for (const check of [checkToolCall, checkAnthropicToolUse, checkCountTokens]) {
    if (!record(await check(endpoint, call))) break;
  }
  return { deployment, endpoint, checks };
}

/** Runs the checks on every deployment of the endpoint config. Never throws for an endpoint's failure. */
export async function runSmoke(context: ClientContext, options: SmokeOptions, reporter: SmokeReporter): Promise<DeploymentSmoke[]> {
  return Promise.all(
    [...Object.entries(context.config.endpoints), ...Object.entries(context.config.imageEdits ?? {})].map(([deployment, endpoint]) =>
      smokeOne(context, deployment, endpoint, options, reporter),
    ),
  );
}
