import { strict as assert } from "node:assert";
import fc from "fast-check";
import type { RequestAttributes, UserInfo } from "./_types.ts";
import {
  accessReviewAttributes,
  ALL_AUTHENTICATED,
  anonymousUser,
  authorizedForSigner,
  forbiddenError,
  forbiddenMessage,
  type PolicyRule,
  ruleAllows,
  RuleAuthorizer,
  selfSubjectAccessReview,
  serviceAccountUser,
  signerForbiddenError,
  subjectAccessReview,
  TokenAuthenticator,
  validateAccessReviewSpec,
} from "./_auth.ts";
import { fieldErrorBody, invalid } from "./_errors.ts";

const ALICE: UserInfo = { username: "alice", groups: [ALL_AUTHENTICATED] };

/** Resource request attributes with defaults: `list widgets.example.com` in namespace `t`. */
function res(overrides: Partial<RequestAttributes> = {}): RequestAttributes {
  return {
    user: ALICE,
    resourceRequest: true,
    path: "/apis/example.com/v1/namespaces/t/widgets",
    verb: "list",
    apiGroup: "example.com",
    apiVersion: "v1",
    resource: "widgets",
    subresource: "",
    namespace: "t",
    name: "",
    ...overrides,
  };
}

/** Non-resource request attributes. */
function nonRes(path: string, verb = "get", user: UserInfo = ALICE): RequestAttributes {
  return {
    user,
    resourceRequest: false,
    path,
    verb,
    apiGroup: "",
    apiVersion: "",
    resource: "",
    subresource: "",
    namespace: "",
    name: "",
  };
}

// ---------------------------------------------------------------- authentication

Deno.test("TokenAuthenticator: known token → user with system:authenticated appended", () => {
  const auth = new TokenAuthenticator({ "tok-a": { username: "alice", groups: ["devs"] } });
  const user = auth.authenticate(new Headers({ Authorization: "Bearer tok-a" }));
  assert.deepEqual(user, { username: "alice", groups: ["devs", "system:authenticated"] });
  // The table entry is not mutated.
  assert.deepEqual(auth.authenticate(new Headers({ authorization: "bearer tok-a" })), user);
});

Deno.test("TokenAuthenticator: system:authenticated is not duplicated", () => {
  const sa = serviceAccountUser("ns", "issuer");
  const auth = new TokenAuthenticator(new Map([["sa", sa]]));
  assert.deepEqual(auth.authenticate(new Headers({ Authorization: "Bearer sa" })), sa);
});

Deno.test("TokenAuthenticator: missing, malformed and unknown credentials", () => {
  const strict = new TokenAuthenticator({ t: { username: "u", groups: [] } });
  const open = new TokenAuthenticator({ t: { username: "u", groups: [] } }, { anonymous: true });
  const cases: Array<[Record<string, string>, string, string]> = [
    // headers, without anonymous, with anonymous
    [{}, "unauthorized", "anonymous"],
    [{ Authorization: "" }, "unauthorized", "anonymous"],
    [{ Authorization: "Basic dTpw" }, "unauthorized", "anonymous"],
    [{ Authorization: "Bearer" }, "unauthorized", "anonymous"],
    [{ Authorization: "Bearer  t" }, "unauthorized", "anonymous"], // empty token before the space
    [{ Authorization: "Bearer nope" }, "unauthorized", "unauthorized"], // bad token never falls back
  ];
  for (const [headers, closed, anonymous] of cases) {
    assert.equal(strict.authenticate(new Headers(headers)), closed, JSON.stringify(headers));
    assert.equal(open.authenticate(new Headers(headers)), anonymous, JSON.stringify(headers));
  }
  // Extra words after the token are ignored, like SplitN(auth, " ", 3).
  assert.equal(
    (strict.authenticate(new Headers({ Authorization: " Bearer t extra " })) as UserInfo).username,
    "u",
  );
});

Deno.test("TokenAuthenticator rejects unusable tokens", () => {
  assert.throws(() => new TokenAuthenticator({ "": ALICE }), TypeError);
  assert.throws(() => new TokenAuthenticator().add("a b", ALICE), /invalid token "a b"/);
});

Deno.test("serviceAccountUser and anonymousUser", () => {
  assert.deepEqual(serviceAccountUser("cert-manager", "issuer"), {
    username: "system:serviceaccount:cert-manager:issuer",
    groups: [
      "system:serviceaccounts",
      "system:serviceaccounts:cert-manager",
      "system:authenticated",
    ],
  });
  assert.deepEqual(anonymousUser(), {
    username: "system:anonymous",
    groups: ["system:unauthenticated"],
  });
});

