/**
 * Runs the project's `install` into a temporary HOME, as the client tests need it: qwen-code
 * settings, vlm-analyzer registered with the real Claude Code (CLAUDE_CONFIG_DIR = that HOME), and
 * `qodal`, with the project's own qwen and claude.
 * @module
 */
import { join } from "node:path";
import { install } from "../../infra/clients/install";
import { projectRoot } from "../../infra/core/paths";
import { loadEndpointContext } from "../../infra/endpoints/context";

/** Installs for the endpoint config `configPath` and env file `envFile` into `home`. */
export async function installInHome(home: string, configPath: string, envFile: string): Promise<void> {
  const root = projectRoot();
  const context = await loadEndpointContext({ config: configPath, "env-file": envFile });
  await install(
    context,
    {
      settingsPath: join(home, ".qwen", "settings.json"),
      claudeConfigDir: home,
      claudeBin: join(root, "node_modules", ".bin", "claude"),
      qodalPath: join(home, ".local", "bin", "qodal"),
      qwenBin: join(root, "node_modules", ".bin", "qwen"),
      configPath,
    },
    () => {},
  );
}
