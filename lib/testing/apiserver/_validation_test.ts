import { strict as assert } from "node:assert";
import fc from "fast-check";
import { fieldErrorBody, invalid } from "./_errors.ts";
import type { FieldError } from "./_types.ts";
import {
  GENERATE_NAME_ALPHABET,
  generateName,
  isQualifiedName,
  isValidLabelValue,
  isValidPathSegmentName,
  validateDns1123Label,
  validateDns1123Subdomain,
  validateObjectMeta,
} from "./_validation.ts";

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const NAME_PART_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

/** Renders errors as the API server's message lines: `<field>: <body>`. */
function lines(errors: FieldError[]): string[] {
  return errors.map((e) => `${e.field}: ${fieldErrorBody(e)}`);
}

const widget = { namespaced: true, nameValidator: "subdomain" } as const;
const csr = { namespaced: false, nameValidator: "subdomain" } as const;

Deno.test("validateDns1123Subdomain", () => {
  assert.deepEqual(validateDns1123Subdomain("example.com", "metadata.name"), []);
  assert.deepEqual(validateDns1123Subdomain("a", "metadata.name"), []);
  assert.deepEqual(lines(validateDns1123Subdomain("Bad_Name", "metadata.name")), [
    `metadata.name: Invalid value: "Bad_Name": ${SUBDOMAIN_MSG}`,
  ]);
  const long = "a".repeat(254);
  assert.deepEqual(lines(validateDns1123Subdomain(long, "metadata.name")), [
    `metadata.name: Invalid value: "${long}": must be no more than 253 characters`,
  ]);
  assert.deepEqual(validateDns1123Subdomain("a".repeat(253), "metadata.name"), []);
});

Deno.test("validateDns1123Label", () => {
  assert.deepEqual(validateDns1123Label("my-name", "metadata.namespace"), []);
  assert.deepEqual(lines(validateDns1123Label("My", "metadata.namespace")), [
    `metadata.namespace: Invalid value: "My": ${LABEL_MSG}`,
  ]);
  assert.deepEqual(lines(validateDns1123Label("a.b", "metadata.namespace")), [
    `metadata.namespace: Invalid value: "a.b": must not contain dots`,
  ]);
  assert.deepEqual(lines(validateDns1123Label("a".repeat(64), "f")), [
    `f: Invalid value: "${"a".repeat(64)}": must be no more than 63 characters`,
  ]);
});

Deno.test("qualified names and label values", () => {
  assert.deepEqual(isQualifiedName("example.com/My_Name.1"), []);
  assert.deepEqual(isQualifiedName("/a"), ["prefix part must be non-empty"]);
  assert.deepEqual(isQualifiedName("a/"), ["name part must be non-empty", NAME_PART_MSG]);
  assert.deepEqual(isQualifiedName("_a"), [NAME_PART_MSG]);
  assert.equal(isQualifiedName("a/b/c")[0]?.startsWith("a qualified name must consist"), true);
  assert.deepEqual(isValidLabelValue(""), []);
  assert.deepEqual(isValidLabelValue("a-b_c.d"), []);
  assert.deepEqual(isValidLabelValue("a b"), [VALUE_MSG]);
  assert.deepEqual(isValidLabelValue("x".repeat(64)), ["must be no more than 63 characters"]);
});

Deno.test("path-segment names", () => {
  assert.deepEqual(isValidPathSegmentName("a:b"), []);
  assert.deepEqual(isValidPathSegmentName(".."), ["may not be '..'"]);
  assert.deepEqual(isValidPathSegmentName("a/b%"), ["may not contain '/'", "may not contain '%'"]);
  assert.deepEqual(isValidPathSegmentName(".", true), []);
});

Deno.test("a valid object has no errors", () => {
  const meta = {
    name: "w1",
    namespace: "t",
    generation: 1,
    labels: { app: "demo", "app.kubernetes.io/name": "" },
    annotations: { "Example.com/Note": "anything at all" },
    finalizers: ["example.com/cleanup"],
    ownerReferences: [{ apiVersion: "example.com/v1", kind: "Widget", name: "p", uid: "u1" }],
  };
  assert.deepEqual(validateObjectMeta(meta, widget), []);
});

