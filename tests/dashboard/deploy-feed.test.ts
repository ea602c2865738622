import { appendFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DeployFeed, type DeployProgress } from "../../infra/dashboard/deploy-feed";
import { DEFAULT_DEPLOYMENTS } from "../../infra/config/defaults";
import { deployEventsPath } from "../../infra/core/environment";
import { appendDeployEvent, type DeployEvent } from "../../infra/provider/deploy-events";
import { modalAppProvider, type ModalAppInputs } from "../../infra/provider/modal-app";
import { renderShim } from "../../infra/render/shim";
import { FAKE_CREDENTIALS, MODAL_STAND_IN, standInWorld } from "../support/modal-stand-in";

let world: Awaited<ReturnType<typeof standInWorld>>;
let eventsPath: string;
let feed: DeployFeed | undefined;

beforeEach(async () => {
  world = await standInWorld();
  eventsPath = join(world.dir, "state", "deploy-events.jsonl");
  vi.stubEnv("MODAL_STAND_IN_STATE", world.statePath);
  vi.stubEnv("QCM_MODAL_CLI", MODAL_STAND_IN);
  vi.stubEnv("QCM_ENV_FILE", join(world.dir, "none.env"));
  vi.stubEnv("MODAL_TOKEN_ID", FAKE_CREDENTIALS.tokenId);
  vi.stubEnv("MODAL_TOKEN_SECRET", FAKE_CREDENTIALS.tokenSecret);
  vi.stubEnv("QCM_DEPLOY_EVENTS", eventsPath);
  modalAppProvider.configured = {};
  vi.spyOn(pulumi.log, "info").mockImplementation(async () => {});
});
afterEach(() => {
  feed?.stop();
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

const coder = renderShim("coder", DEFAULT_DEPLOYMENTS.coder);
const inputs: ModalAppInputs = {
  appName: "qcm-coder",
  deploymentName: "coder",
  shimSource: coder.source,
  strategy: "recreate",
  deployTimeoutSeconds: 60,
  webEndpoints: coder.webEndpoints,
};

const events = async (): Promise<DeployEvent[]> => (await readFile(eventsPath, "utf8")).trim().split("\n").map((l) => JSON.parse(l));

describe("deploy events: the ModalApp provider writes them, the dashboard follows them (modal CLI stand-in)", () => {
  it("a deploy appends start, each redacted output line and done with the URLs; a stop appends its own run", async () => {
    const seen: [DeployEvent, DeployProgress | undefined][] = [];
    feed = new DeployFeed(eventsPath, (e, p) => seen.push([e, p]), 50);
    feed.start();
    const { outs } = await modalAppProvider.create!(inputs);
    const written = await events();
    expect(written[0]).toMatchObject({ app: "qcm-coder", kind: "start", op: "deploy" });
    expect(written.filter((e) => e.kind === "line").map((e) => (e as { text: string }).text)).toContain("✓ Created objects.");
    expect(written.at(-1)).toMatchObject({ kind: "done", op: "deploy", urls: { serve: "https://stand-in-ws--qcm-coder-serve.modal.run" } });
    const text = await readFile(eventsPath, "utf8");
    for (const secret of [FAKE_CREDENTIALS.tokenId, FAKE_CREDENTIALS.tokenSecret]) expect(text).not.toContain(secret);
    expect(text).not.toContain("modal.App("); // no shim source

    await expect.poll(() => feed!.progress.get("qcm-coder")?.phase, { timeout: 5000 }).toBe("deployed");
    const percents = seen.map(([, p]) => p?.percent);
    expect(percents[0]).toBe(0);
    expect(percents).toContain(50);
    expect(percents.at(-1)).toBe(100);

    await modalAppProvider.delete!("qcm-coder", outs);
    await expect.poll(() => feed!.progress.get("qcm-coder")?.phase, { timeout: 5000 }).toBe("stopped");
  });

  it("a failed deploy ends as failed, naming the command", async () => {
    vi.stubEnv("MODAL_STAND_IN_FAIL", "deploy");
    await expect(modalAppProvider.create!(inputs)).rejects.toThrow(/modal deploy/);
    const last = (await events()).at(-1)!;
    expect(last).toMatchObject({ kind: "failed", op: "deploy" });
    expect((last as { text: string }).text).not.toContain(FAKE_CREDENTIALS.tokenId);
    feed = new DeployFeed(eventsPath, () => {}, 50);
    feed.start();
    expect(feed.progress.get("qcm-coder")).toMatchObject({ state: "failed", phase: "failed", percent: 0 });
  });

  it("the feed reads history, skips torn lines, and starts over after a rotation", async () => {
    appendDeployEvent(eventsPath, { app: "a", kind: "start", op: "deploy" });
    await appendFile(eventsPath, "not json\n");
    feed = new DeployFeed(eventsPath, () => {}, 50);
    feed.start();
    expect(feed.recent.map((e) => e.kind)).toEqual(["start"]);
    await appendFile(eventsPath, JSON.stringify({ at: "2026-01-01T00:00:00Z", app: "a", kind: "line", text: "Building image im-1" }).slice(0, 30));
    await new Promise((r) => setTimeout(r, 200));
    expect(feed.progress.get("a")?.percent).toBe(0); // half a line is not read yet
    await appendFile(eventsPath, JSON.stringify({ at: "2026-01-01T00:00:00Z", app: "a", kind: "line", text: "Building image im-1" }).slice(30) + "\n");
    await expect.poll(() => feed!.progress.get("a")?.phase).toBe("image");
    await writeFile(eventsPath, ""); // rotated
    appendDeployEvent(eventsPath, { app: "b", kind: "start", op: "stop" });
    await expect.poll(() => feed!.progress.get("b")?.phase).toBe("stopping");
  });

  it("writes to $QCM_DEPLOY_EVENTS, else under XDG_STATE_HOME or ~/.local/state", () => {
    expect(deployEventsPath({ QCM_DEPLOY_EVENTS: "/x/e.jsonl" })).toBe("/x/e.jsonl");
    expect(deployEventsPath({ XDG_STATE_HOME: "/s" })).toBe("/s/qwen-code-modal/deploy-events.jsonl");
    expect(deployEventsPath({ HOME: "/h" })).toBe("/h/.local/state/qwen-code-modal/deploy-events.jsonl");
  });
});
