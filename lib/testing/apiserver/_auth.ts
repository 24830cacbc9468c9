/**
 * Authentication and authorization for the fake API server (spec §13): a static bearer
 * token table, an RBAC-like rule authorizer with Kubernetes RBAC matching semantics, the
 * 403 messages of `responsewriters.Forbidden`, SubjectAccessReview evaluation and the
 * CertificateSigningRequest signer checks of the `certificates` admission plugins.
 *
 * @module
 */
import type { JsonValue } from "../../core/json.ts";
import type { FieldError, RequestAttributes, UserInfo } from "./_types.ts";
import { forbidden, StatusError } from "./_errors.ts";

/** Group every authenticated user belongs to. */
export const ALL_AUTHENTICATED = "system:authenticated";
/** Group of the anonymous user. */
export const ALL_UNAUTHENTICATED = "system:unauthenticated";
/** The anonymous user's name. */
export const ANONYMOUS = "system:anonymous";
/** The group the API server allows everything (`user.SystemPrivilegedGroup`). */
export const SYSTEM_MASTERS = "system:masters";

/** The anonymous user: `system:anonymous` in group `system:unauthenticated`. */
export function anonymousUser(): UserInfo {
  return { username: ANONYMOUS, groups: [ALL_UNAUTHENTICATED] };
}

/**
 * The user a service account's token authenticates as.
 *
 * @param namespace The service account's namespace.
 * @param name The service account's name.
 * @returns `system:serviceaccount:<ns>:<name>` with the service-account groups.
 */
export function serviceAccountUser(namespace: string, name: string): UserInfo {
  return {
    username: `system:serviceaccount:${namespace}:${name}`,
    groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, ALL_AUTHENTICATED],
  };
}

/** Options of {@linkcode TokenAuthenticator}. */
export interface TokenAuthenticatorOptions {
  /** Let requests without credentials through as `system:anonymous`. Default `false`. */
  anonymous?: boolean;
}

/**
 * Authenticates `Authorization: Bearer <token>` against a static token table, like
 * kube-apiserver's `--token-auth-file` followed by the authenticated-group adder.
 */
export class TokenAuthenticator {
  readonly #tokens = new Map<string, UserInfo>();
  readonly #anonymous: boolean;

  /**
   * Creates an authenticator from a token table.
   *
   * @param tokens The token table: token → user.
   * @param options Whether anonymous requests are allowed.
   */
  constructor(
    tokens: Record<string, UserInfo> | Map<string, UserInfo> = {},
    options: TokenAuthenticatorOptions = {},
  ) {
    const entries = tokens instanceof Map ? tokens.entries() : Object.entries(tokens);
    for (const [token, user] of entries) this.add(token, user);
    this.#anonymous = options.anonymous ?? false;
  }

  /**
   * Adds or replaces a token.
   *
   * @param token The bearer token (non-empty, no spaces).
   * @param user The user the token authenticates as.
   */
  add(token: string, user: UserInfo): void {
    if (token === "" || /\s/.test(token)) {
      throw new TypeError(`TokenAuthenticator: invalid token ${JSON.stringify(token)}`);
    }
    this.#tokens.set(token, user);
  }

  /**
   * Authenticates a request by its headers.
   *
   * A known token yields its user with `system:authenticated` added. A request without
   * bearer credentials yields `"anonymous"` when anonymous access is allowed (run it as
   * {@linkcode anonymousUser}), else `"unauthorized"`. An unknown token is always
   * `"unauthorized"`: the real server fails on a bad token before trying anonymous.
   *
   * @param headers The request headers.
   * @returns The user, `"anonymous"`, or `"unauthorized"` (answer 401).
   */
  authenticate(headers: Headers): UserInfo | "unauthorized" | "anonymous" {
    const token = bearerToken(headers.get("authorization"));
    if (token === undefined) return this.#anonymous ? "anonymous" : "unauthorized";
    const user = this.#tokens.get(token);
    return user ? withAuthenticatedGroup(user) : "unauthorized";
  }
}

/** The token of an `Authorization: Bearer <token>` header, parsed like `bearertoken.go`. */
function bearerToken(header: string | null): string | undefined {
  const auth = (header ?? "").trim();
  if (auth === "") return undefined;
  const parts = auth.split(" ");
  if (parts.length < 2 || parts[0]?.toLowerCase() !== "bearer") return undefined;
  const token = parts[1] ?? "";
  return token === "" ? undefined : token;
}

