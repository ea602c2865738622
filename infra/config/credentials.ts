/**
 * Finds the Modal API credentials `pulumi up` deploys with, and fails early, before anything
 * is rendered or deployed, when there are none or they are malformed. Messages name the
 * variable and the fix, never the value.
 * @module
 */
import type { ModalCredentials } from "../core/environment";
import { CONFIG_NAMESPACE } from "./resolve";

/** The stack config keys holding the Modal API token (set them with `pulumi config set --secret`). */
export const CREDENTIAL_KEYS = { tokenId: "modalTokenId", tokenSecret: "modalTokenSecret" } as const;

/** {@link CREDENTIAL_KEYS} as `Pulumi.<stack>.yaml` and `pulumi config --json` name them: `qwen-code-modal:modalTokenId`, ... */
export const CREDENTIAL_CONFIG_KEYS = {
  tokenId: `${CONFIG_NAMESPACE}:${CREDENTIAL_KEYS.tokenId}`,
  tokenSecret: `${CONFIG_NAMESPACE}:${CREDENTIAL_KEYS.tokenSecret}`,
} as const;

/** Where credentials can come from, in order of precedence. */
export interface CredentialSources {
  /** `qwen-code-modal:modalTokenId` / `modalTokenSecret` Pulumi config (secrets). */
  config: { tokenId?: string; tokenSecret?: string };
  /** Process environment merged with the project's .env (dotenv). */
  env: Record<string, string | undefined>;
  /** Whether the modal CLI's own `~/.modal.toml` exists. */
  modalTomlExists: boolean;
}

/** The outcome: explicit credentials, or the modal CLI's own profile. */
export type CredentialSource = { kind: "explicit"; credentials: ModalCredentials; from: "config" | "env" } | { kind: "modal-profile" };

/** Token id/secret shapes (Modal dashboard → Settings → API Tokens): `ak-…` and `as-…`. */
const TOKEN_ID = /^ak-[A-Za-z0-9]+$/;
const TOKEN_SECRET = /^as-[A-Za-z0-9]+$/;

/**
 * Resolves Modal credentials.
 * @returns the source to deploy with.
 * @throws Error naming the missing or malformed variable and how to fix it.
 */
export function resolveModalCredentials(s: CredentialSources): CredentialSource {
  const pairs = [
    { from: "config" as const, id: s.config.tokenId, secret: s.config.tokenSecret, idName: CREDENTIAL_CONFIG_KEYS.tokenId, secretName: CREDENTIAL_CONFIG_KEYS.tokenSecret },
    { from: "env" as const, id: s.env.MODAL_TOKEN_ID, secret: s.env.MODAL_TOKEN_SECRET, idName: "MODAL_TOKEN_ID", secretName: "MODAL_TOKEN_SECRET" },
  ];
  for (const p of pairs) {
    if (!p.id && !p.secret) continue;
    if (!p.id || !p.secret) {
      const missing = p.id ? p.secretName : p.idName;
      throw new Error(`${missing} is missing while ${p.id ? p.idName : p.secretName} is set: set both (Modal dashboard → Settings → API Tokens) or neither`);
    }
    if (!TOKEN_ID.test(p.id)) throw new Error(`${p.idName} does not look like a Modal token id (expected ak-...): copy it again from the Modal dashboard`);
    if (!TOKEN_SECRET.test(p.secret)) throw new Error(`${p.secretName} does not look like a Modal token secret (expected as-...): copy it again from the Modal dashboard`);
    return { kind: "explicit", credentials: { tokenId: p.id, tokenSecret: p.secret }, from: p.from };
  }
  if (s.modalTomlExists) return { kind: "modal-profile" };
  throw new Error(
    "no Modal credentials: set MODAL_TOKEN_ID and MODAL_TOKEN_SECRET in .env (copy .env.example), " +
      "or `pulumi config set --secret qwen-code-modal:modalTokenSecret ...` with modalTokenId, or run `modal token new`",
  );
}
