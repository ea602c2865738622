// Deployer core figures: render + real modal SDK check of both default shims, the whole plan, and the
// ModalApp provider's no-op diff (what `pulumi up` with nothing changed costs per app).
import { bench, describe } from "vitest";
import { resolveConfig } from "../../infra/config/resolve";
import { prepareDeployments } from "../../infra/prepare";
import { buildPlan } from "../../infra/plan/plan";
import { renderShim } from "../../infra/render/shim";
import { DEFAULT_DEPLOYMENTS } from "../../infra/config/defaults";
import { deployHash, modalAppProvider, type ModalAppInputs } from "../../infra/provider/modal-app";
import { PYTHON } from "../support/python";

const config = resolveConfig({});

describe("render + check (real modal SDK, both default shims)", () => {
  bench("render only (both shims, in process)", () => {
    renderShim("coder", DEFAULT_DEPLOYMENTS.coder);
    renderShim("vlm", DEFAULT_DEPLOYMENTS.vlm);
  });
  bench("render + modal SDK check (one python process for both)", async () => {
    await prepareDeployments(config, { python: PYTHON });
  }, { iterations: 5, time: 0 });
  bench("plan: render + check + capacity + cost + cold start, both deployments", async () => {
    buildPlan((await prepareDeployments(config, { python: PYTHON })).deployments, config.settings);
  }, { iterations: 5, time: 0 });
});

describe("ModalApp provider", () => {
  const inputs: ModalAppInputs = {
    appName: "qcm-coder", deploymentName: "coder", shimSource: renderShim("coder", DEFAULT_DEPLOYMENTS.coder).source,
    strategy: "recreate", deployTimeoutSeconds: 60, webEndpoints: renderShim("coder", DEFAULT_DEPLOYMENTS.coder).webEndpoints,
  };
  const olds = { ...inputs, deployHash: deployHash(inputs), urls: { serve: "https://ws--qcm-coder-serve.modal.run" } };
  bench("no-op diff (unchanged inputs, no modal call)", async () => {
    const diff = await modalAppProvider.diff!("qcm-coder", olds, inputs);
    if (diff.changes) throw new Error("a no-op diff reported changes");
  });
});
