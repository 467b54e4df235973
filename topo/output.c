/* Publishing closgen's output atomically: everything is written into
 * DIR.tmp-XXXXXX next to DIR and renamed into place only when complete; on
 * error the temporary directory is removed, so no partial DIR appears.
 * DIR's missing parents are created first, as mkdir -p would, and removed
 * again on error. */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "topo/output.h"

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	return remove(path);
}

int topo_out_rmtree(const char *path)
{
	return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* rmdir of the parents of o->dir that topo_out_begin created, deepest
 * first (only empty ones go: rmdir refuses the others). */
static void rm_parents(struct topo_out *o)
{
	char path[sizeof(o->dir)];
	char *slash;

	if (!o->made)
		return;
	snprintf(path, sizeof(path), "%s", o->dir);
	while ((slash = strrchr(path, '/')) && (size_t)(slash - path) >= o->made) {
		*slash = '\0';
		if (path[0])
			rmdir(path);
	}
	o->made = 0;
}

/* mkdir -p of DIR's parents (DIR itself is made by the rename); o->made
 * remembers the first one created, so that an error removes them. */
static int make_parents(struct topo_out *o, struct topo_err *err)
{
	char path[sizeof(o->dir)];
	struct stat st;
	size_t i;

	snprintf(path, sizeof(path), "%s", o->dir);
	for (i = 1; path[i]; i++) {
		if (path[i] != '/' || path[i - 1] == '/')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0755) == 0) {
			if (!o->made)
				o->made = i;
		} else if (errno != EEXIST) {
			int e = errno;

			rm_parents(o);
			return topo_errf(err, "%s: cannot create directory: %s",
					 path, strerror(e));
		} else if (stat(path, &st) || !S_ISDIR(st.st_mode)) {
			rm_parents(o);
			return topo_errf(err, "%s: cannot create directory: %s",
					 path, strerror(ENOTDIR));
		}
		path[i] = '/';
	}
	return 0;
}

int topo_out_begin(struct topo_out *o, const char *dir, struct topo_err *err)
{
	size_t len;

	memset(o, 0, sizeof(*o));
	if (!dir[0])
		return topo_errf(err, "the output directory name is empty");
	if (snprintf(o->dir, sizeof(o->dir), "%s", dir) >= (int)sizeof(o->dir))
		return topo_errf(err, "%s: path too long", dir);
	/* "out/" is "out": the temporary directory goes next to it */
	len = strlen(o->dir);
	while (len > 1 && o->dir[len - 1] == '/')
		o->dir[--len] = '\0';
	if (snprintf(o->tmp, sizeof(o->tmp), "%s.tmp-XXXXXX", o->dir) >=
	    (int)sizeof(o->tmp))
		return topo_errf(err, "%s: path too long", dir);
	if (make_parents(o, err))
		return -1;
	if (!mkdtemp(o->tmp)) {
		int e = errno;

		rm_parents(o);
		return topo_errf(err, "%s: cannot create: %s", o->tmp,
				 strerror(e));
	}
	chmod(o->tmp, 0755);
	return 0;
}

int topo_out_write(struct topo_out *o, const char *sub, const char *name,
		   const char *data, size_t len, struct topo_err *err)
{
	char path[PATH_MAX];
	FILE *fp;
	int n;

	if (sub) {
		n = snprintf(path, sizeof(path), "%s/%s", o->tmp, sub);
		if (n < 0 || (size_t)n >= sizeof(path))
			return topo_errf(err, "%s/%s: path too long", o->dir, sub);
		if (mkdir(path, 0755) && errno != EEXIST)
			return topo_errf(err, "%s: %s", path, strerror(errno));
		n = snprintf(path, sizeof(path), "%s/%s/%s", o->tmp, sub, name);
	} else {
		n = snprintf(path, sizeof(path), "%s/%s", o->tmp, name);
	}
	if (n < 0 || (size_t)n >= sizeof(path))
		return topo_errf(err, "%s/%s: path too long", o->dir, name);
	if (!(fp = fopen(path, "w")))
		return topo_errf(err, "%s: %s", path, strerror(errno));
	if (fwrite(data, 1, len, fp) != len) {
		fclose(fp);
		return topo_errf(err, "%s: write failed", path);
	}
	if (fclose(fp))
		return topo_errf(err, "%s: write failed", path);
	return 0;
}

/* Moves an existing DIR aside, renames the new one in, removes the old. */
int topo_out_commit(struct topo_out *o, struct topo_err *err)
{
	char old[PATH_MAX];
	struct stat st;
	bool had = stat(o->dir, &st) == 0;

	if (had) {
		int n = snprintf(old, sizeof(old), "%s.old-XXXXXX", o->dir);

		if (n < 0 || (size_t)n >= sizeof(old) || !mkdtemp(old) ||
		    rename(o->dir, old))
			return topo_errf(err, "%s: cannot move aside: %s", o->dir,
					 strerror(errno));
	}
	if (rename(o->tmp, o->dir)) {
		int e = errno;

		if (had)
			rename(old, o->dir);
		return topo_errf(err, "%s: cannot rename into place: %s",
				 o->dir, strerror(e));
	}
	o->tmp[0] = '\0';
	o->made = 0;
	if (had)
		topo_out_rmtree(old);
	return 0;
}

void topo_out_abort(struct topo_out *o)
{
	if (o->tmp[0])
		topo_out_rmtree(o->tmp);
	o->tmp[0] = '\0';
	rm_parents(o);
}