// ---------------------------------------------------------------- rule matching

Deno.test("ruleAllows: resource rules, table", () => {
  const base: PolicyRule = { apiGroups: ["example.com"], resources: ["widgets"], verbs: ["list"] };
  const rows: Array<[string, PolicyRule, Partial<RequestAttributes>, boolean]> = [
    ["exact match", base, {}, true],
    ["other verb", base, { verb: "watch" }, false],
    ["verb wildcard", { ...base, verbs: ["*"] }, { verb: "delete" }, true],
    ["other group", base, { apiGroup: "other.io" }, false],
    ['core group needs ""', { ...base, apiGroups: [""] }, { apiGroup: "" }, true],
    ["group wildcard", { ...base, apiGroups: ["*"] }, { apiGroup: "other.io" }, true],
    ["other resource", base, { resource: "gadgets" }, false],
    ["resource wildcard", { ...base, resources: ["*"] }, { resource: "gadgets" }, true],
    ["* covers subresources", { ...base, resources: ["*"] }, { subresource: "status" }, true],
    ["main resource rule does not cover status", base, { subresource: "status" }, false],
    [
      "widgets/status",
      { ...base, resources: ["widgets/status"], verbs: ["patch"] },
      { verb: "patch", subresource: "status", name: "w" },
      true,
    ],
    [
      "widgets/status does not cover the main resource",
      { ...base, resources: ["widgets/status"] },
      {},
      false,
    ],
    ["*/status", { ...base, resources: ["*/status"] }, {
      resource: "gadgets",
      subresource: "status",
    }, true],
    [
      "*/status is not */scale",
      { ...base, resources: ["*/status"] },
      { subresource: "scale" },
      false,
    ],
    ["*/status needs a subresource", { ...base, resources: ["*/status"] }, {}, false],
    ["widgets/* is not a wildcard", { ...base, resources: ["widgets/*"] }, {
      subresource: "status",
    }, false],
    ["resourceNames match the name", { ...base, verbs: ["get"], resourceNames: ["w"] }, {
      verb: "get",
      name: "w",
    }, true],
    ["resourceNames reject other names", { ...base, verbs: ["get"], resourceNames: ["w"] }, {
      verb: "get",
      name: "x",
    }, false],
    ["resourceNames never match list without a name", { ...base, resourceNames: ["w"] }, {}, false],
    ["resourceNames match list by field selector name", { ...base, resourceNames: ["w"] }, {
      name: "w",
    }, true],
    ["resourceNames never match create", { ...base, verbs: ["create"], resourceNames: ["w"] }, {
      verb: "create",
    }, false],
    ["namespaces: inside", { ...base, namespaces: ["t"] }, {}, true],
    ["namespaces: other namespace", { ...base, namespaces: ["t"] }, { namespace: "u" }, false],
    ["namespaces: not cluster scope", { ...base, namespaces: ["t"] }, { namespace: "" }, false],
    ["no namespaces: cluster scope too", base, { namespace: "" }, true],
    ["no namespaces: any namespace", base, { namespace: "elsewhere" }, true],
    [
      "non-resource rule never matches resources",
      { verbs: ["*"], nonResourceURLs: ["*"] },
      {},
      false,
    ],
  ];
  for (const [label, rule, overrides, expected] of rows) {
    assert.equal(ruleAllows(rule, res(overrides)), expected, label);
  }
});

Deno.test("ruleAllows: non-resource rules, table", () => {
  const rows: Array<[string[], string, string, boolean]> = [
    [["/healthz"], "get", "/healthz", true],
    [["/healthz"], "get", "/healthz/etcd", false],
    [["/healthz"], "post", "/healthz", false],
    [["/healthz/*"], "get", "/healthz/etcd", true],
    [["/healthz/*"], "get", "/healthz", false],
    [["/healthz*"], "get", "/healthz", true],
    [["/healthz**"], "get", "/healthzzz", true],
    [["/apis/*"], "get", "/apis/example.com/v1", true],
    [["*"], "get", "/anything", true],
    [["/metrics"], "get", "/metrics/", false],
  ];
  for (const [urls, verb, path, expected] of rows) {
    const rule: PolicyRule = { verbs: ["get"], nonResourceURLs: urls };
    assert.equal(ruleAllows(rule, nonRes(path, verb)), expected, `${urls} ${verb} ${path}`);
  }
  const resourceRule: PolicyRule = { apiGroups: ["*"], resources: ["*"], verbs: ["*"] };
  assert.equal(ruleAllows(resourceRule, nonRes("/healthz")), false);
});

