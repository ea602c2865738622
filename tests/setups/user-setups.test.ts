/**
 * The "user setups" suite (issue 21): the project as new users run it in their own setups rather
 * than the test harness's — tokens only exported, only in `~/.modal.toml`, only in the project's
 * `.env`, or the Modal token only in the Pulumi stack config as secrets (the real pulumi CLI; without
 * one the setup is skipped with a printed reason, and under CI=true that is a failure); a qwen-code
 * settings file with comments; launcher flags after `qodal`; an upstream that echoes the credentials
 * back. In each setup the real CLIs run: `qodal -p` (the real qwen-code CLI), the `claude` launcher
 * (the real Claude Code), `smoke`, `status`, `warm --for` with its auto-`cool` timer observed at
 * expiry, `spend`, `dashboard` (its API), and the registered MCP server (MCP SDK client). Stand-ins:
 * the coder/VLM (vLLM stand-in behind the Modal gateway stand-in) and the `modal` CLI stand-in.
 * Nothing may print or write a token value.
 */
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { parse as parseJsonc } from "jsonc-parser";
import { findPulumi } from "../engine/engine-stack";
import { launchDashboard } from "../dashboard/harness";
import { CLAUDE, CLAUDE_HELLO, CODER_HELLO, filesUnder, leakedTokens, startUserSetup, TOKENS, type CredentialPlace, type UserSetup, VLM_ANSWER } from "./user-setup";

/** Files in the user's HOME that hold tokens on purpose (theirs), or that only the stand-ins write. */
const NOT_OURS = [/\/project\/\.env$/, /\/\.modal\.toml$/, /\/modal-stand-in-state\.json(\.lock)?$/];

/** A warm period this long, seconds: its timer must run `cool` by itself when it ends. */
const WARM_SECONDS = 3;

const found = findPulumi();
if ("missing" in found) {
  if (process.env.CI === "true") throw new Error(`the pulumi-config user setup cannot run under CI: ${found.missing}`);
  console.warn(`SKIPPED the pulumi-config user setup (tests/setups): ${found.missing}`);
}
const pulumi = "pulumi" in found ? found.pulumi : undefined;

const PLACES: CredentialPlace[] = ["environment", "modal-toml", "dotenv", ...(pulumi ? (["pulumi-config"] as const) : [])];

/** The MODAL_TOKEN_ID a `modal` child sees: none with `~/.modal.toml` (modal reads the file itself), else this setup's token. */
const modalTokenIdSeen = (place: CredentialPlace) => (place === "modal-toml" ? null : TOKENS.modalId);

