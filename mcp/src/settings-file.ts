/**
 * Safe updates of a user's JSON settings files (`~/.qwen/settings.json`, `.mcp.json`,
 * `~/.claude.json`): read, change in memory, write atomically with a backup.
 * @module
 */
import { copyFile, mkdir, readFile, rename, stat, writeFile, chmod } from "node:fs/promises";
import { dirname, basename, join } from "node:path";
import { randomBytes } from "node:crypto";

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
 * Reads a JSON object file; a missing file reads as `{}`.
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
 * Applies `change` to the JSON object in `path` and writes the result atomically
 * (a temporary file in the same folder, then rename), keeping the previous contents in
 * `<path>.bak` and the previous file mode. Writes nothing when the result equals the input.
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
  await mkdir(dirname(path), { recursive: true });
  let backupPath: string | undefined;
  let fileMode = mode;
  try {
    fileMode = (await stat(path)).mode & 0o777;
    backupPath = `${path}.bak`;
    await copyFile(path, backupPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  await writeFile(tmp, JSON.stringify(after, null, 2) + "\n", { mode: fileMode });
  await chmod(tmp, fileMode);
  await rename(tmp, path);
  return { path, changed: true, backupPath };
}
