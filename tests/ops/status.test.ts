import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { summarizeVllmMetrics } from "../../infra/endpoints/metrics";
import { projectRoot } from "../../infra/core/paths";
import { vllmMetricsRoute } from "../stand-ins/coder-routes";
import { writeStandInEndpointConfig } from "../stand-ins/endpoint-config-file";
import { writeModalCliStandIn, type ModalCliStandIn } from "../stand-ins/modal-cli";
import { startModalEndpointStandIn, type ModalEndpointStandIn } from "../stand-ins/modal-endpoint";

const AUTH = { tokenId: "tk-standin-status-id", tokenSecret: "ts-standin-status-secret" };
const CLI = join(projectRoot(), "dist", "infra", "cli", "main.js");

describe("status against vLLM stand-ins behind Modal gateway stand-ins, and a modal CLI stand-in", () => {
  let dir: string;
  let coder: ModalEndpointStandIn;
  let vlm: ModalEndpointStandIn;
  let modal: ModalCliStandIn;
  let configPath: string;
  let envFile: string;
  const status = (...extra: string[]) =>
    execa(process.execPath, [CLI, "status", "--config", configPath, "--env-file", envFile, ...extra], {
      env: { PATH: process.env.PATH, HOME: dir, QCM_MODAL_CLI: modal.path },
      extendEnv: false,
      reject: false,
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "qcm-status-"));
    const metrics = { running: 2, waiting: 1, kvCacheUsage: 0.375, promptTokens: 123456, generationTokens: 7890 };
    coder = await startModalEndpointStandIn({ model: "qwen3-coder-next", proxyAuth: AUTH, routes: [vllmMetricsRoute("qwen3-coder-next", metrics)] }, { warm: true });
    // Scaled to zero, with a cold start longer than Modal's request limit (scaled down).
    vlm = await startModalEndpointStandIn(
      { model: "qwen3-vl", proxyAuth: AUTH, routes: [vllmMetricsRoute("qwen3-vl", { ...metrics, running: 0 }, true)] },
      { coldStartMs: 1_500, requestLimitMs: 500 },
    );
    configPath = join(dir, "endpoints.json");
    await writeStandInEndpointConfig(configPath, { coder, vlm });
    envFile = join(dir, ".env");
    await writeFile(envFile, `MODAL_PROXY_TOKEN_ID=${AUTH.tokenId}\nMODAL_PROXY_TOKEN_SECRET=${AUTH.tokenSecret}\nMODAL_TOKEN_ID=ak-x\nMODAL_TOKEN_SECRET=as-x\n`);
    modal = await writeModalCliStandIn(dir, [{ name: "qcm-coder", tasks: 1 }, { name: "qcm-vlm", tasks: 0 }, { name: "qcm-vlm", state: "stopped", tasks: 3 }]);
  });
  afterAll(async () => {
    await coder.close();
    await vlm.close();
  });

  it("reads a vLLM-shaped /metrics page (current and pre-0.10 KV-cache names)", async () => {
    // Straight from the vLLM stand-ins (this reads the page format; the gateway is tested below).
    const text = await (await fetch(`${coder.vllm.url}/metrics`, { headers: { "Modal-Key": AUTH.tokenId, "Modal-Secret": AUTH.tokenSecret } })).text();
    expect(summarizeVllmMetrics(text)).toEqual({ running: 2, waiting: 1, kvCacheUsage: 0.375, promptTokens: 123456, generationTokens: 7890 });
    const legacy = await (await fetch(`${vlm.vllm.url}/metrics`, { headers: { "Modal-Key": AUTH.tokenId, "Modal-Secret": AUTH.tokenSecret } })).text();
    expect(summarizeVllmMetrics(legacy).kvCacheUsage).toBe(0.375);
  });

  it("shows the running app's health and metrics, and the scaled-to-zero app without waking it", async () => {
    const vlmRequests = vlm.requests.length;
    const result = await status();
    expect(result.exitCode, result.stderr).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines[0]).toMatch(/^deployment\s+app\s+state\s+containers\s+latency\s+running\s+waiting\s+KV cache\s+prompt tok\s+gen tok\s+warm$/);
    expect(lines[1]).toMatch(/^coder\s+qcm-coder\s+up\s+1\s+\d+ ms\s+2\s+1\s+37\.5%\s+123456\s+7890\s+cold$/);
    expect(lines[2]).toMatch(/^vlm\s+qcm-vlm\s+scaled to zero\s+0\s+-\s+-\s+-\s+-\s+-\s+-\s+cold$/);
    expect(result.stdout).toContain("vlm: no container running; --wake starts one");
    expect(vlm.requests.length).toBe(vlmRequests);
    const [call] = await modal.calls();
    expect(call.argv).toEqual(["app", "list", "--json"]);
    expect(call.modalEnv).toEqual(expect.arrayContaining(["MODAL_TOKEN_ID", "MODAL_TOKEN_SECRET"]));
  });

  it("--wake asks the scaled-to-zero app, following Modal's 303 through a cold start longer than the limit", async () => {
    const result = await status("--wake");
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout.split("\n")[2]).toMatch(/^vlm\s+qcm-vlm\s+up\s+0\s+\d+ ms\s+0\s+1\s+37\.5%/);
    expect(result.stderr).toMatch(/^… vlm: held by Modal past its 150 s limit \(cold start\), following the result URL \(303 #1\), \d+ s so far$/m);
    expect(vlm.gateway.stats).toMatchObject({ coldStarts: 1, unauthorized: 0 });
    expect(vlm.gateway.stats.redirects).toBeGreaterThanOrEqual(2);
  });

  it("reports a 401 as down, naming the credential variables, with exit code 1", async () => {
    await modal.setApps([{ name: "qcm-coder", tasks: 1 }, { name: "qcm-vlm", tasks: 1 }]);
    vlm.setFault({ status: 401, requests: 1 });
    const result = await status();
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/\nvlm\s+qcm-vlm\s+down\s+1\s+\d+ ms/);
    expect(result.stdout).toContain("vlm: Modal proxy auth refused the credentials (HTTP 401): check MODAL_PROXY_TOKEN_ID and MODAL_PROXY_TOKEN_SECRET");
  });

  it("when Modal cannot say, does not wake anything and says why", async () => {
    const before = coder.requests.length + vlm.requests.length;
    const result = await execa(process.execPath, [CLI, "status", "--config", configPath, "--env-file", envFile], {
      env: { PATH: process.env.PATH, HOME: dir, QCM_MODAL_CLI: join(dir, "no-such-modal") },
      extendEnv: false,
      reject: false,
    });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/\ncoder\s+qcm-coder\s+unknown\s+-\s+-/);
    expect(result.stdout).toContain("coder: the modal CLI is not installed");
    expect(coder.requests.length + vlm.requests.length).toBe(before);
  });
});
