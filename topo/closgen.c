/* closgen: one platform-independent fabric description (closbgp-fabric)
 * -> every switch's closbgpd.json and interfaces.json, FRR configs for the
 * switches chosen to run FRR, server host files and a containerlab file. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bgpd/self.h"
#include "topo/output.h"
#include "topo/topo.h"

#ifndef YANG_DIR
#define YANG_DIR "topo/yang"
#endif

struct closgen_opts {
	const char *input, *outdir, *frr_nodes, *frr_tier, *yang_dir;
	bool explicit_out, summary, validate;
};

static const char usage_text[] =
"NAME\n"
"    closgen - generate closbgp fabric configurations from topology data\n"
"\n"
"SYNOPSIS\n"
"    closgen -i FABRIC.json -o DIR [--frr NODES | --frr-tier TIER]\n"
"            [--explicit] [--summary] [--no-validate] [-Y YANGDIR]\n"
"    closgen -i FABRIC.json --explicit      (explicit form on stdout)\n"
"    closgen -i FABRIC.json --summary       (summary on stdout)\n"
"\n"
"DESCRIPTION\n"
"    FABRIC.json is RFC 7951 JSON of the YANG module closbgp-fabric, in\n"
"    compact form (shape: planes, ssws-per-plane, pods, rsws-per-pod,\n"
"    servers-per-rack, parallel-links; asn-scheme; address-pools) or in\n"
"    explicit form (device and link lists, as printed by --explicit).\n"
"    closgen expands the compact form, allocates addresses from the\n"
"    pools, checks the topology rules (FSWs per pod = planes, every RSW to\n"
"    every FSW of its pod, FSW k to every SSW of plane k, no SSW-SSW link)\n"
"    and the ASN scheme (private range, no iBGP session, no reuse across\n"
"    tiers, reuse only where loop prevention allows), then writes:\n"
"\n"
"      DIR/<switch>/closbgpd.json   closbgp-device configuration\n"
"      DIR/<switch>/interfaces.json loopback and interface addresses\n"
"      DIR/<switch>/frr.conf        FRR 8.4 configuration (FRR switches)\n"
"      DIR/<switch>/daemons         FRR daemons file (FRR switches)\n"
"      DIR/<server>/host.json       server address and routes\n"
"      DIR/<fabric>.clab.yml        containerlab topology\n"
"      DIR/fabric.json              explicit form (with --explicit)\n"
"      DIR/routes.json              predicted IPv4/IPv6 prefixes per switch\n"
"\n"
"    The prediction propagates every originated prefix over the sessions\n"
"    with the policy intent (in and out rules, LOCAL_PREF, AS_PATH loop\n"
"    prevention, confederations, ECMP) and closbgpd's export rule (the\n"
"    first ECMP path without the neighbour's AS) until nothing changes;\n"
"    a policy rule with an as-path-regex is not simulated (no routes.json,\n"
"    the summary says why).\n"
"\n"
"    Output is deterministic (same input, byte-identical files).  It is\n"
"    written to DIR.tmp-XXXXXX and renamed to DIR only when complete; an\n"
"    existing DIR is replaced, missing parents of DIR are created (as\n"
"    mkdir -p would).  On error nothing is left behind.\n"
"\n"
"OPTIONS\n"
"    -i, --input FILE     fabric description (closbgp-fabric JSON)\n"
"    -o, --output DIR     output directory\n"
"    --frr NODES          comma-separated switches that run FRR\n"
"    --frr-tier TIER      every switch of TIER (ssw, fsw, rsw) runs FRR\n"
"    --explicit           write the explicit form (stdout without -o)\n"
"    --summary            print devices per tier, ASNs, prefixes and the\n"
"                         predicted prefixes per switch of each tier\n"
"    --no-validate        skip libyang validation of device configs\n"
"    -Y, --yang-dir DIR   YANG modules (default " YANG_DIR ")\n"
"    -h, --help           this text\n"
"\n"
"EXIT STATUS\n"
"    0 on success, 1 on invalid input (one message on stderr), 2 on usage.\n"
"\n"
"EXAMPLE\n"
"    {\"closbgp-fabric:fabric\": {\"name\": \"lab\",\n"
"      \"shape\": {\"planes\": 2, \"ssws-per-plane\": 2, \"pods\": 2,\n"
"                \"rsws-per-pod\": 2, \"servers-per-rack\": 1},\n"
"      \"address-pools\": {\"loopback\": {\"ipv4\": \"10.0.0.0/24\"},\n"
"        \"point-to-point\": {\"ipv4\": \"10.1.0.0/24\"},\n"
"        \"pod\": {\"ipv4\": \"10.128.0.0/12\", \"ipv4-length\": 16}}}}\n"
"\n"
"    closgen -i lab.json -o out --frr-tier ssw --summary\n"
"\n"
"SEE ALSO\n"
"    docs/topology.md, topo/yang/closbgp-fabric.yang\n";

static int parse_args(int argc, char **argv, struct closgen_opts *o)
{
	static const struct option longopts[] = {
		{"input", required_argument, NULL, 'i'},
		{"output", required_argument, NULL, 'o'},
		{"frr", required_argument, NULL, 'F'},
		{"frr-tier", required_argument, NULL, 'T'},
		{"explicit", no_argument, NULL, 'E'},
		{"summary", no_argument, NULL, 'S'},
		{"no-validate", no_argument, NULL, 'N'},
		{"yang-dir", required_argument, NULL, 'Y'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static const char default_yang[] = YANG_DIR;
	int c;

	*o = (struct closgen_opts){.yang_dir = default_yang, .validate = true};
	while ((c = getopt_long(argc, argv, "i:o:Y:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i': o->input = optarg; break;
		case 'o': o->outdir = optarg; break;
		case 'F': o->frr_nodes = optarg; break;
		case 'T': o->frr_tier = optarg; break;
		case 'E': o->explicit_out = true; break;
		case 'S': o->summary = true; break;
		case 'N': o->validate = false; break;
		case 'Y': o->yang_dir = optarg; break;
		case 'h': fputs(usage_text, stdout); exit(0);
		default: return -1;
		}
	}
	if (optind != argc || !o->input || (!o->outdir && !o->explicit_out &&
					    !o->summary))
		return -1;
	if (o->frr_nodes && o->frr_tier)
		return -1;
#if defined(INSTALLED_YANG_DIR) && defined(INSTALLED_CLOSGEN)
	/* the installed closgen: the installed modules only (bgpd/self.h);
	 * any other: the source tree's, or the installed ones without it */
	if (o->yang_dir == default_yang &&
	    (self_is_installed(INSTALLED_CLOSGEN) || access(YANG_DIR "/closbgp-fabric.yang", R_OK)))
		o->yang_dir = INSTALLED_YANG_DIR;
