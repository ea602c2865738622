/**
 * Opens the dashboard in the desktop's browser without putting its token in any process's argv
 * (which every local user can read in `ps` while the opener runs). As Jupyter does
 * (jupyter_server/serverapp.py `_write_browser_open_file`), the URL goes into a small HTML file
 * that forwards to it, readable only by the user (mode 0600 in a fresh 0700 folder); the opener
 * gets that file's `file://` URL. The file is removed when the dashboard stops.
 * @module
 */
import { execa } from "execa";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { findOnPath } from "../core/executables";
import { writeFileAtomically } from "../core/files";

/** A forwarding file written for the opener; `remove()` deletes it and its folder. */
export interface BrowserOpen {
  /** The file the opener was given (its path names no token). */
  file: string;
  remove(): Promise<void>;
}

/** The forwarding page: a meta refresh, and a link for browsers that do not follow it. */
function forwardingPage(url: string): string {
  const attr = url.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  return `<!doctype html>\n<html><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${attr}"><title>qwen-code-modal dashboard</title></head>\n<body><p>Opening <a href="${attr}">the dashboard</a>…</p></body></html>\n`;
}

/**
 * The opener's environment: the desktop session's variables (display, D-Bus, XDG, locale, ...)
 * without any credential: no variable whose name says token, secret, key or password.
 */
function desktopVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !/TOKEN|SECRET|KEY|PASSWORD|CREDENTIAL/i.test(name)));
}

/**
 * Opens `url` through a forwarding file when the desktop has an opener (`open` on macOS,
 * `xdg-open` on Linux with a display); does nothing on a server or in CI.
 * @param env - the variables to find the opener and the display in (PATH, DISPLAY, WAYLAND_DISPLAY).
 * @returns the forwarding file, or undefined when nothing was opened.
 * @throws the file system's error when the file cannot be written.
 */
export async function openInBrowser(url: string, env: NodeJS.ProcessEnv): Promise<BrowserOpen | undefined> {
  const opener = process.platform === "darwin" ? "open" : findOnPath("xdg-open", env.PATH);
  if (!opener || (process.platform === "linux" && !env.DISPLAY && !env.WAYLAND_DISPLAY)) return undefined;
  const dir = await mkdtemp(join(tmpdir(), "qcm-dashboard-open-"));
  const file = join(dir, "open.html");
  await writeFileAtomically(file, forwardingPage(url), { mode: 0o600 });
  execa(opener, [pathToFileURL(file).href], { env: desktopVariables(env), extendEnv: false, detached: true, stdio: "ignore", reject: false }).unref();
  return { file, remove: () => rm(dir, { recursive: true, force: true }) };
}
