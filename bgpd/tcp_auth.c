/* TCP authentication of sessions on their sockets: the TCP-MD5 key
 * (RFC 2385) or the TCP-AO master key tuples (RFC 5925) for the peer's
 * address, on our connections and on the listening sockets; TCP-AO key
 * changes on a running connection (RFC 5925 7.3) and its state read back.
 * The kernel does the signing; nothing here sees a segment. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bgpd/session.h"

/* TCP-AO (RFC 5925) socket options, Linux 6.7 uapi (linux/tcp.h). The ABI
 * is stable; it is declared here under our own names because the build
 * host's headers may predate it (Debian 12 ships 6.1's) and linux/tcp.h
 * does not mix with netinet/tcp.h. Whether the running kernel has it
 * (CONFIG_TCP_AO) is found out by trying: ENOPROTOOPT when it has not. */
#define CONN_TCP_AO_ADD_KEY 38
#define CONN_TCP_AO_DEL_KEY 39
#define CONN_TCP_AO_INFO 40
#define CONN_TCP_AO_MAXKEYLEN 80

struct conn_tcp_ao_add { /* struct tcp_ao_add */
	struct sockaddr_storage addr; /* the peer, port 0 */
	char alg_name[64];
	int32_t ifindex;	      /* VRF only */
	uint32_t set_current : 1, set_rnext : 1, reserved : 30;
	uint16_t reserved2;
	uint8_t prefix, sndid, rcvid, maclen, keyflags, keylen;
	uint8_t key[CONN_TCP_AO_MAXKEYLEN];
} __attribute__((aligned(8)));

struct conn_tcp_ao_del { /* struct tcp_ao_del */
	struct sockaddr_storage addr;
	int32_t ifindex;
	uint32_t set_current : 1, set_rnext : 1, del_async : 1, reserved : 29;
	uint16_t reserved2;
	uint8_t prefix, sndid, rcvid, current_key, rnext, keyflags;
} __attribute__((aligned(8)));

struct conn_tcp_ao_info { /* struct tcp_ao_info_opt */
	uint32_t set_current : 1, set_rnext : 1, ao_required : 1, set_counters : 1,
		accept_icmps : 1, reserved : 27;
	uint16_t reserved2;
	uint8_t current_key, rnext; /* a SendID, a RecvID */
	uint64_t pkt_good, pkt_bad, pkt_key_not_found, pkt_ao_required, pkt_dropped_icmp;
} __attribute__((aligned(8)));

_Static_assert(sizeof(struct conn_tcp_ao_add) == 288, "struct tcp_ao_add is 288 bytes");
_Static_assert(sizeof(struct conn_tcp_ao_del) == 144, "struct tcp_ao_del is 144 bytes");
_Static_assert(sizeof(struct conn_tcp_ao_info) == 48, "struct tcp_ao_info_opt is 48 bytes");

/* The peer's address as the kernel's key tables want it: port 0. */
static struct sockaddr_storage conn_auth_addr(const struct cfg_peer *cfg)
{
	struct sockaddr_storage ss = cfg->addr;

	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = 0;
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = 0;
	return ss;
}

/* RFC 2385: the key for segments to and from the peer's address; a key
 * length of 0 deletes it. */
static int conn_md5_set(int fd, const struct cfg_peer *cfg, bool remove)
{
	struct tcp_md5sig m;
	size_t len = strlen(cfg->auth.key);

	memset(&m, 0, sizeof(m));
	m.tcpm_addr = conn_auth_addr(cfg);
	m.tcpm_keylen = remove ? 0 : (uint16_t)len;
	memcpy(m.tcpm_key, cfg->auth.key, remove ? 0 : len);
	return setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &m, sizeof(m));
}

static const char *conn_ao_alg(enum cfg_ao_alg alg)
{
	/* cmac(aes128): the kernel derives the 16-byte key (RFC 5926 3.1.1.2) */
	return alg == CFG_AO_AES128_CMAC_96 ? "cmac(aes128)" : "hmac(sha1)";
}

/* RFC 5925 3.1: an MKT for the peer's address (prefix of the whole
 * address), its SendID/RecvID, a 96-bit MAC (RFC 5926); current: what
 * this connection sends with and asks the peer to send with (RNextKeyID). */
static int conn_ao_add(int fd, const struct cfg_peer *cfg, const struct cfg_ao_mkt *k,
		       bool current)
{
	struct conn_tcp_ao_add a;
	size_t len = strlen(k->key);

	memset(&a, 0, sizeof(a));
	a.addr = conn_auth_addr(cfg);
	snprintf(a.alg_name, sizeof(a.alg_name), "%s", conn_ao_alg(k->alg));
	a.set_current = a.set_rnext = current;
	a.prefix = cfg->addr.ss_family == AF_INET ? 32 : 128;
	a.sndid = k->send_id;
	a.rcvid = k->recv_id;
	a.maclen = 12; /* 96 bits */
	a.keylen = (uint8_t)len;
	memcpy(a.key, k->key, len);
	return setsockopt(fd, IPPROTO_TCP, CONN_TCP_AO_ADD_KEY, &a, sizeof(a));
}

/* The MKT off fd; on a connection, cur (if any) becomes current and RNext
 * in the same call, so that the kernel lets go of a key the peer had
 * asked it to send with. */
