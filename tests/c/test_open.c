/* Opening a store: open, close, a second open, sync, compact, the store's
 * own failures (pepper, read-only, fork, corruption) and the manual clock. */
#include "fixture.h"

static void test_open_close_and_second_open(void) {
    kr_tmp t;
    keyrack_store *s = NULL, *second = KR_SENTINEL;
    keyrack_verification *v = KR_SENTINEL;
    char id[32] = "";
    char *key;
    kr_tmp_make(&t);
    CHECK_OK(keyrack_store_open(t.path, NULL, &s));
    key = issue_simple(s, "first", id);
    CHECK(key != NULL && strncmp(key, "kr_", 3) == 0 && strlen(key) == 52);
    /* A second open of the same file, in the same process. */
    CHECK_RC(keyrack_store_open(t.path, NULL, &second), KEYRACK_ALREADY_OPEN);
    CHECK(second == KR_SENTINEL);
    CHECK(strstr(keyrack_last_error_message(), "keyrack_store_open") != NULL);
    CHECK(strstr(keyrack_last_error_message(), "already open") != NULL);
    CHECK_OK(keyrack_store_sync(s));
    CHECK_OK(keyrack_store_close(s));
    CHECK_OK(keyrack_store_close(s)); /* twice is harmless */
    CHECK_RC(keyrack_verify(s, key, strlen(key), &v), KEYRACK_CLOSED);
    CHECK(v == KR_SENTINEL);
    CHECK_RC(keyrack_revoke(s, id, NULL), KEYRACK_CLOSED);
    CHECK_RC(keyrack_store_sync(s), KEYRACK_CLOSED);
    keyrack_store_free(s);
    /* Reopened, the key is still there and valid. */
    s = NULL;
    CHECK_OK(keyrack_store_open(t.path, NULL, &s));
    CHECK(verify_outcome(s, key, NULL) == KEYRACK_OUTCOME_VALID);
    keyrack_store_free(s); /* free without close also closes */
    s = NULL;
    CHECK_OK(keyrack_store_open(t.path, NULL, &s));
    keyrack_store_free(s);
    keyrack_key_free(key);
    kr_tmp_clean(&t);
}

