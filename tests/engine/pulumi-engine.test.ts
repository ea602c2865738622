// End-to-end under the real Pulumi engine (CLI 3.274.1 + Node.js language host + dynamic provider
// host), driving the project as README's deploy section does, against the recorded modal CLI
// stand-in (Modal's cloud is unreachable here). Slow: every `pulumi` command starts the engine,
// the program's tsc build and the dynamic provider host; a stack's first run checks the shims with the
// modal SDK (later runs read the cache, infra/check/check-cache.ts). Scenario groups share a stack
// and run in order; see docs/engine.md for the measured times.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chmod, copyFile, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { appNamed } from "../support/modal-stand-in";
import { ROOT } from "../support/cli";
import { createEngineStack, findPulumi, previewSteps, type EngineStack } from "./engine-stack";
import { startVllmStandIn, type VllmStandIn } from "../stand-ins/vllm-endpoint";
import { conformingCoderOptions, type CoderMisbehaviour } from "../stand-ins/coder-routes";

const found = findPulumi();
const missing = "missing" in found ? found.missing : undefined;
if (missing) {
  if (process.env.CI === "true") throw new Error(`the real-engine suite cannot run under CI: ${missing}`);
  console.warn(`SKIPPED tests/engine (real Pulumi engine): ${missing}`);
}
const pulumi = "pulumi" in found ? found.pulumi : "";

const TOKENS = { MODAL_TOKEN_ID: "ak-engine1", MODAL_TOKEN_SECRET: "as-engine1" };
const ROTATED = { MODAL_TOKEN_ID: "ak-engine2", MODAL_TOKEN_SECRET: "as-engine2" };
const PROXY = { MODAL_PROXY_TOKEN_ID: "wk-engine3", MODAL_PROXY_TOKEN_SECRET: "ws-engine3" };
const CONFIG_TOKENS = { tokenId: "ak-engine4", tokenSecret: "as-engine4" };
/** Every secret value any stack here sees: none may appear in a state folder in plaintext. */
const SECRETS = [...Object.values(TOKENS), ...Object.values(ROTATED), ...Object.values(PROXY), ...Object.values(CONFIG_TOKENS)];

const deployed = (s: { apps: { name: string; env: string; state: string }[] }) =>
  s.apps.filter((a) => a.state === "deployed").map((a) => `${a.env}/${a.name}`).sort();
const modalCommands = (s: { calls: { argv: string[] }[] }) =>
  s.calls.map((c) => (c.argv[0] === "deploy" ? `deploy ${c.argv[3]}${c.argv.includes("-e") ? ` -e ${c.argv.at(-1)}` : ""}` : c.argv.join(" ")));

/** The modal SDK check results cached in the stack's cache folder (HOME/.cache/qwen-code-modal/shim-checks). */
async function modalChecks(stack: EngineStack): Promise<string[]> {
  const dir = join(stack.dir, "home", ".cache", "qwen-code-modal", "shim-checks");
  return existsSync(dir) ? (await readdir(dir)).filter((f) => f.startsWith("modal-")).sort() : [];
}

async function expectNoSecretsIn(stack: EngineStack) {
  const files = await stack.backendFiles();
  expect(files.length).toBeGreaterThan(0);
  for (const { path, text } of files) {
    for (const secret of SECRETS) expect(text.includes(secret), `${secret} in ${path}`).toBe(false);
  }
  // Nothing machine-local from the checkout either (the modal CLI, the .env path, the project root).
  const checkpoint = files.filter((f) => f.path.includes(`${join("stacks", "qwen-code-modal")}`));
  for (const { path, text } of checkpoint) {
    for (const local of [ROOT, stack.env.QCM_MODAL_CLI, stack.envFile]) expect(text.includes(local), `${local} in ${path}`).toBe(false);
  }
}

