#!/bin/sh
# Build every libFuzzer target (one per decoder, see README.md) with clang,
# libFuzzer, AddressSanitizer (+ LeakSanitizer) and UndefinedBehaviorSanitizer,
# and run each over its seed corpus.
#
#   tests/fuzz/run.sh [BUILD_DIR] [--long] [TARGET...]
#
# BUILD_DIR (default build-fuzz/) holds an instrumented, configured copy of
# the build (BUILD_DIR/tree: the product libraries the targets link), the
# targets and each target's growing corpus (BUILD_DIR/corpus-TARGET; the
# committed seeds in tests/fuzz/corpus/TARGET/ are only read).
#
# Bounded run (CI, tools/check): each target for FUZZ_SECONDS (default 10).
# --long, or FUZZ_RUNS=N: each target for N executions (default with
# --long: 10,000,000), in one process (libFuzzer's default, as -jobs=1),
# under nice -n 10 (FUZZ_NICE), one target after the other; FUZZ_SECONDS, if
# set, then caps each target's time. The growing corpus in BUILD_DIR is
# reused, so a second long run continues where the first stopped. Each
# target's executions and time go to BUILD_DIR/summary.txt.
# Exits non-zero on a failed build or on any crash, leak, timeout or
# sanitizer report (the reproducer is left in BUILD_DIR/TARGET-crash-*).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
out=
long=false
targets=
for a in "$@"; do
	case $a in
	--long) long=true ;;
	-*) echo "run.sh: unknown option $a" >&2; exit 2 ;;
	*) if [ -z "$out" ]; then out=$a; else targets="$targets $a"; fi ;;
	esac
done
out=${out:-$top/build-fuzz}
all="msg open notify ctl config fabric netlink"
targets=${targets:-$all}
secs=${FUZZ_SECONDS:-10}
cap=${FUZZ_SECONDS:-} # with --long/FUZZ_RUNS: an optional time cap per target
runs=${FUZZ_RUNS:-}
nice=${FUZZ_NICE:-0}
if $long; then
	runs=${runs:-10000000}
	nice=${FUZZ_NICE:-10}
fi
cc=${CLANG:-clang}
jobs=${JOBS:-2}
mkdir -p "$out"
out=$(cd "$out" && pwd)

# ---- the product libraries, instrumented -------------------------------------
# A configured tree, so that the targets link the same libraries (and the
# same link lines) as the unit tests, whatever files the modules hold.
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
tree=$out/tree
[ -x "$top/configure" ] || (cd "$top" && autoreconf -fi >/dev/null)
if [ ! -f "$tree/Makefile" ] || [ "$top/configure" -nt "$tree/config.status" ]; then
	mkdir -p "$tree"
	(cd "$tree" && "$top/configure" -q CC="$cc" \
		CFLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $san")
fi
getvar() { # a variable of the tree's Makefile, expanded
	printf 'getvar-%s:\n\t@echo $(%s)\n' "$1" "$1" |
		make -s -C "$tree" -f Makefile -f - "getvar-$1"
}
lib_wire="bgpd/libwire.a"
lib_ctl="bgpd/libctl.a $lib_wire $(getvar PROTOBUF_C_LIBS)"
lib_config=$(getvar tests_unit_test_config_LDADD)
lib_fabric=$(getvar tests_unit_test_topo_LDADD)
lib_netlink=$(getvar tests_unit_test_fib_LDADD)
libs_of() {
	case $1 in
	msg|open|notify) echo "$lib_wire" ;;
	ctl) echo "$lib_ctl" ;;
	config) echo "$lib_config" ;;
	fabric) echo "$lib_fabric" ;;
	netlink) echo "$lib_netlink" ;;
	*) echo "run.sh: unknown target $1" >&2; return 1 ;;
	esac
}
archives=$(for t in $targets; do libs_of "$t"; done | tr ' ' '\n' | grep '\.a$' | sort -u)
make -s -C "$tree" -j"$jobs" bgpd/control.pb-c.h $archives

cflags="-g -O1 -fno-omit-frame-pointer -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror
	-Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
	-fsanitize=fuzzer $san -I$top -I$tree -DFUZZ_YANG_DIR=\"$top/topo/yang\"
	$(getvar YANG_CFLAGS) $(getvar PROTOBUF_C_CFLAGS) $(getvar MNL_CFLAGS)"
for t in $targets; do
	libs=$(libs_of "$t" | sed "s|\([^ ]*\.a\)|$tree/\1|g")
	# shellcheck disable=SC2086 # word splitting of the flag lists is meant
	"$cc" $cflags -o "$out/fuzz_$t" "$top/tests/fuzz/fuzz_$t.c" $libs
done

# ---- run -------------------------------------------------------------------
# Per target: max_len fits its input (4096: one BGP message; more for
# frames, configurations and fabrics), a timeout per input and a memory cap.
maxlen_of() {
	case $1 in
	msg|open|notify) echo 4096 ;;
	ctl|netlink) echo 16384 ;;
	*) echo 32768 ;;
	esac
}
dict_of() {
	[ -f "$top/tests/fuzz/$1.dict" ] && echo "-dict=$top/tests/fuzz/$1.dict" || true
}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
summary=$out/summary.txt
: >"$summary"
failed=
for t in $targets; do
	mkdir -p "$out/corpus-$t"
	if [ -n "$runs" ]; then
		bound="-runs=$runs${cap:+ -max_total_time=$cap}"
	else
		bound="-max_total_time=$secs"
	fi
	log=$out/fuzz_$t.log
	echo "== fuzz_$t ($bound)"
	start=$(date +%s)
	rc=0
	# shellcheck disable=SC2046
	# one process (libFuzzer's default; -jobs=N would fork N workers)
	# shellcheck disable=SC2086
	nice -n "$nice" "$out/fuzz_$t" $bound -max_len="$(maxlen_of "$t")" \
		-timeout=25 -rss_limit_mb=2048 -print_final_stats=1 $(dict_of "$t") \
		-artifact_prefix="$out/$t-" "$out/corpus-$t" "$top/tests/fuzz/corpus/$t" \
		>"$log" 2>&1 || rc=$?
	end=$(date +%s)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	line="fuzz_$t: ${execs:-?} executions in $((end - start)) s"
	if [ "$rc" -ne 0 ]; then
		line="$line: FAILED (exit $rc, see $log)"
		failed="$failed $t"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|Test unit written|artifact_prefix)' "$log" | head -8 >&2 || true
	fi
	echo "$line" | tee -a "$summary"
done
if [ -n "$failed" ]; then
	echo "run.sh: fuzz targets failed:$failed" >&2
	exit 1
fi
echo "run.sh: all fuzz targets clean ($(date -u +%Y-%m-%d))"
