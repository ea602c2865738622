import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts", "mcp/tests/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The suites spawn real processes (python + modal, node, MCP servers); two cores here.
    maxWorkers: 2,
    // `plan` runs the real-vLLM check (tens of seconds) when vLLM is installed; the suites that run
    // `plan` for other reasons skip it, tests/vllm/ turns it on where it is the point.
    env: {
      QCM_VLLM_CHECK: "0",
      // The ModalApp provider appends deploy events (for the dashboard); tests never write under $HOME.
      QCM_DEPLOY_EVENTS: join(tmpdir(), `qcm-test-deploy-events-${process.pid}.jsonl`),
    },
    benchmark: {
      include: ["tests/bench/**/*.bench.ts", "mcp/tests/**/*.bench.ts"],
    },
  },
});
