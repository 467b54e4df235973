#!/usr/bin/env bash
# The Debian package, built and run the way an operator gets it:
#   1. the working tree (git ls-files: tracked and untracked-not-ignored
#      files, so uncommitted work is tested; no build-* directory) copied
#      into a scratch directory, `dpkg-buildpackage -us -uc -b` there with
#      DEB_BUILD_OPTIONS="nocheck parallel=2" (tools/check runs make check);
#   2. lintian --fail-on error,warning on the .changes;
#   3. the package's metadata: Depends (libev, libyang2, protobuf-c, libmnl,
#      python3, python3-yaml), the sample configuration a conffile, the unit
#      neither enabled nor started by the maintainer scripts; and
#      `apt-get install --simulate` resolves its dependencies on this machine;
#   4. the source tree is deleted, the package unpacked into a scratch root
#      (dpkg-deb -x) and its files checked; `systemd-analyze verify` on its
#      unit (paths pointed into the scratch root);
#   5. the installed programs run: --help; closbgpd -t on the packaged sample
#      and on closgen's configuration of a switch of a small fabric; then two
#      packaged closbgpd, each in a network namespace of its own (clos-pkg-PID
#      and clos-pkg-PID-b, a veth between them, kernel FIB on), peer,
#      exchange routes and program them, shown by the packaged closctl.
# closbgpd runs with the scratch root's /usr laid over /usr (overlayfs, in a
# mount namespace of its own), so it is /usr/sbin/closbgpd reading
# /usr/share/closbgp/yang exactly as installed; a decoy module where the
# deleted build tree was proves it reads nothing else. Nothing runs in the
# root network namespace and nothing is installed on this machine.
# Needs root (namespaces, mounts). A minute or two on 2 cores:
#   tests/package/run.sh [--keep]     (--keep: leave the scratch directory)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
keep=no
[ "${1:-}" = --keep ] && keep=yes
[ "$(id -u)" -eq 0 ] || { echo "tests/package/run.sh: needs root"; exit 1; }
for t in dpkg-buildpackage dh lintian dpkg-deb apt-get ip unshare systemd-analyze python3; do
	command -v "$t" > /dev/null || { echo "FAIL: $t not installed (tools/deps)"; exit 1; }
done

tmp=$(mktemp -d /tmp/closbgp-pkg.XXXXXX) || exit 1
ns=clos-pkg-$$
nsb=clos-pkg-$$-b
fails=0 passes=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; passes=$((passes + 1)); }
step() { printf '\n== %s (%ds)\n' "$*" "$SECONDS"; }

