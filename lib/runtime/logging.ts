/**
 * Structured logging on LogTape: the library logs under the `certkit` category and never
 * configures anything; a program calls {@linkcode configureLogging} once, from its
 * `--log-format` and `--log-level` flags, to get JSON lines in a container and readable
 * text on a terminal.
 *
 * @module
 */
import {
  configure,
  getJsonLinesFormatter,
  getLogger,
  getTextFormatter,
  isLogLevel,
  type LogRecord,
  reset,
} from "@logtape/logtape";
import { errorDetailLines, errorSummary, serializeError } from "./_logging_errors.ts";

/** The log levels, least severe first (LogTape's). */
export type LogLevel = "trace" | "debug" | "info" | "warning" | "error" | "fatal";

/** Logs a message, with `{name}` placeholders filled from `properties`. */
export type LogMethod = (message: string, properties?: Record<string, unknown>) => void;

/**
 * The logger this library hands out and accepts: the part of LogTape's `Logger` it uses,
 * so any LogTape logger fits. Messages are structured: `"Reconciled {key}."` with
 * `{ key }` keeps `key` a field of the record.
 */
export interface Logger {
  /** The category, such as `["certkit", "controller"]`. */
  readonly category: readonly string[];
  /** A logger whose every record also carries `properties`. */
  with(properties: Record<string, unknown>): Logger;
  /** A logger one category level down. */
  getChild(subcategory: string): Logger;
  /** Whether a record at `level` would be written. */
  isEnabledFor(level: LogLevel): boolean;
  /** Logs at `trace`. */
  trace: LogMethod;
  /** Logs at `debug`. */
  debug: LogMethod;
  /** Logs at `info`. */
  info: LogMethod;
  /** Logs at `warning`. */
  warn: LogMethod;
  /** Logs at `warning`. */
  warning: LogMethod;
  /** Logs at `error`. */
  error: LogMethod;
  /** Logs at `fatal`. */
  fatal: LogMethod;
}

/** How log lines are written: one JSON object per line, or text for people. */
export type LogFormat = "json" | "text";

/** The `certkit` category every logger of this library sits under. */
export const LOG_CATEGORY: readonly string[] = Object.freeze(["certkit"]);

/**
 * A logger of this library: category `certkit` followed by `subcategory`. Nothing is
 * written until the program configures LogTape (see {@linkcode configureLogging}).
 *
 * @param subcategory The parts after `certkit`, such as `"controller"`.
 * @returns The logger.
 *
 * @example A controller's logger with its name on every line
 * ```ts
 * import { libraryLogger } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const log = libraryLogger("controller").with({ controller: "certificaterequest" });
 * assert.deepEqual(log.category, ["certkit", "controller"]);
 * log.info("Starting workers.");
 * ```
 */
export function libraryLogger(...subcategory: string[]): Logger {
  return getLogger([...LOG_CATEGORY, ...subcategory]);
}

/** The logging flags of a program, as {@linkcode parseLoggingFlags} reads them. */
export interface LoggingFlags {
  /** `--log-format json|text`. */
  format?: LogFormat;
  /** `--log-level trace|debug|info|warning|error|fatal`. */
  level?: LogLevel;
}

/**
 * Reads `--log-format json|text` and `--log-level debug|info|warning|error` (also
 * `trace` and `fatal`) from the command line, as `--flag value` or `--flag=value`;
 * every other argument is left for the program.
 *
 * @param args The arguments, usually `Deno.args`.
 * @returns The flags given.
 * @throws {RangeError} When a value is missing or not one of the allowed ones.
 *
 * @example Flags of a container
 * ```ts
 * import { parseLoggingFlags } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const flags = parseLoggingFlags(["--log-format=json", "--log-level", "debug", "--leader-elect"]);
 * assert.deepEqual(flags, { format: "json", level: "debug" });
 * assert.throws(() => parseLoggingFlags(["--log-level=verbose"]), RangeError);
 * ```
 */
export function parseLoggingFlags(args: readonly string[]): LoggingFlags {
  const flags: LoggingFlags = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    const match = /^--(log-format|log-level)(?:=(.*))?$/.exec(arg);
    if (!match) continue;
    const name = match[1];
    let value = match[2];
    if (value === undefined) {
      value = args[i + 1];
      if (value === undefined || value.startsWith("--")) {
        throw new RangeError(`parseLoggingFlags: --${name} needs a value, got none`);
      }
      i++;
    }
    if (name === "log-format") {
      if (value !== "json" && value !== "text") {
        throw new RangeError(
          `parseLoggingFlags: --log-format must be json or text, got ${JSON.stringify(value)}`,
        );
      }
      flags.format = value;
    } else {
      if (!isLogLevel(value)) {
        throw new RangeError(
          `parseLoggingFlags: --log-level must be trace, debug, info, warning, error or fatal, got ${
            JSON.stringify(value)
          }`,
        );
      }
      flags.level = value;
    }
  }
  return flags;
}

/** How {@linkcode configureLogging} sets logging up. */
export interface LoggingOptions extends LoggingFlags {
  /**
   * Writes one formatted line (ending in `\n`). Default: a synchronous write to standard
   * error, where controller-runtime's logger writes.
   */
  write?: (line: string) => void;
  /**
   * Whether the output is a terminal, which picks the default format (text on a terminal,
   * JSON lines otherwise). Default: whether standard error is a terminal.
   */
  isTerminal?: boolean;
  /**
   * Whether errors in log records carry their stacks (each cause's too). Default: only
   * when `level` is `debug` or `trace`; an operator reading `info` logs gets each error's
   * name, message and cause chain, which say what failed, without the library's frames.
   */
  stacks?: boolean;
}

