#!/bin/sh
# closgen end to end: golden files for the 2x2 / 2x2 fabric compared byte
# for byte, determinism, explicit-form round trip, every closbgpd.json
# validated with yanglint, every frr.conf checked by FRR, the containerlab
# file checked for shape, bad inputs giving one clear error and no output
# directory.  Run by `make check` (srcdir set by automake) or by hand:
#   srcdir=. CLOSGEN=build/topo/closgen tests/topo/run.sh
# UPDATE_GOLDEN=1 rewrites tests/topo/golden from the current closgen.
set -u
srcdir=${srcdir:-.}
here="$srcdir/tests/topo"
yang="$srcdir/topo/yang"
closgen=${CLOSGEN:-./topo/closgen}
[ -x "$closgen" ] || { echo "closgen not found at $closgen"; exit 1; }
tmp=$(mktemp -d /tmp/closgen-test.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

gen() { # gen OUT ARGS...: run closgen with the small fabric's golden options
	out=$1; shift
	"$closgen" -Y "$yang" "$@" -o "$out" --explicit --summary \
		--frr ssw-1-1,fsw-1-1,rsw-1-1 > "$out.summary"
}

# 1. golden files
gen "$tmp/small" -i "$here/input/small.json" || fail "closgen small"
cp "$tmp/small.summary" "$tmp/small/summary.txt"
if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
	rm -rf "$here/golden/small" && cp -r "$tmp/small" "$here/golden/small"
	echo "golden files updated"
fi
if diff -r "$here/golden/small" "$tmp/small" > "$tmp/golden.diff"; then
	ok "golden files byte for byte"
else
	head -40 "$tmp/golden.diff"; fail "golden files differ"
fi

# 2. determinism and 3. explicit-form round trip
gen "$tmp/again" -i "$here/input/small.json" && cp "$tmp/again.summary" "$tmp/again/summary.txt"
diff -r "$tmp/small" "$tmp/again" >/dev/null && ok "deterministic" || fail "two runs differ"
gen "$tmp/rt" -i "$tmp/small/fabric.json" || fail "closgen on its explicit form"
diff -r -x summary.txt "$tmp/small" "$tmp/rt" >/dev/null && ok "explicit round trip" ||
	fail "explicit form does not regenerate the same output"

# 4. variants: link-local IPv6, RFC 7938 ASN scheme, each tier on FRR
for v in linklocal rfc7938; do
	for t in ssw fsw rsw; do
		"$closgen" -Y "$yang" -i "$here/input/$v.json" -o "$tmp/$v-$t" \
			--explicit --frr-tier "$t" || fail "closgen $v --frr-tier $t"
	done
done

# 4b. the fabric's max-prefix on every peer group of every switch
d="$tmp/rfc7938-fsw"
want='"max-prefix": {"limit": 500, "action": "warning", "restart-time": 60, "warning-threshold": 90}'
nj=0; bad=0
for f in "$d"/*/closbgpd.json; do
	nj=$((nj + 1))
	groups=$(grep -o '{"name": "[a-z]*-v[46]", "ttl-security"' "$f" | wc -l)
	have=$(grep -o "$want" "$f" | wc -l)
	[ "$groups" -gt 0 ] && [ "$groups" = "$have" ] || { bad=$((bad + 1)); echo "  $f: $have of $groups groups"; }
done
nf=0
for f in "$d"/*/frr.conf; do
	[ -f "$f" ] || continue
	nf=$((nf + 1))
	groups=$(grep -c '^  neighbor [a-z]*-v[46] activate' "$f")
	have=$(grep -c '^  neighbor [a-z]*-v[46] maximum-prefix 500 90 warning-only$' "$f")
	[ "$groups" -gt 0 ] && [ "$groups" = "$have" ] || { bad=$((bad + 1)); echo "  $f: $have of $groups groups"; }
done
[ "$bad" = 0 ] && [ "$nj" -gt 0 ] && [ "$nf" -gt 0 ] &&
	ok "max-prefix on every peer group ($nj closbgpd, $nf FRR configs)" ||
	fail "max-prefix missing from generated configs"
grep -q '"max-prefix": {"limit": 500' "$d/fabric.json" || fail "max-prefix missing from the explicit form"

# 4c. graceful restart timers per tier (RSWs: stale-time 300, end-of-rib-wait
# 60; the others the defaults), closbgpd and FRR alike, and in the explicit form
bad=0
for f in "$d"/rsw-*/closbgpd.json; do
	grep -q '"graceful-restart": {"restart-time": 120, "stale-time": 300}' "$f" &&
		grep -q '"end-of-rib-wait": 60}' "$f" || { bad=$((bad + 1)); echo "  $f"; }
done
for f in "$d"/fsw-*/closbgpd.json; do
	grep -q '"graceful-restart": {"restart-time": 120, "stale-time": 360}' "$f" &&
		grep -q '"end-of-rib-wait": 120}' "$f" || { bad=$((bad + 1)); echo "  $f"; }
done
for f in "$tmp"/rfc7938-rsw/rsw-*/frr.conf; do
	grep -q '^ bgp graceful-restart stalepath-time 300$' "$f" &&
		grep -q '^ bgp graceful-restart select-defer-time 60$' "$f" &&
		grep -q '^ bgp graceful-restart preserve-fw-state$' "$f" ||
		{ bad=$((bad + 1)); echo "  $f"; }
done
grep -q '{"name": "rsw", "restart-time": 120, "stale-time": 300, "end-of-rib-wait": 60}' \
	"$d/fabric.json" || { bad=$((bad + 1)); echo "  $d/fabric.json"; }
[ "$bad" = 0 ] && ok "graceful restart timers per tier (closbgpd, FRR, explicit form)" ||
	fail "graceful restart timers missing from generated configs"

# 5. YANG validation (yanglint, independent of closgen's own libyang check)
if command -v yanglint >/dev/null 2>&1; then
	n=0
	for f in "$tmp"/*/*/closbgpd.json; do
		yanglint -p "$yang" "$yang/closbgp-device.yang" "$f" || fail "yanglint $f"
		n=$((n + 1))
	done
	for f in "$here"/input/*.json "$tmp"/*/fabric.json; do
		yanglint -p "$yang" "$yang/closbgp-fabric.yang" "$f" || fail "yanglint $f"
	done
	ok "yanglint: $n device configs, compact and explicit fabric files"
else
	echo "skip: yanglint not installed"
fi

# 5b. closbgpd's own checks beyond YANG (policy references, regexes,
# unreachable statements) accept every generated device config
closbgpd=${CLOSBGPD:-./bgpd/closbgpd}
if [ -x "$closbgpd" ]; then
	n=0
	for f in "$tmp"/*/*/closbgpd.json; do
		"$closbgpd" -t -c "$f" > /dev/null || fail "closbgpd -t $f"
		n=$((n + 1))
	done
	ok "closbgpd -t: $n device configs"
else
	echo "skip: closbgpd not built at $closbgpd"
fi

# 6. FRR accepts every frr.conf
"$here/frr_check.sh" "$tmp"/*/*/frr.conf
case $? in
0) ok "FRR accepts $(ls "$tmp"/*/*/frr.conf | wc -l) frr.conf files" ;;
77) echo "skip: FRR not installed" ;;
*) fail "FRR rejects a generated frr.conf" ;;
esac

