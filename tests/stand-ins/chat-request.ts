/**
 * Request checking for the vLLM endpoint stand-in: the OpenAI chat-completions body shape that
 * vLLM's OpenAI-compatible server accepts, and the images inside it.
 *
 * Shape source: OpenAI API reference "Create chat completion" and vLLM docs
 * "OpenAI-Compatible Server" (extra sampling params, `chat_template_kwargs`).
 * @module
 */
import sharp from "sharp";
import { z } from "zod";

/** One `image_url` content part: vLLM accepts http(s) or `data:` URLs; the stand-in only data URLs. */
const imagePartSchema = z.strictObject({
  type: z.literal("image_url"),
  image_url: z.strictObject({ url: z.string().min(1), detail: z.enum(["auto", "low", "high"]).optional() }),
});
const textPartSchema = z.strictObject({ type: z.literal("text"), text: z.string() });
const contentSchema = z.union([z.string(), z.array(z.union([textPartSchema, imagePartSchema])).min(1)]);

const toolCallSchema = z.strictObject({
  id: z.string().min(1),
  type: z.literal("function"),
  function: z.strictObject({ name: z.string().min(1), arguments: z.string() }),
});

const messageSchema = z.discriminatedUnion("role", [
  z.strictObject({ role: z.literal("system"), content: contentSchema, name: z.string().optional() }),
  z.strictObject({ role: z.literal("user"), content: contentSchema, name: z.string().optional() }),
  z.strictObject({
    role: z.literal("assistant"),
    content: contentSchema.nullable().optional(),
    tool_calls: z.array(toolCallSchema).optional(),
    reasoning_content: z.string().nullable().optional(),
    name: z.string().optional(),
  }),
  z.strictObject({ role: z.literal("tool"), content: contentSchema, tool_call_id: z.string().min(1) }),
]);

/**
 * The chat-completions body, strict: an unknown top-level key is a 400, as a typo in a client
 * would otherwise go unnoticed (real vLLM ignores some unknown keys, so this is stricter on purpose).
 */
export const chatRequestSchema = z.strictObject({
  model: z.string().min(1),
  messages: z.array(messageSchema).min(1),
  stream: z.boolean().optional(),
  stream_options: z.strictObject({ include_usage: z.boolean().optional() }).optional(),
  max_tokens: z.number().int().positive().optional(),
  max_completion_tokens: z.number().int().positive().optional(),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().gt(0).max(1).optional(),
  top_k: z.number().int().optional(),
  min_p: z.number().min(0).max(1).optional(),
  presence_penalty: z.number().min(-2).max(2).optional(),
  frequency_penalty: z.number().min(-2).max(2).optional(),
  repetition_penalty: z.number().positive().optional(),
  seed: z.number().int().optional(),
  stop: z.union([z.string(), z.array(z.string())]).optional(),
  n: z.literal(1).optional(),
  user: z.string().optional(),
  tools: z
    .array(
      z.strictObject({
        type: z.literal("function"),
        function: z.object({ name: z.string().min(1), description: z.string().optional(), parameters: z.unknown().optional() }),
      }),
    )
    .optional(),
  tool_choice: z.unknown().optional(),
  parallel_tool_calls: z.boolean().optional(),
  chat_template_kwargs: z.record(z.string(), z.unknown()).optional(),
  skip_special_tokens: z.boolean().optional(),
});
export type ChatRequest = z.infer<typeof chatRequestSchema>;

/** What the stand-in learned from one image of a request. */
export interface ReceivedImage {
  /** MIME type declared in the data URL, e.g. `image/jpeg`. */
  mime: string;
  /** Format sharp decoded, e.g. `jpeg`. */
  format: string;
  /** Pixels. */
  width: number;
  /** Pixels. */
  height: number;
  /** Decoded payload size, bytes. */
  bytes: number;
  /** Qwen3-VL visual tokens: ceil(w/32) × ceil(h/32) (16 px patches, 2×2 merge). */
  visualTokens: number;
}

/** Limits the stand-in enforces on images, like vLLM's `--limit-mm-per-prompt` and the resize contract. */
export interface ImageLimits {
  /** Most images in one request (vLLM answers 400 above it). */
  maxImagesPerPrompt: number;
  /** Most visual tokens one image may cost; a larger image means the client did not resize. */
  maxVisualTokensPerImage: number;
}

/** A 400-class problem with a request; the message goes back to the client. */
export class BadRequest extends Error {
  /** HTTP status to answer with. */
  readonly status: number;
  constructor(message: string, status = 400) {
    super(message);
    this.status = status;
  }
}

const DATA_URL = /^data:(image\/(?:png|jpeg|webp|gif));base64,([A-Za-z0-9+/]+={0,2})$/;

/** Decodes and measures one data-URL image; throws {@link BadRequest} when it is not a valid one. */
async function inspectImage(url: string, index: number): Promise<ReceivedImage> {
  const m = DATA_URL.exec(url);
  if (!m) {
    throw new BadRequest(
      `image ${index}: the vLLM stand-in accepts only base64 data URLs of png/jpeg/webp/gif ` +
        `(got ${JSON.stringify(url.slice(0, 40))}...)`,
    );
  }
  const data = Buffer.from(m[2], "base64");
  let meta: sharp.Metadata;
  try {
    meta = await sharp(data).metadata();
    await sharp(data).raw().toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new BadRequest(`image ${index}: data URL does not decode as an image (${(err as Error).message})`);
  }
  const format = String(meta.format);
  const declared = m[1].slice("image/".length);
  if (declared !== format) throw new BadRequest(`image ${index}: data URL says ${m[1]} but holds ${format}`);
  const visualTokens = Math.ceil(meta.width / 32) * Math.ceil(meta.height / 32);
  return { mime: m[1], format, width: meta.width, height: meta.height, bytes: data.length, visualTokens };
}

/**
 * Validates a parsed JSON body as a chat-completions request and decodes every image.
 * @throws BadRequest naming the bad field, the image index or the limit exceeded.
 */
export async function checkChatRequest(
  body: unknown,
  servedModel: string,
  limits: ImageLimits,
): Promise<{ request: ChatRequest; images: ReceivedImage[] }> {
  const parsed = chatRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; ");
    throw new BadRequest(`invalid chat completion request: ${issues}`);
  }
  const request = parsed.data;
  if (request.model !== servedModel) {
    throw new BadRequest(`The model \`${request.model}\` does not exist.`, 404);
  }
  const urls = request.messages.flatMap((msg) =>
    Array.isArray(msg.content) ? msg.content.flatMap((p) => (p.type === "image_url" ? [p.image_url.url] : [])) : [],
  );
  if (urls.length > limits.maxImagesPerPrompt) {
    throw new BadRequest(`At most ${limits.maxImagesPerPrompt} image(s) may be provided in one prompt.`);
  }
  const images = await Promise.all(urls.map((u, i) => inspectImage(u, i)));
  for (const [i, img] of images.entries()) {
    if (img.visualTokens > limits.maxVisualTokensPerImage) {
      throw new BadRequest(
        `image ${i}: ${img.width}x${img.height} costs ${img.visualTokens} visual tokens, ` +
          `over the stand-in's limit of ${limits.maxVisualTokensPerImage}: the client did not resize it`,
      );
    }
  }
  return { request, images };
}

/** The text of the last user message (text parts joined), for canned answers. */
export function lastUserText(request: ChatRequest): string {
  const user = [...request.messages].reverse().find((m) => m.role === "user");
  if (!user) return "";
  const content = user.content;
  return typeof content === "string"
    ? content
    : content.flatMap((p) => (p.type === "text" ? [p.text] : [])).join("\n");
}
