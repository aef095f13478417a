/* Export and import as JSON lines: the round trip, every refusal. */
#include "fixture.h"

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
    CHECK_OK(keyrack_pool_set(a.store, "org_42", 25, 25, 86400000));

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
        CHECK_OK(keyrack_pool_get(b.store, "org_42", &exists, &remaining, &amount, &every));
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

/* The dry run answers what the import does on the same text: its refusal
 * (message and line) or its counts, and writes nothing. */
static void check_agrees(keyrack_store *s, const char *text, size_t want_line) {
    keyrack_import_report *r = NULL;
    const char *prefix = "keyrack_import_json_lines: ";
    char import_error[1024] = "";
    size_t line = 0, before = count_records(s);
    if (keyrack_import_json_lines(s, text, strlen(text), NULL) == KEYRACK_OK) {
        CHECK(!"the import was expected to refuse");
        return;
    }
    snprintf(import_error, sizeof import_error, "%s", keyrack_last_error_message());
    CHECK(strncmp(import_error, prefix, strlen(prefix)) == 0);
    CHECK_OK(keyrack_import_check(s, text, strlen(text), &r));
    CHECK(r != NULL && !keyrack_import_report_ok(r));
    CHECK(keyrack_import_report_refused_line(r, &line) && line == want_line);
    CHECK_STR(keyrack_import_report_refusal(r), import_error + strlen(prefix));
    CHECK(keyrack_import_report_records(r) == 0 && keyrack_import_report_pools(r) == 0);
    CHECK(keyrack_import_report_already_present_len(r) == 0);
    CHECK(count_records(s) == before);
    keyrack_import_report_free(r);
}

static void test_import_check(void) {
    fixture a, b;
    char id[32], id2[32], *k1, *k2, *jsonl = NULL, *nl;
    char text[4096];
    const char bad_utf8[] = "{\"name\": \"caf\xc3\"}\n";
    keyrack_import_report *r = KR_SENTINEL;
    size_t len = 0, count = 0, first_len, line = 77;
    int n;
    fx_open(&a, NULL, NULL);
    fx_open(&b, NULL, NULL);
    k1 = issue_simple(a.store, "one", id);
    k2 = issue_simple(a.store, "two", id2);
    CHECK_OK(keyrack_pool_set(a.store, "org_42", 10, 0, 0));
    CHECK_OK(keyrack_export(a.store, &jsonl, &len, &count));
    if (!jsonl || !(nl = strchr(jsonl, '\n'))) {
        CHECK(!"export gave no lines");
        goto done;
    }
    first_len = (size_t)(nl - jsonl) + 1;

    /* The whole export would import: two records, one pool, nothing written. */
    CHECK_OK(keyrack_import_check(b.store, jsonl, len, &r));
    CHECK(keyrack_import_report_ok(r));
    CHECK(keyrack_import_report_records(r) == 2 && count == 2);
    CHECK(keyrack_import_report_pools(r) == 1);
    CHECK(keyrack_import_report_already_present_len(r) == 0);
    CHECK(keyrack_import_report_refusal(r) == NULL);
    CHECK(!keyrack_import_report_refused_line(r, &line) && line == 77);
    CHECK(keyrack_import_report_already_present_id(r, 0) == NULL);
    CHECK(keyrack_import_report_already_present_line(r, 0) == 0);
    keyrack_import_report_free(r);
    CHECK(count_records(b.store) == 0);

    /* Import the first record; the check of the whole text then names it. */
    CHECK_OK(keyrack_import_json_lines(b.store, jsonl, first_len, NULL));
    CHECK_OK(keyrack_import_check(b.store, jsonl, len, &r));
    CHECK(!keyrack_import_report_ok(r));
    CHECK(keyrack_import_report_records(r) == 2);
    CHECK(keyrack_import_report_refusal(r) == NULL); /* not a refusal of the text */
    CHECK(keyrack_import_report_already_present_len(r) == 1);
    CHECK(keyrack_import_report_already_present_line(r, 0) == 1);
    /* the export is in id order, so its first line is the smaller id */
    CHECK_STR(keyrack_import_report_already_present_id(r, 0), strcmp(id, id2) < 0 ? id : id2);
    CHECK(keyrack_import_report_already_present_id(r, 1) == NULL);
    keyrack_import_report_free(r);
    CHECK(count_records(b.store) == 1);
    fx_close(&b);
    fx_open(&b, NULL, NULL);

    /* Every refusal of test_import_refusals, by the same line and message. */
    n = snprintf(text, sizeof text, "%.*s\n{\"id\": \"key_x\", oops}\n", (int)first_len, jsonl);
    CHECK(n > 0 && (size_t)n < sizeof text);
    check_agrees(b.store, text, 3);
    n = snprintf(text, sizeof text, "{\"key\": \"%s\", %s", k1, jsonl + 1);
    CHECK(n > 0 && (size_t)n < sizeof text);
    check_agrees(b.store, text, 1);
    CHECK_OK(keyrack_import_check(b.store, text, strlen(text), &r));
    CHECK(strstr(keyrack_import_report_refusal(r), k1) == NULL); /* redacted */
    keyrack_import_report_free(r);
    n = snprintf(text, sizeof text, "%.*s%.*s", (int)first_len, jsonl, (int)first_len, jsonl);
    CHECK(n > 0 && (size_t)n < sizeof text);
    check_agrees(b.store, text, 2);

    /* Not UTF-8 is an argument error, as for the import; nothing written. */
    r = KR_SENTINEL;
    CHECK_RC(keyrack_import_check(b.store, bad_utf8, sizeof bad_utf8 - 1, &r),
             KEYRACK_INVALID_ARGUMENT);
    CHECK(r == KR_SENTINEL);
    CHECK(strstr(keyrack_last_error_message(), "keyrack_import_check") != NULL);
    /* Nothing (but not NULL) is a text with nothing in it. */
    CHECK_OK(keyrack_import_check(b.store, "", 0, &r));
    CHECK(keyrack_import_report_ok(r) && keyrack_import_report_records(r) == 0);
    keyrack_import_report_free(r);

    /* A prefix the store does not accept. */
    fx_close(&b);
    fx_open(&b, "sk", NULL);
    check_agrees(b.store, jsonl, 1);

    /* A store failure is an error, not a report. */
    CHECK_OK(keyrack_store_close(b.store));
    r = KR_SENTINEL;
    CHECK_RC(keyrack_import_check(b.store, jsonl, len, &r), KEYRACK_CLOSED);
    CHECK(r == KR_SENTINEL);
    keyrack_store_free(b.store);
    b.store = NULL;
    CHECK_OK(keyrack_store_open(b.tmp.path, NULL, &b.store));

done:
    keyrack_string_free(jsonl);
    keyrack_key_free(k1);
    keyrack_key_free(k2);
    fx_close(&a);
    fx_close(&b);
}

int main(int argc, char **argv) {
    kr_filter = argc > 1 ? argv[1] : NULL;
    RUN(test_export_import_round_trip);
    RUN(test_import_refusals);
    RUN(test_import_check);
    return kr_finish(argv[0]);
}
