import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEndpointContext } from "../../infra/endpoints/context";
import { install } from "../../infra/clients/install";
import { projectRoot } from "../../infra/core/paths";
import { writeStandInEndpointConfig } from "../stand-ins/endpoint-config-file";
import { startModalEndpointStandIn, type ModalEndpointStandIn } from "../stand-ins/modal-endpoint";

const TOKEN_ID = "wk-standin-qodal-id";
const TOKEN_SECRET = "ws-standin-qodal-secret";
const QWEN = join(projectRoot(), "node_modules", ".bin", "qwen");

describe("qodal runs the real qwen-code 0.24.4 CLI against a vLLM stand-in behind the Modal gateway stand-in", () => {
  let home: string;
  let coder: ModalEndpointStandIn;
  let configPath: string;
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
    // Scaled to zero; its cold start (2.5 s) outlasts Modal's request limit (scaled to 0.8 s).
    coder = await startModalEndpointStandIn(
      { model: "qwen3-coder-next", proxyAuth: { tokenId: TOKEN_ID, tokenSecret: TOKEN_SECRET }, respond: () => ({ content: "stand-in coder says hello" }) },
      { coldStartMs: 2_500, requestLimitMs: 800 },
    );
    configPath = join(home, "endpoints.json");
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

  it("wakes the coder with a progress line, sends the proxy headers and the coder's model id, and keeps telemetry off", async () => {
    const result = await runQodal(["-p", "Say hello."]);
    expect(result.stderr).not.toContain(TOKEN_SECRET);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain("stand-in coder says hello");
    expect(result.stderr).toMatch(/^… waking the coder \(qcm-coder\): \d+ s so far, up to 1200 s \(last: .*\); a cold start takes minutes$/m);
    expect(result.stderr).toMatch(/^… the coder is up after \d+ s$/m);
    // install made qwen-code's bundled ripgrep executable.
    expect(result.stderr).not.toContain("Ripgrep not available");
    expect(coder.gateway.stats).toMatchObject({ coldStarts: 1, unauthorized: 0 });
    const [first] = coder.completions();
    expect(first.headers["modal-key"]).toBe(TOKEN_ID);
    expect(first.headers["modal-secret"]).toBe(TOKEN_SECRET);
    // A Web Function coder (serving web_server): no session header, as before Modal Servers.
    expect(first.headers).not.toHaveProperty("modal-session-id");
    expect(first.headers["user-agent"]).toMatch(/^QwenCode\/0\.24\.4/);
    expect((first.body as { model: string }).model).toBe("qwen3-coder-next");
    expect((first.body as { stream: boolean }).stream).toBe(true);
    await expect(readFile(telemetryFile)).rejects.toThrow(/ENOENT/);
  });

  it("qwen-code follows Modal's 303 to the result URL on its own, with the proxy headers (--no-wake, cold coder)", async () => {
    coder.gateway.scaleToZero();
    const before = coder.gateway.stats.events.length;
    const cli = join(projectRoot(), "dist", "infra", "cli", "main.js");
    const result = await execa(
      process.execPath,
      [cli, "qwen", "--config", configPath, "--env-file", envFile, "--qwen-bin", QWEN, "--no-wake", "--", "-p", "Say hello."],
      { cwd: home, env: { HOME: home, PATH: `${dirname(process.execPath)}:/usr/bin:/bin` }, extendEnv: false, reject: false, timeout: 90_000 },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain("stand-in coder says hello");
    const events = coder.gateway.stats.events.slice(before);
    const redirected = events.find((e) => e.kind === "303" && e.url?.startsWith("/v1/chat/completions"));
    expect(redirected, JSON.stringify(events)).toBeDefined();
    expect(events.some((e) => e.kind === "result" && e.method === "GET" && e.callId === redirected!.callId)).toBe(true);
    expect(events.some((e) => e.kind === "answered" && e.callId === redirected!.callId && e.status === 200)).toBe(true);
    expect(events.filter((e) => e.kind === "401")).toEqual([]);
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
