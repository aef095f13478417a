/* Changing keys: get, update, enable, disable, add credits; unknown ids. */
#include "fixture.h"

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

/* keyrack_add_credits: an atomic, audited top-up of a key's own balance;
 * refused for keys without one, for 0 and for an overflow. */
static void test_add_credits(void) {
    fixture f;
    keyrack_record *r = NULL;
    char id[32], plain_id[32], pooled_id[32], ev_id[64], detail[64];
    char *key, *plain, *pooled;
    uint64_t n = 0;
    fx_open(&f, NULL, NULL);
    key = issue_with(f.store, "metered", 3, NULL, 0, id);
    plain = issue_with(f.store, "metered", 0, NULL, 0, plain_id);
    CHECK_OK(keyrack_pool_set(f.store, "acme", 10, 0, 0));
    pooled = issue_with(f.store, "metered", 0, "acme", 0, pooled_id);
    CHECK(verify_outcome(f.store, key, NULL) == KEYRACK_OUTCOME_VALID);
    CHECK(verify_outcome(f.store, key, NULL) == KEYRACK_OUTCOME_VALID);
    /* 1 left; spends made before the top-up stay spent. */
    CHECK_OK(keyrack_add_credits(f.store, id, 5, &r));
    CHECK(keyrack_record_remaining(r, &n) && n == 6);
    keyrack_record_free(r);
    CHECK_OK(keyrack_add_credits(f.store, id, 2, NULL)); /* no record wanted */
    CHECK(verify_outcome(f.store, key, NULL) == KEYRACK_OUTCOME_VALID);
    CHECK_OK(keyrack_get(f.store, id, &r));
    CHECK(keyrack_record_remaining(r, &n) && n == 7);
    keyrack_record_free(r);

    /* Refusals: nothing written to the output, nothing added. */
    r = KR_SENTINEL;
    CHECK_RC(keyrack_add_credits(f.store, id, 0, &r), KEYRACK_INVALID_ARGUMENT);
    CHECK(strstr(keyrack_last_error_message(), "`credits`") != NULL);
    CHECK_RC(keyrack_add_credits(f.store, id, UINT64_MAX, &r), KEYRACK_INVALID_ARGUMENT);
    CHECK(strstr(keyrack_last_error_message(), "`credits`") != NULL);
    CHECK_RC(keyrack_add_credits(f.store, plain_id, 5, &r), KEYRACK_INVALID_ARGUMENT);
    CHECK(strstr(keyrack_last_error_message(), "keyrack_add_credits: invalid argument `id`") != NULL);
    CHECK_RC(keyrack_add_credits(f.store, pooled_id, 5, &r), KEYRACK_INVALID_ARGUMENT);
    CHECK(strstr(keyrack_last_error_message(), "`id`") != NULL);
    CHECK(strstr(keyrack_last_error_message(), "pool") != NULL);
    CHECK_RC(keyrack_add_credits(f.store, "key_0000000000000000000000", 5, &r), KEYRACK_NOT_FOUND);
    CHECK(r == KR_SENTINEL);
    CHECK_OK(keyrack_get(f.store, id, &r));
    CHECK(keyrack_record_remaining(r, &n) && n == 7);
    keyrack_record_free(r);

    /* Audited, once per top-up, under the key's id. */
    CHECK(count_audit(f.store, KEYRACK_AUDIT_CREDITS_ADDED, ev_id, detail) == 2);
    CHECK_STR(ev_id, id);
    CHECK_STR(detail, "+2");

    /* A read-only handle refuses to write, credits included. */
    CHECK_OK(keyrack_store_close(f.store));
    keyrack_store_free(f.store);
    {
        keyrack_options *o = NULL;
        CHECK_OK(keyrack_options_new(&o));
        CHECK_OK(keyrack_options_set_read_only(o, true));
        f.store = NULL;
        CHECK_OK(keyrack_store_open(f.tmp.path, o, &f.store));
        keyrack_options_free(o);
        r = KR_SENTINEL;
        CHECK_RC(keyrack_add_credits(f.store, id, 1, &r), KEYRACK_READ_ONLY);
        CHECK(r == KR_SENTINEL);
    }
    keyrack_key_free(key);
    keyrack_key_free(plain);
    keyrack_key_free(pooled);
    fx_close(&f);
}

