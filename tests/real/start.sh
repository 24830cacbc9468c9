#!/usr/bin/env bash
# Starts a real etcd + kube-apiserver (built by tests/real/build.sh) on free 127.0.0.1 ports.
#
# Usage: tests/real/start.sh DIR
#
# DIR (created if missing; use a fresh temp dir) receives the PKI, the etcd data, the logs
# (etcd.log, kube-apiserver.log), the pid files (etcd.pid, kube-apiserver.pid), `url` and an admin
# `kubeconfig` with embedded client certificate data. The processes keep running after the script
# returns; stop them with `tests/real/stop.sh DIR`. tests/real/real_cluster.ts implements the same
# steps for Deno tests; keep the two in sync.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="${REAL_CLUSTER_BIN_DIR:-$here/bin}"
for b in etcd kube-apiserver; do
  if [[ ! -x "$bin/$b" ]]; then
    echo "start.sh: $bin/$b is missing; run tests/real/build.sh first" >&2
    exit 1
  fi
done

mkdir -p "$1"
dir="$(cd "$1" && pwd)"
for p in etcd kube-apiserver; do
  if [[ -f "$dir/$p.pid" ]] && kill -0 "$(cat "$dir/$p.pid")" 2>/dev/null; then
    echo "start.sh: $p is already running from $dir (pid $(cat "$dir/$p.pid"))" >&2
    exit 1
  fi
done
pki="$dir/pki"
mkdir -p "$pki"

# --- PKI -------------------------------------------------------------------------------------
# One CA signs the serving certificate (a leaf: rustls/Deno reject a CA used as a server cert)
# and the admin client certificate. ECDSA P-256 keys (PKCS#8 PEM), RSA for service accounts.
ossl() { openssl "$@" 2>/dev/null; }
ec_key() { ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }

ec_key "$pki/ca.key"
ossl req -x509 -new -key "$pki/ca.key" -out "$pki/ca.crt" -days 7 -sha256 \
  -subj "/CN=certkit-real-cluster-ca" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -addext "subjectKeyIdentifier=hash"

sign_leaf() { # name subject extensions...
  local name="$1" subject="$2"
  shift 2
  ec_key "$pki/$name.key"
  ossl req -new -key "$pki/$name.key" -subj "$subject" -out "$pki/$name.csr"
  printf '%s\n' "$@" >"$pki/$name.ext"
  ossl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 7 -sha256 -extfile "$pki/$name.ext" -out "$pki/$name.crt"
  rm -f "$pki/$name.csr" "$pki/$name.ext"
}
sign_leaf serving "/CN=kube-apiserver" \
  "basicConstraints=critical,CA:FALSE" \
  "keyUsage=critical,digitalSignature" \
  "extendedKeyUsage=serverAuth" \
  "subjectAltName=IP:127.0.0.1,DNS:localhost"
sign_leaf admin "/O=system:masters/CN=admin" \
  "basicConstraints=critical,CA:FALSE" \
  "keyUsage=critical,digitalSignature" \
  "extendedKeyUsage=clientAuth"
ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$pki/sa.key"
ossl pkey -in "$pki/sa.key" -pubout -out "$pki/sa.pub"

# --- ports -----------------------------------------------------------------------------------
port_in_use() { ss -Htln "sport = :$1" 2>/dev/null | grep -q .; }
free_port() {
  local p i
  for i in $(seq 1 200); do
    # Below the kernel's ephemeral range (32768-60999), so no outgoing connection holds it.
    p=$((20000 + (RANDOM * 32768 + RANDOM) % 12000))
    if ! port_in_use "$p" && [[ "$p" != "${1:-}" ]]; then
      echo "$p"
      return 0
    fi
  done
  echo "start.sh: no free port found" >&2
  return 1
}
etcd_port="$(free_port)"
api_port="$(free_port "$etcd_port")"

# --- etcd ------------------------------------------------------------------------------------
# Peer listener on port 0: a single member never talks to peers; this avoids a port clash.
nohup "$bin/etcd" \
  --name=default \
  --data-dir="$dir/etcd-data" \
  --listen-client-urls="http://127.0.0.1:$etcd_port" \
  --advertise-client-urls="http://127.0.0.1:$etcd_port" \
  --listen-peer-urls="http://127.0.0.1:0" \
  --unsafe-no-fsync \
  --log-level=warn \
  >"$dir/etcd.log" 2>&1 </dev/null &
echo $! >"$dir/etcd.pid"

