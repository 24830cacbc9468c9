#!/usr/bin/env bash
# Stops a cluster started by tests/real/start.sh DIR: SIGTERM to kube-apiserver, then etcd;
# SIGKILL after a timeout (REAL_CLUSTER_STOP_TIMEOUT seconds, default 10). Leaves DIR in place.
#
# Usage: tests/real/stop.sh DIR
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
dir="$1"
timeout="${REAL_CLUSTER_STOP_TIMEOUT:-10}"

# True when PID is alive and still runs the program NAME (guards against pid reuse).
runs() {
  local pid="$1" name="$2" exe
  exe="$(readlink "/proc/$pid/exe" 2>/dev/null || true)"
  [[ "$(basename "${exe% (deleted)}")" == "$name" ]]
}

stop_one() {
  local name="$1" pidfile="$dir/$1.pid" pid
  [[ -f "$pidfile" ]] || return 0
  pid="$(cat "$pidfile")"
  if runs "$pid" "$name"; then
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + timeout))
    while runs "$pid" "$name" && ((SECONDS < deadline)); do sleep 0.2; done
    if runs "$pid" "$name"; then
      echo "stop.sh: $name (pid $pid) ignored SIGTERM for ${timeout}s; sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
      while runs "$pid" "$name"; do sleep 0.1; done
    fi
    echo "stopped $name (pid $pid)"
  fi
  rm -f "$pidfile"
}

stop_one kube-apiserver
stop_one etcd
