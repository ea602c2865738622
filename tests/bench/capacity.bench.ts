/** Time of the capacity + cost computation for both default deployments (the `plan` numbers). */
import { bench, describe } from "vitest";
import { computeCapacity } from "../../infra/capacity";
import { estimateStartupSeconds } from "../../infra/coldstart";
import { estimateCost } from "../../infra/cost";
import { DEFAULT_DEPLOYMENTS } from "../../infra/config/defaults";

describe("capacity + cost per default deployment", () => {
  for (const [name, d] of Object.entries(DEFAULT_DEPLOYMENTS)) {
    bench(name, () => {
      const capacity = computeCapacity(d);
      if (!capacity.known) throw new Error(`${name}: ${capacity.message}`);
      estimateCost({
        gpu: d.gpu,
        gpuCount: d.gpuCount,
        startupSeconds: estimateStartupSeconds({ mode: d.weights }, capacity.weightBytes),
        scaledownWindowSeconds: d.scaledownWindow,
      });
    });
  }
});
