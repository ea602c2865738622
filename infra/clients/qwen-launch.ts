/**
 * How `qodal` starts qwen-code: the coder selected on the command line and telemetry and usage
 * statistics forced off through the environment, whatever the user's settings say; on a Modal Server
 * (`serving: "server"`), a new session id per launch in `QCM_SESSION_ID` for the `Modal-Session-ID`
 * header the settings reference (contract/src/session-affinity.ts).
 *
 * Sources (qwen-code 0.24.4 bundle): `--auth-type` and `--model` are CLI options; telemetry's
 * `enabled` is `argv.telemetry ?? QWEN_TELEMETRY_ENABLED ?? settings`; usage statistics are
 * `QWEN_USAGE_STATISTICS_ENABLED ?? privacy.usageStatisticsEnabled ?? true`.
 * @module
 */
import { isServerEndpoint, newSessionId, SESSION_ID_ENV, type Endpoint } from "@qwen-code-modal/contract";
import type { ClientContext } from "../endpoints/context";
import { CODER_API_KEY_ENV, CODER_API_KEY_PLACEHOLDER } from "./qwen-settings";

/** A program to run: its arguments and whole environment. */
export interface LaunchSpec {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

/**
 * The qwen-code command line for the coder.
 * @param qwenBin - the qwen-code executable.
 * @param userArgs - passed on after the coder selection (a later `--model` wins, as yargs keeps the last).
 */
export function qwenLaunchSpec(context: ClientContext, coder: Endpoint, qwenBin: string, userArgs: string[]): LaunchSpec {
  const { proxyAuth } = context.config;
  return {
    command: qwenBin,
    args: ["--auth-type", "openai", "--model", coder.model, ...userArgs],
    env: {
      ...context.env,
      [proxyAuth.tokenIdEnv]: context.credentials.tokenId,
      [proxyAuth.tokenSecretEnv]: context.credentials.tokenSecret,
      [CODER_API_KEY_ENV]: context.env[CODER_API_KEY_ENV] || CODER_API_KEY_PLACEHOLDER,
      QWEN_TELEMETRY_ENABLED: "false",
      QWEN_USAGE_STATISTICS_ENABLED: "false",
      // One session id per launch, read by the settings' `Modal-Session-ID: ${QCM_SESSION_ID}` (a Modal Server only).
      ...(isServerEndpoint(coder) ? { [SESSION_ID_ENV]: newSessionId() } : {}),
    },
  };
}
