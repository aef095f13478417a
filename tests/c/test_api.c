/* Every verb, every outcome, every error the C API can report, NULL for
 * every pointer argument, invalid UTF-8 and unknown ids. */
#include "harness.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#define T0 INT64_C(1767225600000) /* 2026-01-01T00:00:00Z */

/* An open store on a fresh file with a manual clock at T0. */
typedef struct {
    kr_tmp tmp;
    keyrack_clock *clock;
    keyrack_store *store;
} fixture;

static void fx_open(fixture *f, const char *prefix, const char *extra_prefix) {
    keyrack_options *o = NULL;
    kr_tmp_make(&f->tmp);
    f->clock = NULL;
    f->store = NULL;
    CHECK_OK(keyrack_clock_manual(T0, &f->clock));
    CHECK_OK(keyrack_options_new(&o));
    CHECK_OK(keyrack_options_set_clock(o, f->clock));
    if (prefix) CHECK_OK(keyrack_options_set_prefix(o, prefix));
    if (extra_prefix) CHECK_OK(keyrack_options_add_prefix(o, extra_prefix));
    CHECK_OK(keyrack_store_open(f->tmp.path, o, &f->store));
    keyrack_options_free(o);
}

static void fx_close(fixture *f) {
    CHECK_OK(keyrack_store_close(f->store));
    keyrack_store_free(f->store);
    keyrack_clock_free(f->clock);
    kr_tmp_clean(&f->tmp);
}

/* Issues a key named `name`; returns its secret (free with keyrack_key_free)
 * and copies its id to `id` (27 bytes). */
static char *issue_simple(keyrack_store *s, const char *name, char id[32]) {
    keyrack_issue_options *o = NULL;
    keyrack_issued *is = NULL;
    char *key = NULL;
    CHECK_OK(keyrack_issue_options_new(name, &o));
    CHECK_OK(keyrack_issue(s, o, &is));
    if (is) {
        snprintf(id, 32, "%s", keyrack_issued_id(is));
        CHECK_OK(keyrack_issued_take_key(is, &key, NULL));
    }
    keyrack_issued_free(is);
    keyrack_issue_options_free(o);
    return key;
}

/* Verifies `key` (with options when not NULL) and returns the outcome. */
static keyrack_outcome verify_outcome(keyrack_store *s, const char *key, const keyrack_verify_options *vo) {
    keyrack_verification *v = NULL;
    keyrack_outcome o = 0;
    if (vo)
        CHECK_OK(keyrack_verify_with(s, key, strlen(key), vo, &v));
    else
        CHECK_OK(keyrack_verify(s, key, strlen(key), &v));
    o = keyrack_verification_outcome(v);
    keyrack_verification_free(v);
    return o;
}

static void test_result_codes(void) {
    static const char *names[] = {"KEYRACK_OK", "KEYRACK_INVALID_ARGUMENT", "KEYRACK_NOT_FOUND",
                                  "KEYRACK_ALREADY_OPEN", "KEYRACK_WRONG_PROCESS",
                                  "KEYRACK_PEPPER_MISMATCH", "KEYRACK_INCOMPATIBLE_VERSION",
                                  "KEYRACK_CORRUPTED", "KEYRACK_READ_ONLY", "KEYRACK_IO",
                                  "KEYRACK_CLOSED"};
    uint32_t i;
    CHECK(KEYRACK_OK == 0);
    CHECK(KEYRACK_INVALID_ARGUMENT == 1 && KEYRACK_CLOSED == 10 && KEYRACK_PANIC == 100);
    for (i = 0; i <= 10; i++) {
        CHECK_STR(keyrack_result_name(i), names[i]);
        CHECK(strlen(keyrack_result_message(i)) > 0);
    }
    CHECK_STR(keyrack_result_message(KEYRACK_NOT_FOUND), "no key with this id");
    CHECK_STR(keyrack_result_name(KEYRACK_PANIC), "KEYRACK_PANIC");
    CHECK_STR(keyrack_result_name(11), "KEYRACK_UNKNOWN");
    CHECK_STR(keyrack_result_message(9999), "unknown keyrack_result");
    CHECK(strlen(keyrack_version()) >= 5);
}

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

static void test_issue_every_option_and_record_getters(void) {
    fixture f;
    keyrack_issue_options *o = NULL;
    keyrack_issued *is = NULL;
    const keyrack_record *r;
    char *key = NULL, *again = KR_SENTINEL;
    size_t len = 0;
    int64_t ms = 0;
    uint64_t u = 0;
    fx_open(&f, "sk_live", "sk_test");
    CHECK_OK(keyrack_issue_options_new("ci deploy", &o));
    CHECK_OK(keyrack_issue_options_set_description(o, "the CI pipeline"));
    CHECK_OK(keyrack_issue_options_set_owner(o, "org_42"));
    CHECK_OK(keyrack_issue_options_add_scope(o, "write"));
    CHECK_OK(keyrack_issue_options_add_scope(o, "read"));
    CHECK_OK(keyrack_issue_options_add_meta(o, "team", "infra"));
    CHECK_OK(keyrack_issue_options_add_meta(o, "env", "prod"));
    CHECK_OK(keyrack_issue_options_set_prefix(o, "sk_test"));
    CHECK_OK(keyrack_issue_options_set_expires_in_ms(o, 60000));
    CHECK_OK(keyrack_issue_options_set_remaining(o, 10));
    CHECK_OK(keyrack_issue_options_set_refill(o, 100, 86400000));
    CHECK_OK(keyrack_issue_options_set_rate_limit(o, 5, 1000));
    CHECK_OK(keyrack_issue(f.store, o, &is));
    r = keyrack_issued_record(is);
    CHECK(r != NULL);
    CHECK_STR(keyrack_record_id(r), keyrack_issued_id(is));
    CHECK(strncmp(keyrack_record_id(r), "key_", 4) == 0 && strlen(keyrack_record_id(r)) == 26);
    CHECK_STR(keyrack_record_prefix(r), "sk_test");
    CHECK_STR(keyrack_record_name(r), "ci deploy");
    CHECK_STR(keyrack_record_description(r), "the CI pipeline");
    CHECK_STR(keyrack_record_owner(r), "org_42");
    CHECK(keyrack_record_scopes_len(r) == 2);
    CHECK_STR(keyrack_record_scope(r, 0), "read"); /* sorted */
    CHECK_STR(keyrack_record_scope(r, 1), "write");
    CHECK(keyrack_record_scope(r, 2) == NULL);
    CHECK(keyrack_record_meta_len(r) == 2);
    CHECK_STR(keyrack_record_meta_key(r, 0), "env");
    CHECK_STR(keyrack_record_meta_value(r, 0), "prod");
    CHECK(keyrack_record_meta_key(r, 2) == NULL && keyrack_record_meta_value(r, 2) == NULL);
    CHECK_STR(keyrack_record_meta_get(r, "team"), "infra");
    CHECK(keyrack_record_meta_get(r, "nope") == NULL);
    CHECK(keyrack_record_created_at(r) == T0);
    CHECK(keyrack_record_expires_at(r, &ms) && ms == T0 + 60000);
    CHECK(!keyrack_record_revoked_at(r, &ms));
    CHECK(!keyrack_record_last_used_at(r, &ms));
    CHECK(keyrack_record_enabled(r));
    CHECK(keyrack_record_uses(r) == 0);
    CHECK(keyrack_record_remaining(r, &u) && u == 10);
    CHECK(keyrack_record_refill(r, &u, &ms) && u == 100 && ms == 86400000);
    CHECK(keyrack_record_rate_limit(r, &u, &ms) && u == 5 && ms == 1000);
    CHECK(!keyrack_record_shared_credits(r));
    CHECK(keyrack_record_denied_total(r) == 0);
    /* The secret, once. */
    CHECK_OK(keyrack_issued_take_key(is, &key, &len));
    CHECK(key != NULL && len == strlen(key) && len == 8 + 43 + 6);
    CHECK(strncmp(key, "sk_test_", 8) == 0);
    CHECK(strncmp(keyrack_record_hint(r), key, 12) == 0);
    CHECK_STR(keyrack_record_hint(r) + 12, "\xe2\x80\xa6"); /* "…" */
    CHECK_RC(keyrack_issued_take_key(is, &again, NULL), KEYRACK_INVALID_ARGUMENT);
    CHECK(again == KR_SENTINEL);
    CHECK(verify_outcome(f.store, key, NULL) == KEYRACK_OUTCOME_VALID);
    keyrack_key_free(key);
    keyrack_issued_free(is);
    /* A prefix the store does not accept. */
    is = KR_SENTINEL;
    CHECK_OK(keyrack_issue_options_set_prefix(o, "pk"));
    CHECK_RC(keyrack_issue(f.store, o, &is), KEYRACK_INVALID_ARGUMENT);
    CHECK(is == KR_SENTINEL);
    keyrack_issue_options_free(o);
    /* An issued key freed without taking its secret (wiped by the free). */
    o = NULL;
    is = NULL;
    CHECK_OK(keyrack_issue_options_new("untaken", &o));
    CHECK_OK(keyrack_issue_options_set_expires_at_ms(o, T0 + 1000));
    CHECK_OK(keyrack_issue(f.store, o, &is));
    CHECK(keyrack_record_expires_at(keyrack_issued_record(is), &ms) && ms == T0 + 1000);
    CHECK(keyrack_record_description(keyrack_issued_record(is)) == NULL);
    CHECK(keyrack_record_owner(keyrack_issued_record(is)) == NULL);
    CHECK(!keyrack_record_remaining(keyrack_issued_record(is), &u));
    keyrack_issued_free(is);
    keyrack_issue_options_free(o);
    fx_close(&f);
}

static void check_outcome_answer(keyrack_outcome o, const char *name, uint16_t status, const char *msg) {
    CHECK_STR(keyrack_outcome_name(o), name);
    CHECK(keyrack_outcome_http_status(o) == status);
    CHECK_STR(keyrack_outcome_message(o), msg);
}