function withAuthenticatedGroup(user: UserInfo): UserInfo {
  const copy: UserInfo = { ...user, groups: [...user.groups] };
  if (
    user.username !== ANONYMOUS &&
    !user.groups.includes(ALL_AUTHENTICATED) && !user.groups.includes(ALL_UNAUTHENTICATED)
  ) {
    copy.groups.push(ALL_AUTHENTICATED);
  }
  return copy;
}

/**
 * One RBAC policy rule. Resource rules need `apiGroups` and `resources`; non-resource
 * rules have only `verbs` and `nonResourceURLs`. `namespaces` scopes a resource rule like a
 * RoleBinding does; without it the rule holds in every namespace and at cluster scope.
 */
export interface PolicyRule {
  /** API groups (`""` is core, `*` all). */
  apiGroups?: string[];
  /** Resources such as `widgets`, `widgets/status`, `*` or `*\/status`. */
  resources?: string[];
  /** Verbs such as `get` (or `*`). */
  verbs: string[];
  /** Object names; when set the rule never matches requests without a name. */
  resourceNames?: string[];
  /** Non-resource paths such as `/healthz` or `/apis/*`. */
  nonResourceURLs?: string[];
  /** Namespaces the rule holds in; absent means everywhere, cluster scope included. */
  namespaces?: string[];
}

/** An authorization decision. */
export interface Decision {
  /** Whether the request may proceed. */
  allowed: boolean;
  /** An explicit denial (no other authorizer may allow). */
  denied?: boolean;
  /** Why, for SubjectAccessReview `status.reason`. */
  reason?: string;
}

/** Decides whether request attributes are allowed. */
export interface Authorizer {
  /** Decides on one request. */
  authorize(attrs: RequestAttributes): Decision;
}

/** The rules kube-apiserver's bootstrap policy grants by group (discovery, basic user). */
export const BOOTSTRAP_RULES: Readonly<Record<string, readonly PolicyRule[]>> = {
  [ALL_AUTHENTICATED]: [
    {
      // system:discovery
      verbs: ["get"],
      nonResourceURLs: [
        "/api",
        "/api/*",
        "/apis",
        "/apis/*",
        "/healthz",
        "/livez",
        "/openapi",
        "/openapi/*",
        "/readyz",
        "/version",
        "/version/",
      ],
    },
    {
      // system:basic-user
      apiGroups: ["authorization.k8s.io"],
      resources: ["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
      verbs: ["create"],
    },
    { apiGroups: ["authentication.k8s.io"], resources: ["selfsubjectreviews"], verbs: ["create"] },
  ],
  [ALL_UNAUTHENTICATED]: [
    // system:public-info-viewer
    { verbs: ["get"], nonResourceURLs: ["/healthz", "/livez", "/readyz", "/version", "/version/"] },
  ],
};

/** Options of {@linkcode RuleAuthorizer}. */
export interface RuleAuthorizerOptions {
  /** Add {@linkcode BOOTSTRAP_RULES} (discovery for everyone). Default `true`. */
  bootstrapPolicy?: boolean;
}

/**
 * An RBAC-like authorizer: rules keyed by user name or group name; a request is allowed
 * when any rule of its user or of one of its groups matches (see {@linkcode ruleAllows}).
 * Members of `system:masters` may do everything.
 */
export class RuleAuthorizer implements Authorizer {
  readonly #rules = new Map<string, PolicyRule[]>();

  /**
   * Creates an authorizer from rules by user or group.
   *
   * @param rules Rules by user or group name.
   * @param options Whether the bootstrap discovery rules apply.
   * @throws {TypeError} For a rule Kubernetes RBAC validation would reject.
   */
  constructor(
    rules: Record<string, PolicyRule[]> | Map<string, PolicyRule[]> = {},
    options: RuleAuthorizerOptions = {},
  ) {
    if (options.bootstrapPolicy ?? true) {
      for (const [subject, list] of Object.entries(BOOTSTRAP_RULES)) this.add(subject, list);
    }
    const entries = rules instanceof Map ? rules.entries() : Object.entries(rules);
    for (const [subject, list] of entries) this.add(subject, list);
  }

  /**
   * Grants more rules to a user or group.
   *
   * @param subject A user name or group name.
   * @param rules The rules to add.
   */
  add(subject: string, rules: readonly PolicyRule[]): void {
    rules.forEach((rule, i) => validateRule(rule, `rules for ${JSON.stringify(subject)}[${i}]`));
    const list = this.#rules.get(subject) ?? [];
    list.push(...rules);
    this.#rules.set(subject, list);
  }

  /** Decides on one request; see the class summary. */
  authorize(attrs: RequestAttributes): Decision {
    const { username, groups } = attrs.user;
    if (groups.includes(SYSTEM_MASTERS)) return { allowed: true };
    const subjects: Array<[string, string]> = [
      ["User", username],
      ...groups.map((g) => ["Group", g] as [string, string]),
    ];
    for (const [kind, subject] of subjects) {
      const rules = this.#rules.get(subject);
      if (rules?.some((rule) => ruleAllows(rule, attrs))) {
        return {
          allowed: true,
          reason: `RBAC: allowed by rules of ${kind} ${JSON.stringify(subject)}`,
        };
      }
    }
    return { allowed: false };
  }
}

function validateRule(rule: PolicyRule, where: string): void {
  const fail = (detail: string) => {
    throw new TypeError(`RuleAuthorizer: ${where}: ${detail}`);
  };
  if (rule.verbs.length === 0) fail("verbs must contain at least one value");
  if (rule.nonResourceURLs && rule.nonResourceURLs.length > 0) {
    if (rule.namespaces) fail("namespaced rules cannot apply to non-resource URLs");
    if (rule.apiGroups?.length || rule.resources?.length || rule.resourceNames?.length) {
      fail("rules cannot apply to both regular resources and non-resource URLs");
    }
    return;
  }
  if (!rule.apiGroups?.length) fail("resource rules must supply at least one api group");
  if (!rule.resources?.length) fail("resource rules must supply at least one resource");
}

/**
 * Tells whether one rule allows a request, exactly like RBAC's `RuleAllows`: verb, API
 * group, resource (`resource/subresource`, `*`, `*\/subresource`) and resource name must
 * all match for resource requests; verb and path (exact, `*`, or a `prefix*`) for the rest.
 * `namespaces`, when present, must contain the request's namespace.
 *
 * @param rule The rule.
 * @param attrs The request attributes.
 * @returns `true` if the rule matches.
 */
export function ruleAllows(rule: PolicyRule, attrs: RequestAttributes): boolean {
  if (!rule.verbs.some((v) => v === "*" || v === attrs.verb)) return false;
  if (!attrs.resourceRequest) {
    if (rule.namespaces) return false;
    return (rule.nonResourceURLs ?? []).some((url) =>
      url === "*" || url === attrs.path ||
      (url.endsWith("*") && attrs.path.startsWith(url.replace(/\*+$/, "")))
    );
  }
  if (rule.namespaces && !rule.namespaces.includes(attrs.namespace)) return false;
  if (!(rule.apiGroups ?? []).some((g) => g === "*" || g === attrs.apiGroup)) return false;
  const sub = attrs.subresource;
  const combined = sub ? `${attrs.resource}/${sub}` : attrs.resource;
  const resourceMatches = (rule.resources ?? []).some((r) =>
    r === "*" || r === combined || (sub !== "" && r === `*/${sub}`)
  );
  if (!resourceMatches) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(attrs.name);
}

const SANITIZE: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };

