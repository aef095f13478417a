/* Reading: issue_many then list with every filter and paging; audit. */
#include "fixture.h"

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

/* keyrack_keys: every record of the filter across pages, then a clear end. */
static void test_keys_cursor(void) {
    fixture f;
    keyrack_list_options *lo = NULL;
    keyrack_keys *keys = NULL;
    const keyrack_record *r = KR_SENTINEL;
    char ids[7][32], *secrets[7], name[16], last[32] = "";
    size_t i, n;
    fx_open(&f, NULL, NULL);
    for (i = 0; i < 7; i++) {
        snprintf(name, sizeof name, "k%zu", i);
        secrets[i] = issue_simple(f.store, name, ids[i]);
    }
    CHECK_OK(keyrack_revoke(f.store, ids[3], NULL));

    /* No options: every record, in id order, in one loop. */
    CHECK_OK(keyrack_keys_open(f.store, NULL, &keys));
    for (n = 0; n < 100; n++) {
        CHECK_OK(keyrack_keys_next(keys, &r));
        if (r == NULL) break;
        CHECK(strcmp(keyrack_record_id(r), last) > 0);
        snprintf(last, sizeof last, "%s", keyrack_record_id(r));
    }
    CHECK(n == 7);
    /* The end stays the end. */
    r = KR_SENTINEL;
    CHECK_OK(keyrack_keys_next(keys, &r));
    CHECK(r == NULL);
    keyrack_keys_free(keys);

    /* A filter and a page size of 2: pages are read as the loop needs them;
     * the options may be freed once the cursor is open. */
    CHECK_OK(keyrack_list_options_new(&lo));
    CHECK_OK(keyrack_list_options_set_status(lo, KEYRACK_STATUS_ACTIVE));
    CHECK_OK(keyrack_list_options_set_limit(lo, 2));
    CHECK_OK(keyrack_keys_open(f.store, lo, &keys));
    keyrack_list_options_free(lo);
    for (n = 0; keyrack_keys_next(keys, &r) == KEYRACK_OK && r; n++) {
        int64_t ms = -1;
        CHECK(strcmp(keyrack_record_id(r), ids[3]) != 0);
        CHECK(!keyrack_record_revoked_at(r, &ms) && ms == -1);
    }
    CHECK(n == 6);
    keyrack_keys_free(keys);

    /* A refused option is the cursor's first answer, then it ends. */
    CHECK_OK(keyrack_list_options_new(&lo));
    CHECK_OK(keyrack_list_options_set_limit(lo, 0));
    CHECK_OK(keyrack_keys_open(f.store, lo, &keys));
    keyrack_list_options_free(lo);
    r = KR_SENTINEL;
    CHECK_RC(keyrack_keys_next(keys, &r), KEYRACK_INVALID_ARGUMENT);
    CHECK(r == KR_SENTINEL); /* nothing written on failure */
    CHECK(strstr(keyrack_last_error_message(), "keyrack_keys_next") != NULL);
    CHECK_OK(keyrack_keys_next(keys, &r));
    CHECK(r == NULL);
    keyrack_keys_free(keys);

    /* A store closed under an open cursor: KEYRACK_CLOSED, once. */
    CHECK_OK(keyrack_keys_open(f.store, NULL, &keys));
    CHECK_OK(keyrack_store_close(f.store));
    r = KR_SENTINEL;
    CHECK_RC(keyrack_keys_next(keys, &r), KEYRACK_CLOSED);
    CHECK(r == KR_SENTINEL);
    CHECK_OK(keyrack_keys_next(keys, &r));
    CHECK(r == NULL);
    keyrack_keys_free(keys);
    keyrack_keys_free(NULL);

    for (i = 0; i < 7; i++) keyrack_key_free(secrets[i]);
    fx_close(&f);
}

/* keyrack_audit_events: every event, oldest first, across pages. */
static void test_audit_cursor(void) {
    fixture f;
    keyrack_audit_options *ao = NULL;
    keyrack_audit_events *events = NULL;
    const keyrack_audit_event *e = KR_SENTINEL;
    char id[32], id2[32], *k1, *k2;
    int64_t last_at = 0;
    uint64_t last_seq = 0;
    size_t n, issued = 0;
    fx_open(&f, NULL, NULL);
    k1 = issue_simple(f.store, "one", id);
    CHECK_OK(keyrack_clock_advance(f.clock, 10));
    k2 = issue_simple(f.store, "two", id2);
    CHECK_OK(keyrack_disable(f.store, id, NULL));
    CHECK_OK(keyrack_enable(f.store, id, NULL));
    CHECK_OK(keyrack_revoke(f.store, id2, NULL));

    CHECK_OK(keyrack_audit_options_new(&ao));
    CHECK_OK(keyrack_audit_options_set_limit(ao, 2));
    CHECK_OK(keyrack_audit_events_open(f.store, ao, &events));
    for (n = 0; keyrack_audit_events_next(events, &e) == KEYRACK_OK && e; n++) {
        int64_t at = keyrack_audit_event_at_ms(e);
        CHECK(at > last_at || (at == last_at && keyrack_audit_event_seq(e) > last_seq) || n == 0);
        last_at = at;
        last_seq = keyrack_audit_event_seq(e);
        if (keyrack_audit_event_kind(e) == KEYRACK_AUDIT_ISSUED) issued++;
        if (n == 0) CHECK_STR(keyrack_audit_event_id(e), id);
        if (n == 4) {
            CHECK(keyrack_audit_event_kind(e) == KEYRACK_AUDIT_REVOKED);
            CHECK_STR(keyrack_audit_event_id(e), id2);
        }
    }
    CHECK(n == 5 && issued == 2);
    CHECK_OK(keyrack_audit_events_next(events, &e));
    CHECK(e == NULL);
    keyrack_audit_events_free(events);

    /* Filtered by kind and key; no options at all is every event. */
    CHECK_OK(keyrack_audit_options_set_id(ao, id));
    CHECK_OK(keyrack_audit_options_set_kind(ao, KEYRACK_AUDIT_DISABLED));
    CHECK_OK(keyrack_audit_events_open(f.store, ao, &events));
    keyrack_audit_options_free(ao);
    CHECK_OK(keyrack_audit_events_next(events, &e));
    CHECK(e != NULL && keyrack_audit_event_kind(e) == KEYRACK_AUDIT_DISABLED);
    CHECK_OK(keyrack_audit_events_next(events, &e));
    CHECK(e == NULL);
    keyrack_audit_events_free(events);
    CHECK_OK(keyrack_audit_events_open(f.store, NULL, &events));
    for (n = 0; keyrack_audit_events_next(events, &e) == KEYRACK_OK && e; n++) {
    }
    CHECK(n == 5);
    keyrack_audit_events_free(events);

    /* Closed under the cursor. */
    CHECK_OK(keyrack_audit_events_open(f.store, NULL, &events));
    CHECK_OK(keyrack_store_close(f.store));
    e = KR_SENTINEL;
    CHECK_RC(keyrack_audit_events_next(events, &e), KEYRACK_CLOSED);
    CHECK(e == KR_SENTINEL);
    keyrack_audit_events_free(events);
    keyrack_audit_events_free(NULL);

    keyrack_key_free(k1);
    keyrack_key_free(k2);
    fx_close(&f);
}

int main(int argc, char **argv) {
    kr_filter = argc > 1 ? argv[1] : NULL;
    RUN(test_issue_many_list_and_paging);
    RUN(test_audit);
    RUN(test_keys_cursor);
    RUN(test_audit_cursor);
    return kr_finish(argv[0]);
}
