/**
 * `plan` as a user runs it with the pinned vLLM installed: it checks both shims with vLLM's own parser
 * (simulated GPU) and says so; a config vLLM would refuse never reaches it (config validation first).
 */
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli";
import { skipWithoutVllm } from "../support/vllm";

const skip = skipWithoutVllm();

describe.skipIf(skip)("plan with the real vLLM (simulated device)", () => {
  it("prints that vLLM 0.33.0's parser checked the vllm serve commands", async () => {
    const result = await runCli(["plan"], { QCM_VLLM_CHECK: "1", MODAL_TOKEN_ID: "", MODAL_TOKEN_SECRET: "" });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Shims checked by the modal SDK 1\.6\.4: OK\.\nvllm serve commands checked by vLLM 0\.33\.0's parser \(simulated GPU\): OK\.$/m);
  }, 20 * 60_000);
});
