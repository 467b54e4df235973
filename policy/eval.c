/* Evaluating a chain on one path: conditions (match), edits of a working
 * copy of the attributes (actions), and the verdict. The first statement
 * that matches with a final result decides; next-statement applies its
 * edits and goes on; nothing accepted is rejected (default deny). */
#include <stdlib.h>
#include <string.h>

#include "policy/policy_int.h"

/* ---- conditions ---------------------------------------------------------- */

static bool has_comm(const struct bgp_attrs *a, uint32_t c)
{
	for (uint16_t i = 0; i < a->ncommunities; i++)
		if (a->communities[i] == c)
			return true;
	return false;
}

static bool has_lcomm(const struct bgp_attrs *a, const struct bgp_large_community *c)
{
	for (uint16_t i = 0; i < a->nlarge; i++)
		if (a->large[i].global == c->global && a->large[i].local1 == c->local1 &&
		    a->large[i].local2 == c->local2)
			return true;
	return false;
}

/* any / all / none of n members, present(i) telling member i. */
static bool set_match(uint8_t mode, size_t n, size_t found)
{
	switch (mode) {
	case POL_SET_ALL:
		return found == n;
	case POL_SET_NONE:
		return found == 0;
	default:
		return found > 0;
	}
}

static bool match_comm(const struct pol_match *m, const struct bgp_attrs *a)
{
	size_t found = 0;

	for (size_t i = 0; i < m->comm->n; i++)
		found += has_comm(a, m->comm->v[i]);
	return set_match(m->comm_mode, m->comm->n, found);
}

static bool match_lcomm(const struct pol_match *m, const struct bgp_attrs *a)
{
	size_t found = 0;

	for (size_t i = 0; i < m->lcomm->n; i++)
		found += has_lcomm(a, &m->lcomm->v[i]);
	return set_match(m->lcomm_mode, m->lcomm->n, found);
}

static bool match_rtype(const struct pol_match *m, const struct bgp_attrs *a)
{
	for (size_t i = 0; i < m->nrtypes; i++)
		if (has_comm(a, m->rtypes[i]))
			return true;
	return false;
}

