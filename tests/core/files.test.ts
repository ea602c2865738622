import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readJsonObject, updateJsonFile, writeFileAtomically } from "../../infra/core/files";

describe("writeFileAtomically / updateJsonFile", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "qcm-files-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("creates folders, applies the mode, keeps a backup on request and leaves no temporary file", async () => {
    const path = join(dir, "a", "b", "file.txt");
    expect(await writeFileAtomically(path, "one", { mode: 0o640, backup: true })).toBeUndefined();
    expect((await stat(path)).mode & 0o777).toBe(0o640);
    expect(await writeFileAtomically(path, "two", { backup: true })).toBe(`${path}.bak`);
    expect(await readFile(path, "utf8")).toBe("two");
    expect(await readFile(`${path}.bak`, "utf8")).toBe("one");
    expect((await stat(path)).mode & 0o777).toBe(0o640); // an existing file keeps its mode
    expect((await readdir(join(dir, "a", "b"))).sort()).toEqual(["file.txt", "file.txt.bak"]);
  });

  it("concurrent writes to one path leave one whole write, never a mix, and no temporary file", async () => {
    const path = join(dir, "race.txt");
    const texts = Array.from({ length: 20 }, (_, i) => `${i}`.repeat(10_000));
    await Promise.all(texts.map((t) => writeFileAtomically(path, t)));
    expect(texts).toContain(await readFile(path, "utf8"));
    expect((await readdir(dir)).filter((f) => f.startsWith("race.txt"))).toEqual(["race.txt"]);
  });

  it("updates a JSON object file keeping its mode, and writes nothing when nothing changes", async () => {
    const path = join(dir, "settings.json");
    await writeFile(path, JSON.stringify({ keep: 1 }), { mode: 0o644 });
    const update = await updateJsonFile(path, (s) => ({ ...s, added: true }));
    expect(update).toEqual({ path, changed: true, backupPath: `${path}.bak` });
    expect(JSON.parse(await readFile(path, "utf8"))).toEqual({ keep: 1, added: true });
    expect((await stat(path)).mode & 0o777).toBe(0o644);
    expect(await updateJsonFile(path, (s) => s)).toEqual({ path, changed: false });
    const fresh = join(dir, "new", "settings.json");
    await updateJsonFile(fresh, () => ({ a: 1 }));
    expect((await stat(fresh)).mode & 0o777).toBe(0o600);
  });

  it("edits a settings file with comments (JSONC, as qwen-code reads it) keeping every comment and the untouched layout", async () => {
    const path = join(dir, "commented.json");
    const text = [
      "\uFEFF{",
      "  // my theme, keep it",
      '  "ui": { "theme": "GitHub" /* dark at night */ },',
      '  "model": {',
      "    /* the old one */",
      '    "name": "old"',
      "  },",
      '  "drop": 1',
      "}",
      "",
    ].join("\n");
    await writeFile(path, text);
    await updateJsonFile(path, (s) => {
      delete s.drop;
      return { ...s, model: { name: "new" }, mcpServers: { a: { command: "x" } } };
    });
    const after = await readFile(path, "utf8");
    expect(after.startsWith("\uFEFF{")).toBe(true);
    for (const comment of ["// my theme, keep it", "/* dark at night */", "/* the old one */"]) expect(after).toContain(comment);
    expect(after).toContain('"ui": { "theme": "GitHub" /* dark at night */ },');
    expect(await readJsonObject(path)).toEqual({ ui: { theme: "GitHub" }, model: { name: "new" }, mcpServers: { a: { command: "x" } } });
    expect(await readFile(`${path}.bak`, "utf8")).toBe(text);
  });

  it("refuses a trailing comma (qwen-code's JSON.parse would) and names the line; the file stays as it was", async () => {
    const path = join(dir, "trailing.json");
    const text = '{\n  "a": 1,\n}\n';
    await writeFile(path, text);
    await expect(updateJsonFile(path, (s) => ({ ...s, b: 2 }))).rejects.toThrow(`${path} is not valid JSON (with comments) (PropertyNameExpected at line 3 column 1); it was left untouched`);
    expect(await readFile(path, "utf8")).toBe(text);
    await expect(stat(`${path}.bak`)).rejects.toThrow(/ENOENT/);
  });
});
