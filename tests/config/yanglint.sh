#!/bin/sh
# Validate the example device configs with yanglint: every good file must
# pass, every bad file with a YANG-level error must fail. The files listed
# in SEMANTIC are valid YANG; only closbgpd's own checks refuse them.
srcdir=${srcdir:-.}
top=$srcdir
[ -d "$top/topo/yang" ] || top=$(cd "$(dirname "$0")/../.." && pwd)
yang="$top/topo/yang"
dir="$top/tests/config"
YANGLINT=${YANGLINT:-yanglint}

command -v "$YANGLINT" >/dev/null 2>&1 || { echo "SKIP: no yanglint"; exit 77; }

SEMANTIC="bad-large-community confed-member-is-identifier duplicate-neighbor
keepalive-inherited link-local-no-interface local-address-family
passive-no-listen policy-bad-regex policy-unreachable policy-prefix-range
aggregate-is-network bmp-backoff"

fail=0
lint() {
	"$YANGLINT" -p "$yang" "$yang/closbgp-device.yang" "$1" 2>&1
}
for f in "$dir"/good/*.json; do
	if out=$(lint "$f") && [ -z "$out" ]; then
		echo "ok: $f"
	else
		echo "FAIL: good file rejected: $f"; echo "$out"; fail=1
	fi
done
for f in "$dir"/bad/*.json; do
	name=$(basename "$f" .json)
	case " $(echo $SEMANTIC) " in
	*" $name "*)
		if lint "$f" >/dev/null; then echo "ok (semantic only): $f"
		else echo "FAIL: $f is listed as semantic-only but yanglint rejects it"; fail=1; fi
		continue ;;
	esac
	if lint "$f" >/dev/null; then
		echo "FAIL: bad file accepted by yanglint: $f"; fail=1
	else
		echo "ok (rejected): $f"
	fi
done
exit $fail