Deno.test("name: required unless generateName; format per validator", () => {
  assert.deepEqual(lines(validateObjectMeta({ namespace: "t" }, widget)), [
    "metadata.name: Required value: name or generateName is required",
  ]);
  assert.deepEqual(lines(validateObjectMeta(undefined, csr)), [
    "metadata.name: Required value: name or generateName is required",
  ]);
  assert.deepEqual(validateObjectMeta({ generateName: "w-", namespace: "t" }, widget), []);
  assert.deepEqual(lines(validateObjectMeta({ generateName: "Bad_", namespace: "t" }, widget)), [
    `metadata.generateName: Invalid value: "Bad_": ${SUBDOMAIN_MSG}`,
  ]);
  // maskTrailingDash drops the last two characters of a prefix ending in "-" (a Go quirk).
  assert.deepEqual(validateObjectMeta({ generateName: "W-", namespace: "t" }, widget), []);
  // The C3 check of the spec, end to end through the Status builder.
  const err = invalid(
    "Widget",
    "example.com",
    "Bad_Name",
    validateObjectMeta({ name: "Bad_Name", namespace: "t" }, widget),
  );
  assert.ok(
    err.status.message?.startsWith(
      `Widget.example.com "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain`,
    ),
  );
  assert.deepEqual(
    lines(validateObjectMeta({ name: "a.b" }, { namespaced: false, nameValidator: "label" })),
    [
      `metadata.name: Invalid value: "a.b": must not contain dots`,
    ],
  );
  assert.deepEqual(
    lines(
      validateObjectMeta({ name: "a/b" }, { namespaced: false, nameValidator: "path-segment" }),
    ),
    [`metadata.name: Invalid value: "a/b": may not contain '/'`],
  );
});

Deno.test("namespace: required for namespaced types, forbidden for cluster-scoped", () => {
  assert.deepEqual(lines(validateObjectMeta({ name: "a" }, widget)), [
    "metadata.namespace: Required value",
  ]);
  assert.deepEqual(lines(validateObjectMeta({ name: "a", namespace: "Bad" }, widget)), [
    `metadata.namespace: Invalid value: "Bad": ${LABEL_MSG}`,
  ]);
  assert.deepEqual(lines(validateObjectMeta({ name: "a", namespace: "t" }, csr)), [
    "metadata.namespace: Forbidden: not allowed on this type",
  ]);
});

Deno.test("labels: key and value rules", () => {
  const errs = validateObjectMeta({ name: "a", labels: { "-k": "v", ok: "bad value" } }, csr);
  assert.deepEqual(lines(errs), [
    `metadata.labels: Invalid value: "-k": ${NAME_PART_MSG}`,
    `metadata.labels: Invalid value: "bad value": ${VALUE_MSG}`,
  ]);
  assert.ok(errs.every((e) => e.type === "FieldValueInvalid"));
});

Deno.test("labels and other fields of the wrong type", () => {
  const errs = validateObjectMeta(
    { name: "a", labels: { n: 1 }, annotations: "x", finalizers: [true], generation: "1" },
    csr,
  );
  assert.deepEqual(errs.map((e) => [e.type, e.field, e.detail]), [
    [
      "FieldValueTypeInvalid",
      "metadata.generation",
      "json: cannot unmarshal string into Go struct field ObjectMeta.generation of type int64",
    ],
    [
      "FieldValueTypeInvalid",
      "metadata.labels",
      "json: cannot unmarshal number into Go struct field ObjectMeta.labels of type string",
    ],
    [
      "FieldValueTypeInvalid",
      "metadata.annotations",
      "json: cannot unmarshal string into Go struct field ObjectMeta.annotations of type map[string]string",
    ],
    [
      "FieldValueTypeInvalid",
      "metadata.finalizers",
      "json: cannot unmarshal bool into Go struct field ObjectMeta.finalizers of type string",
    ],
  ]);
  assert.deepEqual(validateObjectMeta("nope", csr).map((e) => e.detail), [
    "json: cannot unmarshal string into Go value of type v1.ObjectMeta",
  ]);
  assert.deepEqual(
    validateObjectMeta({ name: 5 }, csr).map((e) => e.field),
    ["metadata.name", "metadata.name"],
    "a name of the wrong type is reported and then missing",
  );
});