static bool in_u32s(const uint32_t *v, size_t n, uint32_t x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

static bool in_prefix(const struct pol_pfx *e, const struct bgp_prefix *p)
{
	unsigned full = e->p.len / 8, rest = e->p.len % 8;

	if (p->family != e->p.family || p->len < e->p.len || p->len < e->min || p->len > e->max)
		return false;
	if (memcmp(p->addr, e->p.addr, full) != 0)
		return false;
	return !rest || ((p->addr[full] ^ e->p.addr[full]) & (uint8_t)(0xFF00u >> rest)) == 0;
}

static bool match_prefix(const struct pol_match *m, const struct bgp_prefix *p)
{
	bool in = false;

	for (size_t i = 0; !in && i < m->pfx->n; i++)
		in = in_prefix(&m->pfx->v[i], p);
	return in != m->pfx_invert;
}

/* The AS_PATH string, made once per evaluation when a regex needs it. */
static bool match_aspath(struct pol_run *r, const struct pol_match *m, const struct bgp_attrs *a)
{
	if (!r->aspath_ready) {
		pol_aspath_str(a->aspath, a->aspath_len, r->s->aspath_str, sizeof(r->s->aspath_str));
		r->aspath_ready = true;
	}
	for (size_t i = 0; i < m->aspath->n; i++)
		if (regexec(&m->aspath->re[i], r->s->aspath_str, 0, NULL, 0) == 0)
			return true;
	return false;
}

static bool match(struct pol_run *r, const struct pol_match *m)
{
	const struct bgp_attrs *a = r->cur;
	unsigned len;

	if ((m->has & POL_M_FAMILY) && r->pfx->family != m->family)
		return false;
	if ((m->has & POL_M_NBR_AS) && !in_u32s(m->nbr_as, m->nnbr_as, r->env->peer_as))
		return false;
	if (m->has & POL_M_GROUP) {
		bool in = false;
		for (size_t i = 0; !in && i < m->ngroups; i++)
			in = m->groups[i] == r->env->group;
		if (!in)
			return false;
	}
	if ((m->has & POL_M_ORIGIN) && !(m->origins & (1u << (a->origin & 7))))
		return false;
	if (m->has & POL_M_ASLEN) {
		len = aspath_length(a->aspath, a->aspath_len);
		if (len < m->aslen_min || len > m->aslen_max)
			return false;
	}
	if ((m->has & POL_M_RTYPE) && !match_rtype(m, a))
		return false;
	if ((m->has & POL_M_COMM) && !match_comm(m, a))
		return false;
	if ((m->has & POL_M_LCOMM) && !match_lcomm(m, a))
		return false;
	if ((m->has & POL_M_PREFIX) && !match_prefix(m, r->pfx))
		return false;
	return !(m->has & POL_M_ASPATH) || match_aspath(r, m, a);
}

/* ---- actions on the working copy ---------------------------------------- */

/* memcpy for lists that may be empty: an interned set's empty list, and
 * an edit's, is a NULL pointer, which memcpy must not get even for 0. */
static void copy(void *dst, const void *src, size_t n)
{
	if (n)
		memcpy(dst, src, n);
}

/* The working copy: attrs whose lists live in the scratch, made on the
 * first edit. */
static void work_begin(struct pol_run *r)
{
	struct pol_scratch *s = r->s;

	if (r->cur == &s->a)
		return;
	s->a = *r->cur;
	copy(s->comm, r->cur->communities, (size_t)r->cur->ncommunities * sizeof(uint32_t));
	s->a.communities = s->comm;
	copy(s->lcomm, r->cur->large, (size_t)r->cur->nlarge * sizeof(*s->lcomm));
	s->a.large = s->lcomm;
	copy(s->aspath[0], r->cur->aspath, r->cur->aspath_len);
	s->a.aspath = s->aspath[0];
	s->cur_path = 0;
	r->cur = &s->a;
}

static void comm_edit(struct pol_scratch *s, const struct pol_comm_edit *e)
{
	struct bgp_attrs *a = &s->a;
	size_t n = a->ncommunities, o = 0;

	if (e->replace) {
		copy(s->comm, e->repl, e->nrepl * sizeof(uint32_t));
		n = e->nrepl;
	}
	for (size_t i = 0; i < n; i++)
		if (!in_u32s(e->del, e->ndel, s->comm[i]))
			s->comm[o++] = s->comm[i];
	for (size_t i = 0; i < e->nadd && o < POL_MAX_COMM; i++)
		if (!in_u32s(s->comm, o, e->add[i]))
			s->comm[o++] = e->add[i];
	a->ncommunities = (uint16_t)o;
	if (o)
		a->seen |= BGP_ATTR_BIT(BGP_ATTR_COMMUNITIES);
	else
		a->seen &= ~BGP_ATTR_BIT(BGP_ATTR_COMMUNITIES);
}

static bool in_lcs(const struct bgp_large_community *v, size_t n,
		   const struct bgp_large_community *c)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].global == c->global && v[i].local1 == c->local1 && v[i].local2 == c->local2)
			return true;
	return false;
}

static void lcomm_edit(struct pol_scratch *s, const struct pol_lcomm_edit *e)
{
	struct bgp_attrs *a = &s->a;
	size_t n = a->nlarge, o = 0;

	if (e->replace) {
		copy(s->lcomm, e->repl, e->nrepl * sizeof(*e->repl));
		n = e->nrepl;
	}
	for (size_t i = 0; i < n; i++)
		if (!in_lcs(e->del, e->ndel, &s->lcomm[i]))
			s->lcomm[o++] = s->lcomm[i];
	for (size_t i = 0; i < e->nadd && o < POL_MAX_LCOMM; i++)
		if (!in_lcs(s->lcomm, o, &e->add[i]))
			s->lcomm[o++] = e->add[i];
	a->nlarge = (uint16_t)o;
	if (o)
		a->seen |= BGP_ATTR_BIT(BGP_ATTR_LARGE_COMMUNITIES);
	else
		a->seen &= ~BGP_ATTR_BIT(BGP_ATTR_LARGE_COMMUNITIES);
}

