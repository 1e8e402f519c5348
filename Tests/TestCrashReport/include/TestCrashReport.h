#ifndef TEST_CRASH_REPORT_H
#define TEST_CRASH_REPORT_H

/// Installs, once, handlers that print the crashing thread's stack to standard error when the test process gets
/// SIGABRT, SIGSEGV, SIGBUS, SIGILL, SIGFPE or SIGTRAP, then let the signal end the process as it would have. The test
/// bundle does this before `main` (a constructor in this target), so a crash in CI, where only the end of the
/// output is kept, still says where it happened; `scripts/test-summary.sh` names the test that was running.
void test_crash_report_install(void);

#endif
