/* Least privilege (docs/security.md): with -u, once every privileged
 * socket is open (listeners, control socket, netlink), the daemon becomes
 * that user with only the capabilities it still needs. */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bgpd/control.h"
#include "bgpd/log.h"
#include "bgpd/session.h"

/* SO_BINDTODEVICE (neighbours with an interface, conn.c) needs CAP_NET_RAW
 * before Linux 5.7; since, a socket not yet bound to a device may be bound
 * by anyone. IP_MINTTL / IPV6_MINHOPCOUNT (GTSM), TCP_MD5SIG and the TCP-AO
 * options check no capability; SO_RCVBUFFORCE (fib/) needs CAP_NET_ADMIN. */
static bool priv_need_net_raw(void)
{
	struct utsname u;
	unsigned major = 0, minor = 0;

	if (uname(&u) < 0 || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return true;
	return major < 5 || (major == 5 && minor < 7);
}

static const char *priv_cap_name(int cap)
{
	switch (cap) {
	case CAP_NET_ADMIN: return "CAP_NET_ADMIN";
	case CAP_NET_BIND_SERVICE: return "CAP_NET_BIND_SERVICE";
	case CAP_NET_RAW: return "CAP_NET_RAW";
	default: return "?";
	}
}

/* Become user, keeping only CAP_NET_ADMIN (routes, links and netlink
 * buffers), CAP_NET_BIND_SERVICE (port 179 again when a reload re-binds the
 * listeners, a metrics port below 1024) and, on old kernels, CAP_NET_RAW.
 * The bounding set loses everything else, so no exec can regain it. */
int priv_drop(struct bgpd *d, const char *user, char *err, size_t errlen)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { { 0 } };
	int keep[3] = { CAP_NET_ADMIN, CAP_NET_BIND_SERVICE, CAP_NET_RAW };
	int nkeep = priv_need_net_raw() ? 3 : 2;
	uint64_t mask = 0;
	const struct passwd *pw;
	gid_t gid;
	uid_t uid;
	char kept[96] = "";

	errno = 0;
	if (!(pw = getpwnam(user))) {
		snprintf(err, errlen, "-u %s: %s", user, errno ? strerror(errno) : "no such user");
		return -1;
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (uid == 0) {
		snprintf(err, errlen, "-u %s: that is root", user);
		return -1;
	}
	for (int i = 0; i < nkeep; i++) {
		mask |= 1ull << keep[i];
		snprintf(kept + strlen(kept), sizeof(kept) - strlen(kept), "%s%s", i ? " " : "",
			 priv_cap_name(keep[i]));
	}
	/* The socket belongs to the daemon's user; its group and mode stay. */
	if (ctl_server_chown(d->ctl, uid, err, errlen) < 0)
		return -1;
	/* Every capability the running kernel knows, not only our headers'. */
	for (int cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++) {
		if (!(mask >> cap & 1) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			snprintf(err, errlen, "-u %s: dropping capability %d from the bounding set: %s",
				 user, cap, strerror(errno));
			return -1;
		}
	}
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || setgroups(1, &gid) < 0 ||
	    setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0) {
		snprintf(err, errlen, "-u %s: cannot become uid %u gid %u: %s", user, (unsigned)uid,
			 (unsigned)gid, strerror(errno));
		return -1;
	}
	data[0].permitted = data[0].effective = (uint32_t)mask;
	data[1].permitted = data[1].effective = (uint32_t)(mask >> 32);
	if (syscall(SYS_capset, &hdr, data) < 0 || prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) {
		snprintf(err, errlen, "-u %s: capset: %s", user, strerror(errno));
		return -1;
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); /* EINVAL before 4.3 */
	/* Check, rather than trust: no way back to root, and exactly mask. */
	memset(data, 0, sizeof(data));
	if (setuid(0) == 0 || syscall(SYS_capget, &hdr, data) < 0 ||
	    ((uint64_t)data[1].effective << 32 | data[0].effective) != mask ||
	    ((uint64_t)data[1].permitted << 32 | data[0].permitted) != mask) {
		snprintf(err, errlen, "-u %s: the privileges are not what they should be", user);
		return -1;
	}
	log_notice("main", "running as %s (uid %u, gid %u), capabilities kept: %s", user,
		   (unsigned)uid, (unsigned)gid, kept);
	return 0;
}
