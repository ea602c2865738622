/**
 * `smoke`: every deployed endpoint, end to end — healthy (waiting through a cold start), then the
 * agent-protocol conformance suite (../conformance/suite.ts, the same checks the deploy gate runs),
 * each result naming the upstream failure it guards. Endpoints are checked at the same time, so
 * their cold starts overlap.
 * @module
 */
import type { Endpoint, ImageEditEndpoint } from "@qwen-code-modal/contract";
import type { ClientContext } from "../endpoints/context";
import { proxyAuthHeaders } from "../endpoints/credentials";
import type { CheckCall, CheckResult } from "../conformance/openai";
import { runConformance, runImageEditConformance, type ConformanceResult } from "../conformance/suite";
import { waitUntilHealthy } from "../endpoints/wait-ready";

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
  /** A check finished (`guards`: the upstream failure a conformance check guards; none for `/health`). */
  checked(deployment: string, result: CheckResult & Partial<Pick<ConformanceResult, "guards">>): void;
}

/** All checks of one deployment, in order; later checks are skipped after a failure. */
export interface DeploymentSmoke {
  deployment: string;
  endpoint: Endpoint | ImageEditEndpoint;
  checks: (CheckResult & Partial<Pick<ConformanceResult, "guards">>)[];
}

/** One check as `smoke` and `bench --check` print it: verdict, deployment, check, the failure it guards, what was seen, time. */
export function checkLine(deployment: string, result: DeploymentSmoke["checks"][number]): string {
  const guards = result.guards ? ` [guards: ${result.guards.failure} (${result.guards.sources.join(", ")})]` : "";
  return `${result.ok ? "ok  " : "FAIL"} ${deployment} ${result.name}${guards}: ${result.detail} (${(result.ms / 1000).toFixed(1)} s)`;
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
  const checks: DeploymentSmoke["checks"] = [];
  const record = (result: DeploymentSmoke["checks"][number]) => {
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
    const timing = { requestTimeoutMs: options.requestTimeoutMs, jobTimeoutMs: options.coldStartTimeoutMs + options.requestTimeoutMs, pollMs: options.pollMs };
    await runImageEditConformance(endpoint, headers, timing, record);
    return { deployment, endpoint, checks };
  }
  const started = performance.now();
  const call: CheckCall = {
    headers,
    timeoutMs: options.requestTimeoutMs,
    onResultUrl: (hop) =>
      reporter.waiting(deployment, Math.round(performance.now() - started), `answer not started within Modal's 150 s limit, following the result URL (303 #${hop})`),
  };
  await runConformance(endpoint, call, record);
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