Deno.test("ruleAllows: a `*` rule allows every resource request (property)", () => {
  const word = fc.stringMatching(/^[a-z][a-z0-9.-]{0,10}$/);
  fc.assert(
    fc.property(
      word,
      word,
      fc.constantFrom("", "status", "scale"),
      word,
      fc.constantFrom("", "t"),
      (verb, group, sub, resource, ns) => {
        const rule: PolicyRule = { apiGroups: ["*"], resources: ["*"], verbs: ["*"] };
        return ruleAllows(
          rule,
          res({ verb, apiGroup: group, subresource: sub, resource, namespace: ns }),
        );
      },
    ),
  );
});

// ---------------------------------------------------------------- the authorizer

Deno.test("RuleAuthorizer: rules by user and by group", () => {
  const authz = new RuleAuthorizer({
    alice: [{ apiGroups: ["example.com"], resources: ["widgets"], verbs: ["get", "list"] }],
    devs: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"], namespaces: ["t"] }],
  });
  assert.equal(authz.authorize(res()).allowed, true);
  assert.match(authz.authorize(res()).reason ?? "", /User "alice"/);
  assert.equal(authz.authorize(res({ user: { username: "bob", groups: [] } })).allowed, false);
  const dev: UserInfo = { username: "bob", groups: ["devs", ALL_AUTHENTICATED] };
  const secret = res({ user: dev, verb: "get", apiGroup: "", resource: "secrets", name: "s" });
  assert.deepEqual(authz.authorize(secret), {
    allowed: true,
    reason: 'RBAC: allowed by rules of Group "devs"',
  });
  assert.deepEqual(authz.authorize({ ...secret, namespace: "kube-system" }), { allowed: false });
});

Deno.test("RuleAuthorizer: system:masters may do everything", () => {
  const authz = new RuleAuthorizer();
  const admin: UserInfo = { username: "admin", groups: ["system:masters"] };
  assert.equal(authz.authorize(res({ user: admin, verb: "deletecollection" })).allowed, true);
  assert.equal(authz.authorize(nonRes("/metrics", "get", admin)).allowed, true);
  assert.equal(authz.authorize(res()).allowed, false);
});

Deno.test("RuleAuthorizer: bootstrap policy opens discovery to authenticated users only", () => {
  const authz = new RuleAuthorizer();
  for (
    const path of [
      "/version",
      "/api",
      "/api/v1",
      "/apis",
      "/apis/example.com/v1",
      "/openapi/v3",
      "/openapi/v3/apis/example.com/v1",
      "/healthz",
      "/readyz",
      "/livez",
    ]
  ) {
    assert.equal(authz.authorize(nonRes(path)).allowed, true, path);
  }
  assert.equal(authz.authorize(nonRes("/metrics")).allowed, false);
  assert.equal(authz.authorize(nonRes("/version", "post")).allowed, false);
  const anon = anonymousUser();
  assert.equal(authz.authorize(nonRes("/version", "get", anon)).allowed, true);
  assert.equal(authz.authorize(nonRes("/healthz", "get", anon)).allowed, true);
  assert.equal(authz.authorize(nonRes("/apis", "get", anon)).allowed, false);
  const ssar = res({
    verb: "create",
    apiGroup: "authorization.k8s.io",
    resource: "selfsubjectaccessreviews",
    namespace: "",
  });
  assert.equal(authz.authorize(ssar).allowed, true);

  const bare = new RuleAuthorizer({}, { bootstrapPolicy: false });
  assert.equal(bare.authorize(nonRes("/version")).allowed, false);
});

Deno.test("RuleAuthorizer validates rules like RBAC does", () => {
  const cases: Array<[PolicyRule, RegExp]> = [
    [{ verbs: [], apiGroups: [""], resources: ["pods"] }, /verbs must contain at least one value/],
    [{ verbs: ["get"], resources: ["pods"] }, /at least one api group/],
    [{ verbs: ["get"], apiGroups: [""] }, /at least one resource/],
    [{ verbs: ["get"], nonResourceURLs: ["/x"], resources: ["pods"] }, /both regular resources/],
    [{ verbs: ["get"], nonResourceURLs: ["/x"], namespaces: ["t"] }, /namespaced rules/],
  ];
  for (const [rule, message] of cases) {
    assert.throws(() => new RuleAuthorizer({ alice: [rule] }), message);
  }
  assert.throws(
    () => new RuleAuthorizer({ alice: [{ verbs: ["get"] }] }),
    /rules for "alice"\[0\]/,
  );
});

// ---------------------------------------------------------------- 403 messages

