/* Renders every output file of a checked fabric into the temporary output
 * directory, validating each device configuration on the way. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo/output.h"

typedef int (*topo_dev_emitter)(const struct topo_fabric *,
				const struct topo_device *, FILE *);

/* Renders one file into memory, optionally validates, then writes it. */
static int render(struct topo_out *o, const struct topo_fabric *f,
		  const struct topo_device *d, topo_dev_emitter fn,
		  const char *name, struct topo_validator *v,
		  struct topo_err *err)
{
	char *buf = NULL, what[TOPO_NAME_MAX + 32];
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	int rc;

	if (!fp)
		return topo_errf(err, "out of memory");
	rc = fn(f, d, fp);
	if (fclose(fp) || rc) {
		free(buf);
		return topo_errf(err, "%s/%s: cannot render", d->name, name);
	}
	snprintf(what, sizeof(what), "%s/%s", d->name, name);
	rc = (v && topo_validator_check(v, buf, what, err)) ||
	     topo_out_write(o, d->name, name, buf, len, err) ? -1 : 0;
	free(buf);
	return rc;
}

static int frr_daemons(const struct topo_fabric *f,
		       const struct topo_device *d, FILE *out)
{
	return topo_emit_frr_daemons(out);
}

static int write_device(struct topo_out *o, const struct topo_fabric *f,
			const struct topo_device *d, struct topo_validator *v,
			struct topo_err *err)
{
	if (d->tier == TOPO_SERVER)
		return render(o, f, d, topo_emit_host, "host.json", NULL, err);
	if (render(o, f, d, topo_emit_device, "closbgpd.json", v, err) ||
	    render(o, f, d, topo_emit_interfaces, "interfaces.json", NULL, err))
		return -1;
	if (d->frr &&
	    (render(o, f, d, topo_emit_frr, "frr.conf", NULL, err) ||
	     render(o, f, d, frr_daemons, "daemons", NULL, err)))
		return -1;
	return 0;
}

/* A whole-fabric file (clab, explicit form, predicted routes) into o:
 * fn renders it, from f or from the prediction pred when given. */
static int write_fabric_file(struct topo_out *o, const struct topo_fabric *f,
			     int (*fn)(const struct topo_fabric *, FILE *),
			     const struct topo_prediction *pred, const char *name,
			     struct topo_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	int rc;

	if (!fp)
		return topo_errf(err, "out of memory");
	rc = pred ? topo_emit_routes(f, pred, fp) : fn(f, fp);
	if (fclose(fp) || rc)
		rc = topo_errf(err, "%s: cannot render", name);
	else
		rc = topo_out_write(o, NULL, name, buf, len, err);
	free(buf);
	return rc;
}

int topo_write_all(const struct topo_fabric *f, const struct topo_prediction *pred,
		   struct topo_out *o, struct topo_validator *v, bool explicit_out,
		   struct topo_err *err)
{
	char name[TOPO_NAME_MAX + 16];
	size_t i;

	for (i = 0; i < f->ndevs; i++)
		if (write_device(o, f, &f->devs[i], v, err))
			return -1;
	snprintf(name, sizeof(name), "%s.clab.yml", f->name);
	if (write_fabric_file(o, f, topo_emit_clab, NULL, name, err))
		return -1;
	if (explicit_out &&
	    write_fabric_file(o, f, topo_emit_explicit, NULL, "fabric.json", err))
		return -1;
	if (pred && pred->ok && write_fabric_file(o, f, NULL, pred, "routes.json", err))
		return -1;
	return 0;
}
