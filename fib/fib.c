/* Routes in the kernel: desired state per prefix (next hops, a backup
 * set, or a blackhole), batched rtnetlink programming with one ack per
 * message, retries, restart reconciliation (adopt our protocol's routes as
 * stale, sweep what nobody re-set). */
#include <errno.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgpd/log.h"
#include "fib/fib_int.h"

#define FIB_BATCH_LIMIT (48 * 1024) /* bytes of requests per sendmsg */
#define FIB_MAX_RETRIES 5

enum item_kind { IT_OBJ_ADD, IT_OBJ_DEL, IT_ROUTE, IT_STANDBY };

struct item {
	enum item_kind kind;
	void *ptr;
	int err;
	bool acked;
};

struct batch {
	struct mnl_nlmsg_batch *b;
	struct nlmsghdr *last; /* gets NLM_F_ACK: the one ack of the batch */
	struct item *items;
	size_t n, cap;
	uint32_t first_seq;
};

static size_t route_key(const struct bgp_prefix *p, uint8_t *key)
{
	key[0] = p->family;
	key[1] = p->len;
	memcpy(key + 2, p->addr, 16);
	return 18;
}

/* ---- synchronous requests (dumps) ------------------------------------- */

int fib_request_dump(struct fib *f, uint16_t type, uint8_t family,
		     int (*cb)(const struct nlmsghdr *nlh, void *arg), void *arg)
{
	char buf[MNL_SOCKET_BUFFER_SIZE * 4];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	uint32_t seq = ++f->seq;
	ssize_t n;
	int rc = 0;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	if (type == RTM_GETLINK) {
		struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
		ifi->ifi_family = family;
	} else if (type == RTM_GETADDR) {
		struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
		ifa->ifa_family = family;
	} else if (type == RTM_GETNEXTHOP) {
		struct nhmsg *nhm = mnl_nlmsg_put_extra_header(nlh, sizeof(*nhm));
		nhm->nh_family = family;
	} else {
		struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
		rtm->rtm_family = family;
	}
	if (mnl_socket_sendto(f->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	while ((n = mnl_socket_recvfrom(f->nl, buf, sizeof(buf))) > 0) {
		rc = mnl_cb_run(buf, (size_t)n, seq, f->portid, cb, arg);
		if (rc <= MNL_CB_STOP)
			break;
	}
	return rc < 0 ? -errno : 0;
}

/* ---- adoption of what a previous run left in the kernel -------------- */

static int adopt_nexthop_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct fib *f = arg;
	const struct nhmsg *nhm = mnl_nlmsg_get_payload(nlh);
	struct nlattr *attr;
	struct fib_nh nh = { 0 };
	uint32_t id = 0, mem[FIB_MAX_ECMP];
	size_t nmem = 0;
	bool group = false, blackhole = false;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*nhm) || nhm->nh_protocol != FIB_RTPROT)
		return MNL_CB_OK;
	nh.family = nhm->nh_family;
	mnl_attr_for_each(attr, nlh, sizeof(*nhm)) {
		uint16_t t = mnl_attr_get_type(attr);
		if ((t == NHA_ID || t == NHA_OIF) && mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			continue;
		switch (t) {
		case NHA_ID: id = mnl_attr_get_u32(attr); break;
		case NHA_OIF: nh.ifindex = mnl_attr_get_u32(attr); break;
		case NHA_BLACKHOLE: blackhole = true; break;
		case NHA_GATEWAY:
			if (mnl_attr_get_payload_len(attr) <= 16)
				memcpy(nh.addr, mnl_attr_get_payload(attr), mnl_attr_get_payload_len(attr));
			break;
		case NHA_GROUP: {
			const struct nexthop_grp *g = mnl_attr_get_payload(attr);
			size_t cnt = mnl_attr_get_payload_len(attr) / sizeof(*g);
			group = true;
			for (size_t i = 0; i < cnt && nmem < FIB_MAX_ECMP; i++)
				mem[nmem++] = g[i].id;
			break;
		}
		}
	}
	if (id)
		fib_obj_adopt(f, id, group ? NULL : &nh, blackhole && !group, mem, nmem);
	return MNL_CB_OK;
}

