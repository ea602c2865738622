#!/usr/bin/env node
/**
 * `qwen-code-modal`: the project CLI. `pulumi up` / `pulumi destroy` deploy; this gathers
 * everything around them (plan, render, install, smoke, status, logs, dashboard, ...).
 * @module
 */
import type { Command } from "./command";
import { UserError } from "../core/errors";
import { outputRedactor, redactStandardStreams } from "../core/redaction";
import { redactWrittenFiles } from "../core/files";
import { HelpRequested } from "./options";

/**
 * Every subcommand, in `help` order: its name and how to load it. Only the command that runs is
 * loaded (its module and what it imports: the MCP SDK, Hono, sharp, ... for some), so `plan` or
 * `qodal` does not pay for every other command's imports (docs/engine.md). Each lives in its own
 * file under commands/.
 */
const commands: { name: string; load: () => Command }[] = [
  { name: "plan", load: () => (require("./commands/plan") as typeof import("./commands/plan")).planCommand },
  { name: "render", load: () => (require("./commands/render") as typeof import("./commands/render")).renderCommand },
  { name: "install", load: () => (require("./commands/install") as typeof import("./commands/install")).installCommand },
  { name: "qwen", load: () => (require("./commands/qwen") as typeof import("./commands/qwen")).qwenCommand },
  { name: "claude", load: () => (require("./commands/claude") as typeof import("./commands/claude")).claudeCommand },
  { name: "smoke", load: () => (require("./commands/smoke") as typeof import("./commands/smoke")).smokeCommand },
  { name: "status", load: () => (require("./commands/status") as typeof import("./commands/status")).statusCommand },
  { name: "bench", load: () => (require("./commands/bench") as typeof import("./commands/bench")).benchCommand },
  { name: "logs", load: () => (require("./commands/logs") as typeof import("./commands/logs")).logsCommand },
  { name: "register-mcp", load: () => (require("./commands/register-mcp") as typeof import("./commands/register-mcp")).registerMcpCommand },
  { name: "spend", load: () => (require("./commands/spend") as typeof import("./commands/spend")).spendCommand },
  { name: "history", load: () => (require("./commands/history") as typeof import("./commands/history")).historyCommand },
  { name: "warm", load: () => (require("./commands/warm") as typeof import("./commands/warm")).warmCommand },
  { name: "cool", load: () => (require("./commands/cool") as typeof import("./commands/cool")).coolCommand },
  { name: "dashboard", load: () => (require("./commands/dashboard") as typeof import("./commands/dashboard")).dashboardCommand },
];

/**
 * Loads the command registered as `name`.
 * @throws Error when its module's command has another name (a bug in the table above).
 */
function loadCommand(entry: { name: string; load: () => Command }): Command {
  const command = entry.load();
  if (command.name !== entry.name) throw new Error(`cli/main.ts lists "${entry.name}" but its module's command is "${command.name}"`);
  return command;
}

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    "usage: qwen-code-modal <command> [options]",
    "",
    ...commands.map(loadCommand).map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Deploy and destroy with `pulumi up` / `pulumi destroy`; see README.md.",
  ].join("\n");
}

/**
 * Dispatches `argv` to a command.
 * @returns the exit code.
 */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    console.log(help());
    return name ? 0 : 2;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    console.error(`error: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  const command = loadCommand(entry);
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof HelpRequested) {
      console.log(`${err.message}\n\n${command.summary}`);
      return 0;
    }
    console.error(`error: ${err instanceof UserError ? err.message : (err as Error).stack ?? String(err)}`);
    return 1;
  }
}

if (require.main === module) {
  // The one redaction boundary: nothing this process prints or writes carries a credential value.
  redactStandardStreams();
  redactWrittenFiles(outputRedactor);
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
