/* A tiny test harness for the keyrack C tests: CHECK records a failure and
 * goes on; each test case is a function run by RUN; main() ends with
 * `return kr_finish(argv[0]);`, which prints a RESULT line for test.sh. */
#ifndef KR_HARNESS_H
#define KR_HARNESS_H

#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keyrack.h"

static int kr_case_failed, kr_passed, kr_failed;
/* Set from argv[1] to run only the test cases whose name contains it. */
static const char *kr_filter;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n  (last error: %s)\n", __FILE__, \
                    __LINE__, #cond, keyrack_last_error_message());                  \
            kr_case_failed = 1;                                                      \
        }                                                                            \
    } while (0)

/* Checks a call's result code, printing both names when they differ. */
#define CHECK_RC(call, want)                                                          \
    do {                                                                              \
        keyrack_result kr_rc_ = (call);                                               \
        if (kr_rc_ != (keyrack_result)(want)) {                                       \
            fprintf(stderr, "%s:%d: %s\n  returned %s, wanted %s (last error: %s)\n",   \
                    __FILE__, __LINE__, #call, keyrack_result_name(kr_rc_),           \
                    keyrack_result_name(want), keyrack_last_error_message());         \
            kr_case_failed = 1;                                                       \
        }                                                                             \
    } while (0)

#define CHECK_OK(call) CHECK_RC(call, KEYRACK_OK)
#define CHECK_STR(a, b) CHECK((a) != NULL && strcmp((a), (b)) == 0)

#define RUN(fn)                                                     \
    do {                                                            \
        if (kr_filter && !strstr(#fn, kr_filter)) break;           \
        kr_case_failed = 0;                                         \
        fn();                                                       \
        if (kr_case_failed) {                                       \
            kr_failed++;                                            \
            fprintf(stderr, "FAIL %s\n", #fn);                      \
        } else {                                                    \
            kr_passed++;                                            \
        }                                                           \
    } while (0)

static int kr_finish(const char *program) {
    printf("RESULT %s passed=%d failed=%d\n", program, kr_passed, kr_failed);
    return kr_failed == 0 ? 0 : 1;
}

/* A fresh directory for one test's store; kr_tmp_clean removes it. */
typedef struct {
    char dir[64];
    char path[96];
} kr_tmp;

static void kr_tmp_make(kr_tmp *t) {
    strcpy(t->dir, "/tmp/keyrack-c-test-XXXXXX");
    if (mkdtemp(t->dir) == NULL) {
        perror("mkdtemp");
        exit(2);
    }
    snprintf(t->path, sizeof t->path, "%s/keys.redb", t->dir);
}

static void kr_tmp_clean(kr_tmp *t) {
    unlink(t->path);
    rmdir(t->dir);
}

/* A sentinel that outputs must keep when a call fails. */
#define KR_SENTINEL ((void *)(uintptr_t)0x5e5e5e5e)

#endif
