import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { modalAppProvider, deployHash, type ModalAppInputs, type ModalAppOutputs } from "../../infra/provider/modal-app";
import { isModalCliError, stopSaysGone } from "../../infra/provider/modal-cli";
import { realModalCli } from "../support/modal-real-output";
import { renderShim } from "../../infra/render/shim";
import { DEFAULT_DEPLOYMENTS } from "../../infra/config/defaults";
import { appNamed, FAKE_CREDENTIALS, MODAL_STAND_IN, standInWorld } from "../support/modal-stand-in";
import { startVllmStandIn, type VllmStandIn } from "../stand-ins/vllm-endpoint";
import { conformingCoderOptions, type CoderMisbehaviour } from "../stand-ins/coder-routes";

const coder = renderShim("coder", DEFAULT_DEPLOYMENTS.coder);

function inputs(over: Partial<ModalAppInputs> = {}): ModalAppInputs {
  return {
    appName: "qcm-coder",
    deploymentName: "coder",
    shimSource: coder.source,
    strategy: "recreate",
    deployTimeoutSeconds: 60,
    webEndpoints: coder.webEndpoints,
    ...over,
  };
}

let world: Awaited<ReturnType<typeof standInWorld>>;
let logged: string[];

beforeEach(async () => {
  world = await standInWorld();
  // What the provider host inherits from `pulumi`: resolved when each operation runs.
  vi.stubEnv("MODAL_STAND_IN_STATE", world.statePath);
  vi.stubEnv("QCM_MODAL_CLI", MODAL_STAND_IN);
  vi.stubEnv("QCM_ENV_FILE", join(world.dir, "none.env"));
  vi.stubEnv("MODAL_TOKEN_ID", FAKE_CREDENTIALS.tokenId);
  vi.stubEnv("MODAL_TOKEN_SECRET", FAKE_CREDENTIALS.tokenSecret);
  modalAppProvider.configured = {};
  logged = [];
  vi.spyOn(pulumi.log, "info").mockImplementation(async (msg: string) => {
    logged.push(msg);
  });
});
afterEach(() => {
  modalAppProvider.configured = {};
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

async function create(i = inputs()): Promise<ModalAppOutputs> {
  const { id, outs } = await modalAppProvider.create!(i);
  expect(id).toBe(i.appName);
  return outs as ModalAppOutputs;
}

describe("ModalApp provider against the modal CLI stand-in", () => {
  it("create deploys with --strategy recreate, reads the endpoint URL with `function info --json` and streams output to the Pulumi log", async () => {
    const outs = await create();
    expect(outs.urls).toEqual({ serve: "https://stand-in-ws--qcm-coder-serve.modal.run" });
    expect(outs.deployHash).toBe(deployHash(inputs()));
    const state = await world.state();
    const { calls } = state;
    expect(calls).toHaveLength(2);
    expect(calls[1].argv).toEqual(["function", "info", "qcm-coder/serve", "--json"]);
    const tag = `qcm-${deployHash(inputs()).slice(0, 12)}`;
    expect(calls[0].argv).toEqual(["deploy", expect.stringMatching(/qcm-deploy-.*\/coder\.py$/), "--name", "qcm-coder", "--strategy", "recreate", "--tag", tag]);
    expect(appNamed(state, "qcm-coder")!.versions!.map((v) => v.tag)).toEqual([tag]);
    expect(calls[0]).toMatchObject({ tokenId: FAKE_CREDENTIALS.tokenId, hasSecret: true });
    expect(appNamed(state, "qcm-coder")).toMatchObject({ state: "deployed", strategy: "recreate" });
    expect(logged.some((l) => l.includes("App deployed in"))).toBe(true);
  });

  it("a rolling app deploys without --strategy, and -e passes the environment", async () => {
    const outs = await create(inputs({ strategy: "rolling", environment: "staging", appName: "qcm-vlm", deploymentName: "vlm" }));
    expect(outs.urls.serve).toBe("https://stand-in-ws-staging--qcm-vlm-serve.modal.run");
    const { calls } = await world.state();
    expect(calls[0].argv.slice(2)).toEqual(["--name", "qcm-vlm", "--tag", expect.stringMatching(/^qcm-[0-9a-f]{12}$/), "-e", "staging"]);
  });

  it("no-op: diff of unchanged inputs reports no changes and runs no modal command", async () => {
    const outs = await create();
    const diff = await modalAppProvider.diff!("qcm-coder", outs, inputs());
    expect(diff).toMatchObject({ changes: false, replaces: [] });
    expect((await world.state()).calls).toHaveLength(2);
  });

  it("update: a changed shim is redeployed in place", async () => {
    const outs = await create();
    const changed = renderShim("coder", { ...DEFAULT_DEPLOYMENTS.coder, maxInputs: 64 });
    const news = inputs({ shimSource: changed.source });
    const diff = await modalAppProvider.diff!("qcm-coder", outs, news);
    expect(diff).toMatchObject({ changes: true, replaces: [] });
    const { outs: updated } = await modalAppProvider.update!("qcm-coder", outs, news);
    expect(updated.deployHash).toBe(deployHash(news));
    const state = await world.state();
    expect(state.calls.map((c) => c.argv[0])).toEqual(["deploy", "function", "deploy", "function"]);
    expect(state.apps).toHaveLength(1);
    expect(appNamed(state, "qcm-coder")!.hash).not.toBe("");
  });

  it("inputs and outputs describe the app only; a changed deploy timeout is recorded without redeploying", async () => {
    const outs = await create();
    expect(Object.keys(outs).sort()).toEqual(["appName", "deployHash", "deployTimeoutSeconds", "deploymentName", "shimSource", "strategy", "urls", "webEndpoints"]);
    const news = inputs({ deployTimeoutSeconds: 900 });
    expect((await modalAppProvider.diff!("qcm-coder", outs, news)).changes).toBe(true);
    const { outs: updated } = await modalAppProvider.update!("qcm-coder", outs, news);
    expect(updated.deployTimeoutSeconds).toBe(900);
    expect((await world.state()).calls).toHaveLength(2);
  });

  it("credentials are resolved when each operation runs: a rotated token is used by the next one", async () => {
    const outs = await create();
    vi.stubEnv("MODAL_TOKEN_ID", "ak-rotated02");
    vi.stubEnv("MODAL_TOKEN_SECRET", "as-rotated02");
    await modalAppProvider.delete!("qcm-coder", outs);
    expect((await world.state()).calls.map((c) => c.tokenId)).toEqual([FAKE_CREDENTIALS.tokenId, FAKE_CREDENTIALS.tokenId, "ak-rotated02"]);
  });

  it("stack-config credentials (configure) win over the environment", async () => {
    const config = new Map([["qwen-code-modal:modalTokenId", "ak-config03"], ["qwen-code-modal:modalTokenSecret", "as-config03"]]);
    await modalAppProvider.configure!({ config: { get: (k: string) => config.get(k.includes(":") ? k : `qwen-code-modal:${k}`), require: () => "" } });
    await create();
    expect((await world.state()).calls[0]).toMatchObject({ tokenId: "ak-config03", hasSecret: true });
  });

  it("the modal child gets Modal's variables and what it needs to run, not the caller's other secrets", async () => {
    vi.stubEnv("MODAL_PROXY_TOKEN_ID", "wk-proxy04");
    vi.stubEnv("HF_TOKEN", "hf_token04");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "aws-secret04");
    vi.stubEnv("MODAL_ENVIRONMENT", "main");
    await create();
    const [call] = (await world.state()).calls;
    expect(call.modalEnv).toEqual(["MODAL_ENVIRONMENT", "MODAL_TOKEN_ID", "MODAL_TOKEN_SECRET"]);
    expect(call.envNames).toContain("PATH");
    for (const name of ["MODAL_PROXY_TOKEN_ID", "HF_TOKEN", "AWS_SECRET_ACCESS_KEY", "QCM_MODAL_CLI", "QCM_ENV_FILE"]) expect(call.envNames).not.toContain(name);
  });

  it("replace: a new app name or environment replaces the resource", async () => {
    const outs = await create();
    expect((await modalAppProvider.diff!("qcm-coder", outs, inputs({ appName: "qcm-coder-2" }))).replaces).toEqual(["appName"]);
    expect((await modalAppProvider.diff!("qcm-coder", outs, inputs({ environment: "prod" }))).replaces).toEqual(["environment"]);
  });

  it("drift: read keeps a deployed app and drops one stopped by hand", async () => {
    const outs = await create();
    expect(await modalAppProvider.read!("qcm-coder", outs)).toEqual({ id: "qcm-coder", props: outs });
    const stop = await world.runByHand(["app", "stop", "qcm-coder", "-y"]);
    expect(stop.exitCode).toBe(0);
    expect(await modalAppProvider.read!("qcm-coder", outs)).toEqual({ id: "", props: {} });
  });

  it("delete stops the app, and is idempotent for an app already stopped or never deployed", async () => {
    const outs = await create();
    await modalAppProvider.delete!("qcm-coder", outs);
    expect(appNamed(await world.state(), "qcm-coder")!.state).toBe("stopped");
    await expect(modalAppProvider.delete!("qcm-coder", outs)).resolves.toBeUndefined();
    await expect(modalAppProvider.delete!("qcm-other", { ...outs, appName: "qcm-other" })).resolves.toBeUndefined();
    const stops = (await world.state()).calls.filter((c) => c.argv[1] === "stop");
    expect(stops.map((c) => c.argv)).toEqual([
      ["app", "stop", "qcm-coder", "-y"],
      ["app", "stop", "qcm-coder", "-y"],
      ["app", "stop", "qcm-other", "-y"],
    ]);
  });

  it("a failing modal CLI gives an error with the command and output tail, never the token", async () => {
    vi.stubEnv("MODAL_STAND_IN_FAIL", "deploy");
    const err = await modalAppProvider.create!(inputs()).catch((e: unknown) => e);
    // A plain Error (it must survive Pulumi's closure serializer) that says what failed.
    expect(err).toBeInstanceOf(Error);
    expect(isModalCliError(err)).toBe(true);
    const message = (err as Error).message;
    expect(message).toMatch(/^`modal deploy .*coder\.py --name qcm-coder --strategy recreate --tag qcm-[0-9a-f]{12}` failed \(exit 1\)/);
    expect(message).toContain("rejected by the stand-in");
    expect(message).toContain("[redacted]");
    for (const text of [message, ...logged]) {
      expect(text).not.toContain(FAKE_CREDENTIALS.tokenId);
      expect(text).not.toContain(FAKE_CREDENTIALS.tokenSecret);
    }
    expect((await world.state()).apps).toEqual([]);
  });

  it("a failing delete or read surfaces as an error instead of dropping state", async () => {
    const outs = await create();
    vi.stubEnv("MODAL_STAND_IN_FAIL", "stop");
    await expect(modalAppProvider.delete!("qcm-coder", outs)).rejects.toThrow(/modal app stop qcm-coder -y` failed/);
    vi.stubEnv("MODAL_STAND_IN_FAIL", "list");
    await expect(modalAppProvider.read!("qcm-coder", outs)).rejects.toThrow(/modal app list --json` failed/);
  });

  it("credentials come from the env file when the environment holds none", async () => {
    const envFile = join(world.dir, ".env");
    await writeFile(envFile, `MODAL_TOKEN_ID=ak-dotenv01\nMODAL_TOKEN_SECRET=as-dotenv01\n`);
    vi.stubEnv("QCM_ENV_FILE", envFile);
    vi.stubEnv("MODAL_TOKEN_ID", undefined);
    vi.stubEnv("MODAL_TOKEN_SECRET", undefined);
    await create();
    expect((await world.state()).calls[0]).toMatchObject({ tokenId: "ak-dotenv01", hasSecret: true });
  });

  it("without any credentials the stand-in's auth error comes back as a provider error", async () => {
    vi.stubEnv("MODAL_TOKEN_ID", undefined);
    vi.stubEnv("MODAL_TOKEN_SECRET", undefined);
    await expect(create()).rejects.toThrow(/Token missing/);
  });

  it("delete treats only modal's exact messages as gone: an unknown environment is an error, the app stays in state", async () => {
    const outs = await create();
    const err = await modalAppProvider.delete!("qcm-coder", { ...outs, environment: "nope" }).catch((e: unknown) => e);
    expect(isModalCliError(err)).toBe(true);
    expect((err as Error).message).toMatch(/`modal app stop qcm-coder -y -e nope` failed \(exit 1\):\nError: Environment 'nope' not found\./);
    expect(appNamed(await world.state(), "qcm-coder")!.state).toBe("deployed");
  });

  it("app list parses stdout only: a warning with brackets on stderr does not break refresh", async () => {
    const outs = await create();
    vi.stubEnv("MODAL_STAND_IN_WARN", "1");
    expect(await modalAppProvider.read!("qcm-coder", outs)).toEqual({ id: "qcm-coder", props: outs });
  });

  it("memory-snapshot mode: the class's web method URL comes from `function info APP/Server.* --json` (method_details)", async () => {
    const snap = renderShim("coder", { ...DEFAULT_DEPLOYMENTS.coder, coldStart: "snapshot" });
    expect(snap.webEndpoints).toEqual([{ kind: "method", cls: "Server", name: "serve" }]);
    const outs = await create(inputs({ shimSource: snap.source, webEndpoints: snap.webEndpoints }));
    expect(outs.urls).toEqual({ serve: "https://stand-in-ws--qcm-coder-server-serve.modal.run" });
    expect((await world.state()).calls.map((c) => c.argv.join(" ")).at(-1)).toBe("function info qcm-coder/Server.* --json");
  });

  it("a deploy whose URL modal does not report fails create with one message naming the app and the command; the next create recovers", async () => {
    const state = await world.state();
    await writeFile(world.statePath, JSON.stringify({ ...state, webUrlMissing: true }));
    const err = await modalAppProvider.create!(inputs()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe(
      "modal deployed qcm-coder, but its endpoint URL could not be read: `modal function info qcm-coder/serve --json` reported no URL for the web function serve of qcm-coder (web_info.web_url is empty or missing). Nothing without a URL is recorded; the next `pulumi up` reads it again.",
    );
    await writeFile(world.statePath, JSON.stringify({ ...(await world.state()), webUrlMissing: false }));
    const outs = await create();
    expect(outs.urls).toEqual({ serve: "https://stand-in-ws--qcm-coder-serve.modal.run" });
  });

  it("a failing URL lookup fails create with the command and exit code", async () => {
    vi.stubEnv("MODAL_STAND_IN_FAIL", "info");
    await expect(modalAppProvider.create!(inputs())).rejects.toThrow(/^modal deployed qcm-coder, but its endpoint URL could not be read: `modal function info qcm-coder\/serve --json` failed \(exit 1\)/);
  });

  it("state without a URL (an older provider's) is repaired: diff sees it, update reads the URL without deploying; so does read", async () => {
    const outs = await create();
    const broken = { ...outs, urls: {} };
    expect((await modalAppProvider.diff!("qcm-coder", broken, inputs())).changes).toBe(true);
    const before = (await world.state()).calls.length;
    const { outs: repaired } = await modalAppProvider.update!("qcm-coder", broken, inputs());
    expect(repaired.urls).toEqual(outs.urls);
    expect((await world.state()).calls.slice(before).map((c) => c.argv.join(" "))).toEqual(["function info qcm-coder/serve --json"]);
    expect(await modalAppProvider.read!("qcm-coder", broken)).toEqual({ id: "qcm-coder", props: { ...broken, urls: outs.urls } });
  });

  it("delete of an app that vanished while a close-named app exists: modal's `Did you mean:` hint follows the not-found line, and delete succeeds", async () => {
    const shim = join(world.dir, "coder.py");
    await writeFile(shim, coder.source);
    expect((await world.runByHand(["deploy", shim, "--name", "qcm-coder-old"])).exitCode).toBe(0);
    const byHand = await world.runByHand(["app", "stop", "qcm-coder", "-y", "-e", "main"]);
    expect(byHand.exitCode).toBe(1);
    expect(byHand.stderr).toBe("Error: No App with name 'qcm-coder' found in the 'main' environment.\nDid you mean:\n    modal app stop qcm-coder-old -y -e main");
    const vanished: ModalAppOutputs = { ...inputs({ environment: "main" }), deployHash: "0".repeat(64), urls: {} };
    await expect(modalAppProvider.delete!("qcm-coder", vanished)).resolves.toBeUndefined();
    expect(logged).toContain("[modal qcm-coder] app was already stopped or gone");
    expect(appNamed(await world.state(), "qcm-coder-old")!.state).toBe("deployed");
  });

  it("stop's not-found counts only for this app and environment, wherever it stands in stderr (modal's own rendering)", async () => {
    const apps = [{ name: "qcm-coder-old", env: "main", app_id: "ap-" + "a".repeat(22), state: "deployed" }];
    const stop = (name: string, env: string) => realModalCli(["app", "stop", name, "-y", "-e", env], { apps });
    const hinted = await stop("qcm-coder", "main");
    expect(hinted.exitCode).toBe(1);
    expect(hinted.stderr.split("\n")[1]).toBe("Did you mean:");
    const warned = `┌ Modal Deprecation Warning ┐\n${hinted.stderr}`;
    expect(stopSaysGone(warned, "qcm-coder", "main")).toBe(true);
    expect(stopSaysGone(hinted.stderr, "qcm-coder")).toBe(true);
    expect(stopSaysGone(hinted.stderr, "qcm-coder", "prod")).toBe(false);
    // The hint names the close app; its own stop must not read "gone" from that.
    expect(stopSaysGone(hinted.stderr, "qcm-coder-old", "main")).toBe(false);
    const other = await stop("qcm-cod", "main");
    expect(stopSaysGone(other.stderr, "qcm-coder", "main")).toBe(false);
  });

  it("check rejects inputs that are not a rendered shim", async () => {
    const { failures } = await modalAppProvider.check!({}, inputs({ shimSource: "print('hi')", strategy: "fast" as "rolling" }));
    expect(failures!.map((f) => f.property)).toEqual(["shimSource", "strategy"]);
  });
});

describe("ModalApp deploy gate (modal CLI stand-in printing a local vLLM stand-in's URL; the compiled suite from dist/)", () => {
  const PROXY = { id: "wk-verify2", secret: "ws-verify2" };
  let vllm: VllmStandIn;
  let misbehave: CoderMisbehaviour | undefined;
  const ENDPOINT = { role: "coder", app: "qcm-coder", model: "qwen3-coder-next", modelId: "unsloth/Qwen3-Coder-Next-FP8-Dynamic", maxModelLen: 4096, maxImagesPerPrompt: 0, toolCalling: true, reasoning: false } as const;
  const verified = (over: Partial<ModalAppInputs> = {}, model = "qwen3-coder-next") =>
    inputs({ verify: { model, timeoutSeconds: 3, endpoint: { ...ENDPOINT, model }, proxyTokenIdEnv: "QCM_TEST_PROXY_ID", proxyTokenSecretEnv: "QCM_TEST_PROXY_SECRET" }, ...over });

  beforeEach(async () => {
    misbehave = undefined;
    vllm = await startVllmStandIn({ model: "qwen3-coder-next", proxyAuth: { tokenId: PROXY.id, tokenSecret: PROXY.secret }, ...conformingCoderOptions(() => misbehave) });
    vi.stubEnv("MODAL_STAND_IN_URL", vllm.url);
    vi.stubEnv("QCM_TEST_PROXY_ID", PROXY.id);
    vi.stubEnv("QCM_TEST_PROXY_SECRET", PROXY.secret);
  });
  afterEach(() => vllm.close());

  it("a deploy that serves the model and passes the suite passes, with progress in the Pulumi log", async () => {
    vllm.setFault({ status: 503, requests: 1 });
    const outs = await create(verified());
    expect(outs.verify).toMatchObject({ model: "qwen3-coder-next", timeoutSeconds: 3 });
    expect(logged.some((l) => /gate: up to 3 s for http:\/\/127\.0\.0\.1:\d+ to serve "qwen3-coder-next" and pass the conformance suite/.test(l))).toBe(true);
    expect(logged.some((l) => l.includes("gate: waiting for ") && l.includes("HTTP 503"))).toBe(true);
    expect(logged.some((l) => l.startsWith("[modal qcm-coder] gate: ok   streamed tool call [guards: tool call left in content as <tool_call> text]"))).toBe(true);
    expect(logged.some((l) => /gate: passed 8 checks in \d+ s/.test(l))).toBe(true);
    expect(vllm.requests.some((r) => r.path === "/v1/messages/count_tokens" && r.status === 200)).toBe(true);
  });

  it("an update whose coder leaks tool calls into content is rolled back and fails, naming the check, what came back and the logs", async () => {
    const first = await create(verified());
    misbehave = "call-in-content";
    const next = verified({ shimSource: coder.source.replace("max_inputs=128", "max_inputs=64") });
    const err = await modalAppProvider.update!("qcm-coder", first, next).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(
      /^deploy gate of qcm-coder failed: check "streamed tool call" failed \(guards: tool call left in content as <tool_call> text; vllm-project\/vllm#22975, .*\): no get_weather entry in tool_calls .*content "<tool_call>\\n<function=get_weather>.*\. Rolled back to the previous version \(modal app rollback\); the stack keeps the previous inputs\.\nlast lines of `modal app logs qcm-coder`:\nstand-in log: qcm-coder INFO: Started server process/s,
    );
    const state = await world.state();
    expect(state.calls.map((c) => c.argv.slice(0, 3).join(" "))).toEqual([
      "deploy " + state.calls[0].argv[1] + " --name", "function info qcm-coder/serve",
      "deploy " + state.calls[2].argv[1] + " --name", "function info qcm-coder/serve", "app logs qcm-coder", "app rollback qcm-coder",
    ]);
    expect(state.calls.slice(-2).map((c) => c.argv.join(" "))).toEqual(["app logs qcm-coder --tail 30", "app rollback qcm-coder --strategy recreate"]);
    const app = appNamed(state, "qcm-coder")!;
    expect(app.versions!.map((v) => [v.version, v.rollbackOf ?? null])).toEqual([[1, null], [2, null], [3, 1]]);
    expect(app.hash).toBe(app.versions![0].hash);
  });

  it("an update that never serves the new model name is rolled back within the bound", async () => {
    const first = await create(verified());
    const next = verified({ shimSource: coder.source.replace('SERVED_MODEL_NAME = "qwen3-coder-next"', 'SERVED_MODEL_NAME = "qwen3-coder-next-v2"') }, "qwen3-coder-next-v2");
    const err = await modalAppProvider.update!("qcm-coder", first, next).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^deploy gate of qcm-coder failed: check "\/v1\/models" failed \(guards: served model name missing.*\): lists qwen3-coder-next, not qwen3-coder-next-v2\. Rolled back/);
    expect((await world.state()).calls.at(-1)!.argv).toEqual(["app", "rollback", "qcm-coder", "--strategy", "recreate"]);
  });

  it("a create that fails the gate is stopped and fails; no proxy token: nothing is deployed", async () => {
    misbehave = "no-count-tokens";
    const err = await modalAppProvider.create!(verified()).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^deploy gate of qcm-coder failed: check "\/v1\/messages\/count_tokens" failed \(guards: \/v1\/messages\/count_tokens missing; BerriAI\/litellm#13252\): HTTP 404.*The new app was stopped \(there was no previous version to roll back to\)\./s);
    expect(appNamed(await world.state(), "qcm-coder")!.state).toBe("stopped");
    vi.stubEnv("QCM_TEST_PROXY_SECRET", "");
    const before = (await world.state()).calls.length;
    const missing = await modalAppProvider.create!(verified()).catch((e: unknown) => e);
    expect((missing as Error).message).toBe("the deploy gate needs the proxy token to call the endpoint: set QCM_TEST_PROXY_ID and QCM_TEST_PROXY_SECRET (environment or .env), or turn the gate off (qwen-code-modal:gate false); nothing was deployed");
    expect((await world.state()).calls.length).toBe(before);
  });

  it("turning verification on or off changes no shim and redeploys nothing", async () => {
    const first = await create(inputs());
    const diff = await modalAppProvider.diff!("qcm-coder", first, verified());
    expect(diff).toMatchObject({ changes: true, replaces: [] });
    const before = (await world.state()).calls.length;
    const { outs } = await modalAppProvider.update!("qcm-coder", first, verified());
    expect(outs.verify).toBeDefined();
    expect((await world.state()).calls.length).toBe(before);
  });
});
