import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedactor, redact } from "@qwen-code-modal/contract";
import { resolveEnvironment } from "../../infra/core/environment";
import { redactWrittenFiles, writeFileAtomically } from "../../infra/core/files";
import { learnSecrets, outputRedactor, redactStandardStreams } from "../../infra/core/redaction";

describe("the one redaction boundary (core/redaction.ts on contract's redact)", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "qcm-redaction-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("a redactor removes what it learned, longest value first, and token shapes it was never told", () => {
    const r = createRedactor(["secret-value-1"]);
    r.learn(["secret-value-12", undefined, "", "ab"]);
    expect(r("x secret-value-12 y secret-value-1 z ab")).toBe("x [redacted] y [redacted] z ab");
    expect(r("wk-abcdefghij0123 hf_abcdefghij0123")).toBe("[redacted] [redacted]");
    expect(redact("plain text", [])).toBe("plain text");
  });

  it("resolving the environment teaches it the variables' tokens and every ~/.modal.toml profile's tokens", async () => {
    const home = join(dir, "home");
    await writeFile(join(dir, ".modal.toml"), '[default]\ntoken_id = "modal-id-from-toml"\ntoken_secret = "modal-secret-from-toml"\nactive = true\n\n[other]\ntoken_id = "second-profile-id"\n');
    resolveEnvironment({ processEnv: { HOME: home, MODAL_CONFIG_PATH: join(dir, ".modal.toml"), HF_TOKEN: "hugging-face-value" }, root: dir });
    expect(outputRedactor("a modal-id-from-toml b modal-secret-from-toml c second-profile-id d hugging-face-value")).toBe("a [redacted] b [redacted] c [redacted] d [redacted]");
  });

  it("proxy variables under custom names are learned; every file written and its .bak are redacted", async () => {
    learnSecrets({ MY_PROXY_SECRET: "custom-proxy-secret" }, ["MY_PROXY_SECRET"]);
    redactWrittenFiles(outputRedactor); // as cli/main.ts does
    const path = join(dir, "result.json");
    await writeFile(path, "old custom-proxy-secret\n");
    expect(await writeFileAtomically(path, '{"error":"Modal-Secret: custom-proxy-secret"}', { backup: true })).toBe(`${path}.bak`);
    expect(await readFile(path, "utf8")).toBe('{"error":"Modal-Secret: [redacted]"}');
    expect(await readFile(`${path}.bak`, "utf8")).toBe("old [redacted]\n");
  });

  it("a stream behind the boundary prints no learned value, strings and buffers alike", async () => {
    const chunks: string[] = [];
    const sink = new Writable({ write: (c, _e, done) => (chunks.push(String(c)), done()) }) as unknown as NodeJS.WriteStream;
    redactStandardStreams(outputRedactor, [sink]);
    redactStandardStreams(outputRedactor, [sink]);
    outputRedactor.learn(["late-learned-value"]);
    sink.write("line late-learned-value\n");
    sink.write(Buffer.from("buffer custom-proxy-secret\n"));
    expect(chunks).toEqual(["line [redacted]\n", "buffer [redacted]\n"]);
  });
});
