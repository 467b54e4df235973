/* closgen's output directory (topo/output.c): missing parents created as
 * mkdir -p would and removed again when the output is abandoned, a file in
 * the way named in the error, trailing slashes, and an existing directory
 * replaced whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "topo/output.h"

static char base[] = "/tmp/closgen-out-test.XXXXXX";

static int setup(void **state)
{
	return mkdtemp(base) ? 0 : -1;
}

static int teardown(void **state)
{
	return topo_out_rmtree(base) ? -1 : 0;
}

/* is_dir("%s/%s", "a/b"): base/a/b is a directory */
static bool is_dir(const char *fmt, const char *a)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), fmt, base, a);
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool exists(const char *fmt, const char *a)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), fmt, base, a);
	return lstat(path, &st) == 0;
}

static void out_dir(char *path, size_t len, const char *rel)
{
	snprintf(path, len, "%s/%s", base, rel);
}

static void test_parents_created(void **state)
{
	struct topo_err err = {{0}};
	struct topo_out o;
	char dir[PATH_MAX];

	out_dir(dir, sizeof(dir), "p1/p2/out");
	assert_int_equal(topo_out_begin(&o, dir, &err), 0);
	assert_int_equal(topo_out_write(&o, "sw", "f.json", "{}\n", 3, &err), 0);
	assert_int_equal(topo_out_commit(&o, &err), 0);
	assert_true(is_dir("%s/%s", "p1/p2/out/sw"));
	assert_true(exists("%s/%s", "p1/p2/out/sw/f.json"));
}

static void test_abort_removes_created_parents(void **state)
{
	struct topo_err err = {{0}};
	struct topo_out o;
	char dir[PATH_MAX];

	out_dir(dir, sizeof(dir), "keep");
	assert_int_equal(mkdir(dir, 0755), 0);
	out_dir(dir, sizeof(dir), "keep/q1//q2/out");
	assert_int_equal(topo_out_begin(&o, dir, &err), 0);
	assert_true(is_dir("%s/%s", "keep/q1/q2"));
	assert_int_equal(topo_out_write(&o, NULL, "x", "x", 1, &err), 0);
	topo_out_abort(&o);
	/* what existed stays, what closgen made is gone */
	assert_true(is_dir("%s/%s", "keep"));
	assert_false(exists("%s/%s", "keep/q1"));
}

static void test_file_in_the_way(void **state)
{
	struct topo_err err = {{0}};
	struct topo_out o;
	char dir[PATH_MAX], file[PATH_MAX], longname[320];
	FILE *fp;

	out_dir(file, sizeof(file), "plain");
	assert_non_null(fp = fopen(file, "w"));
	fclose(fp);
	/* r1 is created, then the next name is too long: r1 is removed again */
	snprintf(longname, sizeof(longname), "r1/%0300d/out", 0);
	out_dir(dir, sizeof(dir), longname);
	assert_int_equal(topo_out_begin(&o, dir, &err), -1);
	assert_non_null(strstr(err.msg, "/r1/000"));
	assert_non_null(strstr(err.msg, ": cannot create directory: File name too long"));
	assert_false(exists("%s/%s", "r1"));
	/* a file in the way */
	out_dir(dir, sizeof(dir), "plain/sub/out");
	assert_int_equal(topo_out_begin(&o, dir, &err), -1);
	out_dir(dir, sizeof(dir), "plain: cannot create directory: Not a directory");
	assert_string_equal(err.msg, dir);
}

static void test_trailing_slash_replaces(void **state)
{
	struct topo_err err = {{0}};
	struct topo_out o;
	char dir[PATH_MAX];
	int i;

	out_dir(dir, sizeof(dir), "t/out//");
	for (i = 0; i < 2; i++) {
		assert_int_equal(topo_out_begin(&o, dir, &err), 0);
		/* the temporary directory is next to DIR, not inside it */
		assert_non_null(strstr(o.tmp, "/t/out.tmp-"));
		assert_int_equal(topo_out_write(&o, NULL, i ? "second" : "first", "x", 1,
						&err), 0);
		assert_int_equal(topo_out_commit(&o, &err), 0);
	}
	assert_true(exists("%s/%s", "t/out/second"));
	assert_false(exists("%s/%s", "t/out/first"));
}

static void test_empty_name(void **state)
{
	struct topo_err err = {{0}};
	struct topo_out o;

	assert_int_equal(topo_out_begin(&o, "", &err), -1);
	assert_non_null(strstr(err.msg, "empty"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parents_created),
		cmocka_unit_test(test_abort_removes_created_parents),
		cmocka_unit_test(test_file_in_the_way),
		cmocka_unit_test(test_trailing_slash_replaces),
		cmocka_unit_test(test_empty_name),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