static void test_store_errors(void) {
    kr_tmp t;
    keyrack_options *o = NULL;
    keyrack_store *s = NULL, *ro = NULL, *bad = KR_SENTINEL;
    keyrack_issue_options *io = NULL;
    keyrack_issued *is = KR_SENTINEL;
    keyrack_verification *v = NULL;
    uint8_t pepper[32], other[32];
    char id[32];
    char *key;
    int fd;
    memset(pepper, 1, sizeof pepper);
    memset(other, 2, sizeof other);
    kr_tmp_make(&t);
    CHECK_OK(keyrack_options_new(&o));
    CHECK_RC(keyrack_options_set_pepper(o, pepper, 31), KEYRACK_INVALID_ARGUMENT);
    CHECK_OK(keyrack_options_set_pepper(o, pepper, 32));
    CHECK_RC(keyrack_options_set_leeway_ms(o, -1), KEYRACK_INVALID_ARGUMENT);
    CHECK_OK(keyrack_options_set_leeway_ms(o, 0));
    CHECK_OK(keyrack_options_set_flush_interval_ms(o, 50));
    CHECK_OK(keyrack_options_set_cache_capacity(o, 1000));
    CHECK_OK(keyrack_options_set_create(o, true));
    CHECK_OK(keyrack_store_open(t.path, o, &s));
    key = issue_simple(s, "peppered", id);
    CHECK_OK(keyrack_store_close(s));
    keyrack_store_free(s);
    /* Wrong pepper. */
    CHECK_OK(keyrack_options_set_pepper(o, other, 32));
    CHECK_RC(keyrack_store_open(t.path, o, &bad), KEYRACK_PEPPER_MISMATCH);
    CHECK(bad == KR_SENTINEL);
    /* Read-only: verify works, writes refuse. */
    CHECK_OK(keyrack_options_set_pepper(o, pepper, 32));
    CHECK_OK(keyrack_options_set_read_only(o, true));
    CHECK_OK(keyrack_store_open(t.path, o, &ro));
    CHECK(verify_outcome(ro, key, NULL) == KEYRACK_OUTCOME_VALID);
    CHECK_OK(keyrack_issue_options_new("nope", &io));
    CHECK_RC(keyrack_issue(ro, io, &is), KEYRACK_READ_ONLY);
    CHECK(is == KR_SENTINEL);
    CHECK_RC(keyrack_revoke(ro, id, NULL), KEYRACK_READ_ONLY);
    keyrack_issue_options_free(io);
    /* A handle used in a child after fork(). The child reports through a
     * pipe and dies by SIGKILL, so nothing (valgrind's leak check included)
     * runs at its exit: the parent's store is not the child's to free. */
    {
        int fds[2];
        char answer = 0;
        pid_t pid;
        CHECK(pipe(fds) == 0);
        pid = fork();
        if (pid == 0) {
            keyrack_verification *cv = NULL;
            char *cj = NULL;
            size_t cn = 0;
            keyrack_result rc = keyrack_verify(ro, key, strlen(key), &cv);
            keyrack_result xrc = keyrack_export(ro, &cj, NULL, NULL);
            keyrack_result irc = keyrack_import_json_lines(ro, "", 0, &cn);
            char byte = (rc == KEYRACK_WRONG_PROCESS && cv == NULL && xrc == KEYRACK_WRONG_PROCESS &&
                         cj == NULL && irc == KEYRACK_WRONG_PROCESS)
                            ? 'y'
                            : 'n';
            if (write(fds[1], &byte, 1) != 1) byte = 'n';
            kill(getpid(), SIGKILL);
            _exit(1);
        } else {
            close(fds[1]);
            CHECK(pid > 0 && read(fds[0], &answer, 1) == 1 && answer == 'y');
            CHECK(waitpid(pid, NULL, 0) == pid);
            close(fds[0]);
        }
    }
    CHECK_OK(keyrack_verify(ro, key, strlen(key), &v)); /* the parent is unaffected */
    keyrack_verification_free(v);
    keyrack_store_free(ro);
    keyrack_options_free(o);
    /* Not there, and not to be created. */
    kr_tmp_clean(&t);
    o = NULL;
    CHECK_OK(keyrack_options_new(&o));
    CHECK_OK(keyrack_options_set_create(o, false));
    bad = KR_SENTINEL;
    CHECK(keyrack_store_open(t.path, o, &bad) != KEYRACK_OK);
    CHECK(bad == KR_SENTINEL);
    keyrack_options_free(o);
    /* A file that is not a store. */
    kr_tmp_make(&t);
    fd = open(t.path, O_CREAT | O_WRONLY, 0600);
    CHECK(fd >= 0);
    CHECK(write(fd, "this is not a redb file, not at all, not even close....", 55) == 55);
    close(fd);
    CHECK_RC(keyrack_store_open(t.path, NULL, &bad), KEYRACK_CORRUPTED);
    CHECK(bad == KR_SENTINEL);
    kr_tmp_clean(&t);
    /* A directory that does not exist. */
    CHECK_RC(keyrack_store_open("/nonexistent-keyrack-dir/x/keys.redb", NULL, &bad), KEYRACK_IO);
    CHECK(bad == KR_SENTINEL);
    keyrack_key_free(key);
}

