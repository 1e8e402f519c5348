#include "TestCrashReport.h"

#include <execinfo.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#define MOST_FRAMES 64

static const int reported_signals[] = {SIGABRT, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP};

/// The signal's name; strsignal may allocate for its locale, which a handler must not.
static const char *signal_name(int signal_number) {
    switch (signal_number) {
    case SIGABRT: return "SIGABRT: abort, from glibc's heap checks, the Swift runtime or a C assertion";
    case SIGSEGV: return "SIGSEGV: an access outside mapped memory";
    case SIGBUS: return "SIGBUS: a bad access to mapped memory";
    case SIGILL: return "SIGILL: a Swift runtime check (fatalError, precondition, overflow, force-unwrap)";
    case SIGFPE: return "SIGFPE: integer division by zero";
    case SIGTRAP: return "SIGTRAP: a trap";
    default: return "unknown";
    }
}

static void write_text(const char *text) {
    size_t left = strlen(text);
    while (left > 0) {
        const ssize_t written = write(STDERR_FILENO, text, left);
        if (written <= 0) return;
        text += written;
        left -= (size_t)written;
    }
}

static void report(int signal_number) {
    // write is safe in a signal handler; backtrace is not on POSIX's list, but its unwinder was loaded by the
    // constructor, so it allocates nothing here, and the process is dying anyway.
    write_text("\n*** test-crash-report: the test process got ");
    write_text(signal_name(signal_number));
    write_text("\n*** test-crash-report: the crashing thread's stack, innermost first:\n");
    void *frames[MOST_FRAMES];
    const int count = backtrace(frames, MOST_FRAMES);
    backtrace_symbols_fd(frames, count, STDERR_FILENO);
    write_text("*** test-crash-report: end of stack\n");
    // The default action now ends the process with this signal, as if no handler had run.
    signal(signal_number, SIG_DFL);
    raise(signal_number);
}

void test_crash_report_install(void) {
    static int installed;
    if (installed) return;
    installed = 1;
    // The first backtrace loads the unwinder (libgcc_s), which allocates: done here, not in a handler.
    void *frames[1];
    (void)backtrace(frames, 1);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = report;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESETHAND | SA_NODEFER;
    for (size_t i = 0; i < sizeof reported_signals / sizeof reported_signals[0]; i++)
        sigaction(reported_signals[i], &action, NULL);
}

__attribute__((constructor)) static void install_at_load(void) { test_crash_report_install(); }
