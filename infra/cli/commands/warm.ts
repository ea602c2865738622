/**
 * `qwen-code-modal warm [DEPLOYMENT] [--for 3h] [--containers N]`: keep containers up for a working
 * session (Modal autoscaler `min_containers`), ended automatically; shows what it costs.
 * @module
 */
import { spawn } from "node:child_process";
import type { Command } from "../command";
import { UserError } from "../../core/errors";
import { loadStackConfig, stackConfigOption } from "../options";
import { parseClientArgs, positiveNumber } from "../client-options";
import { loadEndpointContext } from "../../endpoints/context";
import { estimateCost } from "../../cost";
import { gpuOptions } from "../../modal/gpus";
import { deployedAppTasks, opsModalContext, resolveModalCli } from "../../ops/modal-apps";
import { oneDeployment } from "../../ops/select";
import { coolExpired, formatUntil, parseDuration, warmDeployment } from "../../ops/warm";
import { putWarmRecord, warmRecordsPath } from "../../ops/warm-records";
import { controllerEndsLine, controlPythonContext, recordWarmOnModal } from "../../ops/warm-control";
import { isModalCliError } from "../../provider/modal-cli";
import { PULUMI_STACK_OPTIONS, PULUMI_STACK_USAGE, pulumiStackArgs, withModalStack } from "../pulumi-stack";
import { modalMessage } from "../../ops/modal-apps";

const USAGE = `[DEPLOYMENT] [--for DURATION (default 3h, at most 24h)] [--containers N] [--no-timer] [--config FILE] [--dotenv FILE] [--stack-config FILE] ${PULUMI_STACK_USAGE}`;

export const warmCommand: Command = {
  name: "warm",
  summary: "keep a deployment's container up for a while (--for 3h; min_containers), ended automatically; shows the cost",
  async run(args) {
    const { values, positionals } = parseClientArgs(
      "warm",
      args,
      { ...stackConfigOption, for: { type: "string" }, containers: { type: "string" }, "no-timer": { type: "boolean" }, ...PULUMI_STACK_OPTIONS },
      USAGE,
      true,
    );
    const seconds = parseDuration(values.for ?? "3h");
    const containers = positiveNumber("containers", values.containers, 1);
    if (!Number.isInteger(containers) || containers > 10) throw new UserError(`--containers: got "${values.containers}"; use a whole number from 1 to 10`);
    const context = await withModalStack(await loadEndpointContext(values), values);
    const [name, endpoint] = oneDeployment(context.config, "warm", positionals[0]);
    const config = await loadStackConfig(values["stack-config"]);
    const modal = resolveModalCli(context.environment);
    const ctx = opsModalContext(modal, context.environment);
    const recordsPath = warmRecordsPath(context.configPath);
    for (const app of await coolExpired(ctx, recordsPath)) console.log(`cooled ${app}: its warm period was over`);
    const apps = await deployedAppTasks(modal, context.environment);
    const record = await warmDeployment(ctx, recordsPath, { name, endpoint, deployed: apps.has(endpoint.app), seconds, containers });
    const control = context.config.control;
    const onModal = control
      ? await recordWarmOnModal(controlPythonContext(context.environment), control, record).then(
          () => true,
          (err: unknown) => {
            if (!isModalCliError(err)) throw err;
            console.error(`warning: could not record the period in ${control.dict} on Modal (${modalMessage(err)}); only this machine's timer ends it`);
            return false;
          },
        )
      : false;
    if (!values["no-timer"]) {
      // The timer reads the Modal token as this command did: the same --pulumi-stack/--pulumi-config-file
      // (or the same defaults). `cool --timer` resolves it when it starts, seconds from now in this same
      // environment (the passphrase included), not at expiry, and keeps it in memory: the token value is
      // never in its argv, nor in an environment that lives for hours (/proc/<pid>/environ).
      const timerArgs = [process.argv[1], "cool", name, "--timer", record.id, "--config", context.configPath, "--dotenv", context.envFile, ...pulumiStackArgs(values)];
      const timer = spawn(process.execPath, timerArgs, {
        detached: true,
        stdio: "ignore",
        env: process.env,
      });
      timer.unref();
      if (timer.pid) await putWarmRecord(recordsPath, endpoint.app, { ...record, timerPid: timer.pid });
    }
    const hours = seconds / 3600;
    const d = config.deployments[name];
    const costs = d ? gpuOptions(d.gpu).map((gpu) => ({ gpu, perHour: estimateCost({ gpu, gpuCount: d.gpuCount, startupSeconds: 0, scaledownWindowSeconds: 0, rateOverrides: config.settings.gpuRatesUsdPerSecond }).usdPerWarmHour * containers })) : [];
    const cost = costs.length
      ? costs.map((c) => `$${c.perHour.toFixed(2)}/hour on ${c.gpu} → $${(c.perHour * hours).toFixed(2)} for ${hours.toFixed(hours < 1 ? 2 : 1)} h`).join("; or ")
      : "unknown (the deployment is not in the stack config; pass --stack-config)";
    console.log(
      [
        `${name} (app ${endpoint.app}, ${record.functionRef}) is warm: ${containers} container${containers > 1 ? "s" : ""} kept up until ${formatUntil(record.until)}.`,
        `cost while warm (GPU, plan rates): ${cost}.`,
        control && onModal
          ? controllerEndsLine(control, formatUntil(record.until))
          : values["no-timer"]
          ? "ends: at the next `qwen-code-modal status`, `warm` or `cool` after that time (no timer: --no-timer)."
          : "ends: a background timer runs `cool` then; if this machine is off or asleep at that time, the next `status`, `warm` or `cool` ends it (until then it stays up and billed).",
        "a redeploy (`pulumi up` that changes the app) resets it: Modal restores the decorator's scale-to-zero settings.",
      ].join("\n"),
    );
    return 0;
  },
};
