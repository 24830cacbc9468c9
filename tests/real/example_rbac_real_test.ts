/**
 * Every rule of `examples/simple/deploy/rbac.yaml` is necessary (issue 8): on one real
 * kube-apiserver, each case takes one permission box out of a role (a whole rule, or one
 * verb, resource or resource name of it), waits until the authorizer answers the change
 * (SubjectAccessReviews, no sleeping), runs the example issuer as its ServiceAccount, and
 * asserts the specific failure a cluster operator would see: the 403 in the issuer's log
 * naming the verb and resource, an issuer or request that does not become Ready, a CSR
 * without a certificate, an Event not recorded or not counted, a Lease not acquired. A
 * baseline with the whole RBAC shows each of those working, and a coverage check fails
 * when rbac.yaml grants a permission that no case takes away.
 *
 * cert-manager's approver ClusterRole is used by cert-manager (not running here): its
 * cases ask the SubjectAccessReview cert-manager's approval check makes.
 *
 * Skipped when tests/real/bin has no binaries (or kubectl/openssl is missing), unless
 * REAL_APISERVER_REQUIRED=1 (then it fails and says to run tests/real/build.sh).
 *
 * @module
 */
import { strict as assert } from "node:assert";
import { stringify as stringifyYaml } from "yaml";
import { startExample, terminate } from "../_support/deno_process.ts";
import {
  describeRemoval,
  describeRule,
  parseRbac,
  permissions,
  type Removal,
  removes,
  subtract,
} from "../e2e/_rbac_rules.ts";
import { READY } from "../e2e/_scenario.ts";
import { KEY_ALGORITHMS, makeCa, makeCsr, REPO } from "../_support/kubectl_tools.ts";
import {
  adminKubectl,
  DEPLOY_NAMESPACE,
  exampleArgs,
  IGNORE_NOTE,
  installExample,
  issuerKubeconfig,
  LEASE,
  requireTools,
} from "./_example_cluster.ts";
import {
  allowed,
  APPROVER_ROLE,
  type CaseContext,
  caseContext,
  CLUSTER_SIGNER,
  forbidden,
  GROUP,
  ISSUER_ROLE,
  LEASE_ROLE,
  mayApprove,
  NAMESPACED_SIGNER,
  NS,
  running,
  type RunningContext,
} from "./_example_rbac_context.ts";
import { type RealCluster, startRealCluster } from "./real_cluster.ts";

const RBAC_FILE = `${REPO}examples/simple/deploy/rbac.yaml`;
/** An annotation the issuer warns about with an Event on every reconcile. */
const INVALID_RETRY_ANNOTATION = { "issuer-lib.certkit.dev/max-retry-duration": "soon" };

/** One proof: a permission box taken away, and what then fails. */
interface RbacCase {
  /** What is taken away. */
  removal: Removal;
  /** What an operator sees, for the step name. */
  failure: string;
  /** Prepares the cluster before the example starts. */
  before?: (ctx: CaseContext) => Promise<void>;
  /** Runs the smallest scenario that needs the permission and asserts the failure. */
  run?: (ctx: RunningContext) => Promise<void>;
  /** For the approver's role: the names cert-manager's approval check asks for (denied). */
  approvals?: readonly string[];
}

/** The issuer kinds' list or watch refused: their caches never sync; nothing is reconciled. */
function issuerCacheCase(verb: "list" | "watch"): RbacCase {
  const resources = ["simpleissuers", "simpleclusterissuers"];
  return {
    removal: { role: ISSUER_ROLE, group: GROUP, resources, verbs: [verb] },
    failure: `the log has "cannot ${verb}" for both issuer kinds` +
      (verb === "list" ? "; no issuer is reconciled" : ""),
    before: (ctx) => ctx.issuers(),
    run: async (ctx) => {
      for (const resource of resources) await ctx.log(forbidden(verb, resource, GROUP));
      if (verb === "list") {
        // Refused again after the issuers existed: not even they got a condition.
        await ctx.logAgain(forbidden(verb, resources[0]!, GROUP));
        assert.equal(await ctx.ready("simpleissuer", ctx.id, NS), "//");
        assert.equal(await ctx.ready("simpleclusterissuer", ctx.id), "//");
      }
    },
  };
}

