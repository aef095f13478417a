/* Replays the shared vectors (tests/vectors/format.json and verify.json,
 * turned into vectors_data.c by gen_vectors.py) through the C API. */
#include "harness.h"
#include "vectors.h"

#define MAX_HANDLES 64

typedef struct {
    const char *name;
    char *key; /* from keyrack_issued_take_key */
    char id[32];
} handle;

static handle handles[MAX_HANDLES];
static size_t n_handles;
static const char *scenario, *where;
static size_t step_no;

#define VCHECK(cond)                                                                   \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "%s step %u (%s): CHECK failed: %s (last error: %s)\n",     \
                    scenario, (unsigned)step_no, where, #cond, keyrack_last_error_message()); \
            kr_case_failed = 1;                                                        \
        }                                                                              \
    } while (0)

static handle *find(const char *name) {
    size_t i;
    for (i = 0; i < n_handles; i++)
        if (strcmp(handles[i].name, name) == 0) return &handles[i];
    return NULL;
}

static handle *remember(const char *name, keyrack_issued *is) {
    handle *h = find(name);
    if (!h) {
        if (n_handles == MAX_HANDLES) return NULL;
        h = &handles[n_handles++];
        h->name = name;
    } else {
        keyrack_key_free(h->key);
    }
    h->key = NULL;
    snprintf(h->id, sizeof h->id, "%s", keyrack_issued_id(is));
    if (keyrack_issued_take_key(is, &h->key, NULL) != KEYRACK_OK) return NULL;
    return h;
}

/* The code of an error kind name such as "NOT_FOUND". */
static uint32_t error_code(const char *kind) {
    uint32_t c;
    for (c = 1; c <= 10; c++)
        if (strcmp(keyrack_result_name(c) + strlen("KEYRACK_"), kind) == 0) return c;
    return 9999;
}

static uint32_t outcome_code(const char *name) {
    uint32_t c;
    for (c = 1; c <= 10; c++)
        if (strcmp(keyrack_outcome_name(c), name) == 0) return c;
    return 0;
}

/* Checks a verb's result against the step's expect_error (or KEYRACK_OK). */
static int result_as_expected(const kr_step *s, keyrack_result rc) {
    if (s->expect_error) {
        VCHECK(rc == error_code(s->expect_error));
        return 0;
    }
    VCHECK(rc == KEYRACK_OK);
    return rc == KEYRACK_OK;
}

static void step_issue(const kr_step *s, keyrack_store *st) {
    keyrack_issue_options *o = NULL;
    keyrack_issued *is = NULL;
    size_t i;
    VCHECK(keyrack_issue_options_new(s->name ? s->name : "vector", &o) == KEYRACK_OK);
    if (s->owner) VCHECK(keyrack_issue_options_set_owner(o, s->owner) == KEYRACK_OK);
    for (i = 0; i < s->n_scopes; i++) VCHECK(keyrack_issue_options_add_scope(o, s->scopes[i]) == KEYRACK_OK);
    for (i = 0; i < s->n_meta; i++) VCHECK(keyrack_issue_options_add_meta(o, s->meta[i].key, s->meta[i].value) == KEYRACK_OK);
    if (s->prefix) VCHECK(keyrack_issue_options_set_prefix(o, s->prefix) == KEYRACK_OK);
    if (s->has_expires_in) VCHECK(keyrack_issue_options_set_expires_in_ms(o, s->expires_in_ms) == KEYRACK_OK);
    if (s->has_remaining) VCHECK(keyrack_issue_options_set_remaining(o, s->remaining) == KEYRACK_OK);
    if (s->has_refill) VCHECK(keyrack_issue_options_set_refill(o, s->refill_amount, s->refill_every_ms) == KEYRACK_OK);
    if (s->has_rate_limit) VCHECK(keyrack_issue_options_set_rate_limit(o, s->rate_limit, s->rate_window_ms) == KEYRACK_OK);
    if (s->shared_credits) VCHECK(keyrack_issue_options_set_shared_credits(o, true) == KEYRACK_OK);
    if (result_as_expected(s, keyrack_issue(st, o, &is))) VCHECK(remember(s->as, is) != NULL);
    keyrack_issued_free(is);
    keyrack_issue_options_free(o);
}