const logtapeJsonFormatter: (record: LogRecord) => string = getJsonLinesFormatter({
  properties: "flatten",
});

/**
 * One JSON object per line, with the properties (such as `controller` and `key`) at the
 * top level: `{"@timestamp":…,"level":"INFO","message":…,"logger":"certkit.controller",…}`.
 * An error in the message reads `Name: message`; an error property is an object with its
 * `name`, `message`, own fields, `cause` chain and (with `stacks`) `stack`.
 */
function jsonLogFormatter(stacks: boolean): (record: LogRecord) => string {
  return (record) => {
    const properties: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(record.properties)) {
      properties[name] = value instanceof Error ? serializeError(value, stacks) : value;
    }
    return logtapeJsonFormatter({ ...record, message: foldErrors(record.message), properties });
  };
}

/** The message parts with every error value folded, as `Name: message`, into the text. */
function foldErrors(message: readonly unknown[]): unknown[] {
  const out: unknown[] = [message[0] ?? ""];
  for (let i = 1; i < message.length; i += 2) {
    const value = message[i];
    const next = message[i + 1] ?? "";
    if (value instanceof Error) out[out.length - 1] = `${out.at(-1)}${errorSummary(value)}${next}`;
    else out.push(value, next);
  }
  return out;
}

/**
 * Readable text: time, level, category, message, then the properties the message does not
 * mention as `key=value`, and below, for each error property, its cause chain (and, with
 * `stacks`, the stacks).
 */
function textLogFormatter(stacks: boolean): (record: LogRecord) => string {
  return getTextFormatter({
    timestamp: "rfc3339",
    category: ".",
    value: (value, inspect) => value instanceof Error ? errorSummary(value) : inspect(value),
    format: ({ timestamp, level, category, message, record }) =>
      `${timestamp ?? ""} ${level} ${category}: ${message}${describeProperties(record, stacks)}`,
  });
}

/**
 * Sets LogTape up for the whole program (the library itself never does): every category
 * at `level` and above goes to `write` as JSON lines or text. Call it once, at startup;
 * a second call before the first is disposed fails with LogTape's `ConfigError`.
 *
 * @param options The format (default: text on a terminal, JSON lines otherwise), the
 *   lowest level (default `info`) and where lines go.
 * @returns A handle whose disposal resets LogTape.
 *
 * @example JSON lines carrying the controller and the key
 * ```ts
 * import { configureLogging, libraryLogger } from "@certkit/issuer-lib";
 * import { strict as assert } from "node:assert";
 *
 * const lines: string[] = [];
 * {
 *   await using _logging = await configureLogging({ format: "json", level: "info", write: (l) => lines.push(l) });
 *   const log = libraryLogger("controller").with({ controller: "certificaterequest", key: "default/a" });
 *   log.debug("Not written: below the level.");
 *   log.info("Reconciled {key}.", { key: "default/a" });
 * }
 * assert.equal(lines.length, 1);
 * const line = JSON.parse(lines[0]!);
 * assert.equal(line.level, "INFO");
 * assert.equal(line.message, 'Reconciled "default/a".');
 * assert.equal(line.controller, "certificaterequest");
 * assert.equal(line.key, "default/a");
 * ```
 */
export async function configureLogging(options: LoggingOptions = {}): Promise<AsyncDisposable> {
  const write = options.write ?? writeStderr;
  const terminal = options.isTerminal ?? isStderrTerminal();
  const format = options.format ?? (terminal ? "text" : "json");
  const level = options.level ?? "info";
  if (format !== "json" && format !== "text") {
    throw new RangeError(`configureLogging: format must be json or text, got ${format}`);
  }
  if (!isLogLevel(level)) {
    throw new RangeError(`configureLogging: level must be a LogTape level, got ${level}`);
  }
  const stacks = options.stacks ?? (level === "debug" || level === "trace");
  const formatter = format === "json" ? jsonLogFormatter(stacks) : textLogFormatter(stacks);
  await configure({
    sinks: { out: (record: LogRecord) => write(formatter(record)) },
    loggers: [
      { category: [], sinks: ["out"], lowestLevel: level },
      { category: ["logtape", "meta"], lowestLevel: "warning" },
    ],
  });
  return { [Symbol.asyncDispose]: () => reset() };
}

function describeProperties(record: LogRecord, stacks: boolean): string {
  const raw = typeof record.rawMessage === "string" ? record.rawMessage : "";
  let out = "";
  let details = "";
  for (const [name, value] of Object.entries(record.properties)) {
    if (value instanceof Error) {
      for (const line of errorDetailLines(value, stacks)) details += `\n    ${line}`;
    }
    if (raw.includes(`{${name}}`)) continue;
    out += ` ${name}=${describeValue(value)}`;
  }
  return out + details;
}

function describeValue(value: unknown): string {
  if (typeof value === "string") return /^[\w./:@-]+$/.test(value) ? value : JSON.stringify(value);
  if (value instanceof Error) return JSON.stringify(errorSummary(value));
  if (typeof value === "bigint") return value.toString();
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

const encoder = new TextEncoder();

function writeStderr(line: string): void {
  const bytes = encoder.encode(line);
  for (let written = 0; written < bytes.length;) {
    written += Deno.stderr.writeSync(bytes.subarray(written));
  }
}

function isStderrTerminal(): boolean {
  try {
    return Deno.stderr.isTerminal();
  } catch {
    return false;
  }
}
