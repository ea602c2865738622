/**
 * One clean error for a failed `read` (refresh) or `delete` (destroy), as create and update
 * already give.
 *
 * @pulumi/pulumi's dynamic provider host (node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js,
 * 3.x: `read` and `delete` catch blocks) writes `console.error(\`${e}: ${e.stack}\`)` before
 * returning the error to the engine, which shows that stderr line under the Stack: the message
 * twice and a stack trace, besides the engine's own `error:` line. `create` and `update` return
 * the error through `grpcResponseFromError` and write nothing, so the user sees the message once.
 * {@link withCleanFailure} makes read and delete match: the failing operation's error still goes
 * to the engine (state is kept, the command exits non-zero, the message names the command, the
 * exit code and the redacted reason), and only the host's one echo line of that very error is
 * dropped (matched exactly, for one turn of the event loop). Found and checked under the real
 * engine (tests/engine/pulumi-engine.test.ts "modal failing").

 * @module
 */

/**
 * Runs `operation`; if it fails, rethrows its error and drops the host's `${e}: ${e.stack}` echo
 * of that error.
 * @throws the operation's error, unchanged (a non-Error is wrapped in a plain Error).
 */
export async function withCleanFailure<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    const echo = `${error}: ${error.stack}`;
    const original = console.error;
    const filtered = (...args: unknown[]) => {
      if (args.length === 1 && args[0] === echo) return;
      original.apply(console, args);
    };
    console.error = filtered;
    // The host's catch runs in the microtasks that follow this rejection, before any macrotask.
    setImmediate(() => {
      if (console.error === filtered) console.error = original;
    });
    throw error;
  }
}
