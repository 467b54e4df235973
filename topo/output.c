/* Publishing closgen's output atomically: everything is written into
 * DIR.tmp-XXXXXX next to DIR and renamed into place only when complete; on
 * error the temporary directory is removed, so no partial DIR appears. */
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

int topo_out_begin(struct topo_out *o, const char *dir, struct topo_err *err)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->dir, sizeof(o->dir), "%s", dir);
	if (snprintf(o->tmp, sizeof(o->tmp), "%s.tmp-XXXXXX", dir) >=
	    (int)sizeof(o->tmp))
		return topo_errf(err, "%s: path too long", dir);
	if (!mkdtemp(o->tmp))
		return topo_errf(err, "%s: cannot create: %s", o->tmp,
				 strerror(errno));
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
	if (had)
		topo_out_rmtree(old);
	return 0;
}

void topo_out_abort(struct topo_out *o)
{
	if (o->tmp[0])
		topo_out_rmtree(o->tmp);
	o->tmp[0] = '\0';
}
