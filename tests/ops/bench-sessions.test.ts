import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../infra/core/paths";
import type { BenchResult } from "../../infra/bench/results";
import { writeStandInEndpointConfig } from "../stand-ins/endpoint-config-file";
import { startModalServerRouter, type ModalServerRouterStandIn } from "../stand-ins/modal-gateway";
import { startVllmStandIn, type VllmStandIn } from "../stand-ins/vllm-endpoint";
import { vllmEngine, type VllmEngine } from "../stand-ins/vllm-engine";

const AUTH = { tokenId: "wk-sessions1", tokenSecret: "ws-sessions1" };
const CLI = join(projectRoot(), "dist", "infra", "cli", "main.js");

/**
 * A stand-in test: two coder containers behind the Modal Server router stand-in, each a vLLM
 * stand-in with its own prefix cache and `--enable-prompt-tokens-details` (as the server-mode shim
 * renders it).
 */
describe("bench --sessions across two containers behind the Modal Server router stand-in (rendezvous on Modal-Session-ID)", () => {
  let dir: string;
  const engines: VllmEngine[] = [];
  const containers: VllmStandIn[] = [];
  let router: ModalServerRouterStandIn;
  let configPath: string;
  let envFile: string;
  const run = (args: string[]) =>
    execa(process.execPath, [CLI, "bench", ...args, "--config", configPath, "--env-file", envFile, "--bench-dir", join(dir, "bench")], {
      env: { PATH: process.env.PATH, HOME: dir },
      extendEnv: false,
      reject: false,
    });
  const workload = ["--sessions", "4", "--turns", "4", "--context-tokens", "6000", "--turn-tokens", "300", "--max-tokens", "32"];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "qcm-bench-sessions-"));
    for (let i = 0; i < 2; i += 1) {
      const engine = vllmEngine("qwen3-coder-next", { blockTokens: 64, prefillMsPerToken: 0.05, interTokenMs: 1, promptTokensDetails: true });
      engines.push(engine);
      containers.push(await startVllmStandIn({ model: "qwen3-coder-next", proxyAuth: false, respond: engine.respond, routes: [engine.metricsRoute] }));
    }
    // A seeded choice (mulberry32, seed 2: 1001110010100110 for the 16 headerless requests) for
    // requests without the header, so the containers' mix is the same every run.
    let seed = 2;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    router = await startModalServerRouter({ upstreams: containers.map((c) => c.url), proxyToken: AUTH, random });
    configPath = join(dir, "endpoints.json");
    await writeStandInEndpointConfig(configPath, { coder: { model: "qwen3-coder-next", url: router.url, baseUrl: router.baseUrl } }, ["coder"]);
    envFile = join(dir, ".env");
    await writeFile(envFile, `MODAL_PROXY_TOKEN_ID=${AUTH.tokenId}\nMODAL_PROXY_TOKEN_SECRET=${AUTH.tokenSecret}\n`);
  });
  afterAll(async () => {
    await router?.close();
    for (const c of containers) await c.close();
  });

  it("--session-ids both: the cache hit rate with session IDs is far above the one without, and both are printed", async () => {
    const result = await run([...workload, "--session-ids", "both"]);
    expect(result.exitCode, result.stderr + result.stdout).toBe(0);
    console.log(result.stdout); // both tables and the comparison, in the CI log
    const out = result.stdout;
    expect(out).toMatch(/session IDs\s+none sent/);
    expect(out).toMatch(/session IDs\s+Modal-Session-ID sent, one per session/);
    const [, withRate, withoutRate] = /session affinity: later-turn cache hit rate (\d+\.\d)% with Modal-Session-ID vs (\d+\.\d)% without; later-turn TTFT p50 [\d.]+ s vs [\d.]+ s/.exec(out) ?? [];
    expect(Number(withRate)).toBeGreaterThan(85);
    expect(Number(withoutRate)).toBeLessThan(Number(withRate) - 15);

    // The request log: the first pass sent no header and its sessions' turns landed on both containers;
    // the second pass's every request carried its session's id and stayed on that id's container.
    const chats = router.requests.filter((r) => r.url === "/v1/chat/completions");
    expect(chats).toHaveLength(2 * 4 * 4);
    const [first, second] = [chats.slice(0, 16), chats.slice(16)];
    expect(first.every((r) => r.sessionId === undefined)).toBe(true);
    expect(new Set(first.map((r) => r.container))).toEqual(new Set([0, 1]));
    const ids = new Set(second.map((r) => r.sessionId));
    expect(ids.size).toBe(4);
    for (const id of ids) {
      expect(id).toMatch(/^qcm-[0-9a-f-]{36}-[4-7]$/);
      const turns = second.filter((r) => r.sessionId === id);
      expect(turns).toHaveLength(4);
      expect(new Set(turns.map((r) => r.container))).toEqual(new Set([router.containerFor(id!)]));
    }
    // Each container's engine counted what the usage lines reported.
    const cached = engines.flatMap((e) => e.log).reduce((n, r) => n + r.cachedTokens, 0);
    expect(cached).toBeGreaterThan(0);
  });

  it("--json with both: the two results side by side, the hit rates from the responses' usage", async () => {
    const result = await run([...workload, "--sessions", "2", "--turns", "4", "--session-ids", "both", "--json"]);
    expect(result.exitCode, result.stderr).toBe(0);
    const { withoutSessionIds, withSessionIds } = JSON.parse(result.stdout) as { withoutSessionIds: BenchResult; withSessionIds: BenchResult };
    expect(withoutSessionIds.sessionIds).toBe(false);
    expect(withSessionIds.sessionIds).toBe(true);
    expect(withSessionIds.usageCache!.laterTurnsHitRate!).toBeGreaterThan(0.85);
    expect(withSessionIds.usageCache!.promptTokens).toBe(withSessionIds.tokens.prompt);
  });

  it("default on a Modal Server endpoint: session IDs sent; --session-ids off sends none; a bad mode is refused before any request", async () => {
    const before = router.requests.length;
    const bad = await run([...workload, "--session-ids", "maybe"]);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toContain('--session-ids must be one of on, off, both (got "maybe")');
    expect(router.requests.length).toBe(before);
    const on = await run([...workload, "--sessions", "1", "--turns", "2"]);
    expect(on.exitCode, on.stderr).toBe(0);
    expect(router.requests.slice(before).filter((r) => r.url === "/v1/chat/completions").every((r) => r.sessionId)).toBe(true);
    const mark = router.requests.length;
    const off = await run([...workload, "--sessions", "1", "--turns", "2", "--session-ids", "off"]);
    expect(off.exitCode, off.stderr).toBe(0);
    expect(router.requests.slice(mark).filter((r) => r.url === "/v1/chat/completions").every((r) => r.sessionId === undefined)).toBe(true);
  });
});
