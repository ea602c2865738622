/**
 * A new user's own setup, for the "user setups" suite: a temporary HOME with the project installed
 * into it by the real `install` (qwen-code settings, vlm-analyzer registered with the real Claude
 * Code, `qodal`), a coder and a VLM (vLLM stand-ins behind the Modal gateway stand-in), the `modal`
 * CLI stand-in, and the credentials in ONE of the places users keep them:
 *
 * - `environment`: every token exported in the shell, no `.env` file anywhere;
 * - `modal-toml`: the Modal API token only in `~/.modal.toml` (as `modal token new` writes it), the
 *   proxy token exported; no `.env`;
 * - `dotenv`: every token in the project's `.env`, nothing in the environment;
 * - `pulumi-config`: the Modal API token only in the Pulumi stack config, as secrets (`pulumi config
 *   set --secret qwen-code-modal:modalTokenId`, the real pulumi CLI, a file backend and PULUMI_HOME
 *   inside HOME, PULUMI_CONFIG_PASSPHRASE exported as passphrase-backend users do), the proxy token
 *   exported; no `.env`, no `~/.modal.toml`. The stack is named as the endpoint config's `stack`
 *   (the stack that deployed it); its config file lives in HOME, so the Modal-touching commands get
 *   `--pulumi-config-file` ({@link UserSetup.modalArgs}).
 *
 * Every command runs as a user runs it (the built CLI, the installed `qodal`), with only HOME, PATH
 * and the modal CLI stand-in's path besides the setup's own variables. Every run's output is kept,
 * so a test can check that no token value was printed.
 * @module
 */
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { tmpdir } from "node:os";
import { execa, type Result } from "execa";
import { projectRoot } from "../../infra/core/paths";
import { initStack, pulumiVariables } from "../engine/engine-stack";
import { anthropicCountTokensRoute, anthropicMessagesRoute } from "../stand-ins/anthropic-messages";
import { conformingCoder } from "../stand-ins/coder-routes";
import { writeStandInEndpointConfig } from "../stand-ins/endpoint-config-file";
import { writeModalCliStandIn, type ModalCliStandIn } from "../stand-ins/modal-cli";
import { startModalEndpointStandIn, type ModalEndpointStandIn } from "../stand-ins/modal-endpoint";
import { conformingVlm, type StandInRoute } from "../stand-ins/vllm-endpoint";

/** Where the credentials live. */
export type CredentialPlace = "environment" | "modal-toml" | "dotenv" | "pulumi-config";

/** The setup's token values: shaped like real ones, distinct, so that any leak is found by value. */
export const TOKENS = {
  modalId: "ak-usersetupModalId01",
  modalSecret: "as-usersetupModalSecret01",
  proxyId: "wk-usersetupProxyId01",
  proxySecret: "ws-usersetupProxySecret01",
} as const;

const ROOT = projectRoot();
const CLI = join(ROOT, "dist", "infra", "cli", "main.js");
export const QWEN = join(ROOT, "node_modules", ".bin", "qwen");
export const CLAUDE = join(ROOT, "node_modules", ".bin", "claude");

/** What the VLM stand-in says about any image. */
export const VLM_ANSWER = "Triangle, red.";

/** What the coder stand-in says to `qodal -p "Say hello."` and to Claude Code. */
export const CODER_HELLO = "stand-in coder says hello";
export const CLAUDE_HELLO = "stand-in coder via messages";

/**
 * The user's qwen-code settings before `install`: JSON with comments (qwen-code reads its settings
 * through strip-json-comments). Updates off: no network in tests.
 */
export const JSONC_SETTINGS = [
  "{",
  "  // my own settings: install must keep this comment",
  '  "general": { "enableAutoUpdate": false /* no network here */ },',
  '  "ui": {',
  "    /* a theme I like */",
  '    "theme": "GitHub"',
  "  }",
  "}",
  "",
].join("\n");