static void step_verify(const kr_step *s, keyrack_store *st) {
    keyrack_verify_options *vo = NULL;
    keyrack_verification *v = NULL;
    const char *text = s->literal;
    size_t len = s->literal_len, i;
    uint64_t rem;
    int64_t ms;
    if (s->key) {
        handle *h = find(s->key);
        VCHECK(h != NULL);
        if (!h) return;
        text = h->key;
        len = strlen(text);
    }
    if (s->has_scopes || s->has_cost) {
        VCHECK(keyrack_verify_options_new(&vo) == KEYRACK_OK);
        for (i = 0; i < s->n_scopes; i++) VCHECK(keyrack_verify_options_add_scope(vo, s->scopes[i]) == KEYRACK_OK);
        if (s->has_cost) VCHECK(keyrack_verify_options_set_cost(vo, s->cost) == KEYRACK_OK);
        VCHECK(keyrack_verify_with(st, text, len, vo, &v) == KEYRACK_OK);
    } else {
        VCHECK(keyrack_verify(st, text, len, &v) == KEYRACK_OK);
    }
    if (!v) return;
    VCHECK(strcmp(keyrack_outcome_name(keyrack_verification_outcome(v)), s->expect) == 0);
    if (strcmp(keyrack_outcome_name(keyrack_verification_outcome(v)), s->expect) != 0)
        fprintf(stderr, "  got %s, wanted %s\n", keyrack_outcome_name(keyrack_verification_outcome(v)), s->expect);
    if (s->has_expect_remaining) VCHECK(keyrack_verification_remaining(v, &rem) && rem == s->expect_remaining);
    if (s->has_expect_retry_after) VCHECK(keyrack_verification_retry_after_ms(v, &ms) && ms == s->expect_retry_after_ms);
    keyrack_verification_free(v);
    keyrack_verify_options_free(vo);
}

static void step_update(const kr_step *s, keyrack_store *st, keyrack_clock *clock) {
    keyrack_update_options *u = NULL;
    handle *h = find(s->key);
    size_t i;
    VCHECK(h != NULL && keyrack_update_options_new(&u) == KEYRACK_OK);
    if (!h) return;
    if (s->name) VCHECK(keyrack_update_options_set_name(u, s->name) == KEYRACK_OK);
    if (s->has_scopes) {
        VCHECK(keyrack_update_options_clear_scopes(u) == KEYRACK_OK);
        for (i = 0; i < s->n_scopes; i++) VCHECK(keyrack_update_options_add_scope(u, s->scopes[i]) == KEYRACK_OK);
    }
    if (s->has_expires_in)
        VCHECK(keyrack_update_options_set_expires_at_ms(u, keyrack_clock_now_ms(clock) + s->expires_in_ms) == KEYRACK_OK);
    if (s->clear_expiry) VCHECK(keyrack_update_options_clear_expiry(u) == KEYRACK_OK);
    if (s->has_remaining) VCHECK(keyrack_update_options_set_remaining(u, s->remaining) == KEYRACK_OK);
    if (s->has_refill) VCHECK(keyrack_update_options_set_refill(u, s->refill_amount, s->refill_every_ms) == KEYRACK_OK);
    if (s->has_rate_limit) VCHECK(keyrack_update_options_set_rate_limit(u, s->rate_limit, s->rate_window_ms) == KEYRACK_OK);
    result_as_expected(s, keyrack_update(st, h->id, u, NULL));
    keyrack_update_options_free(u);
}

