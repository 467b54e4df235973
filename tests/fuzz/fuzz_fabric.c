/* libFuzzer target for closgen's input: the input is a fabric description
 * (closbgp-fabric JSON, compact or explicit), loaded the way closgen loads
 * it (through libyang, from a file: here a memfd) and then expanded, given
 * addresses and checked (topo_expand, topo_alloc, topo_check), as closgen
 * does before it writes anything. No output is written. A refusal must
 * come with a message.
 *
 * The schema is loaded once (topo_schema_new) and every input goes through
 * topo_schema_load: loading the YANG modules for each input, as topo_load
 * does, made the target 100 times slower. That the shared context keeps no
 * state from one input to the next is checked on a fixed sample of the
 * inputs (1 in 256, by hash): topo_load, with a context of its own, must
 * give the same verdict, message and devices. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "topo/topo.h"
#include "tests/fuzz/fuzz.h"

#ifndef FUZZ_YANG_DIR
#error "FUZZ_YANG_DIR must name topo/yang"
#endif

static struct topo_schema *schema;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct topo_err err = { { 0 } };

	schema = topo_schema_new(FUZZ_YANG_DIR, &err);
	if (!schema) {
		fprintf(stderr, "fuzz_fabric: %s\n", err.msg);
		exit(1);
	}
	return 0;
}

/* Load (with the shared schema, or a context of its own), expand, allocate
 * and check, as closgen does. */
static int run(struct topo_fabric *f, const char *path, bool shared, struct topo_err *err)
{
	int rc = shared ? topo_schema_load(schema, f, path, err)
			: topo_load(f, path, FUZZ_YANG_DIR, err);

	return rc || topo_expand(f, err) || topo_alloc(f, err) || topo_check(f, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	struct topo_fabric f, f2;
	struct topo_err err, err2;
	int rc, rc2;

	if (fd < 0) {
		fd = memfd_create("fabric.json", MFD_CLOEXEC);
		CHECK(fd >= 0);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	CHECK(ftruncate(fd, 0) == 0);
	CHECK(pwrite(fd, data, size, 0) == (ssize_t)size);
	memset(&err, 0, sizeof(err));
	topo_fabric_init(&f);
	rc = run(&f, path, true, &err);
	CHECK(!rc || err.msg[0] != '\0');
	if ((fuzz_hash(data, size) & 0xff) == 0) {
		memset(&err2, 0, sizeof(err2));
		topo_fabric_init(&f2);
		rc2 = run(&f2, path, false, &err2);
		CHECK(rc == rc2 && strcmp(err.msg, err2.msg) == 0);
		CHECK(f.ndevs == f2.ndevs && f.nlinks == f2.nlinks);
		for (size_t i = 0; i < f.ndevs; i++) {
			const struct topo_device *a = &f.devs[i], *b = &f2.devs[i];

			CHECK(strcmp(a->name, b->name) == 0 && a->tier == b->tier);
			CHECK(a->asn == b->asn && a->confed_id == b->confed_id);
			CHECK(a->nifs == b->nifs && a->norigs == b->norigs);
		}
		topo_fabric_free(&f2);
	}
	topo_fabric_free(&f);
	return 0;
}