Deno.test("forbiddenMessage: spec §8 and §15.2 AU2/AU3 texts", () => {
  const u = { username: "system:serviceaccount:t:issuer", groups: [ALL_AUTHENTICATED] };
  assert.equal(
    forbiddenMessage(res({ user: u })),
    'widgets.example.com is forbidden: User "system:serviceaccount:t:issuer" cannot list resource "widgets" in API group "example.com" in the namespace "t"',
  );
  assert.equal(
    forbiddenMessage(res({ verb: "patch", subresource: "status", name: "w1" })),
    'widgets.example.com "w1" is forbidden: User "alice" cannot patch resource "widgets/status" in API group "example.com" in the namespace "t"',
  );
  assert.equal(
    forbiddenMessage(
      res({ verb: "get", apiGroup: "", resource: "namespaces", namespace: "", name: "t" }),
    ),
    'namespaces "t" is forbidden: User "alice" cannot get resource "namespaces" in API group "" at the cluster scope',
  );
  assert.equal(
    forbiddenMessage(
      res({
        verb: "list",
        apiGroup: "certificates.k8s.io",
        resource: "certificatesigningrequests",
        namespace: "",
      }),
    ),
    'certificatesigningrequests.certificates.k8s.io is forbidden: User "alice" cannot list resource "certificatesigningrequests" in API group "certificates.k8s.io" at the cluster scope',
  );
  assert.equal(forbiddenMessage(nonRes("/x")), 'forbidden: User "alice" cannot get path "/x"');
  assert.equal(
    forbiddenMessage(nonRes("/a<b>&c", "get", { username: "<u>", groups: [] })),
    'forbidden: User "&lt;u&gt;" cannot get path "/a&lt;b&gt;&amp;c"',
  );
  assert.equal(forbiddenMessage(res(), "RBAC: why"), `${forbiddenMessage(res())}: RBAC: why`);
});

Deno.test("forbiddenError: 403 Status with details", () => {
  const err = forbiddenError(res({ verb: "patch", subresource: "status", name: "w1" }));
  assert.equal(err.code, 403);
  assert.equal(err.status.reason, "Forbidden");
  assert.deepEqual(err.status.details, { name: "w1", group: "example.com", kind: "widgets" });
  assert.deepEqual(forbiddenError(res()).status.details, { group: "example.com", kind: "widgets" });
  assert.deepEqual(
    forbiddenError(res({ apiGroup: "", resource: "secrets" })).status.details,
    { kind: "secrets" },
  );
  const path = forbiddenError(nonRes("/metrics"));
  assert.equal(path.status.message, 'forbidden: User "alice" cannot get path "/metrics"');
  // A real server sends `"details": {}` for non-resource paths (tests/conformance/auth_test.ts).
  assert.deepEqual(path.status.details, {});
});

// ---------------------------------------------------------------- CSR signers

Deno.test("authorizedForSigner: exact signer name, then the domain wildcard", () => {
  const signers = (names: string[], verbs = ["sign"]): PolicyRule => ({
    apiGroups: ["certificates.k8s.io"],
    resources: ["signers"],
    verbs,
    resourceNames: names,
  });
  const exact = new RuleAuthorizer({ alice: [signers(["example.com/ca"])] });
  assert.equal(authorizedForSigner(exact, ALICE, "sign", "example.com/ca"), true);
  assert.equal(authorizedForSigner(exact, ALICE, "sign", "example.com/other"), false);
  assert.equal(authorizedForSigner(exact, ALICE, "approve", "example.com/ca"), false);
  const domain = new RuleAuthorizer({ alice: [signers(["example.com/*"], ["approve"])] });
  assert.equal(authorizedForSigner(domain, ALICE, "approve", "example.com/anything"), true);
  assert.equal(authorizedForSigner(domain, ALICE, "approve", "other.io/x"), false);
  const any = new RuleAuthorizer({ alice: [{ ...signers([]), resourceNames: [] }] });
  assert.equal(authorizedForSigner(any, ALICE, "sign", "x.io/y"), true);
  // Namespaced grants never apply: signers are cluster-scoped.
  const namespaced = new RuleAuthorizer({
    alice: [{ ...signers(["example.com/ca"]), namespaces: ["t"] }],
  });
  assert.equal(authorizedForSigner(namespaced, ALICE, "sign", "example.com/ca"), false);
});

