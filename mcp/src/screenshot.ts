/**
 * Capturing the current screen to PNG bytes with the platform's capture command (see
 * capture-tools.ts), run with execa.
 * @module
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa, type ExecaError } from "execa";
import { captureTools, sessionKind } from "./capture-tools.js";
import { ToolFailure } from "./errors.js";

/** Longest a capture command may run, milliseconds. */
const CAPTURE_TIMEOUT_MS = 30_000;

/** A captured screen. */
export interface Screenshot {
  /** Image file contents (PNG from every supported tool). */
  data: Buffer;
  /** Command that took it. */
  tool: string;
}

function lastLines(text: string): string {
  return text.trim().split("\n").slice(-3).join(" | ").slice(0, 300);
}

/**
 * Captures the whole screen.
 * @param env - environment used to pick the tool and to run it (default `process.env`).
 * @param signal - aborts a running capture.
 * @throws ToolFailure when there is no graphical session, no capture tool is installed, or the tool
 * fails (often a missing permission), naming what to install or allow.
 */
export async function captureScreen(env: NodeJS.ProcessEnv = process.env, signal?: AbortSignal): Promise<Screenshot> {
  const kind = sessionKind(process.platform, env);
  if (!kind) {
    throw new ToolFailure(
      "no graphical session to capture: neither XDG_SESSION_TYPE=wayland/x11, WAYLAND_DISPLAY nor DISPLAY is set " +
        "in the server's environment (a headless machine or SSH session has no screen); use analyze_image on a saved screenshot instead",
    );
  }
  const dir = await mkdtemp(join(tmpdir(), "vlm-analyzer-"));
  const file = join(dir, "screen.png");
  try {
    for (const tool of captureTools(kind)) {
      try {
        await execa(tool.command, tool.args(file), {
          env: { ...env, ...tool.env?.(file) },
          extendEnv: false,
          stdin: "ignore",
          timeout: CAPTURE_TIMEOUT_MS,
          cancelSignal: signal,
        });
      } catch (err) {
        const e = err as ExecaError;
        if ((e.cause as NodeJS.ErrnoException | undefined)?.code === "ENOENT" || e.code === "ENOENT") continue;
        if (e.isCanceled) throw new ToolFailure("screenshot cancelled");
        const permission =
          kind === "macos"
            ? " On macOS, allow Screen Recording for the app that runs the agent (System Settings → Privacy & Security → Screen Recording), then restart it."
            : kind === "wayland"
              ? " On Wayland the compositor must allow capture (grim needs wlroots' screencopy protocol; GNOME/KDE need their own tool)."
              : " Check that the X display is reachable from the server (DISPLAY, XAUTHORITY).";
        const why = e.timedOut ? `timed out after ${CAPTURE_TIMEOUT_MS / 1000} s` : `exit code ${e.exitCode ?? "?"}: ${lastLines(String(e.stderr ?? e.shortMessage))}`;
        throw new ToolFailure(`screen capture with ${tool.command} failed (${why}).${permission}`);
      }
      try {
        return { data: await readFile(file), tool: tool.command };
      } catch {
        throw new ToolFailure(`${tool.command} exited successfully but wrote no screenshot to ${file}`);
      }
    }
    const options = captureTools(kind).map((t) => t.hint).join(", ");
    throw new ToolFailure(`no screen capture tool found on PATH for this ${kind} session: install one of ${options}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
