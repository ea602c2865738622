/**
 * A venv-shaped folder whose `bin/python` records each start (its argv, one line in `calls.log`) and
 * then runs the real Python with the same arguments: the real modal SDK or vLLM answers, and a test
 * can tell whether a check started Python at all.
 */
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";

/** The recording Python. */
export interface RecordingPython {
  python: string;
  /** The argv of every start so far. */
  calls(): Promise<string[][]>;
}

/**
 * Writes `<venv>/bin/python` running `realPython`, and (for the modal check's cache key) `lib/<dirs>`
 * as given, e.g. `python3.11/site-packages/modal-1.6.4.dist-info`.
 */
export async function recordingPython(venv: string, realPython: string, libDirs: string[] = []): Promise<RecordingPython> {
  const log = join(venv, "calls.log");
  await mkdir(join(venv, "bin"), { recursive: true });
  for (const d of libDirs) await mkdir(join(venv, "lib", d), { recursive: true });
  const python = join(venv, "bin", "python");
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  await writeFile(python, `#!/bin/sh\nprintf '%s\\n' "$*" >> ${quote(log)}\nexec ${quote(realPython)} "$@"\n`);
  await chmod(python, 0o755);
  return {
    python,
    calls: async () => (existsSync(log) ? (await readFile(log, "utf8")).trim().split("\n").filter(Boolean).map((l) => l.split(" ")) : []),
  };
}
