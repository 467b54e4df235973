/* libFuzzer target for closgen's input: the input is a fabric description
 * (closbgp-fabric JSON, compact or explicit), loaded the way closgen loads
 * it (topo_load through libyang, from a file: here a memfd) and then
 * expanded, given addresses and checked (topo_expand, topo_alloc,
 * topo_check), as closgen does before it writes anything. No output is
 * written. A refusal must come with a message. */
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


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	struct topo_fabric f;
	struct topo_err err;
	int rc;

	if (fd < 0) {
		fd = memfd_create("fabric.json", MFD_CLOEXEC);
		CHECK(fd >= 0);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	CHECK(ftruncate(fd, 0) == 0);
	CHECK(pwrite(fd, data, size, 0) == (ssize_t)size);
	memset(&err, 0, sizeof(err));
	topo_fabric_init(&f);
	rc = topo_load(&f, path, FUZZ_YANG_DIR, &err) || topo_expand(&f, &err) ||
	     topo_alloc(&f, &err) || topo_check(&f, &err);
	CHECK(!rc || err.msg[0] != '\0');
	topo_fabric_free(&f);
	return 0;
}
