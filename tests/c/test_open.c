/* Opening a store: open, close, a second open, sync, compact, the store's
 * own failures (pepper, read-only, fork, corruption, a crashed writer), the
 * credit lease, the accepted prefixes, health and the manual clock. */
#include "fixture.h"

#include <sys/resource.h>

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

/* Opens `path` with the options the tests below vary; returns the result. */
static keyrack_result open_with(const char *path, const keyrack_clock *clock, const char *prefix,
                                const char *extra, bool read_only, uint64_t lease,
                                keyrack_store **out) {
    keyrack_options *o = NULL;
    keyrack_result rc;
    CHECK_OK(keyrack_options_new(&o));
    if (clock) CHECK_OK(keyrack_options_set_clock(o, clock));
    if (prefix) CHECK_OK(keyrack_options_set_prefix(o, prefix));
    if (extra) CHECK_OK(keyrack_options_add_prefix(o, extra));
    CHECK_OK(keyrack_options_set_read_only(o, read_only));
    if (lease) CHECK_OK(keyrack_options_set_credit_lease(o, lease));
    rc = keyrack_store_open(path, o, out);
    keyrack_options_free(o);
    return rc;
}

/* Whether `list` is exactly the `n` prefixes given, in order; frees it. */
static int prefixes_are(keyrack_prefixes *list, size_t n, const char *a, const char *b) {
    const char *want[2];
    size_t i;
    int same;
    want[0] = a;
    want[1] = b;
    same = list != NULL && keyrack_prefixes_len(list) == n && keyrack_prefixes_get(list, n) == NULL;
    for (i = 0; same && i < n; i++) same = strcmp(keyrack_prefixes_get(list, i), want[i]) == 0;
    keyrack_prefixes_free(list);
    return same;
}

/* The remaining credits of key `id`. */
static uint64_t remaining_of(keyrack_store *s, const char *id) {
    keyrack_record *r = NULL;
    uint64_t n = UINT64_MAX;
    CHECK_OK(keyrack_get(s, id, &r));
    CHECK(keyrack_record_remaining(r, &n));
    keyrack_record_free(r);
    return n;
}

/* Prefixes change only by keyrack_store_add_prefix / _remove_prefix, each
 * audited; an open may pick among the accepted ones, never change them. */
