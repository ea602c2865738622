/**
 * `qwen-code-modal render`: write the checked shims to python-shims/, or with `--check`
 * fail when the committed ones are stale.
 * @module
 */
import { readFile } from "node:fs/promises";
import type { Command } from "../command";
import { resolveEnvironment } from "../../core/environment";
import { loadStackConfig, parseCommandArgs, stackConfigOption } from "../options";
import { prepareDeployments } from "../../prepare";
import { shimPath } from "../../render/write";
import { shimsDir } from "../../core/paths";

export const renderCommand: Command = {
  name: "render",
  summary: "write the checked shims to python-shims/ (--out DIR elsewhere; --check: fail if the committed shims are stale)",
  async run(args) {
    const opts = parseCommandArgs("render", args, { ...stackConfigOption, check: { type: "boolean" }, out: { type: "string" } }, "[--stack-config FILE] [--out DIR] [--check]").values;
    const environment = resolveEnvironment();
    const dir = opts.out ?? shimsDir(environment.root);
    const config = await loadStackConfig(opts["stack-config"]);
    const prepared = await prepareDeployments(config, { python: environment.modal.python, write: !opts.check, dir, cacheDir: environment.cacheDir });
    for (const warning of prepared.warnings) console.error(`warning: ${warning}`);
    const written = [...prepared.deployments.map((p) => p.shim), ...(prepared.control ? [prepared.control.shim] : [])];
    if (!opts.check) {
      for (const p of written) console.log(`wrote ${shimPath(dir, p.name)} (inputs ${p.inputsHash.slice(0, 12)})`);
      return 0;
    }
    const stale: string[] = [];
    for (const p of written) {
      const path = shimPath(dir, p.name);
      const committed = await readFile(path, "utf8").catch(() => "");
      if (committed !== p.source) stale.push(path);
    }
    if (stale.length) {
      console.error(`stale shims (run \`npm run render\` and commit them):\n${stale.map((s) => `  ${s}`).join("\n")}`);
      return 1;
    }
    console.log(`shims up to date: ${written.map((p) => p.name).join(", ")}`);
    return 0;
  },
};
