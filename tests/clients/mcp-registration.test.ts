import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVER_ENTRY_PATH } from "vlm-analyzer";
import { buildServerEntry } from "../../infra/clients/mcp-entry";
import { registerWithClaudeCode, registerWithQwenCode } from "../../infra/clients/mcp-registration";
import { projectRoot } from "../../infra/core/paths";

/** The real Claude Code CLI (devDependency @anthropic-ai/claude-code). */
const CLAUDE = join(projectRoot(), "node_modules", ".bin", "claude");

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vlm-analyzer-register-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const readJson = async (path: string) => JSON.parse(await readFile(path, "utf8"));

describe("registration", () => {
  it("builds an entry with ${VAR} references for the tokens, named as the endpoint config says", () => {
    const entry = buildServerEntry({ tokenEnv: { id: "MY_ID", secret: "MY_SECRET" }, timeoutSeconds: 300 });
    expect(entry).toEqual({
      command: process.execPath,
      args: [SERVER_ENTRY_PATH],
      env: { MODAL_PROXY_TOKEN_ID: "${MY_ID}", MODAL_PROXY_TOKEN_SECRET: "${MY_SECRET}", VLM_TIMEOUT: "300" },
    });
    expect(SERVER_ENTRY_PATH).toMatch(/mcp\/(src|dist)\/index\.js$/);
  });

  it("merges into qwen-code settings keeping other keys, with a timeout past the server's, a backup, and idempotently", async () => {
    const path = join(dir, "qwen", "settings.json");
    await mkdir(join(dir, "qwen"));
    const before = { model: { name: "qwen3-coder" }, mcpServers: { other: { command: "x" }, "vlm-analyzer": { command: "old", trust: true } } };
    await writeFile(path, JSON.stringify(before));
    const first = await registerWithQwenCode(path, buildServerEntry());
    expect(first).toEqual({ path, changed: true, backupPath: `${path}.bak` });
    const after = await readJson(path);
    expect(after.model).toEqual(before.model);
    expect(after.mcpServers.other).toEqual({ command: "x" });
    expect(after.mcpServers["vlm-analyzer"]).toEqual({ ...buildServerEntry(), trust: true, timeout: 660_000, alwaysLoadTools: true });
    expect(await readJson(`${path}.bak`)).toEqual(before);
    const mtime = (await stat(path)).mtimeMs;
    expect(await registerWithQwenCode(path, buildServerEntry())).toEqual({ path, changed: false });
    expect((await stat(path)).mtimeMs).toBe(mtime);
  });

  it("registers with the real Claude Code CLI (claude mcp add-json): project .mcp.json and user config, idempotent, never a secret value", async () => {
    const project = join(dir, "project");
    const cli = { bin: CLAUDE, env: { HOME: join(dir, "home"), PATH: process.env.PATH, CLAUDE_CONFIG_DIR: join(dir, "claude-config") } };
    process.env.MODAL_PROXY_TOKEN_SECRET_TEST_ONLY = "ws-do-not-write";
    const first = await registerWithClaudeCode(cli, { scope: "project", projectDir: project }, buildServerEntry());
    const path = join(project, ".mcp.json");
    expect(first).toEqual({ path, changed: true });
    const text = await readFile(path, "utf8");
    expect(JSON.parse(text).mcpServers["vlm-analyzer"]).toEqual({ type: "stdio", ...buildServerEntry() });
    expect(text).not.toContain("ws-do-not-write");
    const mtime = (await stat(path)).mtimeMs;
    expect(await registerWithClaudeCode(cli, { scope: "project", projectDir: project }, buildServerEntry())).toEqual({ path, changed: false });
    expect((await stat(path)).mtimeMs).toBe(mtime);
    // A different entry replaces the registered one (claude mcp remove, then add-json).
    const longer = buildServerEntry({ timeoutSeconds: 900 });
    expect(await registerWithClaudeCode(cli, { scope: "project", projectDir: project }, longer)).toEqual({ path, changed: true });
    expect(JSON.parse(await readFile(path, "utf8")).mcpServers["vlm-analyzer"]).toEqual({ type: "stdio", ...longer });

    const user = await registerWithClaudeCode(cli, { scope: "user" }, buildServerEntry());
    expect(user).toEqual({ path: join(dir, "claude-config", ".claude.json"), changed: true });
    const userText = await readFile(user.path, "utf8");
    expect(JSON.parse(userText).mcpServers["vlm-analyzer"]).toEqual({ type: "stdio", ...buildServerEntry() });
    expect(userText).not.toContain("ws-do-not-write");
    expect((await stat(user.path)).mode & 0o777).toBe(0o600);
  });

  it("leaves a corrupt settings file untouched and says so", async () => {
    const path = join(dir, "broken.json");
    await writeFile(path, "{ not json");
    await expect(registerWithQwenCode(path)).rejects.toThrow(`${path} is not valid JSON`);
    expect(await readFile(path, "utf8")).toBe("{ not json");
    const project = join(dir, "broken-project");
    const mcpJson = join(project, ".mcp.json");
    await mkdir(project);
    await writeFile(mcpJson, JSON.stringify({ mcpServers: [] }));
    const cli = { bin: CLAUDE, env: { HOME: join(dir, "home"), PATH: process.env.PATH } };
    await expect(registerWithClaudeCode(cli, { scope: "project", projectDir: project })).rejects.toThrow(`${mcpJson}: "mcpServers" is not an object`);
    expect(await readFile(mcpJson, "utf8")).toBe(JSON.stringify({ mcpServers: [] }));
  });
});