static void test_prefixes(void) {
    fixture f;
    keyrack_store *s = KR_SENTINEL;
    keyrack_prefixes *list = NULL;
    keyrack_issue_options *io = NULL;
    keyrack_issued *is = NULL;
    char *test_key = NULL, *live_key, id[32], ev_id[64], detail[64];
    fx_open(&f, "sk_live", NULL);
    CHECK_OK(keyrack_store_prefixes(f.store, &list));
    CHECK(prefixes_are(list, 1, "sk_live", NULL));
    live_key = issue_simple(f.store, "live", id);
    CHECK(strncmp(live_key, "sk_live_", 8) == 0);

    /* Add: durable, audited, returned; adding again changes nothing. */
    list = NULL;
    CHECK_OK(keyrack_store_add_prefix(f.store, "sk_test", &list));
    CHECK(prefixes_are(list, 2, "sk_live", "sk_test"));
    CHECK_OK(keyrack_store_add_prefix(f.store, "sk_test", NULL));
    CHECK_OK(keyrack_store_prefixes(f.store, &list));
    CHECK(prefixes_are(list, 2, "sk_live", "sk_test"));
    list = KR_SENTINEL;
    CHECK_RC(keyrack_store_add_prefix(f.store, "Bad-Prefix", &list), KEYRACK_INVALID_ARGUMENT);
    CHECK(strstr(keyrack_last_error_message(), "`prefix`") != NULL);
    CHECK(list == KR_SENTINEL);
    CHECK_OK(keyrack_issue_options_new("test", &io));
    CHECK_OK(keyrack_issue_options_set_prefix(io, "sk_test"));
    CHECK_OK(keyrack_issue(f.store, io, &is));
    CHECK_OK(keyrack_issued_take_key(is, &test_key, NULL));
    keyrack_issued_free(is);
    keyrack_issue_options_free(io);
    CHECK(strncmp(test_key, "sk_test_", 8) == 0);
    CHECK(verify_outcome(f.store, test_key, NULL) == KEYRACK_OUTCOME_VALID);
    CHECK(count_audit(f.store, KEYRACK_AUDIT_PREFIX_ADDED, ev_id, detail) == 1);
    CHECK_STR(ev_id, "");
    CHECK(strstr(detail, "sk_test") != NULL);

    /* The default, and a prefix not accepted, cannot be removed. */
    CHECK_RC(keyrack_store_remove_prefix(f.store, "sk_live", &list), KEYRACK_INVALID_ARGUMENT);
    CHECK(strstr(keyrack_last_error_message(), "`prefix`") != NULL);
    CHECK_RC(keyrack_store_remove_prefix(f.store, "sk_other", &list), KEYRACK_INVALID_ARGUMENT);
    CHECK(list == KR_SENTINEL);
    CHECK_OK(keyrack_store_close(f.store));
    keyrack_store_free(f.store);
    f.store = NULL;

    /* Reopening with a prefix, or an accepted prefix, the store does not
     * accept is refused and says to add it; nothing is rewritten. */
    CHECK_RC(open_with(f.tmp.path, f.clock, "sk_other", NULL, false, 0, &s), KEYRACK_INVALID_ARGUMENT);
    CHECK(strstr(keyrack_last_error_message(), "`prefix`") != NULL);
    CHECK(strstr(keyrack_last_error_message(), "add_prefix") != NULL);
    CHECK_RC(open_with(f.tmp.path, f.clock, NULL, "sk_other", false, 0, &s), KEYRACK_INVALID_ARGUMENT);
    CHECK(strstr(keyrack_last_error_message(), "`prefixes`") != NULL);
    CHECK(s == KR_SENTINEL);
    /* An accepted one picks this handle's issue prefix among them. */
    s = NULL;
    CHECK_OK(open_with(f.tmp.path, f.clock, "sk_test", "sk_live", false, 0, &s));
    CHECK_OK(keyrack_store_prefixes(s, &list));
    CHECK(prefixes_are(list, 2, "sk_live", "sk_test"));
    {
        char *k = NULL, id2[32];
        k = issue_simple(s, "picked", id2);
        CHECK(k != NULL && strncmp(k, "sk_test_", 8) == 0);
        keyrack_key_free(k);
    }
    list = KR_SENTINEL;
    CHECK_RC(keyrack_store_remove_prefix(s, "sk_test", &list), KEYRACK_INVALID_ARGUMENT);
    CHECK(list == KR_SENTINEL);
    CHECK_OK(keyrack_store_close(s));
    keyrack_store_free(s);

    /* Read-only: the list reads, changes refuse. */
    s = NULL;
    CHECK_OK(open_with(f.tmp.path, f.clock, NULL, NULL, true, 0, &s));
    CHECK_OK(keyrack_store_prefixes(s, &list));
    CHECK(prefixes_are(list, 2, "sk_live", "sk_test"));
    CHECK_RC(keyrack_store_add_prefix(s, "sk_new", NULL), KEYRACK_READ_ONLY);
    CHECK_RC(keyrack_store_remove_prefix(s, "sk_test", NULL), KEYRACK_READ_ONLY);
    keyrack_store_free(s);

    /* Remove: keys with it are malformed from then on, audited. */
    CHECK_OK(open_with(f.tmp.path, f.clock, NULL, NULL, false, 0, &f.store));
    list = NULL;
    CHECK_OK(keyrack_store_remove_prefix(f.store, "sk_test", &list));
    CHECK(prefixes_are(list, 1, "sk_live", NULL));
    CHECK(verify_outcome(f.store, test_key, NULL) == KEYRACK_OUTCOME_MALFORMED);
    CHECK(verify_outcome(f.store, live_key, NULL) == KEYRACK_OUTCOME_VALID);
    CHECK(count_audit(f.store, KEYRACK_AUDIT_PREFIX_REMOVED, ev_id, detail) == 1);
    CHECK_STR(ev_id, "");
    CHECK(strstr(detail, "sk_test") != NULL);
    keyrack_key_free(test_key);
    keyrack_key_free(live_key);
    fx_close(&f);
}

