import { describe, expect, it } from "vitest";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveConfig, ConfigError } from "../../infra/config/resolve";
import { DEFAULT_DEPLOYMENTS } from "../../infra/config/defaults";
import { compareWithConfig, runModalCheck } from "../../infra/check/modal-check";
import { renderShim, shimInputsHash } from "../../infra/render/shim";
import { writeShims } from "../../infra/render/write";
import { PYTHON } from "../support/python";

/** The coder as a Modal Server (`serving: "server"`), as a team stack sets it. */
function serverCoder(over: Record<string, unknown> = {}) {
  return resolveConfig({ deployments: { coder: { serving: "server", maxContainers: 3, targetConcurrency: 6, ...over } } }).deployments.coder;
}

describe('serving: "server": a Modal Server checked by the real modal 1.6.4 SDK (offline, no credentials)', () => {
  it("renders @app.server on a class whose @modal.enter() starts vLLM; Modal registers a Server named serve behind proxy auth", async () => {
    const d = serverCoder();
    const shim = renderShim("coder", d);
    expect(shim.source).toContain(
      '@app.server(image=image, gpu="H200", scaledown_window=300, max_containers=3, target_concurrency=6, max_concurrency=128, secrets=SECRETS, volumes=VOLUMES, port=VLLM_PORT, startup_timeout=600, name="serve")\nclass Server:\n    @modal.enter()\n    def start(self) -> None:',
    );
    // Servers refuse these (modal/_server.py _validate_wrapped_user_cls_decorators) and have no timeout or label.
    for (const absent of ["@modal.concurrent", "@modal.web_server", "timeout=1800", "requires_proxy_auth", "label="]) expect(shim.source).not.toContain(absent);
    expect(shim.webEndpoints).toEqual([{ kind: "server", name: "serve" }]);
    const dir = await mkdtemp(join(tmpdir(), "qcm-server-"));
    const [path] = await writeShims(dir, [shim]);
    const { shims } = await runModalCheck([path], PYTHON);
    expect(shims[path]).toEqual({
      app_name: "qcm-coder",
      servers: {
        Server: {
          kind: "server", class: "Server", name: "serve", gpus: ["H200"], secrets: 0, volumes: ["/root/.cache/flashinfer", "/root/.cache/vllm"],
          http: { port: 8000, startup_timeout: 600, unauthenticated: false, routing_region: "us-east", sessioned: false },
          lifecycle: { enter_snap: [], enter_restore: ["start"], exit: ["stop"] },
        },
      },
      deploy_time: { Server: { scaledown_window: 300, max_containers: 3, target_concurrency: 6, max_concurrency: 128 } },
    });
    expect(compareWithConfig(shims[path], d)).toEqual([]);
  });

  it("with a memory snapshot: enable_memory_snapshot and the snap/restore lifecycle on the Server, which the SDK accepts", async () => {
    const d = serverCoder({ coldStart: "snapshot" });
    const shim = renderShim("coder", d);
    expect(shim.source).toContain("enable_memory_snapshot=True");
    const dir = await mkdtemp(join(tmpdir(), "qcm-server-"));
    const [path] = await writeShims(dir, [shim]);
    const { shims } = await runModalCheck([path], PYTHON);
    expect(shims[path]).toMatchObject({ servers: { Server: { kind: "server", lifecycle: { enter_snap: ["start_and_sleep"], enter_restore: ["wake"], exit: ["stop"] } } } });
    expect(compareWithConfig(shims[path], d)).toEqual([]);
  });

  it("the check can fail: a Server whose options differ from the config, and one the SDK refuses", async () => {
    const d = serverCoder();
    const shim = renderShim("coder", d);
    const dir = await mkdtemp(join(tmpdir(), "qcm-server-"));
    const [changed, refused] = await writeShims(dir, [
      { ...shim, source: shim.source.replace("target_concurrency=6", "target_concurrency=2").replace(', name="serve"', "") },
      { ...shim, name: "refused", source: shim.source.replace("target_concurrency=6", "target_concurrency=200") },
    ]);
    const { shims } = await runModalCheck([changed, refused], PYTHON);
    expect(compareWithConfig(shims[changed], d)).toEqual(['Server name: modal sees "Server", config says "serve"', "target_concurrency: modal sees 2, config says 6"]);
    // modal 1.6.4 app.py:1522-1523
    expect(compareWithConfig(shims[refused], d)).toEqual(["modal could not import the shim: InvalidError: The `target_concurrency` argument cannot be greater than `max_concurrency`."]);
  });

  it("web_server stays the default and its shim is byte for byte what it was (serving is not part of its inputs hash)", () => {
    expect(DEFAULT_DEPLOYMENTS.coder.serving).toBe("web_server");
    const { serving: _s, ...before } = DEFAULT_DEPLOYMENTS.coder;
    expect(shimInputsHash("coder", DEFAULT_DEPLOYMENTS.coder)).toBe(shimInputsHash("coder", before as typeof DEFAULT_DEPLOYMENTS.coder));
    expect(shimInputsHash("coder", serverCoder({ maxContainers: 1, targetConcurrency: undefined }))).not.toBe(shimInputsHash("coder", DEFAULT_DEPLOYMENTS.coder));
  });

  it("refuses what a Server cannot take, naming field, value and fix", () => {
    const problems = (over: Record<string, unknown>) => {
      try {
        resolveConfig({ deployments: { coder: over } });
      } catch (err) {
        return (err as ConfigError).problems;
      }
      return [];
    };
    expect(problems({ serving: "server", label: "coder" })).toEqual([
      'qwen-code-modal:deployments.coder.label: got "coder"; a Modal Server takes no label (modal 1.6.4 app.py:1394 has no label parameter; its URL is Modal\'s): remove label or set serving to "web_server"',
    ]);
    expect(problems({ targetConcurrency: 4 })).toEqual(['qwen-code-modal:deployments.coder.targetConcurrency: got 4; is an @app.server option: set serving to "server" or remove targetConcurrency']);
    expect(problems({ serving: "server", targetConcurrency: 200 })).toEqual([
      "qwen-code-modal:deployments.coder.targetConcurrency: got 200; 200 is above maxInputs 128 (Modal refuses target_concurrency > max_concurrency, app.py:1522-1523): lower it or raise maxInputs",
    ]);
    expect(problems({ serving: "servers" })[0]).toMatch(/^qwen-code-modal:deployments\.coder\.serving: got "servers"; .*"web_server".*"server"/);
  });
});
