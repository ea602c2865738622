/**
 * `ControlDeployment`: the controller app `qcm-control` (infra/render/control-shim.ts), deployed and
 * destroyed with the stack like the GPU apps.
 * @module
 */
// Subpaths of @pulumi/pulumi, not its root (which loads the Automation API and the closure serializer: docs/engine.md).
import { ComponentResource, type ComponentResourceOptions } from "@pulumi/pulumi/resource";
import type { PreparedControl } from "../prepare";
import { CONTROL_APP } from "../render/control-shim";
import { deploymentApp, type ModalAppArgs } from "./model-deployment";

/** Arguments of a {@link ControlDeployment}. */
export interface ControlDeploymentArgs extends ModalAppArgs {
  /** The rendered, checked controller. */
  prepared: PreparedControl;
}

/** The CPU app whose scheduled function ends warm periods, prices the ledger and applies the budget. */
export class ControlDeployment extends ComponentResource {
  /** The controller's Modal app name. */
  readonly app = CONTROL_APP;

  constructor(name: string, args: ControlDeploymentArgs, opts?: ComponentResourceOptions) {
    super("qwen-code-modal:index:ControlDeployment", name, {}, opts);
    const app = deploymentApp(this, name, { appName: CONTROL_APP, shim: args.prepared.shim, maxContainers: 1 }, args, opts);
    this.registerOutputs({ deployHash: app.deployHash });
  }
}