Deno.test("annotations: keys are checked case-insensitively; total size at most 256 KiB", () => {
  assert.deepEqual(lines(validateObjectMeta({ name: "a", annotations: { "a b": "" } }, csr)), [
    `metadata.annotations: Invalid value: "a b": ${NAME_PART_MSG}`,
  ]);
  const limit = 256 * 1024;
  const fits = { name: "a", annotations: { k: "v".repeat(limit - 1) } };
  assert.deepEqual(validateObjectMeta(fits, csr), []);
  const over = { name: "a", annotations: { k: "v".repeat(limit) } };
  assert.deepEqual(lines(validateObjectMeta(over, csr)), [
    "metadata.annotations: Too long: must have at most 262144 bytes",
  ]);
  const multiByte = { name: "a", annotations: { k: "é".repeat(limit / 2) } };
  assert.equal(validateObjectMeta(multiByte, csr)[0]?.type, "FieldValueTooLong", "bytes count");
});

Deno.test("generation must not be negative", () => {
  assert.deepEqual(lines(validateObjectMeta({ name: "a", generation: -1 }, csr)), [
    "metadata.generation: Invalid value: -1: must be greater than or equal to 0",
  ]);
});

Deno.test("finalizers must be qualified names", () => {
  assert.deepEqual(lines(validateObjectMeta({ name: "a", finalizers: ["ok", "bad/"] }, csr)), [
    `metadata.finalizers: Invalid value: "bad/": name part must be non-empty`,
    `metadata.finalizers: Invalid value: "bad/": ${NAME_PART_MSG}`,
  ]);
  assert.deepEqual(
    lines(validateObjectMeta({ name: "a", finalizers: ["orphan", "foregroundDeletion"] }, csr)),
    [
      `metadata.finalizers: Invalid value: []string{"orphan", "foregroundDeletion"}: finalizer orphan and foregroundDeletion cannot be both set`,
    ],
  );
});

Deno.test("ownerReferences need apiVersion, kind, name and uid", () => {
  assert.deepEqual(lines(validateObjectMeta({ name: "a", ownerReferences: [{}] }, csr)), [
    `metadata.ownerReferences.apiVersion: Invalid value: "": version must not be empty`,
    `metadata.ownerReferences.kind: Invalid value: "": must not be empty`,
    `metadata.ownerReferences.name: Invalid value: "": must not be empty`,
    `metadata.ownerReferences.uid: Invalid value: "": must not be empty`,
  ]);
  const group = { apiVersion: "example.com/", kind: "W", name: "n", uid: "u" };
  assert.deepEqual(lines(validateObjectMeta({ name: "a", ownerReferences: [group] }, csr)), [
    `metadata.ownerReferences.apiVersion: Invalid value: "example.com/": version must not be empty`,
  ]);
  const controllers = [
    { apiVersion: "v1", kind: "A", name: "a", uid: "1", controller: true },
    { apiVersion: "v1", kind: "B", name: "b", uid: "2", controller: true },
  ];
  const errs = validateObjectMeta({ name: "a", ownerReferences: controllers }, csr);
  assert.equal(errs.length, 1);
  assert.equal(
    errs[0]?.detail,
    `Only one reference can have Controller set to true. Found "true" in references for A/a and B/b`,
  );
  const event = { apiVersion: "v1", kind: "Event", name: "e", uid: "1" };
  assert.deepEqual(
    validateObjectMeta({ name: "a", ownerReferences: [event] }, csr).map((e) => e.detail),
    ["/v1, Kind=Event is disallowed from being an owner"],
  );
});

Deno.test("generateName: prefix cut to 58 characters plus 5 from the alphabet", () => {
  assert.equal(generateName("w-", () => 0), "w-bbbbb");
  assert.equal(generateName("w-", () => 0.999999), "w-99999");
  const long = "p".repeat(70);
  assert.equal(generateName(long, () => 0.5), `${"p".repeat(58)}rrrrr`);
  fc.assert(
    fc.property(
      fc.string({ maxLength: 80 }),
      fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), {
        minLength: 5,
        maxLength: 5,
      }),
      (prefix, draws) => {
        let i = 0;
        const name = generateName(prefix, () => draws[i++] ?? 0);
        const head = prefix.slice(0, 58);
        assert.ok(name.startsWith(head));
        const tail = name.slice(head.length);
        assert.equal(tail.length, 5);
        assert.ok([...tail].every((c) => GENERATE_NAME_ALPHABET.includes(c)));
      },
    ),
  );
});

Deno.test("property: generated names from a valid prefix are valid subdomains", () => {
  fc.assert(
    fc.property(
      fc.stringMatching(/^[a-z][a-z0-9-]{0,70}$/),
      fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      (prefix, r) => {
        const name = generateName(prefix, () => r);
        assert.deepEqual(validateDns1123Subdomain(name, "metadata.name"), []);
      },
    ),
  );
});