/** The authorizer's part of a 403 message (`User "u" cannot …`), HTML-sanitized. */
function deniedText(attrs: RequestAttributes): string {
  const user = JSON.stringify(attrs.user.username);
  let text: string;
  if (!attrs.resourceRequest) {
    text = `User ${user} cannot ${attrs.verb} path ${JSON.stringify(attrs.path)}`;
  } else {
    const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
    const where = attrs.namespace
      ? `in the namespace ${JSON.stringify(attrs.namespace)}`
      : "at the cluster scope";
    text = `User ${user} cannot ${attrs.verb} resource ${JSON.stringify(resource)} in API group ${
      JSON.stringify(attrs.apiGroup)
    } ${where}`;
  }
  return text.replace(/[&<>]/g, (c) => SANITIZE[c] ?? c);
}

/**
 * The message of the 403 the server answers when authorization denies a request, as
 * `responsewriters.Forbidden` + `NewForbidden` build it, e.g.
 * `widgets.example.com is forbidden: User "u" cannot list resource "widgets" in API group
 * "example.com" in the namespace "t"` or `forbidden: User "u" cannot get path "/x"`.
 *
 * @param attrs The denied request.
 * @param reason The authorizer's reason, appended after `: ` when non-empty.
 * @returns The Status message.
 */
export function forbiddenMessage(attrs: RequestAttributes, reason = ""): string {
  const text = reason ? `${deniedText(attrs)}: ${reason}` : deniedText(attrs);
  if (!hasQualifiedResource(attrs)) return `forbidden: ${text}`;
  const qr = attrs.apiGroup ? `${attrs.resource}.${attrs.apiGroup}` : attrs.resource;
  return attrs.name
    ? `${qr} ${JSON.stringify(attrs.name)} is forbidden: ${text}`
    : `${qr} is forbidden: ${text}`;
}

