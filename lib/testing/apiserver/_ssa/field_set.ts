/**
 * `FieldSet`: a set of field paths stored as a trie, with the set algebra server-side
 * apply needs and the `fieldsV1` encoding of `metadata.managedFields`
 * (structured-merge-diff `fieldpath.Set`).
 *
 * @module
 */
import { isJsonObject, type JsonObject, type JsonValue } from "../../../core/json.ts";
import {
  compareElements,
  type FieldPath,
  parseElement,
  type PathElement,
  serializeElement,
} from "./field_path.ts";

/** One child of a trie node: the element, whether it is itself a member, and what lies beneath. */
export interface FieldSetEntry {
  /** The path element leading to this node. */
  readonly element: PathElement;
  /** Whether the path ending at this element is in the set. */
  readonly member: boolean;
  /** The paths beneath this element (relative to it). */
  readonly children: FieldSet;
}

interface Node {
  element: PathElement;
  member: boolean;
  children: FieldSet;
}

/**
 * A set of field paths. A path can be a member and also have members beneath it
 * (a list-map element and its fields; a container an update created and its leaves).
 *
 * @example Building a set and encoding it as `fieldsV1`
 * ```ts
 * import { FieldSet } from "./field_set.ts";
 * import { keyElement } from "./field_path.ts";
 * import { strict as assert } from "node:assert";
 *
 * const ready = [{ field: "status" }, { field: "conditions" }, keyElement({ type: "Ready" })];
 * const set = FieldSet.of(ready, [...ready, { field: "status" }]);
 * assert.deepEqual(set.toFieldsV1(), {
 *   "f:status": { "f:conditions": { 'k:{"type":"Ready"}': { ".": {}, "f:status": {} } } },
 * });
 * ```
 */
export class FieldSet {
  readonly #nodes = new Map<string, Node>();

  /**
   * Builds a set from paths.
   *
   * @param paths The member paths.
   * @returns The new set.
   */
  static of(...paths: FieldPath[]): FieldSet {
    const set = new FieldSet();
    for (const path of paths) set.insert(path);
    return set;
  }

  /**
   * Decodes a `fieldsV1` object (`{"f:spec":{"f:size":{}}}`).
   *
   * @param fieldsV1 The encoded set.
   * @returns The decoded set.
   * @throws {TypeError} When the value is not a valid `fieldsV1` encoding.
   */
  static fromFieldsV1(fieldsV1: JsonValue): FieldSet {
    if (!isJsonObject(fieldsV1)) {
      throw new TypeError(`fieldsV1 must be an object, got ${JSON.stringify(fieldsV1)}`);
    }
    const set = new FieldSet();
    for (const [text, inner] of Object.entries(fieldsV1)) {
      if (text === ".") continue; // "the root is a member": meaningless, ignored like the real decoder
      if (!isJsonObject(inner)) {
        throw new TypeError(`fieldsV1 entry ${JSON.stringify(text)} must be an object`);
      }
      const element = parseElement(text);
      const children = FieldSet.fromFieldsV1(inner);
      const member = Object.keys(inner).length === 0 || "." in inner;
      set.#put(element, member, children);
    }
    return set;
  }

  /**
   * Adds a path. The empty path (the root) is ignored.
   *
   * @param path The path to add.
   * @returns This set.
   */
  insert(path: FieldPath): this {
    const [head, ...rest] = path;
    if (head === undefined) return this;
    const node = this.#node(head);
    if (rest.length === 0) node.member = true;
    else node.children.insert(rest);
    return this;
  }

  /**
   * Tells whether a path is a member.
   *
   * @param path The path.
   * @returns `true` when the path itself is in the set.
   */
  has(path: FieldPath): boolean {
    const [head, ...rest] = path;
    if (head === undefined) return false;
    const node = this.#nodes.get(serializeElement(head));
    if (node === undefined) return false;
    return rest.length === 0 ? node.member : node.children.has(rest);
  }

  /**
   * Tells whether the one-element path `element` is a member.
   *
   * @param element The path element.
   * @returns `true` when it is a member.
   */
  hasMember(element: PathElement): boolean {
    return this.#nodes.get(serializeElement(element))?.member ?? false;
  }

  /**
   * The paths beneath `element`, relative to it (structured-merge-diff `WithPrefix`).
   *
   * @param element The path element.
   * @returns The child set, or `undefined` when nothing lies beneath.
   */
  child(element: PathElement): FieldSet | undefined {
    const children = this.#nodes.get(serializeElement(element))?.children;
    return children && !children.isEmpty() ? children : undefined;
  }