static void test_every_outcome(void) {
    fixture f;
    keyrack_issue_options *o = NULL;
    keyrack_issued *is = NULL;
    keyrack_verify_options *vo = NULL;
    keyrack_verification *v = NULL;
    char id[32], id2[32];
    char *key, *key2, *unknown = NULL, *limited = NULL, *metered = NULL;
    uint8_t body[32];
    int64_t ms = -1;
    uint64_t left = 99;
    fx_open(&f, NULL, NULL);
    key = issue_simple(f.store, "k", id);

    check_outcome_answer(KEYRACK_OUTCOME_VALID, "valid", 200, "OK");
    CHECK(verify_outcome(f.store, key, NULL) == KEYRACK_OUTCOME_VALID);
    /* valid carries the record */
    CHECK_OK(keyrack_verify(f.store, key, strlen(key), &v));
    CHECK(keyrack_verification_is_valid(v));
    CHECK_STR(keyrack_record_id(keyrack_verification_record(v)), id);
    CHECK(!keyrack_verification_remaining(v, &left) && left == 99);
    CHECK(!keyrack_verification_retry_after_ms(v, &ms) && ms == -1);
    keyrack_verification_free(v);

    check_outcome_answer(KEYRACK_OUTCOME_MALFORMED, "malformed", 401, "API key is malformed");
    CHECK(verify_outcome(f.store, "kr_nope", NULL) == KEYRACK_OUTCOME_MALFORMED);
    CHECK(verify_outcome(f.store, "", NULL) == KEYRACK_OUTCOME_MALFORMED);
    /* a length shorter than the text: only the first bytes count */
    CHECK_OK(keyrack_verify(f.store, key, strlen(key) - 1, &v));
    CHECK(keyrack_verification_outcome(v) == KEYRACK_OUTCOME_MALFORMED);
    CHECK(keyrack_verification_record(v) == NULL);
    CHECK(!keyrack_verification_is_valid(v));
    keyrack_verification_free(v);

    check_outcome_answer(KEYRACK_OUTCOME_NOT_FOUND, "not_found", 401, "API key is invalid");
    memset(body, 7, sizeof body);
    CHECK_OK(keyrack_format_compose("kr", body, sizeof body, &unknown));
    CHECK(verify_outcome(f.store, unknown, NULL) == KEYRACK_OUTCOME_NOT_FOUND);

    check_outcome_answer(KEYRACK_OUTCOME_DISABLED, "disabled", 403, "API key is disabled");
    CHECK_OK(keyrack_disable(f.store, id, NULL));
    CHECK(verify_outcome(f.store, key, NULL) == KEYRACK_OUTCOME_DISABLED);
    CHECK_OK(keyrack_enable(f.store, id, NULL));
    CHECK(verify_outcome(f.store, key, NULL) == KEYRACK_OUTCOME_VALID);

    check_outcome_answer(KEYRACK_OUTCOME_INSUFFICIENT_SCOPE, "insufficient_scope", 403,
                         "API key lacks the required scope");
    CHECK_OK(keyrack_verify_options_new(&vo));
    CHECK_OK(keyrack_verify_options_add_scope(vo, "admin"));
    CHECK(verify_outcome(f.store, key, vo) == KEYRACK_OUTCOME_INSUFFICIENT_SCOPE);
    keyrack_verify_options_free(vo);

    check_outcome_answer(KEYRACK_OUTCOME_REVOKED, "revoked", 403, "API key has been revoked");
    CHECK_OK(keyrack_revoke(f.store, id, NULL));
    CHECK(verify_outcome(f.store, key, NULL) == KEYRACK_OUTCOME_REVOKED);

    check_outcome_answer(KEYRACK_OUTCOME_EXPIRED, "expired", 401, "API key has expired");
    CHECK_OK(keyrack_issue_options_new("short-lived", &o));
    CHECK_OK(keyrack_issue_options_set_expires_in_ms(o, 1000));
    CHECK_OK(keyrack_issue(f.store, o, &is));
    snprintf(id2, sizeof id2, "%s", keyrack_issued_id(is));
    CHECK_OK(keyrack_issued_take_key(is, &key2, NULL));
    keyrack_issued_free(is);
    keyrack_issue_options_free(o);
    CHECK(verify_outcome(f.store, key2, NULL) == KEYRACK_OUTCOME_VALID);
    CHECK_OK(keyrack_clock_advance(f.clock, 1000));
    CHECK(keyrack_clock_now_ms(f.clock) == T0 + 1000);
    CHECK(verify_outcome(f.store, key2, NULL) == KEYRACK_OUTCOME_EXPIRED);

    check_outcome_answer(KEYRACK_OUTCOME_RATE_LIMITED, "rate_limited", 429, "Rate limit exceeded");
    CHECK_OK(keyrack_issue_options_new("limited", &o));
    CHECK_OK(keyrack_issue_options_set_rate_limit(o, 1, 60000));
    CHECK_OK(keyrack_issue(f.store, o, &is));
    CHECK_OK(keyrack_issued_take_key(is, &limited, NULL));
    keyrack_issued_free(is);
    keyrack_issue_options_free(o);
    CHECK(verify_outcome(f.store, limited, NULL) == KEYRACK_OUTCOME_VALID);
    CHECK_OK(keyrack_verify(f.store, limited, strlen(limited), &v));
    CHECK(keyrack_verification_outcome(v) == KEYRACK_OUTCOME_RATE_LIMITED);
    CHECK(keyrack_verification_retry_after_ms(v, &ms) && ms > 0 && ms <= 60000);
    CHECK(keyrack_verification_record(v) != NULL);
    keyrack_verification_free(v);

    check_outcome_answer(KEYRACK_OUTCOME_USAGE_EXCEEDED, "usage_exceeded", 429, "Usage limit exceeded");
    CHECK_OK(keyrack_issue_options_new("metered", &o));
    CHECK_OK(keyrack_issue_options_set_remaining(o, 3));
    CHECK_OK(keyrack_issue(f.store, o, &is));
    CHECK_OK(keyrack_issued_take_key(is, &metered, NULL));
    keyrack_issued_free(is);
    keyrack_issue_options_free(o);
    CHECK_OK(keyrack_verify_options_new(&vo));
    CHECK_OK(keyrack_verify_options_set_cost(vo, 2));
    CHECK_OK(keyrack_verify_with(f.store, metered, strlen(metered), vo, &v));
    CHECK(keyrack_verification_outcome(v) == KEYRACK_OUTCOME_VALID);
    CHECK(keyrack_verification_remaining(v, &left) && left == 1);
    keyrack_verification_free(v);
    CHECK(verify_outcome(f.store, metered, vo) == KEYRACK_OUTCOME_USAGE_EXCEEDED);
    CHECK(verify_outcome(f.store, metered, NULL) == KEYRACK_OUTCOME_VALID); /* cost 1 fits */
    keyrack_verify_options_free(vo);

    check_outcome_answer(KEYRACK_OUTCOME_MISSING, "missing", 401, "API key is required");
    /* missing comes from the header helper: see test_extract_key */

    /* Values that are not outcomes. */
    CHECK_STR(keyrack_outcome_name(0), "unknown");
    CHECK(keyrack_outcome_http_status(0) == 500);
    CHECK_STR(keyrack_outcome_message(77), "Internal error");
    CHECK(keyrack_verification_outcome(NULL) == KEYRACK_OUTCOME_MISSING);

    keyrack_key_free(key);
    keyrack_key_free(key2);
    keyrack_key_free(unknown);
    keyrack_key_free(limited);
    keyrack_key_free(metered);
    fx_close(&f);
}

static void test_get_update_enable_disable(void) {
    fixture f;
    keyrack_update_options *u = NULL;
    keyrack_record *r = NULL;
    char id[32];
    char *key;
    int64_t ms;
    uint64_t n, n2;
    fx_open(&f, NULL, NULL);
    key = issue_simple(f.store, "before", id);
    CHECK(verify_outcome(f.store, key, NULL) == KEYRACK_OUTCOME_VALID);
    CHECK_OK(keyrack_clock_advance(f.clock, 5));
    CHECK(verify_outcome(f.store, key, NULL) == KEYRACK_OUTCOME_VALID);
    CHECK_OK(keyrack_get(f.store, id, &r));
    CHECK_STR(keyrack_record_name(r), "before");
    CHECK(keyrack_record_uses(r) == 2);
    CHECK(keyrack_record_last_used_at(r, &ms) && ms == T0 + 5);
    keyrack_record_free(r);

    CHECK_OK(keyrack_update_options_new(&u));
    CHECK_OK(keyrack_update_options_set_name(u, "after"));
    CHECK_OK(keyrack_update_options_set_description(u, "described"));
    CHECK_OK(keyrack_update_options_set_owner(u, "org_7"));
    CHECK_OK(keyrack_update_options_clear_scopes(u));
    CHECK_OK(keyrack_update_options_add_scope(u, "a"));
    CHECK_OK(keyrack_update_options_add_scope(u, "b"));
    CHECK_OK(keyrack_update_options_clear_meta(u));
    CHECK_OK(keyrack_update_options_add_meta(u, "k", "v"));
    CHECK_OK(keyrack_update_options_set_expires_at_ms(u, T0 + 3600000));
    CHECK_OK(keyrack_update_options_set_remaining(u, 7));
    CHECK_OK(keyrack_update_options_set_refill(u, 7, 60000));
    CHECK_OK(keyrack_update_options_set_rate_limit(u, 9, 2000));
    CHECK_OK(keyrack_update(f.store, id, u, &r));
    keyrack_update_options_free(u);
    CHECK_STR(keyrack_record_name(r), "after");
    CHECK_STR(keyrack_record_description(r), "described");
    CHECK_STR(keyrack_record_owner(r), "org_7");
    CHECK(keyrack_record_scopes_len(r) == 2);
    CHECK_STR(keyrack_record_meta_get(r, "k"), "v");
    CHECK(keyrack_record_expires_at(r, &ms) && ms == T0 + 3600000);
    CHECK(keyrack_record_remaining(r, &n) && n == 7);
    CHECK(keyrack_record_refill(r, &n, &ms) && n == 7 && ms == 60000);
    CHECK(keyrack_record_rate_limit(r, &n, &ms) && n == 9 && ms == 2000);
    keyrack_record_free(r);

    u = NULL;
    CHECK_OK(keyrack_update_options_new(&u));
    CHECK_OK(keyrack_update_options_set_description(u, NULL));
    CHECK_OK(keyrack_update_options_set_owner(u, NULL));
    CHECK_OK(keyrack_update_options_clear_expiry(u));
    CHECK_OK(keyrack_update_options_clear_remaining(u));
    CHECK_OK(keyrack_update_options_clear_refill(u));
    CHECK_OK(keyrack_update_options_clear_rate_limit(u));
    CHECK_OK(keyrack_update(f.store, id, u, NULL)); /* no record wanted */
    CHECK_OK(keyrack_update_options_set_expires_at_ms(u, T0 - 1));
    r = KR_SENTINEL;
    CHECK_RC(keyrack_update(f.store, id, u, &r), KEYRACK_INVALID_ARGUMENT); /* past expiry */
    CHECK(r == KR_SENTINEL);
    keyrack_update_options_free(u);
    CHECK_OK(keyrack_get(f.store, id, &r));
    CHECK(keyrack_record_description(r) == NULL && keyrack_record_owner(r) == NULL);
    CHECK(!keyrack_record_expires_at(r, &ms) && !keyrack_record_remaining(r, &n));
    CHECK(!keyrack_record_refill(r, &n, &ms) && !keyrack_record_rate_limit(r, &n, &ms));
    keyrack_record_free(r);

    CHECK_OK(keyrack_disable(f.store, id, &r));
    CHECK(!keyrack_record_enabled(r));
    keyrack_record_free(r);
    CHECK(verify_outcome(f.store, key, NULL) == KEYRACK_OUTCOME_DISABLED);
    CHECK_OK(keyrack_get(f.store, id, &r));
    CHECK(keyrack_record_denied(r, KEYRACK_OUTCOME_DISABLED) == 1);
    CHECK(keyrack_record_denied(r, KEYRACK_OUTCOME_VALID) == 0);
    CHECK(keyrack_record_denied(r, 1234) == 0);
    CHECK(keyrack_record_denied_total(r) == 1);
    keyrack_record_free(r);
    CHECK_OK(keyrack_enable(f.store, id, &r));
    CHECK(keyrack_record_enabled(r));
    keyrack_record_free(r);

    CHECK_OK(keyrack_revoke(f.store, id, &r));
    CHECK(keyrack_record_revoked_at(r, &ms) && ms == T0 + 5);
    keyrack_record_free(r);
    /* Shared credits switch: needs an owner, which was cleared above. */
    u = NULL;
    CHECK_OK(keyrack_update_options_new(&u));
    CHECK_OK(keyrack_update_options_set_shared_credits(u, true));
    CHECK_RC(keyrack_update(f.store, id, u, NULL), KEYRACK_INVALID_ARGUMENT);
    keyrack_update_options_free(u);
    (void)n2;
    keyrack_key_free(key);
    fx_close(&f);
}

