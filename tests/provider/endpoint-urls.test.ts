// Endpoint URLs read from the JSON that modal 1.6.4's own `function info` / `server info` print
// (the modal CLI stand-in runs those commands with only the server layer replaced), one lookup per
// kind of web endpoint.
import { join } from "node:path";
import { writeFile } from "node:fs/promises";
import { beforeEach, describe, expect, it } from "vitest";
import { readEndpointUrls, urlCommand } from "../../infra/provider/endpoint-urls";
import { isModalCliError, type ModalCliContext } from "../../infra/provider/modal-cli";
import { renderShim } from "../../infra/render/shim";
import { DEFAULT_DEPLOYMENTS } from "../../infra/config/defaults";
import type { WebEndpoint } from "../../infra/modal/web-endpoints";
import { FAKE_CREDENTIALS, MODAL_STAND_IN, standInWorld } from "../support/modal-stand-in";

let world: Awaited<ReturnType<typeof standInWorld>>;
let ctx: ModalCliContext;

beforeEach(async () => {
  world = await standInWorld();
  ctx = { cli: MODAL_STAND_IN, env: { MODAL_STAND_IN_STATE: world.statePath, MODAL_TOKEN_ID: FAKE_CREDENTIALS.tokenId, MODAL_TOKEN_SECRET: FAKE_CREDENTIALS.tokenSecret, PATH: process.env.PATH ?? "" } };
});

/** Deploys `source` as `app` on the stand-in, as `modal deploy` would. */
async function deploy(source: string, app: string): Promise<void> {
  const file = join(world.dir, `${app}.py`);
  await writeFile(file, source);
  const r = await world.runByHand(["deploy", file, "--name", app]);
  expect(r.exitCode, r.stderr).toBe(0);
}

const SERVER_SHIM = 'import modal\napp = modal.App("qcm-srv")\n\n\n@app.server(port=8000, startup_timeout=600)\nclass Server:\n    pass\n';

describe("endpoint URLs from modal's --json (modal 1.6.4's own function/server info)", () => {
  it("a web function: web_info.web_url of `modal function info APP/serve --json`", async () => {
    await deploy(renderShim("coder", DEFAULT_DEPLOYMENTS.coder).source, "qcm-coder");
    const e: WebEndpoint = { kind: "function", name: "serve" };
    expect(urlCommand("qcm-coder", e)).toBe("modal function info qcm-coder/serve --json");
    expect(await readEndpointUrls(ctx, "qcm-coder", [e])).toEqual({ serve: "https://stand-in-ws--qcm-coder-serve.modal.run" });
  });

  it("a class's web method: method_details.serve.web_url of `modal function info APP/Server.* --json`", async () => {
    await deploy(renderShim("coder", { ...DEFAULT_DEPLOYMENTS.coder, coldStart: "snapshot" }).source, "qcm-coder");
    const e: WebEndpoint = { kind: "method", cls: "Server", name: "serve" };
    expect(urlCommand("qcm-coder", e)).toBe("modal function info qcm-coder/Server.* --json");
    expect(await readEndpointUrls(ctx, "qcm-coder", [e])).toEqual({ serve: "https://stand-in-ws--qcm-coder-server-serve.modal.run" });
  });

  it("a Server: server_url of `modal server info APP/Server --json`; modal refuses `function info` on it", async () => {
    await deploy(SERVER_SHIM, "qcm-srv");
    expect(await readEndpointUrls(ctx, "qcm-srv", [{ kind: "server", name: "Server" }])).toEqual({ Server: "https://stand-in-ws--qcm-srv-server.modal.run" });
    const wrongKind = await readEndpointUrls(ctx, "qcm-srv", [{ kind: "function", name: "Server" }]).catch((e: unknown) => e);
    expect(isModalCliError(wrongKind)).toBe(true);
    expect((wrongKind as Error).message).toContain("Error: 'qcm-srv/Server' is a Server. Use `modal server info`.");
  });

  it("no URL in modal's answer (web_url empty): an error naming the command, the endpoint and the key", async () => {
    await writeFile(world.statePath, JSON.stringify({ ...(await world.state()), webUrlMissing: true }));
    await deploy(renderShim("vlm", DEFAULT_DEPLOYMENTS.vlm).source, "qcm-vlm");
    await expect(readEndpointUrls({ ...ctx, environment: "main" }, "qcm-vlm", [{ kind: "function", name: "serve" }])).rejects.toThrow(
      "`modal function info qcm-vlm/serve --json -e main` reported no URL for the web function serve of qcm-vlm (web_info.web_url is empty or missing)",
    );
  });

  it("an app that is not deployed: modal's not-found error, with the command and exit code", async () => {
    const err = await readEndpointUrls(ctx, "qcm-none", [{ kind: "function", name: "serve" }]).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^`modal function info qcm-none\/serve --json` failed \(exit 1\):\nError: Function 'qcm-none\/serve' not found in the 'main' environment\./);
  });
});
