/**
 * Which screen-capture commands to try on this machine, in order of preference.
 *
 * On Linux the display server decides: Wayland compositors refuse X11 capture of other windows
 * (XWayland sets DISPLAY too, so DISPLAY says nothing about the session), hence the choice by
 * `XDG_SESSION_TYPE` / `WAYLAND_DISPLAY` (source: freedesktop.org pam_systemd(8) XDG_SESSION_TYPE;
 * Wayland protocol docs for WAYLAND_DISPLAY).
 * @module
 */

/** One capture command; `args(file)` writes a PNG of the whole screen to `file`. */
export interface CaptureTool {
  /** Executable looked up on PATH. */
  command: string;
  args(file: string): string[];
  /** Extra environment for the command. */
  env?(file: string): Record<string, string>;
  /** What to install when no tool is found, e.g. `grim (wlroots: Sway, Hyprland)`. */
  hint: string;
}

/** The kind of graphical session the capture runs in. */
export type SessionKind = "macos" | "windows" | "wayland" | "x11";

/** Windows: copies the whole virtual screen (all monitors) with System.Drawing, saves a PNG. */
const POWERSHELL_CAPTURE = [
  "Add-Type -AssemblyName System.Windows.Forms,System.Drawing",
  "$b = [System.Windows.Forms.SystemInformation]::VirtualScreen",
  "$bmp = New-Object System.Drawing.Bitmap $b.Width, $b.Height",
  "$g = [System.Drawing.Graphics]::FromImage($bmp)",
  "$g.CopyFromScreen($b.Left, $b.Top, 0, 0, $bmp.Size)",
  "$bmp.Save($env:VLM_SCREENSHOT_FILE, [System.Drawing.Imaging.ImageFormat]::Png)",
].join("; ");

const TOOLS: Record<SessionKind, CaptureTool[]> = {
  // -x: no shutter sound; -t png. Needs the Screen Recording permission for the terminal/agent app.
  macos: [{ command: "screencapture", args: (f) => ["-x", "-t", "png", f], hint: "screencapture (part of macOS)" }],
  windows: [
    {
      command: "powershell.exe",
      args: () => ["-NoProfile", "-NonInteractive", "-Command", POWERSHELL_CAPTURE],
      env: (f) => ({ VLM_SCREENSHOT_FILE: f }),
      hint: "Windows PowerShell (part of Windows)",
    },
  ],
  wayland: [
    { command: "grim", args: (f) => [f], hint: "grim (wlroots compositors: Sway, Hyprland, river)" },
    { command: "gnome-screenshot", args: (f) => ["-f", f], hint: "gnome-screenshot (GNOME)" },
    { command: "spectacle", args: (f) => ["--background", "--nonotify", "--fullscreen", "--output", f], hint: "spectacle (KDE Plasma)" },
  ],
  x11: [
    { command: "maim", args: (f) => [f], hint: "maim" },
    { command: "scrot", args: (f) => [f], hint: "scrot" },
    { command: "import", args: (f) => ["-window", "root", f], hint: "import (ImageMagick)" },
    { command: "gnome-screenshot", args: (f) => ["-f", f], hint: "gnome-screenshot" },
    { command: "spectacle", args: (f) => ["--background", "--nonotify", "--fullscreen", "--output", f], hint: "spectacle" },
  ],
};

/**
 * Decides the session kind from the platform and environment.
 * @param platform - `process.platform`.
 * @param env - the server's environment.
 * @returns the kind, or undefined on Linux/BSD with neither a Wayland nor an X11 session.
 */
export function sessionKind(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): SessionKind | undefined {
  if (platform === "darwin") return "macos";
  if (platform === "win32") return "windows";
  const type = env.XDG_SESSION_TYPE?.toLowerCase();
  if (type === "wayland" || (type !== "x11" && env.WAYLAND_DISPLAY)) return "wayland";
  if (type === "x11" || env.DISPLAY) return "x11";
  return undefined;
}

/** The capture commands to try for a session kind, most preferred first. */
export function captureTools(kind: SessionKind): readonly CaptureTool[] {
  return TOOLS[kind];
}
