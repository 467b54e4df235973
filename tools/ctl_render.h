/* closctl output: a reply rendered as aligned text tables (like birdc /
 * vtysh) or as the JSON documented in docs/closctl.md. */
#ifndef CLOS_CTL_RENDER_H
#define CLOS_CTL_RENDER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tools/ctl_client.h"

/* Render a successful reply (no error) according to its payload. */
void ctl_render(FILE *f, const struct ctl_reply *r, bool json);
/* "show memory": the memory part of a Summary reply. */
void ctl_render_memory(FILE *f, const struct ctl_reply *r, bool json);
/* "65000:1", or the RFC 1997/3765/7611/7999/8326 name of a well-known one. */
const char *ctl_community_str(uint32_t c, char *buf, size_t len);
/* "live", "warm", "drained". */
const char *ctl_state_str(Closbgp__Ctl__DeviceState s);
/* "12s" style durations: "00:01:05" under a day, "3d04h05m" beyond. */
const char *ctl_duration_str(uint64_t secs, char *buf, size_t len);

#endif