// Each `pulumi` command takes 5-60 s on 2 shared cores; a test runs up to four of them.
describe.skipIf(Boolean(missing))("pulumi up as a user runs it (real Pulumi engine, modal CLI stand-in)", { timeout: 400_000 }, () => {
  describe("lifecycle: preview, up, no-op, update, replace, subset, drift, rotation, destroy", () => {
    let stack: EngineStack;
    beforeAll(async () => {
      stack = await createEngineStack(pulumi, { ...TOKENS });
      await writeFile(stack.envFile, `MODAL_PROXY_TOKEN_ID=${PROXY.MODAL_PROXY_TOKEN_ID}\nMODAL_PROXY_TOKEN_SECRET=${PROXY.MODAL_PROXY_TOKEN_SECRET}\n`);
    });
    afterAll(async () => {
      if (stack) await rm(stack.dir, { recursive: true, force: true });
    });

    it("preview: both apps and the endpoint config to create, no modal call", async () => {
      const r = await stack.pulumi(["preview", "--json"]);
      expect(r.exitCode, r.all).toBe(0);
      const steps = previewSteps(r.stdout);
      expect(steps).toMatchObject({ coder: ["create"], vlm: ["create"], control: ["create"], "endpoint-config": ["create"], "endpoint-config-file": ["create"] });
      expect((await stack.modalState()).calls).toEqual([]);
      expect(existsSync(stack.endpointConfigPath)).toBe(false);
    });

    it("up: both apps deployed, the endpoint config written, outputs set; only Modal's variables reach modal", async () => {
      const r = await stack.pulumi(["up", "--yes", "--skip-preview"]);
      expect(r.exitCode, r.all).toBe(0);
      const state = await stack.modalState();
      // The controller (qcm-control) is deployed with the stack.
      expect(deployed(state)).toEqual(["main/qcm-coder", "main/qcm-control", "main/qcm-vlm"]);
      for (const call of state.calls) {
        expect(call.tokenId).toBe(TOKENS.MODAL_TOKEN_ID);
        expect(call.modalEnv.filter((n) => !n.startsWith("MODAL_STAND_IN"))).toEqual(["MODAL_TOKEN_ID", "MODAL_TOKEN_SECRET"]);
        expect(call.envNames).not.toContain("MODAL_PROXY_TOKEN_ID");
        expect(call.envNames).not.toContain("PULUMI_CONFIG_PASSPHRASE");
      }
      const file = JSON.parse(await readFile(stack.endpointConfigPath, "utf8"));
      expect(file.endpoints.coder.url).toBe("https://stand-in-ws--qcm-coder-serve.modal.run");
      expect(file.endpoints.vlm.baseUrl).toBe("https://stand-in-ws--qcm-vlm-serve.modal.run/v1");
      const out = await stack.pulumi(["stack", "output", "--json"]);
      expect(JSON.parse(out.stdout)).toMatchObject({
        endpointConfigPath: stack.endpointConfigPath,
        endpoints: { coder: { url: "https://stand-in-ws--qcm-coder-serve.modal.run", model: "qwen3-coder-next" } },
      });
    });

    it("up again: no changes and zero modal calls; both shims' checks come from the cache", async () => {
      const before = (await stack.modalState()).calls.length;
      const checked = await modalChecks(stack);
      expect(checked).toHaveLength(3); // coder, vlm, control
      const r = await stack.pulumi(["up", "--yes", "--expect-no-changes"]);
      expect(r.exitCode, r.all).toBe(0);
      expect((await stack.modalState()).calls.length).toBe(before);
      expect(await modalChecks(stack)).toEqual(checked);
    });

    it("one field changed: preview shows only that app updating (not the endpoint config); up redeploys only it", async () => {
      await stack.configSet("deployments", JSON.stringify({ coder: { maxInputs: 64 } }));
      const checked = await modalChecks(stack);
      const preview = await stack.pulumi(["preview", "--json"]);
      expect(preview.exitCode, preview.all).toBe(0);
      // The changed shim was imported by the real modal SDK (its passing report is new in the cache), before anything deployed.
      expect((await modalChecks(stack)).filter((f) => !checked.includes(f))).toHaveLength(1);
      const steps = previewSteps(preview.stdout);
      expect(steps.coder).toEqual(["update"]);
      for (const name of ["vlm", "endpoint-config", "endpoint-config-file"]) expect(steps[name] ?? ["same"]).toEqual(["same"]);
      const before = (await stack.modalState()).calls.length;
      const r = await stack.pulumi(["up", "--yes", "--skip-preview"]);
      expect(r.exitCode, r.all).toBe(0);
      expect(modalCommands(await stack.modalState()).slice(before)).toEqual(["deploy qcm-coder", "function info qcm-coder/serve --json"]);
    });

    it("environment change: both apps replaced (new environment deployed, old one stopped)", async () => {
      await stack.configSet("environment", "staging");
      const preview = await stack.pulumi(["preview", "--json"]);
      expect(previewSteps(preview.stdout).coder).toEqual(["replace"]);
      const r = await stack.pulumi(["up", "--yes", "--skip-preview"]);
      expect(r.exitCode, r.all).toBe(0);
      expect(deployed(await stack.modalState())).toEqual(["staging/qcm-coder", "staging/qcm-control", "staging/qcm-vlm"]);
      const file = JSON.parse(await readFile(stack.endpointConfigPath, "utf8"));
      expect(file.endpoints.coder.url).toBe("https://stand-in-ws-staging--qcm-coder-serve.modal.run");
    });

    it("enabled subset: the vlm app is stopped and leaves the endpoint config", async () => {
      await stack.configSet("enabled", '["coder"]');
      const r = await stack.pulumi(["up", "--yes", "--skip-preview"]);
      expect(r.exitCode, r.all).toBe(0);
      expect(deployed(await stack.modalState())).toEqual(["staging/qcm-coder", "staging/qcm-control"]);
      expect(Object.keys(JSON.parse(await readFile(stack.endpointConfigPath, "utf8")).endpoints)).toEqual(["coder"]);
    });

    it("app stopped by hand: refresh drops it, up deploys it again", async () => {
      const stop = await execa(stack.modal.path, ["app", "stop", "qcm-coder", "-y", "-e", "staging"], { env: TOKENS, reject: false });
      expect(stop.exitCode, stop.stderr).toBe(0);
      const refresh = await stack.pulumi(["refresh", "--yes", "--skip-preview"]);
      expect(refresh.exitCode, refresh.all).toBe(0);
      const urns = JSON.parse((await stack.pulumi(["stack", "export"])).stdout).deployment.resources.map((r: { urn: string }) => r.urn);
      expect(urns.some((u: string) => u.endsWith("::coder") && u.includes("dynamic"))).toBe(false);
      const r = await stack.pulumi(["up", "--yes", "--skip-preview"]);
      expect(r.exitCode, r.all).toBe(0);
      expect(deployed(await stack.modalState())).toEqual(["staging/qcm-coder", "staging/qcm-control"]);
    });

    it("app stopped by the controller's budget action: refresh says so; with the budget raised, `up --refresh` deploys it again", async () => {
      // What the controller's `stop` action leaves on Modal (infra/render/control_runtime.py): the app
      // stopped (App.stop) and its record in the controller's Dict.
      const stop = await execa(stack.modal.path, ["app", "stop", "qcm-coder", "-y", "-e", "staging"], { env: TOKENS, reject: false });
      expect(stop.exitCode, stop.stderr).toBe(0);
      const month = new Date().toISOString().slice(0, 7);
      await stack.modal.setDict("qcm-control", { "stopped:qcm-coder": { app: "qcm-coder", reason: "budget", month, at: Date.now() / 1000, spent_usd: 52.5, budget_usd: 50 } }, "staging");
      const refresh = await stack.pulumi(["refresh", "--yes", "--skip-preview"]);
      expect(refresh.exitCode, refresh.all).toBe(0);
      expect(refresh.all).toMatch(/\[modal qcm-coder\] stopped by the budget at \S+ \S+ UTC \(\$52\.50 of \$50\.00 this month, qcm-control\); raise qwen-code-modal:budget\.usdPerMonth, then `pulumi up --refresh` deploys it again/);
      await stack.configSet("budget", JSON.stringify({ usdPerMonth: 100, action: "stop" }));
      const before = (await stack.modalState()).calls.length;
      const up = await stack.pulumi(["up", "--refresh", "--yes", "--skip-preview"]);
      expect(up.exitCode, up.all).toBe(0);
      expect(deployed(await stack.modalState())).toEqual(["staging/qcm-coder", "staging/qcm-control"]);
      // The controller was redeployed with the raised budget.
      const deploys = modalCommands(await stack.modalState()).slice(before).filter((c) => c.startsWith("deploy"));
      expect(deploys.sort()).toEqual(["deploy qcm-coder -e staging", "deploy qcm-control -e staging"]);
      const control = (await stack.modalState()).apps.filter((a) => a.name === "qcm-control" && a.env === "staging").at(-1)!;
      expect(control.state).toBe("deployed");
    });

    it("endpoint config deleted or edited by hand: up notices and writes it again", async () => {
      const written = await readFile(stack.endpointConfigPath, "utf8");
      await rm(stack.endpointConfigPath);
      const preview = await stack.pulumi(["preview", "--json"]);
      expect(previewSteps(preview.stdout)["endpoint-config"]).toEqual(["update"]);
      let r = await stack.pulumi(["up", "--yes", "--skip-preview"]);
      expect(r.exitCode, r.all).toBe(0);
      expect(await readFile(stack.endpointConfigPath, "utf8")).toBe(written);
      await writeFile(stack.endpointConfigPath, written.replace("qwen3-coder-next", "edited-by-hand"));
      r = await stack.pulumi(["refresh", "--yes", "--skip-preview"]);
      expect(r.exitCode, r.all).toBe(0);
      r = await stack.pulumi(["up", "--yes", "--skip-preview"]);
      expect(r.exitCode, r.all).toBe(0);
      expect(await readFile(stack.endpointConfigPath, "utf8")).toBe(written);
    });

    it("token rotated and modal CLI moved: destroy uses the new token and the new CLI; no config or .bak left", async () => {
      // The same stand-in world, reached through another path (as from another clone).
      const moved = join(stack.dir, "home", "modal");
      await copyFile(stack.modal.path, moved);
      await chmod(moved, 0o755);
      stack.env = { ...stack.env, ...ROTATED, QCM_MODAL_CLI: moved };
      const before = (await stack.modalState()).calls.length;
      const r = await stack.pulumi(["destroy", "--yes", "--skip-preview"]);
      expect(r.exitCode, r.all).toBe(0);
      const state = await stack.modalState();
      // The controller is destroyed with the stack.
      expect(modalCommands(state).slice(before).sort()).toEqual(["app stop qcm-coder -y -e staging", "app stop qcm-control -y -e staging"]);
      expect(state.calls.slice(before).map((c) => c.tokenId)).toEqual([ROTATED.MODAL_TOKEN_ID, ROTATED.MODAL_TOKEN_ID]);
      expect(deployed(state)).toEqual([]);
      expect(existsSync(stack.endpointConfigPath)).toBe(false);
      expect(existsSync(`${stack.endpointConfigPath}.bak`)).toBe(false);
    });

    it("destroy again: nothing to do, no modal call", async () => {
      const before = (await stack.modalState()).calls.length;
      const r = await stack.pulumi(["destroy", "--yes", "--skip-preview"]);
      expect(r.exitCode, r.all).toBe(0);
      expect((await stack.modalState()).calls.length).toBe(before);
    });

    it("no secret value and nothing from the checkout in the whole state folder", async () => {
      await expectNoSecretsIn(stack);
    });
  });

  describe("modal failing: the real reason reaches the user", () => {
    let stack: EngineStack;
    beforeAll(async () => {
      stack = await createEngineStack(pulumi, {});
      // Credentials from stack config secrets only: the provider reads them in `configure`.
      await stack.configSet("modalTokenId", CONFIG_TOKENS.tokenId, true);
      await stack.configSet("modalTokenSecret", CONFIG_TOKENS.tokenSecret, true);
      await stack.configSet("enabled", '["vlm"]');
      // One app, so that a failure requested of every modal call reads once (the lifecycle suite deploys the controller).
      await stack.configSet("control", "false");
    });
    afterAll(async () => {
      if (stack) await rm(stack.dir, { recursive: true, force: true });
    });

    const expectReason = (all: string, command: RegExp) => {
      expect(all).toMatch(command);
      expect(all).toContain("rejected by the stand-in (failure requested)");
      expect(all).toContain("[redacted]");
      expect(all).not.toMatch(/Unknown Error|error: undefined|\[object Object\]/);
      for (const secret of SECRETS) expect(all).not.toContain(secret);
      // Once, clean: the Diagnostics name the command once, with no stack trace or host echo.
      const diagnostics = all.slice(all.indexOf("Diagnostics:"));
      expect(diagnostics.match(new RegExp(command.source, "g"))?.length, all).toBe(1);
      // modal's words once as the error (a deploy's streamed progress log may show them too, as `info:` lines).
      expect(diagnostics.split("\n").filter((l) => l.includes("rejected by the stand-in") && !l.includes("info: [runtime]")).length, all).toBe(1);
      // No echo of the error object by the provider host (its name, a JavaScript stack frame).
      expect(all).not.toMatch(/ModalCliError|\n\s+at .*\(.*:\d+:\d+\)/);
    };

    it("deploy fails: up exits non-zero with the command, exit code and modal's words; nothing deployed", async () => {
      const r = await stack.pulumi(["up", "--yes", "--skip-preview"], { MODAL_STAND_IN_FAIL: "deploy" });
      expect(r.exitCode).not.toBe(0);
      expectReason(r.all, /`modal deploy \S+vlm\.py --name qcm-vlm --tag qcm-[0-9a-f]{12}` failed \(exit 1\)/);
      expect(deployed(await stack.modalState())).toEqual([]);
    });

    it("a deploy whose URL cannot be read fails that app cleanly (nothing recorded, no endpoint config); the next up recovers", async () => {
      await stack.modal.setWebUrlMissing(true);
      const r = await stack.pulumi(["up", "--yes", "--skip-preview"]);
      expect(r.exitCode).not.toBe(0);
      const diagnostics = r.all.slice(r.all.indexOf("Diagnostics:"));
      expect(diagnostics).toContain(
        "error: modal deployed qcm-vlm, but its endpoint URL could not be read: `modal function info qcm-vlm/serve --json` reported no URL for the web function serve of qcm-vlm (web_info.web_url is empty or missing). Nothing without a URL is recorded; the next `pulumi up` reads it again.",
      );
      expect(diagnostics.match(/error: /g)?.length, r.all).toBe(2); // the app's, and the engine's "update failed"
      expect(r.all).not.toMatch(/error serializing|unhandled exception|\n\s+at \S+ \(/);
      const resources = JSON.parse((await stack.pulumi(["stack", "export"])).stdout).deployment.resources as { urn: string }[];
      expect(resources.some((res) => res.urn.endsWith("::vlm") && res.urn.includes("dynamic"))).toBe(false);
      expect(existsSync(stack.endpointConfigPath)).toBe(false);
      await stack.modal.setWebUrlMissing(false);
      const up = await stack.pulumi(["up", "--yes", "--skip-preview"]);
      expect(up.exitCode, up.all).toBe(0);
      const endpoints = JSON.parse((await stack.pulumi(["stack", "output", "endpoints", "--json"])).stdout);
      expect(endpoints.vlm.url).toBe("https://stand-in-ws--qcm-vlm-serve.modal.run");
      expect(JSON.parse(await readFile(stack.endpointConfigPath, "utf8")).endpoints.vlm.baseUrl).toBe("https://stand-in-ws--qcm-vlm-serve.modal.run/v1");
    });

    it("list fails: refresh says why (credentials from stack config reached modal)", async () => {
      const up = await stack.pulumi(["up", "--yes", "--skip-preview"]);
      expect(up.exitCode, up.all).toBe(0);
      expect((await stack.modalState()).calls.at(-1)!.tokenId).toBe(CONFIG_TOKENS.tokenId);
      const r = await stack.pulumi(["refresh", "--yes", "--skip-preview"], { MODAL_STAND_IN_FAIL: "list" });
      expect(r.exitCode).not.toBe(0);
      expectReason(r.all, /`modal app list --json` failed \(exit 1\)/);
    });

    it("stop fails: destroy says why, and the endpoint config of the running app stays", async () => {
      const r = await stack.pulumi(["destroy", "--yes", "--skip-preview"], { MODAL_STAND_IN_FAIL: "stop" });
      expect(r.exitCode).not.toBe(0);
      expectReason(r.all, /`modal app stop qcm-vlm -y` failed \(exit 1\)/);
      expect(deployed(await stack.modalState())).toEqual(["main/qcm-vlm"]);
      expect(JSON.parse(await readFile(stack.endpointConfigPath, "utf8")).endpoints.vlm.app).toBe("qcm-vlm");
      const retry = await stack.pulumi(["destroy", "--yes", "--skip-preview"]);
      expect(retry.exitCode, retry.all).toBe(0);
      expect(deployed(await stack.modalState())).toEqual([]);
      expect(existsSync(stack.endpointConfigPath)).toBe(false);
      await expectNoSecretsIn(stack);
    });
  });

  describe("destroy of an app that vanished from Modal while a close-named app exists", () => {
    let stack: EngineStack;
    beforeAll(async () => {
      stack = await createEngineStack(pulumi, { ...TOKENS });
      await stack.configSet("enabled", '["vlm"]');
    });
    afterAll(async () => {
      if (stack) await rm(stack.dir, { recursive: true, force: true });
    });

    it("modal's not-found line is followed by its `Did you mean:` hint; destroy still succeeds and the sibling keeps running", async () => {
      const up = await stack.pulumi(["up", "--yes", "--skip-preview"]);
      expect(up.exitCode, up.all).toBe(0);
      const shim = join(stack.dir, "vlm-old.py");
      await writeFile(shim, "import modal\napp = modal.App(\"qcm-vlm-old\")\n");
      const env = { ...TOKENS, MODAL_STAND_IN_STATE: join(stack.dir, "modal", "modal-stand-in-state.json") };
      expect((await execa(stack.modal.path, ["deploy", shim, "--name", "qcm-vlm-old"], { env, reject: false })).exitCode).toBe(0);
      await stack.modal.forgetApp("qcm-vlm");
      const byHand = await execa(stack.modal.path, ["app", "stop", "qcm-vlm", "-y"], { env, reject: false });
      expect(byHand.stderr).toBe("Error: No App with name 'qcm-vlm' found in the 'main' environment.\nDid you mean:\n    modal app stop qcm-vlm-old -y");
      const r = await stack.pulumi(["destroy", "--yes", "--skip-preview"]);
      expect(r.exitCode, r.all).toBe(0);
      expect(r.all).toContain("[modal qcm-vlm] app was already stopped or gone");
      expect(deployed(await stack.modalState())).toEqual(["main/qcm-vlm-old"]);
      expect(existsSync(stack.endpointConfigPath)).toBe(false);
    });
  });

  describe('serving "server": the coder deployed as a Modal Server, its URL read with `modal server info`', () => {
    let stack: EngineStack;
    beforeAll(async () => {
      stack = await createEngineStack(pulumi, { ...TOKENS });
      await stack.configSet("enabled", '["coder"]');
      await stack.configSet("deployments", JSON.stringify({ coder: { serving: "server", maxContainers: 3, targetConcurrency: 6 } }));
      await stack.configSet("control", "false");
    });
    afterAll(async () => {
      if (stack) await rm(stack.dir, { recursive: true, force: true });
    });

    it("up: the @app.server shim deployed (rolling: several containers), the URL from `server info --json`, the endpoint config marks it a Server; destroy stops it", async () => {
      const up = await stack.pulumi(["up", "--yes", "--skip-preview"]);
      expect(up.exitCode, up.all).toBe(0);
      const state = await stack.modalState();
      // (and the controller's CPU app, which every stack with a GPU deployment has)
      expect(deployed(state)).toContain("main/qcm-coder");
      const commands = modalCommands(state);
      expect(commands).toContain("server info qcm-coder/serve --json");
      expect(commands.some((c) => c.startsWith("function info"))).toBe(false);
      // maxContainers 3: a rolling deploy (no `--strategy recreate`, infra/provider/modal-cli.ts).
      const deploy = state.calls.find((c) => c.argv[0] === "deploy")!;
      expect(deploy.argv).not.toContain("--strategy");
      const config = JSON.parse(await readFile(stack.endpointConfigPath, "utf8"));
      expect(config.endpoints.coder).toMatchObject({ serving: "server", url: "https://stand-in-ws--qcm-coder-serve.modal.run", baseUrl: "https://stand-in-ws--qcm-coder-serve.modal.run/v1" });
      const down = await stack.pulumi(["destroy", "--yes", "--skip-preview"]);
      expect(down.exitCode, down.all).toBe(0);
      expect(deployed(await stack.modalState())).toEqual([]);
    });
  });

  describe("the deploy gate (on by default): a coder that leaks tool calls into content is rolled back, the update fails naming the check; a good one passes", () => {
    let stack: EngineStack;
    let vllm: VllmStandIn;
    let misbehave: CoderMisbehaviour | undefined;
    beforeAll(async () => {
      // The deployed endpoint is a local vLLM stand-in behind the proxy token in .env: the stand-in
      // modal CLI prints its URL as the web function's URL.
      vllm = await startVllmStandIn({
        model: "qwen3-coder-next",
        proxyAuth: { tokenId: PROXY.MODAL_PROXY_TOKEN_ID, tokenSecret: PROXY.MODAL_PROXY_TOKEN_SECRET },
        ...conformingCoderOptions(() => misbehave),
      });
      stack = await createEngineStack(pulumi, { ...TOKENS }, { gate: true });
      await writeFile(stack.envFile, `MODAL_PROXY_TOKEN_ID=${PROXY.MODAL_PROXY_TOKEN_ID}\nMODAL_PROXY_TOKEN_SECRET=${PROXY.MODAL_PROXY_TOKEN_SECRET}\n`);
      await stack.modal.setDeployUrl(vllm.url);
      await stack.configSet("enabled", '["coder"]');
    });
    afterAll(async () => {
      await vllm?.close();
      if (stack) await rm(stack.dir, { recursive: true, force: true });
    });
    const shimOf = async () => {
      const resources = JSON.parse((await stack.pulumi(["stack", "export"])).stdout).deployment.resources as { type: string; urn: string; inputs: { shimSource: string } }[];
      return resources.find((res) => res.urn.endsWith("::coder") && res.type.includes("dynamic"))!.inputs.shimSource;
    };

    it("up: deployed with a tag, the gate passes every check (one log line each, naming the guarded failure), the endpoint config written", async () => {
      vllm.setFault({ status: 503, requests: 1 });
      const r = await stack.pulumi(["up", "--yes", "--skip-preview"]);
      expect(r.exitCode, r.all).toBe(0);
      // The default bound: plan's cold-start estimate + 300 s.
      expect(r.all).toMatch(/gate: up to \d+ s for http:\/\/127\.0\.0\.1:\d+ to serve "qwen3-coder-next" and pass the conformance suite/);
      expect(r.all).toMatch(/gate: ok   streamed tool call \[guards: tool call left in content as <tool_call> text\]/);
      expect(r.all).toMatch(/gate: ok   \/v1\/messages\/count_tokens \[guards: \/v1\/messages\/count_tokens missing\]/);
      expect(r.all).toMatch(/gate: passed 8 checks in \d+ s/);
      const app = appNamed(await stack.modalState(), "qcm-coder")!;
      expect(app.versions!.map((v) => v.tag)).toEqual([expect.stringMatching(/^qcm-[0-9a-f]{12}$/)]);
      expect(JSON.parse(await readFile(stack.endpointConfigPath, "utf8")).endpoints.coder.url).toBe(vllm.url);
      for (const call of (await stack.modalState()).calls) expect(call.envNames).not.toContain("MODAL_PROXY_TOKEN_ID");
    });

    it("an update whose coder leaks tool calls into content: up fails naming the check and what came back, rolls back to v1, state and endpoint config keep the previous version", async () => {
      const before = await shimOf();
      misbehave = "call-in-content";
      // The older per-deployment key still sets the gate's bound.
      await stack.configSet("deployments", JSON.stringify({ coder: { maxInputs: 64, verifyDeploy: 60 } }));
      const r = await stack.pulumi(["up", "--yes", "--skip-preview"]);
      expect(r.exitCode).not.toBe(0);
      expect(r.all).toMatch(/gate: up to 60 s for /);
      expect(r.all).toMatch(/deploy gate of qcm-coder failed: check "streamed tool call" failed \(guards: tool call left in content as <tool_call> text; vllm-project\/vllm#22975, [^)]*\): no get_weather entry in tool_calls \(finish_reason stop, content "<tool_call>\\n<function=get_weather>/);
      expect(r.all).toContain("Rolled back to the previous version (modal app rollback); the stack keeps the previous inputs.");
      expect(r.all).toContain("last lines of `modal app logs qcm-coder`:");
      expect(r.all).not.toMatch(/Unknown Error|\[object Object\]/);
      const state = await stack.modalState();
      expect(state.calls.slice(-2).map((c) => c.argv.join(" "))).toEqual(["app logs qcm-coder --tail 30", "app rollback qcm-coder --strategy recreate"]);
      const app = appNamed(state, "qcm-coder")!;
      expect(app.versions!.map((v) => [v.version, v.rollbackOf ?? null])).toEqual([[1, null], [2, null], [3, 1]]);
      expect(app.hash).toBe(app.versions![0].hash);
      expect(await shimOf()).toBe(before);
      expect(before).toContain("max_inputs=128");
      expect(JSON.parse(await readFile(stack.endpointConfigPath, "utf8")).endpoints.coder.url).toBe(vllm.url);
      const preview = await stack.pulumi(["preview", "--json"]);
      expect(previewSteps(preview.stdout).coder).toEqual(["update"]);
      await expectNoSecretsIn(stack);
    });

    it("the same update with the coder fixed: up passes the gate and deploys v4", async () => {
      misbehave = undefined;
      const r = await stack.pulumi(["up", "--yes", "--skip-preview"]);
      expect(r.exitCode, r.all).toBe(0);
      expect(r.all).toMatch(/gate: passed 8 checks/);
      expect(await shimOf()).toContain("max_inputs=64");
      expect(appNamed(await stack.modalState(), "qcm-coder")!.versions!.length).toBe(4);
    });
  });

  describe("bad config and missing credentials", () => {
    let stack: EngineStack;
    beforeAll(async () => {
      stack = await createEngineStack(pulumi, {});
    });
    afterAll(async () => {
      if (stack) await rm(stack.dir, { recursive: true, force: true });
    });

    it("one clean error block listing every problem, no stack trace, non-zero exit, nothing deployed", async () => {
      await stack.configSet("workspce", "acme");
      await stack.configSet("deployTimeout", "5");
      await stack.configSet("deployments", JSON.stringify({ vlm: { maxImagesPerPrompt: 6 } }));
      const r = await stack.pulumi(["up", "--yes", "--skip-preview"]);
      expect(r.exitCode).not.toBe(0);
      // The progress line echoes the first line; the Diagnostics section holds the one error.
      const diagnostics = r.all.slice(r.all.indexOf("Diagnostics:"));
      expect(diagnostics.match(/error: /g)?.length, r.all).toBe(1);
      expect(diagnostics).toMatch(
        /error: invalid configuration:\n\s+- qwen-code-modal:workspce: unknown key[^\n]*\n\s+- qwen-code-modal:deployTimeout: got 5[^\n]*\n\s+- qwen-code-modal:deployments\.vlm\.maxImagesPerPrompt: got 6[^\n]*\n\s+- no Modal credentials: set MODAL_TOKEN_ID/,
      );
      expect(r.all).not.toMatch(/unhandled exception|PromiseRejectionHandledWarning|\n\s+at \S+ \(/);
      expect((await stack.modalState()).calls).toEqual([]);
      const resources = JSON.parse((await stack.pulumi(["stack", "export"])).stdout).deployment.resources ?? [];
      expect(resources.filter((res: { type: string }) => res.type !== "pulumi:pulumi:Stack" && !res.type.startsWith("pulumi:providers:"))).toEqual([]);
    });
  });
});