/** Non-resource requests carry an empty group and resource (`GroupResource.Empty()`). */
function hasQualifiedResource(attrs: RequestAttributes): boolean {
  return attrs.resourceRequest && (attrs.resource !== "" || attrs.apiGroup !== "");
}

/**
 * The 403 `Forbidden` error for a denied request, with details `{name?, group, kind}`.
 *
 * @param attrs The denied request.
 * @param reason The authorizer's reason, if any.
 * @returns The error to answer with.
 */
export function forbiddenError(attrs: RequestAttributes, reason = ""): StatusError {
  const message = forbiddenMessage(attrs, reason);
  if (!hasQualifiedResource(attrs)) {
    // NewForbidden with an empty GroupResource: `details` is there, with nothing in it.
    const { code, ...status } = forbidden(message).status;
    return new StatusError({ ...status, details: {}, code: code ?? 403 });
  }
  return forbidden(message, { group: attrs.apiGroup, resource: attrs.resource }, attrs.name);
}

/**
 * Tells whether a user may `sign` or `approve` CertificateSigningRequests of a signer,
 * like the CSR admission plugins: verb on `signers` in `certificates.k8s.io` with
 * resourceName = the signer name, or else = `<domain>/*`.
 *
 * @param authorizer The authorizer.
 * @param user The requesting user.
 * @param verb `sign` (status changes) or `approve` (approval changes).
 * @param signerName The CSR's `spec.signerName`, such as `example.com/ca`.
 * @returns `true` if allowed.
 */
export function authorizedForSigner(
  authorizer: Authorizer,
  user: UserInfo,
  verb: "sign" | "approve",
  signerName: string,
): boolean {
  const attrs = (name: string): RequestAttributes => ({
    user,
    resourceRequest: true,
    path: "",
    verb,
    apiGroup: "certificates.k8s.io",
    apiVersion: "*",
    resource: "signers",
    subresource: "",
    namespace: "",
    name,
  });
  if (authorizer.authorize(attrs(signerName)).allowed) return true;
  const domain = signerName.split("/")[0] ?? "";
  return authorizer.authorize(attrs(`${domain}/*`)).allowed;
}

/**
 * The 403 of the CSR admission plugins, e.g. `certificatesigningrequests.certificates.k8s.io
 * "csr" is forbidden: user not permitted to sign requests with signerName "example.com/x"`.
 *
 * @param csrName The CertificateSigningRequest's name.
 * @param verb `sign` or `approve`.
 * @param signerName The signer name.
 * @returns The error to answer with.
 */
export function signerForbiddenError(
  csrName: string,
  verb: "sign" | "approve",
  signerName: string,
): StatusError {
  const qr = { group: "certificates.k8s.io", resource: "certificatesigningrequests" };
  return forbidden(
    `certificatesigningrequests.certificates.k8s.io ${JSON.stringify(csrName)} is forbidden: ` +
      `user not permitted to ${verb} requests with signerName ${JSON.stringify(signerName)}`,
    qr,
    csrName,
  );
}

/** `spec.resourceAttributes` of an authorization.k8s.io/v1 access review. */
export interface ResourceAttributes {
  /** Namespace; empty for cluster scope (or all namespaces). */
  namespace?: string;
  /** Verb, such as `get` or `sign`. */
  verb?: string;
  /** API group; empty for core. */
  group?: string;
  /** API version; empty means all (`*`). */
  version?: string;
  /** Plural resource name. */
  resource?: string;
  /** Subresource, such as `status`. */
  subresource?: string;
  /** Object name; empty means all. */
  name?: string;
}

/** `spec.nonResourceAttributes` of an access review. */
export interface NonResourceAttributes {
  /** URL path, such as `/healthz`. */
  path?: string;
  /** Lower-case HTTP method, such as `get`. */
  verb?: string;
}

/** The `spec` of a SelfSubjectAccessReview. */
export interface SelfSubjectAccessReviewSpec {
  /** A resource request to check (exclusive with `nonResourceAttributes`). */
  resourceAttributes?: ResourceAttributes;
  /** A non-resource request to check. */
  nonResourceAttributes?: NonResourceAttributes;
}

/** The `spec` of a SubjectAccessReview. */
export interface SubjectAccessReviewSpec extends SelfSubjectAccessReviewSpec {
  /** The user name to check. */
  user?: string;
  /** The groups to check, taken as given. */
  groups?: string[];
  /** The user's UID. */
  uid?: string;
  /** The user's extra attributes. */
  extra?: Record<string, string[]>;
}

