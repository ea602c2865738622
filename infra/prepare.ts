/**
 * The step every path shares before anything is deployed: render each deployment's shim,
 * import it with the real modal SDK, compare what Modal sees with the config, and only then
 * (optionally) write the shims to python-shims/.
 * @module
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Deployment } from "./config/schema";
import type { ResolvedConfig } from "./config/resolve";
import { compareWithConfig, runModalCheck, type ShimReport } from "./check/modal-check";
import { renderShim, type RenderedShim } from "./render/shim";
import { writeShims } from "./render/write";
import { shimsDir } from "./core/paths";
import { UserError } from "./core/errors";
import type { ImageEditDeployment } from "./config/image-edit-schema";
import { renderImageEditShim } from "./render/image-edit-shim";
import { compareImageEditWithConfig } from "./check/image-edit-check";

/** A deployment whose shim rendered and passed the modal SDK check. */
export interface PreparedDeployment {
  name: string;
  deployment: Deployment;
  shim: RenderedShim;
  /** What the modal SDK reported for the shim. */
  report: ShimReport;
}

/** A shim the modal SDK rejected, or saw differently from the config. Nothing was written. The message is for the user as is. */
export class ShimCheckError extends UserError {
  override name = "ShimCheckError";
  constructor(readonly problems: Record<string, string[]>) {
    super(
      `the modal SDK check failed; no shim was written:\n` +
        Object.entries(problems)
          .map(([name, lines]) => lines.map((l) => `  - ${name}: ${l}`).join("\n"))
          .join("\n"),
    );
  }
}

/** An image-edit deployment whose shim rendered and passed the modal SDK check. */
export interface PreparedImageEdit {
  name: string;
  deployment: ImageEditDeployment;
  shim: RenderedShim;
  report: ShimReport;
}

/** The result of {@link prepareDeployments}. */
export interface Prepared {
  /** Version of the modal SDK that checked the shims. */
  modalVersion: string;
  /** The checker's warnings (a modal SDK newer than the one it knows, a check reduced to the public API); show them to the user. */
  warnings: string[];
  deployments: PreparedDeployment[];
  /** Enabled image-edit deployments (none unless `enabled` names one). */
  imageEdits: PreparedImageEdit[];
}

/**
 * Renders and checks every enabled deployment.
 * @param options.python - Python with the pinned modal SDK (the environment's `modal.python`, infra/core/environment.ts).
 * @param options.write - also write the checked shims to `options.dir` (default python-shims/).
 * @throws ShimCheckError when any shim fails the check (then nothing is written).
 */
export async function prepareDeployments(
  config: ResolvedConfig,
  options: { python: string; write?: boolean; dir?: string },
): Promise<Prepared> {
  const entries = Object.entries(config.deployments);
  const imageEntries = Object.entries(config.imageEdits ?? {});
  const shims = [...entries.map(([name, d]) => renderShim(name, d)), ...imageEntries.map(([name, d]) => renderImageEditShim(name, d))];
  const scratch = await mkdtemp(join(tmpdir(), "qcm-shims-"));
  try {
    const paths = await writeShims(scratch, shims);
    const output = await runModalCheck(paths, options.python);
    const problems: Record<string, string[]> = {};
    const prepared = entries.map(([name, deployment], i) => {
      const report = output.shims[paths[i]] ?? { error: "the checker returned no report" };
      const mismatches = compareWithConfig(report, deployment);
      if (mismatches.length) problems[name] = mismatches;
      return { name, deployment, shim: shims[i], report };
    });
    const imageEdits = imageEntries.map(([name, deployment], j) => {
      const i = entries.length + j;
      const report = output.shims[paths[i]] ?? { error: "the checker returned no report" };
      const mismatches = compareImageEditWithConfig(report, deployment);
      if (mismatches.length) problems[name] = mismatches;
      return { name, deployment, shim: shims[i], report };
    });
    if (Object.keys(problems).length) throw new ShimCheckError(problems);
    if (options.write) await writeShims(options.dir ?? shimsDir(), shims);
    return { modalVersion: output.modal_version, warnings: output.warnings, deployments: prepared, imageEdits };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
