/**
 * `qwen-code-modal cool [DEPLOYMENT]`: end a warm period now (min_containers back to 0, so the
 * app scales to zero after its scaledown window). `--timer ID` is what `warm` runs in the background.
 * @module
 */
import type { Command } from "../command";
import { UserError } from "../../core/errors";
import { parseClientArgs } from "../client-options";
import { loadEndpointContext } from "../../endpoints/context";
import { deployedAppTasks, opsModalContext, resolveModalCli } from "../../ops/modal-apps";
import { oneDeployment, someDeployments } from "../../ops/select";
import { coolExpired, coolFunction, findWebFunction, runWarmTimer } from "../../ops/warm";
import { putWarmRecord, readWarmRecords, warmRecordsPath } from "../../ops/warm-records";
import { PULUMI_STACK_OPTIONS, PULUMI_STACK_USAGE, withModalStack } from "../pulumi-stack";
import { clearWarmOnModal, controlPythonContext } from "../../ops/warm-control";

const USAGE = `[DEPLOYMENT] [--config FILE] [--dotenv FILE] ${PULUMI_STACK_USAGE}`;

export const coolCommand: Command = {
  name: "cool",
  summary: "end a warm period now: min_containers back to 0 (every deployment, or the one named)",
  async run(args) {
    const { values, positionals } = parseClientArgs("cool", args, { timer: { type: "string" }, ...PULUMI_STACK_OPTIONS }, USAGE, true);
    const context = await withModalStack(await loadEndpointContext(values), values);
    const modal = resolveModalCli(context.environment);
    const ctx = opsModalContext(modal, context.environment);
    const recordsPath = warmRecordsPath(context.configPath);
    if (values.timer) {
      const [, endpoint] = oneDeployment(context.config, "cool", positionals[0]);
      await runWarmTimer(ctx, recordsPath, endpoint.app, values.timer);
      return 0;
    }
    await coolExpired(ctx, recordsPath);
    const records = await readWarmRecords(recordsPath);
    const chosen = someDeployments(context.config, "cool", positionals[0]);
    const apps = await deployedAppTasks(modal, context.environment);
    for (const [name, endpoint] of chosen) {
      if (!apps.has(endpoint.app)) {
        // Stopped: nothing runs, and the next deploy starts from the decorator's settings.
        if (records[endpoint.app]) await putWarmRecord(recordsPath, endpoint.app, undefined);
        if (positionals[0]) throw new UserError(`cool: ${name}: app ${endpoint.app} is not deployed; nothing to cool`);
        console.log(`${name} (app ${endpoint.app}) is not deployed`);
        continue;
      }
      const recorded = records[endpoint.app]?.functionRef;
      const { functionRef, settings } = await findWebFunction(ctx, "cool", name, endpoint, recorded);
      if (!recorded && !settings.minContainers) {
        console.log(`${name} (app ${endpoint.app}) is not warm`);
        continue;
      }
      await coolFunction(ctx, recordsPath, endpoint.app, functionRef);
      // The controller would find min_containers 0 already; removing the period keeps its Dict clean.
      if (context.config.control) await clearWarmOnModal(controlPythonContext(context.environment), context.config.control, endpoint.app).catch(() => undefined);
      console.log(`${name} (app ${endpoint.app}) cooled: min_containers 0; it scales to zero after its scaledown window`);
    }
    return 0;
  },
};
