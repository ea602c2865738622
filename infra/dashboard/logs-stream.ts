/**
 * A deployment's Modal logs as a stream of lines for the page: `modal app logs <app> --follow`
 * (the same argv as the `logs` command), run while the page listens and killed when it leaves.
 * Reading logs goes to Modal's API, not to the endpoint, so it never wakes the app.
 * Every line is redacted (the child's credentials, and anything shaped like a token).
 * @module
 */
import { execa } from "execa";
import type { Environment } from "../core/environment";
import { modalLogsArgs } from "../ops/logs";
import { redact } from "../provider/redact";

/** What one follow produces. */
export interface LogsFollow {
  /** Each output line (stdout and stderr interleaved), redacted. */
  lines: AsyncIterable<string>;
  /** Resolves with modal's exit code when it ends (undefined when killed or not started). */
  done: Promise<{ exitCode?: number; reason?: string }>;
  /** Stops following (kills modal). */
  stop(): void;
}

/**
 * Starts following an app's logs.
 * @param modal - the modal CLI (ops/modal-apps `resolveModalCli`).
 * @param environment - the dashboard's environment; only PATH, HOME and the MODAL_* variables modal reads reach the child.
 * @param secrets - values removed from every line (besides token shapes).
 */
export function followLogs(modal: string, app: string, environment: Environment, secrets: readonly string[]): LogsFollow {
  const childEnv = environment.modal.variables;
  const hide = [...secrets, ...Object.values(childEnv).filter((v) => v.length >= 8)];
  const child = execa(modal, modalLogsArgs(app, { follow: true }), {
    // PATH and HOME: modal finds its profile in ~/.modal.toml.
    env: { PATH: environment.vars.PATH, HOME: environment.vars.HOME, ...childEnv, PYTHONUNBUFFERED: "1", TERM: "dumb", NO_COLOR: "1" },
    extendEnv: false,
    all: true,
    reject: false,
    stdin: "ignore",
  });
  async function* lines() {
    for await (const line of child.iterable({ from: "all" })) yield redact(String(line), hide);
  }
  const done = child.then((r) =>
    r.isTerminated ? {} : r.exitCode === undefined ? { reason: redact(r.shortMessage ?? "could not start modal", hide) } : { exitCode: r.exitCode },
  );
  return { lines: lines(), done, stop: () => void child.kill() };
}
