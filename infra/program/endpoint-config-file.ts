/**
 * The exported endpoint config on disk, as two dynamic resources so that its lifetime brackets
 * the apps it describes:
 *
 * - {@link EndpointConfigFile} owns the file's place. It is created before the apps (it makes the
 *   folder, so an unwritable path fails before anything is deployed) and, because the apps depend
 *   on it, deleted after them: a `pulumi destroy` whose `modal app stop` fails leaves the config of
 *   the apps still running. Its delete removes the file and its `.bak`.
 * - {@link EndpointConfigDocument} owns what the file says. It depends on the apps (it needs their
 *   URLs) and writes atomically, keeping the previous contents in `<path>.bak`. Its diff and read
 *   look at the file on disk, so a file deleted or edited by hand is noticed by `pulumi up` and
 *   `pulumi refresh` and written again. Its document is passed with each URL as its own output,
 *   and `urlSources` (the URL each app will have, as `plan` predicts it) tells the diff whether an
 *   unknown URL during preview can differ from the one written: an app updated in place keeps its
 *   URL, so preview does not show the file changing.
 * @module
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { CustomResourceOptions } from "@pulumi/pulumi/resource";
import type { Input, Output } from "@pulumi/pulumi/output";
import { mkdir, readFile, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { writeFileAtomically } from "../core/files";
import { BuildProviderResource } from "../provider/build-provider";

/** This module's build, where the provider host loads both providers from (infra/provider/build-provider.ts). */
const MODULE = "dist/infra/program/endpoint-config-file.js";

/** Inputs of {@link EndpointConfigFile}. */
export interface EndpointConfigFileInputs {
  /** Absolute path of the endpoint config. */
  path: string;
}

/** Provider of {@link EndpointConfigFile}; exported for tests. */
export const endpointConfigFileProvider: dynamic.ResourceProvider = {
  async diff(_id: string, olds: EndpointConfigFileInputs, news: EndpointConfigFileInputs) {
    const moved = olds.path !== news.path;
    return { changes: moved, replaces: moved ? ["path"] : [] };
  },
  async create(inputs: EndpointConfigFileInputs) {
    await mkdir(dirname(inputs.path), { recursive: true });
    return { id: inputs.path, outs: { path: inputs.path } };
  },
  async delete(_id: string, props: EndpointConfigFileInputs) {
    await rm(props.path, { force: true });
    await rm(`${props.path}.bak`, { force: true });
  },
};

/** The place of the exported endpoint config; see the module note. */
export class EndpointConfigFile extends BuildProviderResource {
  declare readonly path: Output<string>;
  constructor(name: string, args: { path: Input<string> }, opts?: CustomResourceOptions) {
    super({ module: MODULE, exportName: "endpointConfigFileProvider" }, name, args, opts);
  }
}

/** Inputs of {@link EndpointConfigDocument}, as the provider receives them. */
export interface EndpointConfigDocumentInputs {
  /** Where to write (the {@link EndpointConfigFile}'s path). */
  path: string;
  /** The endpoint config, already validated by the program; written as 2-space JSON. */
  document: Record<string, unknown>;
  /** Per endpoint, the URL `plan` predicts (workspace may be a placeholder): equal sources, equal URL. */
  urlSources: Record<string, string>;
}

/** A copy of `value` with every object's keys sorted: the engine hands objects over in no fixed key order. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
}

/** The text written for a document: 2-space JSON, keys sorted, so equal documents give equal files. */
function render(document: unknown): string {
  return `${JSON.stringify(sortKeys(document), null, 2)}\n`;
}

/** The file's current text, or undefined when it does not exist. */
async function onDisk(path: string): Promise<string | undefined> {
  return readFile(path, "utf8").catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return undefined;
    throw err;
  });
}

/** Whether `news` equals `olds` wherever `news` is known (preview leaves outputs unknown). */
function knownPartsEqual(olds: unknown, news: unknown): boolean {
  // The engine's marker for a value not known yet (@pulumi/pulumi runtime/rpc.ts `unknownValue`).
  if (news === "04da6b54-80e4-46f7-96ec-b56ff0331ba9") return true;
  if (typeof news !== "object" || news === null || typeof olds !== "object" || olds === null) return olds === news;
  const keys = new Set([...Object.keys(olds), ...Object.keys(news)]);
  return [...keys].every((k) => knownPartsEqual((olds as Record<string, unknown>)[k], (news as Record<string, unknown>)[k]));
}

/** Provider of {@link EndpointConfigDocument}; exported for tests. */
export const endpointConfigDocumentProvider: dynamic.ResourceProvider = {
  async diff(_id: string, olds: EndpointConfigDocumentInputs, news: EndpointConfigDocumentInputs) {
    const sameUrls = JSON.stringify(olds.urlSources) === JSON.stringify(news.urlSources);
    const sameDocument = sameUrls && knownPartsEqual(olds.document, news.document);
    // The file as it is now: deleted or edited by hand since the last write → write it again.
    const text = olds.path === news.path ? await onDisk(olds.path) : undefined;
    const intact = text !== undefined && text === render(olds.document);
    return { changes: !(sameDocument && intact), replaces: [] };
  },
  async create(inputs: EndpointConfigDocumentInputs) {
    await writeFileAtomically(inputs.path, render(inputs.document), { mode: 0o644, backup: true });
    return { id: inputs.path, outs: inputs };
  },
  async update(_id: string, _olds: EndpointConfigDocumentInputs, news: EndpointConfigDocumentInputs) {
    await writeFileAtomically(news.path, render(news.document), { mode: 0o644, backup: true });
    return { outs: news };
  },
  async read(id: string, props: EndpointConfigDocumentInputs) {
    const text = await onDisk(props.path);
    if (text === undefined) return { id: "", props: {} };
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch {
      document = { editedByHand: text };
    }
    return { id, props: { ...props, document } };
  },
  // Nothing to do: the file goes with its EndpointConfigFile, after the apps.
  async delete() {},
};

/** What the exported endpoint config says; see the module note. */
export class EndpointConfigDocument extends BuildProviderResource {
  constructor(
    name: string,
    args: { path: Input<string>; document: Input<Record<string, unknown>>; urlSources: Input<Record<string, string>> },
    opts?: CustomResourceOptions,
  ) {
    super({ module: MODULE, exportName: "endpointConfigDocumentProvider" }, name, args, opts);
  }
}
