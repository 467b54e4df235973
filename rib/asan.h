/* Poisoning for memory the RIB manages itself (trie pools, path slabs):
 * under AddressSanitizer, slots not handed out are poisoned, so an object
 * used after it was freed is reported like any heap use-after-free,
 * although the pools are not malloc memory. No-ops otherwise. */
#ifndef CLOS_RIB_ASAN_H
#define CLOS_RIB_ASAN_H

#if defined(__SANITIZE_ADDRESS__)
#define RIB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RIB_ASAN 1
#endif
#endif
#ifdef RIB_ASAN
#include <sanitizer/asan_interface.h>
#define RT_POISON(a, n) ASAN_POISON_MEMORY_REGION((a), (n))
#define RT_UNPOISON(a, n) ASAN_UNPOISON_MEMORY_REGION((a), (n))
#else
#define RT_POISON(a, n) ((void)(a), (void)(n))
#define RT_UNPOISON(a, n) ((void)(a), (void)(n))
#endif

#endif
