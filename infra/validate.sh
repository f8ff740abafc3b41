#!/usr/bin/env bash
# Checks what can be checked without a Docker engine or a Kubernetes cluster:
#   YAML syntax and lint, the compose model, the Kubernetes manifests rendered and parsed offline, nginx -t.
# Needs python3 with PyYAML, yamllint, docker compose (v2 plugin) or docker-compose (v1), kubectl, nginx.
# Debian: apt-get install -y python3-yaml yamllint docker-compose kubernetes-client nginx-light
# A missing tool skips its step (reported); any failing check makes the script exit non-zero.
set -uo pipefail
cd "$(dirname "$0")"
failed=0
skipped=()
step() { echo "== $*"; }
fail() { echo "FAILED: $*"; failed=1; }

yaml_files=$(find . -name '*.yaml' -o -name '*.yml' | sort)

step "YAML parses (PyYAML)"
if python3 -c 'import yaml' 2>/dev/null; then
  for f in $yaml_files; do
    python3 -c 'import sys, yaml; list(yaml.safe_load_all(open(sys.argv[1])))' "$f" || fail "parse $f"
  done
else skipped+=("PyYAML"); fi

step "yamllint"
if command -v yamllint >/dev/null; then
  # shellcheck disable=SC2086
  yamllint -c .yamllint.yaml $yaml_files || fail yamllint
else skipped+=("yamllint"); fi

