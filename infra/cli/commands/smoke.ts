/**
 * `qwen-code-modal smoke`: end-to-end check of every deployed endpoint; exit code 0 when all pass.
 * @module
 */
import type { Command } from "../command";
import { parseClientArgs, positiveNumber } from "../client-options";
import { loadClientContext } from "../../endpoints/context";
import { checkLine, runSmoke, smokePassed, type SmokeReporter } from "../../ops/smoke";

const USAGE = "[--config FILE] [--dotenv FILE] [--cold-start-timeout SECONDS] [--request-timeout SECONDS] [--poll-interval SECONDS]";

/** Default bound on a cold start: 20 minutes (weights download and load of an 80B FP8 model). */
const DEFAULT_COLD_START_S = 1200;
/** Default limit per request once healthy: 5 minutes (a Thinking model reasons before answering). */
const DEFAULT_REQUEST_S = 300;

/** Progress on stderr: one line per check, a line per 15 s of waiting, a line per 303 followed. */
function reporter(): SmokeReporter {
  const lastShown = new Map<string, number>();
  return {
    waiting(deployment, elapsedMs, last) {
      const seconds = Math.round(elapsedMs / 1000);
      // A 303 followed comes at most once per 150 s: always shown.
      if (last.includes("result URL")) return void console.error(`… ${deployment}: ${last}, ${seconds} s so far`);
      const step = Math.floor(elapsedMs / 15_000);
      if (lastShown.get(deployment) === step) return;
      lastShown.set(deployment, step);
      console.error(`… ${deployment}: waiting for a container (cold start), ${seconds} s so far (last: ${last})`);
    },
    checked(deployment, result) {
      console.error(checkLine(deployment, result));
    },
  };
}

export const smokeCommand: Command = {
  name: "smoke",
  summary: "check every endpoint end to end: health, then the conformance suite the deploy gate runs (tool calls single and parallel, literal <tool_call> text, tool result, long prompt, /v1/messages tool_use + count_tokens, images + reasoning split, 4K screenshot, an image edit), one line per check with the failure it guards; waits through a cold start",
  async run(args) {
    const { values } = parseClientArgs(
      "smoke",
      args,
      { "cold-start-timeout": { type: "string" }, "request-timeout": { type: "string" }, "poll-interval": { type: "string" } },
      USAGE,
    );
    const context = await loadClientContext(values);
    const results = await runSmoke(
      context,
      {
        coldStartTimeoutMs: positiveNumber("cold-start-timeout", values["cold-start-timeout"], DEFAULT_COLD_START_S) * 1000,
        requestTimeoutMs: positiveNumber("request-timeout", values["request-timeout"], DEFAULT_REQUEST_S) * 1000,
        pollMs: positiveNumber("poll-interval", values["poll-interval"], 5) * 1000,
      },
      reporter(),
    );
    const passed = smokePassed(results);
    const failed = results.flatMap((r) => r.checks.filter((c) => !c.ok).map((c) => `${r.deployment} ${c.name}`));
    console.log(passed ? `smoke: PASS (${results.map((r) => r.deployment).join(", ")})` : `smoke: FAIL (${failed.join("; ") || "no deployments"})`);
    return passed ? 0 : 1;
  },
};
