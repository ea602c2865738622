import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadClientContext } from "../../infra/endpoints/context";
import { runSmoke, smokePassed, type SmokeReporter } from "../../infra/ops/smoke";
import { projectRoot } from "../../infra/core/paths";
import { callFirstTool, conformingCoderOptions } from "../stand-ins/coder-routes";
import { conformingVlm } from "../stand-ins/vllm-endpoint";
import { writeStandInEndpointConfig } from "../stand-ins/endpoint-config-file";
import { startModalEndpointStandIn, type ModalEndpointStandIn } from "../stand-ins/modal-endpoint";
import { waitUntilHealthy } from "../../infra/endpoints/wait-ready";
import { startImageEditStandIn } from "../stand-ins/image-edit-endpoint";

const AUTH = { tokenId: "sk-standin-smoke-id", tokenSecret: "ss-standin-smoke-secret" };
const FAST = { coldStartTimeoutMs: 5_000, pollMs: 50, requestTimeoutMs: 5_000 };

describe("smoke against vLLM stand-ins (coder and VLM) behind Modal gateway stand-ins", () => {
  let dir: string;
  let coder: ModalEndpointStandIn;
  let vlm: ModalEndpointStandIn;
  let configPath: string;
  let envFile: string;
  const waits: string[] = [];
  const reporter: SmokeReporter = { waiting: (d, _ms, last) => waits.push(`${d}: ${last}`), checked: () => {} };
  const context = () => loadClientContext({ config: configPath, "env-file": envFile });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "qcm-smoke-"));
    coder = await startModalEndpointStandIn({ model: "qwen3-coder-next", proxyAuth: AUTH, ...conformingCoderOptions() });
    vlm = await startModalEndpointStandIn({ model: "qwen3-vl", proxyAuth: AUTH, respond: conformingVlm(() => ({ reasoning: "A shape and a colour.", content: "Triangle, red." })) });
    configPath = join(dir, "endpoints.json");
    await writeStandInEndpointConfig(configPath, { coder, vlm });
    envFile = join(dir, ".env");
    await writeFile(envFile, `MODAL_PROXY_TOKEN_ID=${AUTH.tokenId}\nMODAL_PROXY_TOKEN_SECRET=${AUTH.tokenSecret}\n`);
  });
  afterAll(async () => {
    await coder.close();
    await vlm.close();
  });
  beforeEach(() => {
    waits.length = 0;
    coder.setFault(null);
    vlm.setFault(null);
  });

  it("waits through a cold start (503 then 200) and passes every check", async () => {
    coder.setFault({ status: 503, requests: 3 });
    const results = await runSmoke(await context(), FAST, reporter);
    expect(smokePassed(results)).toBe(true);
    expect(waits).toEqual(["coder: HTTP 503", "coder: HTTP 503", "coder: HTTP 503"]);
    const coderChecks = results.find((r) => r.deployment === "coder")!.checks;
    expect(coderChecks.map((c) => c.name)).toEqual([
      "/health",
      "/v1/models",
      "streamed tool call",
      "parallel tool calls (nested JSON, unicode, long string)",
      "literal <tool_call> in prose stays text",
      "tool result fed back and answered",
      "prompt near maxModelLen (131072 tokens)",
      "/v1/messages tool_use (Claude Code)",
      "/v1/messages/count_tokens",
    ]);
    const detail = (id: string) => coderChecks.find((c) => c.guards && (c as { id?: string }).id === id)!.detail;
    expect(coderChecks[0].detail).toMatch(/cold start/);
    expect(detail("coder.streamed-tool-call")).toBe('get_weather({"city":"Paris"})');
    expect(detail("coder.anthropic-tool-use")).toMatch(/^tool_use get_weather\(\{"city":"Paris"\}\) in 2 input_json_delta\(s\)$/);
    expect(detail("coder.count-tokens")).toMatch(/^\d+ input tokens$/);
    expect(results.find((r) => r.deployment === "vlm")!.checks[2].detail).toBe('"Triangle, red.", reasoning split (21 chars)');
    const sent = coder.completions().find((r) => JSON.stringify(r.body).includes("get_weather tool"))!;
    expect(sent.body).toMatchObject({ model: "qwen3-coder-next", stream: true, tools: [{ function: { name: "get_weather" } }] });
    const vlmSent = vlm.completions()[0];
    expect(vlmSent.images.map((i) => `${i.format} ${i.width}x${i.height}`)).toEqual(["png 256x256", "png 256x256"]);
  });

  it("fails at once on a 401, naming the credential variables", async () => {
    await writeFile(envFile, `MODAL_PROXY_TOKEN_ID=wrong\nMODAL_PROXY_TOKEN_SECRET=${AUTH.tokenSecret}\n`);
    try {
      const results = await runSmoke(await context(), FAST, reporter);
      expect(smokePassed(results)).toBe(false);
      for (const r of results) {
        expect(r.checks).toEqual([
          expect.objectContaining({
            name: "/health",
            ok: false,
            detail: "Modal proxy auth refused the credentials (HTTP 401): check MODAL_PROXY_TOKEN_ID and MODAL_PROXY_TOKEN_SECRET",
          }),
        ]);
      }
      expect(waits).toEqual([]);
    } finally {
      await writeFile(envFile, `MODAL_PROXY_TOKEN_ID=${AUTH.tokenId}\nMODAL_PROXY_TOKEN_SECRET=${AUTH.tokenSecret}\n`);
    }
  });

  it("fails when a cold start outlasts the bound", async () => {
    vlm.setFault({ status: 503 });
    const results = await runSmoke(await context(), { ...FAST, coldStartTimeoutMs: 3_000 }, reporter);
    expect(smokePassed(results)).toBe(false);
    expect(results.find((r) => r.deployment === "vlm")!.checks[0].detail).toMatch(/^not healthy after \d+ s \(last answer: HTTP 503\)$/);
    expect(results.find((r) => r.deployment === "coder")!.checks.every((c) => c.ok)).toBe(true);
  });

  /** Smoke on one deployment: a fresh stand-in whose model answers with `reply`. */
  async function smokeAlone(role: "coder" | "vlm", model: string, reply: string) {
    const standIn = await startModalEndpointStandIn({ model, proxyAuth: AUTH, respond: () => ({ content: reply }) });
    try {
      const path = join(dir, `${role}-alone.json`);
      await writeStandInEndpointConfig(path, { [role]: standIn });
      return await runSmoke(await loadClientContext({ config: path, "env-file": envFile }), FAST, reporter);
    } finally {
      await standIn.close();
    }
  }

  it("fails when the coder answers in text instead of a structured tool call", async () => {
    const results = await smokeAlone("coder", "qwen3-coder-next", '<tool_call>{"name": "get_weather"}</tool_call>');
    expect(smokePassed(results)).toBe(false);
    expect(results[0].checks[2].detail).toMatch(/^no get_weather entry in tool_calls \(finish_reason stop.*--tool-call-parser qwen3_coder\?$/);
  });

  it("fails when the VLM's answer misses what the images show", async () => {
    const results = await smokeAlone("vlm", "qwen3-vl", "Circle, blue.");
    expect(smokePassed(results)).toBe(false);
    expect(results[0].checks[2]).toMatchObject({ ok: false, detail: 'answer "Circle, blue." does not say triangle or red' });
  });

  it("the smoke command exits 0 on pass and 1 on fail", async () => {
    const cli = join(projectRoot(), "dist", "infra", "cli", "main.js");
    const args = ["smoke", "--config", configPath, "--env-file", envFile, "--cold-start-timeout", "5", "--poll-interval", "0.05"];
    const pass = await execa(process.execPath, [cli, ...args], { reject: false });
    expect(pass.exitCode, pass.stderr).toBe(0);
    expect(pass.stdout).toBe("smoke: PASS (coder, vlm)");
    expect(pass.stderr).toContain("ok   vlm images (triangle, colour block)");
    // One line per check, each naming the upstream failure it guards.
    expect(pass.stderr).toMatch(/^ok   coder streamed tool call \[guards: tool call left in content as <tool_call> text \(vllm-project\/vllm#22975, /m);
    expect(pass.stderr.match(/^ok   coder .*\[guards: /gm)).toHaveLength(8);
    vlm.setFault({ status: 503, requests: 100 });
    const failing = await execa(process.execPath, [cli, ...args, "--cold-start-timeout", "1"], { reject: false });
    expect(failing.exitCode).toBe(1);
    expect(failing.stdout).toBe("smoke: FAIL (vlm /health)");
    expect(failing.stderr).toContain("… vlm: waiting for a container (cold start)");
    // The time shown is the time waited (about the 1 s bound), not a copy of --cold-start-timeout.
    expect(failing.stderr).toMatch(/^FAIL vlm \/health: not healthy after 1 s \(last answer: HTTP 503\) \((0\.[89]|1\.\d) s\)$/m);
  });

  it("a 500 from /health is not a cold start: it fails at once with the body, and the time shown is the time spent", async () => {
    vlm.setFault({ status: 500, body: "engine core died", requests: 100 });
    const started = performance.now();
    const results = await runSmoke(await context(), { ...FAST, coldStartTimeoutMs: 5_000 }, reporter);
    const health = results.find((r) => r.deployment === "vlm")!.checks[0];
    expect(health).toMatchObject({ ok: false, detail: expect.stringMatching(/\/health answered HTTP 500, not a cold start: engine core died; check the deployment's logs$/) });
    expect(health.ms).toBeLessThan(1_000);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(waits.filter((w) => w.startsWith("vlm"))).toEqual([]);
  });

  it("wait-ready makes its last poll before the bound instead of giving up one poll early", async () => {
    // 503 for 0.7 s; bound 1 s, polls every 0.5 s: attempts at 0 and 0.5 s see 503, the last one (0.75 s) sees 200.
    vlm.setFault({ status: 503, forMs: 700 });
    const ctx = await context();
    const ready = await waitUntilHealthy(ctx.config.endpoints.vlm, { "Modal-Key": AUTH.tokenId, "Modal-Secret": AUTH.tokenSecret }, ctx.config.proxyAuth, {
      timeoutMs: 1_000,
      pollMs: 500,
      attemptTimeoutMs: 1_000,
    });
    expect(ready).toMatchObject({ ready: true });
    expect(ready.waitedMs).toBeGreaterThanOrEqual(700);
  });

  it("passes through a cold start longer than Modal's request limit: /health and the checks follow the 303s", async () => {
    const slow = await startModalEndpointStandIn(
      { model: "qwen3-vl", proxyAuth: AUTH, respond: conformingVlm(() => ({ reasoning: "A shape and a colour.", content: "Triangle, red.", pieceDelayMs: 150 })) },
      { coldStartMs: 1_500, requestLimitMs: 400 },
    );
    try {
      const path = join(dir, "vlm-cold.json");
      await writeStandInEndpointConfig(path, { vlm: slow });
      const results = await runSmoke(await loadClientContext({ config: path, "env-file": envFile }), FAST, reporter);
      expect(smokePassed(results), JSON.stringify(results)).toBe(true);
      expect(slow.gateway.stats.coldStarts).toBe(1);
      expect(slow.gateway.stats.redirects).toBeGreaterThanOrEqual(3);
      expect(slow.gateway.stats.unauthorized).toBe(0);
      // Held during the cold start (/health), and again on the non-streamed image answer (~0.6 s of generation > 0.4 s).
      expect(waits.filter((w) => w.includes("held by Modal past its 150 s limit, following the result URL (303 #1)"))).toHaveLength(1);
      expect(waits.filter((w) => w.includes("answer not started within Modal's 150 s limit, following the result URL (303 #1)"))).toHaveLength(1);
    } finally {
      await slow.close();
    }
  });
});

describe("smoke against an image-edit endpoint stand-in (with vLLM stand-ins)", () => {
  it("checks /v1/models and makes one small edit of a generated image through the job API, then deletes the job", async () => {
    const dir = await mkdtemp(join(tmpdir(), "qcm-smoke-image-"));
    const coder = await startModalEndpointStandIn({ model: "qwen3-coder-next", proxyAuth: AUTH, respond: callFirstTool({ city: "Paris" }) });
    const vlm = await startModalEndpointStandIn({ model: "qwen3-vl", proxyAuth: AUTH, respond: () => ({ content: "Triangle, red." }) });
    const edit = await startImageEditStandIn({ proxyAuth: { id: AUTH.tokenId, secret: AUTH.tokenSecret }, queuedPolls: 2 });
    try {
      const configPath = join(dir, "endpoints.json");
      const written = await writeStandInEndpointConfig(configPath, { coder, vlm });
      const imageEdits = { "image-edit": { role: "image-edit", app: "qcm-image-edit", url: edit.url, model: "qwen-image-edit", modelId: "Qwen/Qwen-Image-Edit-2511", maxInputImages: 2, defaultSteps: 40, maxSteps: 100 } };
      await writeFile(configPath, JSON.stringify({ ...written, imageEdits }));
      const envFile = join(dir, ".env");
      await writeFile(envFile, `MODAL_PROXY_TOKEN_ID=${AUTH.tokenId}\nMODAL_PROXY_TOKEN_SECRET=${AUTH.tokenSecret}\n`);
      const results = await runSmoke(await loadClientContext({ config: configPath, "env-file": envFile }), FAST, { waiting: () => {}, checked: () => {} });
      // The vLLM deployments' checks are the describe above's subject; here, the image-edit one's.
      const checks = results.find((r) => r.deployment === "image-edit")!.checks;
      expect(checks.every((c) => c.ok), JSON.stringify(checks)).toBe(true);
      expect(checks.map((c) => c.name)).toEqual(["/health", "/v1/models", "edit (8 steps, 512x512)"]);
      expect(checks[2].detail).toMatch(/^edited in \d+ s \(job [0-9a-f]{32}\)$/);
      expect(edit.requests.filter((r) => r.path.endsWith("/result")).map((r) => r.status)).toEqual([200]);
      expect(edit.requests.at(-1)).toMatchObject({ method: "DELETE", status: 200 });
      expect(edit.jobs.size).toBe(0);
    } finally {
      await Promise.all([coder.close(), vlm.close(), edit.close()]);
    }
  });
});