static void test_rotate_and_purge(void) {
    fixture f;
    keyrack_issued *is = NULL;
    char id[32];
    char *old_key, *new_key = NULL;
    uint64_t purged = 99;
    fx_open(&f, NULL, NULL);
    old_key = issue_simple(f.store, "rot", id);
    CHECK_OK(keyrack_rotate(f.store, id, 1000, &is));
    CHECK_STR(keyrack_issued_id(is), id);
    CHECK_OK(keyrack_issued_take_key(is, &new_key, NULL));
    keyrack_issued_free(is);
    CHECK(strcmp(old_key, new_key) != 0);
    CHECK(verify_outcome(f.store, old_key, NULL) == KEYRACK_OUTCOME_VALID); /* in grace */
    CHECK(verify_outcome(f.store, new_key, NULL) == KEYRACK_OUTCOME_VALID);
    CHECK_OK(keyrack_clock_advance(f.clock, 1000));
    CHECK(verify_outcome(f.store, old_key, NULL) == KEYRACK_OUTCOME_EXPIRED);
    CHECK(verify_outcome(f.store, new_key, NULL) == KEYRACK_OUTCOME_VALID);
    is = KR_SENTINEL;
    CHECK_RC(keyrack_rotate(f.store, id, -1, &is), KEYRACK_INVALID_ARGUMENT);
    CHECK(is == KR_SENTINEL);
    /* Revoke, then purge once old enough. */
    CHECK_OK(keyrack_revoke(f.store, id, NULL));
    CHECK_OK(keyrack_purge(f.store, 60000, &purged));
    CHECK(purged == 0);
    CHECK_OK(keyrack_clock_advance(f.clock, 60000));
    CHECK_OK(keyrack_purge(f.store, 60000, &purged));
    CHECK(purged == 1);
    CHECK_OK(keyrack_purge(f.store, 0, NULL));
    CHECK_RC(keyrack_get(f.store, id, (keyrack_record **)&is), KEYRACK_NOT_FOUND);
    CHECK(verify_outcome(f.store, new_key, NULL) == KEYRACK_OUTCOME_NOT_FOUND);
    CHECK_RC(keyrack_purge(f.store, -5, &purged), KEYRACK_INVALID_ARGUMENT);
    keyrack_key_free(old_key);
    keyrack_key_free(new_key);
    fx_close(&f);
}

static void test_issue_many_list_and_paging(void) {
    fixture f;
    keyrack_issue_options *opts[5];
    keyrack_issued_list *list = NULL;
    keyrack_list_options *lo = NULL;
    keyrack_page *page = NULL;
    char *keys[5];
    char cursor[64];
    size_t i, seen = 0;
    int pages = 0;
    fx_open(&f, "kr", "pk");
    for (i = 0; i < 5; i++) {
        char name[16];
        snprintf(name, sizeof name, "k%u", (unsigned)i);
        opts[i] = NULL;
        CHECK_OK(keyrack_issue_options_new(name, &opts[i]));
        CHECK_OK(keyrack_issue_options_set_owner(opts[i], i < 3 ? "org_a" : "org_b"));
        if (i == 4) CHECK_OK(keyrack_issue_options_set_prefix(opts[i], "pk"));
    }
    CHECK_OK(keyrack_issue_many(f.store, (const keyrack_issue_options *const *)opts, 5, &list));
    CHECK(keyrack_issued_list_len(list) == 5);
    CHECK(keyrack_issued_list_get(list, 5) == NULL);
    for (i = 0; i < 5; i++) {
        keyrack_issued *it = keyrack_issued_list_get(list, i);
        keys[i] = NULL;
        CHECK_OK(keyrack_issued_take_key(it, &keys[i], NULL));
        CHECK(verify_outcome(f.store, keys[i], NULL) == KEYRACK_OUTCOME_VALID);
    }
    CHECK(strcmp(keys[0], keys[1]) != 0);
    keyrack_issued_list_free(list);
    /* The relaxed batch, made durable by sync. */
    list = NULL;
    CHECK_OK(keyrack_issue_many_relaxed(f.store, (const keyrack_issue_options *const *)opts, 1, &list));
    CHECK(keyrack_issued_list_len(list) == 1);
    CHECK_OK(keyrack_store_sync(f.store));
    keyrack_issued_list_free(list); /* its secret is wiped untaken */
    /* An empty batch issues nothing. */
    list = NULL;
    CHECK_OK(keyrack_issue_many(f.store, (const keyrack_issue_options *const *)opts, 0, &list));
    CHECK(keyrack_issued_list_len(list) == 0);
    keyrack_issued_list_free(list);
    /* All or none: one bad entry fails the batch. */
    CHECK_OK(keyrack_issue_options_add_scope(opts[1], "has space"));
    list = KR_SENTINEL;
    CHECK_RC(keyrack_issue_many(f.store, (const keyrack_issue_options *const *)opts, 5, &list),
             KEYRACK_INVALID_ARGUMENT);
    CHECK(list == KR_SENTINEL);
    for (i = 0; i < 5; i++) keyrack_issue_options_free(opts[i]);

    /* Everything: 6 records, default page. */
    CHECK_OK(keyrack_list(f.store, NULL, &page));
    CHECK(keyrack_page_len(page) == 6);
    CHECK(keyrack_page_next_cursor(page) == NULL);
    CHECK(keyrack_page_get(page, 6) == NULL);
    keyrack_page_free(page);
    /* Pages of 2 by owner. */
    CHECK_OK(keyrack_list_options_new(&lo));
    CHECK_OK(keyrack_list_options_set_owner(lo, "org_a"));
    CHECK_OK(keyrack_list_options_set_limit(lo, 2));
    for (;;) {
        const char *next;
        page = NULL;
        CHECK_OK(keyrack_list(f.store, lo, &page));
        if (!page) break;
        pages++;
        for (i = 0; i < keyrack_page_len(page); i++)
            CHECK_STR(keyrack_record_owner(keyrack_page_get(page, i)), "org_a");
        seen += keyrack_page_len(page);
        next = keyrack_page_next_cursor(page);
        if (next) snprintf(cursor, sizeof cursor, "%s", next);
        keyrack_page_free(page);
        if (!next || pages > 10) break;
        CHECK_OK(keyrack_list_options_set_cursor(lo, cursor));
    }
    CHECK(seen == 4 && pages == 2); /* 3 from the batch + 1 relaxed */
    keyrack_list_options_free(lo);
    /* By prefix and status. */
    lo = NULL;
    CHECK_OK(keyrack_list_options_new(&lo));
    CHECK_OK(keyrack_list_options_set_prefix(lo, "pk"));
    CHECK_OK(keyrack_list(f.store, lo, &page));
    CHECK(keyrack_page_len(page) == 1);
    CHECK_STR(keyrack_record_prefix(keyrack_page_get(page, 0)), "pk");
    keyrack_page_free(page);
    CHECK_OK(keyrack_list_options_set_cursor(lo, NULL));
    CHECK_OK(keyrack_list_options_set_status(lo, KEYRACK_STATUS_REVOKED));
    CHECK_OK(keyrack_list(f.store, lo, &page));
    CHECK(keyrack_page_len(page) == 0);
    keyrack_page_free(page);
    CHECK_RC(keyrack_list_options_set_status(lo, 99), KEYRACK_INVALID_ARGUMENT);
    CHECK_OK(keyrack_list_options_set_unused_since_ms(lo, T0));
    CHECK_OK(keyrack_list_options_set_limit(lo, 0));
    page = KR_SENTINEL;
    CHECK_RC(keyrack_list(f.store, lo, &page), KEYRACK_INVALID_ARGUMENT);
    CHECK(page == KR_SENTINEL);
    CHECK_OK(keyrack_list_options_set_limit(lo, 10));
    CHECK_OK(keyrack_list_options_set_cursor(lo, "not a cursor"));
    CHECK_RC(keyrack_list(f.store, lo, &page), KEYRACK_INVALID_ARGUMENT);
    keyrack_list_options_free(lo);
    for (i = 0; i < 5; i++) keyrack_key_free(keys[i]);
    fx_close(&f);
}