# 7. containerlab file shape
if ! python3 -c 'import yaml' 2>/dev/null; then
	echo "skip: python3-yaml not installed"
else python3 - "$tmp" <<'PY' && ok "containerlab files" || fail "containerlab file"
import os, re, sys, glob, yaml
for path in glob.glob(sys.argv[1] + "/*/*.clab.yml"):
    top = os.path.dirname(path)
    c = yaml.safe_load(open(path))
    nodes = c["topology"]["nodes"]
    assert isinstance(c["name"], str) and nodes
    for n, v in nodes.items():
        assert v["kind"] == "linux" and v["image"], n
        for b in v.get("binds", []):
            assert os.path.exists(os.path.join(top, b.split(":")[0])), b
        assert all(isinstance(e, str) for e in v.get("exec", [])), n
    seen = set()
    for l in c["topology"]["links"]:
        ends = l["endpoints"]
        assert len(ends) == 2, ends
        for e in ends:
            node, ifname = e.split(":")
            assert node in nodes and re.fullmatch(r"eth[1-9][0-9]*", ifname), e
            assert e not in seen, "endpoint used twice: " + e
            seen.add(e)
    schema = os.environ.get("CLAB_SCHEMA")  # containerlab's clab.schema.json
    if schema:
        import json, jsonschema
        # Python's re lacks \p{..}; the patterns using it are mgmt addresses
        raw = open(schema).read().replace("\\\\p{N}\\\\p{L}", "\\\\w")
        errs = list(jsonschema.Draft7Validator(json.loads(raw)).iter_errors(c))
        assert not errs, [e.message for e in errs[:3]]
