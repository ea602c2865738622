/**
 * What modal 1.6.4's own code prints for given server data (tests/stand-ins/modal_cli_real_output.py
 * run with the project's Python): the reference the modal CLI stand-in and the provider's readers
 * are checked against.
 */
import { join, resolve } from "node:path";
import { execa } from "execa";
import { PYTHON } from "./python";

const REAL = resolve(__dirname, "..", "stand-ins", "modal_cli_real_output.py");
/** As the provider runs modal: no colour, no wrapping (infra/provider/modal-cli.ts modalChildEnv). */
const ENV = { TZ: "UTC", COLUMNS: "1000", TERM: "dumb", NO_COLOR: "1", PYTHONUNBUFFERED: "1", MODAL_TOKEN_ID: "", MODAL_TOKEN_SECRET: "" };

/** One object a deploy creates, as the server's FunctionCreateResponse describes it. */
export interface RealDeployObject {
  kind: "function" | "class" | "server";
  /** Function name, class name (rendered `Class.*`) or Server name. */
  tag: string;
  web_url?: string;
  requires_proxy_auth?: boolean;
  /** A class's web methods: name → URL. */
  methods?: Record<string, string>;
}

/** The output of modal's real CLI command `command` on `data` (see the Python file's docstring). */
export async function realModalCli(command: string[], data: unknown): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const r = await execa(PYTHON, [REAL], { input: JSON.stringify({ command, data }), env: ENV, extendEnv: true, reject: false });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** What `modal deploy` of a shim at `file` creating `objects` prints, rendered by modal's output classes. */
export async function realDeployOutput(deploy: { file: string; objects: RealDeployObject[]; skipped?: boolean; seconds?: number; app_url?: string }): Promise<string> {
  const request = { deploy: { seconds: 1.5, app_url: "https://modal.com/apps/ws/main/deployed/app", ...deploy } };
  const r = await execa(PYTHON, [REAL], { input: JSON.stringify(request), env: ENV, extendEnv: true });
  return String(r.stdout);
}

/** A throwaway shim path for {@link realDeployOutput} (the mount row names it; the file must exist). */
export const SHIM_FOR_RENDERING = join(__dirname, "..", "..", "python-shims", "coder.py");