static void test_audit(void) {
    fixture f;
    keyrack_audit_options *ao = NULL;
    keyrack_audit_page *page = NULL;
    const keyrack_audit_event *e;
    char id[32], id2[32], cursor[64];
    char *k1, *k2;
    fx_open(&f, NULL, NULL);
    k1 = issue_simple(f.store, "one", id);
    k2 = issue_simple(f.store, "two", id2);
    CHECK_OK(keyrack_clock_advance(f.clock, 10));
    CHECK_OK(keyrack_disable(f.store, id, NULL));
    CHECK_OK(keyrack_enable(f.store, id, NULL));
    CHECK_OK(keyrack_revoke(f.store, id, NULL));
    CHECK_OK(keyrack_audit(f.store, NULL, &page));
    CHECK(keyrack_audit_page_len(page) == 5);
    e = keyrack_audit_page_get(page, 0);
    CHECK(keyrack_audit_event_kind(e) == KEYRACK_AUDIT_ISSUED);
    CHECK_STR(keyrack_audit_event_id(e), id);
    CHECK(keyrack_audit_event_at_ms(e) == T0);
    CHECK(keyrack_audit_event_detail(e) != NULL);
    CHECK(keyrack_audit_event_seq(keyrack_audit_page_get(page, 1)) != keyrack_audit_event_seq(e));
    CHECK(keyrack_audit_event_kind(keyrack_audit_page_get(page, 2)) == KEYRACK_AUDIT_DISABLED);
    CHECK(keyrack_audit_event_kind(keyrack_audit_page_get(page, 3)) == KEYRACK_AUDIT_ENABLED);
    e = keyrack_audit_page_get(page, 4);
    CHECK(keyrack_audit_event_kind(e) == KEYRACK_AUDIT_REVOKED);
    CHECK(keyrack_audit_event_at_ms(e) == T0 + 10);
    CHECK(keyrack_audit_page_get(page, 5) == NULL);
    CHECK(keyrack_audit_page_next_cursor(page) == NULL);
    keyrack_audit_page_free(page);
    /* Filters and paging. */
    CHECK_OK(keyrack_audit_options_new(&ao));
    CHECK_OK(keyrack_audit_options_set_id(ao, id));
    CHECK_OK(keyrack_audit_options_set_limit(ao, 3));
    CHECK_OK(keyrack_audit(f.store, ao, &page));
    CHECK(keyrack_audit_page_len(page) == 3);
    CHECK(keyrack_audit_page_next_cursor(page) != NULL);
    snprintf(cursor, sizeof cursor, "%s", keyrack_audit_page_next_cursor(page));
    keyrack_audit_page_free(page);
    CHECK_OK(keyrack_audit_options_set_cursor(ao, cursor));
    CHECK_OK(keyrack_audit(f.store, ao, &page));
    CHECK(keyrack_audit_page_len(page) == 1);
    CHECK(keyrack_audit_event_kind(keyrack_audit_page_get(page, 0)) == KEYRACK_AUDIT_REVOKED);
    keyrack_audit_page_free(page);
    CHECK_OK(keyrack_audit_options_set_cursor(ao, NULL));
    CHECK_OK(keyrack_audit_options_set_kind(ao, KEYRACK_AUDIT_ENABLED));
    CHECK_OK(keyrack_audit_options_set_since_ms(ao, T0 + 1));
    CHECK_OK(keyrack_audit(f.store, ao, &page));
    CHECK(keyrack_audit_page_len(page) == 1);
    keyrack_audit_page_free(page);
    CHECK_RC(keyrack_audit_options_set_kind(ao, KEYRACK_AUDIT_UNKNOWN), KEYRACK_INVALID_ARGUMENT);
    CHECK_OK(keyrack_audit_options_set_limit(ao, 0));
    page = KR_SENTINEL;
    CHECK_RC(keyrack_audit(f.store, ao, &page), KEYRACK_INVALID_ARGUMENT);
    CHECK(page == KR_SENTINEL);
    keyrack_audit_options_free(ao);
    keyrack_key_free(k1);
    keyrack_key_free(k2);
    fx_close(&f);
}

static void test_credit_pools(void) {
    fixture f;
    keyrack_issue_options *o = NULL;
    keyrack_issued *is = NULL;
    char *key = NULL;
    bool exists = true;
    uint64_t rem = 0, amount = 1;
    int64_t every = 1;
    fx_open(&f, NULL, NULL);
    CHECK_OK(keyrack_pool(f.store, "acme", &exists, &rem, &amount, &every));
    CHECK(!exists && rem == 0 && amount == 1 && every == 1); /* only exists written */
    CHECK_OK(keyrack_set_pool(f.store, "acme", 2, 0, 0));
    CHECK_OK(keyrack_pool(f.store, "acme", &exists, &rem, &amount, &every));
    CHECK(exists && rem == 2 && amount == 0 && every == 0);
    CHECK_OK(keyrack_issue_options_new("pooled", &o));
    CHECK_OK(keyrack_issue_options_set_owner(o, "acme"));
    CHECK_OK(keyrack_issue_options_set_shared_credits(o, true));
    CHECK_OK(keyrack_issue(f.store, o, &is));
    CHECK(keyrack_record_shared_credits(keyrack_issued_record(is)));
    CHECK_OK(keyrack_issued_take_key(is, &key, NULL));
    keyrack_issued_free(is);
    keyrack_issue_options_free(o);
    CHECK(verify_outcome(f.store, key, NULL) == KEYRACK_OUTCOME_VALID);
    CHECK(verify_outcome(f.store, key, NULL) == KEYRACK_OUTCOME_VALID);
    CHECK(verify_outcome(f.store, key, NULL) == KEYRACK_OUTCOME_USAGE_EXCEEDED);
    CHECK_OK(keyrack_pool(f.store, "acme", &exists, &rem, NULL, NULL));
    CHECK(exists && rem == 0);
    CHECK_OK(keyrack_set_pool(f.store, "acme", 5, 10, 60000));
    CHECK_OK(keyrack_pool(f.store, "acme", &exists, &rem, &amount, &every));
    CHECK(rem == 5 && amount == 10 && every == 60000);
    CHECK(verify_outcome(f.store, key, NULL) == KEYRACK_OUTCOME_VALID);
    CHECK_RC(keyrack_set_pool(f.store, "acme", 5, 10, 0), KEYRACK_INVALID_ARGUMENT);
    CHECK_RC(keyrack_set_pool(f.store, "acme", 5, 10, -1), KEYRACK_INVALID_ARGUMENT);
    CHECK_RC(keyrack_set_pool(f.store, "acme", 5, 10, 10), KEYRACK_INVALID_ARGUMENT); /* < 1 s */
    CHECK_RC(keyrack_set_pool(f.store, "", 5, 0, 0), KEYRACK_INVALID_ARGUMENT);
    keyrack_key_free(key);
    fx_close(&f);
}

static void test_unknown_id(void) {
    fixture f;
    const char *ids[] = {"key_0000000000000000000000", "nope", ""};
    keyrack_record *r = KR_SENTINEL;
    keyrack_issued *is = KR_SENTINEL;
    keyrack_update_options *u = NULL;
    size_t i;
    fx_open(&f, NULL, NULL);
    CHECK_OK(keyrack_update_options_new(&u));
    CHECK_OK(keyrack_update_options_set_name(u, "x"));
    for (i = 0; i < 3; i++) {
        CHECK_RC(keyrack_get(f.store, ids[i], &r), KEYRACK_NOT_FOUND);
        CHECK_RC(keyrack_revoke(f.store, ids[i], &r), KEYRACK_NOT_FOUND);
        CHECK_RC(keyrack_enable(f.store, ids[i], &r), KEYRACK_NOT_FOUND);
        CHECK_RC(keyrack_disable(f.store, ids[i], &r), KEYRACK_NOT_FOUND);
        CHECK_RC(keyrack_update(f.store, ids[i], u, &r), KEYRACK_NOT_FOUND);
        CHECK_RC(keyrack_rotate(f.store, ids[i], 0, &is), KEYRACK_NOT_FOUND);
        CHECK(r == KR_SENTINEL && is == KR_SENTINEL);
    }
    CHECK(strstr(keyrack_last_error_message(), "keyrack_rotate") != NULL);
    keyrack_update_options_free(u);
    fx_close(&f);
}

static void test_invalid_utf8(void) {
    fixture f;
    const char bad[] = "caf\xc3"; /* truncated UTF-8 sequence */
    const char bad_key[] = "kr_\xff\xfe";
    keyrack_issue_options *o = KR_SENTINEL;
    keyrack_store *s = KR_SENTINEL;
    keyrack_record *r = KR_SENTINEL;
    keyrack_verification *v = NULL;
    keyrack_format_error fe = KEYRACK_FORMAT_OK;
    fx_open(&f, NULL, NULL);
    CHECK_RC(keyrack_issue_options_new(bad, &o), KEYRACK_INVALID_ARGUMENT);
    CHECK(o == KR_SENTINEL);
    CHECK(strstr(keyrack_last_error_message(), "UTF-8") != NULL);
    CHECK_RC(keyrack_store_open("/tmp/\xff.redb", NULL, &s), KEYRACK_INVALID_ARGUMENT);
    CHECK(s == KR_SENTINEL);
    CHECK_RC(keyrack_get(f.store, bad, &r), KEYRACK_INVALID_ARGUMENT);
    CHECK(r == KR_SENTINEL);
    o = NULL;
    CHECK_OK(keyrack_issue_options_new("ok", &o));
    CHECK_RC(keyrack_issue_options_set_owner(o, bad), KEYRACK_INVALID_ARGUMENT);
    CHECK_RC(keyrack_issue_options_add_scope(o, bad), KEYRACK_INVALID_ARGUMENT);
    CHECK_RC(keyrack_issue_options_add_meta(o, "k", bad), KEYRACK_INVALID_ARGUMENT);
    keyrack_issue_options_free(o);
    /* Verify input that is not UTF-8 is an outcome, not an error. */
    CHECK_OK(keyrack_verify(f.store, bad_key, sizeof bad_key - 1, &v));
    CHECK(keyrack_verification_outcome(v) == KEYRACK_OUTCOME_MALFORMED);
    keyrack_verification_free(v);
    CHECK_OK(keyrack_format_parse(bad_key, sizeof bad_key - 1, &fe, NULL));
    CHECK(fe == KEYRACK_FORMAT_BAD_CHARACTER || fe == KEYRACK_FORMAT_TOO_SHORT);
    CHECK_RC(keyrack_format_check_prefix(bad, &fe), KEYRACK_INVALID_ARGUMENT);
    fx_close(&f);
}

