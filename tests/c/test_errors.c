/* Every result code, NULL for every pointer argument of every function,
 * and text that is not UTF-8. */
#include "fixture.h"

/* The name of each constant is its own spelling. */
#define CHECK_NAMED(code) CHECK_STR(keyrack_result_name(code), #code)

static void test_result_codes(void) {
    size_t i, j, n = keyrack_results_len();
    CHECK(KEYRACK_OK == 0);
    CHECK(KEYRACK_INVALID_ARGUMENT == 1 && KEYRACK_CLOSED == 10 && KEYRACK_PANIC == 100);
    CHECK(KEYRACK_NEEDS_RECOVERY == 11);
    /* The codes, walked from the core's list: OK, one per error kind with
     * the core's numbers 1, 2, ..., then PANIC. */
    CHECK(n == 13);
    CHECK(keyrack_results_get(0) == KEYRACK_OK);
    CHECK(keyrack_results_get(n - 1) == KEYRACK_PANIC);
    CHECK(keyrack_results_get(n) == KEYRACK_PANIC); /* out of range */
    for (i = 0; i < n; i++) {
        uint32_t code = keyrack_results_get(i);
        const char *name = keyrack_result_name(code);
        if (i + 1 < n) CHECK(code == i);
        CHECK(strncmp(name, "KEYRACK_", 8) == 0 && strcmp(name, "KEYRACK_UNKNOWN") != 0);
        CHECK(strlen(keyrack_result_message(code)) > 0);
        CHECK(strcmp(keyrack_result_message(code), "unknown keyrack_result") != 0);
        for (j = 0; j < i; j++) CHECK(strcmp(keyrack_result_name(keyrack_results_get(j)), name) != 0);
    }
    CHECK_NAMED(KEYRACK_OK);
    CHECK_NAMED(KEYRACK_INVALID_ARGUMENT);
    CHECK_NAMED(KEYRACK_NOT_FOUND);
    CHECK_NAMED(KEYRACK_ALREADY_OPEN);
    CHECK_NAMED(KEYRACK_WRONG_PROCESS);
    CHECK_NAMED(KEYRACK_PEPPER_MISMATCH);
    CHECK_NAMED(KEYRACK_INCOMPATIBLE_VERSION);
    CHECK_NAMED(KEYRACK_CORRUPTED);
    CHECK_NAMED(KEYRACK_READ_ONLY);
    CHECK_NAMED(KEYRACK_IO);
    CHECK_NAMED(KEYRACK_CLOSED);
    CHECK_NAMED(KEYRACK_NEEDS_RECOVERY);
    CHECK_NAMED(KEYRACK_PANIC);
    CHECK_STR(keyrack_result_message(KEYRACK_NOT_FOUND), "no key with this id");
    CHECK(strstr(keyrack_result_message(KEYRACK_NEEDS_RECOVERY), "read-write") != NULL);
    CHECK(keyrack_results_get(11) == KEYRACK_NEEDS_RECOVERY);
    CHECK_STR(keyrack_result_name(12), "KEYRACK_UNKNOWN");
    CHECK_STR(keyrack_result_message(9999), "unknown keyrack_result");
    CHECK(strlen(keyrack_version()) >= 5);
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
    CHECK_RC(keyrack_store_add_prefix(f.store, bad, NULL), KEYRACK_INVALID_ARGUMENT);
    CHECK_RC(keyrack_pool_add_credits(f.store, bad, 1, NULL), KEYRACK_INVALID_ARGUMENT);
    fx_close(&f);
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
    CHECK_RC(keyrack_clock_new_manual(0, NULL), INV);
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
    CHECK_RC(keyrack_options_set_credit_lease(NULL, 1), INV);
    /* store */
    CHECK_RC(keyrack_store_open(NULL, o, &s), INV);
    CHECK_RC(keyrack_store_open(f.tmp.path, o, NULL), INV);
    CHECK_RC(keyrack_store_close(NULL), INV);
    CHECK_RC(keyrack_store_sync(NULL), INV);
    CHECK_RC(keyrack_store_compact(NULL, &b), INV);
    CHECK(strstr(keyrack_last_error_message(), "keyrack_store_compact: `store` is NULL") != NULL);
    /* prefixes and health */
    {
        keyrack_prefixes *px = KR_SENTINEL;
        keyrack_health *h = KR_SENTINEL;
        CHECK_RC(keyrack_store_prefixes(NULL, &px), INV);
        CHECK_RC(keyrack_store_prefixes(f.store, NULL), INV);
        CHECK(strstr(keyrack_last_error_message(), "keyrack_store_prefixes: `out_prefixes` is NULL") != NULL);
        CHECK_RC(keyrack_store_add_prefix(NULL, "sk", &px), INV);
        CHECK_RC(keyrack_store_add_prefix(f.store, NULL, &px), INV);
        CHECK(strstr(keyrack_last_error_message(), "keyrack_store_add_prefix: `prefix` is NULL") != NULL);
        CHECK_RC(keyrack_store_remove_prefix(NULL, "sk", &px), INV);
        CHECK_RC(keyrack_store_remove_prefix(f.store, NULL, &px), INV);
        CHECK(px == KR_SENTINEL);
        CHECK(keyrack_prefixes_len(NULL) == 0 && keyrack_prefixes_get(NULL, 0) == NULL);
        CHECK_RC(keyrack_store_health(NULL, &h), INV);
        CHECK_RC(keyrack_store_health(f.store, NULL), INV);
        CHECK(strstr(keyrack_last_error_message(), "keyrack_store_health: `out_health` is NULL") != NULL);
        CHECK(h == KR_SENTINEL);
        ms = 7;
        CHECK(!keyrack_health_ok(NULL) && !keyrack_health_has_error(NULL));
        CHECK(keyrack_health_error_code(NULL) == KEYRACK_OK);
        CHECK(keyrack_health_error_message(NULL) == NULL);
        CHECK(!keyrack_health_error_at(NULL, &ms) && ms == 7);
        CHECK(!keyrack_health_error_background(NULL));
    }
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
    {
        keyrack_import_report *rep = KR_SENTINEL;
        size_t line = 7;
        CHECK_RC(keyrack_import_check(NULL, "", 0, &rep), INV);
        CHECK(strstr(keyrack_last_error_message(), "keyrack_import_check: `store` is NULL") != NULL);
        CHECK_RC(keyrack_import_check(f.store, NULL, 0, &rep), INV);
        CHECK(strstr(keyrack_last_error_message(), "keyrack_import_check: `text` is NULL") != NULL);
        CHECK_RC(keyrack_import_check(f.store, "", 0, NULL), INV);
        CHECK(strstr(keyrack_last_error_message(), "keyrack_import_check: `out_report` is NULL") != NULL);
        CHECK(rep == KR_SENTINEL);
        CHECK(!keyrack_import_report_ok(NULL));
        CHECK(keyrack_import_report_records(NULL) == 0 && keyrack_import_report_pools(NULL) == 0);
        CHECK(keyrack_import_report_already_present_len(NULL) == 0);
        CHECK(keyrack_import_report_already_present_id(NULL, 0) == NULL);
        CHECK(keyrack_import_report_already_present_line(NULL, 0) == 0);
        CHECK(keyrack_import_report_refusal(NULL) == NULL);
        CHECK(!keyrack_import_report_refused_line(NULL, &line) && line == 7);
        CHECK_OK(keyrack_import_check(f.store, "{", 1, &rep));
        CHECK(!keyrack_import_report_refused_line(rep, NULL)); /* NULL output: nothing */
        keyrack_import_report_free(rep);
    }
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
    CHECK_RC(keyrack_add_credits(NULL, id, 1, &r), INV);
    CHECK_RC(keyrack_add_credits(f.store, NULL, 1, &r), INV);
    CHECK(strstr(keyrack_last_error_message(), "keyrack_add_credits: `id` is NULL") != NULL);
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
    /* cursors */
    {
        keyrack_keys *ks = KR_SENTINEL;
        keyrack_audit_events *es = KR_SENTINEL;
        const keyrack_record *kr = KR_SENTINEL;
        const keyrack_audit_event *ke = KR_SENTINEL;
        CHECK_RC(keyrack_keys_open(NULL, NULL, &ks), INV);
        CHECK(strstr(keyrack_last_error_message(), "keyrack_keys_open: `store` is NULL") != NULL);
        CHECK_RC(keyrack_keys_open(f.store, NULL, NULL), INV);
        CHECK_RC(keyrack_keys_next(NULL, &kr), INV);
        CHECK(strstr(keyrack_last_error_message(), "keyrack_keys_next: `keys` is NULL") != NULL);
        CHECK_RC(keyrack_audit_events_open(NULL, NULL, &es), INV);
        CHECK_RC(keyrack_audit_events_open(f.store, NULL, NULL), INV);
        CHECK_RC(keyrack_audit_events_next(NULL, &ke), INV);
        CHECK(ks == KR_SENTINEL && es == KR_SENTINEL && kr == KR_SENTINEL && ke == KR_SENTINEL);
        CHECK_OK(keyrack_keys_open(f.store, NULL, &ks));
        CHECK_RC(keyrack_keys_next(ks, NULL), INV);
        CHECK(strstr(keyrack_last_error_message(), "keyrack_keys_next: `out_record` is NULL") != NULL);
        keyrack_keys_free(ks);
        CHECK_OK(keyrack_audit_events_open(f.store, NULL, &es));
        CHECK_RC(keyrack_audit_events_next(es, NULL), INV);
        keyrack_audit_events_free(es);
    }
    /* pools */
    CHECK_RC(keyrack_pool_set(NULL, "o", 1, 0, 0), INV);
    CHECK_RC(keyrack_pool_set(f.store, NULL, 1, 0, 0), INV);
    CHECK_RC(keyrack_pool_get(NULL, "o", &b, &u, NULL, NULL), INV);
    CHECK_RC(keyrack_pool_get(f.store, NULL, &b, &u, NULL, NULL), INV);
    CHECK_RC(keyrack_pool_get(f.store, "o", NULL, &u, NULL, NULL), INV);
    CHECK_RC(keyrack_pool_get(f.store, "o", &b, NULL, NULL, NULL), INV);
    CHECK_RC(keyrack_pool_add_credits(NULL, "o", 1, &u), INV);
    CHECK_RC(keyrack_pool_add_credits(f.store, NULL, 1, &u), INV);
    CHECK(strstr(keyrack_last_error_message(), "keyrack_pool_add_credits: `owner` is NULL") != NULL);
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
    keyrack_keys_free(NULL);
    keyrack_audit_events_free(NULL);
    keyrack_import_report_free(NULL);
    keyrack_prefixes_free(NULL);
    keyrack_health_free(NULL);

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
    RUN(test_invalid_utf8);
    RUN(test_null_arguments);
    return kr_finish(argv[0]);
}
