/**
 * The project's one way to write a file: atomically (a temporary file in the same folder, fsync,
 * rename: a reader sees the old or the new contents, never a torn file, and a crash right after
 * the write does not lose it), with `write-file-atomic` (npm). Concurrent writes to one path leave
 * one of them whole (which one is not defined). On top of it, the read-change-write of a user's JSON settings
 * file with a `.bak` backup.
 * @module
 */
import { mkdir, readFile, stat } from "node:fs/promises";
import { dirname } from "node:path";
import writeFileAtomic from "write-file-atomic";
import { outputRedactor } from "./redaction";

/**
 * Writes `data` to `path` atomically and durably, creating the parent folders. `data` and the
 * backup pass through the process's redactor (core/redaction.ts): no file this project writes
 * carries a known credential value.
 * @param options.mode - file mode; default: an existing file keeps its mode, a new one gets 0o666 less the umask.
 * @param options.backup - first copy an existing file to `<path>.bak`.
 * @returns the backup's path, when one was made.
 * @throws the file system's error (EACCES, ENOSPC, ...); the previous file is then unchanged.
 */
export async function writeFileAtomically(
  path: string,
  data: string,
  options: { mode?: number; backup?: boolean } = {},
): Promise<string | undefined> {
  await mkdir(dirname(path), { recursive: true });
  let backupPath: string | undefined;
  if (options.backup) {
    try {
      const previous = await readFile(path, "utf8");
      const previousMode = (await stat(path)).mode & 0o777;
      await writeFileAtomic(`${path}.bak`, outputRedactor(previous), { mode: previousMode, fsync: true });
      backupPath = `${path}.bak`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
  await writeFileAtomic(path, outputRedactor(data), { mode: options.mode, fsync: true });
  return backupPath;
}

/** A JSON object as read from a settings file. */
export type JsonObject = { [key: string]: unknown };

/** The outcome of {@link updateJsonFile}. */
export interface JsonFileUpdate {
  /** The file written (or left alone). */
  path: string;
  /** False when the update changed nothing: the file was not touched and no backup was made. */
  changed: boolean;
  /** Path of the backup of the previous contents (`<path>.bak`), when there was a previous file. */
  backupPath?: string;
}

/**
 * Reads a JSON object file; a missing or empty file reads as `{}`.
 * @throws Error naming the file when it exists but is not a JSON object (it is left untouched).
 */
export async function readJsonObject(path: string): Promise<JsonObject> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw err;
  }
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(
      `${path} is not valid JSON (${(err as Error).message}); it was left untouched: fix or move it, then run again`,
    );
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new Error(`${path} does not hold a JSON object; it was left untouched: fix or move it, then run again`);
  }
  return value as JsonObject;
}

/**
 * Applies `change` to the JSON object in `path` and writes the result with
 * {@link writeFileAtomically}, keeping the previous contents in `<path>.bak` and the previous file
 * mode. Writes nothing when the result equals the input. Not safe against another program
 * rewriting the same file meanwhile: use the owner's own CLI for such files (`claude mcp add-json`).
 * @param change - returns the new object; it may mutate and return its argument.
 * @param mode - file mode for a new file (default 0o600: settings may reference secrets' env vars).
 * @throws Error from {@link readJsonObject} for a corrupt file, which stays as it was.
 */
export async function updateJsonFile(
  path: string,
  change: (current: JsonObject) => JsonObject,
  mode = 0o600,
): Promise<JsonFileUpdate> {
  const before = await readJsonObject(path);
  const beforeText = JSON.stringify(before);
  const after = change(structuredClone(before));
  if (JSON.stringify(after) === beforeText) return { path, changed: false };
  const fileMode = await stat(path).then(
    (s) => s.mode & 0o777,
    (err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return mode;
      throw err;
    },
  );
  const backupPath = await writeFileAtomically(path, JSON.stringify(after, null, 2) + "\n", { mode: fileMode, backup: true });
  return { path, changed: true, backupPath };
}
