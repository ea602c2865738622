import { describe, expect, it } from "vitest";
import { resolveModalCredentials } from "../../infra/config/credentials";

const id = "ak-fake0id01";
const secret = "as-fake0sec1";

describe("Modal credential resolution", () => {
  it("prefers Pulumi config secrets, then env/.env, then the modal CLI profile", () => {
    expect(resolveModalCredentials({ config: { tokenId: id, tokenSecret: secret }, env: { MODAL_TOKEN_ID: "ak-other", MODAL_TOKEN_SECRET: "as-other" }, modalTomlExists: true }))
      .toEqual({ kind: "explicit", credentials: { tokenId: id, tokenSecret: secret }, from: "config" });
    expect(resolveModalCredentials({ config: {}, env: { MODAL_TOKEN_ID: id, MODAL_TOKEN_SECRET: secret }, modalTomlExists: false }))
      .toMatchObject({ kind: "explicit", from: "env" });
    expect(resolveModalCredentials({ config: {}, env: {}, modalTomlExists: true })).toEqual({ kind: "modal-profile" });
  });

  it("fails with the fix when there are no credentials at all", () => {
    expect(() => resolveModalCredentials({ config: {}, env: {}, modalTomlExists: false })).toThrow(/no Modal credentials: set MODAL_TOKEN_ID and MODAL_TOKEN_SECRET in \.env/);
  });

  it("names the missing half of a pair", () => {
    expect(() => resolveModalCredentials({ config: {}, env: { MODAL_TOKEN_ID: id }, modalTomlExists: true })).toThrow(/^MODAL_TOKEN_SECRET is missing while MODAL_TOKEN_ID is set/);
    expect(() => resolveModalCredentials({ config: { tokenSecret: secret }, env: {}, modalTomlExists: true })).toThrow(/^qwen-code-modal:modalTokenId is missing/);
  });

  it("rejects a malformed token without echoing it", () => {
    const bad = "as-swapped01";
    const err = (() => {
      try {
        resolveModalCredentials({ config: {}, env: { MODAL_TOKEN_ID: bad, MODAL_TOKEN_SECRET: secret }, modalTomlExists: false });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err?.message).toMatch(/MODAL_TOKEN_ID does not look like a Modal token id \(expected ak-\.\.\.\)/);
    expect(err?.message).not.toContain(bad);
  });
});