# Stop what we started, by its PID file; remove our namespaces.
stop_daemon() { # stop_daemon NAME
	local pidf="$tmp/$1.pid" pid i
	[ -f "$pidf" ] || return 0
	pid=$(cat "$pidf")
	rm -f "$pidf"
	kill -TERM "$pid" 2> /dev/null || return 0
	for i in $(seq 50); do
		kill -0 "$pid" 2> /dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2> /dev/null
	wait "$pid" 2> /dev/null
	return 0
}
cleanup() {
	stop_daemon a
	stop_daemon b
	ip netns del "$ns" 2> /dev/null
	ip netns del "$nsb" 2> /dev/null
	if [ "$keep" = yes ]; then echo "kept: $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

finish() {
	echo
	echo "package: $passes passed, $fails failed (${SECONDS}s)"
	[ "$fails" -eq 0 ]
	exit
}

# 1. the working tree -> a scratch copy -> dpkg-buildpackage
step "copy the working tree"
src="$tmp/src"
mkdir -p "$src"
git -C "$top" ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do
		case $f in build-* | debian/.debhelper/* | debian/closbgp/* | debian/tmp/*) continue ;; esac
		[ -e "$top/$f" ] || [ -L "$top/$f" ] || continue # deleted, not committed yet
		printf '%s\0' "$f"
	done | (cd "$top" && xargs -0 -r cp -P --parents -t "$src") ||
	{ fail "cannot copy the working tree"; finish; }
[ -f "$src/debian/control" ] && [ -f "$src/configure.ac" ] &&
	ok "copied $(find "$src" -type f | wc -l) files into $src" ||
	{ fail "the copy has no debian/control or configure.ac"; finish; }

step "dpkg-buildpackage -us -uc -b"
t0=$SECONDS
if (cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=2" dpkg-buildpackage -us -uc -b) \
	> "$tmp/build.log" 2>&1; then
	ok "dpkg-buildpackage in $((SECONDS - t0))s"
else
	tail -40 "$tmp/build.log"
	fail "dpkg-buildpackage (log above)"
	finish
fi
version=$(cd "$src" && dpkg-parsechangelog -S Version)
arch=$(dpkg --print-architecture)
deb="$tmp/closbgp_${version}_$arch.deb"
changes="$tmp/closbgp_${version}_$arch.changes"
[ -f "$deb" ] || { fail "no $deb"; finish; }
acver=$(sed -n 's/^AC_INIT(\[closbgp\], \[\([^]]*\)\].*/\1/p' "$src/configure.ac")
[ "$version" = "$acver" ] && ok "version $version (configure.ac: $acver)" ||
	fail "debian/changelog version $version, configure.ac $acver"
ok "$(basename "$deb"): $(stat -c %s "$deb") bytes, Installed-Size $(dpkg-deb -f "$deb" Installed-Size) KiB"

# 2. lintian
step "lintian --fail-on error,warning"
t0=$SECONDS
if lintian --fail-on error,warning --display-info "$changes" > "$tmp/lintian.log" 2>&1; then
	ok "lintian: no error, no warning ($((SECONDS - t0))s); $(grep -c '^[IPXO]:' "$tmp/lintian.log") info/pedantic tags"
else
	fail "lintian"
fi
grep -v 'running with root privileges' "$tmp/lintian.log" | sed 's/^/    /'

# 3. metadata and dependencies
step "package metadata"
depends=$(dpkg-deb -f "$deb" Depends)
echo "    Depends: $depends"
for d in libc6 libev4 libyang2 libprotobuf-c1 libmnl0 python3 python3-yaml iproute2; do
	printf '%s\n' "$depends" | tr ',' '\n' | grep -q "^ *$d\( \|$\)" ||
		fail "Depends lacks $d"
done
ok "Depends has the shared libraries (shlibs) and closlab's python3, python3-yaml"
dpkg-deb -e "$deb" "$tmp/control"
grep -qx /etc/closbgp/device.example.json "$tmp/control/conffiles" &&
	ok "conffile: /etc/closbgp/device.example.json" || fail "sample configuration is not a conffile"
dpkg-deb -c "$deb" | grep -q '/etc/closbgp/device\.json$' &&
	fail "the package ships /etc/closbgp/device.json" || ok "no /etc/closbgp/device.json shipped"
# dh_installsystemd --no-enable: the unit is enabled only when it was
# before (reinstall, upgrade), and deb-systemd-invoke starts no disabled unit.
pi="$tmp/control/postinst"
if [ -f "$pi" ] && grep -q "debian-installed 'closbgpd.service'" "$pi" &&
	! grep -q 'new installations run enable' "$pi"; then
	ok "postinst does not enable closbgpd.service"
else
	fail "postinst enables closbgpd.service: $(grep -n 'enable' "$pi" 2> /dev/null)"
fi
if [ ! -f "$tmp/control/preinst" ] && ! grep -q 'restart' "$pi"; then
	ok "an upgrade neither stops nor restarts a running closbgpd"
else
	fail "the maintainer scripts stop or restart closbgpd on upgrade"
fi
grep -q 'deb-systemd-invoke stop' "$tmp/control/prerm" 2> /dev/null &&
	ok "prerm stops closbgpd on removal" || fail "prerm does not stop closbgpd on removal"

if apt-get install --simulate "$deb" > "$tmp/apt.log" 2>&1 &&
	grep -q '^Inst closbgp ' "$tmp/apt.log"; then
	ok "apt-get install --simulate: the dependencies resolve ($(grep -c '^Inst ' "$tmp/apt.log") to install)"
else
	tail -20 "$tmp/apt.log"
	fail "apt-get install --simulate $deb"
fi

# 4. no source tree any more; the package unpacked into a scratch root
step "unpack into a scratch root (the build tree deleted)"
cp "$src/tests/topo/input/small.json" "$tmp/fabric.json" # closgen's input below
rm -rf "$src"
yang_src="$src/topo/yang" # what the build compiled in as the source tree's modules
root="$tmp/root"
dpkg-deb -x "$deb" "$root" || { fail "dpkg-deb -x"; finish; }
for f in /usr/sbin/closbgpd /usr/sbin/closctl /usr/bin/closgen /usr/bin/closlab \
	/usr/share/man/man8/closbgpd.8.gz /usr/share/man/man8/closctl.8.gz \
	/usr/share/man/man1/closgen.1.gz /usr/share/man/man1/closlab.1.gz \
	/usr/share/man/man5/closbgp-device.5.gz \
	/usr/share/closbgp/yang/closbgp-device.yang /usr/share/closbgp/yang/closbgp-fabric.yang \
	/etc/closbgp/device.example.json /lib/systemd/system/closbgpd.service \
	/usr/share/doc/closbgp/copyright /usr/share/doc/closbgp/README.Debian; do
	[ -f "$root$f" ] || fail "not in the package: $f"
done
ok "programs, man pages, YANG modules, sample configuration, unit, docs"

unit="$root/lib/systemd/system/closbgpd.service"
grep -qx 'ExecStart=/usr/sbin/closbgpd -c /etc/closbgp/device.json' "$unit" &&
	grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$unit" &&
	ok "unit: ExecStart /usr/sbin/closbgpd -c /etc/closbgp/device.json, reload SIGHUP" ||
	fail "unit: $(grep '^Exec' "$unit")"
mkdir -p "$tmp/unit"
sed "s|=/usr/sbin/|=$root/usr/sbin/|" "$unit" > "$tmp/unit/closbgpd.service"
if MANPATH="$root/usr/share/man" systemd-analyze verify "$tmp/unit/closbgpd.service" \
	> "$tmp/verify" 2>&1 && [ ! -s "$tmp/verify" ]; then
	ok "systemd-analyze verify: clean"
else
	sed 's/^/    /' "$tmp/verify"
	fail "systemd-analyze verify"
fi

# 5. the installed programs
step "the installed programs"
# run_installed CMD...: with the package's /usr over /usr, in a private mount
# namespace (the process is then exactly /usr/sbin/closbgpd).
run_installed() {
	unshare --mount --propagation private /bin/sh -c \
		'mount -t overlay closbgp-pkg -o "lowerdir=$0/usr:/usr" /usr && exec "$@"' "$root" "$@"
}
for p in /usr/sbin/closbgpd /usr/sbin/closctl /usr/bin/closgen /usr/bin/closlab; do
	if run_installed "$p" --help > "$tmp/help" 2>&1 && grep -qi 'usage' "$tmp/help"; then
		ok "$p --help"
	else
		fail "$p --help: $(head -3 "$tmp/help")"
	fi
done

# A decoy closbgp-device module where the build tree was: the installed
# closbgpd must not read it (it reads /usr/share/closbgp/yang only).
mkdir -p "$yang_src"
printf 'module closbgp-device { yang-version 1.1; namespace "urn:decoy"; prefix d; }\n' \
	> "$yang_src/closbgp-device.yang"
sample=/etc/closbgp/device.example.json
if run_installed /usr/sbin/closbgpd -t -c "$root$sample" > "$tmp/out" 2>&1; then
	ok "installed closbgpd -t accepts the packaged sample: $(cat "$tmp/out")"
else
	fail "installed closbgpd -t on the packaged sample: $(cat "$tmp/out")"
fi
# ... while the same binary anywhere else does read it: the decoy works.
if "$root/usr/sbin/closbgpd" -t -c "$root$sample" > "$tmp/out" 2>&1 ||
	grep -q 'cannot load YANG module' "$tmp/out"; then
	fail "the decoy YANG module was not read by closbgpd outside /usr/sbin: $(cat "$tmp/out")"
else
	ok "outside /usr/sbin the same binary reads the decoy: $(tr -s '\n ' ' ' < "$tmp/out" | cut -c1-150)"
fi
rm -rf "$src"

# closgen (its installed modules) -> a switch's configuration -> closbgpd -t
if run_installed /usr/bin/closgen -i "$tmp/fabric.json" -o "$tmp/gen/out" > "$tmp/out" 2>&1; then
	ok "installed closgen: $(find "$tmp/gen/out" -name closbgpd.json | wc -l) closbgpd configurations"
else
	fail "installed closgen -i tests/topo/input/small.json: $(head -3 "$tmp/out")"
fi
conf=$(find "$tmp/gen/out" -name closbgpd.json 2> /dev/null | LC_ALL=C sort | head -1)
if [ -n "$conf" ] && run_installed /usr/sbin/closbgpd -t -c "$conf" > "$tmp/out" 2>&1; then
	ok "installed closbgpd -t accepts closgen's ${conf#"$tmp/gen/out/"}"
else
	fail "closbgpd -t on closgen's ${conf:-(none)}: $(head -3 "$tmp/out")"
fi

# Two packaged daemons, a veth between clos-pkg-PID and clos-pkg-PID-b.
step "two packaged closbgpd in network namespaces"
ip netns add "$ns" && ip netns add "$nsb" &&
	ip -n "$ns" link set lo up && ip -n "$nsb" link set lo up &&
	ip -n "$ns" link add pkg0 type veth peer name pkg0 netns "$nsb" &&
	ip -n "$ns" addr add 10.99.0.1/30 dev pkg0 && ip -n "$nsb" addr add 10.99.0.2/30 dev pkg0 &&
	ip -n "$ns" link set pkg0 up && ip -n "$nsb" link set pkg0 up ||
	{ fail "cannot create the namespaces $ns, $nsb"; finish; }
ok "namespaces $ns and $nsb, veth 10.99.0.1/30 -- 10.99.0.2/30"
cat > "$tmp/a.json" << 'EOF'
{ "closbgp-device:bgp": { "router-id": "10.0.0.1", "local-as": 65001,
    "neighbor": [ { "address": "10.99.0.2", "remote-as": 65002 } ],
    "network": [ { "prefix": "192.0.2.0/24" } ] } }
EOF
cat > "$tmp/b.json" << 'EOF'
{ "closbgp-device:bgp": { "router-id": "10.0.0.2", "local-as": 65002,
    "neighbor": [ { "address": "10.99.0.1", "remote-as": 65001 } ],
    "network": [ { "prefix": "198.51.100.0/24" } ] } }
EOF
start_daemon() { # start_daemon NAME NAMESPACE
	ip netns exec "$2" unshare --mount --propagation private /bin/sh -c \
		'mount -t overlay closbgp-pkg -o "lowerdir=$0/usr:/usr" /usr && exec "$@"' "$root" \
		/usr/sbin/closbgpd -c "$tmp/$1.json" -s "$tmp/$1.sock" > "$tmp/$1.log" 2>&1 &
	echo $! > "$tmp/$1.pid"
}
closctl() { "$root/usr/sbin/closctl" "$@"; }
# wait_for SECONDS WHAT CMD...: polls CMD every 0.2 s
wait_for() {
	local end=$((SECONDS + $1)) what=$2
	shift 2
	until "$@" > /dev/null 2>&1; do
		[ "$SECONDS" -lt "$end" ] || { fail "timeout: $what"; return 1; }
		sleep 0.2
	done
	ok "$what"
}
established() { closctl -s "$tmp/$1.sock" --json show peers | grep -q '"state": *"Established"'; }
has_route() { closctl -s "$tmp/$1.sock" show routes "$2" | grep -q "$2"; }
start_daemon a "$ns"
start_daemon b "$nsb"
wait_for 15 "closctl answers closbgpd a" closctl -s "$tmp/a.sock" show summary
wait_for 15 "closctl answers closbgpd b" closctl -s "$tmp/b.sock" show summary
wait_for 30 "a: 10.99.0.2 Established" established a
wait_for 30 "b: 10.99.0.1 Established" established b
wait_for 15 "a learned 198.51.100.0/24 from b" has_route a 198.51.100.0/24
wait_for 15 "b learned 192.0.2.0/24 from a" has_route b 192.0.2.0/24
wait_for 15 "the route is in a's kernel table (clos-pkg namespace)" \
	sh -c "ip -n '$ns' route show 198.51.100.0/24 | grep -q 10.99.0.2"
echo "    closctl show summary (a):"
closctl -s "$tmp/a.sock" show summary 2>&1 | sed 's/^/      /'
echo "    ip -n $ns route:"
ip -n "$ns" route 2>&1 | sed 's/^/      /'
for d in a b; do
	pid=$(cat "$tmp/$d.pid")
	exe=$(readlink "/proc/$pid/exe" 2> /dev/null)
	[ "$exe" = /usr/sbin/closbgpd ] && ok "closbgpd $d (pid $pid) runs as $exe" ||
		fail "closbgpd $d: /proc/$pid/exe is '$exe'"
done
if [ "$fails" -ne 0 ]; then
	for d in a b; do echo "    closbgpd $d log:"; tail -20 "$tmp/$d.log" | sed 's/^/      /'; done
fi
stop_daemon a
stop_daemon b
logerr='^[^ ]+ (error|warning) '
grep -qE "$logerr" "$tmp/a.log" "$tmp/b.log" &&
	fail "errors in the daemons' logs: $(grep -hE "$logerr" "$tmp/a.log" "$tmp/b.log" | head -5)" ||
	ok "stopped both daemons (SIGTERM by PID file); no error or warning in their logs"
finish