static int adopt_route_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct fib *f = arg;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct nlattr *attr;
	struct fib_route *r;
	struct bgp_prefix p = { 0 };
	uint8_t key[18];
	uint32_t table, nh_id = 0, metric = 0;
	int slot;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm) || rtm->rtm_protocol != FIB_RTPROT)
		return MNL_CB_OK;
	table = rtm->rtm_table;
	p.family = rtm->rtm_family;
	p.len = rtm->rtm_dst_len;
	mnl_attr_for_each(attr, nlh, sizeof(*rtm)) {
		uint16_t t = mnl_attr_get_type(attr);
		if ((t == RTA_TABLE || t == RTA_NH_ID || t == RTA_PRIORITY) &&
		    mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			continue;
		switch (t) {
		case RTA_TABLE: table = mnl_attr_get_u32(attr); break;
		case RTA_NH_ID: nh_id = mnl_attr_get_u32(attr); break;
		case RTA_PRIORITY: metric = mnl_attr_get_u32(attr); break;
		case RTA_DST:
			if (mnl_attr_get_payload_len(attr) <= 16)
				memcpy(p.addr, mnl_attr_get_payload(attr), mnl_attr_get_payload_len(attr));
			break;
		}
	}
	slot = metric == fib_metric(p.family, 0) ? 0 : metric == fib_metric(p.family, 1) ? 1 : -1;
	if (table != RT_TABLE_MAIN || slot < 0 || (slot == 1 && !f->nhobj))
		return MNL_CB_OK;
	r = fib_map_get(&f->routes, key, route_key(&p, key));
	if (r) {
		/* The prefix's other metric: a standby route beside the main
		 * one, whichever the dump showed first. */
		if (slot == 1 && !r->on_sb && !r->sb_kid) {
			r->sb_kid = nh_id;
		} else if (slot == 0 && r->on_sb) {
			r->sb_kid = r->kernel_id;
			r->on_sb = false;
			fib_obj_unref(f, r->want);
			r->kernel_id = nh_id;
			r->want = nh_id ? fib_obj_by_id(f, nh_id) : NULL;
			fib_obj_ref(r->want);
		}
		return MNL_CB_OK;
	}
	if (!(r = calloc(1, sizeof(*r))))
		return MNL_CB_OK;
	r->prefix = p;
	r->state = FR_STALE;
	r->on_sb = slot == 1;
	r->kernel_id = nh_id;
	r->want = nh_id ? fib_obj_by_id(f, nh_id) : NULL;
	if (!f->nhobj && rtm->rtm_type == RTN_BLACKHOLE && (r->want = fib_obj_blackhole(f, r->prefix.family)))
		r->kernel_id = r->want->id; /* re-claimed without a message, as with nexthop objects */
	fib_obj_ref(r->want);
	fib_map_put(&f->routes, key, route_key(&r->prefix, key), r);
	f->st.routes++;
	return MNL_CB_OK;
}

/* An adopted group holds a reference on each member. A member the dump did
 * not show as a single nexthop is dropped from it (re-keyed): otherwise a
 * later object given that id would be unreferenced by the group. */
static void adopt_group_refs(void *value, void *arg)
{
	struct fib_obj *o = value;
	struct fib *f = arg;
	uint8_t key[FIB_KEY_MAX];
	uint32_t n = 0;

	if (!o->group)
		return;
	for (size_t i = 0; i < o->nmem; i++) {
		struct fib_obj *m = fib_obj_by_id(f, o->mem[i]);
		if (m && !m->group)
			o->mem[n++] = o->mem[i];
	}
	if (n != o->nmem) {
		size_t klen = fib_obj_key(o, key);
		if (fib_map_get(&f->objs_by_key, key, klen) == o)
			fib_map_del(&f->objs_by_key, key, klen);
		o->nmem = n;
		klen = fib_obj_key(o, key);
		if (!fib_map_get(&f->objs_by_key, key, klen))
			fib_map_put(&f->objs_by_key, key, klen, o);
	}
	for (size_t i = 0; i < o->nmem; i++)
		fib_obj_ref(fib_obj_by_id(f, o->mem[i]));
}

static void fib_adopt(struct fib *f)
{
	if (f->nhobj) {
		fib_request_dump(f, RTM_GETNEXTHOP, AF_UNSPEC, adopt_nexthop_cb, f);
		fib_map_each(&f->objs_by_id, adopt_group_refs, f);
	}
	fib_request_dump(f, RTM_GETROUTE, AF_INET, adopt_route_cb, f);
	fib_request_dump(f, RTM_GETROUTE, AF_INET6, adopt_route_cb, f);
	if (f->st.routes)
		log_event_notice("fib", "adopted", NULL,
				 "found %zu routes and %zu nexthop objects from a previous run; "
			   "keeping them until re-learned", f->st.routes, f->st.nexthops + f->st.groups);
}

static int probe_cb(const struct nlmsghdr *nlh, void *arg)
{
	return MNL_CB_OK;
}

/* ---- batches ----------------------------------------------------------- */

static struct item *batch_item(struct batch *bt, enum item_kind kind, void *ptr)
{
	if (bt->n == bt->cap) {
		size_t cap = bt->cap ? bt->cap * 2 : 256;
		struct item *v = realloc(bt->items, cap * sizeof(*v));
		if (!v)
			return NULL;
		bt->items = v;
		bt->cap = cap;
	}
	struct item *it = &bt->items[bt->n++];
	*it = (struct item){ .kind = kind, .ptr = ptr };
	return it;
}

/* r's prefix at the metric of slot: pointing at o, or deleted (o NULL;
 * del_id, when not 0, makes the delete match only a route on that
 * nexthop: the kernel takes an IPv4 delete at metric 0 for any metric). */