/** One user's machine. */
export interface UserSetup {
  place: CredentialPlace;
  home: string;
  /** The endpoint config `pulumi up` would have written. */
  configPath: string;
  /** The project's `.env` (it exists only in the `dotenv` setup). */
  dotenv: string;
  settingsPath: string;
  qodalPath: string;
  /** The environment every command gets. */
  env: Record<string, string>;
  /** What the commands that talk to Modal get besides their own options (`--pulumi-config-file` in the `pulumi-config` setup). */
  modalArgs: string[];
  /** The stack config file (the `pulumi-config` setup only). */
  pulumiConfigFile?: string;
  coder: ModalEndpointStandIn;
  vlm: ModalEndpointStandIn;
  modal: ModalCliStandIn;
  /** Every stdout and stderr so far. */
  outputs: string[];
  /** `qwen-code-modal <args>` (the built CLI), with `extra` variables (an undefined one is unset). */
  cli(args: string[], extra?: Record<string, string | undefined>): Promise<Result>;
  /** The installed `qodal <args>`. */
  qodal(args: string[]): Promise<Result>;
  close(): Promise<void>;
}

/** The variables a setup exports (none for `dotenv`). */
function exported(place: CredentialPlace): Record<string, string> {
  const proxy = { MODAL_PROXY_TOKEN_ID: TOKENS.proxyId, MODAL_PROXY_TOKEN_SECRET: TOKENS.proxySecret };
  if (place === "environment") return { ...proxy, MODAL_TOKEN_ID: TOKENS.modalId, MODAL_TOKEN_SECRET: TOKENS.modalSecret };
  if (place === "modal-toml" || place === "pulumi-config") return proxy;
  return {};
}

/**
 * Answers smoke's conformance checks as a conforming coder does (tests/stand-ins/coder-routes.ts), and
 * everything else (`qodal`'s prompt) with CODER_HELLO: "done" is the conforming coder's answer to a
 * prompt that is none of the suite's.
 */
const conforming = conformingCoder();
const coderRespond: Parameters<typeof startModalEndpointStandIn>[0]["respond"] = (ctx) => {
  const reply = conforming(ctx);
  return reply.content === "done" && !reply.toolCalls?.length ? { content: CODER_HELLO } : reply;
};

/**
 * Builds a user's machine with the credentials in `place` and runs the real `install` in it.
 * @param options.coderRoutes - extra routes of the coder's vLLM stand-in (they win over the built-in ones).
 * @param options.coderRespond - what the coder says to a chat completion (default: text to qodal, a tool call to smoke).
 */