# Wait for etcd before starting the apiserver (saves a burst of gRPC connection warnings).
deadline=$((SECONDS + 30))
until curl -sf --max-time 2 "http://127.0.0.1:$etcd_port/health" 2>/dev/null | grep -q '"health":"true"'; do
  if ! kill -0 "$(cat "$dir/etcd.pid")" 2>/dev/null || ((SECONDS >= deadline)); then
    echo "start.sh: etcd did not become healthy; see $dir/etcd.log" >&2
    tail -n 20 "$dir/etcd.log" >&2 || true
    "$here/stop.sh" "$dir" >/dev/null 2>&1 || true
    exit 1
  fi
  sleep 0.1
done

# --- kube-apiserver --------------------------------------------------------------------------
# Admission: NamespaceLifecycle plus the CSR plugins an issuer meets (approve/sign authorization,
# subject restriction) and ServiceAccount; every other default-on plugin is switched off.
enable_admission="NamespaceLifecycle,ServiceAccount,CertificateApproval,CertificateSigning"
enable_admission+=",CertificateSubjectRestriction"
disable_admission="LimitRanger,DefaultStorageClass,PersistentVolumeClaimResize"
disable_admission+=",DefaultTolerationSeconds,MutatingAdmissionWebhook,ValidatingAdmissionWebhook"
disable_admission+=",ResourceQuota,StorageObjectInUseProtection,Priority,TaintNodesByCondition"
disable_admission+=",RuntimeClass,ClusterTrustBundleAttest,DefaultIngressClass,PodSecurity"
disable_admission+=",PodTopologyLabels,MutatingAdmissionPolicy,ValidatingAdmissionPolicy"

nohup "$bin/kube-apiserver" \
  --etcd-servers="http://127.0.0.1:$etcd_port" \
  --bind-address=127.0.0.1 \
  --advertise-address=127.0.0.1 \
  --secure-port="$api_port" \
  --cert-dir="$dir/apiserver-certs" \
  --tls-cert-file="$pki/serving.crt" \
  --tls-private-key-file="$pki/serving.key" \
  --client-ca-file="$pki/ca.crt" \
  --authorization-mode=Node,RBAC \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$pki/sa.pub" \
  --service-account-signing-key-file="$pki/sa.key" \
  --service-cluster-ip-range=10.96.0.0/24 \
  --enable-admission-plugins="$enable_admission" \
  --disable-admission-plugins="$disable_admission" \
  --endpoint-reconciler-type=none \
  --profiling=false \
  >"$dir/kube-apiserver.log" 2>&1 </dev/null &
echo $! >"$dir/kube-apiserver.pid"

url="https://127.0.0.1:$api_port"
echo "$url" >"$dir/url"

# --- kubeconfig ------------------------------------------------------------------------------
b64() { base64 -w0 <"$1"; }
cat >"$dir/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: real
  cluster:
    server: $url
    certificate-authority-data: $(b64 "$pki/ca.crt")
users:
- name: admin
  user:
    client-certificate-data: $(b64 "$pki/admin.crt")
    client-key-data: $(b64 "$pki/admin.key")
contexts:
- name: real
  context:
    cluster: real
    user: admin
    namespace: default
current-context: real
EOF
chmod 600 "$dir/kubeconfig"

# --- wait for /readyz ------------------------------------------------------------------------
deadline=$((SECONDS + ${REAL_CLUSTER_READY_TIMEOUT:-120}))
while :; do
  if ! kill -0 "$(cat "$dir/etcd.pid")" 2>/dev/null; then
    echo "start.sh: etcd exited; see $dir/etcd.log" >&2
    tail -n 20 "$dir/etcd.log" >&2 || true
    "$here/stop.sh" "$dir" >/dev/null 2>&1 || true
    exit 1
  fi
  if ! kill -0 "$(cat "$dir/kube-apiserver.pid")" 2>/dev/null; then
    echo "start.sh: kube-apiserver exited; see $dir/kube-apiserver.log" >&2
    tail -n 20 "$dir/kube-apiserver.log" >&2 || true
    "$here/stop.sh" "$dir" >/dev/null 2>&1 || true
    exit 1
  fi
  body="$(curl -s --max-time 5 --cacert "$pki/ca.crt" --cert "$pki/admin.crt" \
    --key "$pki/admin.key" "$url/readyz" 2>/dev/null || true)"
  if [[ "$body" == "ok" ]]; then break; fi
  if ((SECONDS >= deadline)); then
    echo "start.sh: kube-apiserver not ready in time (last /readyz: ${body:-<none>})" >&2
    "$here/stop.sh" "$dir" >/dev/null 2>&1 || true
    exit 1
  fi
  sleep 0.5
done

echo "kube-apiserver ready at $url (etcd http://127.0.0.1:$etcd_port)"
echo "export KUBECONFIG=$dir/kubeconfig"
echo "stop with: $here/stop.sh $dir"
