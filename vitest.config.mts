import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts", "mcp/tests/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The suites spawn real processes (python + modal, node, MCP servers); two cores here.
    maxWorkers: 2,
    benchmark: {
      include: ["tests/bench/**/*.bench.ts", "mcp/tests/**/*.bench.ts"],
    },
  },
});
