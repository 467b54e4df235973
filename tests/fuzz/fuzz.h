/* What every libFuzzer target here shares: the entry points and CHECK, an
 * assertion that crashes (so libFuzzer keeps the input) when it fails. */
#ifndef CLOS_FUZZ_H
#define CLOS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional: run once before the first input (the libyang targets load
 * their schema here). */
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* FNV-1a: picks a fixed sample of inputs for a costlier check. */
static inline uint32_t fuzz_hash(const uint8_t *data, size_t size)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 16777619u;
	return h;
}

#define CHECK(c)                                  \
	do {                                      \
		if (!(c))                         \
			__builtin_trap();         \
	} while (0)

#endif
