#!/bin/sh
# Checks one generated frr.conf with FRR 8.4 itself: vtysh's dry run parses
# the whole integrated configuration, and bgpd's dry run executes the BGP
# part (interface blocks are zebra's), so semantic errors such as an unknown
# peer-group or a bad confederation peer list are reported too.
# Usage: frr_check.sh FILE...   Exit 77 (skip) when FRR is not installed.
VTYSH=${VTYSH:-vtysh}
BGPD=${BGPD:-/usr/lib/frr/bgpd}
command -v "$VTYSH" >/dev/null 2>&1 && [ -x "$BGPD" ] || exit 77
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"  # bgpd reads it as user frr
rc=0
for f in "$@"; do
	if ! out=$("$VTYSH" -C -f "$f" 2>&1) || [ -n "$out" ]; then
		echo "FRR (vtysh -C) rejects $f: $out"; rc=1; continue
	fi
	awk '/^interface /{skip=1} skip&&/^exit/{skip=0; next} !skip' "$f" |
		grep -v '^service integrated-vtysh-config' > "$tmp/bgp.conf"
	chmod 644 "$tmp/bgp.conf"
	# bgpd leaves /var/tmp/frr/bgpd.PID behind, even in a dry run: remove
	# ours, and ignore the notice a stale one (PID reuse) causes.
	"$BGPD" -C -f "$tmp/bgp.conf" > "$tmp/out" 2>&1 &
	pid=$!
	wait $pid
	rm -rf "/var/tmp/frr/bgpd.$pid"
	# bgp graceful-restart always says peers need a reset: a notice.
	out=$(grep -v -e 'failed to mkdir "/var/tmp/frr/' \
		-e 'crashlog and per-thread log buffering unavailable' \
		-e '^Graceful restart configuration changed, reset all peers to take effect$' \
		"$tmp/out")
	if [ -n "$out" ]; then
		echo "FRR (bgpd -C) rejects $f: $out"; rc=1
	fi
done
exit $rc