static void route_msg(struct fib *f, struct mnl_nlmsg_batch *b, const struct fib_route *r, int slot,
		      const struct fib_obj *o, uint32_t del_id)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(mnl_nlmsg_batch_current(b));
	struct rtmsg *rtm;
	bool del = o == NULL;

	nlh->nlmsg_type = del ? RTM_DELROUTE : RTM_NEWROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | (del ? 0 : NLM_F_CREATE | NLM_F_REPLACE);
	nlh->nlmsg_seq = ++f->seq;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = r->prefix.family;
	rtm->rtm_dst_len = r->prefix.len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = FIB_RTPROT; /* a delete only matches our routes */
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	/* A delete matches any type (RTN_BLACKHOLE without nexthop objects);
	 * a route on a blackhole nexthop object is RTN_UNICAST to the kernel,
	 * which reports it as RTN_BLACKHOLE. */
	rtm->rtm_type = del ? RTN_UNSPEC : RTN_UNICAST;
	mnl_attr_put(nlh, RTA_DST, r->prefix.family == AF_INET ? 4 : 16, r->prefix.addr);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, fib_metric(r->prefix.family, slot));
	if (del && del_id && f->nhobj) {
		mnl_attr_put_u32(nlh, RTA_NH_ID, del_id);
	} else if (!del && f->nhobj) {
		mnl_attr_put_u32(nlh, RTA_NH_ID, o->id);
	} else if (!del) {
		/* Fallback without nexthop objects: gateways inline, the
		 * primaries only (no backups). */
		size_t alen = r->prefix.family == AF_INET ? 4 : 16;
		if (o->blackhole) {
			rtm->rtm_type = RTN_BLACKHOLE;
		} else if (!o->group) {
			mnl_attr_put(nlh, RTA_GATEWAY, alen, o->nh.addr);
			mnl_attr_put_u32(nlh, RTA_OIF, o->nh.ifindex);
		} else {
			struct nlattr *mp = mnl_attr_nest_start(nlh, RTA_MULTIPATH);
			for (size_t i = 0; i < o->nmem; i++) {
				const struct fib_obj *m = fib_obj_by_id(f, o->mem[i]);
				struct rtnexthop *rtnh = (struct rtnexthop *)mnl_nlmsg_get_payload_tail(nlh);
				if (!m)
					continue;
				nlh->nlmsg_len += MNL_ALIGN(sizeof(*rtnh));
				memset(rtnh, 0, sizeof(*rtnh));
				rtnh->rtnh_ifindex = (int)m->nh.ifindex;
				mnl_attr_put(nlh, RTA_GATEWAY, alen, m->nh.addr);
				rtnh->rtnh_len = (unsigned short)((char *)mnl_nlmsg_get_payload_tail(nlh) - (char *)rtnh);
			}
			mnl_attr_nest_end(nlh, mp);
		}
	}
	mnl_nlmsg_batch_next(b);
}

static int ack_cb(const struct nlmsghdr *nlh, void *arg)
{
	return MNL_CB_OK;
}

static int err_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct batch *bt = arg;
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t idx = nlh->nlmsg_seq - bt->first_seq;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(e->error))
		return MNL_CB_OK;
	if (idx < bt->n) {
		bt->items[idx].acked = true;
		/* 0 or -errno; anything else (never sent by Linux) as -EPROTO,
		 * so that strerror(-err) stays defined */
		bt->items[idx].err = e->error <= 0 && e->error > -4096 ? e->error : -EPROTO;
	}
	return MNL_CB_OK;
}

static void item_done(struct fib *f, struct item *it);

/* Send what the batch holds. Only the last message asks for an ack; the
 * kernel reports every failing message anyway (with its sequence number),
 * and handles a batch in order, so once the last ack is in, every message
 * not reported failed has succeeded. Then apply the results. */
static void batch_send(struct fib *f, struct batch *bt)
{
	char buf[MNL_SOCKET_BUFFER_SIZE * 8];
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = { [NLMSG_ERROR] = err_cb };
	bool done = false;

	if (bt->n == 0)
		return;
	f->st.batches++;
	f->st.msgs_sent += bt->n;
	bt->last->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(f->nl, mnl_nlmsg_batch_head(bt->b), mnl_nlmsg_batch_size(bt->b)) < 0) {
		log_event_err("fib", "netlink_send_failed", NULL,
				 "netlink send: %s", strerror(errno));
		for (size_t i = 0; i < bt->n; i++) {
			bt->items[i].err = -errno;
			bt->items[i].acked = true;
		}
		done = true;
	}
	/* Bounded by the number of messages sent (each reply is one of them). */
	for (size_t tries = 0; !done && tries < bt->n + 8; tries++) {
		struct pollfd pfd = { .fd = mnl_socket_get_fd(f->nl), .events = POLLIN };
		if (poll(&pfd, 1, 2000) <= 0) {
			log_event_err("fib", "netlink_no_ack", NULL,
					 "netlink: no ack for a batch of %zu messages", bt->n);
			break;
		}
		ssize_t n = mnl_socket_recvfrom(f->nl, buf, sizeof(buf));
		if (n <= 0)
			break;
		mnl_cb_run2(buf, (size_t)n, 0, f->portid, ack_cb, bt, ctl, NLMSG_MIN_TYPE);
		done = bt->items[bt->n - 1].acked;
	}
	for (size_t i = 0; i < bt->n; i++) {
		if (!bt->items[i].acked && !done)
			bt->items[i].err = -ETIMEDOUT;
		item_done(f, &bt->items[i]);
	}
	bt->n = 0;
	bt->last = NULL;
	mnl_nlmsg_batch_reset(bt->b);
	bt->first_seq = f->seq + 1;
}