#endif
	return 0;
}

/* Marks the FRR switches (--frr NODES or --frr-tier TIER). */
static int mark_frr(struct topo_fabric *f, const struct closgen_opts *o,
		    struct topo_err *err)
{
	enum topo_tier t;
	char *list, *tok, *save = NULL;
	size_t i;

	if (o->frr_tier) {
		if (topo_tier_parse(o->frr_tier, &t) || t == TOPO_SERVER)
			return topo_errf(err, "--frr-tier: '%s' is not ssw, fsw "
					 "or rsw", o->frr_tier);
		for (i = 0; i < f->ndevs; i++)
			f->devs[i].frr = f->devs[i].tier == t;
		return 0;
	}
	if (!o->frr_nodes || !(list = strdup(o->frr_nodes)))
		return o->frr_nodes ? topo_errf(err, "out of memory") : 0;
	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		int d = topo_dev_find(f, tok);

		if (d < 0 || f->devs[d].tier == TOPO_SERVER) {
			topo_errf(err, "--frr: no switch named '%s'", tok);
			free(list);
			return -1;
		}
		f->devs[d].frr = true;
	}
	free(list);
	return 0;
}


static int run(const struct closgen_opts *o, struct topo_err *err)
{
	struct topo_fabric f;
	struct topo_prediction pred = {0};
	struct topo_validator *v = NULL;
	struct topo_out out;
	int rc = -1;

	topo_fabric_init(&f);
	if (topo_load(&f, o->input, o->yang_dir, err) ||
	    topo_expand(&f, err) || topo_alloc(&f, err) ||
	    topo_check(&f, err) || mark_frr(&f, o, err))
		goto done;
	if ((o->summary || o->outdir) && topo_predict(&f, &pred, err))
		goto done;
	if (o->summary)
		topo_emit_summary(&f, &pred, stdout);
	if (!o->outdir) {
		rc = o->explicit_out ? topo_emit_explicit(&f, stdout) : 0;
		goto done;
	}
	if (o->validate && !(v = topo_validator_new(o->yang_dir, err)))
		goto done;
	if (topo_out_begin(&out, o->outdir, err))
		goto done;
	if (topo_write_all(&f, &pred, &out, v, o->explicit_out, err) ||
	    topo_out_commit(&out, err))
		topo_out_abort(&out);
	else
		rc = 0;
done:
	topo_prediction_free(&pred);
	topo_validator_free(v);
	topo_fabric_free(&f);
	return rc;
}

int main(int argc, char **argv)
{
	struct closgen_opts o;
	struct topo_err err = {{0}};

	if (parse_args(argc, argv, &o)) {
		fprintf(stderr, "usage: closgen -i FABRIC.json -o DIR [--frr NODES"
			"|--frr-tier TIER] [--explicit] [--summary]\n"
			"       closgen --help\n");
		return 2;
	}
	if (run(&o, &err)) {
		fprintf(stderr, "closgen: error: %s\n", err.msg);
		return 1;
	}
	return 0;
}
