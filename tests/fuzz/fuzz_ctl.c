/* libFuzzer target for the control socket's input: the bytes a client
 * sends, cut into frames by ctl_frame_check (bgpd/ctl_frame.c) and each
 * frame decoded as a control.proto Request with protobuf-c, exactly as
 * client_parse_one in bgpd/control.c does; then the request's fields are
 * read the way client_handle reads them (addresses normalised, prefixes
 * parsed). Every decoded Request is packed again: that must decode and pack
 * to the same bytes. The same frames are also decoded as Responses (what
 * closctl reads from the daemon). What the daemon answers needs a running
 * struct bgpd and is covered by tests/unit/test_ctl_server.c. */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgpd/control.h"
#include "bgpd/control.pb-c.h"
#include "bgpd/wire.h"
#include "tests/fuzz/fuzz.h"


static void use_request(const Closbgp__Ctl__Request *q)
{
	char peer[INET6_ADDRSTRLEN];
	struct bgp_prefix p;

	switch (q->req_case) {
	case CLOSBGP__CTL__REQUEST__REQ_SHOW_PEERS:
		CHECK(q->show_peers);
		ctl_addr_norm(q->show_peers->address ? q->show_peers->address : "", peer, sizeof(peer));
		break;
	case CLOSBGP__CTL__REQUEST__REQ_SHOW_ROUTES:
		CHECK(q->show_routes);
		ctl_addr_norm(q->show_routes->peer ? q->show_routes->peer : "", peer, sizeof(peer));
		if (q->show_routes->prefix && q->show_routes->prefix[0] &&
		    bgp_prefix_parse(q->show_routes->prefix, &p) == 0) {
			char buf[64];
			struct bgp_prefix p2;
			CHECK(bgp_prefix_str(&p, buf, sizeof(buf)));
			CHECK(bgp_prefix_parse(buf, &p2) == 0 && bgp_prefix_cmp(&p, &p2) == 0);
		}
		break;
	case CLOSBGP__CTL__REQUEST__REQ_SHOW_POLICY:
		CHECK(q->show_policy);
		CHECK(strlen(q->show_policy->name ? q->show_policy->name : "") < CTL_MAX_MSG);
		break;
	case CLOSBGP__CTL__REQUEST__REQ_PEER_RESET:
		CHECK(q->peer_reset);
		ctl_addr_norm(q->peer_reset->address ? q->peer_reset->address : "", peer, sizeof(peer));
		break;
	default:
		break;
	}
}

/* m or one of its submessages kept fields it does not know. */
static bool has_unknown(const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	const char *base = (const char *)m;

	if (m->n_unknown_fields)
		return true;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (f->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
		    *(const uint32_t *)(base + f->quantifier_offset) != f->id)
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)(base + f->quantifier_offset);
			ProtobufCMessage *const *v = *(ProtobufCMessage *const *const *)(base + f->offset);
			for (size_t k = 0; k < n; k++)
				if (v[k] && has_unknown(v[k]))
					return true;
		} else {
			const ProtobufCMessage *sub = *(ProtobufCMessage *const *)(base + f->offset);
			if (sub && has_unknown(sub))
				return true;
		}
	}
	return false;
}

/* pack(m) must unpack, and pack again to the same bytes. Not so for
 * unknown fields: protobuf-c keeps a field numbered 0 (tag sent as the
 * overlong varint 80 00) and packs it as 00, which its unpack refuses.
 * The daemon ignores unknown fields and never re-packs a request. */
static void roundtrip(const ProtobufCMessage *m, const ProtobufCMessageDescriptor *desc)
{
	size_t n = protobuf_c_message_get_packed_size(m), n2;
	uint8_t *a = malloc(n ? n : 1), *b;
	ProtobufCMessage *m2;

	CHECK(a);
	CHECK(protobuf_c_message_pack(m, a) == n);
	m2 = protobuf_c_message_unpack(desc, NULL, n, a);
	if (!m2) {
		CHECK(has_unknown(m));
		free(a);
		return;
	}
	n2 = protobuf_c_message_get_packed_size(m2);
	CHECK(n2 == n);
	b = malloc(n2 ? n2 : 1);
	CHECK(b && protobuf_c_message_pack(m2, b) == n2);
	CHECK(memcmp(a, b, n) == 0 || has_unknown(m));
	protobuf_c_message_free_unpacked(m2, NULL);
	free(a);
	free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0, blen;

	/* Frames one after another, like a client's stream; the server
	 * closes the connection at the first malformed one. */
	for (int r; (r = ctl_frame_check(data + off, size - off, &blen)) != 0; off += 4 + blen) {
		const uint8_t *body = data + off + 4;
		Closbgp__Ctl__Request *q;
		Closbgp__Ctl__Response *resp;

		if (r < 0)
			break; /* "request too large" */
		CHECK(r == 1 && blen <= CTL_MAX_MSG && 4 + blen <= size - off);
		resp = closbgp__ctl__response__unpack(NULL, blen, body);
		if (resp) {
			roundtrip(&resp->base, &closbgp__ctl__response__descriptor);
			closbgp__ctl__response__free_unpacked(resp, NULL);
		}
		q = closbgp__ctl__request__unpack(NULL, blen, body);
		if (!q)
			break; /* "malformed request" */
		use_request(q);
		roundtrip(&q->base, &closbgp__ctl__request__descriptor);
		closbgp__ctl__request__free_unpacked(q, NULL);
	}
	return 0;
}
