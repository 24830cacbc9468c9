/**
 * The resources the fake serves: the built-in types plus whatever CRDs define, each
 * with its write strategy and its storage key.
 *
 * @module
 */
import type { Strategy } from "./_strategy.ts";
import type { StorageCodec } from "./_event_conversion.ts";
import type { ResourceInfo } from "./_types.ts";

/** A served resource at one version. */
export interface ServedResource {
  /** What it is. */
  info: ResourceInfo;
  /** How writes to it behave. */
  strategy: Strategy;
  /** Where its objects are stored (shared by all versions of one group and plural). */
  storeKey: string;
  /** Converts between the stored form and this resource's form (when they differ). */
  codec?: StorageCodec;
}

/** The table of served resources. */
export class ResourceRegistry {
  #byGvr = new Map<string, ServedResource>();
  #generation = 0;

  /** Bumped on every change, so cached discovery documents can be rebuilt. */
  get generation(): number {
    return this.#generation;
  }

  /** Serves a resource (replacing the same group, version and plural). */
  add(
    info: ResourceInfo,
    strategy: Strategy,
    storeKey = `${info.group}/${info.plural}`,
    codec?: StorageCodec,
  ): void {
    this.#byGvr.set(gvrKey(info.group, info.version, info.plural), {
      info,
      strategy,
      storeKey,
      ...(codec ? { codec } : {}),
    });
    this.#generation++;
  }

  /** Stops serving every version of a group and plural. */
  remove(group: string, plural: string): void {
    for (const [key, served] of this.#byGvr) {
      if (served.info.group === group && served.info.plural === plural) this.#byGvr.delete(key);
    }
    this.#generation++;
  }

  /** Finds a resource by group, version and plural. */
  lookup(group: string, version: string, plural: string): ServedResource | undefined {
    return this.#byGvr.get(gvrKey(group, version, plural));
  }

  /** Finds a resource by `plural` or `plural.group`, at its storage version. */
  find(resource: string): ServedResource | undefined {
    const dot = resource.indexOf(".");
    const plural = dot < 0 ? resource : resource.slice(0, dot);
    const group = dot < 0 ? "" : resource.slice(dot + 1);
    let fallback: ServedResource | undefined;
    for (const served of this.#byGvr.values()) {
      if (served.info.plural !== plural || served.info.group !== group) continue;
      if (served.info.version === served.info.storageVersion) return served;
      fallback ??= served;
    }
    return fallback;
  }

  /** Every served resource. */
  all(): ServedResource[] {
    return [...this.#byGvr.values()];
  }
}

function gvrKey(group: string, version: string, plural: string): string {
  return `${group}/${version}/${plural}`;
}