/** A request kind's list or watch refused. */
function requestCacheCase(
  verb: "list" | "watch",
  kind: "CertificateRequest" | "CertificateSigningRequest",
): RbacCase {
  const [group, resource] = kind === "CertificateRequest"
    ? ["cert-manager.io", "certificaterequests"]
    : ["certificates.k8s.io", "certificatesigningrequests"];
  return {
    removal: { role: ISSUER_ROLE, group, resources: [resource], verbs: [verb] },
    failure: `the log has "cannot ${verb}" for ${resource}` +
      (verb === "list" ? `; an approved ${kind} is never signed` : ""),
    run: async (ctx) => {
      await ctx.log(forbidden(verb, resource, group));
      if (verb === "watch") return;
      await ctx.issuers();
      await ctx.issuersReady();
      if (kind === "CertificateRequest") await ctx.approvedRequest();
      else await ctx.approvedCsr(CLUSTER_SIGNER(ctx.id));
      // Refused again after the request was approved: its controller cannot see it.
      await ctx.logAgain(forbidden(verb, resource, group));
      if (kind === "CertificateRequest") {
        assert.equal(await ctx.ready("certificaterequest", ctx.id, NS), "//");
      } else {
        assert.equal(await ctx.csrCertificate(), "");
      }
    },
  };
}

/** A request kind's status patch refused: an approved request is never signed. */
function requestStatusCase(kind: "CertificateRequest" | "CertificateSigningRequest"): RbacCase {
  const [group, resource] = kind === "CertificateRequest"
    ? ["cert-manager.io", "certificaterequests/status"]
    : ["certificates.k8s.io", "certificatesigningrequests/status"];
  return {
    removal: { role: ISSUER_ROLE, group, resources: [resource], verbs: ["patch"] },
    failure: `an approved ${kind} never gets a status or certificate; the log has the 403`,
    run: async (ctx) => {
      await ctx.issuers();
      await ctx.issuersReady();
      if (kind === "CertificateRequest") await ctx.approvedRequest();
      else await ctx.approvedCsr(CLUSTER_SIGNER(ctx.id));
      await ctx.log(forbidden("patch", resource, group), `"${ctx.id}"`);
      if (kind === "CertificateRequest") {
        assert.equal(await ctx.ready("certificaterequest", ctx.id, NS), "//");
      } else {
        assert.equal(await ctx.csrCertificate(), "");
      }
    },
  };
}

/** One `sign` resource name refused: the API server refuses the CSR's certificate. */
function signerCase(plural: "simpleissuers" | "simpleclusterissuers"): RbacCase {
  return {
    removal: {
      role: ISSUER_ROLE,
      group: "certificates.k8s.io",
      resources: ["signers"],
      verbs: ["sign"],
      resourceNames: [`${plural}.${GROUP}/*`],
    },
    failure: `the API server refuses the certificate of a CSR for a ${plural} signer`,
    run: async (ctx) => {
      await ctx.issuers();
      await ctx.issuersReady();
      const signer = plural === "simpleissuers"
        ? NAMESPACED_SIGNER(ctx.id)
        : CLUSTER_SIGNER(ctx.id);
      await ctx.approvedCsr(signer);
      await ctx.log(`user not permitted to sign requests with signerName "${signer}"`);
      assert.equal(await ctx.csrCertificate(), "");
    },
  };
}

/** A lease verb refused: the issuer never leads, so it reconciles nothing. */
function leaseCase(verb: "create" | "get" | "update", why: string): RbacCase {
  return {
    removal: {
      role: LEASE_ROLE,
      group: "coordination.k8s.io",
      resources: ["leases"],
      verbs: [verb],
    },
    failure: `${why}, so it never leads: no issuer is reconciled`,
    before: async (ctx) => {
      if (verb === "create") {
        await ctx.admin.ok([
          "delete",
          "lease",
          LEASE,
          "-n",
          DEPLOY_NAMESPACE,
          "--ignore-not-found",
        ]);
      } else {
        // A released Lease, as a previous leader leaves it.
        await ctx.admin.ok(
          ["apply", "-f", "-"],
          stringifyYaml({
            apiVersion: "coordination.k8s.io/v1",
            kind: "Lease",
            metadata: { name: LEASE, namespace: DEPLOY_NAMESPACE },
            spec: { leaseDurationSeconds: 15 },
          }),
        );
      }
      await ctx.issuers();
    },
    run: async (ctx) => {
      await ctx.log(forbidden(verb, "leases", "coordination.k8s.io"));
      await ctx.logAgain(forbidden(verb, "leases", "coordination.k8s.io"));
      assert.equal(await ctx.ready("simpleissuer", ctx.id, NS), "//");
    },
  };
}

