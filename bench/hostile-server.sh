#!/usr/bin/env bash
# Peak memory of a real NeuroLab server while it inspects and previews hostile uploads (issue 9, finding 1).
# For each decompression bomb (bench "hostile-write": ~2 GB declared, 13000 x 13000 images) a fresh server
# (Release build, default settings, empty data folder, loopback only) receives it through the REST API as
# one upload, renders its preview, and the server's peak resident memory (VmHWM) is read from /proc.
# Usage: bench/hostile-server.sh   (builds what it needs; prints a table; stops only the servers it started)
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/neurolab-hostile-server-XXXXXX)
trap 'rm -rf "$work"' EXIT
dotnet build -c Release -v q src/NeuroLab.Web >/dev/null
dotnet build -c Release -v q bench/NeuroLab.Bench >/dev/null
dotnet bench/NeuroLab.Bench/bin/Release/net10.0/NeuroLab.Bench.dll hostile-write "$work/files"
port=5391
printf '| %-22s | %9s | %14s | %14s | %s\n' "file" "MiB" "idle RSS MiB" "peak RSS MiB" "outcome"
printf '|%s|%s|%s|%s|%s\n' "------------------------" "-----------" "----------------" "----------------" "--------"
for file in "$work"/files/*; do
  data="$work/data"; rm -rf "$data"; mkdir -p "$data"
  NeuroLab__DataDirectory="$data" ASPNETCORE_ENVIRONMENT=Production OMP_WAIT_POLICY=PASSIVE \
    dotnet src/NeuroLab.Web/bin/Release/net10.0/NeuroLab.Web.dll --urls "http://127.0.0.1:$port" >"$work/server.log" 2>&1 &
  pid=$!
  base="http://127.0.0.1:$port"
  for _ in $(seq 1 120); do curl -sf "$base/healthz" >/dev/null 2>&1 && break; sleep 0.5; done
  curl -sf -X POST "$base/api/v1/account/register" -H 'Content-Type: application/json' -d '{"email":"bench@lab.org","password":"correct horse battery staple"}' >/dev/null
  token=$(curl -sf -X POST "$base/api/v1/account/login" -H 'Content-Type: application/json' -d '{"email":"bench@lab.org","password":"correct horse battery staple"}' | sed -n 's/.*"accessToken":"\([^"]*\)".*/\1/p')
  auth="Authorization: Bearer $token"
  ws=$(curl -sf -X POST "$base/api/v1/workspaces" -H "$auth" -H 'Content-Type: application/json' -d '{"name":"Bombs"}' | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
  idle=$(awk '/VmRSS/ {print int($2/1024)}' /proc/$pid/status)
  staged=$(curl -s -X POST "$base/api/v1/workspaces/$ws/uploads" -H "$auth" -F "files=@$file")
  id=$(sed -n 's/^\[{"id":"\([^"]*\)".*/\1/p' <<<"$staged")
  error=$(sed -n 's/.*"error":"\([^"]\{0,70\}\).*/\1/p' <<<"$staged")
  preview=$(curl -s -o /dev/null -w '%{http_code}' "$base/api/v1/workspaces/$ws/uploads/$id/preview.png" -H "$auth")
  peak=$(awk '/VmHWM/ {print int($2/1024)}' /proc/$pid/status)
  outcome=${error:+refused: $error}
  printf '| %-22s | %9.1f | %14s | %14s | %s\n' "$(basename "$file")" "$(awk -v b="$(stat -c %s "$file")" 'BEGIN {print b / 1048576}')" "$idle" "$peak" "${outcome:-staged, preview $preview}"
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