static void test_compact(void) {
    fixture f;
    keyrack_options *o = NULL;
    keyrack_store *ro = NULL;
    keyrack_issue_options *opts[64];
    keyrack_issued_list *list = NULL;
    keyrack_record *r = NULL;
    char id[32], *key, *jsonl = KR_SENTINEL;
    size_t i, count = 0, imported = 99;
    uint64_t purged = 0;
    bool compacted = false;
    fx_open(&f, NULL, NULL);
    key = issue_simple(f.store, "survivor", id);
    /* Fill the file, then empty it again, so there is space to give back. */
    for (i = 0; i < 64; i++) {
        opts[i] = NULL;
        CHECK_OK(keyrack_issue_options_new("filler", &opts[i]));
        CHECK_OK(keyrack_issue_options_add_meta(opts[i], "padding",
            "0123456789012345678901234567890123456789012345678901234567890123456789"));
    }
    CHECK_OK(keyrack_issue_many(f.store, (const keyrack_issue_options *const *)opts, 64, &list));
    for (i = 0; i < keyrack_issued_list_len(list); i++)
        CHECK_OK(keyrack_revoke(f.store, keyrack_issued_id(keyrack_issued_list_get(list, i)), NULL));
    keyrack_issued_list_free(list);
    for (i = 0; i < 64; i++) keyrack_issue_options_free(opts[i]);
    CHECK_OK(keyrack_purge(f.store, 0, &purged));
    CHECK(purged == 64);

    CHECK(verify_outcome(f.store, key, NULL) == KEYRACK_OUTCOME_VALID);
    CHECK_OK(keyrack_store_compact(f.store, &compacted));
    CHECK(compacted);
    /* The store still serves and takes writes afterwards. */
    CHECK(verify_outcome(f.store, key, NULL) == KEYRACK_OUTCOME_VALID);
    CHECK_OK(keyrack_get(f.store, id, &r));
    CHECK(keyrack_record_uses(r) == 2);
    keyrack_record_free(r);
    CHECK_OK(keyrack_store_compact(f.store, NULL));
    CHECK_OK(keyrack_disable(f.store, id, NULL));
    CHECK(verify_outcome(f.store, key, NULL) == KEYRACK_OUTCOME_DISABLED);
    CHECK_OK(keyrack_enable(f.store, id, NULL));

    /* Closed: every new verb says so and writes nothing. */
    CHECK_OK(keyrack_store_close(f.store));
    compacted = true;
    CHECK_RC(keyrack_store_compact(f.store, &compacted), KEYRACK_CLOSED);
    CHECK(compacted);
    CHECK(strstr(keyrack_last_error_message(), "keyrack_store_compact") != NULL);
    CHECK_RC(keyrack_export(f.store, &jsonl, &count, &count), KEYRACK_CLOSED);
    CHECK(jsonl == KR_SENTINEL && count == 0);
    CHECK_RC(keyrack_import_json_lines(f.store, "", 0, &imported), KEYRACK_CLOSED);
    CHECK(imported == 99);

    /* Read-only: compact and import are writes and refused (outputs
     * untouched); export works. */
    CHECK_OK(keyrack_options_new(&o));
    CHECK_OK(keyrack_options_set_read_only(o, true));
    CHECK_OK(keyrack_store_open(f.tmp.path, o, &ro));
    keyrack_options_free(o);
    CHECK(verify_outcome(ro, key, NULL) == KEYRACK_OUTCOME_VALID);
    compacted = true;
    CHECK_RC(keyrack_store_compact(ro, &compacted), KEYRACK_READ_ONLY);
    CHECK(compacted);
    CHECK(verify_outcome(ro, key, NULL) == KEYRACK_OUTCOME_VALID);
    jsonl = NULL;
    CHECK_OK(keyrack_export(ro, &jsonl, NULL, &count));
    CHECK(jsonl != NULL && count == 1 && count_lines(jsonl) == 1);
    CHECK_RC(keyrack_import_json_lines(ro, "", 0, &imported), KEYRACK_READ_ONLY);
    CHECK(imported == 99);
    keyrack_string_free(jsonl);
    keyrack_store_free(ro);

    keyrack_key_free(key);
    keyrack_store_free(f.store);
    keyrack_clock_free(f.clock);
    kr_tmp_clean(&f.tmp);
}

static void test_clock(void) {
    keyrack_clock *c = NULL;
    CHECK_OK(keyrack_clock_new_manual(1000, &c));
    CHECK(keyrack_clock_now_ms(c) == 1000);
    CHECK_OK(keyrack_clock_advance(c, 500));
    CHECK(keyrack_clock_now_ms(c) == 1500);
    CHECK_RC(keyrack_clock_advance(c, -1), KEYRACK_INVALID_ARGUMENT);
    CHECK_OK(keyrack_clock_set(c, -5));
    CHECK(keyrack_clock_now_ms(c) == -5);
    keyrack_clock_free(c);
}

int main(int argc, char **argv) {
    kr_filter = argc > 1 ? argv[1] : NULL;
    RUN(test_open_close_and_second_open);
    RUN(test_store_errors);
    RUN(test_compact);
    RUN(test_clock);
    return kr_finish(argv[0]);
}
