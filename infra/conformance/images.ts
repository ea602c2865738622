/**
 * The test images the smoke test shows the VLM: drawn with sharp, so a correct answer is known.
 * @module
 */
import sharp from "sharp";

/** One generated image and what a model should see in it. */
export interface SmokeImage {
  /** `data:image/png;base64,...` */
  dataUrl: string;
  /** Word a sensible answer contains (lower case). */
  expect: string;
}

const SIZE = 256;

async function png(image: sharp.Sharp): Promise<string> {
  return `data:image/png;base64,${(await image.png().toBuffer()).toString("base64")}`;
}

/** A black filled triangle on white, 256×256 px. */
export async function triangleImage(): Promise<SmokeImage> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}">
<rect width="100%" height="100%" fill="white"/><polygon points="128,24 232,224 24,224" fill="black"/></svg>`;
  return { dataUrl: await png(sharp(Buffer.from(svg))), expect: "triangle" };
}

/** A block of pure red, 256×256 px. */
export async function redBlockImage(): Promise<SmokeImage> {
  return {
    dataUrl: await png(sharp({ create: { width: SIZE, height: SIZE, channels: 3, background: { r: 220, g: 0, b: 0 } } })),
    expect: "red",
  };
}

/** A 3840×2160 (4K UHD) "screenshot": white with a blue window in the middle, as PNG. */
export async function screenshot4kImage(): Promise<SmokeImage> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="3840" height="2160">
<rect width="100%" height="100%" fill="white"/><rect x="960" y="540" width="1920" height="1080" fill="rgb(0,0,220)"/></svg>`;
  return { dataUrl: await png(sharp(Buffer.from(svg))), expect: "blue" };
}
