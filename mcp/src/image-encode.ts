/**
 * Turning image bytes into what the VLM is sent: decoded by content (not by file extension),
 * oriented, resized to the visual-token budget and re-encoded compactly as a `data:` URL.
 * @module
 */
import sharp, { type Metadata } from "sharp";
import { fitToTokenBudget, MAX_ASPECT_RATIO, visualTokens } from "./image-budget.js";
import { formatBytes } from "./image-file.js";
import { ToolFailure } from "./errors.js";

/** WebP quality used when re-encoding (0–100); 85 keeps screenshot text legible. */
const WEBP_QUALITY = 85;

/** Formats sent as they are when already small enough (the endpoint decodes these). */
const PASS_THROUGH = new Set(["png", "jpeg", "webp"]);

/** An image ready to send, with what was done to it. */
export interface PreparedImage {
  /** `data:image/<type>;base64,...`. */
  dataUrl: string;
  /** The input: decoded format, pixels, bytes. */
  source: { format: string; width: number; height: number; bytes: number };
  /** What is sent: MIME type, pixels, bytes (decoded payload), visual tokens. */
  sent: { mime: string; width: number; height: number; bytes: number; visualTokens: number };
}

/** Names a format from the first bytes when sharp cannot read the data, for a useful message. */
function sniff(data: Buffer): string | undefined {
  if (data.subarray(0, 2).toString("latin1") === "BM") return "BMP";
  if (data.subarray(4, 12).toString("latin1").startsWith("ftyp")) return "HEIC/HEIF";
  if (data.subarray(0, 4).toString("latin1") === "%PDF") return "PDF";
  return undefined;
}

/** sharp's default decode limit, pixels (`limitInputPixels`: 0x3FFF × 0x3FFF; sharp docs, constructor). */
const SHARP_PIXEL_LIMIT = 0x3fff * 0x3fff;

/** The failure for an image over sharp's pixel limit, with its size when the header says it. */
async function overPixelLimit(data: Buffer, label: string): Promise<ToolFailure> {
  // The header alone gives the size; nothing is decoded.
  const meta = await sharp(data, { limitInputPixels: false }).metadata().catch(() => undefined);
  const size = meta ? `${meta.width}x${meta.height} px (${((meta.width * meta.height) / 1e6).toFixed(0)} megapixels)` : "too large";
  return new ToolFailure(
    `${label} is ${size}, over the ${(SHARP_PIXEL_LIMIT / 1e6).toFixed(0)} megapixels this server decodes ` +
      `(it would need gigabytes of memory, and the model sees at most about 1.3 megapixels of it): downscale or crop it first`,
  );
}

/**
 * Prepares one image for the VLM.
 * @param data - file contents (any format sharp reads: PNG, JPEG, WebP, GIF (first frame), TIFF, AVIF, SVG).
 * @param label - how to name the image in errors (its path, or "the screenshot").
 * @param maxTokens - visual-token budget for this image.
 * @throws ToolFailure when the data is not a readable image, is over sharp's pixel limit, or has an aspect ratio vLLM rejects.
 */
export async function prepareImage(data: Buffer, label: string, maxTokens: number): Promise<PreparedImage> {
  let meta: Metadata;
  try {
    meta = await sharp(data).metadata();
  } catch (err) {
    if (/exceeds pixel limit/.test((err as Error).message)) throw await overPixelLimit(data, label);
    const kind = sniff(data);
    throw new ToolFailure(
      kind
        ? `${label} is a ${kind} file, which this server's image library (sharp) cannot decode: convert it to PNG or JPEG first`
        : `${label} is not an image (its content is not PNG, JPEG, WebP, GIF, TIFF, AVIF or SVG, whatever its name says)`,
    );
  }
  const oriented = meta.autoOrient ?? { width: meta.width, height: meta.height };
  const { width, height } = oriented;
  if (Math.max(width, height) / Math.min(width, height) >= MAX_ASPECT_RATIO) {
    throw new ToolFailure(
      `${label} is ${width}x${height} px: the model rejects images whose long side is ${MAX_ASPECT_RATIO}+ times the short side; crop it`,
    );
  }
  const target = fitToTokenBudget({ width, height }, maxTokens);
  const source = { format: String(meta.format), width, height, bytes: data.length };
  const resized = target.width !== width || target.height !== height;
  const needsOrient = (meta.orientation ?? 1) !== 1;
  let out: Buffer;
  try {
    out = await sharp(data, { pages: 1 })
      .autoOrient()
      .resize(resized ? { width: target.width, height: target.height, fit: "fill", kernel: "lanczos3" } : undefined)
      .webp({ quality: WEBP_QUALITY, effort: 4 })
      .toBuffer();
  } catch (err) {
    throw new ToolFailure(`${label} could not be decoded as ${meta.format} (${(err as Error).message}); the file may be truncated`);
  }
  let mime = "image/webp";
  if (!resized && !needsOrient && (meta.pages ?? 1) === 1 && PASS_THROUGH.has(source.format) && data.length <= out.length) {
    out = data;
    mime = `image/${source.format}`;
  }
  return {
    dataUrl: `data:${mime};base64,${out.toString("base64")}`,
    source,
    sent: { mime, width: target.width, height: target.height, bytes: out.length, visualTokens: visualTokens(target.width, target.height) },
  };
}

/** One line for logs and tool output: what was sent for an image. */
export function describePrepared(p: PreparedImage): string {
  const s = p.source;
  return (
    `${s.format} ${s.width}x${s.height} ${formatBytes(s.bytes)} -> ${p.sent.mime.slice(6)} ` +
    `${p.sent.width}x${p.sent.height} ${formatBytes(p.sent.bytes)} (${p.sent.visualTokens} visual tokens)`
  );
}
