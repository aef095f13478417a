/* The fixture the room tests share: a store on a fresh file with a manual
 * clock, and the two calls nearly every test makes (issue, verify). */
#ifndef KR_FIXTURE_H
#define KR_FIXTURE_H

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

static inline void fx_open(fixture *f, const char *prefix, const char *extra_prefix) {
    keyrack_options *o = NULL;
    kr_tmp_make(&f->tmp);
    f->clock = NULL;
    f->store = NULL;
    CHECK_OK(keyrack_clock_new_manual(T0, &f->clock));
    CHECK_OK(keyrack_options_new(&o));
    CHECK_OK(keyrack_options_set_clock(o, f->clock));
    if (prefix) CHECK_OK(keyrack_options_set_prefix(o, prefix));
    if (extra_prefix) CHECK_OK(keyrack_options_add_prefix(o, extra_prefix));
    CHECK_OK(keyrack_store_open(f->tmp.path, o, &f->store));
    keyrack_options_free(o);
}

static inline void fx_close(fixture *f) {
    CHECK_OK(keyrack_store_close(f->store));
    keyrack_store_free(f->store);
    keyrack_clock_free(f->clock);
    kr_tmp_clean(&f->tmp);
}

/* Issues a key named `name` with `remaining` credits (0: unmetered),
 * spending `owner`'s pool when `owner` is not NULL, rate-limited to `limit`
 * per minute when not 0; returns its secret (free with keyrack_key_free) and
 * copies its id to `id` (27 bytes). */
static inline char *issue_with(keyrack_store *s, const char *name, uint64_t remaining, const char *owner,
                               uint64_t limit, char id[32]) {
    keyrack_issue_options *o = NULL;
    keyrack_issued *is = NULL;
    char *key = NULL;
    CHECK_OK(keyrack_issue_options_new(name, &o));
    if (remaining) CHECK_OK(keyrack_issue_options_set_remaining(o, remaining));
    if (owner) {
        CHECK_OK(keyrack_issue_options_set_owner(o, owner));
        CHECK_OK(keyrack_issue_options_set_shared_credits(o, true));
    }
    if (limit) CHECK_OK(keyrack_issue_options_set_rate_limit(o, limit, 60000));
    CHECK_OK(keyrack_issue(s, o, &is));
    if (is) {
        snprintf(id, 32, "%s", keyrack_issued_id(is));
        CHECK_OK(keyrack_issued_take_key(is, &key, NULL));
    }
    keyrack_issued_free(is);
    keyrack_issue_options_free(o);
    return key;
}

/* Issues a plain key named `name` (see issue_with). */
static inline char *issue_simple(keyrack_store *s, const char *name, char id[32]) {
    return issue_with(s, name, 0, NULL, 0, id);
}

/* Verifies `key` (with options when not NULL) and returns the outcome. */
static inline keyrack_outcome verify_outcome(keyrack_store *s, const char *key, const keyrack_verify_options *vo) {
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

/* How many records `store` lists (up to 100). */
static inline size_t count_records(keyrack_store *store) {
    keyrack_page *page = NULL;
    size_t n = 0;
    CHECK_OK(keyrack_list(store, NULL, &page));
    n = keyrack_page_len(page);
    keyrack_page_free(page);
    return n;
}

/* How many audit events of `kind` the store holds (up to 100); the last
 * one's id and detail are copied to `id` and `detail` (64 bytes each) when
 * those are not NULL. */
static inline size_t count_audit(keyrack_store *store, uint32_t kind, char *id, char *detail) {
    keyrack_audit_options *ao = NULL;
    keyrack_audit_page *page = NULL;
    size_t n = 0;
    CHECK_OK(keyrack_audit_options_new(&ao));
    CHECK_OK(keyrack_audit_options_set_kind(ao, kind));
    CHECK_OK(keyrack_audit(store, ao, &page));
    n = keyrack_audit_page_len(page);
    if (n > 0) {
        const keyrack_audit_event *e = keyrack_audit_page_get(page, n - 1);
        CHECK(keyrack_audit_event_kind(e) == (keyrack_audit_kind)kind);
        if (id) snprintf(id, 64, "%s", keyrack_audit_event_id(e));
        if (detail) snprintf(detail, 64, "%s", keyrack_audit_event_detail(e));
    }
    keyrack_audit_page_free(page);
    keyrack_audit_options_free(ao);
    return n;
}

static inline size_t count_lines(const char *text) {
    size_t n = 0;
    for (; *text; text++) n += *text == '\n';
    return n;
}

#endif
