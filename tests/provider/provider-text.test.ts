import { describe, expect, it } from "vitest";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa } from "execa";
import { renderShim } from "../../infra/render/shim";
import { DEFAULT_DEPLOYMENTS } from "../../infra/config/defaults";
import { appNamed, FAKE_CREDENTIALS, MODAL_STAND_IN, standInWorld } from "../support/modal-stand-in";

const ROOT = resolve(__dirname, "..", "..");
const harness = resolve(__dirname, "provider-text-harness.cjs");

// The `__provider` text a ModalApp registers (infra/provider/build-provider.ts) is what Pulumi
// keeps in state and its dynamic provider host loads in a process of its own. vitest's module
// transform is not what the host runs, so this test uses plain Node on the tsc build in dist/ and
// loads the text the way the host does (require-from-string(...).handler()).
describe("ModalApp provider text (plain Node, as Pulumi's dynamic provider host loads it; modal CLI stand-in)", () => {
  async function providerText() {
    const dir = await mkdtemp(join(tmpdir(), "qcm-provider-text-"));
    const file = join(dir, "provider.js");
    await execa("node", [harness, "text", file]);
    return { dir, file, text: await readFile(file, "utf8") };
  }

  it("is a few lines holding no code of the provider, no path and no credential", async () => {
    const { text } = await providerText();
    expect(text).toMatch(/\nexports\.handler = \(\) => loadBuildProvider\("dist\/infra\/provider\/modal-app\.js", "modalAppProvider"\);\n$/);
    expect(text.length).toBeLessThan(2000);
    expect(text).not.toContain("execa");
    expect(text).not.toContain(ROOT);
    expect(text).not.toContain(FAKE_CREDENTIALS.tokenSecret);
  });

  it("the host's provider from the text deploys and stops an app from the project folder", async () => {
    const world = await standInWorld();
    const { dir, file } = await providerText();
    const inputsFile = join(dir, "inputs.json");
    const shim = renderShim("vlm", DEFAULT_DEPLOYMENTS.vlm);
    await writeFile(inputsFile, JSON.stringify({
      appName: "qcm-vlm", deploymentName: "vlm", shimSource: shim.source, strategy: "rolling", deployTimeoutSeconds: 60, webEndpoints: shim.webEndpoints,
    }));
    // A fresh process with only the text, in a subfolder of the project (the root is found upwards).
    const run = await execa("node", [harness, "run", file, inputsFile], {
      cwd: join(ROOT, "infra"),
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

  it("outside the project, or with the build missing, the operation fails in one line naming the fix", async () => {
    const { dir, file } = await providerText();
    const inputsFile = join(dir, "inputs.json");
    await writeFile(inputsFile, "{}");
    const outside = await execa("node", [harness, "run", file, inputsFile], { cwd: dir, reject: false });
    expect(outside.exitCode).toBe(1);
    expect(outside.stderr).toBe(`the dynamic provider runs outside the project: no Pulumi.yaml above ${dir}`);
    // A project folder whose build is missing (a fresh clone before scripts/dev).
    await writeFile(join(dir, "Pulumi.yaml"), "name: qwen-code-modal\nruntime: nodejs\n");
    const unbuilt = await execa("node", [harness, "run", file, inputsFile], { cwd: dir, reject: false });
    expect(unbuilt.exitCode).toBe(1);
    expect(unbuilt.stderr).toBe(
      `the provider's build ${join(dir, "dist", "infra", "provider", "modal-app.js")} is missing: build it (\`npm run build\`, i.e. tsc -b, or scripts/dev) in ${dir}, then run the command again`,
    );
  });
});