static void step_get(const kr_step *s, keyrack_store *st) {
    keyrack_record *r = NULL;
    handle *h = find(s->key);
    uint64_t rem;
    int64_t ms;
    size_t i;
    VCHECK(h != NULL);
    if (!h || !result_as_expected(s, keyrack_get(st, h->id, &r))) return;
    if (s->has_expect_uses) VCHECK(keyrack_record_uses(r) == s->expect_uses);
    if (s->has_expect_remaining) VCHECK(keyrack_record_remaining(r, &rem) && rem == s->expect_remaining);
    if (s->expect_enabled >= 0) VCHECK(keyrack_record_enabled(r) == (s->expect_enabled == 1));
    if (s->expect_revoked >= 0) VCHECK(keyrack_record_revoked_at(r, &ms) == (s->expect_revoked == 1));
    for (i = 0; i < s->n_expect_denied; i++) {
        uint32_t code = outcome_code(s->expect_denied[i].name);
        VCHECK(code != 0);
        VCHECK(keyrack_record_denied(r, code) == s->expect_denied[i].count);
    }
    keyrack_record_free(r);
}

static void run_scenario(const kr_scenario *sc) {
    kr_tmp t;
    keyrack_clock *clock = NULL;
    keyrack_options *o = NULL;
    keyrack_store *st = NULL;
    size_t i;
    scenario = sc->name;
    n_handles = 0;
    kr_tmp_make(&t);
    CHECK_OK(keyrack_clock_new_manual(kr_verify_start_ms, &clock));
    CHECK_OK(keyrack_options_new(&o));
    CHECK_OK(keyrack_options_set_clock(o, clock));
    if (sc->open_prefix) CHECK_OK(keyrack_options_set_prefix(o, sc->open_prefix));
    for (i = 0; i < sc->n_open_prefixes; i++) CHECK_OK(keyrack_options_add_prefix(o, sc->open_prefixes[i]));
    CHECK_OK(keyrack_store_open(t.path, o, &st));
    keyrack_options_free(o);
    for (step_no = 0; st && step_no < sc->n_steps; step_no++) {
        const kr_step *s = &sc->steps[step_no];
        handle *h = s->key ? find(s->key) : NULL;
        where = s->op;
        if (!strcmp(s->op, "issue")) step_issue(s, st);
        else if (!strcmp(s->op, "verify")) step_verify(s, st);
        else if (!strcmp(s->op, "revoke")) result_as_expected(s, h ? keyrack_revoke(st, h->id, NULL) : KEYRACK_PANIC);
        else if (!strcmp(s->op, "enable")) result_as_expected(s, h ? keyrack_enable(st, h->id, NULL) : KEYRACK_PANIC);
        else if (!strcmp(s->op, "disable")) result_as_expected(s, h ? keyrack_disable(st, h->id, NULL) : KEYRACK_PANIC);
        else if (!strcmp(s->op, "rotate")) {
            keyrack_issued *is = NULL;
            if (h && result_as_expected(s, keyrack_rotate(st, h->id, s->grace_ms, &is))) VCHECK(remember(s->as, is) != NULL);
            keyrack_issued_free(is);
        } else if (!strcmp(s->op, "update")) step_update(s, st, clock);
        else if (!strcmp(s->op, "set_pool"))
            result_as_expected(s, keyrack_pool_set(st, s->owner, s->remaining, s->has_refill ? s->refill_amount : 0,
                                                   s->has_refill ? s->refill_every_ms : 0));
        else if (!strcmp(s->op, "advance")) VCHECK(keyrack_clock_advance(clock, s->ms) == KEYRACK_OK);
        else if (!strcmp(s->op, "purge")) {
            uint64_t n = 0;
            if (result_as_expected(s, keyrack_purge(st, s->older_than_ms, &n)) && s->has_expect_purged)
                VCHECK(n == s->expect_purged);
        } else if (!strcmp(s->op, "get")) step_get(s, st);
        else if (!strcmp(s->op, "get_unknown")) {
            keyrack_record *r = NULL;
            VCHECK(keyrack_get(st, s->id, &r) == error_code(s->expect_error) && r == NULL);
        } else {
            VCHECK(!"unknown op");
        }
    }
    CHECK_OK(keyrack_store_close(st));
    keyrack_store_free(st);
    keyrack_clock_free(clock);
    for (i = 0; i < n_handles; i++) keyrack_key_free(handles[i].key);
    kr_tmp_clean(&t);
}

