import { describe, expect, it } from "vitest";
import { createRedactor } from "@qwen-code-modal/contract/redact";
import { StreamRedactor } from "../../infra/dashboard/stream-redactor";

const SECRETS = ["pk-dash1", "ps-dash1"];
const clean = createRedactor(SECRETS);
const TEXT = "Modal-Key: pk-dash1, Modal-Secret: ps-dash1; token ak-0123456789abcdef. done";

/** Streams `pieces` through one redactor and returns everything it released. */
function stream(pieces: string[]): { out: string; released: string[] } {
  const r = new StreamRedactor(clean);
  const released = pieces.map((p) => r.push(p));
  released.push(r.flush());
  return { out: released.join(""), released };
}

describe("StreamRedactor: credentials split across streamed chunks", () => {
  it("redacts a secret however the text is cut, into two pieces at every position or one character at a time", () => {
    const whole = clean(TEXT);
    expect(whole).toBe("Modal-Key: [redacted], Modal-Secret: [redacted]; token [redacted]. done");
    for (let i = 0; i <= TEXT.length; i++) expect(stream([TEXT.slice(0, i), TEXT.slice(i)]).out).toBe(whole);
    const byChar = stream([...TEXT]);
    expect(byChar.out).toBe(whole);
    for (const piece of byChar.released) for (const s of SECRETS) expect(piece).not.toContain(s);
  });

  it("releases plain text as soon as it cannot become a secret, and a long word at once", () => {
    const r = new StreamRedactor(clean);
    expect(r.push("hello world. ")).toBe("hello world. ");
    expect(r.push("partial p")).toBe("partial ");
    expect(r.push("x ")).toBe("px ");
    const long = "a".repeat(300);
    expect(r.push(long)).toBe(long);
  });
});
