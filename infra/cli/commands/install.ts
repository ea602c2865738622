/**
 * `qwen-code-modal install`: qwen-code (installed if missing), its settings merged for the coder
 * and vlm-analyzer, and the `qodal` wrapper.
 * @module
 */
import type { Command } from "../command";
import { parseClientArgs } from "../client-options";
import { loadEndpointContext } from "../../endpoints/context";
import { install } from "../../clients/install";
import { defaultQodalPath } from "../../clients/qodal";

const USAGE = "[--config FILE] [--dotenv FILE] [--settings FILE] [--claude-config-dir DIR] [--claude-bin PATH] [--qodal PATH] [--qwen-bin PATH]";

export const installCommand: Command = {
  name: "install",
  summary: "set up qwen-code (settings, `qodal` wrapper) and register vlm-analyzer with qwen-code and Claude Code",
  async run(args) {
    const { values } = parseClientArgs(
      "install",
      args,
      {
        settings: { type: "string" },
        "claude-config-dir": { type: "string" },
        "claude-bin": { type: "string" },
        qodal: { type: "string" },
        "qwen-bin": { type: "string" },
      },
      USAGE,
    );
    const context = await loadEndpointContext(values);
    await install(
      context,
      {
        settingsPath: values.settings,
        claudeConfigDir: values["claude-config-dir"],
        claudeBin: values["claude-bin"],
        qodalPath: values.qodal ?? defaultQodalPath(context.env),
        qwenBin: values["qwen-bin"],
        configPath: values.config,
      },
      (line) => console.log(line),
    );
    return 0;
  },
};
