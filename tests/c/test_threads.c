/* Threads: verifiers race a revoke; after keyrack_revoke returns, no verify
 * that starts later may answer valid. No timing: threads hand off through a
 * mutex and condition variable. Also: the last error is per thread. */
#include "harness.h"

#include <pthread.h>

#define VERIFIERS 4
#define BEFORE 50 /* valid verifies each verifier makes before the revoke */
#define AFTER 50  /* verifies each makes once it saw the revoke done */

static keyrack_store *store;
static char *key;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int ready;        /* verifiers that made BEFORE valid verifies */
static int revoked_done; /* set once keyrack_revoke returned */
static int bad_after[VERIFIERS], valid_before[VERIFIERS], errors[VERIFIERS];

static keyrack_outcome verify_once(void) {
    keyrack_verification *v = NULL;
    keyrack_outcome o;
    if (keyrack_verify(store, key, strlen(key), &v) != KEYRACK_OK) return 0;
    o = keyrack_verification_outcome(v);
    keyrack_verification_free(v);
    return o;
}

static void *verifier(void *arg) {
    int me = (int)(intptr_t)arg, i, done = 0, counted = 0;
    for (i = 0; i < BEFORE; i++) {
        keyrack_outcome o = verify_once();
        if (o == KEYRACK_OUTCOME_VALID) valid_before[me]++;
        else if (o == 0) errors[me]++;
    }
    pthread_mutex_lock(&mu);
    ready++;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    /* Verify until the revoke is known done, then AFTER more. */
    while (counted < AFTER) {
        keyrack_outcome o;
        if (!done) {
            pthread_mutex_lock(&mu);
            done = revoked_done;
            pthread_mutex_unlock(&mu);
        }
        o = verify_once();
        if (o == 0) errors[me]++;
        if (done) {
            if (o != KEYRACK_OUTCOME_REVOKED) bad_after[me]++;
            counted++;
        }
    }
    return NULL;
}

static void test_verify_while_revoking(void) {
    kr_tmp t;
    keyrack_issue_options *o = NULL;
    keyrack_issued *is = NULL;
    pthread_t th[VERIFIERS];
    char id[32];
    int i;
    kr_tmp_make(&t);
    CHECK_OK(keyrack_store_open(t.path, NULL, &store));
    CHECK_OK(keyrack_issue_options_new("shared", &o));
    CHECK_OK(keyrack_issue(store, o, &is));
    snprintf(id, sizeof id, "%s", keyrack_issued_id(is));
    CHECK_OK(keyrack_issued_take_key(is, &key, NULL));
    keyrack_issued_free(is);
    keyrack_issue_options_free(o);
    for (i = 0; i < VERIFIERS; i++) CHECK(pthread_create(&th[i], NULL, verifier, (void *)(intptr_t)i) == 0);
    pthread_mutex_lock(&mu);
    while (ready < VERIFIERS) pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    CHECK_OK(keyrack_revoke(store, id, NULL)); /* verifiers still running */
    pthread_mutex_lock(&mu);
    revoked_done = 1;
    pthread_mutex_unlock(&mu);
    for (i = 0; i < VERIFIERS; i++) CHECK(pthread_join(th[i], NULL) == 0);
    for (i = 0; i < VERIFIERS; i++) {
        CHECK(valid_before[i] == BEFORE);
        CHECK(bad_after[i] == 0);
        CHECK(errors[i] == 0);
    }
    CHECK_OK(keyrack_store_close(store));
    keyrack_store_free(store);
    keyrack_key_free(key);
    kr_tmp_clean(&t);
}

/* Issues from several threads at once: every key distinct and valid. */
#define ISSUERS 4
#define PER 10
static char *issued_keys[ISSUERS][PER];
static int issue_errors[ISSUERS];

static void *issuer(void *arg) {
    int me = (int)(intptr_t)arg, i;
    for (i = 0; i < PER; i++) {
        keyrack_issue_options *o = NULL;
        keyrack_issued *is = NULL;
        issued_keys[me][i] = NULL;
        if (keyrack_issue_options_new("par", &o) != KEYRACK_OK || keyrack_issue(store, o, &is) != KEYRACK_OK ||
            keyrack_issued_take_key(is, &issued_keys[me][i], NULL) != KEYRACK_OK)
            issue_errors[me]++;
        keyrack_issued_free(is);
        keyrack_issue_options_free(o);
    }
    return NULL;
}

static void test_parallel_issue(void) {
    kr_tmp t;
    pthread_t th[ISSUERS];
    int i, j, a, b;
    keyrack_page *page = NULL;
    kr_tmp_make(&t);
    CHECK_OK(keyrack_store_open(t.path, NULL, &store));
    for (i = 0; i < ISSUERS; i++) CHECK(pthread_create(&th[i], NULL, issuer, (void *)(intptr_t)i) == 0);
    for (i = 0; i < ISSUERS; i++) CHECK(pthread_join(th[i], NULL) == 0);
    for (i = 0; i < ISSUERS; i++) CHECK(issue_errors[i] == 0);
    for (i = 0; i < ISSUERS * PER; i++) {
        char *k = issued_keys[i / PER][i % PER];
        keyrack_verification *v = NULL;
        CHECK(k != NULL);
        if (!k) continue;
        CHECK_OK(keyrack_verify(store, k, strlen(k), &v));
        CHECK(keyrack_verification_outcome(v) == KEYRACK_OUTCOME_VALID);
        keyrack_verification_free(v);
        for (j = i + 1; j < ISSUERS * PER; j++) {
            a = j / PER, b = j % PER;
            if (issued_keys[a][b]) CHECK(strcmp(k, issued_keys[a][b]) != 0);
        }
    }
    CHECK_OK(keyrack_list(store, NULL, &page));
    CHECK(keyrack_page_len(page) == ISSUERS * PER);
    keyrack_page_free(page);
    for (i = 0; i < ISSUERS * PER; i++) keyrack_key_free(issued_keys[i / PER][i % PER]);
    keyrack_store_free(store);
    kr_tmp_clean(&t);
}

/* The last error belongs to the thread that failed. */
static int other_saw_empty;
static void *fail_elsewhere(void *arg) {
    (void)arg;
    other_saw_empty = strcmp(keyrack_last_error_message(), "") == 0;
    (void)keyrack_clock_advance(NULL, 1); /* fails in this thread only */
    return NULL;
}

static void test_last_error_is_per_thread(void) {
    pthread_t th;
    CHECK_RC(keyrack_store_close(NULL), KEYRACK_INVALID_ARGUMENT);
    CHECK(strstr(keyrack_last_error_message(), "keyrack_store_close") != NULL);
    CHECK(pthread_create(&th, NULL, fail_elsewhere, NULL) == 0);
    CHECK(pthread_join(th, NULL) == 0);
    CHECK(other_saw_empty);
    CHECK(strstr(keyrack_last_error_message(), "keyrack_store_close") != NULL);
    CHECK_OK(keyrack_clock_advance(NULL, 0) == KEYRACK_INVALID_ARGUMENT ? KEYRACK_OK : KEYRACK_IO);
    /* a success leaves the last error alone */
    CHECK(strcmp(keyrack_result_name(KEYRACK_OK), "KEYRACK_OK") == 0);
    CHECK(strstr(keyrack_last_error_message(), "keyrack_clock_advance") != NULL);
}

int main(int argc, char **argv) {
    kr_filter = argc > 1 ? argv[1] : NULL;
    RUN(test_verify_while_revoking);
    RUN(test_parallel_issue);
    RUN(test_last_error_is_per_thread);
    return kr_finish(argv[0]);
}
