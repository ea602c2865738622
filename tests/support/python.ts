/**
 * Reads values out of a rendered shim with Python's own parser (the project venv's python).
 */
import { execa } from "execa";
import { resolveEnvironment } from "../../infra/core/environment";

/** The project's Python with the pinned modal SDK, as every entry point resolves it. */
export const PYTHON = resolveEnvironment().modal.python;

/** `ast.literal_eval` of a top-level assignment in the shim, and the shim's top-level statement kinds. */
export async function pyLiteral(shimPath: string, name: string): Promise<{ value: unknown; statements: string[] }> {
  const script = `
import ast, json, sys
tree = ast.parse(open(sys.argv[1]).read())
value = None
for node in tree.body:
    if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == sys.argv[2] for t in node.targets):
        value = ast.literal_eval(node.value)
print(json.dumps({"value": value, "statements": [type(n).__name__ + ":" + (getattr(n, "name", None) or ",".join(getattr(t, "id", "?") for t in getattr(n, "targets", [])) or "") for n in tree.body]}))
`;
  const { stdout } = await execa(PYTHON, ["-c", script, shimPath, name]);
  return JSON.parse(stdout);
}
