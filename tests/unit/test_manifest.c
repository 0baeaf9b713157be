/* test_manifest.c -- the batch manifest's CSV reader (quotes, line breaks in quotes, CRLF, BOM,
 * relative paths, the errors it names) and the shard rule: FNV-1a 64 against an independently computed value,
 * every row in exactly one shard, and --shard auto from Slurm's and Kubernetes' variables. */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#include "../../cli/manifest.c" /* the CLI's parser: libc only, compiled into this test */

static int parse(const char *text, manifest *m, char *err)
{
    return manifest_parse(text, strlen(text), "/study/m.csv", m, err, 200);
}

static void test_csv_quotes(void **state)
{
    (void)state;
    manifest m;
    char err[200] = "";
    const char *text = "\xef\xbb\xbfimage,subject,site,date,label,procedure\r\n"
                       "a.jpg,S01,cheek,2026-01-05,\"session, one\",\"laser \"\"fractional\"\"\"\r\n"
                       "\r\n"
                       "/abs/b.jpg,S02,\"left\ncheek\",exif,,\n"
                       "sub/c.jpg,S03,chin,2026-01-06T10:30,x,";
    assert_int_equal(parse(text, &m, err), 0);
    assert_int_equal(m.n, 3);
    assert_string_equal(m.rows[0].col[MF_SUBJECT], "S01");
    assert_string_equal(m.rows[0].col[MF_LABEL], "session, one");
    assert_string_equal(m.rows[0].col[MF_PROCEDURE], "laser \"fractional\"");
    assert_string_equal(m.rows[0].image_path, "/study/a.jpg"); /* relative to the manifest's folder */
    assert_int_equal(m.rows[0].line, 2);
    assert_string_equal(m.rows[1].col[MF_SITE], "left\ncheek"); /* a line break inside quotes */
    assert_string_equal(m.rows[1].image_path, "/abs/b.jpg");
    assert_string_equal(m.rows[1].col[MF_DATE], "exif");
    assert_int_equal(m.rows[1].line, 4);
    assert_string_equal(m.rows[2].image_path, "/study/sub/c.jpg");
    assert_int_equal(m.rows[2].line, 6);            /* the quoted line break counted */
    assert_string_equal(m.rows[2].col[MF_ROI], ""); /* absent column */
    assert_null(m.rows[2].mask_path);
    manifest_free(&m);
}

static void test_csv_errors(void **state)
{
    (void)state;
    manifest m;
    char err[200];
    assert_int_equal(parse("subject,site,date,image,colour\n", &m, err), -1);
    assert_non_null(strstr(err, "unknown column 'colour'"));
    assert_int_equal(parse("subject,site,image\nS,c,a.jpg\n", &m, err), -1);
    assert_non_null(strstr(err, "lacks the column 'date'"));
    assert_int_equal(parse("subject,site,date,image\nS,c,2026-01-01\n", &m, err), -1);
    assert_non_null(strstr(err, "line 2: 3 fields, the header has 4"));
    assert_int_equal(parse("subject,site,date,image\nS,c,2026-01-01,\"a.jpg\n", &m, err), -1);
    assert_non_null(strstr(err, "line 2: a quote is not closed"));
    assert_int_equal(parse("subject,site,date,image\nS,,2026-01-01,a.jpg\n", &m, err), -1);
    assert_non_null(strstr(err, "line 2: empty site"));
    assert_int_equal(parse("", &m, err), -1);
    assert_non_null(strstr(err, "no header row"));
    assert_int_equal(parse("subject,site,date,image,mask\nS,c,exif,a.jpg,m/x.png\n", &m, err), 0);
    assert_string_equal(m.rows[0].mask_path, "/study/m/x.png");
    manifest_free(&m);
}

static void test_hash(void **state)
{
    (void)state;
    /* FNV-1a 64 of "S01\x1fcheek\x1fphotos/a.jpg", computed by a separate Python loop */
    assert_true(manifest_hash("S01", "cheek", "photos/a.jpg") == 0x41e50153705fbd05ull);
    manifest_row r = {0};
    r.col[MF_SUBJECT] = "S01", r.col[MF_SITE] = "cheek", r.col[MF_IMAGE] = "photos/a.jpg";
    assert_int_equal(manifest_shard(&r, 4), 1); /* 0x41e50153705fbd05 mod 4 */
    assert_int_equal(manifest_shard(&r, 1), 0);
    /* every row in exactly one shard, and the shards roughly even */
    int count[4] = {0};
    char img[32];
    for (int i = 0; i < 4000; i++) {
        snprintf(img, sizeof img, "p%04d.jpg", i);
        r.col[MF_IMAGE] = img;
        int k = manifest_shard(&r, 4);
        assert_true(k >= 0 && k < 4);
        count[k]++;
    }
    for (int k = 0; k < 4; k++)
        assert_true(count[k] > 850 && count[k] < 1150);
}

