import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";

let dir: string;
let configPath: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vlm-analyzer-config-"));
  configPath = join(dir, "endpoints.json");
  const vlm = {
    role: "vlm", app: "qcm-vlm", url: "https://ws--qcm-vlm-serve.modal.run", baseUrl: "https://ws--qcm-vlm-serve.modal.run/v1",
    model: "qwen3-vl", modelId: "Qwen/Qwen3-VL-32B-Thinking-FP8", maxModelLen: 32768, maxImagesPerPrompt: 5, toolCalling: false, reasoning: true,
  };
  await writeFile(configPath, JSON.stringify({ version: 1, stack: "dev", proxyAuth: { tokenIdEnv: "MY_ID", tokenSecretEnv: "MY_SECRET" }, endpoints: { vlm } }));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("loadConfig", () => {
  it("reads endpoint, model and the token variable names from the endpoint config", async () => {
    const loaded = await loadConfig({ QCM_ENDPOINT_CONFIG: configPath, MY_ID: "wk-1", MY_SECRET: "ws-1" });
    expect(loaded.config).toEqual({
      baseUrl: "https://ws--qcm-vlm-serve.modal.run/v1", model: "qwen3-vl", tokenId: "wk-1", tokenSecret: "ws-1",
      timeoutSeconds: 600, maxImageTokens: 1280, maxImageBytes: 52428800, maxOutputTokens: 8192, maxImages: 5,
    });
    expect(loaded.tokenEnv).toEqual({ id: "MY_ID", secret: "MY_SECRET" });
    expect(loaded.endpointConfigPath).toBe(configPath);
  });

  it("takes compare_images' cap from the VLM's maxImagesPerPrompt in the endpoint config; VLM_MAX_IMAGES wins", async () => {
    const eight = join(dir, "eight.json");
    const file = JSON.parse(await readFile(configPath, "utf8"));
    file.endpoints.vlm.maxImagesPerPrompt = 8;
    await writeFile(eight, JSON.stringify(file));
    expect((await loadConfig({ QCM_ENDPOINT_CONFIG: eight, MY_ID: "wk-1", MY_SECRET: "ws-1" })).config.maxImages).toBe(8);
    expect((await loadConfig({ QCM_ENDPOINT_CONFIG: eight, MY_ID: "wk-1", MY_SECRET: "ws-1", VLM_MAX_IMAGES: "3" })).config.maxImages).toBe(3);
    await expect(loadConfig({ QCM_ENDPOINT_CONFIG: eight, MY_ID: "wk-1", MY_SECRET: "ws-1", VLM_MAX_IMAGES: "1" })).rejects.toThrow("invalid VLM_MAX_IMAGES: must be at least 2");
  });

  it("lets environment variables win and does not read the file when they suffice", async () => {
    const loaded = await loadConfig({
      QCM_ENDPOINT_CONFIG: join(dir, "missing.json"), VLM_ENDPOINT: "http://127.0.0.1:9/v1/", VLM_MODEL: "m",
      MODAL_PROXY_TOKEN_ID: "a", MODAL_PROXY_TOKEN_SECRET: "b", VLM_TIMEOUT: "42", VLM_MAX_IMAGE_TOKENS: "256",
    });
    expect(loaded.config).toMatchObject({ baseUrl: "http://127.0.0.1:9/v1", model: "m", timeoutSeconds: 42, maxImageTokens: 256 });
    expect(loaded.endpointConfigPath).toBeUndefined();
  });

  it("names invalid values by their variable, never echoing a secret", async () => {
    const err = await loadConfig({
      VLM_ENDPOINT: "ftp://x", VLM_MODEL: "m", MODAL_PROXY_TOKEN_ID: "${MODAL_PROXY_TOKEN_ID}", MODAL_PROXY_TOKEN_SECRET: "ws-very-secret", VLM_TIMEOUT: "soon",
    }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect(message).toContain("invalid VLM_ENDPOINT: must be an http(s) URL");
    expect(message).toContain("invalid MODAL_PROXY_TOKEN_ID: is an unexpanded ${VAR} reference");
    expect(message).toContain("invalid VLM_TIMEOUT: must be a number");
    expect(message).not.toContain("ws-very-secret");
  });
});

describe("loadConfig: proxy tokens from QCM_ENV_FILE (the project's .env) when the agent's environment lacks them", () => {
  it("reads the endpoint config's token variables from the env file; set (expanded) variables win", async () => {
    const envFile = join(dir, "project.env");
    await writeFile(envFile, "MY_ID=wk-file\nMY_SECRET=ws-file\n");
    const fromFile = await loadConfig({ QCM_ENDPOINT_CONFIG: configPath, QCM_ENV_FILE: envFile, MY_ID: "${MY_ID}" });
    expect(fromFile.config).toMatchObject({ tokenId: "wk-file", tokenSecret: "ws-file" });
    const fromEnv = await loadConfig({ QCM_ENDPOINT_CONFIG: configPath, QCM_ENV_FILE: envFile, MY_ID: "wk-env", MY_SECRET: "ws-env" });
    expect(fromEnv.config).toMatchObject({ tokenId: "wk-env", tokenSecret: "ws-env" });
  });

  it("names an env file it cannot read, never a secret", async () => {
    const err = await loadConfig({ QCM_ENDPOINT_CONFIG: configPath, QCM_ENV_FILE: join(dir, "missing.env") }).catch((e: Error) => e);
    expect((err as Error).message).toContain(`missing: set MY_ID to the Modal proxy-auth token id`);
    expect((err as Error).message).toContain(`QCM_ENV_FILE ${join(dir, "missing.env")} cannot be read (ENOENT)`);
  });
});