step "compose model (docker compose config)"
compose=()
if docker compose version >/dev/null 2>&1; then compose=(docker compose)
elif command -v docker-compose >/dev/null; then compose=(docker-compose); fi
if [ ${#compose[@]} -gt 0 ]; then
  for profile in "" gpu; do
    args=(-f compose/compose.yaml --env-file compose/.env.example)
    [ -n "$profile" ] && args+=(--profile "$profile")
    out=$("${compose[@]}" "${args[@]}" config 2>&1) || { echo "$out"; fail "compose config ${profile:-default}"; continue; }
    python3 -c '
import sys, yaml
d = yaml.safe_load(sys.stdin)
env = d["services"]["worker-1"]["environment"]
assert env["NeuroLab__Database__Provider"] == "postgresql" and env["NeuroLab__Compute__Mode"] == "workers", env
assert env["ConnectionStrings__NeuroLab"].startswith("Host=postgres;"), env["ConnectionStrings__NeuroLab"]
print("services:", " ".join(sorted(d["services"])))' <<<"$out" || fail "compose model checks"
  done
  # Required secrets are enforced: without an env file the model must not resolve.
  if env -i PATH="$PATH" "${compose[@]}" -f compose/compose.yaml --env-file /dev/null config >/dev/null 2>&1; then
    fail "compose resolved without POSTGRES_PASSWORD etc."
  fi
else skipped+=("docker compose"); fi

step "Kubernetes manifests (kubectl kustomize, offline client-side parse)"
if command -v kubectl >/dev/null; then
  rendered=$(mktemp)
  rendered_migrate=$(mktemp)
  if kubectl kustomize k8s >"$rendered" && kubectl kustomize k8s/migrate >"$rendered_migrate"; then
    python3 - "$rendered" "$rendered_migrate" <<'PY' || fail "k8s manifest checks"
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
kinds = sorted(f"{d['kind']}/{d['metadata']['name']}" for d in docs)
print("rendered:", ", ".join(kinds))
bad = []
for d in docs:
    if d["kind"] != "Deployment":
        continue
    pod = d["spec"]["template"]["spec"]
    sel = d["spec"]["selector"]["matchLabels"]
    labels = d["spec"]["template"]["metadata"]["labels"]
    if any(labels.get(k) != v for k, v in sel.items()):
        bad.append(f"{d['metadata']['name']}: selector does not match template labels")
    for c in pod["containers"]:
        if "limits" not in c.get("resources", {}) or "requests" not in c.get("resources", {}):
            bad.append(f"{d['metadata']['name']}/{c['name']}: resources")
    if not pod.get("securityContext", {}).get("runAsNonRoot"):
        bad.append(f"{d['metadata']['name']}: runAsNonRoot")
web = next(d for d in docs if d["metadata"]["name"] == "neurolab-web" and d["kind"] == "Deployment")
migrate = [d for d in yaml.safe_load_all(open(sys.argv[2])) if d]
job = next(d for d in migrate if d["kind"] == "Job" and d["metadata"]["name"] == "neurolab-migrate")
jc = job["spec"]["template"]["spec"]["containers"][0]
if jc["image"] != web["spec"]["template"]["spec"]["containers"][0]["image"]: bad.append("migrate job: not the web image and tag")
if jc.get("args") != ["--migrate-only"]: bad.append("migrate job: args")
if jc.get("envFrom") != web["spec"]["template"]["spec"]["containers"][0]["envFrom"]: bad.append("migrate job: not the web pods' settings")
if not job["spec"]["template"]["spec"].get("securityContext", {}).get("runAsNonRoot"): bad.append("migrate job: runAsNonRoot")
if not job["spec"].get("activeDeadlineSeconds"): bad.append("migrate job: activeDeadlineSeconds")
print("rendered migrate:", ", ".join(f"{d['kind']}/{d['metadata']['name']}" for d in migrate))
gpu = next(d for d in docs if d["metadata"]["name"] == "neurolab-worker-gpu")
c = gpu["spec"]["template"]["spec"]["containers"][0]
if c["resources"]["limits"].get("nvidia.com/gpu") != 1: bad.append("gpu worker: nvidia.com/gpu limit")
if not gpu["spec"]["template"]["spec"].get("nodeSelector"): bad.append("gpu worker: nodeSelector")
print("\n".join(bad) or "deployment checks ok")
sys.exit(1 if bad else 0)
PY
    # Client-side dry run: parses every object into its typed API form (no cluster here, so no schema
    # validation against the server and no discovery; a failure to reach a server is reported, not fatal).
    out=$(kubectl apply --dry-run=client --validate=false -f "$rendered" 2>&1)
    if [ $? -eq 0 ]; then echo "$out"
    elif grep -qiE 'connection refused|unable to connect|no configuration|couldn.t get current server' <<<"$out"; then
      echo "kubectl apply --dry-run=client needs API discovery from a cluster: skipped ($(head -n1 <<<"$out"))"
      skipped+=("kubectl apply --dry-run (no cluster)")
    else echo "$out"; fail "kubectl apply --dry-run=client"; fi
  else fail "kubectl kustomize"; fi
  rm -f "$rendered" "$rendered_migrate"
else skipped+=("kubectl"); fi

step "nginx -t (compose/nginx.conf with the upstream host names mapped to loopback)"
if command -v nginx >/dev/null; then
  tmp=$(mktemp -d)
  sed -e 's/server web-1:8080/server 127.0.0.1:18081/' -e 's/server web-2:8080/server 127.0.0.1:18082/' \
      -e "s#pid /tmp/nginx.pid;#pid $tmp/nginx.pid;#" compose/nginx.conf >"$tmp/nginx.conf"
  nginx -t -p "$tmp" -c "$tmp/nginx.conf" || fail "nginx -t"
  rm -rf "$tmp"
else skipped+=("nginx"); fi

step "nginx stickiness on loopback (two stand-in upstreams; ports 18080-18082)"
if command -v nginx >/dev/null && command -v curl >/dev/null; then
  tmp=$(mktemp -d); mkdir -p "$tmp/a" "$tmp/b"; echo A >"$tmp/a/healthz"; echo B >"$tmp/b/healthz"
  python3 -m http.server 18081 --bind 127.0.0.1 --directory "$tmp/a" >/dev/null 2>&1 & pa=$!
  python3 -m http.server 18082 --bind 127.0.0.1 --directory "$tmp/b" >/dev/null 2>&1 & pb=$!
  up() { for _ in $(seq 1 100); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done; return 1; }
  up http://127.0.0.1:18081/healthz && up http://127.0.0.1:18082/healthz || fail "stand-in upstreams did not start"
  sed -e 's/server web-1:8080/server 127.0.0.1:18081/' -e 's/server web-2:8080/server 127.0.0.1:18082/' \
      -e "s#pid /tmp/nginx.pid;#pid $tmp/nginx.pid;#" -e 's/listen 80;/listen 127.0.0.1:18080;/' \
      -e 's#access_log /dev/stdout;#access_log off;#' -e 's#error_log stderr warn;#error_log stderr crit;#' compose/nginx.conf >"$tmp/nginx.conf"
  nginx -p "$tmp" -c "$tmp/nginx.conf" -g 'daemon off;' & pn=$!
  if up http://127.0.0.1:18080/nginx-health; then
    seen=""
    for n in $(seq 1 12); do
      first=$(curl -s -c "$tmp/jar$n" http://127.0.0.1:18080/healthz)
      others=$(for _ in $(seq 1 5); do curl -s -b "$tmp/jar$n" http://127.0.0.1:18080/healthz; done | sort -u | tr -d '\n')
      [ "$others" = "$first" ] || fail "client $n first went to $first, then to $others"
      seen="$seen$first"
    done
    grep -q A <<<"$seen" && grep -q B <<<"$seen" || fail "12 new clients all went to one instance ($seen)"
    pinned=$(curl -s -b "$tmp/jar1" http://127.0.0.1:18080/healthz)
    if [ "$pinned" = A ]; then kill "$pa"; else kill "$pb"; fi
    moved=$(curl -s -b "$tmp/jar1" http://127.0.0.1:18080/healthz 2>/dev/null)
    [ -n "$moved" ] && [ "$moved" != "$pinned" ] || fail "a client pinned to a stopped instance was not moved ($pinned -> $moved)"
    echo "12 clients each stayed on one instance (first hits: $seen); a client of a stopped instance moved $pinned -> $moved"
  else fail "nginx did not start"; fi
  kill "$pn" "$pa" "$pb" 2>/dev/null; wait "$pn" "$pa" "$pb" 2>/dev/null
  rm -rf "$tmp"
else skipped+=("nginx stickiness (nginx or curl missing)"); fi

step "not run here"
echo "docker build / docker compose up (no Docker engine on this machine); kubectl apply to a cluster; GPU scheduling."
[ ${#skipped[@]} -gt 0 ] && echo "skipped (tool missing or no server): ${skipped[*]}"
if [ $failed -eq 0 ]; then echo "infra/validate.sh: all checks passed"; else echo "infra/validate.sh: FAILED"; fi
exit $failed
