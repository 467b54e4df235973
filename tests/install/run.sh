#!/bin/sh
# `make install DESTDIR=<scratch root>` and what it leaves there: every
# program of a man page in $(bindir) (section 1) or $(sbindir) (section 8)
# and every man page in $(mandir)/manN; the YANG modules; the systemd unit
# (its ExecStart the installed closbgpd with $(sysconfdir)/closbgp/device.json,
# `systemd-analyze verify` clean with its paths pointed into the scratch
# root); the sample configuration in $(sysconfdir)/closbgp, valid against the
# installed YANG module and for the installed closbgpd; the installed
# programs answer --help; `make uninstall` removes every file again.
# Run by `make check` from the top build directory, or by hand:
#   cd build && srcdir=.. ../tests/install/run.sh
set -u
srcdir=${srcdir:-.}
make=${MAKE:-make}
[ -f Makefile ] || { echo "run from the top build directory"; exit 1; }
tmp=$(mktemp -d /tmp/closbgp-install.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
root="$tmp/root"
fails=0 passes=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; passes=$((passes + 1)); }

# The installation directories as this build's Makefile has them.
"$make" -s --no-print-directory -f Makefile -f - closbgp-print-dirs \
	> "$tmp/dirs" <<'MK' || { echo "FAIL: cannot read the Makefile's directories"; exit 1; }
closbgp-print-dirs:
	@echo "bindir='$(bindir)' sbindir='$(sbindir)' mandir='$(mandir)'"
	@echo "sysconfdir='$(sysconfdir)' pkgdatadir='$(pkgdatadir)'"
	@echo "unitdir='$(systemdsystemunitdir)'"
MK
. "$tmp/dirs"

if "$make" -s install DESTDIR="$root" > "$tmp/install.log" 2>&1; then
	ok "make install DESTDIR=$root"
else
	tail -20 "$tmp/install.log"; fail "make install"
	echo "0 passed, $fails failed"; exit 1
fi
echo "installed:"
(cd "$root" && find . -type f -o -type l | sed 's|^\.|    |' | sort)

has() { # has FILE WHAT: FILE installed (under the scratch root)
	if [ -f "$root$1" ]; then ok "$2: $1"; else fail "$2 not installed: $1"; fi
}

# every man page of the sources and its program
npages=0
for page in "$srcdir"/*/*.[1-9]; do
	head -20 "$page" | grep -q '^\.TH ' || continue
	name=$(basename "$page"); sec=${name##*.}; prog=${name%.*}
	has "$mandir/man$sec/$name" "man page"
	npages=$((npages + 1))
	case $sec in
	1) has "$bindir/$prog" "program" ;;
	8) has "$sbindir/$prog" "program" ;;
	esac
done
[ "$npages" -gt 0 ] || fail "no man page found under $srcdir"

has "$pkgdatadir/yang/closbgp-device.yang" "YANG module"
has "$pkgdatadir/yang/closbgp-fabric.yang" "YANG module"
sample="$sysconfdir/closbgp/device.example.json"
has "$sample" "sample configuration"

# the installed programs run
for p in "$sbindir/closbgpd" "$sbindir/closctl" "$bindir/closgen" "$bindir/closlab"; do
	if "$root$p" --help > "$tmp/help" 2>&1 && grep -qi 'usage\|synopsis' "$tmp/help"; then
		ok "$p --help"
	else
		fail "$p --help: $(head -3 "$tmp/help")"
	fi
done
if "$root$sbindir/closbgpd" -t -c "$root$sample" > "$tmp/out" 2>&1; then
	ok "installed closbgpd -t accepts the sample: $(cat "$tmp/out")"
else
	fail "closbgpd -t on the sample: $(cat "$tmp/out")"
fi
if command -v yanglint > /dev/null 2>&1; then
	y="$root$pkgdatadir/yang"
	if out=$(yanglint -p "$y" "$y/closbgp-device.yang" "$root$sample" 2>&1) && [ -z "$out" ]; then
		ok "the sample is valid against the installed YANG module"
	else
		fail "yanglint on the installed sample: $out"
	fi
else
	echo "skip: yanglint not installed"
fi
if command -v man > /dev/null 2>&1; then
	if MANPATH="$root$mandir" man -w closbgpd closctl closgen closlab closbgp-device > /dev/null 2>&1; then
		ok "man finds the installed pages (MANPATH=$root$mandir)"
	else
		fail "man -w does not find the installed pages"
	fi
fi

# the systemd unit
if [ -z "$unitdir" ]; then
	echo "skip: configured --without-systemdsystemunitdir"
else
	unit="$unitdir/closbgpd.service"
	has "$unit" "systemd unit"
	u="$root$unit"
	grep -qx "ExecStart=$sbindir/closbgpd -c $sysconfdir/closbgp/device.json" "$u" &&
		grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$u" &&
		grep -qx 'RuntimeDirectory=closbgp' "$u" &&
		ok "unit: ExecStart, ExecReload, RuntimeDirectory" ||
		fail "unit: ExecStart/ExecReload/RuntimeDirectory not as expected: $(grep '^Exec' "$u")"
	if command -v systemd-analyze > /dev/null 2>&1; then
		mkdir -p "$tmp/unit"
		sed "s|=$sbindir/|=$root$sbindir/|" "$u" > "$tmp/unit/closbgpd.service"
		if MANPATH="$root$mandir" systemd-analyze verify "$tmp/unit/closbgpd.service" \
			> "$tmp/verify" 2>&1 && [ ! -s "$tmp/verify" ]; then
			ok "systemd-analyze verify: clean"
		else
			cat "$tmp/verify"; fail "systemd-analyze verify"
		fi
	else
		echo "skip: systemd-analyze not installed"
	fi
fi

# and uninstall leaves no file
"$make" -s uninstall DESTDIR="$root" > "$tmp/uninstall.log" 2>&1 || fail "make uninstall"
left=$(cd "$root" && find . -type f -o -type l)
[ -z "$left" ] && ok "make uninstall removes every file" || fail "left after uninstall: $left"

echo "install: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
