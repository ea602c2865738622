/**
 * The project's one way to write a file: atomically (a temporary file in the same folder, fsync,
 * rename: a reader sees the old or the new contents, never a torn file, and a crash right after
 * the write does not lose it), with `write-file-atomic` (npm). Concurrent writes to one path leave
 * one of them whole (which one is not defined). On top of it, the read-change-write of a user's JSON settings
 * file (comments allowed and kept, with jsonc-parser) with a `.bak` backup.
 * @module
 */
import { mkdir, readFile, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { applyEdits, modify, parse as parseJsonc, printParseErrorCode, type JSONPath, type ParseError } from "jsonc-parser";
import writeFileAtomic from "write-file-atomic";

/**
 * What every written text passes through: the identity until an entry point installs its redactor
 * with {@link redactWrittenFiles} (the project CLI installs core/redaction.ts's `outputRedactor`).
 * Not imported from redaction.ts: the Pulumi program's dynamic providers write the endpoint config
 * through this module in Pulumi's provider host, where no entry point installs a redactor.
 */
let redactWritten: (text: string) => string = (text) => text;

/** Routes every file written (and every backup) from now on through `redactor`. */
export function redactWrittenFiles(redactor: (text: string) => string): void {
  redactWritten = redactor;
}

/**
 * Writes `data` to `path` atomically and durably, creating the parent folders. `data` and the
 * backup pass through the redactor installed by {@link redactWrittenFiles} (the CLI's: no file it
 * writes carries a known credential value).
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
      await writeFileAtomic(`${path}.bak`, redactWritten(previous), { mode: previousMode, fsync: true });
      backupPath = `${path}.bak`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
  await writeFileAtomic(path, redactWritten(data), { mode: options.mode, fsync: true });
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

/** A UTF-8 byte order mark, which qwen-code strips before parsing (`stripUtf8Bom`). */
const BOM = "\uFEFF";

/**
 * How settings files are read: JSON with comments (JSONC), as qwen-code 0.24.4 reads its
 * settings.json — `JSON.parse(stripJsonComments(stripUtf8Bom(content)))` in `loadSettings`
 * (node_modules/@qwen-code/qwen-code/chunks/chunk-LYEINKJD.js:1836), with strip-json-comments'
 * default `trailingCommas: false`: comments are valid, trailing commas are not.
 */
const JSONC_OPTIONS = { allowTrailingComma: false, disallowComments: false } as const;

/** The text of a settings file and its JSON object; a missing or empty file reads as `{}`. */
async function readJsoncObject(path: string): Promise<{ text: string | undefined; value: JsonObject }> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { text: undefined, value: {} };
    throw err;
  }
  if (text.replace(BOM, "").trim() === "") return { text, value: {} };
  const errors: ParseError[] = [];
  const value: unknown = parseJsonc(text.replace(BOM, ""), errors, JSONC_OPTIONS);
  if (errors.length > 0) {
    const { error, offset } = errors[0];
    const before = text.replace(BOM, "").slice(0, offset);
    const line = before.split("\n").length;
    const column = offset - before.lastIndexOf("\n");
    throw new Error(
      `${path} is not valid JSON (with comments) (${printParseErrorCode(error)} at line ${line} column ${column}); it was left untouched: fix or move it, then run again`,
    );
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new Error(`${path} does not hold a JSON object; it was left untouched: fix or move it, then run again`);
  }
  return { text, value: value as JsonObject };
}

/**
 * Reads a JSON object file, comments allowed (JSONC, as qwen-code reads its settings); a missing or
 * empty file reads as `{}`.
 * @throws Error naming the file, the problem and its line when it exists but is not a JSON object (it is left untouched).
 */
export async function readJsonObject(path: string): Promise<JsonObject> {
  return (await readJsoncObject(path)).value;
}

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Edits `text` so that its value at `path` goes from `before` to `after`, with jsonc-parser's
 * `modify`/`applyEdits`: objects present on both sides are edited key by key, so comments and the
 * layout of everything not changed stay; any other changed value is replaced whole.
 */
function editJsonc(text: string, path: JSONPath, before: unknown, after: unknown): string {
  if (isObject(before) && isObject(after)) {
    let out = text;
    for (const key of Object.keys(before)) if (!Object.hasOwn(after, key)) out = applyEdits(out, modify(out, [...path, key], undefined, MODIFY_OPTIONS));
    for (const [key, value] of Object.entries(after)) out = editJsonc(out, [...path, key], before[key], value);
    return out;
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return text;
  return applyEdits(text, modify(text, path, after, MODIFY_OPTIONS));
}

/** Two-space indentation, as the files this project writes from scratch. */
const MODIFY_OPTIONS = { formattingOptions: { insertSpaces: true, tabSize: 2, eol: "\n" } } as const;

/**
 * Applies `change` to the JSON object in `path` and writes the result with
 * {@link writeFileAtomically}, keeping the previous contents in `<path>.bak` and the previous file
 * mode. The file may have comments (JSONC): they and the layout of what did not change are kept
 * (the edit is made on the text, see {@link editJsonc}). Writes nothing when the result equals the input.
 * Not safe against another program rewriting the same file meanwhile: use the owner's own CLI for such files
 * (`claude mcp add-json`).
 * @param change - returns the new object; it may mutate and return its argument.
 * @param mode - file mode for a new file (default 0o600: settings may reference secrets' env vars).
 * @throws Error from {@link readJsonObject} for a corrupt file, which stays as it was; an error
 *   writing leaves the previous file whole (atomic write).
 */
export async function updateJsonFile(
  path: string,
  change: (current: JsonObject) => JsonObject,
  mode = 0o600,
): Promise<JsonFileUpdate> {
  const { text, value: before } = await readJsoncObject(path);
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
  const body = text?.replace(BOM, "").trim() ? editJsonc(text.replace(BOM, ""), [], before, after) : JSON.stringify(after, null, 2);
  const written = `${text?.startsWith(BOM) ? BOM : ""}${body.endsWith("\n") ? body : `${body}\n`}`;
  const backupPath = await writeFileAtomically(path, written, { mode: fileMode, backup: true });
  return { path, changed: true, backupPath };
}
