/* RFC 4271 9.1.2.2 tie-breaking, in order, with RFC 5065 5.3 (confederation
 * segments do not count in AS_PATH length) and the usual preference of
 * eBGP over confederation-eBGP over iBGP. Loop detection happens before a
 * path gets here (such a path is never a candidate). */
#include <string.h>

#include "rib/decide.h"

/* Number of ASes in AS_CONFED_SEQUENCE segments (canonical 4-octet form). */
static unsigned confed_seq_len(const uint8_t *ap, size_t len)
{
	unsigned n = 0;

	for (size_t i = 0; i + 2 <= len;) {
		uint8_t type = ap[i], count = ap[i + 1];
		if (type == AS_CONFED_SEQUENCE)
			n += count;
		i += 2 + (size_t)count * 4;
	}
	return n;
}

static uint16_t clamp16(unsigned n)
{
	return n > UINT16_MAX ? UINT16_MAX : (uint16_t)n;
}

void rib_dkey_of(const struct bgp_attrs *a, struct rib_dkey *k)
{
	k->local_pref = (a->seen & BGP_ATTR_BIT(BGP_ATTR_LOCAL_PREF)) ? a->local_pref : 100;
	/* RFC 4271 9.1.2.2 c: a missing MED is the lowest value. */
	k->med = (a->seen & BGP_ATTR_BIT(BGP_ATTR_MED)) ? a->med : 0;
	k->first_as = aspath_first_as(a->aspath, a->aspath_len);
	k->path_len = clamp16(aspath_length(a->aspath, a->aspath_len));
	k->confed_len = clamp16(confed_seq_len(a->aspath, a->aspath_len));
	k->origin = a->origin;
}

static unsigned path_length(const struct rib_decide_cfg *cfg, const struct rib_dkey *k)
{
	return cfg->count_confed ? (unsigned)k->path_len + k->confed_len : k->path_len;
}

static int cmp_u32(uint32_t x, uint32_t y)
{
	return x < y ? -1 : x > y;
}

/* Compare through the rules that make paths ECMP candidates; stop at the
 * first difference. */
static int cmp_upto_type(const struct rib_decide_cfg *cfg, const struct rib_src *sa,
			 const struct rib_dkey *a, const struct rib_src *sb,
			 const struct rib_dkey *b, enum rib_decide_step *step)
{
	int c;

	*step = RIB_STEP_LOCAL;
	if ((c = (sa->kind != RIB_SRC_LOCAL) - (sb->kind != RIB_SRC_LOCAL)) != 0)
		return c;
	*step = RIB_STEP_LOCAL_PREF;
	if ((c = -cmp_u32(a->local_pref, b->local_pref)) != 0)
		return c;
	*step = RIB_STEP_AS_PATH;
	if ((c = cmp_u32(path_length(cfg, a), path_length(cfg, b))) != 0)
		return c;
	*step = RIB_STEP_ORIGIN;
	if ((c = cmp_u32(a->origin, b->origin)) != 0)
		return c;
	*step = RIB_STEP_MED;
	if (cfg->always_compare_med || a->first_as == b->first_as)
		if ((c = cmp_u32(a->med, b->med)) != 0)
			return c;
	*step = RIB_STEP_PEER_TYPE;
	return cmp_u32(sa->kind, sb->kind); /* EBGP < CONFED < IBGP */
}

int rib_path_cmp_key(const struct rib_decide_cfg *cfg, const struct rib_src *sa,
		     const struct rib_dkey *a, const struct rib_src *sb, const struct rib_dkey *b,
		     enum rib_decide_step *step)
{
	enum rib_decide_step s;
	int c = cmp_upto_type(cfg, sa, a, sb, b, &s);

	if (c == 0) {
		/* (IGP cost to the next hop: all single-hop, equal.) */
		s = RIB_STEP_ROUTER_ID;
		c = cmp_u32(sa->router_id, sb->router_id);
	}
	if (c == 0) {
		s = RIB_STEP_PEER_ADDR;
		c = sa->family != sb->family ? cmp_u32(sa->family, sb->family)
					     : memcmp(sa->addr, sb->addr, 16);
	}
	if (step)
		*step = c ? s : RIB_STEP_EQUAL;
	return c < 0 ? -1 : c > 0;
}

bool rib_path_multipath_key(const struct rib_decide_cfg *cfg, const struct rib_src *sa,
			    const struct rib_dkey *a, const struct rib_src *sb,
			    const struct rib_dkey *b)
{
	enum rib_decide_step s;

	if (cmp_upto_type(cfg, sa, a, sb, b, &s) != 0)
		return false;
	if (sa->kind == RIB_SRC_LOCAL)
		return false; /* local routes are not forwarded through peers */
	return cfg->multipath_relax || a->first_as == b->first_as;
}

int rib_path_cmp(const struct rib_decide_cfg *cfg, const struct rib_src *sa,
		 const struct bgp_attrs *a, const struct rib_src *sb, const struct bgp_attrs *b,
		 enum rib_decide_step *step)
{
	struct rib_dkey ka, kb;

	rib_dkey_of(a, &ka);
	rib_dkey_of(b, &kb);
	return rib_path_cmp_key(cfg, sa, &ka, sb, &kb, step);
}

bool rib_path_multipath(const struct rib_decide_cfg *cfg, const struct rib_src *sa,
			const struct bgp_attrs *a, const struct rib_src *sb,
			const struct bgp_attrs *b)
{
	struct rib_dkey ka, kb;

	rib_dkey_of(a, &ka);
	rib_dkey_of(b, &kb);
	return rib_path_multipath_key(cfg, sa, &ka, sb, &kb);
}

const char *rib_decide_step_str(enum rib_decide_step s)
{
	static const char *const names[] = {
		"equal", "local origin", "LOCAL_PREF", "AS_PATH length", "ORIGIN",
		"MED", "peer type", "router id", "peer address",
	};
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}
