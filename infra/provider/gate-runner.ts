/**
 * The provider's side of the deploy gate (infra/conformance/gate.ts): loads the gate from the
 * project's build when the operation runs, runs it on the deployed URL, and on a failure collects
 * the last lines of `modal app logs` for the error.
 *
 * Why a load at run time: the conformance suite and its gateway client (contract/src/modal-http.ts,
 * over undici) are needed only when a deploy is verified, so neither the program nor a no-op
 * `pulumi up` loads them. The compiled suite is loaded from the project's build, found from the
 * provider host's working directory as the provider itself is (./build-provider.ts). The build must
 * exist: `scripts/dev` and `npx tsc -b` make it.
 * @module
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { Endpoint } from "@qwen-code-modal/contract";
import type { GateOutcome } from "../conformance/gate";
import { runModal, type ModalCliContext } from "./modal-cli";
import { projectRootFromCwd } from "./build-provider";

/** Lines of `modal app logs` a failed gate shows. */
export const GATE_LOG_LINES = 30;

/**
 * Runs the conformance gate on a deployed endpoint.
 * @throws Error (plain) when the build holding the suite is missing: before any check.
 */
export async function runDeployGate(req: {
  endpoint: Endpoint;
  headers: Record<string, string>;
  proxyAuth: { tokenIdEnv: string; tokenSecretEnv: string };
  boundSeconds: number;
  onProgress: (line: string) => void;
}): Promise<GateOutcome> {
  const path = join(projectRootFromCwd(process.cwd()), "dist", "infra", "conformance", "gate.js");
  if (!existsSync(path)) throw new Error(`the deploy gate runs the compiled conformance suite, and ${path} is missing: build it (\`npx tsc -b\` or scripts/dev), or turn the gate off (qwen-code-modal:gate false)`);
  const gate = createRequire(path)(path) as typeof import("../conformance/gate");
  return gate.runGate(req);
}

/** The last {@link GATE_LOG_LINES} lines of `modal app logs <app> --tail N`, or why they could not be read. Never throws. */
export async function appLogsTail(ctx: ModalCliContext, appName: string): Promise<string> {
  try {
    const run = await runModal({ ...ctx, onLine: undefined }, ["app", "logs", appName, "--tail", String(GATE_LOG_LINES)], 60);
    const lines = run.stdout.trim().split("\n").slice(-GATE_LOG_LINES);
    return run.exitCode === 0 ? lines.join("\n") : `(modal app logs exited ${run.exitCode})`;
  } catch (err) {
    return `(modal app logs could not run: ${(err as Error).message})`;
  }
}
