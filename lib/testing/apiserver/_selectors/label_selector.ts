/**
 * Label selectors, parsed and matched like apimachinery's `labels.Parse`, with the
 * error texts a kube-apiserver 1.32 answers with (400 BadRequest).
 *
 * @module
 */
import { badRequest, fieldErrorBody } from "../_errors.ts";
import type { FieldError } from "../_types.ts";
import { isQualifiedName, isValidLabelValue } from "../_validation.ts";

/** A label-selector operator, spelled as `selection.Operator`. */
export type LabelOperator =
  | "in"
  | "notin"
  | "="
  | "=="
  | "!="
  | "gt"
  | "lt"
  | "exists"
  | "!";

/** One requirement of a label selector. */
export interface LabelRequirement {
  /** The label key. */
  key: string;
  /** The operator. */
  operator: LabelOperator;
  /** The values, sorted and without duplicates (empty for `exists` and `!`). */
  values: string[];
}

/** A parsed label selector. */
export interface LabelSelector {
  /**
   * Whether an object with these labels is selected.
   *
   * @param labels The object's `metadata.labels`; `undefined` means no labels.
   * @returns `true` when every requirement holds.
   */
  matches(labels: Record<string, string> | undefined): boolean;
  /** `true` when the selector has no requirements and so selects everything. */
  empty: boolean;
  /** The selector text as given. */
  text: string;
  /** The requirements, sorted by key. */
  requirements: LabelRequirement[];
}

type Tok =
  | "error"
  | "end"
  | "closedPar"
  | "comma"
  | "doesNotExist"
  | "doubleEquals"
  | "equals"
  | "greaterThan"
  | "identifier"
  | "in"
  | "lessThan"
  | "notEquals"
  | "notIn"
  | "openPar";

const STRING_TO_TOKEN: Record<string, Tok> = {
  ")": "closedPar",
  ",": "comma",
  "!": "doesNotExist",
  "==": "doubleEquals",
  "=": "equals",
  ">": "greaterThan",
  "in": "in",
  "<": "lessThan",
  "!=": "notEquals",
  "notin": "notIn",
  "(": "openPar",
};

/** The operator each binary-operator token stands for. */
const BINARY_OPERATORS: Partial<Record<Tok, LabelOperator>> = {
  in: "in",
  equals: "=",
  doubleEquals: "==",
  greaterThan: "gt",
  lessThan: "lt",
  notIn: "notin",
  notEquals: "!=",
};

function tokenOf(s: string): Tok | undefined {
  return Object.hasOwn(STRING_TO_TOKEN, s) ? STRING_TO_TOKEN[s] : undefined;
}

interface Item {
  tok: Tok;
  lit: string;
}

const isWhitespace = (c: string): boolean => c === " " || c === "\t" || c === "\r" || c === "\n";
const isSpecial = (c: string): boolean => "=!(),><".includes(c) && c !== "";

/** Splits the text into tokens as `labels.Lexer` does (a NUL character ends the input). */
function scan(s: string): Item[] {
  let pos = 0;
  const read = (): string => (pos < s.length ? s[pos++] ?? "\0" : "\0");
  const items: Item[] = [];
  for (;;) {
    let ch = read();
    while (isWhitespace(ch)) ch = read();
    if (ch === "\0") {
      items.push({ tok: "end", lit: "" });
      return items;
    }
    pos--;
    if (isSpecial(ch)) {
      let buffer = "";
      let last: Item | undefined;
      for (;;) {
        const c = read();
        if (c === "\0") break;
        if (!isSpecial(c)) {
          pos--;
          break;
        }
        buffer += c;
        const t = tokenOf(buffer);
        if (t !== undefined) {
          last = { tok: t, lit: buffer };
        } else if (last) {
          pos--;
          break;
        }
      }
      items.push(last ?? { tok: "error", lit: `error expected: keyword found '${buffer}'` });
    } else {
      let buffer = "";
      for (;;) {
        const c = read();
        if (c === "\0") break;
        if (isSpecial(c) || isWhitespace(c)) {
          pos--;
          break;
        }
        buffer += c;
      }
      items.push({ tok: tokenOf(buffer) ?? "identifier", lit: buffer });
    }
  }
}

/** An error whose text is already Go's; `unable to parse requirement: ` is added above. */
class ParseError extends Error {}

