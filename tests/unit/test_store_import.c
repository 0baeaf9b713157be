/* test_store_import.c -- several adds in one transaction (skinq_store_begin/commit/rollback, what
 * `track import` does per file): a commit keeps them all, a refused add inside (a duplicate) leaves
 * the others, a rollback or a process killed before the commit keeps none, and the misuses are
 * refused (a second begin, a commit without one, a read-only store). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_util.h"

static void sha(char hex[65], unsigned n)
{
    char data[32];
    snprintf(data, sizeof data, "import-%u", n);
    skinq_sha256_hex(data, strlen(data), hex);
}

static skinq_status add(skinq_ctx *ctx, skinq_store *s, unsigned n, const skinq_metrics *m)
{
    char hex[65];
    sha(hex, n);
    skinq_store_entry e = {0};
    e.subject = "S01", e.site = "cheek", e.date = "2026-02-01", e.label = "";
    e.image_path = "photo.jpg", e.sha256 = hex, e.width = 100, e.height = 80, e.metrics = m;
    return skinq_store_add(ctx, s, &e, NULL);
}

static int count_row(void *user, const skinq_store_row *r)
{
    (void)r;
    ++*(int *)user;
    return 0;
}

static int photos(skinq_ctx *ctx, const char *path)
{
    skinq_store *s = NULL;
    int n = 0;
    assert_int_equal(skinq_store_open_readonly(ctx, path, &s), SKINQ_OK);
    assert_int_equal(skinq_store_query(ctx, s, NULL, NULL, "color.L.mean", count_row, &n), SKINQ_OK);
    skinq_store_close(&s);
    return n;
}

static void test_transaction(void **state)
{
    (void)state;
    skinq_ctx *ctx = tu_ctx();
    char path[512];
    tu_path(path, sizeof path, "import.db");
    unlink(path);
    skinq_metrics m = {0};
    assert_int_equal(skinq_metrics_add(ctx, &m, "color.L.mean", 61.5, "L*"), SKINQ_OK);
    skinq_store *s = NULL;
    assert_int_equal(skinq_store_open(ctx, path, &s), SKINQ_OK);

    assert_int_equal(skinq_store_commit(ctx, s), SKINQ_E_STORE); /* nothing begun */
    assert_int_equal(skinq_store_begin(ctx, s), SKINQ_OK);
    assert_int_equal(skinq_store_begin(ctx, s), SKINQ_E_STORE); /* one at a time */
    assert_int_equal(add(ctx, s, 1, &m), SKINQ_OK);
    assert_int_equal(add(ctx, s, 2, &m), SKINQ_OK);
    assert_int_equal(add(ctx, s, 1, &m), SKINQ_E_INVALID); /* a duplicate: only itself undone */
    assert_non_null(strstr(skinq_ctx_error(ctx), "already stored"));
    assert_int_equal(add(ctx, s, 3, &m), SKINQ_OK);
    assert_int_equal(skinq_store_commit(ctx, s), SKINQ_OK);
    assert_int_equal(photos(ctx, path), 3);

    assert_int_equal(skinq_store_begin(ctx, s), SKINQ_OK);
    assert_int_equal(add(ctx, s, 4, &m), SKINQ_OK);
    assert_int_equal(add(ctx, s, 5, &m), SKINQ_OK);
    skinq_store_rollback(s);
    skinq_store_rollback(s); /* outside a transaction: nothing */
    assert_int_equal(photos(ctx, path), 3);
    assert_int_equal(add(ctx, s, 4, &m), SKINQ_OK); /* a plain add after it is its own transaction */
    assert_int_equal(photos(ctx, path), 4);
    skinq_store_close(&s);

    /* killed before the commit: none of the file's adds */
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        skinq_ctx *c = NULL;
        skinq_store *cs = NULL;
        if (skinq_ctx_open(&c, NULL) != SKINQ_OK || skinq_store_open(c, path, &cs) != SKINQ_OK ||
            skinq_store_begin(c, cs) != SKINQ_OK)
            _exit(1);
        for (unsigned i = 10; i < 20; i++)
            if (add(c, cs, i, &m) != SKINQ_OK)
                _exit(1);
        raise(SIGKILL);
        _exit(1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    assert_int_equal(photos(ctx, path), 4);

    /* a read-only store refuses to begin */
    assert_int_equal(skinq_store_open_readonly(ctx, path, &s), SKINQ_OK);
    assert_int_equal(skinq_store_begin(ctx, s), SKINQ_E_STORE);
    assert_non_null(strstr(skinq_ctx_error(ctx), "read-only"));
    skinq_store_close(&s);
    skinq_metrics_free(&m);
    skinq_ctx_close(&ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transaction),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