Deno.test("signerForbiddenError: the admission plugins' 403", () => {
  const sign = signerForbiddenError("csr", "sign", "example.com/x");
  assert.equal(sign.code, 403);
  assert.equal(
    sign.status.message,
    'certificatesigningrequests.certificates.k8s.io "csr" is forbidden: user not permitted to sign requests with signerName "example.com/x"',
  );
  assert.deepEqual(sign.status.details, {
    name: "csr",
    group: "certificates.k8s.io",
    kind: "certificatesigningrequests",
  });
  assert.match(
    signerForbiddenError("c", "approve", "a.io/b").status.message ?? "",
    /user not permitted to approve requests with signerName "a\.io\/b"$/,
  );
});

// ---------------------------------------------------------------- access reviews

Deno.test("subjectAccessReview: the issuer's `reference signers` check", () => {
  const authz = new RuleAuthorizer({
    "system:serviceaccount:cert-manager:cert-manager": [{
      apiGroups: ["cert-manager.io"],
      resources: ["signers"],
      verbs: ["reference"],
      resourceNames: ["issuers.example.com/t.my-issuer"],
    }],
  });
  const spec = {
    user: "system:serviceaccount:cert-manager:cert-manager",
    groups: ["system:serviceaccounts", "system:authenticated"],
    resourceAttributes: {
      group: "cert-manager.io",
      resource: "signers",
      verb: "reference",
      name: "issuers.example.com/t.my-issuer",
      namespace: "t",
    },
  };
  const allowed = subjectAccessReview(authz, spec);
  assert.equal(allowed.allowed, true);
  assert.equal(allowed.denied, undefined);
  assert.deepEqual(
    subjectAccessReview(authz, {
      ...spec,
      resourceAttributes: { ...spec.resourceAttributes, name: "x" },
    }),
    { allowed: false },
  );
  assert.deepEqual(
    subjectAccessReview(authz, { groups: ["system:masters"], resourceAttributes: {} }),
    {
      allowed: true,
    },
  );
  // The groups are taken as given: no system:authenticated is added.
  assert.equal(
    subjectAccessReview(authz, {
      user: "x",
      nonResourceAttributes: { path: "/version", verb: "get" },
    }).allowed,
    false,
  );
  assert.equal(
    subjectAccessReview(authz, {
      user: "x",
      groups: [ALL_AUTHENTICATED],
      nonResourceAttributes: { path: "/version", verb: "get" },
    }).allowed,
    true,
  );
});

Deno.test("selfSubjectAccessReview evaluates for the requesting user", () => {
  const authz = new RuleAuthorizer({
    alice: [{ apiGroups: ["example.com"], resources: ["widgets/status"], verbs: ["patch"] }],
  });
  const spec = {
    resourceAttributes: {
      group: "example.com",
      resource: "widgets",
      subresource: "status",
      verb: "patch",
      namespace: "t",
    },
  };
  assert.equal(selfSubjectAccessReview(authz, ALICE, spec).allowed, true);
  assert.equal(
    selfSubjectAccessReview(authz, { username: "bob", groups: [] }, spec).allowed,
    false,
  );
});

Deno.test("accessReviewAttributes: empty version means all versions", () => {
  const attrs = accessReviewAttributes(ALICE, {
    resourceAttributes: { verb: "get", resource: "pods" },
  });
  assert.deepEqual(attrs, {
    user: ALICE,
    resourceRequest: true,
    path: "",
    verb: "get",
    apiGroup: "",
    apiVersion: "*",
    resource: "pods",
    subresource: "",
    namespace: "",
    name: "",
  });
  const path = accessReviewAttributes(ALICE, {
    nonResourceAttributes: { path: "/x", verb: "get" },
  });
  assert.equal(path.resourceRequest, false);
  assert.equal(path.path, "/x");
});

Deno.test("validateAccessReviewSpec: kube's validation errors", () => {
  assert.deepEqual(validateAccessReviewSpec({ user: "u", resourceAttributes: {} }), []);
  assert.deepEqual(validateAccessReviewSpec({ resourceAttributes: {} }, true), []);
  const none = validateAccessReviewSpec({});
  assert.deepEqual(none.map((e) => `${e.field}: ${fieldErrorBody(e)}`), [
    'spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
    'spec.user: Invalid value: "": at least one of user or group must be specified',
  ]);
  const both = validateAccessReviewSpec(
    { groups: ["g"], resourceAttributes: {}, nonResourceAttributes: { path: "/x" } },
  );
  assert.deepEqual(both.map((e) => e.field), ["spec.nonResourceAttributes"]);
  assert.match(
    invalid("SubjectAccessReview", "authorization.k8s.io", "", none).status.message ?? "",
    /^SubjectAccessReview\.authorization\.k8s\.io "" is invalid: \[spec\.resourceAttributes: /,
  );
});
