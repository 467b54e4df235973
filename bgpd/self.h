/* Whether this process is a program where make install put it: an
 * installed closbgpd or closgen reads only the installed YANG modules,
 * never those of the tree it was built in (a package built in /tmp: that
 * path may be gone, or anyone's by now). */
#ifndef CLOS_SELF_H
#define CLOS_SELF_H

#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

static inline bool self_is_installed(const char *installed_path)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return false;
	exe[n] = '\0';
	return strcmp(exe, installed_path) == 0;
}

#endif
