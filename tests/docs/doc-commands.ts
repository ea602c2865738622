/**
 * The shell commands README.md and docs/*.md show, as a reader would type them: every line of a
 * fenced `bash`/`sh`/`shell`/`console` block, continuation lines (`\`) joined, a trailing comment
 * (two or more spaces, then `#`) removed, blank and comment-only lines skipped.
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** One command of a doc. */
export interface DocCommand {
  /** Path relative to the project root. */
  file: string;
  /** 1-based line of the command's first line. */
  line: number;
  /** The command as written (without its trailing comment). */
  text: string;
}

/** README.md and every docs/*.md, in that order. */
export function docFiles(root: string): string[] {
  return ["README.md", ...readdirSync(join(root, "docs")).filter((n) => n.endsWith(".md")).sort().map((n) => `docs/${n}`)];
}

/** The commands of one markdown text. */
export function commandsIn(file: string, markdown: string): DocCommand[] {
  const commands: DocCommand[] = [];
  const lines = markdown.split("\n");
  let inShell = false;
  let inFence = false;
  for (let i = 0; i < lines.length; i++) {
    const fence = /^\s*```(\S*)/.exec(lines[i]);
    if (fence) {
      inShell = !inFence && ["bash", "sh", "shell", "console"].includes(fence[1]);
      inFence = !inFence;
      continue;
    }
    if (!inShell) continue;
    const start = i;
    let text = lines[i];
    while (text.trimEnd().endsWith("\\") && i + 1 < lines.length) text = `${text.trimEnd().slice(0, -1)} ${lines[++i].trim()}`;
    text = text.replace(/\s{2,}#.*$/, "").trim();
    if (text && !text.startsWith("#")) commands.push({ file, line: start + 1, text });
  }
  return commands;
}

/** Every command of README.md and docs/*.md. */
export function docCommands(root: string): DocCommand[] {
  return docFiles(root).flatMap((f) => commandsIn(f, readFileSync(join(root, f), "utf8")));
}