/** cert-manager's approver refused one kind's signer names. */
function approverCase(plural: "simpleissuers" | "simpleclusterissuers"): RbacCase {
  const issuer = plural === "simpleissuers" ? `${NS}.ca` : "ca";
  return {
    removal: {
      role: APPROVER_ROLE,
      group: "cert-manager.io",
      resources: ["signers"],
      verbs: ["approve"],
      resourceNames: [`${plural}.${GROUP}/*`],
    },
    failure: `cert-manager may not approve requests for ${plural}`,
    approvals: [`${plural}.${GROUP}/*`, `${plural}.${GROUP}/${issuer}`],
  };
}

const CASES: RbacCase[] = [
  issuerCacheCase("list"),
  issuerCacheCase("watch"),
  {
    removal: {
      role: ISSUER_ROLE,
      group: GROUP,
      resources: ["simpleissuers/status", "simpleclusterissuers/status"],
      verbs: ["patch"],
    },
    failure: "the issuers never get a Ready condition; the log has the 403 for each kind",
    before: (ctx) => ctx.issuers(),
    run: async (ctx) => {
      await ctx.log(forbidden("patch", "simpleissuers/status", GROUP), `"${ctx.id}"`);
      await ctx.log(forbidden("patch", "simpleclusterissuers/status", GROUP), `"${ctx.id}"`);
      assert.equal(await ctx.ready("simpleissuer", ctx.id, NS), "//");
      assert.equal(await ctx.ready("simpleclusterissuer", ctx.id), "//");
    },
  },
  requestCacheCase("list", "CertificateRequest"),
  requestCacheCase("watch", "CertificateRequest"),
  requestStatusCase("CertificateRequest"),
  requestCacheCase("list", "CertificateSigningRequest"),
  requestCacheCase("watch", "CertificateSigningRequest"),
  requestStatusCase("CertificateSigningRequest"),
  signerCase("simpleissuers"),
  signerCase("simpleclusterissuers"),
  {
    removal: {
      role: ISSUER_ROLE,
      group: "authorization.k8s.io",
      resources: ["subjectaccessreviews"],
      verbs: ["create"],
    },
    failure: "a CSR for a namespaced SimpleIssuer is not signed: its reference check is refused",
    run: async (ctx) => {
      await ctx.issuers();
      await ctx.issuersReady();
      await ctx.approvedCsr(NAMESPACED_SIGNER(ctx.id));
      await ctx.log(
        "failed to review the signer reference",
        forbidden("create", "subjectaccessreviews", "authorization.k8s.io"),
      );
      assert.equal(await ctx.csrCertificate(), "");
    },
  },
  {
    removal: {
      role: ISSUER_ROLE,
      group: "events.k8s.io",
      resources: ["events"],
      verbs: ["create"],
    },
    failure: "no Event is recorded (here: for an issuer whose Secret is missing)",
    run: async (ctx) => {
      await ctx.issuers({ secretName: "missing" });
      await ctx.log(
        "The API server refused the event",
        forbidden("create", "events", "events.k8s.io"),
        `in the namespace "${NS}"`,
        `${ctx.id}.`,
      );
      assert.match(await ctx.ready("simpleissuer", ctx.id, NS), /^False\/Pending\//);
      assert.deepEqual(await ctx.events(), []);
    },
  },
  {
    removal: { role: ISSUER_ROLE, group: "events.k8s.io", resources: ["events"], verbs: ["patch"] },
    failure: "a repeated Event is not counted: its series is never written",
    run: async (ctx) => {
      await ctx.issuers({ secretName: "missing", annotations: INVALID_RETRY_ANNOTATION });
      await ctx.log(
        "The API server refused the event",
        forbidden("patch", "events", "events.k8s.io"),
        `in the namespace "${NS}"`,
        `${ctx.id}.`,
      );
      // Each occurrence after the first was refused: no Event of it has a series.
      const warnings = (await ctx.events()).filter((e) => e.reason === "InvalidMaxRetryDuration");
      assert.ok(warnings.length >= 1, "no InvalidMaxRetryDuration Event");
      assert.deepEqual(warnings.filter((e) => e.series !== undefined), []);
    },
  },
  {
    removal: { role: ISSUER_ROLE, group: "", resources: ["secrets"], verbs: ["get"] },
    failure: "the issuers are not Ready: Ready False/Pending names the refused Secret read",
    run: async (ctx) => {
      await ctx.issuers();
      const message = forbidden("get", "secrets", "");
      for (const [kind, ns] of [["simpleissuer", NS], ["simpleclusterissuer", ""]] as const) {
        await ctx.admin.poll(
          [kind, ctx.id, ...(ns ? ["-n", ns] : [])],
          READY,
          (v) => v.startsWith("False/Pending/") && v.includes(message),
          "Ready False/Pending naming the 403",
        );
      }
    },
  },
  leaseCase("create", "it cannot create its Lease"),
  leaseCase("get", "it cannot read its Lease"),
  leaseCase("update", "it cannot take the released Lease"),
  approverCase("simpleissuers"),
  approverCase("simpleclusterissuers"),
];

/** The baseline: with the whole RBAC, each thing a case breaks works. */
async function baseline(ctx: RunningContext, cluster: RealCluster): Promise<void> {
  const { admin, id } = ctx;
  await ctx.issuers();
  await ctx.issuersReady();
  await ctx.approvedRequest();
  await admin.ok([
    "wait",
    "--for=condition=Ready",
    "--timeout=20s",
    "-n",
    NS,
    `certificaterequest/${id}`,
  ]);
  for (const signer of [CLUSTER_SIGNER(id), NAMESPACED_SIGNER(id)]) {
    await ctx.approvedCsr(signer);
    await admin.poll(["csr", id], "{.status.certificate}", (v) => v !== "", `${signer}: a cert`);
    await admin.ok(["delete", "csr", id]);
  }
  // An issuer without its Secret and with a bad annotation: Pending, with a RetryableError
  // Event, and its InvalidMaxRetryDuration warning repeats on every retry: a series.
  const warned = `${id}-warned`;
  await admin.ok(
    ["create", "-f", "-"],
    stringifyYaml({
      apiVersion: `${GROUP}/v1alpha1`,
      kind: "SimpleIssuer",
      metadata: { name: warned, namespace: NS, annotations: INVALID_RETRY_ANNOTATION },
      spec: { secretName: "missing" },
    }),
  );
  const deadline = Date.now() + 20_000;
  for (;;) {
    const events = await ctx.events(warned);
    const counted = events.some((e) =>
      e.reason === "InvalidMaxRetryDuration" && (e.series?.count ?? 0) >= 2
    );
    if (counted && events.some((e) => e.reason === "RetryableError")) break;
    assert.ok(Date.now() < deadline, `no Event series for ${warned}: ${JSON.stringify(events)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  await admin.ok(["delete", "simpleissuer", warned, "-n", NS]);
  const holder = await admin.ok([
    "get",
    "lease",
    LEASE,
    "-n",
    DEPLOY_NAMESPACE,
    "-o",
    "jsonpath={.spec.holderIdentity}",
  ]);
  assert.notEqual(holder, "");
  // cert-manager approves when any of its reviews allows: here the wildcard names.
  for (const name of [`simpleissuers.${GROUP}/*`, `simpleclusterissuers.${GROUP}/*`]) {
    assert.equal(await mayApprove(cluster, name), true, name);
  }
}

Deno.test({
  name:
    `every rule of examples/simple/deploy/rbac.yaml is necessary (real kube-apiserver)${IGNORE_NOTE}`,
  ignore: IGNORE_NOTE !== "",
  async fn(t) {
    requireTools();
    const rbac = parseRbac(await Deno.readTextFile(RBAC_FILE));
    const all = rbac.roles.flatMap(permissions);

    await t.step("every permission rbac.yaml grants is taken away by some case", () => {
      assert.deepEqual(
        rbac.roles.map((r) => r.ref).sort(),
        [APPROVER_ROLE, ISSUER_ROLE, LEASE_ROLE].sort(),
      );
      const uncovered = all.filter((p) => !CASES.some((c) => removes(c.removal, p)));
      assert.deepEqual(uncovered, [], "permissions without a proof of necessity");
      for (const c of CASES) {
        const what = describeRemoval(c.removal);
        assert.ok(all.some((p) => removes(c.removal, p)), `${what}: removes nothing`);
      }
    });

    await using cluster = await startRealCluster();
    const admin = adminKubectl(cluster);
    const dir = await Deno.makeTempDir({ dir: cluster.dir, prefix: "example-rbac-" });
    let kubeconfig = "";
    let csrB64 = "";

    await t.step("install the CRDs and deploy/ (namespace, ServiceAccount, RBAC)", async () => {
      await installExample(admin);
      await admin.ok(["create", "namespace", NS]);
      await makeCa(dir, "RBAC CA");
      for (const ns of [NS, DEPLOY_NAMESPACE]) {
        await admin.ok([
          "create",
          "secret",
          "tls",
          "ca",
          "-n",
          ns,
          "--cert",
          `${dir}/ca.pem`,
          "--key",
          `${dir}/ca.key`,
        ]);
      }
      kubeconfig = await issuerKubeconfig(cluster, dir);
      csrB64 = await makeCsr(dir, "leaf", KEY_ALGORITHMS.ec, "leaf.rbac.example");
    });

    /** Replaces the roles with rbac.yaml's minus `removal`, and waits for the authorizer. */
    const applyRbac = async (removal?: Removal) => {
      const roles = rbac.roles.map((role) => ({
        ...role.object,
        rules: removal ? subtract(role, removal) : role.object.rules,
      }));
      await admin.ok(["replace", "-f", "-"], roles.map((r) => stringifyYaml(r)).join("---\n"));
      const deadline = Date.now() + 15_000;
      for (;;) {
        const answers = await Promise.all(all.map((p) => allowed(cluster, p)));
        const wrong = all.filter((p, i) => answers[i] !== !(removal && removes(removal, p)));
        if (wrong.length === 0) return;
        if (Date.now() > deadline) {
          throw new Error(`the authorizer still answers the old RBAC for ${JSON.stringify(wrong)}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    };

    /** Runs one case (the baseline without `rbacCase`) and deletes the objects it made. */
    const runCase = async (id: string, rbacCase?: RbacCase) => {
      await applyRbac(rbacCase?.removal);
      const ctx = caseContext(admin, id, csrB64);
      try {
        await rbacCase?.before?.(ctx);
        if (rbacCase && !rbacCase.run) return;
        const issuer = await startExample(exampleArgs(kubeconfig));
        try {
          if (rbacCase) await rbacCase.run!(running(ctx, issuer));
          else await baseline(running(ctx, issuer), cluster);
          if (rbacCase?.removal.role !== LEASE_ROLE) {
            // Stop only once it leads: a SIGTERM while its acquiring update is in flight
            // can leave the Lease held (the update lands, the elector has given up), and
            // the next case would wait out the lease duration.
            await issuer.err.next((l) => l.includes("and leads."), "the leadership");
          }
        } catch (error) {
          await terminate(issuer);
          console.error(`--- the example issuer's log ---\n${issuer.err.all.join("\n")}`);
          throw error;
        }
        await terminate(issuer);
      } finally {
        await admin.ok([
          "delete",
          "simpleissuers,simpleclusterissuers,certificaterequests,csr",
          "-n",
          NS,
          "-l",
          `rbac-case=${id}`,
        ]);
      }
    };

    await t.step(
      "baseline, the whole rbac.yaml: everything the cases break works",
      () => runCase("baseline"),
    );

    // One step per rule of rbac.yaml, with one sub-step per case that cuts it.
    const done = new Set<RbacCase>();
    let n = 0;
    for (const role of rbac.roles) {
      for (const rule of role.object.rules) {
        const granted = permissions({ ...role, object: { ...role.object, rules: [rule] } });
        const cases = CASES.filter((c) =>
          !done.has(c) && granted.some((p) => removes(c.removal, p))
        );
        cases.forEach((c) => done.add(c));
        await t.step(`${role.ref}: ${describeRule(rule)}`, async (t) => {
          for (const c of cases) {
            const id = `case-${++n}`;
            await t.step(`without ${describeRemoval(c.removal)} → ${c.failure}`, async () => {
              await runCase(id, c);
              for (const name of c.approvals ?? []) {
                assert.equal(await mayApprove(cluster, name), false, name);
              }
            });
          }
        });
      }
    }
    await t.step("restore the whole rbac.yaml", () => applyRbac());
  },
});