export async function startUserSetup(
  place: CredentialPlace,
  options: {
    coderRoutes?: StandInRoute[];
    coderRespond?: Parameters<typeof startModalEndpointStandIn>[0]["respond"];
    /** The real `pulumi` (tests/engine/engine-stack.ts `findPulumi`): needed by the `pulumi-config` setup. */
    pulumi?: string;
  } = {},
): Promise<UserSetup> {
  const home = await mkdtemp(join(tmpdir(), `qcm-setup-${place}-`));
  const auth = { tokenId: TOKENS.proxyId, tokenSecret: TOKENS.proxySecret };
  const coder = await startModalEndpointStandIn({
    model: "qwen3-coder-next",
    proxyAuth: auth,
    respond: options.coderRespond ?? coderRespond,
    // Claude Code offers no `get_weather`: it gets text; smoke's /v1/messages check gets its tool_use.
    routes: [...(options.coderRoutes ?? []), anthropicMessagesRoute(CLAUDE_HELLO, { toolInput: { city: "Paris" }, toolName: "get_weather" }), anthropicCountTokensRoute()],
  });
  // What smoke's image check wants to hear about its test images (a triangle, a colour block).
  const vlm = await startModalEndpointStandIn({ model: "qwen3-vl", proxyAuth: auth, respond: conformingVlm(() => ({ reasoning: "A shape and a colour.", content: VLM_ANSWER })) });
  const configPath = join(home, ".config", "qwen-code-modal", "endpoints.json");
  const { stack } = await writeStandInEndpointConfig(configPath, { coder, vlm });
  const modal = await writeModalCliStandIn(home, [
    { name: "qcm-coder", tasks: 0 },
    { name: "qcm-vlm", tasks: 0 },
  ]);
  const project = join(home, "project");
  await mkdir(project, { recursive: true });
  const dotenv = join(project, ".env");
  if (place === "dotenv") {
    await writeFile(
      dotenv,
      `MODAL_TOKEN_ID=${TOKENS.modalId}\nMODAL_TOKEN_SECRET=${TOKENS.modalSecret}\nMODAL_PROXY_TOKEN_ID=${TOKENS.proxyId}\nMODAL_PROXY_TOKEN_SECRET=${TOKENS.proxySecret}\n`,
    );
  }
  if (place === "modal-toml") {
    // As `modal token new` writes it (modal/config.py docstring, lines 24-27).
    await writeFile(join(home, ".modal.toml"), `[usersetup]\ntoken_id = "${TOKENS.modalId}"\ntoken_secret = "${TOKENS.modalSecret}"\nactive = true\n`);
  }
  const settingsPath = join(home, ".qwen", "settings.json");
  await mkdir(dirname(settingsPath), { recursive: true });
  await writeFile(settingsPath, JSONC_SETTINGS);
  const qodalPath = join(home, ".local", "bin", "qodal");
  const env: Record<string, string> = { HOME: home, PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, QCM_MODAL_CLI: modal.path, ...exported(place) };
  let pulumiConfigFile: string | undefined;
  if (place === "pulumi-config") {
    if (!options.pulumi) throw new Error("the pulumi-config setup needs the real pulumi (options.pulumi)");
    pulumiConfigFile = await pulumiStackConfig(options.pulumi, home, stack, env);
  }
  const outputs: string[] = [];
  const keep = (result: Result) => {
    outputs.push(String(result.stdout), String(result.stderr));
    return result;
  };
  const run = (file: string, args: string[], extra: Record<string, string | undefined> = {}) =>
    execa(file, args, { cwd: home, env: Object.fromEntries(Object.entries({ ...env, ...extra }).filter(([, v]) => v !== undefined)), extendEnv: false, reject: false, stdin: "ignore", timeout: 150_000 }).then(keep);
  const setup: UserSetup = {
    place,
    home,
    configPath,
    dotenv,
    settingsPath,
    qodalPath,
    env,
    modalArgs: pulumiConfigFile ? ["--pulumi-config-file", pulumiConfigFile] : [],
    pulumiConfigFile,
    coder,
    vlm,
    modal,
    outputs,
    cli: (args, extra) => run(process.execPath, [CLI, ...args], extra),
    qodal: (args) => run(qodalPath, args),
    close: async () => {
      await coder.close();
      await vlm.close();
    },
  };
  const installed = await setup.cli([
    "install", "--config", configPath, "--dotenv", dotenv, "--settings", settingsPath, "--claude-config-dir", home,
    "--claude-bin", CLAUDE, "--qodal", qodalPath, "--qwen-bin", QWEN,
  ]);
  if (installed.exitCode !== 0) throw new Error(`install failed in the ${place} setup: ${installed.stderr}`);
  return setup;
}

/**
 * The `pulumi-config` setup's stack: a file backend (`~/pulumi/state`) and PULUMI_HOME in `home`,
 * the passphrase exported (added to `env`, with `pulumi` first on its PATH), stack `stack` created
 * without writing into the checkout (engine-stack.ts `initStack`), and the Modal API token set as
 * secrets, each value given on stdin (`pulumi config set` reads it there when the argument is left out).
 * @returns the stack config file (`~/pulumi/Pulumi.<stack>.yaml`).
 */
async function pulumiStackConfig(pulumi: string, home: string, stack: string, env: Record<string, string>): Promise<string> {
  const dir = join(home, "pulumi");
  await mkdir(join(dir, "state"), { recursive: true });
  const { PATH: _path, HOME: _home, ...variables } = pulumiVariables(pulumi, dir, home);
  Object.assign(env, variables, { PATH: `${dirname(pulumi)}:${env.PATH}` });
  const configFile = await initStack(pulumi, dir, stack, env);
  for (const [key, value] of [["modalTokenId", TOKENS.modalId], ["modalTokenSecret", TOKENS.modalSecret]]) {
    const set = await execa(pulumi, ["config", "set", "--secret", `qwen-code-modal:${key}`, "--stack", stack, "--config-file", configFile, "--non-interactive"], {
      cwd: ROOT, env, extendEnv: false, reject: false, all: true, input: value,
    });
    if (set.exitCode !== 0) throw new Error(`pulumi config set ${key} failed:\n${set.all}`);
  }
  return configFile;
}

/** Every token value found in `text` (empty: none). */
export function leakedTokens(text: string): string[] {
  return Object.values(TOKENS).filter((t) => text.includes(t));
}

/** The text of every file under `dir` (recursively), by path: to check that no file holds a token. */
export async function filesUnder(dir: string): Promise<Map<string, string>> {
  const { readdir } = await import("node:fs/promises");
  const out = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out.set(path, await readFile(path, "utf8").catch(() => ""));
  }
  return out;
}