static void test_extract_key(void) {
    const char *names[3], *values[3];
    size_t nl[3], vl[3];
    const char *key = KR_SENTINEL;
    size_t len = 99;
    const char auth[] = "Bearer  kr_abc ";
    const char badv[] = "kr_\xff";
#define HDR(i, n, v) (names[i] = (n), nl[i] = strlen(n), values[i] = (v), vl[i] = strlen(v))
    HDR(0, "X-API-KEY", "k1");
    CHECK_OK(keyrack_extract_key(names, nl, values, vl, 1, &key, &len));
    CHECK(key == values[0] && len == 2);
    HDR(0, "authorization", auth);
    CHECK_OK(keyrack_extract_key(names, nl, values, vl, 1, &key, &len));
    CHECK(key == auth + 8 && len == 6); /* points into the caller's value, trimmed */
    HDR(0, "Authorization", "api-key k2");
    HDR(1, "x-api-key", "k3");
    CHECK_OK(keyrack_extract_key(names, nl, values, vl, 2, &key, &len));
    CHECK(len == 2 && strncmp(key, "k3", 2) == 0); /* x-api-key wins */
    HDR(0, "Authorization", "Basic abc");
    HDR(1, "accept", "*/*");
    CHECK_OK(keyrack_extract_key(names, nl, values, vl, 2, &key, &len));
    CHECK(key == NULL && len == 0); /* missing */
    CHECK(keyrack_outcome_http_status(KEYRACK_OUTCOME_MISSING) == 401);
    CHECK_OK(keyrack_extract_key(names, nl, values, vl, 0, &key, &len));
    CHECK(key == NULL && len == 0);
    HDR(0, "x-api-key", "");
    CHECK_OK(keyrack_extract_key(names, nl, values, vl, 1, &key, &len));
    CHECK(key == NULL); /* empty counts as missing */
    /* A value that is not UTF-8 is returned whole, and verifies as malformed. */
    HDR(0, "x-api-key", badv);
    CHECK_OK(keyrack_extract_key(names, nl, values, vl, 1, &key, &len));
    CHECK(key == badv && len == 4);
    /* A name that is not UTF-8 is skipped. */
    HDR(0, "x-api-k\xff", "k9");
    HDR(1, "x-api-key", "k8");
    CHECK_OK(keyrack_extract_key(names, nl, values, vl, 2, &key, &len));
    CHECK(len == 2 && strncmp(key, "k8", 2) == 0);
    /* NULL element inside an array. */
    values[0] = NULL;
    key = KR_SENTINEL;
    CHECK_RC(keyrack_extract_key(names, nl, values, vl, 2, &key, &len), KEYRACK_INVALID_ARGUMENT);
    CHECK(key == KR_SENTINEL);
#undef HDR
}

