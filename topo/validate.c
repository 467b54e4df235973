/* Validates generated device configurations against the closbgp-device
 * YANG module with libyang, before anything is published. */
#include <stdlib.h>
#include <string.h>
#include <libyang/libyang.h>

#include "topo/topo.h"

struct topo_validator {
	struct ly_ctx *ctx;
};

struct topo_validator *topo_validator_new(const char *yang_dir,
					  struct topo_err *err)
{
	struct topo_validator *v = calloc(1, sizeof(*v));

	if (!v) {
		topo_errf(err, "out of memory");
		return NULL;
	}
	ly_log_options(LY_LOSTORE_LAST);
	if (ly_ctx_new(yang_dir, 0, &v->ctx) != LY_SUCCESS ||
	    !ly_ctx_load_module(v->ctx, "closbgp-device", NULL, NULL)) {
		topo_errf(err, "YANG module closbgp-device not found in %s",
			  yang_dir);
		topo_validator_free(v);
		return NULL;
	}
	return v;
}

int topo_validator_check(struct topo_validator *v, const char *json,
			 const char *what, struct topo_err *err)
{
	struct lyd_node *tree = NULL;
	const struct ly_err_item *e;

	if (lyd_parse_data_mem(v->ctx, json, LYD_JSON, LYD_PARSE_STRICT,
			       LYD_VALIDATE_PRESENT, &tree) == LY_SUCCESS) {
		lyd_free_all(tree);
		return 0;
	}
	e = ly_err_last(v->ctx);
	return topo_errf(err, "%s does not validate against closbgp-device: "
			 "%s%s%s", what, e ? e->msg : "unknown error",
			 e && e->path ? " at " : "", e && e->path ? e->path : "");
}

void topo_validator_free(struct topo_validator *v)
{
	if (!v)
		return;
	ly_ctx_destroy(v->ctx);
	free(v);
}
