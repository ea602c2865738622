import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVER_ENTRY_PATH } from "vlm-analyzer";
import { buildServerEntry } from "../../infra/clients/mcp-entry";
import { registerWithClaudeCode, registerWithQwenCode } from "../../infra/clients/mcp-registration";

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

  it("writes Claude Code's .mcp.json with type stdio and never a secret value", async () => {
    const path = join(dir, "project", ".mcp.json");
    process.env.MODAL_PROXY_TOKEN_SECRET_TEST_ONLY = "ws-do-not-write";
    await registerWithClaudeCode(path, buildServerEntry());
    const text = await readFile(path, "utf8");
    expect(JSON.parse(text).mcpServers["vlm-analyzer"]).toEqual({ type: "stdio", ...buildServerEntry() });
    expect(text).not.toContain("ws-do-not-write");
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it("leaves a corrupt settings file untouched and says so", async () => {
    const path = join(dir, "broken.json");
    await writeFile(path, "{ not json");
    await expect(registerWithQwenCode(path)).rejects.toThrow(`${path} is not valid JSON`);
    expect(await readFile(path, "utf8")).toBe("{ not json");
    await writeFile(path, JSON.stringify({ mcpServers: [] }));
    await expect(registerWithClaudeCode(path)).rejects.toThrow(`${path}: "mcpServers" is not an object`);
  });
});
