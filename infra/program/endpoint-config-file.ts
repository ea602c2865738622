/**
 * `EndpointConfigFile`: a dynamic resource for the exported endpoint config on disk, so
 * `pulumi up` writes it and `pulumi destroy` removes it. Writes are atomic and keep the
 * previous contents in `<path>.bak`.
 * @module
 */
import * as pulumi from "@pulumi/pulumi";
import { rm } from "node:fs/promises";
import { writeFileAtomically } from "../core/files";

/** Inputs: where to write, and the JSON text (already validated by the program). */
export interface EndpointConfigFileInputs {
  path: string;
  content: string;
}

async function writeAtomically(i: EndpointConfigFileInputs): Promise<void> {
  await writeFileAtomically(i.path, i.content, { mode: 0o644, backup: true });
}

/** The provider; exported for tests. */
export const endpointConfigFileProvider: pulumi.dynamic.ResourceProvider = {
  async diff(_id: string, olds: EndpointConfigFileInputs, news: EndpointConfigFileInputs) {
    return { changes: olds.path !== news.path || olds.content !== news.content, replaces: olds.path !== news.path ? ["path"] : [] };
  },
  async create(inputs: EndpointConfigFileInputs) {
    await writeAtomically(inputs);
    return { id: inputs.path, outs: inputs };
  },
  async update(_id: string, _olds: EndpointConfigFileInputs, news: EndpointConfigFileInputs) {
    await writeAtomically(news);
    return { outs: news };
  },
  async delete(_id: string, props: EndpointConfigFileInputs) {
    await rm(props.path, { force: true });
  },
};

/** The exported endpoint config file. */
export class EndpointConfigFile extends pulumi.dynamic.Resource {
  declare readonly path: pulumi.Output<string>;
  constructor(name: string, args: { path: pulumi.Input<string>; content: pulumi.Input<string> }, opts?: pulumi.CustomResourceOptions) {
    super(endpointConfigFileProvider, name, args, opts);
  }
}
