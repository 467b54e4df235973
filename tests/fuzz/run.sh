#!/bin/sh
# Build the wire-codec fuzz target with libFuzzer + ASan + UBSan straight
# from the codec sources (they do no I/O) and run it for a bounded time over
# the seed corpus. Usage: tests/fuzz/run.sh [BUILD_DIR]; FUZZ_SECONDS sets
# the time (default 20). Exits non-zero on a crash or a failed build.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/build-fuzz}
secs=${FUZZ_SECONDS:-20}
cc=${CLANG:-clang}

mkdir -p "$out/corpus-msg"
"$cc" -g -O1 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-I"$top" -o "$out/fuzz_msg" "$top/tests/fuzz/fuzz_msg.c" \
	"$top/bgpd/buf.c" "$top/bgpd/arena.c" "$top/bgpd/msg.c" "$top/bgpd/update.c" \
	"$top/bgpd/attr.c" "$top/bgpd/aspath.c" "$top/bgpd/prefix.c"

# New inputs go to the build dir's corpus; the committed seeds stay as they are.
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
"$out/fuzz_msg" -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 -artifact_prefix="$out/" \
	"$out/corpus-msg" "$top/tests/fuzz/corpus/msg"
