/* Owners' credit pools: set, read, spend, top up, refuse. */
#include "fixture.h"

static void test_credit_pools(void) {
    fixture f;
    keyrack_issue_options *o = NULL;
    keyrack_issued *is = NULL;
    char *key = NULL;
    bool exists = true;
    uint64_t rem = 0, amount = 1;
    int64_t every = 1;
    fx_open(&f, NULL, NULL);
    CHECK_OK(keyrack_pool_get(f.store, "acme", &exists, &rem, &amount, &every));
    CHECK(!exists && rem == 0 && amount == 1 && every == 1); /* only exists written */
    CHECK_OK(keyrack_pool_set(f.store, "acme", 2, 0, 0));
    CHECK_OK(keyrack_pool_get(f.store, "acme", &exists, &rem, &amount, &every));
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
    CHECK_OK(keyrack_pool_get(f.store, "acme", &exists, &rem, NULL, NULL));
    CHECK(exists && rem == 0);
    CHECK_OK(keyrack_pool_set(f.store, "acme", 5, 10, 60000));
    CHECK_OK(keyrack_pool_get(f.store, "acme", &exists, &rem, &amount, &every));
    CHECK(rem == 5 && amount == 10 && every == 60000);
    CHECK(verify_outcome(f.store, key, NULL) == KEYRACK_OUTCOME_VALID);
    CHECK_RC(keyrack_pool_set(f.store, "acme", 5, 10, 0), KEYRACK_INVALID_ARGUMENT);
    CHECK_RC(keyrack_pool_set(f.store, "acme", 5, 10, -1), KEYRACK_INVALID_ARGUMENT);
    CHECK_RC(keyrack_pool_set(f.store, "acme", 5, 10, 10), KEYRACK_INVALID_ARGUMENT); /* < 1 s */
    CHECK_RC(keyrack_pool_set(f.store, "", 5, 0, 0), KEYRACK_INVALID_ARGUMENT);
    keyrack_key_free(key);
    fx_close(&f);
}

/* keyrack_pool_add_credits tops up atomically; keyrack_pool_set with no
 * refill keeps the pool's own; both are audited with an empty id. */
static void test_pool_top_ups_and_kept_refill(void) {
    fixture f;
    keyrack_issue_options *o = NULL;
    keyrack_issued *is = NULL;
    keyrack_options *ro = NULL;
    char *key = NULL, ev_id[64], detail[64];
    bool exists = false;
    uint64_t rem = 99, amount = 0;
    int64_t every = 0;
    fx_open(&f, NULL, NULL);
    /* No pool yet: nothing to top up. */
    CHECK_RC(keyrack_pool_add_credits(f.store, "acme", 4, &rem), KEYRACK_INVALID_ARGUMENT);
    CHECK(strstr(keyrack_last_error_message(), "`owner`") != NULL);
    CHECK(rem == 99);
    CHECK_OK(keyrack_pool_set(f.store, "acme", 2, 10, 60000));
    CHECK_OK(keyrack_issue_options_new("pooled", &o));
    CHECK_OK(keyrack_issue_options_set_owner(o, "acme"));
    CHECK_OK(keyrack_issue_options_set_shared_credits(o, true));
    CHECK_OK(keyrack_issue(f.store, o, &is));
    CHECK_OK(keyrack_issued_take_key(is, &key, NULL));
    keyrack_issued_free(is);
    keyrack_issue_options_free(o);
    CHECK(verify_outcome(f.store, key, NULL) == KEYRACK_OUTCOME_VALID);
    /* 1 left: the top-up adds to it, the spend stays spent. */
    CHECK_OK(keyrack_pool_add_credits(f.store, "acme", 4, &rem));
    CHECK(rem == 5);
    CHECK_OK(keyrack_pool_add_credits(f.store, "acme", 1, NULL));
    CHECK_OK(keyrack_pool_get(f.store, "acme", &exists, &rem, &amount, &every));
    CHECK(exists && rem == 6 && amount == 10 && every == 60000);
    rem = 99;
    CHECK_RC(keyrack_pool_add_credits(f.store, "acme", 0, &rem), KEYRACK_INVALID_ARGUMENT);
    CHECK(strstr(keyrack_last_error_message(), "`credits`") != NULL);
    CHECK_RC(keyrack_pool_add_credits(f.store, "acme", UINT64_MAX, &rem), KEYRACK_INVALID_ARGUMENT);
    CHECK(strstr(keyrack_last_error_message(), "`credits`") != NULL);
    CHECK_RC(keyrack_pool_add_credits(f.store, "", 1, &rem), KEYRACK_INVALID_ARGUMENT);
    CHECK(rem == 99);
    /* A new balance with no refill given keeps the pool's refill. */
    CHECK_OK(keyrack_pool_set(f.store, "acme", 3, 0, 0));
    CHECK_OK(keyrack_pool_get(f.store, "acme", &exists, &rem, &amount, &every));
    CHECK(exists && rem == 3 && amount == 10 && every == 60000);
    CHECK_OK(keyrack_pool_set(f.store, "acme", 3, 20, 120000)); /* a given one replaces it */
    CHECK_OK(keyrack_pool_get(f.store, "acme", &exists, &rem, &amount, &every));
    CHECK(rem == 3 && amount == 20 && every == 120000);
    /* Audited: no key id, the owner in the detail. */
    CHECK(count_audit(f.store, KEYRACK_AUDIT_POOL_SET, ev_id, detail) == 3);
    CHECK_STR(ev_id, "");
    CHECK(strstr(detail, "acme") != NULL);
    CHECK(count_audit(f.store, KEYRACK_AUDIT_POOL_CREDITS_ADDED, ev_id, detail) == 2);
    CHECK_STR(ev_id, "");
    CHECK(strstr(detail, "acme") != NULL && strstr(detail, "+1") != NULL);
    /* Read-only: no top-up. */
    CHECK_OK(keyrack_store_close(f.store));
    keyrack_store_free(f.store);
    f.store = NULL;
    CHECK_OK(keyrack_options_new(&ro));
    CHECK_OK(keyrack_options_set_read_only(ro, true));
    CHECK_OK(keyrack_store_open(f.tmp.path, ro, &f.store));
    keyrack_options_free(ro);
    rem = 99;
    CHECK_RC(keyrack_pool_add_credits(f.store, "acme", 1, &rem), KEYRACK_READ_ONLY);
    CHECK(rem == 99);
    CHECK_OK(keyrack_pool_get(f.store, "acme", &exists, &rem, NULL, NULL));
    CHECK(exists && rem == 3);
    keyrack_key_free(key);
    fx_close(&f);
}

int main(int argc, char **argv) {
    kr_filter = argc > 1 ? argv[1] : NULL;
    RUN(test_credit_pools);
    RUN(test_pool_top_ups_and_kept_refill);
    return kr_finish(argv[0]);
}