/* The shape of keyrack_health on a healthy store. */
static void test_health_when_healthy(void) {
    fixture f;
    keyrack_health *h = NULL;
    char id[32], *key;
    int64_t ms = 7;
    fx_open(&f, NULL, NULL);
    CHECK_OK(keyrack_store_health(f.store, &h));
    CHECK(keyrack_health_ok(h));
    CHECK(!keyrack_health_has_error(h));
    CHECK(keyrack_health_error_code(h) == KEYRACK_OK);
    CHECK(keyrack_health_error_message(h) == NULL);
    CHECK(!keyrack_health_error_at(h, &ms) && ms == 7);
    CHECK(!keyrack_health_error_background(h));
    keyrack_health_free(h);
    /* Writes and verifies keep it so. */
    key = issue_simple(f.store, "k", id);
    CHECK(verify_outcome(f.store, key, NULL) == KEYRACK_OUTCOME_VALID);
    CHECK_OK(keyrack_store_sync(f.store));
    h = NULL;
    CHECK_OK(keyrack_store_health(f.store, &h));
    CHECK(keyrack_health_ok(h) && !keyrack_health_has_error(h));
    keyrack_health_free(h);
    keyrack_key_free(key);
    fx_close(&f);
}

/* A write that fails (the file may not grow: RLIMIT_FSIZE, as a full disk)
 * makes the store not ok and is remembered; once the fault clears, the next
 * write succeeds without reopening and the store is ok again. */
static void test_health_after_a_fault(void) {
    fixture f;
    keyrack_health *h = NULL;
    keyrack_issue_options *io = NULL;
    keyrack_issued *is = NULL;
    struct rlimit old, tight;
    struct sigaction ign, prev;
    keyrack_result rc = KEYRACK_OK;
    char pad[1024];
    int64_t at = 0;
    int i;
    fx_open(&f, NULL, NULL);
    memset(pad, 'x', sizeof pad - 1);
    pad[sizeof pad - 1] = 0;
    CHECK_OK(keyrack_issue_options_new("filler", &io));
    CHECK_OK(keyrack_issue_options_add_meta(io, "pad", pad));
    CHECK_OK(keyrack_clock_advance(f.clock, 42));
    /* No file may grow now: writing past the limit fails with EFBIG. */
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    CHECK(sigaction(SIGXFSZ, &ign, &prev) == 0);
    CHECK(getrlimit(RLIMIT_FSIZE, &old) == 0);
    tight = old;
    tight.rlim_cur = 1;
    CHECK(setrlimit(RLIMIT_FSIZE, &tight) == 0);
    for (i = 0; i < 2000 && rc == KEYRACK_OK; i++) {
        is = NULL;
        rc = keyrack_issue(f.store, io, &is);
        keyrack_issued_free(is);
    }
    CHECK(setrlimit(RLIMIT_FSIZE, &old) == 0);
    CHECK(sigaction(SIGXFSZ, &prev, NULL) == 0);
    CHECK_RC(rc, KEYRACK_IO);
    CHECK_OK(keyrack_store_health(f.store, &h));
    CHECK(!keyrack_health_ok(h));
    CHECK(keyrack_health_has_error(h));
    CHECK(keyrack_health_error_code(h) == KEYRACK_IO);
    CHECK(keyrack_health_error_message(h) != NULL && strlen(keyrack_health_error_message(h)) > 0);
    CHECK(keyrack_health_error_at(h, &at) && at == T0 + 42);
    CHECK(!keyrack_health_error_background(h)); /* a caller saw it */
    keyrack_health_free(h);
    /* The fault is gone: the next write heals the store by itself. */
    is = NULL;
    CHECK_OK(keyrack_issue(f.store, io, &is));
    keyrack_issued_free(is);
    h = NULL;
    CHECK_OK(keyrack_store_health(f.store, &h));
    CHECK(keyrack_health_ok(h));
    CHECK(keyrack_health_has_error(h) && keyrack_health_error_code(h) == KEYRACK_IO); /* kept */
    keyrack_health_free(h);
    keyrack_issue_options_free(io);
    fx_close(&f);
}

/* keyrack_options_set_credit_lease: 0 is refused; a clean close forfeits
 * no credit; a crash forfeits at most the lease and never gives one back. */