static void batch_room(struct fib *f, struct batch *bt)
{
	if (mnl_nlmsg_batch_size(bt->b) >= FIB_BATCH_LIMIT)
		batch_send(f, bt);
}

static void route_free(struct fib *f, struct fib_route *r)
{
	uint8_t key[18];

	fib_map_del(&f->routes, key, route_key(&r->prefix, key));
	f->st.routes--;
	free(r);
}

static void retry_later(struct fib *f)
{
	if (!ev_is_active(&f->retry)) {
		ev_timer_set(&f->retry, 1.0, 0.);
		ev_timer_start(f->loop, &f->retry);
	}
}

/* The kernel's answer for the route at the other metric (the standby, or
 * what a takeover left at the main metric). */
static void standby_done(struct fib *f, struct fib_route *r, int err)
{
	char pfx[64];

	if (err == 0 || (!r->sb && (err == -ESRCH || err == -ENOENT))) {
		r->sb_kid = r->sb ? r->sb->id : 0;
		r->sb_failed = false;
		return;
	}
	f->st.errors++;
	r->sb_failed = true;
	log_event_err("fib", "install_failed", NULL, "%s %s standby route: %s%s",
		      r->sb ? "install" : "delete", bgp_prefix_str(&r->prefix, pfx, sizeof(pfx)),
		      strerror(-err), r->retries < FIB_MAX_RETRIES ? " (will retry)" : "");
	if (r->retries < FIB_MAX_RETRIES)
		retry_later(f);
}

static void item_done(struct fib *f, struct item *it)
{
	char pfx[64];

	if (it->kind == IT_OBJ_ADD) {
		struct fib_obj *o = it->ptr;
		o->installed = it->err == 0;
		if (it->err) {
			f->st.errors++;
			log_event_err("fib", "nexthop_failed", NULL,
					 "nexthop %u: %s", o->id, strerror(-it->err));
		}
		return;
	}
	if (it->kind == IT_OBJ_DEL) {
		if (it->err && it->err != -ENOENT) {
			f->st.errors++;
			log_err("fib", "delete nexthop %u: %s", ((struct fib_obj *)it->ptr)->id,
				strerror(-it->err));
		}
		fib_obj_destroy(f, it->ptr);
		return;
	}
	struct fib_route *r = it->ptr;
	if (it->kind == IT_STANDBY) {
		standby_done(f, r, it->err);
		return;
	}
	if (!r->want) {
		/* Deleted (or already gone). */
		if (it->err && it->err != -ESRCH && it->err != -ENOENT)
			log_warn("fib", "delete %s: %s", bgp_prefix_str(&r->prefix, pfx, sizeof(pfx)),
				 strerror(-it->err));
		route_free(f, r);
		return;
	}
	if (it->err == 0) {
		r->state = FR_INSTALLED;
		r->kernel_id = r->want->id;
		r->retries = 0;
	} else {
		f->st.errors++;
		r->state = FR_FAILED;
		log_event_err("fib", "install_failed", NULL,
				 "install %s: %s%s", bgp_prefix_str(&r->prefix, pfx, sizeof(pfx)),
			strerror(-it->err), r->retries < FIB_MAX_RETRIES ? " (will retry)" : "");
		if (r->retries < FIB_MAX_RETRIES)
			retry_later(f);
	}
	if (f->ops.route_done)
		f->ops.route_done(f->ops.arg, &r->prefix, it->err);
}

/* ---- flush ------------------------------------------------------------ */

static void flush_objects(struct fib *f, struct batch *bt, bool groups, bool del)
{
	struct fib_obj **pp = &f->objq;

	while (*pp) {
		struct fib_obj *o = *pp;
		bool drop = o->refs == 0 && !o->stale;
		if (o->group != groups || drop != del) {
			pp = &o->qnext;
			continue;
		}
		*pp = o->qnext;
		o->queued = false;
		if (del && (!o->installed || !f->nhobj)) {
			fib_obj_destroy(f, o);
			continue;
		}
		if (!del && (o->installed || o->dead || !f->nhobj))
			continue;
		bt->last = mnl_nlmsg_batch_current(bt->b);
		fib_obj_msg(f, bt->b, o, del);
		batch_item(bt, del ? IT_OBJ_DEL : IT_OBJ_ADD, o);
		batch_room(f, bt);
	}
}

static bool sb_out_of_sync(const struct fib_route *r)
{
	return (r->sb ? r->sb->id : 0) != r->sb_kid;
}

/* Per route: the other metric's route first (a deleted route is freed
 * when its main delete is answered), then the main one. */
