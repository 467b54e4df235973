#!/bin/sh
# Benchmark (not part of make check): generates and validates the full-size
# data center (16 planes x 24 SSWs, 32 pods x 48 RSWs) and prints the time,
# then times the prefix prediction alone (--summary, no output directory).
#   CLOSGEN=build/topo/closgen tests/topo/bench_full.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
closgen=${CLOSGEN:-./topo/closgen}
out=$(mktemp -d /tmp/closgen-bench.XXXXXX)
trap 'rm -rf "$out"' EXIT
start=$(date +%s.%N)
"$closgen" -i "$here/input/full.json" -o "$out/full" --frr-tier ssw --summary
end=$(date +%s.%N)
echo "full-size fabric: $(ls "$out/full" | wc -l) entries in $(echo "$end - $start" | bc) s"
start=$(date +%s.%N)
"$closgen" -i "$here/input/full.json" --summary | sed -n '/^prefixes per switch/,$p'
end=$(date +%s.%N)
echo "prefix prediction (load, check, predict): $(echo "$end - $start" | bc) s"
