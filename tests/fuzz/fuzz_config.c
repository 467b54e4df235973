/* libFuzzer target for the device configuration: the input is the text of
 * a closbgpd.json, parsed by config_parse (bgpd/config.c) exactly as
 * config_load does after reading the file: libyang validates it against
 * closbgp-device.yang, then our own checks build struct bgp_config and its
 * policy. A refused configuration must come with a message; an accepted
 * one is freed again (leaks are reported by LeakSanitizer). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bgpd/config.h"
#include "tests/fuzz/fuzz.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char err[4096];
	char *json = malloc(size + 1);
	struct bgp_config *c;

	if (!json)
		return 0;
	memcpy(json, data, size);
	json[size] = '\0'; /* config_load reads the file into a string */
	memset(err, 'x', sizeof(err));
	c = config_parse(json, "fuzz.json", err, sizeof(err));
	CHECK(memchr(err, '\0', sizeof(err)) != NULL);
	if (c) {
		CHECK(c->local_as != 0);
		config_free(c);
	} else {
		CHECK(strncmp(err, "fuzz.json: ", 11) == 0);
	}
	free(json);
	return 0;
}
