/* Owners' credit pools: set, read, spend, refuse. */
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

int main(int argc, char **argv) {
    kr_filter = argc > 1 ? argv[1] : NULL;
    RUN(test_credit_pools);
    return kr_finish(argv[0]);
}