describe.each(PLACES)("a user whose tokens are in: %s", (place) => {
  let setup: UserSetup;
  beforeAll(async () => {
    setup = await startUserSetup(place, { pulumi });
  }, 120_000);
  afterAll(async () => {
    await setup?.close();
  });

  it("install kept the JSONC settings' comments, and no .env exists unless the user has one", async () => {
    const text = await readFile(setup.settingsPath, "utf8");
    for (const comment of ["// my own settings: install must keep this comment", "/* no network here */", "/* a theme I like */"]) expect(text).toContain(comment);
    const settings = parseJsonc(text) as { ui: { theme: string }; mcpServers: Record<string, unknown>; model: { name: string } };
    expect(settings.ui.theme).toBe("GitHub");
    expect(settings.mcpServers["vlm-analyzer"]).toBeDefined();
    expect(settings.model.name).toBe("qwen3-coder-next");
    expect(existsSync(setup.dotenv)).toBe(place === "dotenv");
    // The wrapper passes no --env-file (Node would read it itself and die without the file).
    expect(await readFile(setup.qodalPath, "utf8")).not.toContain("--env-file");
  });

  it("qodal -p wakes the coder, then runs the real qwen-code on it with the proxy token from this setup", async () => {
    const result = await setup.qodal(["-p", "Say hello."]);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(result.stdout).toContain(CODER_HELLO);
    // The launcher woke the coder (/health) before qwen-code's first completion.
    const health = setup.coder.requests.findIndex((r) => r.path === "/health" && r.status === 200);
    const completion = setup.coder.requests.findIndex((r) => r.path === "/v1/chat/completions" && r.status === 200);
    expect(health).toBeGreaterThanOrEqual(0);
    expect(completion).toBeGreaterThan(health);
    expect(setup.coder.requests[completion].headers["modal-key"]).toBe(TOKENS.proxyId);
  }, 150_000);

  it("qodal --no-wake -p: the launcher takes --no-wake, qwen-code gets -p (no wake, no 'Unknown argument')", async () => {
    const healthBefore = setup.coder.requests.filter((r) => r.path === "/health").length;
    const result = await setup.qodal(["--no-wake", "-p", "Say hello."]);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(result.stdout).toContain(CODER_HELLO);
    expect(result.stderr).not.toMatch(/waking the coder|Unknown argument/);
    expect(setup.coder.requests.filter((r) => r.path === "/health").length).toBe(healthBefore);
  }, 150_000);

  it("the claude launcher runs the real Claude Code on the coder", async () => {
    const result = await setup.cli(["claude", "--config", setup.configPath, "--dotenv", setup.dotenv, "--claude-bin", CLAUDE, "-p", "Say hello."]);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(result.stdout).toContain(CLAUDE_HELLO);
  }, 150_000);

  it("smoke passes every check on the coder and the VLM", async () => {
    const result = await setup.cli(["smoke", "--config", setup.configPath, "--dotenv", setup.dotenv, "--cold-start-timeout", "60", "--request-timeout", "30"]);
    expect(result.exitCode, String(result.stdout) + String(result.stderr)).toBe(0);
    expect(result.stdout).toMatch(/coder/);
    expect(result.stdout).toMatch(/vlm/);
  }, 150_000);

  it("status reads Modal through the modal CLI with this setup's Modal token", async () => {
    const result = await setup.cli(["status", "--config", setup.configPath, "--dotenv", setup.dotenv, ...setup.modalArgs]);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(result.stdout).toMatch(/\ncoder\s+qcm-coder\s/);
    const listed = (await setup.modal.state()).calls.filter((c) => c.argv[0] === "app" && c.argv[1] === "list");
    expect(listed.length).toBeGreaterThan(0);
    for (const call of listed) expect(call.tokenId).toBe(modalTokenIdSeen(place));
  }, 60_000);

  it(`warm --for ${WARM_SECONDS}s: the background timer runs cool at expiry by itself (min_containers back to 0)`, async () => {
    const overrides = async () => (await setup.modal.state()).apps.find((a) => a.name === "qcm-vlm" && a.state === "deployed")?.functions?.serve.overrides ?? {};
    const warmed = await setup.cli(["warm", "vlm", "--for", `${WARM_SECONDS}s`, "--config", setup.configPath, "--dotenv", setup.dotenv, ...setup.modalArgs]);
    expect(warmed.exitCode, String(warmed.stderr)).toBe(0);
    const started = Date.now();
    expect((await overrides()).min_containers?.value).toBe(1);
    const records = join(setup.home, ".config", "qwen-code-modal", "warm.json");
    expect(existsSync(records)).toBe(true);
    const ended = async () => (await overrides()).min_containers?.value === 0 && !existsSync(records);
    while (Date.now() - started < 30_000 && !(await ended())) await new Promise((r) => setTimeout(r, 200));
    const endedAfter = (Date.now() - started) / 1000;
    expect((await overrides()).min_containers?.value).toBe(0);
    expect(existsSync(records)).toBe(false);
    // Ended by the timer at the expiry, not before it (nothing else ran meanwhile).
    expect(endedAfter).toBeGreaterThanOrEqual(WARM_SECONDS - 1);
    const cools = (await setup.modal.state()).calls.filter((c) => c.argv.includes("autoscaler") && c.argv.includes("--min-containers") && c.argv.includes("0"));
    expect(cools.length).toBeGreaterThan(0);
    // The timer's cool ran with this setup's Modal token too.
    for (const call of cools) expect(call.tokenId).toBe(modalTokenIdSeen(place));
  }, 60_000);

  it("spend reads Modal's billing report with this setup's Modal token", async () => {
    await setup.modal.setBilling({
      rows: [{ object_id: "ap-usersetup0001", description: "qcm-coder", environment_name: "main", interval_start: `${new Date().toISOString().slice(0, 10)}T00:00:00`, cost: "1.25" }],
    });
    const result = await setup.cli(["spend", "--dotenv", setup.dotenv, ...setup.modalArgs]);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(result.stdout).toContain("$1.25");
  }, 60_000);

  it("the MCP server as registered answers analyze_image through the gateway with this setup's proxy token", async () => {
    const settings = parseJsonc(await readFile(setup.settingsPath, "utf8")) as { mcpServers: Record<string, { command: string; args: string[]; env?: Record<string, string> }> };
    const entry = settings.mcpServers["vlm-analyzer"];
    const image = join(setup.home, "red.png");
    await writeFile(image, await sharp({ create: { width: 64, height: 64, channels: 3, background: "red" } }).png().toBuffer());
    // The agent starts the server with its own environment plus the entry's variables.
    const transport = new StdioClientTransport({ command: entry.command, args: entry.args, env: { ...setup.env, ...(entry.env ?? {}) }, stderr: "pipe" });
    let stderr = "";
    transport.stderr?.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    const client = new Client({ name: "user-setups", version: "0.0.0" });
    await client.connect(transport);
    try {
      const result = await client.callTool({ name: "analyze_image", arguments: { image_path: image, prompt: "What is this?" } }, undefined, { timeout: 60_000 });
      const text = (result.content as { type: string; text?: string }[]).find((c) => c.type === "text")?.text ?? "";
      expect(result.isError ?? false, text).toBe(false);
      expect(text).toContain(VLM_ANSWER);
      expect(setup.vlm.requests.some((r) => r.path === "/v1/chat/completions" && r.headers["modal-secret"] === TOKENS.proxySecret)).toBe(true);
    } finally {
      await client.close();
      setup.outputs.push(stderr);
    }
  }, 90_000);

  it("dashboard: its API answers with the run's token and shows Modal as read with this setup's Modal token", async () => {
    const callsBefore = (await setup.modal.state()).calls.length;
    // The real CLI as a user starts it; the run's token comes from the URL it prints (never argv).
    const dashboard = await launchDashboard(["--no-open", "--port", "0", "--config", setup.configPath, "--dotenv", setup.dotenv, ...setup.modalArgs], setup.env);
    try {
      const url = new URL(dashboard.url);
      const token = url.hash.slice("#token=".length);
      const coderLive = async () => {
        const response = await fetch(`${url.origin}/api/state`, { headers: { authorization: `Bearer ${token}` } });
        expect(response.status).toBe(200);
        const state = (await response.json()) as { live: { name: string; modal: string }[] };
        return state.live.find((l) => l.name === "coder")?.modal;
      };
      await expect.poll(coderLive, { timeout: 30_000, interval: 250 }).toBe("deployed");
      const listed = (await setup.modal.state()).calls.slice(callsBefore).filter((c) => c.argv[0] === "app" && c.argv[1] === "list");
      expect(listed.length).toBeGreaterThan(0);
      for (const call of listed) expect(call.tokenId).toBe(modalTokenIdSeen(place));
    } finally {
      dashboard.child.kill("SIGTERM");
      await dashboard.child;
      setup.outputs.push(dashboard.output());
    }
  }, 90_000);

  it.runIf(place === "pulumi-config")("in a shell without PULUMI_CONFIG_PASSPHRASE, status and warm stop with one error naming the stack, the keys and the fix, and do nothing", async () => {
    const callsBefore = (await setup.modal.state()).calls.length;
    for (const command of [["status"], ["warm", "vlm", "--for", `${WARM_SECONDS}s`]]) {
      const result = await setup.cli([...command, "--config", setup.configPath, "--dotenv", setup.dotenv, ...setup.modalArgs], { PULUMI_CONFIG_PASSPHRASE: undefined });
      expect(result.exitCode, command[0]).toBe(1);
      expect(result.stdout, command[0]).toBe("");
      expect(String(result.stderr).trim().split("\n"), command[0]).toEqual([
        `error: stack stand-in (${setup.pulumiConfigFile}) sets qwen-code-modal:modalTokenId and qwen-code-modal:modalTokenSecret, but \`pulumi config --show-secrets\` failed ` +
          "(error: passphrase must be set with PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE environment variables): export PULUMI_CONFIG_PASSPHRASE " +
          "(or PULUMI_CONFIG_PASSPHRASE_FILE) and the backend (PULUMI_BACKEND_URL or `pulumi login`) as for `pulumi up`, or name the right stack with --pulumi-stack / --pulumi-config-file",
      ]);
    }
    // Nothing done: no modal call, no warm period recorded.
    expect((await setup.modal.state()).calls.length).toBe(callsBefore);
    expect(existsSync(join(setup.home, ".config", "qwen-code-modal", "warm.json"))).toBe(false);
  }, 60_000);

  it("nothing printed and no file written (but the user's own credential files) holds a token value", async () => {
    expect(setup.outputs.length).toBeGreaterThan(10);
    // The stack config holds the Modal token encrypted (`secure:`), and is scanned like every other file.
    if (setup.pulumiConfigFile) expect(await readFile(setup.pulumiConfigFile, "utf8")).toMatch(/qwen-code-modal:modalTokenSecret:\s+secure: v1:/);
    expect(leakedTokens(setup.outputs.join("\n"))).toEqual([]);
    for (const [path, text] of await filesUnder(setup.home)) {
      if (NOT_OURS.some((p) => p.test(path))) continue;
      expect(leakedTokens(text), path).toEqual([]);
    }
  });
});

