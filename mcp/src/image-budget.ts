/**
 * How large an image may be sent so that Qwen3-VL spends at most a given number of visual tokens.
 *
 * Qwen3-VL's vision encoder cuts an image into 16×16 px patches and merges each 2×2 group into one
 * token, so one visual token covers 32×32 px; the processor rounds both sides to multiples of 32
 * (source: Qwen3-VL model card, `Qwen3VLProcessor` / `smart_resize` with patch_size 16, merge_size 2).
 * @module
 */

/** Pixels per side covered by one visual token (16 px patch × 2 merge). */
export const PIXELS_PER_TOKEN_SIDE = 32;

/**
 * vLLM rejects an image whose long side is 200 or more times its short side
 * (`smart_resize`: "absolute aspect ratio must be smaller than 200").
 */
export const MAX_ASPECT_RATIO = 200;

/** Visual tokens an image of `width`×`height` pixels costs: ceil(w/32) × ceil(h/32). */
export function visualTokens(width: number, height: number): number {
  return Math.ceil(width / PIXELS_PER_TOKEN_SIDE) * Math.ceil(height / PIXELS_PER_TOKEN_SIDE);
}

/** A size in pixels. */
export interface PixelSize {
  width: number;
  height: number;
}

/**
 * The largest size with the same aspect ratio (within rounding to whole pixels) that costs at most
 * `maxTokens` visual tokens; the input itself when it already fits (images are never enlarged).
 * @param size - source size, pixels.
 * @param maxTokens - budget, visual tokens (≥ 1).
 */
export function fitToTokenBudget(size: PixelSize, maxTokens: number): PixelSize {
  if (visualTokens(size.width, size.height) <= maxTokens) return size;
  let scale = Math.sqrt((maxTokens * PIXELS_PER_TOKEN_SIDE ** 2) / (size.width * size.height));
  for (;;) {
    const width = Math.max(1, Math.floor(size.width * scale));
    const height = Math.max(1, Math.floor(size.height * scale));
    if (visualTokens(width, height) <= maxTokens) return { width, height };
    scale *= 0.99;
  }
}
