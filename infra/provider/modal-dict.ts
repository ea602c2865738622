/**
 * A named `modal.Dict` of the workspace (the controller's, infra/render/control-shim.ts), from this
 * machine:
 * - read: `modal dict items NAME --json` (modal 1.6.4 modal/cli/dict.py:114-164): with `--json` it
 *   reads every entry (the N limit applies only without it, dict.py:150) and prints them through
 *   `display_table` (cli/utils.py:191-194) as `[{"key": ..., "value": ...}]`, values as JSON
 *   (`json.dumps`), so a value written as a JSON object reads back as one. A Dict that does not exist
 *   yet is modal's NotFoundError, printed `Error: ...`; it is read here as empty only when it says so.
 * - write: the modal CLI has no `dict put` (dict.py has list, create, clear, delete, get, items), so a
 *   key is written with the modal SDK itself (`modal.Dict.from_name(...).put/pop`, ./modal_dict.py)
 *   run by the project's Python, with the same child environment as the CLI.
 * @module
 */
import { join } from "node:path";
import { z } from "zod";
import { redact } from "@qwen-code-modal/contract/redact";
import { projectRoot } from "../core/paths";
import { modalFailure, runModal, secretValues, type ModalCliContext, type ModalRun } from "./modal-cli";

/** One entry as `modal dict items --json` prints it. */
export interface DictEntry {
  key: string;
  value: unknown;
}

const NOT_FOUND = /^Error: .*(not found|No Dict|does not exist)/i;

/**
 * Every entry of Dict `name` (`modal dict items NAME --json`); a Dict not created yet reads as empty.
 * @throws ModalCliError when modal fails otherwise or prints something that is not the entry list.
 */
export async function modalDictItems(ctx: ModalCliContext, name: string, timeoutSeconds = 60): Promise<DictEntry[]> {
  const run = await runModal({ ...ctx, onLine: undefined }, ["dict", "items", name, "--json"], timeoutSeconds);
  if (run.exitCode !== 0) {
    const last = run.stderr.trim().split("\n").at(-1) ?? "";
    if (NOT_FOUND.test(last)) return [];
    modalFailure(run);
  }
  let json: unknown;
  try {
    json = JSON.parse(run.stdout);
  } catch {
    modalFailure(run, "stdout is not JSON");
  }
  const parsed = z.array(z.object({ key: z.string(), value: z.unknown() })).safeParse(json);
  if (!parsed.success) modalFailure(run, "stdout is not a Dict's items");
  return parsed.data.map((e) => ({ key: e.key, value: e.value }));
}

/** How to run the project's Python with the modal SDK. */
export interface ModalPythonContext {
  /** Python with the pinned modal SDK (the environment's `modal.python`). */
  python: string;
  /** The child's environment: the modal CLI's ({@link ModalCliContext.env}). */
  env: Record<string, string>;
  environment?: string;
}

/**
 * Writes `value` under `key` of Dict `name` (creating the Dict), or removes the key when `value` is
 * undefined, with the modal SDK (./modal_dict.py).
 * @throws ModalCliError when the write fails (modal's `Error:` line as the tail).
 */
export async function modalDictPut(ctx: ModalPythonContext, name: string, key: string, value: unknown, timeoutSeconds = 60): Promise<void> {
  const execa = (require("execa") as typeof import("execa")).execa;
  const script = join(projectRoot(), "infra", "provider", "modal_dict.py");
  const result = await execa(ctx.python, [script], {
    env: ctx.env,
    extendEnv: false,
    reject: false,
    input: JSON.stringify({ name, environment: ctx.environment ?? null, key, value: value ?? null }),
    timeout: timeoutSeconds * 1000,
  });
  if (result.exitCode === 0) return;
  const clean = (text: unknown) => redact(String(text ?? ""), secretValues(ctx.env));
  const run: ModalRun = {
    command: `python modal_dict.py (Dict ${name}, key ${key})`,
    exitCode: result.exitCode ?? -1,
    stdout: clean(result.stdout),
    stderr: clean(result.stderr),
    output: clean(result.stderr).trim() || clean(result.shortMessage ?? "could not run"),
  };
  modalFailure(run);
}
