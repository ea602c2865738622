/**
 * `qwen-code-modal dashboard [--port N] [--no-open]`: a local page for the deployments (state,
 * live metrics, cost, logs, launch progress, a playground) on 127.0.0.1, with a per-run token in
 * the URL. Runs until Ctrl-C. See docs/dashboard.md.
 * @module
 */
import type { Command } from "../command";
import { UserError } from "../../core/errors";
import { dotenvFile, parseClientArgs, positiveNumber } from "../client-options";
import { loadEndpointContext } from "../../endpoints/context";
import { resolveEnvironment } from "../../core/environment";
import { ENDPOINT_CONFIG_VERSION, type EndpointConfig } from "@qwen-code-modal/contract";
import { startDashboard } from "../../dashboard/server";
import { openInBrowser } from "../../dashboard/open-browser";
import { loadStackConfig, stackConfigOption } from "../options";
import { PULUMI_STACK_OPTIONS, PULUMI_STACK_USAGE, withModalStack } from "../pulumi-stack";

const USAGE = `[--port N] [--no-open] [--refresh SECONDS] [--config FILE] [--dotenv FILE] [--stack-config FILE] ${PULUMI_STACK_USAGE}`;

/** Default port (0 would pick a free one). */
const DEFAULT_PORT = 8787;

export const dashboardCommand: Command = {
  name: "dashboard",
  summary: "local web page for the deployments: state, live metrics, cost, logs, launch progress, playground (127.0.0.1, token in the URL)",
  async run(args) {
    const { values } = parseClientArgs(
      "dashboard",
      args,
      { port: { type: "string" }, "no-open": { type: "boolean" }, refresh: { type: "string" }, ...PULUMI_STACK_OPTIONS, ...stackConfigOption },
      USAGE,
    );
    const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port must be a whole number 0–65535 (got "${values.port}")`);
    // Metrics every `refresh` seconds while an app is warm; Modal's app list 4 times less often.
    const refreshMs = positiveNumber("refresh", values.refresh, 5) * 1000;
    // A missing or invalid endpoint config does not stop the page: it says why, and what writes it.
    let configProblem: string | undefined;
    const loaded = await loadEndpointContext(values).catch((err: Error) => {
      if (!(err instanceof UserError)) throw err;
      configProblem = err.message;
      const environment = resolveEnvironment({ envFile: dotenvFile(values) });
      const config: EndpointConfig = { version: ENDPOINT_CONFIG_VERSION, stack: "(no endpoint config)", proxyAuth: { tokenIdEnv: "MODAL_PROXY_TOKEN_ID", tokenSecretEnv: "MODAL_PROXY_TOKEN_SECRET" }, endpoints: {} };
      return { config, configPath: values.config ?? environment.endpointConfigPath, envFile: environment.envFile, env: { ...environment.vars }, environment };
    });
    // Modal is read with the stack config's token when it holds one (--pulumi-stack, else the endpoint config's stack).
    const context = await withModalStack(loaded, values, configProblem ? undefined : loaded.config.stack);
    const monitor = { metricsIntervalMs: refreshMs, appsIntervalMs: 4 * refreshMs };
    const stackConfig = () => loadStackConfig(values["stack-config"]);
    // Preview/Up from the page: the stack named, else the one that wrote the endpoint config.
    const stackName = values["pulumi-stack"] ?? (configProblem ? undefined : context.config.stack);
    const stackTarget = stackName ? { stack: stackName, workDir: context.environment.root, configFile: values["pulumi-config-file"] } : undefined;
    const dashboard = await startDashboard({ port, context, stackConfig, stackConfigFrom: values["stack-config"] ?? "defaults", monitor, configProblem, stackTarget, spendIntervalMs: 120 * refreshMs }).catch((err: NodeJS.ErrnoException) => {
      throw err.code === "EADDRINUSE" ? new UserError(`port ${port} on 127.0.0.1 is in use: pass --port with another number (0 picks a free one)`) : err;
    });
    console.log(`dashboard: ${dashboard.url}`);
    console.log("(the token in the URL is this run's key; Ctrl-C stops the dashboard)");
    const opened = values["no-open"] ? undefined : await openInBrowser(dashboard.url, context.env);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    await dashboard.close();
    await opened?.remove();
    return 0;
  },
};