/* An update's expires_in counts from the update (the core resolves it in
 * the update's own transaction); not together with expires_at. */
static void test_update_expiry(void) {
    fixture f;
    keyrack_update_options *u = NULL;
    keyrack_record *r = KR_SENTINEL;
    char id[32], *key;
    int64_t ms = 0;
    fx_open(&f, NULL, NULL);
    key = issue_simple(f.store, "k", id);
    CHECK_OK(keyrack_clock_advance(f.clock, 5000));

    CHECK_OK(keyrack_update_options_new(&u));
    CHECK_OK(keyrack_update_options_set_expires_in_ms(u, 60000));
    CHECK_OK(keyrack_update(f.store, id, u, &r));
    CHECK(keyrack_record_expires_at(r, &ms) && ms == T0 + 5000 + 60000);
    keyrack_record_free(r);
    /* Both: refused, the key unchanged. */
    CHECK_OK(keyrack_update_options_set_expires_at_ms(u, T0 + 9999999));
    r = KR_SENTINEL;
    CHECK_RC(keyrack_update(f.store, id, u, &r), KEYRACK_INVALID_ARGUMENT);
    CHECK(r == KR_SENTINEL);
    CHECK(strstr(keyrack_last_error_message(), "keyrack_update") != NULL);
    CHECK(strstr(keyrack_last_error_message(), "not both") != NULL);
    CHECK_OK(keyrack_get(f.store, id, &r));
    CHECK(keyrack_record_expires_at(r, &ms) && ms == T0 + 5000 + 60000);
    keyrack_record_free(r);
    /* Clearing undoes the setters before it... */
    CHECK_OK(keyrack_update_options_clear_expiry(u));
    CHECK_OK(keyrack_update(f.store, id, u, &r));
    ms = -1;
    CHECK(!keyrack_record_expires_at(r, &ms) && ms == -1);
    keyrack_record_free(r);
    /* ...and a setter after it sets an expiry again. */
    CHECK_OK(keyrack_update_options_set_expires_in_ms(u, 1000));
    CHECK_OK(keyrack_update(f.store, id, u, &r));
    CHECK(keyrack_record_expires_at(r, &ms) && ms == T0 + 5000 + 1000);
    keyrack_record_free(r);
    /* Zero or negative spans are refused (by the core, or as a duration). */
    CHECK_RC(keyrack_update_options_set_expires_in_ms(u, -1), KEYRACK_INVALID_ARGUMENT);
    CHECK_OK(keyrack_update_options_set_expires_in_ms(u, 0));
    CHECK_RC(keyrack_update(f.store, id, u, NULL), KEYRACK_INVALID_ARGUMENT);
    CHECK(verify_outcome(f.store, key, NULL) == KEYRACK_OUTCOME_VALID);
    CHECK_OK(keyrack_clock_advance(f.clock, 1000));
    CHECK(verify_outcome(f.store, key, NULL) == KEYRACK_OUTCOME_EXPIRED);
    CHECK_RC(keyrack_update_options_set_expires_in_ms(NULL, 1), KEYRACK_INVALID_ARGUMENT);
    keyrack_update_options_free(u);
    keyrack_key_free(key);
    fx_close(&f);
}

int main(int argc, char **argv) {
    kr_filter = argc > 1 ? argv[1] : NULL;
    RUN(test_get_update_enable_disable);
    RUN(test_unknown_id);
    RUN(test_update_expiry);
    RUN(test_add_credits);
    return kr_finish(argv[0]);
}