/** Renders Go's `field.ErrorList.ToAggregate().Error()`: deduplicated, `[a, b]` when many. */
function aggregate(errors: FieldError[]): string {
  const seen: string[] = [];
  for (const e of errors) {
    const text = `${e.field}: ${fieldErrorBody(e)}`;
    if (!seen.includes(text)) seen.push(text);
  }
  return seen.length === 1 ? seen[0] ?? "" : `[${seen.join(", ")}]`;
}

function keyError(key: string): FieldError | undefined {
  const errs = isQualifiedName(key);
  if (errs.length === 0) return undefined;
  return { type: "FieldValueInvalid", field: "<nil>", value: key, detail: errs.join("; ") };
}

const INT64 = /^[+-]?\d+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Go's `strconv.ParseInt(s, 10, 64)`; `undefined` when it fails. */
function parseInt64(s: string): bigint | undefined {
  if (!INT64.test(s)) return undefined;
  const n = BigInt(s);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

/** `labels.NewRequirement`: validates the values for the operator. */
function newRequirement(key: string, operator: LabelOperator, values: string[]): LabelRequirement {
  const errs: FieldError[] = [];
  const ke = keyError(key);
  if (ke) errs.push({ ...ke, field: "key" });
  if (operator === "gt" || operator === "lt") {
    if (values.length !== 1) {
      errs.push({
        type: "FieldValueInvalid",
        field: "values",
        value: values,
        detail: "for 'Gt', 'Lt' operators, exactly one value is required",
      });
    }
    values.forEach((v, i) => {
      if (parseInt64(v) === undefined) {
        errs.push({
          type: "FieldValueInvalid",
          field: `values[${i}]`,
          value: v,
          detail: "for 'Gt', 'Lt' operators, the value must be an integer",
        });
      }
    });
  }
  values.forEach((v, i) => {
    const msgs = isValidLabelValue(v);
    if (msgs.length > 0) {
      errs.push({
        type: "FieldValueInvalid",
        field: `values[${i}][${key}]`,
        value: v,
        detail: msgs.join("; "),
      });
    }
  });
  if (errs.length > 0) throw new ParseError(aggregate(errs));
  return { key, operator, values };
}

class Parser {
  #items: Item[];
  #pos = 0;

  constructor(text: string) {
    this.#items = scan(text);
  }

  /** The current token; in the values context `in`/`notin` are identifiers. */
  #peek(values: boolean): Item {
    const item = this.#items[this.#pos] ?? { tok: "end", lit: "" };
    return values && (item.tok === "in" || item.tok === "notIn")
      ? { tok: "identifier", lit: item.lit }
      : item;
  }

  #next(values: boolean): Item {
    const item = this.#peek(values);
    this.#pos++;
    return item;
  }

  parse(): LabelRequirement[] {
    const out: LabelRequirement[] = [];
    for (;;) {
      const { tok, lit } = this.#peek(true);
      if (tok === "end") return out;
      if (tok !== "identifier" && tok !== "doesNotExist") {
        throw badRequest(`found '${lit}', expected: !, identifier, or 'end of string'`);
      }
      try {
        out.push(this.#requirement());
      } catch (e) {
        if (e instanceof ParseError) throw badRequest(`unable to parse requirement: ${e.message}`);
        throw e;
      }
      const after = this.#next(true);
      if (after.tok === "end") return out;
      if (after.tok !== "comma") {
        throw badRequest(`found '${after.lit}', expected: ',' or 'end of string'`);
      }
      const following = this.#peek(true);
      if (following.tok !== "identifier" && following.tok !== "doesNotExist") {
        throw badRequest(`found '${following.lit}', expected: identifier after ','`);
      }
    }
  }

  #requirement(): LabelRequirement {
    let { tok, lit } = this.#next(true);
    let operator: LabelOperator | undefined;
    if (tok === "doesNotExist") {
      operator = "!";
      ({ tok, lit } = this.#next(true));
    }
    if (tok !== "identifier") throw new ParseError(`found '${lit}', expected: identifier`);
    const key = lit;
    const ke = keyError(key);
    if (ke) throw new ParseError(aggregate([ke]));
    const ahead = this.#peek(true).tok;
    if ((ahead === "end" || ahead === "comma") && operator !== "!") operator = "exists";
    if (operator === "exists" || operator === "!") return newRequirement(key, operator, []);

    const op = this.#next(false);
    operator = BINARY_OPERATORS[op.tok];
    if (operator === undefined) {
      throw new ParseError(`found '${op.lit}', expected: in, notin, =, ==, !=, gt, lt`);
    }
    const values = operator === "in" || operator === "notin"
      ? this.#setValues()
      : this.#exactValue();
    return newRequirement(key, operator, [...new Set(values)].sort(compareGo));
  }

  #setValues(): string[] {
    const open = this.#next(true);
    if (open.tok !== "openPar") throw new ParseError(`found '${open.lit}' expected: '('`);
    const { tok, lit } = this.#peek(true);
    if (tok === "identifier" || tok === "comma") {
      const values = this.#identifierList();
      if (this.#next(true).tok !== "closedPar") {
        throw new ParseError(`found '${lit}', expected: ')'`);
      }
      return values;
    }
    if (tok === "closedPar") {
      this.#next(true);
      return [""];
    }
    throw new ParseError(`found '${lit}', expected: ',', ')' or identifier`);
  }

  #identifierList(): string[] {
    const values: string[] = [];
    for (;;) {
      const { tok, lit } = this.#next(true);
      if (tok === "identifier") {
        values.push(lit);
        const ahead = this.#peek(true);
        if (ahead.tok === "comma") continue;
        if (ahead.tok === "closedPar") return values;
        throw new ParseError(`found '${ahead.lit}', expected: ',' or ')'`);
      } else if (tok === "comma") {
        if (values.length === 0) values.push("");
        const ahead = this.#peek(true).tok;
        if (ahead === "closedPar") {
          values.push("");
          return values;
        }
        if (ahead === "comma") values.push("");
      } else {
        throw new ParseError(`found '${lit}', expected: ',', or identifier`);
      }
    }
  }

  #exactValue(): string[] {
    const ahead = this.#peek(true).tok;
    if (ahead === "end" || ahead === "comma") return [""];
    const { tok, lit } = this.#next(true);
    if (tok === "identifier") return [lit];
    throw new ParseError(`found '${lit}', expected: identifier`);
  }
}