static void flush_routes(struct fib *f, struct batch *bt)
{
	while (f->dirty) {
		struct fib_route *r = f->dirty;
		bool send_sb = r->send_sb, send_main = r->send_main;
		f->dirty = r->dnext;
		r->dirty = r->send_sb = r->send_main = false;
		if (send_sb && f->nhobj && sb_out_of_sync(r) && !(r->sb && r->sb->group && r->sb->nmem == 0)) {
			bt->last = mnl_nlmsg_batch_current(bt->b);
			route_msg(f, bt->b, r, !r->on_sb, r->sb, r->sb ? 0 : r->sb_kid);
			batch_item(bt, IT_STANDBY, r);
			batch_room(f, bt);
		}
		if (!send_main || (r->want && r->want->group && r->want->nmem == 0))
			continue;
		bt->last = mnl_nlmsg_batch_current(bt->b);
		route_msg(f, bt->b, r, r->on_sb, r->want, 0);
		batch_item(bt, IT_ROUTE, r);
		batch_room(f, bt);
	}
	f->dirty_tail = &f->dirty;
}

void fib_flush(struct fib *f)
{
	struct batch bt = { .first_seq = f->seq + 1 };

	if (!f->objq && !f->dirty)
		return;
	bt.b = mnl_nlmsg_batch_start(f->buf, FIB_BATCH_LIMIT + MNL_SOCKET_BUFFER_SIZE);
	if (!bt.b)
		return;
	/* Bounded: deleting a group can release its members once more. */
	for (int pass = 0; pass < 3 && (f->objq || f->dirty); pass++) {
		flush_objects(f, &bt, false, false);
		flush_objects(f, &bt, true, false);
		batch_send(f, &bt); /* objects must exist before routes use them */
		flush_routes(f, &bt);
		batch_send(f, &bt);
		flush_objects(f, &bt, true, true);
		batch_send(f, &bt);
		flush_objects(f, &bt, false, true);
		batch_send(f, &bt);
	}
	mnl_nlmsg_batch_stop(bt.b);
	free(bt.items);
}

static void fib_prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	fib_flush(w->data);
}

static void dirty_list(struct fib *f, struct fib_route *r)
{
	if (r->dirty)
		return;
	r->dirty = true;
	r->dnext = NULL;
	*f->dirty_tail = r;
	f->dirty_tail = &r->dnext;
}

/* The route itself (want, or its delete) is to be sent. */
static void mark_dirty(struct fib *f, struct fib_route *r)
{
	r->send_main = true;
	dirty_list(f, r);
}

/* The route at the other metric is to be brought in line with r->sb. */
static void mark_sb(struct fib *f, struct fib_route *r)
{
	if (!sb_out_of_sync(r) || !f->nhobj)
		return;
	r->send_sb = true;
	dirty_list(f, r);
}

/* An object the kernel refused is sent again with the route retried on it
 * (a group's members first: flush_objects sends singles before groups). */
static void retry_obj(struct fib *f, struct fib_obj *o)
{
	if (!o || o->installed || o->dead || !f->nhobj)
		return;
	fib_obj_queue(f, o);
	for (uint32_t i = 0; o->group && i < o->nmem + o->nbk; i++) {
		struct fib_obj *m = fib_obj_by_id(f, i < o->nmem ? o->mem[i] : o->bk[i - o->nmem]);
		if (m && !m->installed && !m->dead)
			fib_obj_queue(f, m);
	}
}

static void retry_one(void *value, void *arg)
{
	struct fib_route *r = value;

	if (r->state == FR_FAILED && r->want && r->retries < FIB_MAX_RETRIES) {
		r->retries++;
		((struct fib *)arg)->st.retries++;
		retry_obj(arg, r->want);
		mark_dirty(arg, r);
	}
	if (r->sb_failed && r->retries < FIB_MAX_RETRIES) {
		r->retries++;
		((struct fib *)arg)->st.retries++;
		retry_obj(arg, r->sb);
		mark_sb(arg, r);
	}
}

static void fib_retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct fib *f = w->data;

	fib_map_each(&f->routes, retry_one, f);
}

/* ---- public ----------------------------------------------------------- */

static void clear_stale_claim(struct fib *f, struct fib_obj *o)
{
	if (!o || !o->stale)
		return;
	o->stale = false;
	for (size_t i = 0; o->group && i < o->nmem; i++)
		clear_stale_claim(f, fib_obj_by_id(f, o->mem[i]));
	for (size_t i = 0; o->group && i < o->nbk; i++)
		clear_stale_claim(f, fib_obj_by_id(f, o->bk[i]));
}

/* The standby route of r points at sb (NULL: none). */
static void standby_set(struct fib *f, struct fib_route *r, struct fib_obj *sb)
{
	if (r->sb != sb) {
		fib_obj_ref(sb);
		fib_obj_unref(f, r->sb);
		r->sb = sb;
		r->sb_failed = false;
	}
	mark_sb(f, r);
}

/* The route at the standby metric becomes the prefix's route: the kernel
 * deleted the main one (a takeover, kernel_id 0) or it is to go (the RIB's
 * new set is the standby's). What was at the main metric is then the
 * other route, deleted unless already gone. */