static int conn_ao_del(int fd, const struct cfg_peer *cfg, const struct cfg_ao_mkt *k,
		       bool listening, const struct cfg_ao_mkt *cur)
{
	struct conn_tcp_ao_del d;

	memset(&d, 0, sizeof(d));
	d.addr = conn_auth_addr(cfg);
	d.prefix = cfg->addr.ss_family == AF_INET ? 32 : 128;
	d.sndid = k->send_id;
	d.rcvid = k->recv_id;
	d.del_async = listening;
	if (cur && !listening) {
		d.set_current = d.set_rnext = 1;
		d.current_key = cur->send_id;
		d.rnext = cur->recv_id;
	}
	return setsockopt(fd, IPPROTO_TCP, CONN_TCP_AO_DEL_KEY, &d, sizeof(d));
}

static bool conn_ao_has(const struct cfg_ao_mkt *v, size_t n, const struct cfg_ao_mkt *k)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].send_id == k->send_id && v[i].recv_id == k->recv_id)
			return true;
	return false;
}

/* Every MKT of cfg on fd (a connecting socket: the first is current), or
 * off it. A listening socket's MKT with the same IDs is replaced (the
 * kernel refuses a second one: EEXIST). */
static int conn_ao_set(int fd, const struct cfg_peer *cfg, bool listening, bool remove)
{
	struct cfg_ao_mkt k[CFG_AO_MKT_MAX];
	size_t n = config_ao_mkts(&cfg->auth, k);
	int rc = 0, err = 0;

	for (size_t i = 0; i < n; i++) {
		if (remove || listening) {
			if (conn_ao_del(fd, cfg, &k[i], listening, NULL) < 0 && remove && !rc) {
				rc = -1;
				err = errno;
			}
			if (remove)
				continue;
		}
		if (conn_ao_add(fd, cfg, &k[i], !listening && i == 0) < 0)
			return -1;
	}
	errno = err;
	return rc;
}

int conn_auth_set(int fd, const struct cfg_peer *cfg, bool listening, bool remove)
{
	switch (cfg->auth.kind) {
	case CFG_AUTH_MD5:
		return conn_md5_set(fd, cfg, remove);
	case CFG_AUTH_AO:
		return conn_ao_set(fd, cfg, listening, remove);
	default:
		return 0;
	}
}

int conn_ao_rekey(int fd, const struct cfg_peer *old, const struct cfg_peer *nw, bool listening)
{
	struct cfg_ao_mkt ko[CFG_AO_MKT_MAX], kn[CFG_AO_MKT_MAX];
	size_t no = config_ao_mkts(&old->auth, ko), nn = config_ao_mkts(&nw->auth, kn);

	for (size_t i = 0; i < nn; i++)
		if (!conn_ao_has(ko, no, &kn[i]) && conn_ao_add(fd, nw, &kn[i], false) < 0)
			return -1;
	if (!listening) {
		struct conn_tcp_ao_info in;
		memset(&in, 0, sizeof(in));
		in.set_current = in.set_rnext = 1;
		in.current_key = kn[0].send_id;
		in.rnext = kn[0].recv_id;
		if (setsockopt(fd, IPPROTO_TCP, CONN_TCP_AO_INFO, &in, sizeof(in)) < 0)
			return -1;
	}
	for (size_t i = 0; i < no; i++)
		if (!conn_ao_has(kn, nn, &ko[i]) && conn_ao_del(fd, old, &ko[i], listening, &kn[0]) < 0)
			return -1;
	return 0;
}

int conn_ao_state(int fd, struct conn_ao_state *st)
{
	struct conn_tcp_ao_info out;
	socklen_t len = sizeof(out);

	memset(&out, 0, sizeof(out));
	memset(st, 0, sizeof(*st));
	if (getsockopt(fd, IPPROTO_TCP, CONN_TCP_AO_INFO, &out, &len) < 0)
		return -1;
	st->has_current = out.set_current;
	st->has_rnext = out.set_rnext;
	st->current_key = out.current_key;
	st->rnext_key = out.rnext;
	st->good = out.pkt_good;
	st->bad = out.pkt_bad;
	st->key_not_found = out.pkt_key_not_found;
	st->ao_required = out.pkt_ao_required;
	return 0;
}

int conn_auth_probe(const struct cfg_peer *cfg, char *why, size_t len)
{
	const char *what = cfg->auth.kind == CFG_AUTH_AO ? "TCP-AO (RFC 5925)" : "TCP-MD5 (RFC 2385)";
	int fd, err;

	if (cfg->auth.kind == CFG_AUTH_NONE)
		return 0;
	fd = socket(cfg->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(why, len, "%s: socket: %s", what, strerror(errno));
		return -1;
	}
	err = conn_auth_set(fd, cfg, false, false) < 0 ? errno : 0;
	close(fd);
	if (err == 0)
		return 0;
	if (err == ENOPROTOOPT && cfg->auth.kind == CFG_AUTH_AO)
		snprintf(why, len,
			 "%s not supported by this kernel: TCP_AO_ADD_KEY: %s (needs Linux >= 6.7 "
			 "with CONFIG_TCP_AO)",
			 what, strerror(err));
	else if (err == ENOPROTOOPT)
		snprintf(why, len,
			 "%s not supported by this kernel: TCP_MD5SIG: %s (needs CONFIG_TCP_MD5SIG)",
			 what, strerror(err));
	else if (err == ENOENT && cfg->auth.kind == CFG_AUTH_AO)
		snprintf(why, len, "%s: the kernel has no MAC algorithm of its MKTs (%s; "
			 "CONFIG_CRYPTO_SHA1 for hmac(sha1), CONFIG_CRYPTO_CMAC for cmac(aes128))",
			 what, strerror(err));
	else
		snprintf(why, len, "%s: the kernel refuses the key: %s", what, strerror(err));
	return -1;
}
