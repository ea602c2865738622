/**
 * The project CLI's one redaction boundary: a single {@link Redactor} (contract/src/redact.ts)
 * that learns every credential value as the environment is resolved (Modal tokens from the
 * variables and from the modal CLI's own `~/.modal.toml`, the proxy-auth tokens an endpoint config
 * names, `HF_TOKEN`), and through which the CLI's standard output and error
 * ({@link redactStandardStreams}, installed by `cli/main.ts`) and every file written by
 * `core/files.ts` (and its `.bak`; `redactWrittenFiles(outputRedactor)`, also installed by
 * `cli/main.ts`) pass. Other outputs (the dashboard's streams) apply {@link outputRedactor}
 * themselves. The Pulumi program's dynamic providers run in Pulumi's provider host, another process
 * (infra/provider/build-provider.ts), and redact modal's output with the secret values of the
 * child's environment (provider/modal-cli.ts).
 * @module
 */
import { readFileSync } from "node:fs";
import { parse as parseToml } from "smol-toml";
import { createRedactor, secretValuesOf, type Redactor } from "@qwen-code-modal/contract/redact";
import type { Variables } from "./environment";

/** The process's one redactor. Learns values through {@link learnSecrets} and {@link learnModalProfile}. */
export const outputRedactor: Redactor = createRedactor();

/**
 * Teaches {@link outputRedactor} the secret values of `vars`: the contract's `SECRET_ENV_VARS`
 * and the variables named in `names` (an endpoint config's proxy-auth variable names).
 */
export function learnSecrets(vars: Variables, names: readonly string[] = []): void {
  outputRedactor.learn(secretValuesOf(vars, names));
}

/**
 * Teaches {@link outputRedactor} the `token_id` / `token_secret` of every profile in the modal
 * CLI's config file (TOML, one table per profile: modal SDK `modal/config.py`, docstring lines
 * 24-27 and `_read_user_config` at line 188). A missing or unreadable file teaches nothing (the
 * modal CLI reports it when it runs).
 * @param profilePath - `environment.modal.profilePath` (`$MODAL_CONFIG_PATH`, else `~/.modal.toml`).
 */
export function learnModalProfile(profilePath: string): void {
  let tables: Record<string, unknown>;
  try {
    tables = parseToml(readFileSync(profilePath, "utf8"));
  } catch {
    return;
  }
  for (const table of Object.values(tables)) {
    if (table && typeof table === "object") {
      const { token_id: id, token_secret: secret } = table as Record<string, unknown>;
      outputRedactor.learn([typeof id === "string" ? id : undefined, typeof secret === "string" ? secret : undefined]);
    }
  }
}

/** A writable stream's `write`, as `process.stdout` has it. */
type Write = NodeJS.WriteStream["write"];

/**
 * Routes every write to `streams` (default: standard output and error) through `redactor`, so
 * that nothing this process prints carries a known secret. Child processes that inherit the
 * terminal (qwen-code, claude) write to it directly and are not covered. Idempotent per stream.
 */
export function redactStandardStreams(redactor: Redactor = outputRedactor, streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    const marked = stream as NodeJS.WriteStream & { [REDACTING]?: true };
    if (marked[REDACTING]) continue;
    const write: Write = stream.write.bind(stream);
    marked.write = ((chunk: unknown, ...rest: unknown[]) => {
      const text = typeof chunk === "string" ? chunk : Buffer.isBuffer(chunk) || chunk instanceof Uint8Array ? Buffer.from(chunk).toString("utf8") : String(chunk);
      return (write as (c: string, ...r: unknown[]) => boolean)(redactor(text), ...rest);
    }) as Write;
    marked[REDACTING] = true;
  }
}

/** Marks a stream whose writes already pass through the redactor. */
const REDACTING = Symbol("qcm.redacting");