static void test_credit_lease(void) {
    kr_tmp t;
    keyrack_store *s = KR_SENTINEL;
    keyrack_issue_options *io = NULL;
    keyrack_issued *is = NULL;
    char id[32], *key = NULL;
    uint64_t left;
    int fds[2];
    char answer = 0;
    pid_t pid;
    int i;
    kr_tmp_make(&t);
    CHECK_RC(open_with(t.path, NULL, NULL, NULL, false, 0, &s), KEYRACK_OK); /* default lease */
    keyrack_store_free(s);
    s = KR_SENTINEL;
    {
        keyrack_options *o = NULL;
        CHECK_OK(keyrack_options_new(&o));
        CHECK_OK(keyrack_options_set_credit_lease(o, 0));
        CHECK_RC(keyrack_store_open(t.path, o, &s), KEYRACK_INVALID_ARGUMENT);
        CHECK(strstr(keyrack_last_error_message(), "`credit_lease`") != NULL);
        CHECK(s == KR_SENTINEL);
        keyrack_options_free(o);
    }
    s = NULL;
    CHECK_OK(open_with(t.path, NULL, NULL, NULL, false, 5, &s));
    CHECK_OK(keyrack_issue_options_new("metered", &io));
    CHECK_OK(keyrack_issue_options_set_remaining(io, 20));
    CHECK_OK(keyrack_issue(s, io, &is));
    snprintf(id, sizeof id, "%s", keyrack_issued_id(is));
    CHECK_OK(keyrack_issued_take_key(is, &key, NULL));
    keyrack_issued_free(is);
    keyrack_issue_options_free(io);
    for (i = 0; i < 3; i++) CHECK(verify_outcome(s, key, NULL) == KEYRACK_OUTCOME_VALID);
    CHECK(remaining_of(s, id) == 17);
    CHECK_OK(keyrack_store_close(s)); /* a clean close gives the reservation back */
    keyrack_store_free(s);
    s = NULL;
    CHECK_OK(open_with(t.path, NULL, NULL, NULL, false, 5, &s));
    CHECK(remaining_of(s, id) == 17);
    CHECK_OK(keyrack_store_close(s));
    keyrack_store_free(s);

    /* A child opens the store itself, spends 2 credits, says so and is
     * killed: no close, no flush. */
    CHECK(pipe(fds) == 0);
    pid = fork();
    if (pid == 0) {
        keyrack_store *cs = NULL;
        keyrack_verification *v1 = NULL, *v2 = NULL;
        char byte = 'n';
        if (open_with(t.path, NULL, NULL, NULL, false, 5, &cs) == KEYRACK_OK &&
            keyrack_verify(cs, key, strlen(key), &v1) == KEYRACK_OK &&
            keyrack_verify(cs, key, strlen(key), &v2) == KEYRACK_OK &&
            keyrack_verification_is_valid(v1) && keyrack_verification_is_valid(v2))
            byte = 'y';
        if (write(fds[1], &byte, 1) != 1) byte = 'n';
        kill(getpid(), SIGKILL);
        _exit(1);
    }
    close(fds[1]);
    CHECK(pid > 0 && read(fds[0], &answer, 1) == 1 && answer == 'y');
    CHECK(waitpid(pid, NULL, 0) == pid);
    close(fds[0]);

    /* Read-only after the crash: either it reads the file as it is, or it
     * says a read-write open must recover it first. */
    s = KR_SENTINEL;
    {
        keyrack_result rc = open_with(t.path, NULL, NULL, NULL, true, 0, &s);
        CHECK(rc == KEYRACK_OK || rc == KEYRACK_NEEDS_RECOVERY);
        if (rc == KEYRACK_NEEDS_RECOVERY) {
            CHECK(s == KR_SENTINEL);
            CHECK(strstr(keyrack_last_error_message(), "read-write") != NULL);
        } else {
            keyrack_store_free(s);
        }
    }
    /* Read-write recovers it: the 2 spent credits stay spent, and at most
     * the lease (5) was forfeited. */
    s = NULL;
    CHECK_OK(open_with(t.path, NULL, NULL, NULL, false, 5, &s));
    left = remaining_of(s, id);
    CHECK(left <= 15 && left >= 17 - 2 - 5);
    CHECK_OK(keyrack_store_close(s));
    keyrack_store_free(s);
    s = NULL;
    CHECK_OK(open_with(t.path, NULL, NULL, NULL, true, 0, &s)); /* read-only works again */
    CHECK(remaining_of(s, id) == left);
    keyrack_store_free(s);
    keyrack_key_free(key);
    kr_tmp_clean(&t);
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
    RUN(test_prefixes);
    RUN(test_health_when_healthy);
    RUN(test_health_after_a_fault);
    RUN(test_credit_lease);
    RUN(test_clock);
    return kr_finish(argv[0]);
}
