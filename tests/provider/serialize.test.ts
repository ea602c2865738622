import { describe, expect, it } from "vitest";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa } from "execa";
import { renderShim } from "../../infra/render/shim";
import { DEFAULT_DEPLOYMENTS } from "../../infra/config/defaults";
import { appNamed, FAKE_CREDENTIALS, MODAL_STAND_IN, standInWorld } from "../support/modal-stand-in";

const harness = resolve(__dirname, "serialize-harness.cjs");

// Pulumi serializes a dynamic provider's closure into state and runs it in a separate host
// process. vitest's module transform breaks that serializer, so this test runs it under plain
// Node (on the tsc build in dist/) and loads the text the way Pulumi's provider host does.
describe("ModalApp provider closure serialization (plain Node, modal CLI stand-in)", () => {
  it("serializes without secrets and the deserialized provider deploys and stops an app", async () => {
    const world = await standInWorld();
    const dir = await mkdtemp(join(tmpdir(), "qcm-serialized-"));
    const serialized = join(dir, "provider.js");
    const out = await execa("node", [harness, "serialize", serialized]);
    const meta = JSON.parse(out.stdout);
    expect(meta.containsSecrets).toBe(false);
    const text = await readFile(serialized, "utf8");
    expect(text).toMatch(/^exports\.handler = /);
    expect(text).toContain('require("execa")');
    expect(text).not.toContain("__vi_");

    const inputsFile = join(dir, "inputs.json");
    const shim = renderShim("vlm", DEFAULT_DEPLOYMENTS.vlm);
    await writeFile(inputsFile, JSON.stringify({
      appName: "qcm-vlm", deploymentName: "vlm", shimSource: shim.source, strategy: "rolling", deployTimeoutSeconds: 60, webEndpoints: shim.webEndpoints,
    }));
    // A fresh process with only the serialized text, as the provider host has.
    const run = await execa("node", [harness, "run", serialized, inputsFile], {
      cwd: resolve(__dirname, "..", ".."),
      // The modal CLI and the credentials come from the host's environment when the operation runs.
      env: {
        MODAL_STAND_IN_STATE: world.statePath, QCM_MODAL_CLI: MODAL_STAND_IN, QCM_ENV_FILE: join(dir, "none.env"),
        MODAL_TOKEN_ID: FAKE_CREDENTIALS.tokenId, MODAL_TOKEN_SECRET: FAKE_CREDENTIALS.tokenSecret,
      },
    });
    // pulumi.log prints to stdout outside an engine; the harness's result is the last line.
    expect(JSON.parse(run.stdout.trim().split("\n").at(-1)!)).toEqual({
      failures: [], id: "qcm-vlm", urls: { serve: "https://stand-in-ws--qcm-vlm-serve.modal.run" }, deleted: true,
    });
    const state = await world.state();
    expect(state.calls.map((c) => c.argv[0] === "deploy" ? "deploy" : c.argv.join(" "))).toEqual(["deploy", "function info qcm-vlm/serve --json", "app stop qcm-vlm -y"]);
    expect(appNamed(state, "qcm-vlm")!.state).toBe("stopped");
    expect(run.stdout + run.stderr).not.toContain(FAKE_CREDENTIALS.tokenSecret);
  });
});