/** The `status` of an access review. */
export interface SubjectAccessReviewStatus {
  /** Whether the request would be allowed. */
  allowed: boolean;
  /** Whether an authorizer explicitly denied it; omitted otherwise. */
  denied?: boolean;
  /** Why; omitted when empty. */
  reason?: string;
}

/**
 * Validates a SubjectAccessReview (or, with `self`, a SelfSubjectAccessReview) spec like
 * `ValidateSubjectAccessReviewSpec`. A non-empty result is answered with 422 Invalid
 * (kind `SubjectAccessReview`, group `authorization.k8s.io`, name `""`).
 *
 * @param spec The review spec.
 * @param self `true` for a SelfSubjectAccessReview (no user required).
 * @returns The field errors, empty when valid.
 */
export function validateAccessReviewSpec(
  spec: SubjectAccessReviewSpec,
  self = false,
): FieldError[] {
  const errors: FieldError[] = [];
  const hasResource = spec.resourceAttributes !== undefined;
  const hasNonResource = spec.nonResourceAttributes !== undefined;
  if (hasResource && hasNonResource) {
    errors.push({
      type: "FieldValueInvalid",
      field: "spec.nonResourceAttributes",
      value: spec.nonResourceAttributes as JsonValue,
      detail: "cannot be specified in combination with resourceAttributes",
    });
  }
  if (!hasResource && !hasNonResource) {
    errors.push({
      type: "FieldValueInvalid",
      field: "spec.resourceAttributes",
      value: "null", // Go renders the nil pointer as the string "null"
      detail: "exactly one of nonResourceAttributes or resourceAttributes must be specified",
    });
  }
  if (!self && !spec.user && !(spec.groups?.length)) {
    errors.push({
      type: "FieldValueInvalid",
      field: "spec.user",
      value: "",
      detail: "at least one of user or group must be specified",
    });
  }
  return errors;
}

/**
 * The request attributes an access review asks about (`AuthorizationAttributesFrom`): an
 * empty version means all versions (`*`).
 *
 * @param user The user to check.
 * @param spec The review spec (one of resource or non-resource attributes set).
 * @returns The attributes to authorize.
 */
export function accessReviewAttributes(
  user: UserInfo,
  spec: SelfSubjectAccessReviewSpec,
): RequestAttributes {
  const r = spec.resourceAttributes;
  if (r) {
    return {
      user,
      resourceRequest: true,
      path: "",
      verb: r.verb ?? "",
      apiGroup: r.group ?? "",
      apiVersion: r.version || "*",
      resource: r.resource ?? "",
      subresource: r.subresource ?? "",
      namespace: r.namespace ?? "",
      name: r.name ?? "",
    };
  }
  const n = spec.nonResourceAttributes ?? {};
  return {
    user,
    resourceRequest: false,
    path: n.path ?? "",
    verb: n.verb ?? "",
    apiGroup: "",
    apiVersion: "",
    resource: "",
    subresource: "",
    namespace: "",
    name: "",
  };
}

function reviewStatus(decision: Decision): SubjectAccessReviewStatus {
  const status: SubjectAccessReviewStatus = { allowed: decision.allowed };
  if (decision.denied) status.denied = true;
  if (decision.reason) status.reason = decision.reason;
  return status;
}

/**
 * Answers a SubjectAccessReview: evaluates the spec's attributes for the spec's user and
 * groups (exactly as given; no `system:authenticated` is added). Validate the spec first
 * with {@linkcode validateAccessReviewSpec}.
 *
 * @param authorizer The authorizer.
 * @param spec The review spec.
 * @returns The review status.
 */
export function subjectAccessReview(
  authorizer: Authorizer,
  spec: SubjectAccessReviewSpec,
): SubjectAccessReviewStatus {
  const user: UserInfo = { username: spec.user ?? "", groups: [...(spec.groups ?? [])] };
  if (spec.uid) user.uid = spec.uid;
  if (spec.extra) user.extra = spec.extra;
  return reviewStatus(authorizer.authorize(accessReviewAttributes(user, spec)));
}

/**
 * Answers a SelfSubjectAccessReview: evaluates the spec's attributes for the requesting
 * user.
 *
 * @param authorizer The authorizer.
 * @param user The authenticated requesting user.
 * @param spec The review spec.
 * @returns The review status.
 */
export function selfSubjectAccessReview(
  authorizer: Authorizer,
  user: UserInfo,
  spec: SelfSubjectAccessReviewSpec,
): SubjectAccessReviewStatus {
  return reviewStatus(authorizer.authorize(accessReviewAttributes(user, spec)));
}
