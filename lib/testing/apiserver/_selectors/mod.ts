/**
 * Label and field selectors of the fake API server: parsing with the real server's error
 * texts, matching, and the per-type check of selectable fields.
 *
 * @module
 */
export {
  type LabelOperator,
  type LabelRequirement,
  type LabelSelector,
  parseLabelSelector,
} from "./label_selector.ts";
export {
  checkFieldLabels,
  type FieldRequirement,
  type FieldSelector,
  fieldsOf,
  parseFieldSelector,
} from "./field_selector.ts";