/** Byte-wise string order, as Go's `sort.Strings` (for the ASCII texts that validate). */
function compareGo(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function requirementMatches(r: LabelRequirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case "in":
    case "=":
    case "==":
      return value !== undefined && r.values.includes(value);
    case "notin":
    case "!=":
      return value === undefined || !r.values.includes(value);
    case "exists":
      return has;
    case "!":
      return !has;
    case "gt":
    case "lt": {
      if (value === undefined || r.values.length !== 1) return false;
      const actual = parseInt64(value);
      const wanted = parseInt64(r.values[0] ?? "");
      if (actual === undefined || wanted === undefined) return false;
      return r.operator === "gt" ? actual > wanted : actual < wanted;
    }
  }
}

/**
 * Parses a label selector such as `app in (a,b),!skip` (grammar of apimachinery
 * `labels.Parse`): comma means AND; `k=v`, `k==v`, `k!=v` (also selects objects without
 * `k`), `k in (a,b)`, `k notin (a,b)` (also selects objects without `k`), `k` (exists),
 * `!k` (does not exist), `k>N`, `k<N` (integers; objects without `k` or with a
 * non-integer value are not selected). Keys and values are validated.
 *
 * @param text The `labelSelector` query parameter; `""` selects everything.
 * @returns The parsed selector.
 * @throws {StatusError} 400 BadRequest with Go's text, such as
 *   `unable to parse requirement: found '', expected: identifier`.
 *
 * @example Set-based and existence requirements
 * ```ts
 * import { strict as assert } from "node:assert";
 *
 * const selector = parseLabelSelector("app in (a,b),!skip");
 * assert.equal(selector.matches({ app: "a" }), true);
 * assert.equal(selector.matches({ app: "a", skip: "" }), false);
 * assert.equal(selector.matches({ app: "c" }), false);
 * ```
 */
export function parseLabelSelector(text: string): LabelSelector {
  const requirements = new Parser(text).parse().sort((a, b) => compareGo(a.key, b.key));
  return {
    text,
    empty: requirements.length === 0,
    requirements,
    matches(labels) {
      const l = labels ?? {};
      return requirements.every((r) => requirementMatches(r, l));
    },
  };
}
