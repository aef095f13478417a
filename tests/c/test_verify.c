/* Verifying: every outcome with its HTTP answer, read-only handles that
 * never spend, the header helper, the key format functions. */
#include "fixture.h"

/* Which outcomes test_every_outcome answered, to walk the core's list after. */
static int answered[64];

static void check_outcome_answer(keyrack_outcome o, const char *name, uint16_t status, const char *msg) {
    if ((unsigned)o < 64) answered[o] = 1;
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
    size_t i;
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
    /* missing comes from the header helpers: see test_extract_key and
     * test_verify_headers */

    /* Every outcome of the core's list was answered above, and the list
     * holds each once, numbered from 1. */
    CHECK(keyrack_outcomes_len() == 10);
    for (i = 0; i < keyrack_outcomes_len(); i++) {
        uint32_t oc = keyrack_outcomes_get(i);
        size_t j;
        CHECK(oc != 0 && oc < 64 && answered[oc]);
        CHECK(strcmp(keyrack_outcome_name(oc), "unknown") != 0);
        for (j = 0; j < i; j++) CHECK(keyrack_outcomes_get(j) != oc);
    }
    CHECK(keyrack_outcomes_get(0) == KEYRACK_OUTCOME_VALID);
    CHECK(keyrack_outcomes_get(keyrack_outcomes_len() - 1) == KEYRACK_OUTCOME_MISSING);
    CHECK(keyrack_outcomes_get(keyrack_outcomes_len()) == 0);

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

/* Verifies the key in `count` headers; returns the outcome (0 on error). */
static keyrack_outcome headers_outcome(keyrack_store *s, const char *const *names,
                                       const char *const *values, size_t count,
                                       const keyrack_verify_options *vo) {
    size_t name_lens[8], value_lens[8], i;
    keyrack_verification *v = NULL;
    keyrack_outcome o = 0;
    for (i = 0; i < count; i++) {
        name_lens[i] = strlen(names[i]);
        value_lens[i] = strlen(values[i]);
    }
    CHECK_OK(keyrack_verify_headers(s, names, name_lens, values, value_lens, count, vo, &v));
    o = keyrack_verification_outcome(v);
    if (o == KEYRACK_OUTCOME_MISSING) CHECK(keyrack_verification_record(v) == NULL);
    keyrack_verification_free(v);
    return o;
}

static void test_verify_headers(void) {
    fixture f;
    keyrack_verify_options *vo = NULL;
    keyrack_verification *v = KR_SENTINEL;
    char id[32], *key, bearer[128], apikey[128], bad_scheme[128];
    const char *names[3], *values[3];
    const char *no_names[1] = {NULL};
    size_t lens[1] = {0};
    fx_open(&f, NULL, NULL);
    key = issue_simple(f.store, "k", id);
    snprintf(bearer, sizeof bearer, "Bearer %s", key);
    snprintf(apikey, sizeof apikey, "Api-Key %s", key);
    snprintf(bad_scheme, sizeof bad_scheme, "Basic %s", key);

    /* Each way a request presents a key. */
    names[0] = "X-API-Key"; values[0] = key;
    CHECK(headers_outcome(f.store, names, values, 1, NULL) == KEYRACK_OUTCOME_VALID);
    names[0] = "authorization"; values[0] = bearer;
    CHECK(headers_outcome(f.store, names, values, 1, NULL) == KEYRACK_OUTCOME_VALID);
    values[0] = apikey;
    CHECK(headers_outcome(f.store, names, values, 1, NULL) == KEYRACK_OUTCOME_VALID);
    /* Among other headers; the record comes back as for keyrack_verify. */
    names[0] = "accept"; values[0] = "*/*";
    names[1] = "Authorization"; values[1] = bearer;
    {
        size_t nl[2] = {6, 13}, vl[2] = {3, strlen(bearer)};
        CHECK_OK(keyrack_verify_headers(f.store, names, nl, values, vl, 2, NULL, &v));
        CHECK(keyrack_verification_is_valid(v));
        CHECK_STR(keyrack_record_id(keyrack_verification_record(v)), id);
        keyrack_verification_free(v);
    }

    /* No key header at all: missing, 401. Zero headers too (arrays still given). */
    CHECK(headers_outcome(f.store, names, values, 1, NULL) == KEYRACK_OUTCOME_MISSING);
    CHECK(headers_outcome(f.store, no_names, no_names, 0, NULL) == KEYRACK_OUTCOME_MISSING);
    /* A scheme that is not a key's presents no key (as extract_key says);
     * a key header holding no key is malformed. */
    names[0] = "Authorization"; values[0] = bad_scheme;
    CHECK(headers_outcome(f.store, names, values, 1, NULL) == KEYRACK_OUTCOME_MISSING);
    names[0] = "x-api-key"; values[0] = "kr_nope";
    CHECK(headers_outcome(f.store, names, values, 1, NULL) == KEYRACK_OUTCOME_MALFORMED);

    /* Options apply as for keyrack_verify_with. */
    CHECK_OK(keyrack_verify_options_new(&vo));
    CHECK_OK(keyrack_verify_options_add_scope(vo, "admin"));
    names[0] = "x-api-key"; values[0] = key;
    CHECK(headers_outcome(f.store, names, values, 1, vo) == KEYRACK_OUTCOME_INSUFFICIENT_SCOPE);
    keyrack_verify_options_free(vo);
    CHECK_OK(keyrack_revoke(f.store, id, NULL));
    CHECK(headers_outcome(f.store, names, values, 1, NULL) == KEYRACK_OUTCOME_REVOKED);

    /* NULL arrays are argument errors; nothing is written. */
    v = KR_SENTINEL;
    CHECK_RC(keyrack_verify_headers(f.store, NULL, lens, no_names, lens, 0, NULL, &v),
             KEYRACK_INVALID_ARGUMENT);
    CHECK(v == KR_SENTINEL);
    CHECK(strstr(keyrack_last_error_message(), "keyrack_verify_headers: `names` is NULL") != NULL);
    CHECK_RC(keyrack_verify_headers(NULL, no_names, lens, no_names, lens, 0, NULL, &v),
             KEYRACK_INVALID_ARGUMENT);
    CHECK_RC(keyrack_verify_headers(f.store, no_names, lens, no_names, lens, 0, NULL, NULL),
             KEYRACK_INVALID_ARGUMENT);
    /* A closed store is an error even with no key presented. */
    CHECK_OK(keyrack_store_close(f.store));
    CHECK_RC(keyrack_verify_headers(f.store, no_names, lens, no_names, lens, 0, NULL, &v),
             KEYRACK_CLOSED);
    CHECK(v == KR_SENTINEL);

    keyrack_key_free(key);
    fx_close(&f);
}

/* A read-only handle records nothing, so it grants nothing it would have to
 * record: a verify that would spend a credit (own or pool) or a rate-limit
 * token is KEYRACK_READ_ONLY; cost 0 checks without spending. Two such
 * handles at once both refuse, and the balance is untouched after. */
static void test_read_only_never_spends(void) {
    fixture f;
    keyrack_options *o = NULL;
    keyrack_store *ro[2] = {NULL, NULL};
    keyrack_verify_options *check = NULL, *costly = NULL;
    keyrack_verification *v = KR_SENTINEL;
    keyrack_record *r = NULL;
    char id[32], pid[32], lid[32], plain_id[32];
    char *metered, *pooled, *limited, *plain;
    const char *spending[3];
    bool exists = false;
    uint64_t n = 0;
    size_t i, k;
    fx_open(&f, NULL, NULL);
    CHECK_OK(keyrack_pool_set(f.store, "acme", 3, 0, 0));
    metered = issue_with(f.store, "spending", 3, NULL, 0, id);
    pooled = issue_with(f.store, "spending", 0, "acme", 0, pid);
    limited = issue_with(f.store, "spending", 0, NULL, 1, lid);
    plain = issue_simple(f.store, "plain", plain_id);
    spending[0] = metered;
    spending[1] = pooled;
    spending[2] = limited;
    CHECK_OK(keyrack_store_close(f.store));
    keyrack_store_free(f.store);
    f.store = NULL;

    CHECK_OK(keyrack_options_new(&o));
    CHECK_OK(keyrack_options_set_clock(o, f.clock));
    CHECK_OK(keyrack_options_set_read_only(o, true));
    CHECK_OK(keyrack_store_open(f.tmp.path, o, &ro[0]));
    CHECK_OK(keyrack_store_open(f.tmp.path, o, &ro[1]));
    CHECK_OK(keyrack_verify_options_new(&check));
    CHECK_OK(keyrack_verify_options_set_cost(check, 0));
    CHECK_OK(keyrack_verify_options_new(&costly));
    CHECK_OK(keyrack_verify_options_set_cost(costly, 2));
    for (i = 0; i < 2; i++) {
        for (k = 0; k < 3; k++) {
            const char *key = spending[k];
            v = KR_SENTINEL;
            CHECK_RC(keyrack_verify(ro[i], key, strlen(key), &v), KEYRACK_READ_ONLY);
            CHECK(v == KR_SENTINEL);
            CHECK(strstr(keyrack_last_error_message(), "keyrack_verify: ") != NULL);
            CHECK(strstr(keyrack_last_error_message(), "read-only") != NULL);
            CHECK_RC(keyrack_verify_with(ro[i], key, strlen(key), costly, &v), KEYRACK_READ_ONLY);
            CHECK(v == KR_SENTINEL);
            CHECK(verify_outcome(ro[i], key, check) == KEYRACK_OUTCOME_VALID);
        }
        /* A key that spends nothing verifies as usual, at any cost. */
        CHECK(verify_outcome(ro[i], plain, NULL) == KEYRACK_OUTCOME_VALID);
        CHECK(verify_outcome(ro[i], plain, costly) == KEYRACK_OUTCOME_VALID);
        /* The balance each handle reads is the file's. */
        CHECK_OK(keyrack_get(ro[i], id, &r));
        CHECK(keyrack_record_remaining(r, &n) && n == 3);
        keyrack_record_free(r);
    }
    keyrack_store_free(ro[0]);
    keyrack_store_free(ro[1]);

    /* Read-write again: every credit and token is still there. */
    CHECK_OK(keyrack_options_set_read_only(o, false));
    CHECK_OK(keyrack_store_open(f.tmp.path, o, &f.store));
    keyrack_options_free(o);
    CHECK_OK(keyrack_get(f.store, id, &r));
    CHECK(keyrack_record_remaining(r, &n) && n == 3);
    keyrack_record_free(r);
    CHECK_OK(keyrack_pool_get(f.store, "acme", &exists, &n, NULL, NULL));
    CHECK(exists && n == 3);
    CHECK(verify_outcome(f.store, limited, NULL) == KEYRACK_OUTCOME_VALID);
    CHECK(verify_outcome(f.store, limited, NULL) == KEYRACK_OUTCOME_RATE_LIMITED);
    CHECK(verify_outcome(f.store, metered, costly) == KEYRACK_OUTCOME_VALID);
    CHECK(verify_outcome(f.store, metered, costly) == KEYRACK_OUTCOME_USAGE_EXCEEDED);

    keyrack_verify_options_free(check);
    keyrack_verify_options_free(costly);
    keyrack_key_free(metered);
    keyrack_key_free(pooled);
    keyrack_key_free(limited);
    keyrack_key_free(plain);
    fx_close(&f);
}

int main(int argc, char **argv) {
    kr_filter = argc > 1 ? argv[1] : NULL;
    RUN(test_every_outcome);
    RUN(test_read_only_never_spends);
    RUN(test_extract_key);
    RUN(test_verify_headers);
    RUN(test_format_functions);
    return kr_finish(argv[0]);
}
