import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEndpointContext } from "../../infra/endpoints/context";
import { install } from "../../infra/clients/install";
import { projectRoot } from "../../infra/core/paths";
import { writeStandInEndpointConfig } from "../stand-ins/endpoint-config-file";
import { startVllmStandIn, type VllmStandIn } from "../stand-ins/vllm-endpoint";

const TOKEN_ID = "wk-standin-qodal-id";
const TOKEN_SECRET = "ws-standin-qodal-secret";
const QWEN = join(projectRoot(), "node_modules", ".bin", "qwen");

describe("qodal runs the real qwen-code 0.24.4 CLI against a vLLM stand-in", () => {
  let home: string;
  let coder: VllmStandIn;
  let envFile: string;
  let qodal: string;
  let telemetryFile: string;
  /** A clean environment: a temp HOME, Node 24 first on PATH, no credentials but the env file's. */
  const runQodal = (args: string[]) =>
    execa(qodal, args, {
      cwd: home,
      env: { HOME: home, PATH: `${dirname(process.execPath)}:/usr/bin:/bin` },
      extendEnv: false,
      reject: false,
      timeout: 90_000,
    });

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "qcm-qodal-"));
    coder = await startVllmStandIn({
      model: "qwen3-coder-next",
      proxyAuth: { tokenId: TOKEN_ID, tokenSecret: TOKEN_SECRET },
      respond: () => ({ content: "stand-in coder says hello" }),
    });
    const configPath = join(home, "endpoints.json");
    await writeStandInEndpointConfig(configPath, { coder });
    envFile = join(home, "project.env");
    await writeFile(envFile, `MODAL_PROXY_TOKEN_ID=${TOKEN_ID}\nMODAL_PROXY_TOKEN_SECRET=${TOKEN_SECRET}\n`);
    const settingsPath = join(home, ".qwen", "settings.json");
    telemetryFile = join(home, "telemetry.jsonl");
    // The user's own settings turn telemetry on and updates off (no network in tests).
    await mkdir(dirname(settingsPath), { recursive: true });
    await writeFile(
      settingsPath,
      JSON.stringify({ general: { enableAutoUpdate: false }, telemetry: { enabled: true, target: "local", outfile: telemetryFile } }),
    );
    qodal = join(home, ".local", "bin", "qodal");
    const context = await loadEndpointContext({ config: configPath, "env-file": envFile });
    await install(context, { settingsPath, qodalPath: qodal, qwenBin: QWEN, configPath }, () => {});
    // ...and turn telemetry back on after install: qodal must keep it off anyway.
    const settings = JSON.parse(await readFile(settingsPath, "utf8"));
    settings.telemetry.enabled = true;
    await writeFile(settingsPath, JSON.stringify(settings));
  });
  afterAll(() => coder.close());

  it("sends the proxy headers and the coder's model id, and keeps telemetry off", async () => {
    const result = await runQodal(["-p", "Say hello."]);
    expect(result.stderr).not.toContain(TOKEN_SECRET);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain("stand-in coder says hello");
    const [first] = coder.completions();
    expect(first.headers["modal-key"]).toBe(TOKEN_ID);
    expect(first.headers["modal-secret"]).toBe(TOKEN_SECRET);
    expect(first.headers["user-agent"]).toMatch(/^QwenCode\/0\.24\.4/);
    expect((first.body as { model: string }).model).toBe("qwen3-coder-next");
    expect((first.body as { stream: boolean }).stream).toBe(true);
    await expect(readFile(telemetryFile)).rejects.toThrow(/ENOENT/);
  });

  it("stops with one line naming the missing variable, before any request", async () => {
    const before = coder.requests.length;
    await writeFile(envFile, `MODAL_PROXY_TOKEN_ID=${TOKEN_ID}\n`);
    const result = await runQodal(["-p", "Say hello."]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr.trim()).toBe(
      `error: MODAL_PROXY_TOKEN_SECRET is not set: add it to ${envFile} or export it ` +
        "(a Modal proxy auth token, created under modal.com/settings > Proxy Auth Tokens)",
    );
    expect(coder.requests.length).toBe(before);
  });
});
