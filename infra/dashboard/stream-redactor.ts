/**
 * Redaction of text that arrives in pieces (a streamed chat answer): a model streams a few
 * characters per chunk, so a credential an upstream echoes is split across chunks and no single
 * chunk contains it. The redactor holds back the end of what it has seen while that end could
 * still grow into a secret (a prefix of one of the secret values) or into a token-shaped word, and
 * releases it redacted once it cannot.
 * @module
 */
import type { Redactor } from "@qwen-code-modal/contract/redact";

/** Longest word held back while it could still become a token-shaped value; longer ones are released. */
const MAX_HELD_WORD = 256;

/** One stream's redactor. */
export class StreamRedactor {
  private held = "";

  /** @param clean - the redactor (the one that knows the secret values and token shapes); its `secrets` say which partial ends to hold back. */
  constructor(private readonly clean: Redactor) {}

  /** Adds a piece; returns the redacted text that can be released now (maybe empty). */
  push(piece: string): string {
    const text = this.held + piece;
    const keep = Math.max(this.partialSecret(text), this.partialWord(text));
    this.held = text.slice(text.length - keep);
    return this.clean(text.slice(0, text.length - keep));
  }

  /** Releases what is held (the stream ended). */
  flush(): string {
    const rest = this.clean(this.held);
    this.held = "";
    return rest;
  }

  /** Length of the longest end of `text` that is the start of a secret (but not the whole secret). */
  private partialSecret(text: string): number {
    let longest = 0;
    for (const secret of this.clean.secrets) {
      for (let n = Math.min(secret.length - 1, text.length); n > longest; n--) {
        if (text.endsWith(secret.slice(0, n))) {
          longest = n;
          break;
        }
      }
    }
    return longest;
  }

  /** Length of the word (letters, digits, `-`, `_`) at the end of `text`, which may still grow into a token shape. */
  private partialWord(text: string): number {
    const word = /[A-Za-z0-9_-]+$/.exec(text)?.[0].length ?? 0;
    return word > MAX_HELD_WORD ? 0 : word;
  }
}
