/* A compiled policy configuration: its life cycle, lookups by name, the
 * shared chains, and the checks made once at load (unreachable
 * statements). Filled by bgpd/config_policy.c from the YANG tree. */
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

struct pol_config *pol_config_new(void)
{
	return calloc(1, sizeof(struct pol_config));
}

static void match_free(struct pol_match *m)
{
	free(m->rtypes);
	free(m->nbr_as);
	free(m->groups);
}

static void actions_free(struct pol_actions *a)
{
	free(a->comm.repl);
	free(a->comm.del);
	free(a->comm.add);
	free(a->lcomm.repl);
	free(a->lcomm.del);
	free(a->lcomm.add);
}

static void sets_free(struct pol_config *c)
{
	for (size_t i = 0; i < c->ncommsets; i++)
		free(c->commsets[i].v);
	for (size_t i = 0; i < c->nlcommsets; i++)
		free(c->lcommsets[i].v);
	for (size_t i = 0; i < c->naspathsets; i++) {
		struct pol_aspathset *s = &c->aspathsets[i];
		for (size_t k = 0; k < s->n; k++) {
			if (s->src[k])
				regfree(&s->re[k]);
			free(s->src[k]);
		}
		free(s->src);
		free(s->re);
	}
	for (size_t i = 0; i < c->npfxsets; i++)
		free(c->pfxsets[i].v);
	free(c->commsets);
	free(c->lcommsets);
	free(c->aspathsets);
	free(c->pfxsets);
}

void pol_config_free(struct pol_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->npolicies; i++) {
		struct pol_policy *p = &c->policies[i];
		for (size_t k = 0; k < p->n; k++) {
			match_free(&p->st[k].m);
			actions_free(&p->st[k].a);
		}
		free(p->st);
	}
	free(c->policies);
	for (struct pol_chain *ch = c->chains, *next; ch; ch = next) {
		next = ch->next;
		free(ch->pol);
		free(ch);
	}
	sets_free(c);
	free(c->lprefs);
	free(c->rtypes);
	free(c->groups);
	free(c);
}

/* ---- lookups ------------------------------------------------------------- */

#define FIND(arr, n, key)                                      \
	do {                                                   \
		for (size_t i_ = 0; i_ < (n); i_++)            \
			if (strcmp((arr)[i_].name, (key)) == 0) \
				return &(arr)[i_];             \
		return NULL;                                   \
	} while (0)

const struct pol_commset *pol_commset_find(const struct pol_config *c, const char *name)
{
	FIND(c->commsets, c->ncommsets, name);
}

const struct pol_lcommset *pol_lcommset_find(const struct pol_config *c, const char *name)
{
	FIND(c->lcommsets, c->nlcommsets, name);
}

const struct pol_aspathset *pol_aspathset_find(const struct pol_config *c, const char *name)
{
	FIND(c->aspathsets, c->naspathsets, name);
}

const struct pol_pfxset *pol_pfxset_find(const struct pol_config *c, const char *name)
{
	FIND(c->pfxsets, c->npfxsets, name);
}

struct pol_policy *pol_policy_find(const struct pol_config *c, const char *name)
{
	FIND(c->policies, c->npolicies, name);
}

const struct pol_named_value *pol_named_find(const struct pol_named_value *v, size_t n,
					     const char *name)
{
	FIND(v, n, name);
}

int pol_group_index(const struct pol_config *c, const char *name)
{
	for (size_t i = 0; name && name[0] && i < c->ngroups; i++)
		if (strcmp(c->groups[i], name) == 0)
			return (int)i;
	return -1;
}

/* ---- finishing statements ------------------------------------------------ */

static int u32_cmp(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return a < b ? -1 : a > b;
}

static int int_cmp(const void *x, const void *y)
{
	return *(const int *)x - *(const int *)y;
}

static int lc_cmp(const void *x, const void *y)
{
	const struct bgp_large_community *a = x, *b = y;

	if (a->global != b->global)
		return a->global < b->global ? -1 : 1;
	if (a->local1 != b->local1)
		return a->local1 < b->local1 ? -1 : 1;
	return a->local2 < b->local2 ? -1 : a->local2 > b->local2;
}

/* Sort and drop duplicates; returns the new count. */
static size_t uniq(void *v, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	uint8_t *b = v;
	size_t o = 0;

	if (n < 2)
		return n;
	qsort(v, n, size, cmp);
	for (size_t i = 1; i < n; i++)
		if (cmp(b + o * size, b + i * size) != 0 && ++o != i)
			memcpy(b + o * size, b + i * size, size);
	return o + 1;
}

