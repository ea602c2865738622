import { chmod, mkdir, mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEndpointContext } from "../../infra/endpoints/context";
import { install } from "../../infra/clients/install";
import { QODAL_MARKER } from "../../infra/clients/qodal";
import { projectRoot } from "../../infra/core/paths";
import { writeStandInEndpointConfig } from "../stand-ins/endpoint-config-file";
import { startVllmStandIn, type VllmStandIn } from "../stand-ins/vllm-endpoint";

const SECRET_ID = "ak-standin-0123456789";
const SECRET = "as-standin-secret-9876543210";
/** The real Claude Code CLI: install registers vlm-analyzer through `claude mcp add-json`. */
const CLAUDE = join(projectRoot(), "node_modules", ".bin", "claude");

describe("install: qwen-code settings merge and qodal wrapper (endpoint config of a vLLM stand-in)", () => {
  let dir: string;
  let coder: VllmStandIn;
  let vlm: VllmStandIn;
  let configPath: string;
  let envFile: string;
  const lines: string[] = [];
  const run = async (settingsPath: string, qodalPath = join(dir, "bin", "qodal")) => {
    const context = await loadEndpointContext({ config: configPath, "env-file": envFile });
    await install(context, { settingsPath, qodalPath, qwenBin: "/opt/qwen/bin/qwen", claudeConfigDir: join(dir, "claude"), claudeBin: CLAUDE }, (l) =>
      lines.push(l),
    );
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "qcm-install-"));
    coder = await startVllmStandIn({ model: "qwen3-coder-next" });
    vlm = await startVllmStandIn({ model: "qwen3-vl" });
    configPath = join(dir, "endpoints.json");
    await writeStandInEndpointConfig(configPath, { coder, vlm });
    envFile = join(dir, ".env");
    await writeFile(envFile, `MODAL_PROXY_TOKEN_ID=${SECRET_ID}\nMODAL_PROXY_TOKEN_SECRET=${SECRET}\n`);
  });
  afterAll(async () => {
    await coder.close();
    await vlm.close();
  });

  it("keeps the user's keys, sets the coder keys as qwen-code 0.24.4 reads them, and writes no secret", async () => {
    const settingsPath = join(dir, "keep", "settings.json");
    const userSettings = {
      ui: { theme: "GitHub" },
      model: { name: "old-model", maxSessionTurns: 40 },
      modelProviders: { openai: [{ id: "other-model", baseUrl: "https://example.invalid/v1", envKey: "OTHER_KEY" }], anthropic: [{ id: "x" }] },
      mcpServers: { mine: { command: "my-server" } },
      telemetry: { enabled: true, target: "local" },
      env: { MY_VAR: "1" },
    };
    await mkdir(join(dir, "keep"), { recursive: true });
    await writeFile(settingsPath, JSON.stringify(userSettings));
    await run(settingsPath);
    const text = await readFile(settingsPath, "utf8");
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(SECRET_ID);
    const s = JSON.parse(text);
    expect(s.ui).toEqual({ theme: "GitHub" });
    expect(s.mcpServers.mine).toEqual({ command: "my-server" });
    expect(s.mcpServers["vlm-analyzer"]).toMatchObject({
      command: process.execPath,
    });
    // The server reads the tokens from the project's env file itself, as the launchers do: no ${VAR} to export.
    expect(s.mcpServers["vlm-analyzer"].env).toEqual({ QCM_ENV_FILE: envFile, VLM_TIMEOUT: "600" });
    expect(s.modelProviders.anthropic).toEqual([{ id: "x" }]);
    expect(s.modelProviders.openai[0]).toEqual(userSettings.modelProviders.openai[0]);
    expect(s.modelProviders.openai[1]).toEqual({
      id: "qwen3-coder-next",
      name: "qwen3-coder-next on Modal (unsloth/Qwen3-Coder-Next-FP8-Dynamic)",
      baseUrl: coder.baseUrl,
      envKey: "QCM_CODER_API_KEY",
      generationConfig: {
        contextWindowSize: 131072,
        customHeaders: { "Modal-Key": "${MODAL_PROXY_TOKEN_ID}", "Modal-Secret": "${MODAL_PROXY_TOKEN_SECRET}" },
      },
    });
    expect(s.security.auth.selectedType).toBe("openai");
    expect(s.model).toEqual({ name: "qwen3-coder-next", maxSessionTurns: 40 });
    expect(s.telemetry).toEqual({ enabled: false, target: "local" });
    expect(s.privacy.usageStatisticsEnabled).toBe(false);
    expect(s.env).toEqual({ MY_VAR: "1", QCM_CODER_API_KEY: "modal-proxy-auth" });
    expect(JSON.parse(await readFile(`${settingsPath}.bak`, "utf8"))).toEqual(userSettings);
  });

  it("is idempotent: a second run changes neither file nor backup", async () => {
    const settingsPath = join(dir, "twice", "settings.json");
    await run(settingsPath);
    const first = await readFile(settingsPath, "utf8");
    const firstMtime = (await stat(settingsPath)).mtimeMs;
    lines.length = 0;
    await run(settingsPath);
    expect(await readFile(settingsPath, "utf8")).toBe(first);
    expect((await stat(settingsPath)).mtimeMs).toBe(firstMtime);
    await expect(stat(`${settingsPath}.bak`)).rejects.toThrow(/ENOENT/);
    expect(lines).toContain(`settings: ${settingsPath} already up to date`);
    expect(lines).toContain(`qodal: ${join(dir, "bin", "qodal")} already up to date`);
    expect(lines).toContain(`Claude Code: vlm-analyzer already registered in ${join(dir, "claude", ".claude.json")}`);
    const claudeUser = JSON.parse(await readFile(join(dir, "claude", ".claude.json"), "utf8"));
    expect(claudeUser.mcpServers["vlm-analyzer"]).toMatchObject({ type: "stdio", command: process.execPath });
  });

  it("reports a corrupt settings.json and leaves it untouched", async () => {
    const settingsPath = join(dir, "corrupt.json");
    await writeFile(settingsPath, '{ "ui": { "theme": "GitHub" ');
    await expect(run(settingsPath)).rejects.toThrow(/corrupt\.json is not valid JSON .*left untouched/);
    expect(await readFile(settingsPath, "utf8")).toBe('{ "ui": { "theme": "GitHub" ');
    await expect(stat(`${settingsPath}.bak`)).rejects.toThrow(/ENOENT/);
  });

  it("writes an executable qodal wrapper holding paths but no secret, and will not overwrite a foreign file", async () => {
    const qodal = join(dir, "bin", "qodal");
    await run(join(dir, "w", "settings.json"), qodal);
    const script = await readFile(qodal, "utf8");
    expect(script).toContain(QODAL_MARKER);
    expect(script).toContain(`'${envFile}'`);
    expect(script).toContain("'/opt/qwen/bin/qwen'");
    expect(script).not.toContain(SECRET);
    expect((await stat(qodal)).mode & 0o111).toBe(0o111);
    const foreign = join(dir, "bin", "mine");
    await writeFile(foreign, "#!/bin/sh\necho mine\n");
    await chmod(foreign, 0o755);
    await expect(run(join(dir, "w", "settings.json"), foreign)).rejects.toThrow(/was not written by qwen-code-modal/);
    expect(await readFile(foreign, "utf8")).toBe("#!/bin/sh\necho mine\n");
  });
});
