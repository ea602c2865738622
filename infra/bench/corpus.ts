/**
 * Real source text for the agent workload: the files a coding agent would paste into its context.
 * By default the project's own sources and the `undici` package it depends on (always installed),
 * so the text is code, not filler, and the benchmark needs no download.
 * @module
 */
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { UserError } from "../core/errors";
import { projectRoot } from "../core/paths";

/** Characters per token assumed when sizing contexts (code with Qwen's BPE tokenizer: ~3-4; an estimate, the run reports real counts). */
export const CHARS_PER_TOKEN = 3.5;

const SOURCE_FILE = /\.(ts|js|mjs|cjs|py|md|json)$/;
const SKIP_DIR = new Set([".git", ".tools", ".venv", "dist", "coverage"]);

/** Source files, concatenated with a path header each, in a stable order. */
export interface Corpus {
  /** Where it came from, for the result. */
  description: string;
  text: string;
}

async function walk(dir: string, out: string[], depth = 0): Promise<void> {
  if (depth > 12) return;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.isDirectory() && !SKIP_DIR.has(e.name) && !(depth === 0 && e.name === "node_modules")) await walk(join(dir, e.name), out, depth + 1);
    else if (e.isFile() && SOURCE_FILE.test(e.name)) out.push(join(dir, e.name));
  }
}

/**
 * Reads the corpus from folders (default: the project's `infra`, `mcp/src`, `python-shims`, `docs`
 * and `node_modules/undici/lib`).
 * @param minChars - the text needed; the folders are read in turn until there is this much, and the
 *   text is repeated (with a marker) when they hold less.
 * @throws UserError when the folders hold no source file.
 */
export async function loadCorpus(minChars: number, dirs?: string[]): Promise<Corpus> {
  const root = projectRoot();
  const folders = dirs ?? ["infra", "mcp/src", "python-shims", "docs", "node_modules/undici/lib"].map((d) => join(root, d));
  const files: string[] = [];
  for (const f of folders) await walk(f, files);
  if (files.length === 0) throw new UserError(`no source files (.ts .js .py .md .json) under ${folders.join(", ")}: pass --corpus DIR`);
  let text = "";
  for (const file of files) {
    text += `\n===== ${relative(root, file)} =====\n${await readFile(file, "utf8")}`;
    if (text.length >= minChars) break;
  }
  const base = text;
  for (let copy = 2; text.length < minChars; copy += 1) text += `\n===== (repeat ${copy}) =====\n${base}`;
  return { description: `${files.length} files under ${folders.map((f) => relative(root, f) || ".").join(", ")}`, text };
}
