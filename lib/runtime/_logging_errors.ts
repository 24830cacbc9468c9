/**
 * How log lines show an `Error`: its name and message, its cause chain, its own fields
 * (such as an API error's `status`) and, when asked, its stack — as a JSON object for
 * JSON lines and as text for people.
 *
 * @module
 */

/** An `Error` as a JSON log line holds it. */
export interface SerializedError {
  /** The error's `name`, such as `"KubeApiError"`. */
  name: string;
  /** The error's `message`. */
  message: string;
  /** The error's `cause`: another serialized error, or the value as it is. */
  cause?: unknown;
  /** An `AggregateError`'s errors. */
  errors?: unknown[];
  /** The stack, when stacks are written. */
  stack?: string;
  /** The error's own enumerable fields, such as `reason` or `status`. */
  [field: string]: unknown;
}

/** How deep a cause chain is followed before it is cut off. */
const MAX_DEPTH = 8;

/**
 * Serializes an error for JSON: name, message, own fields, the cause chain (each cause
 * serialized the same way when it is an `Error`) and, when `stacks` is set, each stack.
 */
export function serializeError(error: Error, stacks: boolean, depth = 0): SerializedError {
  const out: SerializedError = { name: error.name, message: error.message };
  for (const [field, value] of Object.entries(error)) {
    if (field in out || field === "stack" || field === "cause") continue;
    out[field] = serializeValue(value, stacks, depth + 1);
  }
  if (error.cause !== undefined) out.cause = serializeValue(error.cause, stacks, depth + 1);
  if (error instanceof AggregateError) {
    out.errors = Array.from(error.errors, (e: unknown) => serializeValue(e, stacks, depth + 1));
  }
  if (stacks && typeof error.stack === "string") out.stack = error.stack;
  return out;
}

function serializeValue(value: unknown, stacks: boolean, depth: number): unknown {
  if (!(value instanceof Error)) return value;
  if (depth >= MAX_DEPTH) return `${value.name}: ${value.message}`;
  return serializeError(value, stacks, depth);
}

/** `Name: message`, the way an error reads inside a sentence. */
export function errorSummary(error: Error): string {
  return `${error.name}: ${error.message}`;
}

/**
 * The lines below a text log line for an error: its stack when `stacks` is set, then one
 * `caused by:` line (or stack) per cause; nothing for an error without a cause when stacks
 * are off, since the line itself already says `Name: message`.
 */
export function errorDetailLines(error: Error, stacks: boolean): string[] {
  const lines: string[] = [];
  if (stacks) lines.push(...stackOf(error));
  let cause: unknown = error.cause;
  for (let depth = 1; cause !== undefined && depth <= MAX_DEPTH; depth++) {
    if (cause instanceof Error) {
      const [first = errorSummary(cause), ...rest] = stacks
        ? stackOf(cause)
        : [errorSummary(cause)];
      lines.push(`caused by: ${first}`, ...rest);
      cause = cause.cause;
    } else {
      lines.push(`caused by: ${describeNonError(cause)}`);
      break;
    }
  }
  return lines;
}

function stackOf(error: Error): string[] {
  const stack = typeof error.stack === "string" && error.stack !== ""
    ? error.stack
    : errorSummary(error);
  return stack.split("\n").map((line, i) => (i === 0 ? line : `    ${line.trimStart()}`));
}

function describeNonError(value: unknown): string {
  if (typeof value === "bigint") return value.toString();
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
