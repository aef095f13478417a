/* Issuing and rotating: every issue option read back through the record
 * getters, rotate with and without grace (and purge of what rotation leaves). */
#include "fixture.h"

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

/* expires_in or expires_at, not both: the core's rule (Expiry::either). */
static void test_issue_expiry_either(void) {
    fixture f;
    keyrack_issue_options *o = NULL;
    keyrack_issued *is = KR_SENTINEL;
    int64_t ms = 0;
    fx_open(&f, NULL, NULL);
    CHECK_OK(keyrack_issue_options_new("both", &o));
    CHECK_OK(keyrack_issue_options_set_expires_in_ms(o, 60000));
    CHECK_OK(keyrack_issue_options_set_expires_at_ms(o, T0 + 1000));
    CHECK_RC(keyrack_issue(f.store, o, &is), KEYRACK_INVALID_ARGUMENT);
    CHECK(is == KR_SENTINEL);
    CHECK(strstr(keyrack_last_error_message(), "expires_in") != NULL);
    CHECK(strstr(keyrack_last_error_message(), "not both") != NULL);
    keyrack_issue_options_free(o);
    /* The same setter twice: the second replaces the first. */
    CHECK_OK(keyrack_issue_options_new("twice", &o));
    CHECK_OK(keyrack_issue_options_set_expires_in_ms(o, 60000));
    CHECK_OK(keyrack_issue_options_set_expires_in_ms(o, 5000));
    CHECK_OK(keyrack_clock_advance(f.clock, 7));
    CHECK_OK(keyrack_issue(f.store, o, &is));
    CHECK(keyrack_record_expires_at(keyrack_issued_record(is), &ms) && ms == T0 + 7 + 5000);
    keyrack_issued_free(is);
    keyrack_issue_options_free(o);
    fx_close(&f);
}

int main(int argc, char **argv) {
    kr_filter = argc > 1 ? argv[1] : NULL;
    RUN(test_issue_every_option_and_record_getters);
    RUN(test_rotate_and_purge);
    RUN(test_issue_expiry_either);
    return kr_finish(argv[0]);
}