static void standby_promote(struct fib *f, struct fib_route *r)
{
	struct fib_obj *old = r->want;
	uint32_t k = r->kernel_id;

	r->on_sb = true;
	r->want = r->sb;
	r->sb = NULL;
	r->kernel_id = r->sb_kid;
	r->sb_kid = k;
	fib_obj_unref(f, old);
	if (r->kernel_id == r->want->id) {
		r->state = FR_INSTALLED;
	} else {
		r->state = FR_PENDING;
		mark_dirty(f, r);
	}
	mark_sb(f, r);
}

/* A route living at the standby metric gets a backup set again: it goes
 * back to the main metric (sent as new), and what the kernel has at the
 * standby metric is the standby route's now (often already right: the
 * old set is the new backup set). */
static void standby_demote(struct fib *f, struct fib_route *r)
{
	r->on_sb = false;
	r->sb = r->want;
	r->want = NULL;
	r->sb_kid = r->state == FR_INSTALLED || r->state == FR_STALE ? r->kernel_id : 0;
	r->kernel_id = 0;
	r->state = FR_PENDING;
}

/* Point p at target (NULL: delete p), with a standby route on sb (NULL:
 * none). */
static int route_want(struct fib *f, const struct bgp_prefix *p, struct fib_obj *target,
		      struct fib_obj *sb)
{
	uint8_t key[18];
	struct fib_route *r = fib_map_get(&f->routes, key, route_key(p, key));

	if (!target) {
		if (r && r->want) {
			fib_obj_unref(f, r->want);
			r->want = NULL;
			mark_dirty(f, r);
		}
		if (r)
			standby_set(f, r, NULL);
		return 0;
	}
	clear_stale_claim(f, target);
	clear_stale_claim(f, sb);
	if (r && r->on_sb && sb && r->state != FR_DELETING)
		standby_demote(f, r);
	else if (r && !r->on_sb && !sb && r->sb == target && r->want && r->state != FR_STALE)
		standby_promote(f, r);
	if (r)
		standby_set(f, r, sb);
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r || fib_map_put(&f->routes, key, route_key(p, key), r) < 0) {
			free(r);
			return -1;
		}
		r->prefix = *p;
		r->state = FR_PENDING;
		f->st.routes++;
		standby_set(f, r, sb);
	}
	if (r->want == target) {
		if (r->state == FR_STALE && r->kernel_id == target->id) {
			r->state = FR_INSTALLED; /* already right in the kernel */
		} else if (r->state == FR_STALE || (r->state == FR_PENDING && !r->send_main)) {
			/* The kernel dropped it with a link (fib_routes_lost). */
			r->state = FR_PENDING;
			mark_dirty(f, r);
		}
		if (r->state == FR_INSTALLED && f->ops.route_done)
			f->ops.route_done(f->ops.arg, p, 0);
		return 0;
	}
	fib_obj_ref(target);
	fib_obj_unref(f, r->want);
	r->want = target;
	if (r->state != FR_FAILED)
		r->state = FR_PENDING;
	r->retries = 0;
	mark_dirty(f, r);
	return 0;
}

/* The usable ones of nh[0..n) into o; their count. A primary the RIB
 * asks for is used (and re-created if its link had gone); a backup on a
 * link that is down is left out: the kernel would refuse it (ENETDOWN),
 * and with it the group. */
static size_t resolve(struct fib *f, const struct fib_nh *nh, size_t n, struct fib_obj **o,
		      bool backup)
{
	size_t k = 0;

	for (size_t i = 0; i < n && k < FIB_MAX_ECMP; i++) {
		uint32_t ifindex = nh[i].ifindex ? nh[i].ifindex : fib_addr_ifindex(f, nh[i].family, nh[i].addr);
		if (backup && fib_link_known_down(f, ifindex))
			continue;
		struct fib_obj *x = fib_obj_single(f, &nh[i]);
		if (x && !x->dead)
			o[k++] = x;
	}
	return k;
}

/* The standby route's object for group g: its backups' own object (their
 * group, or the single nexthop), which the kernel keeps when g goes with
 * its primaries' links. NULL without backups or nexthop objects. */
static struct fib_obj *standby_for(struct fib *f, const struct fib_obj *g)
{
	struct fib_obj *bk[FIB_MAX_ECMP];
	size_t n = 0;

	if (!f->nhobj || !g || !g->group || !g->nmem)
		return NULL;
	for (size_t i = 0; i < g->nbk; i++) {
		struct fib_obj *o = fib_obj_by_id(f, g->bk[i]);
		if (o && !o->dead)
			bk[n++] = o;
	}
	return n ? fib_obj_for_set(f, bk, n, NULL, 0) : NULL;
}