static void test_format_functions(void) {
    uint8_t body[32];
    char *key = NULL;
    keyrack_format_error fe = KEYRACK_FORMAT_OTHER;
    size_t plen = 0;
    memset(body, 0, sizeof body);
    CHECK_STR(keyrack_format_regex(), "^[a-z][a-z0-9]*(_[a-z0-9]+)*_[0-9A-Za-z]{49}$");
    CHECK_OK(keyrack_format_compose("kr", body, 32, &key));
    CHECK_STR(key, "kr_00000000000000000000000000000000000000000003G8Dqr");
    CHECK_OK(keyrack_format_parse(key, strlen(key), &fe, &plen));
    CHECK(fe == KEYRACK_FORMAT_OK && plen == 2);
    key[10] = 'A';
    CHECK_OK(keyrack_format_parse(key, strlen(key), &fe, &plen));
    CHECK(fe == KEYRACK_FORMAT_BAD_CHECKSUM && plen == 0);
    keyrack_key_free(key);
    key = KR_SENTINEL;
    CHECK_RC(keyrack_format_compose("Bad", body, 32, &key), KEYRACK_INVALID_ARGUMENT);
    CHECK_RC(keyrack_format_compose("kr", body, 31, &key), KEYRACK_INVALID_ARGUMENT);
    CHECK(key == KR_SENTINEL);
    CHECK_OK(keyrack_format_check_prefix("sk_live", &fe));
    CHECK(fe == KEYRACK_FORMAT_OK);
    CHECK_OK(keyrack_format_check_prefix("sk__live", &fe));
    CHECK(fe == KEYRACK_FORMAT_BAD_PREFIX);
    CHECK_STR(keyrack_format_error_name(KEYRACK_FORMAT_TOO_SHORT), "too_short");
    CHECK_STR(keyrack_format_error_name(12345), "other");
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

/* Whether two records agree on every field a getter shows. */
static int same_opt_str(const char *a, const char *b) {
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int records_equal(const keyrack_record *a, const keyrack_record *b) {
    size_t i;
    uint32_t o;
    int64_t ta = 1, tb = 2, ea = 3, eb = 4;
    uint64_t ua = 5, ub = 6;
    if (!a || !b) return 0;
    if (!same_opt_str(keyrack_record_id(a), keyrack_record_id(b)) ||
        !same_opt_str(keyrack_record_prefix(a), keyrack_record_prefix(b)) ||
        !same_opt_str(keyrack_record_hint(a), keyrack_record_hint(b)) ||
        !same_opt_str(keyrack_record_name(a), keyrack_record_name(b)) ||
        !same_opt_str(keyrack_record_description(a), keyrack_record_description(b)) ||
        !same_opt_str(keyrack_record_owner(a), keyrack_record_owner(b)))
        return 0;
    if (keyrack_record_scopes_len(a) != keyrack_record_scopes_len(b)) return 0;
    for (i = 0; i < keyrack_record_scopes_len(a); i++)
        if (!same_opt_str(keyrack_record_scope(a, i), keyrack_record_scope(b, i))) return 0;
    if (keyrack_record_meta_len(a) != keyrack_record_meta_len(b)) return 0;
    for (i = 0; i < keyrack_record_meta_len(a); i++)
        if (!same_opt_str(keyrack_record_meta_key(a, i), keyrack_record_meta_key(b, i)) ||
            !same_opt_str(keyrack_record_meta_value(a, i), keyrack_record_meta_value(b, i)))
            return 0;
    if (keyrack_record_created_at(a) != keyrack_record_created_at(b)) return 0;
#define SAME_OPT(getter, x, y)                                                 \
    if (getter(a, &x) != getter(b, &y) || (getter(a, &x) && (x) != (y))) return 0
    SAME_OPT(keyrack_record_expires_at, ta, tb);
    SAME_OPT(keyrack_record_revoked_at, ta, tb);
    SAME_OPT(keyrack_record_last_used_at, ta, tb);
    SAME_OPT(keyrack_record_remaining, ua, ub);
#undef SAME_OPT
    if (keyrack_record_refill(a, &ua, &ta) != keyrack_record_refill(b, &ub, &tb) ||
        (keyrack_record_refill(a, &ua, &ta) && (ua != ub || ta != tb)))
        return 0;
    if (keyrack_record_rate_limit(a, &ua, &ea) != keyrack_record_rate_limit(b, &ub, &eb) ||
        (keyrack_record_rate_limit(a, &ua, &ea) && (ua != ub || ea != eb)))
        return 0;
    if (keyrack_record_enabled(a) != keyrack_record_enabled(b) ||
        keyrack_record_shared_credits(a) != keyrack_record_shared_credits(b) ||
        keyrack_record_uses(a) != keyrack_record_uses(b))
        return 0;
    for (o = KEYRACK_OUTCOME_VALID; o <= KEYRACK_OUTCOME_MISSING; o++)
        if (keyrack_record_denied(a, o) != keyrack_record_denied(b, o)) return 0;
    return 1;
}

/* How many records `store` lists (up to 100). */
static size_t count_records(keyrack_store *store) {
    keyrack_page *page = NULL;
    size_t n = 0;
    CHECK_OK(keyrack_list(store, NULL, &page));
    n = keyrack_page_len(page);
    keyrack_page_free(page);
    return n;
}

static size_t count_lines(const char *text) {
    size_t n = 0;
    for (; *text; text++) n += *text == '\n';
    return n;
}

static void test_export_import_round_trip(void) {
    fixture a, b;
    keyrack_issue_options *o = NULL;
    keyrack_issued *is = NULL;
    keyrack_record *ra = NULL, *rb = NULL;
    char ids[3][32], *keys[3] = {NULL, NULL, NULL}, *new_key = NULL;
    char *jsonl = KR_SENTINEL, *again = NULL;
    size_t len = 0, count = 0, again_len = 0, imported = 0, i;
    fx_open(&a, NULL, NULL);
    fx_open(&b, NULL, NULL);

    /* An empty store exports nothing. */
    CHECK_OK(keyrack_export(a.store, &jsonl, &len, &count));
    CHECK(jsonl != KR_SENTINEL && jsonl != NULL && len == 0 && count == 0);
    if (jsonl != KR_SENTINEL) keyrack_string_free(jsonl);

    /* One key with every setting, used and refused; one disabled; one revoked. */
    CHECK_OK(keyrack_issue_options_new("full", &o));
    CHECK_OK(keyrack_issue_options_set_description(o, "every field \xe2\x80\x94 set"));
    CHECK_OK(keyrack_issue_options_set_owner(o, "org_42"));
    CHECK_OK(keyrack_issue_options_add_scope(o, "read"));
    CHECK_OK(keyrack_issue_options_add_scope(o, "write"));
    CHECK_OK(keyrack_issue_options_add_meta(o, "team", "infra"));
    CHECK_OK(keyrack_issue_options_set_expires_in_ms(o, 3600000));
    CHECK_OK(keyrack_issue_options_set_remaining(o, 10));
    CHECK_OK(keyrack_issue_options_set_refill(o, 10, 86400000));
    CHECK_OK(keyrack_issue_options_set_rate_limit(o, 100, 60000));
    CHECK_OK(keyrack_issue(a.store, o, &is));
    keyrack_issue_options_free(o);
    snprintf(ids[0], sizeof ids[0], "%s", keyrack_issued_id(is));
    CHECK_OK(keyrack_issued_take_key(is, &keys[0], NULL));
    keyrack_issued_free(is);
    CHECK_OK(keyrack_clock_advance(a.clock, 7));
    CHECK(verify_outcome(a.store, keys[0], NULL) == KEYRACK_OUTCOME_VALID);
    keys[1] = issue_simple(a.store, "disabled", ids[1]);
    CHECK_OK(keyrack_disable(a.store, ids[1], NULL));
    CHECK(verify_outcome(a.store, keys[1], NULL) == KEYRACK_OUTCOME_DISABLED);
    keys[2] = issue_simple(a.store, "revoked", ids[2]);
    CHECK_OK(keyrack_revoke(a.store, ids[2], NULL));
    CHECK_OK(keyrack_set_pool(a.store, "org_42", 25, 25, 86400000));

    jsonl = NULL;
    CHECK_OK(keyrack_export(a.store, &jsonl, &len, &count));
    CHECK(jsonl != NULL && count == 3 && len == strlen(jsonl));
    if (!jsonl) goto done;
    /* Three records, then the owner's pool. */
    CHECK(count_lines(jsonl) == 4 && jsonl[len - 1] == '\n');
    CHECK(strstr(jsonl, "{\"pool\":\"org_42\",\"remaining\":25,") != NULL);
    for (i = 0; i < 3; i++) {
        CHECK(strstr(jsonl, ids[i]) != NULL);
        CHECK(strstr(jsonl, keys[i]) == NULL);     /* never a secret */
        CHECK(strstr(jsonl, keys[i] + 7) == NULL); /* nor the body past the hint */
    }
    /* Optional outputs may be NULL, and a second export says the same. */
    CHECK_OK(keyrack_export(a.store, &again, NULL, NULL));
    CHECK(again != NULL && strcmp(again, jsonl) == 0);
    keyrack_string_free(again);
    again = NULL;
    CHECK_OK(keyrack_export(a.store, &again, &again_len, NULL));
    CHECK(again_len == len);
    keyrack_string_free(again);

    /* Into a second store: the same records and pool, no secrets. */
    CHECK_OK(keyrack_import_json_lines(b.store, jsonl, len, &imported));
    CHECK(imported == 3); /* records; the pool comes too */
    CHECK(count_records(b.store) == 3);
    {
        bool exists = false;
        uint64_t remaining = 0, amount = 0;
        int64_t every = 0;
        CHECK_OK(keyrack_pool(b.store, "org_42", &exists, &remaining, &amount, &every));
        CHECK(exists && remaining == 25 && amount == 25 && every == 86400000);
    }
    for (i = 0; i < 3; i++) {
        ra = rb = NULL;
        CHECK_OK(keyrack_get(a.store, ids[i], &ra));
        CHECK_OK(keyrack_get(b.store, ids[i], &rb));
        CHECK(records_equal(ra, rb));
        keyrack_record_free(ra);
        keyrack_record_free(rb);
        CHECK(verify_outcome(b.store, keys[i], NULL) == KEYRACK_OUTCOME_NOT_FOUND);
    }
    CHECK_OK(keyrack_get(b.store, ids[0], &rb));
    CHECK(keyrack_record_uses(rb) == 1 && keyrack_record_scopes_len(rb) == 2);
    /* records_equal tells records apart. */
    ra = NULL;
    CHECK_OK(keyrack_get(b.store, ids[2], &ra));
    CHECK(!records_equal(ra, rb));
    keyrack_record_free(ra);
    keyrack_record_free(rb);
    CHECK_OK(keyrack_get(b.store, ids[1], &rb));
    CHECK(!keyrack_record_enabled(rb) && keyrack_record_denied(rb, KEYRACK_OUTCOME_DISABLED) == 1);
    keyrack_record_free(rb);

    /* A rotation gives the imported key a secret that verifies. */
    CHECK_OK(keyrack_rotate(b.store, ids[0], 0, &is));
    CHECK_OK(keyrack_issued_take_key(is, &new_key, NULL));
    keyrack_issued_free(is);
    CHECK(verify_outcome(b.store, new_key, NULL) == KEYRACK_OUTCOME_VALID);
    CHECK(verify_outcome(b.store, keys[0], NULL) == KEYRACK_OUTCOME_NOT_FOUND);
    CHECK(verify_outcome(a.store, new_key, NULL) == KEYRACK_OUTCOME_NOT_FOUND);

    /* Importing ids the store already has fails, and imports nothing. */
    imported = 99;
    CHECK_RC(keyrack_import_json_lines(b.store, jsonl, len, &imported), KEYRACK_INVALID_ARGUMENT);
    CHECK(imported == 99);
    CHECK(strstr(keyrack_last_error_message(), "keyrack_import_json_lines") != NULL);
    CHECK(strstr(keyrack_last_error_message(), "line 1") != NULL);
    CHECK(strstr(keyrack_last_error_message(), "already exists") != NULL);
    CHECK(count_records(b.store) == 3);
    keyrack_string_free(jsonl);

done:
    keyrack_key_free(new_key);
    for (i = 0; i < 3; i++) keyrack_key_free(keys[i]);
    fx_close(&a);
    fx_close(&b);
}

static void test_import_refusals(void) {
    fixture a, b;
    char id[32], id2[32], *k1, *k2, *jsonl = NULL, *nl;
    char text[4096];
    const char bad_utf8[] = "{\"name\": \"caf\xc3\"}\n";
    size_t len = 0, first_len, imported = 99;
    int n;
    fx_open(&a, NULL, NULL);
    fx_open(&b, NULL, NULL);
    k1 = issue_simple(a.store, "one", id);
    k2 = issue_simple(a.store, "two", id2);
    CHECK_OK(keyrack_export(a.store, &jsonl, &len, NULL));
    if (!jsonl || !(nl = strchr(jsonl, '\n'))) {
        CHECK(!"export gave no lines");
        goto done;
    }
    first_len = (size_t)(nl - jsonl) + 1;

    /* A bad third line (after a blank one): nothing imported, line named. */
    n = snprintf(text, sizeof text, "%.*s\n{\"id\": \"key_x\", oops}\n", (int)first_len, jsonl);
    CHECK(n > 0 && (size_t)n < sizeof text);
    CHECK_RC(keyrack_import_json_lines(b.store, text, strlen(text), &imported),
             KEYRACK_INVALID_ARGUMENT);
    CHECK(imported == 99);
    CHECK(strstr(keyrack_last_error_message(), "keyrack_import_json_lines") != NULL);
    CHECK(strstr(keyrack_last_error_message(), "line 3") != NULL);
    CHECK(count_records(b.store) == 0);

    /* A record with a field records do not have (a pasted secret). */
    n = snprintf(text, sizeof text, "{\"key\": \"%s\", %s", k1, jsonl + 1);
    CHECK(n > 0 && (size_t)n < sizeof text);
    CHECK_RC(keyrack_import_json_lines(b.store, text, strlen(text), &imported),
             KEYRACK_INVALID_ARGUMENT);
    CHECK(strstr(keyrack_last_error_message(), "line 1") != NULL);
    CHECK(strstr(keyrack_last_error_message(), k1) == NULL); /* redacted */
    CHECK(count_records(b.store) == 0);

    /* The same id twice in one import. */
    n = snprintf(text, sizeof text, "%.*s%.*s", (int)first_len, jsonl, (int)first_len, jsonl);
    CHECK(n > 0 && (size_t)n < sizeof text);
    CHECK_RC(keyrack_import_json_lines(b.store, text, strlen(text), &imported),
             KEYRACK_INVALID_ARGUMENT);
    CHECK(strstr(keyrack_last_error_message(), "line 2") != NULL);
    CHECK(count_records(b.store) == 0);

    /* Text that is not UTF-8. */
    CHECK_RC(keyrack_import_json_lines(b.store, bad_utf8, sizeof bad_utf8 - 1, &imported),
             KEYRACK_INVALID_ARGUMENT);
    CHECK(strstr(keyrack_last_error_message(), "keyrack_import_json_lines") != NULL);
    CHECK(strstr(keyrack_last_error_message(), "UTF-8") != NULL);
    CHECK(imported == 99);

    /* The length counts, not a NUL: only the first of the two lines. */
    CHECK_OK(keyrack_import_json_lines(b.store, jsonl, first_len, &imported));
    CHECK(imported == 1);
    CHECK(count_records(b.store) == 1);
    /* Nothing (but not NULL) imports nothing; so do blank lines. */
    CHECK_OK(keyrack_import_json_lines(b.store, "", 0, &imported));
    CHECK(imported == 0);
    CHECK_OK(keyrack_import_json_lines(b.store, "\n  \n", 4, NULL));
    CHECK(count_records(b.store) == 1);

    /* A prefix the store does not accept. */
    fx_close(&b);
    fx_open(&b, "sk", NULL);
    imported = 99;
    CHECK_RC(keyrack_import_json_lines(b.store, jsonl, len, &imported), KEYRACK_INVALID_ARGUMENT);
    CHECK(imported == 99);
    CHECK(strstr(keyrack_last_error_message(), "line 1") != NULL);
    CHECK(count_records(b.store) == 0);

done:
    keyrack_string_free(jsonl);
    keyrack_key_free(k1);
    keyrack_key_free(k2);
    fx_close(&a);
    fx_close(&b);
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
    CHECK_OK(keyrack_compact(f.store, &compacted));
    CHECK(compacted);
    /* The store still serves and takes writes afterwards. */
    CHECK(verify_outcome(f.store, key, NULL) == KEYRACK_OUTCOME_VALID);
    CHECK_OK(keyrack_get(f.store, id, &r));
    CHECK(keyrack_record_uses(r) == 2);
    keyrack_record_free(r);
    CHECK_OK(keyrack_compact(f.store, NULL));
    CHECK_OK(keyrack_disable(f.store, id, NULL));
    CHECK(verify_outcome(f.store, key, NULL) == KEYRACK_OUTCOME_DISABLED);
    CHECK_OK(keyrack_enable(f.store, id, NULL));

    /* Closed: every new verb says so and writes nothing. */
    CHECK_OK(keyrack_store_close(f.store));
    compacted = true;
    CHECK_RC(keyrack_compact(f.store, &compacted), KEYRACK_CLOSED);
    CHECK(compacted);
    CHECK(strstr(keyrack_last_error_message(), "keyrack_compact") != NULL);
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
    CHECK_RC(keyrack_compact(ro, &compacted), KEYRACK_READ_ONLY);
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
    CHECK_OK(keyrack_clock_manual(1000, &c));
    CHECK(keyrack_clock_now_ms(c) == 1000);
    CHECK_OK(keyrack_clock_advance(c, 500));
    CHECK(keyrack_clock_now_ms(c) == 1500);
    CHECK_RC(keyrack_clock_advance(c, -1), KEYRACK_INVALID_ARGUMENT);
    CHECK_OK(keyrack_clock_set(c, -5));
    CHECK(keyrack_clock_now_ms(c) == -5);
    keyrack_clock_free(c);
}

/* NULL for every pointer argument of every function. */
static void test_null_arguments(void) {
    fixture f;
    keyrack_options *o = NULL;
    keyrack_issue_options *io = NULL;
    keyrack_verify_options *vo = NULL;
    keyrack_update_options *uo = NULL;
    keyrack_list_options *lo = NULL;
    keyrack_audit_options *ao = NULL;
    keyrack_issued *is = NULL;
    keyrack_issued_list *il = NULL;
    keyrack_record *r = NULL;
    keyrack_verification *v = NULL;
    keyrack_page *pg = NULL;
    keyrack_audit_page *ap = NULL;
    keyrack_clock *c = NULL;
    keyrack_store *s = NULL;
    const keyrack_issue_options *batch[1];
    const keyrack_issue_options *null_batch[1] = {NULL};
    const char *hn[1] = {"x-api-key"}, *hv[1] = {"k"};
    size_t hl[1] = {9}, vl[1] = {1}, len;
    const char *kp;
    char *key = NULL, id[32];
    uint8_t pep[32] = {0};
    keyrack_format_error fe;
    bool b;
    uint64_t u;
    int64_t ms;
    const char *kk = "kr_x";
    char *xp;
    size_t xn;
    const int INV = KEYRACK_INVALID_ARGUMENT;

    fx_open(&f, NULL, NULL);
    key = issue_simple(f.store, "n", id);
    CHECK_OK(keyrack_options_new(&o));
    CHECK_OK(keyrack_issue_options_new("n", &io));
    batch[0] = io;
    CHECK_OK(keyrack_verify_options_new(&vo));
    CHECK_OK(keyrack_update_options_new(&uo));
    CHECK_OK(keyrack_list_options_new(&lo));
    CHECK_OK(keyrack_audit_options_new(&ao));

    /* constructors */
    CHECK_RC(keyrack_options_new(NULL), INV);
    CHECK_RC(keyrack_clock_manual(0, NULL), INV);
    CHECK_RC(keyrack_issue_options_new(NULL, &io), INV);
    CHECK_RC(keyrack_issue_options_new("n", NULL), INV);
    CHECK_RC(keyrack_verify_options_new(NULL), INV);
    CHECK_RC(keyrack_update_options_new(NULL), INV);
    CHECK_RC(keyrack_list_options_new(NULL), INV);
    CHECK_RC(keyrack_audit_options_new(NULL), INV);
    /* open options */
    CHECK_RC(keyrack_options_set_prefix(NULL, "kr"), INV);
    CHECK_RC(keyrack_options_set_prefix(o, NULL), INV);
    CHECK_RC(keyrack_options_add_prefix(NULL, "kr"), INV);
    CHECK_RC(keyrack_options_add_prefix(o, NULL), INV);
    CHECK_RC(keyrack_options_set_pepper(NULL, pep, 32), INV);
    CHECK_RC(keyrack_options_set_pepper(o, NULL, 32), INV);
    CHECK_RC(keyrack_options_set_read_only(NULL, true), INV);
    CHECK_RC(keyrack_options_set_create(NULL, true), INV);
    CHECK_RC(keyrack_options_set_clock(NULL, f.clock), INV);
    CHECK_RC(keyrack_options_set_clock(o, NULL), INV);
    CHECK_RC(keyrack_options_set_leeway_ms(NULL, 0), INV);
    CHECK_RC(keyrack_options_set_flush_interval_ms(NULL, 0), INV);
    CHECK_RC(keyrack_options_set_cache_capacity(NULL, 1), INV);
    /* store */
    CHECK_RC(keyrack_store_open(NULL, o, &s), INV);
    CHECK_RC(keyrack_store_open(f.tmp.path, o, NULL), INV);
    CHECK_RC(keyrack_store_close(NULL), INV);
    CHECK_RC(keyrack_store_sync(NULL), INV);
    CHECK_RC(keyrack_compact(NULL, &b), INV);
    CHECK(strstr(keyrack_last_error_message(), "keyrack_compact: `store` is NULL") != NULL);
    /* export and import */
    xp = KR_SENTINEL;
    len = 7;
    xn = 7;
    CHECK_RC(keyrack_export(NULL, &xp, &len, &xn), INV);
    CHECK(strstr(keyrack_last_error_message(), "keyrack_export: `store` is NULL") != NULL);
    CHECK_RC(keyrack_export(f.store, NULL, &len, &xn), INV);
    CHECK(strstr(keyrack_last_error_message(), "keyrack_export: `out_jsonl` is NULL") != NULL);
    CHECK(xp == KR_SENTINEL && len == 7 && xn == 7);
    CHECK_RC(keyrack_import_json_lines(NULL, "", 0, &xn), INV);
    CHECK(strstr(keyrack_last_error_message(), "keyrack_import_json_lines: `store` is NULL") != NULL);
    CHECK_RC(keyrack_import_json_lines(f.store, NULL, 0, &xn), INV);
    CHECK(strstr(keyrack_last_error_message(), "keyrack_import_json_lines: `text` is NULL") != NULL);
    CHECK(xn == 7);
    /* clock */
    CHECK_RC(keyrack_clock_advance(NULL, 1), INV);
    CHECK_RC(keyrack_clock_set(NULL, 1), INV);
    CHECK(keyrack_clock_now_ms(NULL) == 0);
    (void)c;
    /* issue options */
    CHECK_RC(keyrack_issue_options_set_description(NULL, "d"), INV);
    CHECK_RC(keyrack_issue_options_set_description(io, NULL), INV);
    CHECK_RC(keyrack_issue_options_set_owner(NULL, "o"), INV);
    CHECK_RC(keyrack_issue_options_set_owner(io, NULL), INV);
    CHECK_RC(keyrack_issue_options_add_scope(NULL, "s"), INV);
    CHECK_RC(keyrack_issue_options_add_scope(io, NULL), INV);
    CHECK_RC(keyrack_issue_options_add_meta(NULL, "k", "v"), INV);
    CHECK_RC(keyrack_issue_options_add_meta(io, NULL, "v"), INV);
    CHECK_RC(keyrack_issue_options_add_meta(io, "k", NULL), INV);
    CHECK_RC(keyrack_issue_options_set_prefix(NULL, "kr"), INV);
    CHECK_RC(keyrack_issue_options_set_prefix(io, NULL), INV);
    CHECK_RC(keyrack_issue_options_set_expires_in_ms(NULL, 1), INV);
    CHECK_RC(keyrack_issue_options_set_expires_at_ms(NULL, 1), INV);
    CHECK_RC(keyrack_issue_options_set_remaining(NULL, 1), INV);
    CHECK_RC(keyrack_issue_options_set_refill(NULL, 1, 1000), INV);
    CHECK_RC(keyrack_issue_options_set_shared_credits(NULL, true), INV);
    CHECK_RC(keyrack_issue_options_set_rate_limit(NULL, 1, 1), INV);
    CHECK_RC(keyrack_issue_options_set_expires_in_ms(io, -1), INV);
    CHECK_RC(keyrack_issue_options_set_refill(io, 1, -1), INV);
    CHECK_RC(keyrack_issue_options_set_rate_limit(io, 1, -1), INV);
    /* issue, rotate, issued */
    CHECK_RC(keyrack_issue(NULL, io, &is), INV);
    CHECK_RC(keyrack_issue(f.store, NULL, &is), INV);
    CHECK_RC(keyrack_issue(f.store, io, NULL), INV);
    CHECK_RC(keyrack_issue_many(NULL, batch, 1, &il), INV);
    CHECK_RC(keyrack_issue_many(f.store, NULL, 0, &il), INV);
    CHECK_RC(keyrack_issue_many(f.store, null_batch, 1, &il), INV);
    CHECK_RC(keyrack_issue_many(f.store, batch, 1, NULL), INV);
    CHECK_RC(keyrack_issue_many_relaxed(NULL, batch, 1, &il), INV);
    CHECK_RC(keyrack_issue_many_relaxed(f.store, NULL, 1, &il), INV);
    CHECK_RC(keyrack_issue_many_relaxed(f.store, batch, 1, NULL), INV);
    CHECK_RC(keyrack_rotate(NULL, id, 0, &is), INV);
    CHECK_RC(keyrack_rotate(f.store, NULL, 0, &is), INV);
    CHECK_RC(keyrack_rotate(f.store, id, 0, NULL), INV);
    CHECK(keyrack_issued_id(NULL) == NULL);
    CHECK(keyrack_issued_record(NULL) == NULL);
    CHECK_RC(keyrack_issued_take_key(NULL, &key, &len), INV);
    CHECK_OK(keyrack_issue(f.store, io, &is));
    CHECK_RC(keyrack_issued_take_key(is, NULL, &len), INV);
    keyrack_issued_free(is);
    CHECK(keyrack_issued_list_len(NULL) == 0);
    CHECK(keyrack_issued_list_get(NULL, 0) == NULL);
    /* verify */
    CHECK_RC(keyrack_verify_options_add_scope(NULL, "s"), INV);
    CHECK_RC(keyrack_verify_options_add_scope(vo, NULL), INV);
    CHECK_RC(keyrack_verify_options_set_cost(NULL, 1), INV);
    CHECK_RC(keyrack_verify(NULL, kk, 4, &v), INV);
    CHECK_RC(keyrack_verify(f.store, NULL, 0, &v), INV);
    CHECK_RC(keyrack_verify(f.store, kk, 4, NULL), INV);
    CHECK_RC(keyrack_verify_with(NULL, kk, 4, vo, &v), INV);
    CHECK_RC(keyrack_verify_with(f.store, NULL, 4, vo, &v), INV);
    CHECK_RC(keyrack_verify_with(f.store, kk, 4, NULL, &v), INV);
    CHECK_RC(keyrack_verify_with(f.store, kk, 4, vo, NULL), INV);
    CHECK(!keyrack_verification_is_valid(NULL));
    CHECK(keyrack_verification_record(NULL) == NULL);
    CHECK(!keyrack_verification_remaining(NULL, &u));
    CHECK(!keyrack_verification_retry_after_ms(NULL, &ms));
    CHECK_OK(keyrack_verify(f.store, key, strlen(key), &v));
    CHECK(!keyrack_verification_remaining(v, NULL));
    CHECK(!keyrack_verification_retry_after_ms(v, NULL));
    keyrack_verification_free(v);
    /* single-key verbs */
    CHECK_RC(keyrack_get(NULL, id, &r), INV);
    CHECK_RC(keyrack_get(f.store, NULL, &r), INV);
    CHECK_RC(keyrack_get(f.store, id, NULL), INV);
    CHECK_RC(keyrack_revoke(NULL, id, NULL), INV);
    CHECK_RC(keyrack_revoke(f.store, NULL, NULL), INV);
    CHECK_RC(keyrack_enable(NULL, id, NULL), INV);
    CHECK_RC(keyrack_enable(f.store, NULL, NULL), INV);
    CHECK_RC(keyrack_disable(NULL, id, NULL), INV);
    CHECK_RC(keyrack_disable(f.store, NULL, NULL), INV);
    CHECK_RC(keyrack_purge(NULL, 0, &u), INV);
    /* update */
    CHECK_RC(keyrack_update_options_set_name(NULL, "n"), INV);
    CHECK_RC(keyrack_update_options_set_name(uo, NULL), INV);
    CHECK_RC(keyrack_update_options_set_description(NULL, "d"), INV);
    CHECK_RC(keyrack_update_options_set_owner(NULL, "o"), INV);
    CHECK_RC(keyrack_update_options_add_scope(NULL, "s"), INV);
    CHECK_RC(keyrack_update_options_add_scope(uo, NULL), INV);
    CHECK_RC(keyrack_update_options_clear_scopes(NULL), INV);
    CHECK_RC(keyrack_update_options_add_meta(NULL, "k", "v"), INV);
    CHECK_RC(keyrack_update_options_add_meta(uo, NULL, "v"), INV);
    CHECK_RC(keyrack_update_options_add_meta(uo, "k", NULL), INV);
    CHECK_RC(keyrack_update_options_clear_meta(NULL), INV);
    CHECK_RC(keyrack_update_options_set_expires_at_ms(NULL, 1), INV);
    CHECK_RC(keyrack_update_options_clear_expiry(NULL), INV);
    CHECK_RC(keyrack_update_options_set_remaining(NULL, 1), INV);
    CHECK_RC(keyrack_update_options_clear_remaining(NULL), INV);
    CHECK_RC(keyrack_update_options_set_refill(NULL, 1, 1000), INV);
    CHECK_RC(keyrack_update_options_clear_refill(NULL), INV);
    CHECK_RC(keyrack_update_options_set_rate_limit(NULL, 1, 1), INV);
    CHECK_RC(keyrack_update_options_clear_rate_limit(NULL), INV);
    CHECK_RC(keyrack_update_options_set_shared_credits(NULL, true), INV);
    CHECK_RC(keyrack_update(NULL, id, uo, NULL), INV);
    CHECK_RC(keyrack_update(f.store, NULL, uo, NULL), INV);
    CHECK_RC(keyrack_update(f.store, id, NULL, NULL), INV);
    /* list */
    CHECK_RC(keyrack_list_options_set_owner(NULL, "o"), INV);
    CHECK_RC(keyrack_list_options_set_owner(lo, NULL), INV);
    CHECK_RC(keyrack_list_options_set_prefix(NULL, "p"), INV);
    CHECK_RC(keyrack_list_options_set_prefix(lo, NULL), INV);
    CHECK_RC(keyrack_list_options_set_status(NULL, KEYRACK_STATUS_ACTIVE), INV);
    CHECK_RC(keyrack_list_options_set_unused_since_ms(NULL, 0), INV);
    CHECK_RC(keyrack_list_options_set_limit(NULL, 1), INV);
    CHECK_RC(keyrack_list_options_set_cursor(NULL, "c"), INV);
    CHECK_RC(keyrack_list(NULL, lo, &pg), INV);
    CHECK_RC(keyrack_list(f.store, lo, NULL), INV);
    CHECK(keyrack_page_len(NULL) == 0);
    CHECK(keyrack_page_get(NULL, 0) == NULL);
    CHECK(keyrack_page_next_cursor(NULL) == NULL);
    /* audit */
    CHECK_RC(keyrack_audit_options_set_id(NULL, "i"), INV);
    CHECK_RC(keyrack_audit_options_set_id(ao, NULL), INV);
    CHECK_RC(keyrack_audit_options_set_kind(NULL, KEYRACK_AUDIT_ISSUED), INV);
    CHECK_RC(keyrack_audit_options_set_since_ms(NULL, 0), INV);
    CHECK_RC(keyrack_audit_options_set_limit(NULL, 1), INV);
    CHECK_RC(keyrack_audit_options_set_cursor(NULL, "c"), INV);
    CHECK_RC(keyrack_audit(NULL, ao, &ap), INV);
    CHECK_RC(keyrack_audit(f.store, ao, NULL), INV);
    CHECK(keyrack_audit_page_len(NULL) == 0);
    CHECK(keyrack_audit_page_get(NULL, 0) == NULL);
    CHECK(keyrack_audit_page_next_cursor(NULL) == NULL);
    CHECK(keyrack_audit_event_at_ms(NULL) == 0);
    CHECK(keyrack_audit_event_seq(NULL) == 0);
    CHECK(keyrack_audit_event_kind(NULL) == KEYRACK_AUDIT_UNKNOWN);
    CHECK(keyrack_audit_event_id(NULL) == NULL);
    CHECK(keyrack_audit_event_detail(NULL) == NULL);
    /* pools */
    CHECK_RC(keyrack_set_pool(NULL, "o", 1, 0, 0), INV);
    CHECK_RC(keyrack_set_pool(f.store, NULL, 1, 0, 0), INV);
    CHECK_RC(keyrack_pool(NULL, "o", &b, &u, NULL, NULL), INV);
    CHECK_RC(keyrack_pool(f.store, NULL, &b, &u, NULL, NULL), INV);
    CHECK_RC(keyrack_pool(f.store, "o", NULL, &u, NULL, NULL), INV);
    CHECK_RC(keyrack_pool(f.store, "o", &b, NULL, NULL, NULL), INV);
    /* record getters */
    CHECK(keyrack_record_id(NULL) == NULL && keyrack_record_prefix(NULL) == NULL);
    CHECK(keyrack_record_hint(NULL) == NULL && keyrack_record_name(NULL) == NULL);
    CHECK(keyrack_record_description(NULL) == NULL && keyrack_record_owner(NULL) == NULL);
    CHECK(keyrack_record_scopes_len(NULL) == 0 && keyrack_record_scope(NULL, 0) == NULL);
    CHECK(keyrack_record_meta_len(NULL) == 0 && keyrack_record_meta_key(NULL, 0) == NULL);
    CHECK(keyrack_record_meta_value(NULL, 0) == NULL && keyrack_record_meta_get(NULL, "k") == NULL);
    CHECK(keyrack_record_created_at(NULL) == 0);
    CHECK(!keyrack_record_expires_at(NULL, &ms) && !keyrack_record_revoked_at(NULL, &ms));
    CHECK(!keyrack_record_last_used_at(NULL, &ms) && !keyrack_record_enabled(NULL));
    CHECK(keyrack_record_uses(NULL) == 0 && keyrack_record_denied(NULL, KEYRACK_OUTCOME_REVOKED) == 0);
    CHECK(keyrack_record_denied_total(NULL) == 0 && !keyrack_record_remaining(NULL, &u));
    CHECK(!keyrack_record_refill(NULL, &u, &ms) && !keyrack_record_shared_credits(NULL));
    CHECK(!keyrack_record_rate_limit(NULL, &u, &ms));
    CHECK_OK(keyrack_get(f.store, id, &r));
    CHECK(keyrack_record_meta_get(r, NULL) == NULL);
    CHECK(!keyrack_record_created_at(r) == 0);
    keyrack_record_free(r);
    /* headers and format */
    CHECK_RC(keyrack_extract_key(NULL, hl, hv, vl, 1, &kp, &len), INV);
    CHECK_RC(keyrack_extract_key(hn, NULL, hv, vl, 1, &kp, &len), INV);
    CHECK_RC(keyrack_extract_key(hn, hl, NULL, vl, 1, &kp, &len), INV);
    CHECK_RC(keyrack_extract_key(hn, hl, hv, NULL, 1, &kp, &len), INV);
    CHECK_RC(keyrack_extract_key(hn, hl, hv, vl, 1, NULL, &len), INV);
    CHECK_RC(keyrack_extract_key(hn, hl, hv, vl, 1, &kp, NULL), INV);
    CHECK_RC(keyrack_format_parse(NULL, 0, &fe, NULL), INV);
    CHECK_RC(keyrack_format_parse(kk, 4, NULL, NULL), INV);
    CHECK_RC(keyrack_format_check_prefix(NULL, &fe), INV);
    CHECK_RC(keyrack_format_check_prefix("kr", NULL), INV);
    CHECK_RC(keyrack_format_compose(NULL, pep, 32, &key), INV);
    CHECK_RC(keyrack_format_compose("kr", NULL, 32, &key), INV);
    CHECK_RC(keyrack_format_compose("kr", pep, 32, NULL), INV);
    CHECK(strstr(keyrack_last_error_message(), "`out_key` is NULL") != NULL);
    /* every free accepts NULL */
    keyrack_options_free(NULL);
    keyrack_clock_free(NULL);
    keyrack_store_free(NULL);
    keyrack_issue_options_free(NULL);
    keyrack_issued_free(NULL);
    keyrack_issued_list_free(NULL);
    keyrack_key_free(NULL);
    keyrack_string_free(NULL);
    keyrack_verify_options_free(NULL);
    keyrack_verification_free(NULL);
    keyrack_record_free(NULL);
    keyrack_update_options_free(NULL);
    keyrack_list_options_free(NULL);
    keyrack_page_free(NULL);
    keyrack_audit_options_free(NULL);
    keyrack_audit_page_free(NULL);

    keyrack_options_free(o);
    keyrack_issue_options_free(io);
    keyrack_verify_options_free(vo);
    keyrack_update_options_free(uo);
    keyrack_list_options_free(lo);
    keyrack_audit_options_free(ao);
    keyrack_key_free(key);
    (void)il;
    fx_close(&f);
}

int main(int argc, char **argv) {
    kr_filter = argc > 1 ? argv[1] : NULL;
    RUN(test_result_codes);
    RUN(test_open_close_and_second_open);
    RUN(test_issue_every_option_and_record_getters);
    RUN(test_every_outcome);
    RUN(test_get_update_enable_disable);
    RUN(test_rotate_and_purge);
    RUN(test_issue_many_list_and_paging);
    RUN(test_audit);
    RUN(test_credit_pools);
    RUN(test_unknown_id);
    RUN(test_invalid_utf8);
    RUN(test_extract_key);
    RUN(test_format_functions);
    RUN(test_store_errors);
    RUN(test_export_import_round_trip);
    RUN(test_import_refusals);
    RUN(test_compact);
    RUN(test_clock);
    RUN(test_null_arguments);
    return kr_finish(argv[0]);
}