  /** Tells whether the set has no member at any depth. */
  isEmpty(): boolean {
    for (const node of this.#nodes.values()) {
      if (node.member || !node.children.isEmpty()) return false;
    }
    return true;
  }

  /**
   * The top-level nodes in structured-merge-diff order.
   *
   * @returns One entry per element that is a member or has members beneath it.
   */
  entries(): FieldSetEntry[] {
    return [...this.#nodes.values()]
      .filter((n) => n.member || !n.children.isEmpty())
      .sort((a, b) => compareElements(a.element, b.element));
  }

  /**
   * Every member path, in the order structured-merge-diff iterates a set: at each level
   * the members first, then the paths beneath each child.
   *
   * @returns The paths.
   */
  paths(): FieldPath[] {
    const entries = this.entries();
    const out: FieldPath[] = entries.filter((e) => e.member).map((e) => [e.element]);
    for (const e of entries) {
      for (const rest of e.children.paths()) out.push([e.element, ...rest]);
    }
    return out;
  }

  /** The number of member paths. */
  get size(): number {
    let n = 0;
    for (const node of this.#nodes.values()) n += (node.member ? 1 : 0) + node.children.size;
    return n;
  }

  /**
   * The paths in this set or in `other`.
   *
   * @param other The other set.
   * @returns A new set.
   */
  union(other: FieldSet): FieldSet {
    const out = this.clone();
    for (const e of other.entries()) out.#put(e.element, e.member, e.children.clone());
    return out;
  }

  /**
   * The paths in both sets.
   *
   * @param other The other set.
   * @returns A new set.
   */
  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const e of this.entries()) {
      const theirs = other.#nodes.get(serializeElement(e.element));
      if (theirs === undefined) continue;
      out.#put(e.element, e.member && theirs.member, e.children.intersection(theirs.children));
    }
    return out;
  }

  /**
   * The paths in this set that are not members of `other`. Paths beneath a removed
   * member stay unless they are members of `other` too.
   *
   * @param other The paths to take away.
   * @returns A new set.
   */
  difference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const e of this.entries()) {
      const theirs = other.#nodes.get(serializeElement(e.element));
      if (theirs === undefined) out.#put(e.element, e.member, e.children.clone());
      else out.#put(e.element, e.member && !theirs.member, e.children.difference(theirs.children));
    }
    return out;
  }

  /**
   * The paths in this set that neither are members of `other` nor lie beneath one of
   * its members (structured-merge-diff `RecursiveDifference`).
   *
   * @param other The paths (and subtrees) to take away.
   * @returns A new set.
   */
  recursiveDifference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const e of this.entries()) {
      const theirs = other.#nodes.get(serializeElement(e.element));
      if (theirs === undefined) out.#put(e.element, e.member, e.children.clone());
      else if (!theirs.member) {
        out.#put(e.element, e.member, e.children.recursiveDifference(theirs.children));
      }
    }
    return out;
  }

  /**
   * Tells whether both sets have the same members.
   *
   * @param other The other set.
   * @returns `true` when they are equal.
   */
  equals(other: FieldSet): boolean {
    return this.difference(other).isEmpty() && other.difference(this).isEmpty();
  }

  /** A deep copy. */
  clone(): FieldSet {
    const out = new FieldSet();
    for (const e of this.entries()) out.#put(e.element, e.member, e.children.clone());
    return out;
  }

  /**
   * Encodes the set as `fieldsV1`: one key per element in structured-merge-diff order,
   * `{}` for a member without children, and `".": {}` first when a node with children
   * is itself a member.
   *
   * @returns The encoded set.
   */
  toFieldsV1(): JsonObject {
    const out: JsonObject = {};
    for (const e of this.entries()) {
      const inner: JsonObject = e.member && !e.children.isEmpty() ? { ".": {} } : {};
      Object.assign(inner, e.children.toFieldsV1());
      out[serializeElement(e.element)] = inner;
    }
    return out;
  }

  #node(element: PathElement): Node {
    const text = serializeElement(element);
    let node = this.#nodes.get(text);
    if (node === undefined) {
      node = { element, member: false, children: new FieldSet() };
      this.#nodes.set(text, node);
    }
    return node;
  }

  #put(element: PathElement, member: boolean, children: FieldSet): void {
    if (!member && children.isEmpty()) return;
    const node = this.#node(element);
    node.member ||= member;
    node.children = node.children.isEmpty() ? children : node.children.union(children);
  }
}
