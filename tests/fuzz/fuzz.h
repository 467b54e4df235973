/* What every libFuzzer target here shares: the entry point and CHECK, an
 * assertion that crashes (so libFuzzer keeps the input) when it fails. */
#ifndef CLOS_FUZZ_H
#define CLOS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                  \
	do {                                      \
		if (!(c))                         \
			__builtin_trap();         \
	} while (0)

#endif
