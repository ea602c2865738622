import { chmod, mkdir, mkdtemp, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ensureQwenCode, makeRipgrepExecutable, QWEN_CODE_PACKAGE } from "../../infra/clients/qwen-code";

/** An `npm` stand-in: records its arguments; `install` puts a `qwen` into `<prefix>/bin`. */
async function npmStandIn(dir: string, prefix: string, exitCode = 0): Promise<string> {
  const bin = join(dir, "npm-bin");
  await mkdir(bin, { recursive: true });
  const log = join(dir, "npm-calls.log");
  await writeFile(
    join(bin, "npm"),
    `#!/bin/sh\necho "$*" >> '${log}'\ncase "$1" in\n` +
      `  install) [ ${exitCode} -eq 0 ] || exit ${exitCode}; mkdir -p '${prefix}/bin'; printf '#!/bin/sh\\n' > '${prefix}/bin/qwen'; chmod +x '${prefix}/bin/qwen';;\n` +
      `  prefix) echo '${prefix}';;\nesac\n`,
  );
  await chmod(join(bin, "npm"), 0o755);
  return bin;
}

describe("ensureQwenCode: qwen on PATH, else the project's own, else npm install --global (npm stand-in)", () => {
  it("uses the qwen found on PATH without running npm", async () => {
    const dir = await mkdtemp(join(tmpdir(), "qcm-qwen-"));
    const bin = await npmStandIn(dir, join(dir, "prefix"));
    await writeFile(join(bin, "qwen"), "#!/bin/sh\n");
    await chmod(join(bin, "qwen"), 0o755);
    const found = await ensureQwenCode(undefined, { PATH: bin }, () => {});
    expect(found).toEqual({ bin: join(bin, "qwen"), installed: false });
    await expect(readFile(join(dir, "npm-calls.log"))).rejects.toThrow(/ENOENT/);
  });

  it("installs the checked release globally when qwen is missing", async () => {
    const dir = await mkdtemp(join(tmpdir(), "qcm-qwen-"));
    const prefix = join(dir, "prefix");
    const bin = await npmStandIn(dir, prefix);
    const lines: string[] = [];
    const found = await ensureQwenCode(undefined, { PATH: `${bin}:/usr/bin:/bin` }, (l) => lines.push(l), join(dir, "no-project-qwen"));
    expect(found).toEqual({ bin: join(prefix, "bin", "qwen"), installed: true });
    expect((await readFile(join(dir, "npm-calls.log"), "utf8")).split("\n")).toEqual([
      `install --global --no-fund --no-audit ${QWEN_CODE_PACKAGE}`,
      "prefix --global",
      "",
    ]);
    expect(lines).toEqual([`qwen-code not found on PATH nor in the project: installing ${QWEN_CODE_PACKAGE} with npm --global`]);
  });

  it("reports a failed npm install in one line", async () => {
    const dir = await mkdtemp(join(tmpdir(), "qcm-qwen-"));
    const bin = await npmStandIn(dir, join(dir, "prefix"), 3);
    await expect(ensureQwenCode(undefined, { PATH: `${bin}:/usr/bin:/bin` }, () => {}, join(dir, "no-project-qwen"))).rejects.toThrow(
      `npm install --global ${QWEN_CODE_PACKAGE} failed (exit 3); see npm's output above ` +
        "(offline? run `npm install` in the project, or pass --qwen-bin <path to qwen>)",
    );
  });

  it("uses the project's own qwen (node_modules/.bin) when none is on PATH, without running npm", async () => {
    const dir = await mkdtemp(join(tmpdir(), "qcm-qwen-"));
    const bin = await npmStandIn(dir, join(dir, "prefix"));
    const own = join(dir, "project-qwen");
    await writeFile(own, "#!/bin/sh\n");
    await chmod(own, 0o755);
    const found = await ensureQwenCode(undefined, { PATH: `${bin}:/usr/bin:/bin` }, () => {}, own);
    expect(found).toEqual({ bin: own, installed: false });
    await expect(readFile(join(dir, "npm-calls.log"))).rejects.toThrow(/ENOENT/);
  });
});

describe("makeRipgrepExecutable: qwen-code ships its ripgrep without the execute bit", () => {
  it("sets the bit on vendor/ripgrep/<arch>-<platform>/rg next to the package qwen links to, once", async () => {
    const dir = await mkdtemp(join(tmpdir(), "qcm-rg-"));
    const pkg = join(dir, "node_modules", "@qwen-code", "qwen-code");
    const rg = join(pkg, "vendor", "ripgrep", `${process.arch}-${process.platform}`, "rg");
    await mkdir(join(rg, ".."), { recursive: true });
    await writeFile(join(pkg, "cli-entry.js"), "");
    await writeFile(rg, "#!/bin/sh\n", { mode: 0o644 });
    await mkdir(join(dir, "bin"));
    await symlink(join(pkg, "cli-entry.js"), join(dir, "bin", "qwen"));
    expect(makeRipgrepExecutable(join(dir, "bin", "qwen"))).toBe(`qwen-code: made its bundled ripgrep executable (${rg})`);
    expect((await stat(rg)).mode & 0o111).toBe(0o111);
    expect(makeRipgrepExecutable(join(dir, "bin", "qwen"))).toBeUndefined();
  });
});