int fib_route_set_backup(struct fib *f, const struct bgp_prefix *p, const struct fib_nh *nh, size_t n,
			 const struct fib_nh *bk, size_t nb)
{
	struct fib_obj *mem[FIB_MAX_ECMP], *bmem[FIB_MAX_ECMP], *target = NULL, *sb = NULL;
	size_t k = resolve(f, nh, n, mem, false);
	size_t kb = n ? resolve(f, bk, nb, bmem, true) : 0; /* n == 0 deletes */

	if (k || kb)
		target = fib_obj_for_set(f, mem, k, bmem, kb);
	if (k && kb)
		sb = standby_for(f, target);
	if (route_want(f, p, target, sb) < 0)
		return -1;
	return n && !k && !kb ? -1 : 0;
}

int fib_route_set(struct fib *f, const struct bgp_prefix *p, const struct fib_nh *nh, size_t n)
{
	return fib_route_set_backup(f, p, nh, n, NULL, 0);
}

int fib_route_blackhole(struct fib *f, const struct bgp_prefix *p)
{
	char pfx[64];
	struct fib_obj *o;

	if (p->family != AF_INET && p->family != AF_INET6)
		return -1;
	/* Our NLM_F_REPLACE would overwrite the kernel's prefix route (same
	 * prefix, metric 0 for IPv4). */
	if (fib_link_connected_net(f, p)) {
		log_warn("fib", "blackhole %s: the network of a connected address; refused",
			 bgp_prefix_str(p, pfx, sizeof(pfx)));
		return -1;
	}
	o = fib_obj_blackhole(f, p->family);
	if (!o)
		return -1;
	return route_want(f, p, o, NULL);
}

/* The kernel deleted the route at the other metric with its object. */
static void standby_lost(struct fib *f, struct fib_route *r)
{
	struct fib_obj *k = r->sb_kid ? fib_obj_by_id(f, r->sb_kid) : NULL;

	if (!k || !k->lost)
		return;
	r->sb_kid = 0;
	if (r->sb == k) { /* no standby until the RIB gives one that lives */
		fib_obj_unref(f, r->sb);
		r->sb = NULL;
	}
}

static void route_lost(void *value, void *arg)
{
	struct fib_route *r = value;
	struct fib *f = arg;
	struct fib_obj *o = r->want;

	standby_lost(f, r);
	if (!o || !o->lost)
		return;
	r->kernel_id = 0;
	if (r->state == FR_STALE)
		return; /* sent again if claimed, else swept */
	if (!r->on_sb && r->sb && r->sb_kid == r->sb->id) {
		/* The standby route is in the kernel: it already carries the
		 * traffic. It becomes the route, without a message. */
		standby_promote(f, r);
		f->st.takeovers++;
		return;
	}
	if (o->succ) {
		/* Failover: the FIB puts it back at once, on the backups. */
		if (o->succ != o) {
			fib_obj_ref(o->succ);
			r->want = o->succ;
			fib_obj_unref(f, o);
		}
		r->state = FR_PENDING;
		r->retries = 0;
		mark_dirty(f, r);
	} else if (r->state == FR_INSTALLED) {
		r->state = FR_PENDING; /* until the RIB withdraws or sets it again */
	}
}

void fib_routes_lost(struct fib *f)
{
	fib_map_each(&f->routes, route_lost, f);
}

static void sweep_route(void *value, void *arg)
{
	struct fib_route *r = value;
	struct fib *f = arg;

	if (r->state == FR_STALE) {
		fib_obj_unref(f, r->want);
		r->want = NULL;
		r->state = FR_DELETING;
		mark_dirty(f, r);
		standby_set(f, r, NULL);
	}
}

static void sweep_obj(void *value, void *arg)
{
	struct fib_obj *o = value;

	if (o->stale) {
		o->stale = false;
		if (o->refs == 0)
			fib_obj_queue(arg, o);
	}
}

void fib_sweep_stale(struct fib *f)
{
	size_t before = f->st.routes;

	fib_map_each(&f->routes, sweep_route, f);
	fib_map_each(&f->objs_by_id, sweep_obj, f);
	fib_flush(f);
	if (before != f->st.routes)
		log_event_notice("fib", "stale_removed", NULL,
				 "removed %zu stale routes", before - f->st.routes);
}

static void count_route(void *value, void *arg)
{
	const struct fib_route *r = value;
	struct fib_stats *st = arg;

	st->routes_installed += r->state == FR_INSTALLED;
	st->routes_failed += r->state == FR_FAILED;
	st->routes_stale += r->state == FR_STALE;
}

void fib_get_stats(const struct fib *f, struct fib_stats *st)
{
	*st = f->st;
	st->routes_installed = st->routes_failed = st->routes_stale = 0;
	st->nexthop_objects = f->nhobj;
	fib_map_each(&f->routes, count_route, st);
}

struct walk_ctx {
	const struct fib *f;
	int (*cb)(const struct fib_route_info *ri, void *arg);
	void *arg;
	int rc;
};