PY
fi
[ -n "${CLAB_SCHEMA:-}" ] && ok "containerlab's JSON schema accepts the clab files"

# 8. bad inputs: exit 1, one line "closgen: error: ...", no output left
mkdir -p "$tmp/bad" && echo keep > "$tmp/bad/old-output"
grep -v '^#' "$here/bad/expected.txt" | while IFS='	' read -r name want; do
	"$closgen" -Y "$yang" -i "$here/bad/$name.json" -o "$tmp/bad" \
		> "$tmp/out" 2> "$tmp/err"
	rc=$?
	if [ $rc -ne 1 ] || [ "$(wc -l < "$tmp/err")" -ne 1 ] ||
	   ! grep -q "^closgen: error: " "$tmp/err" ||
	   ! grep -qF -- "$want" "$tmp/err"; then
		echo "FAIL: bad/$name: rc=$rc: $(cat "$tmp/err")"; echo x >> "$tmp/badfails"
	fi
	if [ "$(ls "$tmp/bad")" != old-output ] || ls -d "$tmp"/bad.* 2>/dev/null; then
		echo "FAIL: bad/$name left output behind"; echo x >> "$tmp/badfails"
	fi
done
[ -f "$tmp/badfails" ] && fail "bad inputs" || ok "$(grep -vc '^#' "$here/bad/expected.txt") bad inputs rejected cleanly"

# 9. command line
"$closgen" --help | grep -q SYNOPSIS && ok "--help" || fail "--help"
"$closgen" -i x 2>/dev/null; [ $? -eq 2 ] && ok "usage error" || fail "usage exit code"
"$closgen" -Y "$yang" -i "$here/input/small.json" -o "$tmp/x" --frr nosuch 2>/dev/null
[ $? -eq 1 ] && [ ! -e "$tmp/x" ] && ok "--frr unknown switch" || fail "--frr nosuch"

# 10. the output directory's missing parents are created (mkdir -p); a file
# in the way is an error naming it, and nothing is left behind
"$closgen" -Y "$yang" -i "$here/input/small.json" -o "$tmp/p1/p2/out/" &&
	[ -f "$tmp/p1/p2/out/rsw-1-1/closbgpd.json" ] && ! ls -d "$tmp"/p1/p2/out.* 2>/dev/null &&
	ok "-o with missing parents (and a trailing slash)" || fail "-o p1/p2/out/"
mkdir "$tmp/m1" && : > "$tmp/m1/plain"
"$closgen" -Y "$yang" -i "$here/input/small.json" -o "$tmp/m1/plain/sub/out" 2> "$tmp/err"
rc=$?
[ $rc -eq 1 ] && [ "$(cat "$tmp/err")" = \
	"closgen: error: $tmp/m1/plain: cannot create directory: Not a directory" ] &&
	[ "$(ls -A "$tmp/m1")" = plain ] && ok "-o under a file: one error naming it" ||
	fail "-o under a file: rc=$rc $(cat "$tmp/err")"

[ $fails -eq 0 ] && echo "all closgen tests passed" || echo "$fails closgen test(s) failed"
[ $fails -eq 0 ]
