/**
 * The deploy gate: after `modal deploy`, the new version must come up within a bound and pass the
 * conformance suite (./suite.ts) before `pulumi up` counts the deploy as done. The ModalApp
 * provider loads this module from the build (`dist/`) when a gate runs (see
 * infra/provider/gate-runner.ts), so that neither the program nor a no-op loads the suite and
 * its gateway client (contract/src/modal-http.ts, over undici).
 *
 * While Modal starts a container it holds requests or answers 5xx, and during a rolling deploy an
 * old container may still list the old model name: all of that means "not yet" until the bound.
 * @module
 */
import type { Endpoint } from "@qwen-code-modal/contract";
import { waitUntilHealthy } from "../endpoints/wait-ready";
import { runConformance, type ConformanceResult } from "./suite";

/** What to gate and how long to wait. Units: seconds. */
export interface GateRequest {
  /** The endpoint as deployed (its URL from `modal deploy`). */
  endpoint: Endpoint;
  /** Proxy-auth headers (Modal-Key / Modal-Secret). */
  headers: Record<string, string>;
  /** Names of the variables holding them, for a refusal's message. */
  proxyAuth: { tokenIdEnv: string; tokenSecretEnv: string };
  /** The whole gate's bound: cold start plus every check. */
  boundSeconds: number;
  /** Pause between attempts while not serving yet (default 2 s). */
  pollSeconds?: number;
  /** Progress lines (the Pulumi log). */
  onProgress?: (line: string) => void;
}

/** The verdict: every result, and on failure the first failing check (or why the endpoint never served). */
export type GateOutcome =
  | { ok: true; seconds: number; results: ConformanceResult[] }
  | { ok: false; seconds: number; results: ConformanceResult[]; failed?: ConformanceResult; reason: string };

/** `<check name> (guards: <failure>, <sources>): <what came back>` */
export function describeFailedCheck(r: ConformanceResult): string {
  return `check "${r.name}" failed (guards: ${r.guards.failure}; ${r.guards.sources.join(", ")}): ${r.detail}`;
}

/** Runs the gate. Never throws for the endpoint's failure. */
export async function runGate(req: GateRequest): Promise<GateOutcome> {
  const started = performance.now();
  const seconds = () => Math.round((performance.now() - started) / 1000);
  const leftMs = () => Math.max(1000, req.boundSeconds * 1000 - (performance.now() - started));
  const poll = (req.pollSeconds ?? 2) * 1000;
  let results: ConformanceResult[] = [];
  for (;;) {
    const ready = await waitUntilHealthy(req.endpoint, req.headers, req.proxyAuth, {
      timeoutMs: leftMs(),
      pollMs: poll,
      attemptTimeoutMs: Math.min(30_000, leftMs()),
      onWaiting: (ms, last) => req.onProgress?.(`gate: waiting for ${req.endpoint.url}/health, ${Math.round(ms / 1000)} s (last: ${last})`),
    });
    if (!ready.ready) return { ok: false, seconds: seconds(), results, reason: `not healthy within the gate's bound of ${req.boundSeconds} s: ${ready.reason}` };
    results = await runConformance(req.endpoint, { headers: req.headers, timeoutMs: Math.min(300_000, leftMs()) }, (r) =>
      req.onProgress?.(`gate: ${r.ok ? "ok  " : "FAIL"} ${r.name} [guards: ${r.guards.failure}]: ${r.detail}`),
    );
    const failed = results.find((r) => !r.ok);
    if (!failed) return { ok: true, seconds: seconds(), results };
    // The old version still answering (rolling deploy): try again while the bound allows.
    if (failed.id === "models" && performance.now() - started + poll < req.boundSeconds * 1000) {
      await new Promise((r) => setTimeout(r, poll));
      continue;
    }
    return { ok: false, seconds: seconds(), results, failed, reason: describeFailedCheck(failed) };
  }
}