void pol_stmt_finish(struct pol_stmt *s)
{
	struct pol_match *m = &s->m;
	struct pol_actions *a = &s->a;

	m->nrtypes = uniq(m->rtypes, m->nrtypes, sizeof(uint32_t), u32_cmp);
	m->nnbr_as = uniq(m->nbr_as, m->nnbr_as, sizeof(uint32_t), u32_cmp);
	m->ngroups = uniq(m->groups, m->ngroups, sizeof(int), int_cmp);
	a->comm.nrepl = uniq(a->comm.repl, a->comm.nrepl, sizeof(uint32_t), u32_cmp);
	a->comm.ndel = uniq(a->comm.del, a->comm.ndel, sizeof(uint32_t), u32_cmp);
	a->comm.nadd = uniq(a->comm.add, a->comm.nadd, sizeof(uint32_t), u32_cmp);
	a->lcomm.nrepl = uniq(a->lcomm.repl, a->lcomm.nrepl, sizeof(*a->lcomm.repl), lc_cmp);
	a->lcomm.ndel = uniq(a->lcomm.del, a->lcomm.ndel, sizeof(*a->lcomm.del), lc_cmp);
	a->lcomm.nadd = uniq(a->lcomm.add, a->lcomm.nadd, sizeof(*a->lcomm.add), lc_cmp);
	a->modifies = a->set_lpref || a->comm.replace || a->comm.ndel || a->comm.nadd ||
		      a->lcomm.replace || a->lcomm.ndel || a->lcomm.nadd || a->prepend_n ||
		      a->remove_private;
}

/* ---- reachability -------------------------------------------------------- */

static bool u32s_eq(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
	return na == nb && (!na || memcmp(a, b, na * sizeof(*a)) == 0);
}

/* Same conditions (statements are finished: lists sorted). Sets compare
 * by identity: two sets with the same members but different names are
 * different conditions to the operator too. */
static bool match_eq(const struct pol_match *x, const struct pol_match *y)
{
	if (x->has != y->has)
		return false;
	return u32s_eq(x->rtypes, x->nrtypes, y->rtypes, y->nrtypes) &&
	       (!(x->has & POL_M_COMM) || (x->comm == y->comm && x->comm_mode == y->comm_mode)) &&
	       (!(x->has & POL_M_LCOMM) ||
		(x->lcomm == y->lcomm && x->lcomm_mode == y->lcomm_mode)) &&
	       x->aspath == y->aspath &&
	       (!(x->has & POL_M_ASLEN) ||
		(x->aslen_min == y->aslen_min && x->aslen_max == y->aslen_max)) &&
	       x->origins == y->origins &&
	       u32s_eq(x->nbr_as, x->nnbr_as, y->nbr_as, y->nnbr_as) &&
	       x->ngroups == y->ngroups &&
	       (!x->ngroups || memcmp(x->groups, y->groups, x->ngroups * sizeof(int)) == 0) &&
	       x->family == y->family && x->pfx == y->pfx && x->pfx_invert == y->pfx_invert;
}

int pol_policy_unreachable(const struct pol_policy *p, size_t *by)
{
	for (size_t j = 1; j < p->n; j++)
		for (size_t i = 0; i < j; i++) {
			const struct pol_stmt *e = &p->st[i];
			if (e->a.result == POL_NEXT)
				continue;
			if (e->m.has == 0 || match_eq(&e->m, &p->st[j].m)) {
				*by = i;
				return (int)j;
			}
		}
	return -1;
}

/* ---- chains -------------------------------------------------------------- */

struct pol_chain *pol_chain_get(struct pol_config *c, struct pol_policy *const *pol, size_t n,
				bool *oom)
{
	struct pol_chain *ch;

	*oom = false;
	if (!n)
		return NULL;
	for (ch = c->chains; ch; ch = ch->next)
		if (ch->n == n && memcmp(ch->pol, pol, n * sizeof(*pol)) == 0)
			return ch;
	ch = calloc(1, sizeof(*ch));
	if (!ch || !(ch->pol = malloc(n * sizeof(*pol)))) {
		free(ch);
		*oom = true;
		return NULL;
	}
	memcpy(ch->pol, pol, n * sizeof(*pol));
	ch->n = n;
	ch->digest = c->digest;
	/* FNV-1a over each name and its NUL, so that ["ab", "c"] and
	 * ["a", "bc"] differ */
	for (size_t i = 0; i < n; i++) {
		const char *q = pol[i]->name;
		do
			ch->digest = (ch->digest ^ (uint8_t)*q) * 0x100000001b3ull;
		while (*q++);
	}
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < pol[i]->n; k++) {
			ch->uses |= pol[i]->st[k].m.has;
			ch->modifies |= pol[i]->st[k].a.modifies;
		}
	ch->next = c->chains;
	c->chains = ch;
	return ch;
}

bool pol_chain_same(const struct pol_chain *a, const struct pol_chain *b)
{
	return a == b || (a && b && a->digest == b->digest);
}
