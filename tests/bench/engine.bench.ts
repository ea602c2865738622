// Wall time of `pulumi preview` and of a no-op `pulumi up` under the real Pulumi engine (CLI,
// Node.js language host running the TypeScript program through ts-node with type checking, the
// modal SDK shim check, the dynamic provider host), against the modal CLI stand-in, both default
// deployments deployed. Skipped with a printed reason when no `pulumi` is found
// (tests/engine/engine-stack.ts says where it looks).
import { afterAll, bench, describe } from "vitest";
import { rm } from "node:fs/promises";
import { createEngineStack, findPulumi, type EngineStack } from "../engine/engine-stack";

const found = findPulumi();
if ("missing" in found) console.warn(`SKIPPED engine bench: ${found.missing}`);

/** Deployed once, before the timed runs. */
async function deployedStack(pulumi: string): Promise<EngineStack> {
  const stack = await createEngineStack(pulumi, { MODAL_TOKEN_ID: "ak-bench1", MODAL_TOKEN_SECRET: "as-bench1" });
  const up = await stack.pulumi(["up", "--yes", "--skip-preview"]);
  if (up.exitCode !== 0) throw new Error(`pulumi up failed:\n${up.all}`);
  return stack;
}
const stack = "pulumi" in found ? await deployedStack(found.pulumi) : undefined;

describe.skipIf(!stack)("real Pulumi engine (modal CLI stand-in, both deployments)", () => {
  afterAll(async () => {
    await stack!.pulumi(["destroy", "--yes", "--skip-preview"]);
    await rm(stack!.dir, { recursive: true, force: true });
  });
  const options = { iterations: 3, time: 0, warmupIterations: 0 };
  bench("pulumi preview (no changes)", async () => {
    const r = await stack!.pulumi(["preview", "--expect-no-changes"]);
    if (r.exitCode !== 0) throw new Error(`pulumi preview failed:\n${r.all}`);
  }, options);
  bench("pulumi up, no-op (--expect-no-changes, zero modal calls)", async () => {
    const r = await stack!.pulumi(["up", "--yes", "--expect-no-changes"]);
    if (r.exitCode !== 0) throw new Error(`pulumi up failed:\n${r.all}`);
  }, options);
});