/* a fake environment for --shard auto */
static const char *const *g_env;
static char *fake_getenv(const char *name)
{
    for (int i = 0; g_env[i]; i += 2)
        if (strcmp(g_env[i], name) == 0)
            return (char *)g_env[i + 1];
    return NULL;
}

static int shard(const char *arg, const char *const *env, int *k, int *n, char *err)
{
    g_env = env;
    return manifest_parse_shard(arg, fake_getenv, k, n, err, 200);
}

static void test_shard_arg(void **state)
{
    (void)state;
    int k, n;
    char err[200];
    const char *none[] = {NULL};
    assert_int_equal(shard("2/4", none, &k, &n, err), 0);
    assert_int_equal(k, 2);
    assert_int_equal(n, 4);
    assert_int_equal(shard("4/4", none, &k, &n, err), -1); /* 0-based */
    assert_non_null(strstr(err, "0-based"));
    assert_int_equal(shard("1/0", none, &k, &n, err), -1);
    assert_int_equal(shard("x/4", none, &k, &n, err), -1);
    assert_int_equal(shard("-1/4", none, &k, &n, err), -1);
    assert_int_equal(shard("auto", none, &k, &n, err), -1);
    assert_non_null(strstr(err, "SLURM_ARRAY_TASK_ID"));
    /* Slurm --array=0-3 and --array=1-4 both give shards 0..3 of 4 */
    const char *s0[] = {
        "SLURM_ARRAY_TASK_ID", "3", "SLURM_ARRAY_TASK_MIN", "0", "SLURM_ARRAY_TASK_COUNT", "4", NULL};
    assert_int_equal(shard("auto", s0, &k, &n, err), 0);
    assert_int_equal(k, 3);
    assert_int_equal(n, 4);
    const char *s1[] = {
        "SLURM_ARRAY_TASK_ID", "1", "SLURM_ARRAY_TASK_MIN", "1", "SLURM_ARRAY_TASK_COUNT", "4", NULL};
    assert_int_equal(shard("auto", s1, &k, &n, err), 0);
    assert_int_equal(k, 0);
    const char *s2[] = {"SLURM_ARRAY_TASK_ID",
                        "5",
                        "SLURM_ARRAY_TASK_MIN",
                        "1",
                        "SLURM_ARRAY_TASK_STEP",
                        "2",
                        "SLURM_ARRAY_TASK_COUNT",
                        "3",
                        NULL}; /* --array=1-5:2 */
    assert_int_equal(shard("auto", s2, &k, &n, err), 0);
    assert_int_equal(k, 2);
    assert_int_equal(n, 3);
    const char *s3[] = {"SLURM_ARRAY_TASK_ID", "2", NULL};
    assert_int_equal(shard("auto", s3, &k, &n, err), -1);
    assert_non_null(strstr(err, "SLURM_ARRAY_TASK_COUNT"));
    /* Kubernetes Indexed Jobs: JOB_COMPLETION_INDEX, the count from auto/N or SKINQ_SHARDS */
    const char *j[] = {"JOB_COMPLETION_INDEX", "2", NULL};
    assert_int_equal(shard("auto/3", j, &k, &n, err), 0);
    assert_int_equal(k, 2);
    assert_int_equal(n, 3);
    assert_int_equal(shard("auto", j, &k, &n, err), -1);
    const char *j2[] = {"JOB_COMPLETION_INDEX", "0", "SKINQ_SHARDS", "5", NULL};
    assert_int_equal(shard("auto", j2, &k, &n, err), 0);
    assert_int_equal(k, 0);
    assert_int_equal(n, 5);
    assert_int_equal(shard("auto/2", (const char *[]){"JOB_COMPLETION_INDEX", "2", NULL}, &k, &n, err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_quotes),
        cmocka_unit_test(test_csv_errors),
        cmocka_unit_test(test_hash),
        cmocka_unit_test(test_shard_arg),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
