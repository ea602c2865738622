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
import { planCommand } from "./commands/plan";
import { renderCommand } from "./commands/render";
import { installCommand } from "./commands/install";
import { qwenCommand } from "./commands/qwen";
import { claudeCommand } from "./commands/claude";
import { smokeCommand } from "./commands/smoke";
import { statusCommand } from "./commands/status";
import { benchCommand } from "./commands/bench";
import { logsCommand } from "./commands/logs";
import { registerMcpCommand } from "./commands/register-mcp";
import { spendCommand } from "./commands/spend";
import { historyCommand } from "./commands/history";
import { warmCommand } from "./commands/warm";
import { coolCommand } from "./commands/cool";
import { dashboardCommand } from "./commands/dashboard";

/** Every subcommand, in `help` order. Each lives in its own file under commands/. */
const commands: Command[] = [planCommand, renderCommand, installCommand, qwenCommand, claudeCommand, smokeCommand, statusCommand, benchCommand, logsCommand, registerMcpCommand, spendCommand, historyCommand, warmCommand, coolCommand, dashboardCommand];

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    "usage: qwen-code-modal <command> [options]",
    "",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
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
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`error: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
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
