// Every shell command README.md and docs/*.md show is either run here, as written, or listed in
// SKIPPED with the reason it cannot run here. The runnable ones (pulumi, config, plan, the .env
// steps) run in order, per doc, in a scratch clone with the real Pulumi engine and the modal CLI
// stand-in as the project's modal CLI (QCM_MODAL_CLI; Modal's cloud is unreachable here); the only changes to what is
// written are the PLACEHOLDERS a reader fills in with their own values. A doc that continues
// README's deploy section (docs/image-edit.md, docs/day2.md) runs after README's setup commands.
import { afterAll, describe, expect, it } from "vitest";
import { cp, mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { execa } from "execa";
import { projectRoot } from "../../infra/core/paths";
import { findPulumi } from "../engine/engine-stack";
import { writeModalCliStandIn, type ModalCliStandIn } from "../stand-ins/modal-cli";
import { docCommands, type DocCommand } from "./doc-commands";

const ROOT = projectRoot();
const commands = docCommands(ROOT);

/** Commands not run here, each with why (Modal's cloud, a deployed endpoint, or not a command). */
const SKIPPED: { pattern: RegExp; why: string }[] = [
  { pattern: /^scripts\/dev test$/, why: "CI's own entry point (.ci/run runs it); here it would run this suite inside itself" },
  { pattern: /\[--/, why: "a usage synopsis (brackets mark optional parts), not a command" },
  { pattern: /^modal secret create /, why: "creates a Secret in the reader's Modal workspace: needs a Modal account" },
  { pattern: /^qodal\b/, why: "an interactive qwen-code session against the deployed coder on Modal (tests/clients runs qodal against a local vLLM stand-in)" },
  {
    pattern: /^(npx )?qwen-code-modal (smoke|status|bench|warm|cool|spend|history|dashboard|logs|claude)\b/,
    why: "calls the deployed endpoints or Modal's API with a real account (tests/ops, tests/bench, tests/dashboard and tests/clients run each against stand-ins)",
  },
  { pattern: /^npx qwen-code-modal install$/, why: "writes the reader's own qwen-code and Claude Code settings under $HOME (tests/clients runs install with a scratch HOME)" },
  { pattern: /^LD_LIBRARY_PATH=<libcuda-stub dir> /, why: "needs the pinned vLLM venv and the built libcuda stub; tests/vllm runs vllm_check.py exactly so" },
  { pattern: /^python infra\/check\/vllm_check\.py --flags-ts > /, why: "rewrites a committed file after a vLLM bump; tests/vllm checks that file against vLLM's own parser" },
];

/** Commands run here. */
const RUN: RegExp[] = [
  /^pulumi (login|stack|config|preview|up|refresh|destroy)\b/,
  /^scripts\/dev plan$/,
  /^cp \.env\.example \.env$/,
  /^export PULUMI_CONFIG_PASSPHRASE=/,
  /^KEY=\$\(openssl rand -hex \d+\)$/,
  /^echo "QCM_IMAGE_API_KEY=\$KEY" >> \.env$/,
];

/** What a reader writes in place of these, and the value used here. */
const PLACEHOLDERS: [string, string][] = [
  ["<your-modal-workspace>", "acme"],
  ["<40-hex commit>", "0123456789abcdef0123456789abcdef01234567"],
];

/**
 * Commands run in an equivalent form, with why. `--local` is `file://~`, which pulumi 3.274.1
 * resolves from the user database, not $HOME: run as written, it would write the test runner's own
 * ~/.pulumi (found so: it did). The scratch clone logs in to its own folder the same way.
 */
const EQUIVALENT: Record<string, (dir: string) => string> = {
  "pulumi login --local": (dir) => `pulumi login ${JSON.stringify(`file://${join(dir, "home")}`)}`,
};

/**
 * Steps this test adds after a command, with why. The deploy gate (on by default) checks each new app's
 * web endpoint; the stand-in's `*.modal.run` URLs answer nothing here, so the gate would (rightly) stop
 * every app. The gate itself runs under the real engine against local vLLM stand-ins in tests/engine.
 */
const ADDED_AFTER: { after: RegExp; text: string }[] = [{ after: /^pulumi stack init /, text: "pulumi config set qwen-code-modal:gate false" }];

/** README's commands that set up a stack: the docs that continue README start after them. */
const SETUP = /^(cp \.env\.example|pulumi login|export PULUMI_CONFIG_PASSPHRASE|pulumi stack init)/;

const skipReason = (c: DocCommand) => SKIPPED.find((s) => s.pattern.test(c.text))?.why;
const runnable = (c: DocCommand) => !skipReason(c) && RUN.some((r) => r.test(c.text));
const where = (c: DocCommand) => `${c.file}:${c.line}: ${c.text}`;
const asWritten = (c: DocCommand, dir: string) =>
  EQUIVALENT[c.text]?.(dir) ?? PLACEHOLDERS.reduce((t, [from, to]) => t.split(from).join(to), c.text);

describe("docs commands", () => {
  it("every command in README and docs/ is run here or skipped with a reason", () => {
    expect(commands.length).toBeGreaterThan(30);
    const unclassified = commands.filter((c) => !skipReason(c) && !runnable(c)).map(where);
    expect(unclassified, "add each to RUN (and make it run) or to SKIPPED with why").toEqual([]);
    // Every runnable command fills in only the known placeholders.
    expect(commands.filter(runnable).map((c) => asWritten(c, "/scratch")).filter((t) => /<[^>]+>/.test(t))).toEqual([]);
  });

  it("`scripts/dev plan` as written: renders, checks with the real modal SDK and prints the plan", { timeout: 600_000 }, async () => {
    expect(commands.some((c) => c.text === "scripts/dev plan")).toBe(true);
    const r = await execa("scripts/dev", ["plan"], { cwd: ROOT, reject: false, all: true, env: { QCM_VLLM_CHECK: "0" } });
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).toMatch(/Shims checked by the modal SDK 1\.6\.4: OK/);
  });
});

const found = findPulumi();
const missing = "missing" in found ? found.missing : undefined;
if (missing && process.env.CI === "true") throw new Error(`the docs commands cannot run under CI: ${missing}`);

describe.skipIf(Boolean(missing))("docs commands run as written (real Pulumi engine, modal CLI stand-in)", { timeout: 900_000 }, () => {
  const pulumi = "pulumi" in found ? found.pulumi : "";
  const scratch: string[] = [];
  afterAll(async () => {
    for (const dir of scratch) await rm(dir, { recursive: true, force: true });
  });

  /** A scratch clone (sources copied, installed toolchains linked) and a modal CLI stand-in. */
  async function clone(): Promise<{ dir: string; modal: ModalCliStandIn; env: Record<string, string> }> {
    const dir = await mkdtemp(join(tmpdir(), "qcm-docs-"));
    scratch.push(dir);
    for (const entry of ["infra", "contract", "mcp", "python-shims", "scripts"]) {
      await cp(join(ROOT, entry), join(dir, entry), { recursive: true, filter: (src) => !/[/\\](node_modules|dist)$/.test(src) });
    }
    for (const file of ["Pulumi.yaml", "package.json", "tsconfig.json", "tsconfig.base.json", ".env.example"]) await cp(join(ROOT, file), join(dir, file));
    for (const linked of ["node_modules", ".venv", ".tools", "dist"]) await symlink(join(ROOT, linked), join(dir, linked));
    await mkdir(join(dir, "home"));
    await mkdir(join(dir, "bin"));
    const modal = await writeModalCliStandIn(join(dir, "bin"), []);
    const env: Record<string, string> = {
      PATH: [dirname(pulumi), dirname(process.execPath), ...(process.env.PATH ?? "").split(delimiter)].join(delimiter),
      HOME: join(dir, "home"),
      // pulumi's own folder (credentials, workspaces, logs): otherwise the runner's ~/.pulumi (see EQUIVALENT).
      PULUMI_HOME: join(dir, "home", ".pulumi"),
      // The reader's Modal and proxy tokens (README: "fill in MODAL_TOKEN_* and MODAL_PROXY_TOKEN_*" in
      // .env); the environment wins over .env, so the copied placeholders stay as the reader left them.
      MODAL_TOKEN_ID: "ak-docs00000001",
      MODAL_TOKEN_SECRET: "as-docs00000001",
      MODAL_PROXY_TOKEN_ID: "wk-docs00000001",
      MODAL_PROXY_TOKEN_SECRET: "ws-docs00000001",
      // The reader answers "yes" at `pulumi up`'s prompt; PULUMI_SKIP_CONFIRMATIONS is that answer.
      PULUMI_SKIP_CONFIRMATIONS: "true",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      QCM_VLLM_CHECK: "0",
      // The project runs the venv's `modal` unless told otherwise; Modal's cloud is unreachable here.
      QCM_MODAL_CLI: modal.path,
      ...(process.env.QCM_DEPLOY_EVENTS ? { QCM_DEPLOY_EVENTS: process.env.QCM_DEPLOY_EVENTS } : {}),
    };
    return { dir, modal, env };
  }

  /** Runs `list` in order as one bash script in `dir` (so `export` and `KEY=` carry over). */
  async function runInOrder(dir: string, env: Record<string, string>, list: DocCommand[]) {
    const quoted = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
    const added = (c: DocCommand) => ADDED_AFTER.filter((a) => a.after.test(c.text)).flatMap((a) => [`printf '%s\\n' ${quoted(`+ (this test) ${a.text}`)}`, a.text]);
    const script = ["set -euo pipefail", ...list.flatMap((c) => [`printf '%s\\n' ${quoted(`+ ${where(c)}`)}`, asWritten(c, dir), ...added(c)])].join("\n");
    return execa("bash", ["-c", script], { cwd: dir, env, extendEnv: false, reject: false, all: true, timeout: 800_000 });
  }

  /** The test's own last step: the stack config the doc left must preview cleanly (config set alone checks nothing). */
  const PREVIEW: DocCommand = { file: "(this test)", line: 0, text: "pulumi preview" };
  const readmeSetup = () => commands.filter((c) => c.file === "README.md" && runnable(c) && SETUP.test(c.text));

  it("README: set up, preview, up, endpoints, refresh, destroy, then its config changes preview cleanly", async () => {
    const { dir, modal, env } = await clone();
    const list = commands.filter((c) => c.file === "README.md" && runnable(c) && c.text !== "scripts/dev plan");
    expect(list.map((c) => c.text.split(/\s+/).slice(0, 2).join(" "))).toEqual(expect.arrayContaining(["pulumi up", "pulumi destroy", "pulumi refresh"]));
    const r = await runInOrder(dir, env, [...list, PREVIEW]);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).toContain("https://stand-in-ws--qcm-coder-serve.modal.run");
    const state = await modal.state();
    // The two model apps README deploys (and whatever else the stack deploys beside them, e.g. its controller).
    expect(state.calls.filter((c) => c.argv[0] === "deploy").map((c) => c.argv[3])).toEqual(expect.arrayContaining(["qcm-coder", "qcm-vlm"]));
    expect(state.apps.filter((a) => a.state === "deployed")).toEqual([]);
  });

  for (const file of [...new Set(commands.filter((c) => c.file !== "README.md" && runnable(c)).map((c) => c.file))]) {
    it(`${file}: its commands after README's setup, then the stack config it leaves previews cleanly`, async () => {
      const { dir, modal, env } = await clone();
      const r = await runInOrder(dir, env, [...readmeSetup(), ...commands.filter((c) => c.file === file && runnable(c)), PREVIEW]);
      expect(r.exitCode, r.all).toBe(0);
      if (file === "docs/image-edit.md") {
        expect((await modal.state()).apps.filter((a) => a.state === "deployed").map((a) => a.name)).toEqual(expect.arrayContaining(["qcm-coder", "qcm-image-edit", "qcm-vlm"]));
      }
    });
  }
});