static void walk_one(void *value, void *arg)
{
	static const char *const names[] = { "pending", "installed", "stale", "failed", "deleting" };
	const struct fib_route *r = value;
	struct walk_ctx *w = arg;
	struct fib_nh nhs[FIB_MAX_ECMP], bnhs[FIB_MAX_ECMP];
	uint32_t ids[FIB_MAX_ECMP], bids[FIB_MAX_ECMP];
	struct fib_route_info ri = { .prefix = r->prefix, .state = names[r->state],
				     .members = nhs, .member_ids = ids,
				     .backups = bnhs, .backup_ids = bids };
	const struct fib_obj *o = r->want;

	if (w->rc || !o)
		return;
	ri.nh_id = o->id;
	ri.group = o->group;
	ri.blackhole = o->blackhole;
	ri.metric = fib_metric(r->prefix.family, r->on_sb);
	ri.standby_id = r->sb && r->sb_kid == r->sb->id ? r->sb_kid : 0;
	if (!o->group && !o->blackhole) {
		nhs[0] = o->nh;
		ids[0] = o->id;
		ri.nmembers = 1;
	}
	for (size_t i = 0; o->group && i < o->nmem; i++) {
		const struct fib_obj *m = fib_obj_by_id(w->f, o->mem[i]);
		if (m) {
			nhs[ri.nmembers] = m->nh;
			ids[ri.nmembers++] = m->id;
		}
	}
	for (size_t i = 0; o->group && i < o->nbk; i++) {
		const struct fib_obj *m = fib_obj_by_id(w->f, o->bk[i]);
		if (m) {
			bnhs[ri.nbackups] = m->nh;
			bids[ri.nbackups++] = m->id;
		}
	}
	w->rc = w->cb(&ri, w->arg);
}

int fib_walk(const struct fib *f, int (*cb)(const struct fib_route_info *ri, void *arg), void *arg)
{
	struct walk_ctx w = { f, cb, arg, 0 };

	fib_map_each(&f->routes, walk_one, &w);
	return w.rc;
}

static int fib_open_socket(struct fib *f, char *err, size_t errlen)
{
	int one = 1, rcvbuf = 4 << 20;

	f->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!f->nl || mnl_socket_bind(f->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(err, errlen, "netlink socket: %s", strerror(errno));
		return -1;
	}
	f->portid = mnl_socket_get_portid(f->nl);
	mnl_socket_setsockopt(f->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(f->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	if (setsockopt(mnl_socket_get_fd(f->nl), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)) < 0)
		setsockopt(mnl_socket_get_fd(f->nl), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	return 0;
}

struct fib *fib_new(struct ev_loop *loop, const struct fib_ops *ops, char *err, size_t errlen)
{
	struct fib *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->loop = loop;
	if (ops)
		f->ops = *ops;
	f->next_id = 1000;
	f->dirty_tail = &f->dirty;
	f->bufsize = FIB_BATCH_LIMIT + 2 * MNL_SOCKET_BUFFER_SIZE;
	f->buf = malloc(f->bufsize);
	if (!f->buf || fib_map_init(&f->objs_by_key) < 0 || fib_map_init(&f->objs_by_id) < 0 ||
	    fib_map_init(&f->routes) < 0 || fib_open_socket(f, err, errlen) < 0)
		goto fail;
	/* Nexthop objects need Linux 5.3; without them, inline gateways. */
	f->nhobj = fib_request_dump(f, RTM_GETNEXTHOP, AF_UNSPEC, probe_cb, f) == 0;
	if (!f->nhobj)
		log_notice("fib", "kernel without nexthop objects: using RTA_MULTIPATH");
	if (fib_link_init(f, err, errlen) < 0)
		goto fail;
	fib_adopt(f);
	ev_prepare_init(&f->prepare, fib_prepare_cb);
	f->prepare.data = f;
	ev_prepare_start(loop, &f->prepare);
	ev_init(&f->retry, fib_retry_cb);
	f->retry.data = f;
	return f;
fail:
	fib_free(f, false);
	return NULL;
}

static void free_route_cb(void *value, void *arg)
{
	free(value);
}

static void free_obj_cb(void *value, void *arg)
{
	free(value);
}

static void delete_route_cb(void *value, void *arg)
{
	struct fib_route *r = value;
	struct fib *f = arg;

	if (r->want) {
		fib_obj_unref(f, r->want);
		r->want = NULL;
	}
	r->state = FR_DELETING;
	mark_dirty(f, r);
	standby_set(f, r, NULL);
}

void fib_free(struct fib *f, bool remove_routes)
{
	if (!f)
		return;
	if (remove_routes && f->nl) {
		fib_map_each(&f->routes, delete_route_cb, f);
		fib_map_each(&f->objs_by_id, sweep_obj, f);
		fib_flush(f);
	}
	if (f->loop) {
		ev_prepare_stop(f->loop, &f->prepare);
		ev_timer_stop(f->loop, &f->retry);
	}
	fib_link_free(f);
	if (f->nl)
		mnl_socket_close(f->nl);
	if (f->routes.b)
		fib_map_each(&f->routes, free_route_cb, NULL);
	if (f->objs_by_id.b)
		fib_map_each(&f->objs_by_id, free_obj_cb, NULL);
	fib_map_free(&f->routes);
	fib_map_free(&f->objs_by_id);
	fib_map_free(&f->objs_by_key);
	free(f->buf);
	free(f);
}