describe("an upstream that echoes the request's headers (the proxy token) in its error bodies", () => {
  let setup: UserSetup;
  let answered = 0;
  /** What such an upstream answers: the request headers, Modal-Key and Modal-Secret included, in the error text. */
  const echo = (headers: object) => JSON.stringify({ object: "error", message: `bad request; request headers: ${JSON.stringify(headers)}`, type: "BadRequestError", code: 500 });
  beforeAll(async () => {
    setup = await startUserSetup("dotenv", {
      coderRoutes: [{ method: "GET", path: "/health", handle: ({ req, res }) => void res.writeHead(500, { "content-type": "application/json" }).end(echo(req.headers)) }],
      // The first completion answers; every request after it gets the first one's headers echoed back.
      coderRespond: ({ record }) => {
        if (++answered === 1) setup.coder.setFault({ status: 500, body: echo(record.headers) });
        return { content: "fine ".repeat(40) };
      },
    });
  }, 120_000);
  afterAll(async () => {
    await setup?.close();
  });

  it("qodal, the claude launcher and smoke print the error with the token values redacted", async () => {
    const qodal = await setup.qodal(["-p", "Say hello."]);
    const claude = await setup.cli(["claude", "--config", setup.configPath, "--dotenv", setup.dotenv, "--claude-bin", CLAUDE, "-p", "Say hello."]);
    const smoke = await setup.cli(["smoke", "--config", setup.configPath, "--dotenv", setup.dotenv, "--cold-start-timeout", "20", "--request-timeout", "20"]);
    for (const [what, result] of [["qodal", qodal], ["claude", claude], ["smoke", smoke]] as const) {
      const text = `${result.stdout}\n${result.stderr}`;
      expect(result.exitCode, `${what}: ${text}`).not.toBe(0);
      // The echoed body reached the output, with the values replaced.
      expect(text, what).toMatch(/answered HTTP 500.*modal-key.*\[redacted\]/i);
      expect(leakedTokens(text), what).toEqual([]);
    }
  }, 300_000);

  it("bench prints and saves (result JSON and its .bak) the echoed errors with the token values redacted", async () => {
    const out = join(setup.home, "bench", "result.json");
    const args = ["bench", "--config", setup.configPath, "--dotenv", setup.dotenv, "--sessions", "1", "--turns", "3", "--context-tokens", "1000", "--turn-tokens", "50", "--max-tokens", "16", "--out", out];
    for (let run = 0; run < 2; run++) {
      answered = 0;
      setup.coder.setFault(null);
      const result = await setup.cli(args);
      expect(result.exitCode, String(result.stderr)).toBe(1);
      expect(`${result.stdout}${result.stderr}`).toContain("[redacted]");
    }
    for (const file of [out, `${out}.bak`]) {
      const text = await readFile(file, "utf8");
      expect(text, file).toMatch(/modal-key.*\[redacted\]/i);
      expect(leakedTokens(text), file).toEqual([]);
    }
    expect(leakedTokens(setup.outputs.join("\n"))).toEqual([]);
  }, 300_000);

  it("a run in which no request answered saves nothing and says so", async () => {
    const out = join(setup.home, "bench", "none.json");
    setup.coder.setFault({ status: 500, body: echo({ note: "every request fails" }) });
    const result = await setup.cli(["bench", "--config", setup.configPath, "--dotenv", setup.dotenv, "--sessions", "1", "--turns", "2", "--context-tokens", "1000", "--turn-tokens", "50", "--max-tokens", "16", "--out", out]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("error: bench: no request answered (1 error(s) above); nothing was saved");
    expect(existsSync(out)).toBe(false);
  }, 120_000);
});

describe("<command> --help", () => {
  let setup: UserSetup;
  beforeAll(async () => {
    setup = await startUserSetup("environment");
  }, 120_000);
  afterAll(async () => {
    await setup?.close();
  });

  it("prints the command's usage on stdout and exits 0, with no 'Unknown option'", async () => {
    for (const command of ["status", "smoke", "warm", "spend", "install", "bench", "plan"]) {
      const result = await setup.cli([command, "--help"]);
      expect(result.exitCode, command).toBe(0);
      expect(result.stdout.split("\n")[0], command).toMatch(new RegExp(`^usage: qwen-code-modal ${command} `));
      expect(result.stderr, command).toBe("");
    }
  }, 120_000);

  it("qodal --help shows qwen-code's own help without waking (and billing) the coder", async () => {
    const result = await setup.qodal(["--help"]);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(result.stdout).toMatch(/--prompt/);
    expect(setup.coder.requests.filter((r) => r.path === "/health")).toHaveLength(0);
  }, 120_000);
});