static void test_verify_scenarios(void) {
    size_t i, steps = 0;
    char outcomes_seen[11] = {0};
    for (i = 0; i < kr_scenarios_len; i++) {
        size_t j;
        run_scenario(&kr_scenarios[i]);
        steps += kr_scenarios[i].n_steps;
        for (j = 0; j < kr_scenarios[i].n_steps; j++)
            if (kr_scenarios[i].steps[j].expect) outcomes_seen[outcome_code(kr_scenarios[i].steps[j].expect)] = 1;
    }
    CHECK(kr_scenarios_len > 0 && steps > kr_scenarios_len);
    for (i = 1; i <= 9; i++) CHECK(outcomes_seen[i]); /* every verify outcome is exercised */
}

static int hexval(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

static void test_format_vectors(void) {
    size_t i, j, plen;
    keyrack_format_error fe;
    CHECK_STR(keyrack_format_regex(), kr_format_regex);
    CHECK(kr_format_valid_len > 0 && kr_format_invalid_len > 0);
    for (i = 0; i < kr_format_valid_len; i++) {
        const kr_valid_vector *v = &kr_format_valid[i];
        uint8_t body[32];
        char *key = NULL;
        size_t pl = strlen(v->prefix);
        for (j = 0; j < 32; j++) body[j] = (uint8_t)(hexval(v->body_hex[2 * j]) * 16 + hexval(v->body_hex[2 * j + 1]));
        CHECK_OK(keyrack_format_compose(v->prefix, body, 32, &key));
        CHECK_STR(key, v->key);
        keyrack_key_free(key);
        CHECK_OK(keyrack_format_parse(v->key, strlen(v->key), &fe, &plen));
        CHECK(fe == KEYRACK_FORMAT_OK && plen == pl);
        CHECK(strncmp(v->key + pl + 1, v->body, 43) == 0);
        CHECK_STR(v->key + pl + 1 + 43, v->check);
        /* the hint a record would show: prefix, "_", 4 body chars, "…" */
        CHECK(strncmp(v->hint, v->key, pl + 5) == 0 && strcmp(v->hint + pl + 5, "\xe2\x80\xa6") == 0);
    }
    for (i = 0; i < kr_format_invalid_len; i++) {
        const kr_invalid_vector *v = &kr_format_invalid[i];
        fe = KEYRACK_FORMAT_OK;
        CHECK_OK(keyrack_format_parse(v->key, v->key_len, &fe, &plen));
        CHECK_STR(keyrack_format_error_name(fe), v->reason);
        if (strcmp(keyrack_format_error_name(fe), v->reason) != 0)
            fprintf(stderr, "  invalid vector %u: got %s\n", (unsigned)i, keyrack_format_error_name(fe));
    }
    for (i = 0; i < kr_prefixes_valid_len; i++) {
        CHECK_OK(keyrack_format_check_prefix(kr_prefixes_valid[i], &fe));
        CHECK(fe == KEYRACK_FORMAT_OK);
    }
    for (i = 0; i < kr_prefixes_invalid_len; i++) {
        CHECK_OK(keyrack_format_check_prefix(kr_prefixes_invalid[i], &fe));
        CHECK(fe == KEYRACK_FORMAT_BAD_PREFIX);
    }
}

int main(int argc, char **argv) {
    kr_filter = argc > 1 ? argv[1] : NULL;
    RUN(test_format_vectors);
    RUN(test_verify_scenarios);
    return kr_finish(argv[0]);
}
