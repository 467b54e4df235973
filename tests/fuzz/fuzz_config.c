/* libFuzzer target for the device configuration: the input is the text of
 * a closbgpd.json, parsed as config_load does after reading the file:
 * libyang validates it against closbgp-device.yang, then our own checks
 * build struct bgp_config and its policy. A refused configuration must come
 * with a message; an accepted one is freed again (leaks are reported by
 * LeakSanitizer).
 *
 * The schema is loaded once (config_schema_new, the modules config_load
 * finds) and every input is parsed with config_schema_parse: loading the
 * YANG modules for each input, as config_parse does, made the target 100
 * times slower. That the shared context keeps no state from one input to
 * the next is checked on a fixed sample of the inputs (1 in 256, by hash):
 * config_parse, with a context of its own, must give the same verdict, the
 * same messages and the same configuration summary. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgpd/config.h"
#include "tests/fuzz/fuzz.h"

static struct config_schema *schema;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[1024];

	schema = config_schema_new(err, sizeof(err));
	if (!schema) {
		fprintf(stderr, "fuzz_config: %s\n", err);
		exit(1);
	}
	return 0;
}

/* What a fresh context must agree on (pointers left out). */
static void same_config(const struct bgp_config *a, const struct bgp_config *b)
{
	CHECK(a->local_as == b->local_as && a->router_id.s_addr == b->router_id.s_addr);
	CHECK(a->npeers == b->npeers && a->nnetworks == b->nnetworks);
	CHECK(a->naggregates == b->naggregates && a->nlisten == b->nlisten);
	CHECK(a->nbmp == b->nbmp && a->nconfed_members == b->nconfed_members);
	for (size_t i = 0; i < a->npeers; i++)
		CHECK(memcmp(&a->peers[i].addr, &b->peers[i].addr, sizeof(a->peers[i].addr)) == 0 &&
		      a->peers[i].remote_as == b->peers[i].remote_as);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char err[4096], err2[4096];
	char *json = malloc(size + 1);
	struct bgp_config *c, *c2;

	if (!json)
		return 0;
	memcpy(json, data, size);
	json[size] = '\0'; /* config_load reads the file into a string */
	memset(err, 'x', sizeof(err));
	c = config_schema_parse(schema, json, "fuzz.json", err, sizeof(err));
	CHECK(memchr(err, '\0', sizeof(err)) != NULL);
	if (c)
		CHECK(c->local_as != 0);
	else
		CHECK(strncmp(err, "fuzz.json: ", 11) == 0);
	if ((fuzz_hash(data, size) & 0xff) == 0) {
		c2 = config_parse(json, "fuzz.json", err2, sizeof(err2));
		CHECK(!c == !c2 && strcmp(err, err2) == 0);
		if (c)
			same_config(c, c2);
		config_free(c2);
	}
	config_free(c);
	free(json);
	return 0;
}