/* RFC 6996 / RFC 1930: 64512-65534 and 4200000000-4294967294. */
static bool private_as(uint32_t asn)
{
	return (asn >= 64512 && asn <= 65534) || (asn >= 4200000000u && asn <= 4294967294u);
}

/* Drop private ASNs from AS_SEQUENCE and AS_SET segments (empty ones go). */
static void remove_private(struct pol_scratch *s)
{
	const uint8_t *in = s->a.aspath;
	uint8_t *out = s->aspath[!s->cur_path];
	size_t i = 0, o = 0, len = s->a.aspath_len;

	while (i + 2 <= len) {
		uint8_t type = in[i], cnt = in[i + 1];
		size_t start = o, kept = 0;
		bool conf = type == AS_CONFED_SEQUENCE || type == AS_CONFED_SET;
		if (i + 2 + 4u * cnt > len)
			break;
		o += 2;
		for (unsigned k = 0; k < cnt; k++) {
			const uint8_t *q = in + i + 2 + 4 * k;
			uint32_t asn = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 |
				       (uint32_t)q[2] << 8 | q[3];
			if (conf || !private_as(asn)) {
				memcpy(out + o, q, 4);
				o += 4;
				kept++;
			}
		}
		i += 2 + 4u * cnt;
		if (!kept) {
			o = start;
			continue;
		}
		out[start] = type;
		out[start + 1] = (uint8_t)kept;
	}
	s->cur_path = !s->cur_path;
	s->a.aspath = out;
	s->a.aspath_len = (uint16_t)o;
}

static void prepend(struct pol_scratch *s, uint32_t asn, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		uint8_t *out = s->aspath[!s->cur_path];
		size_t len = aspath_prepend(out, sizeof(s->aspath[0]), s->a.aspath, s->a.aspath_len,
					    AS_SEQUENCE, asn);
		if (!len)
			return; /* no room: the path stays as it is */
		s->cur_path = !s->cur_path;
		s->a.aspath = out;
		s->a.aspath_len = (uint16_t)len;
	}
	s->a.seen |= BGP_ATTR_BIT(BGP_ATTR_AS_PATH);
}

static void apply(struct pol_run *r, const struct pol_actions *a)
{
	struct pol_scratch *s = r->s;

	if (!a->modifies)
		return;
	work_begin(r);
	r->aspath_ready = false; /* a later regex sees the edited path */
	if (a->set_lpref) {
		s->a.local_pref = a->lpref;
		s->a.seen |= BGP_ATTR_BIT(BGP_ATTR_LOCAL_PREF);
	}
	if (a->comm.replace || a->comm.ndel || a->comm.nadd)
		comm_edit(s, &a->comm);
	if (a->lcomm.replace || a->lcomm.ndel || a->lcomm.nadd)
		lcomm_edit(s, &a->lcomm);
	if (a->remove_private)
		remove_private(s);
	if (a->prepend_n)
		prepend(s, a->prepend_as ? a->prepend_as : r->cfg->local_as, a->prepend_n);
}

/* ---- the chain ----------------------------------------------------------- */

static void trace(struct pol_run *r, struct pol_stmt *st)
{
	if (!r->quiet)
		st->matches++;
	if (r->nst < POL_TRACE)
		r->st[r->nst] = st;
	r->nst++;
}

void pol_run_chain(struct pol_run *r, struct pol_chain *c)
{
	r->accept = false;
	r->ipol = c->n;
	r->decider = NULL;
	for (size_t i = 0; i < c->n; i++) {
		struct pol_policy *p = c->pol[i];
		if (!r->quiet)
			p->evals++;
		for (size_t k = 0; k < p->n; k++) {
			struct pol_stmt *st = &p->st[k];
			if (!match(r, &st->m))
				continue;
			trace(r, st);
			apply(r, &st->a);
			r->nh_self |= st->a.nh_self;
			if (st->a.result == POL_NEXT)
				continue;
			r->accept = st->a.result == POL_ACCEPT;
			r->ipol = i;
			r->decider = st;
			return;
		}
	}
}
