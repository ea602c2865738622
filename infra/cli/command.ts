/**
 * The shape every `qwen-code-modal <command>` implements.
 * @module
 */

/** One subcommand of the project CLI. */
export interface Command {
  /** Word typed after `qwen-code-modal`. */
  name: string;
  /** One line for `qwen-code-modal help`. */
  summary: string;
  /**
   * Runs the command.
   * @param args - the arguments after the command name.
   * @returns the process exit code (0 = success).
   * Errors thrown are printed as one `error:` line by the CLI and exit with code 1.
   */
  run(args: string[]): Promise<number>;
}

