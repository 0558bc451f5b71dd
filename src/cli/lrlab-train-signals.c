/* lrlab-train-signals: INT, TERM and HUP as main-loop sources (see the header). */
#include "lrlab-train-signals.h"

#include <glib-unix.h>
#include <signal.h>

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define N_STOP_SIGNALS G_N_ELEMENTS(stop_signals)

typedef struct {
    LrlabSignals *owner;
    int signum;
} Watch;

struct _LrlabSignals {
    LrlabStopFunc func;
    gpointer user_data;
    Watch watches[N_STOP_SIGNALS];
    guint sources[N_STOP_SIGNALS];
};

static gboolean
on_signal(gpointer data)
{
    Watch *watch = data;
    watch->owner->func(watch->signum, watch->owner->user_data);
    return G_SOURCE_CONTINUE;
}

LrlabSignals *
lrlab_signals_watch(LrlabStopFunc func, gpointer user_data)
{
    g_return_val_if_fail(func != NULL, NULL);

    LrlabSignals *s = g_new0(LrlabSignals, 1);
    s->func = func;
    s->user_data = user_data;
    for (guint i = 0; i < N_STOP_SIGNALS; i++) {
        s->watches[i] = (Watch) { s, stop_signals[i] };
        s->sources[i] = g_unix_signal_add(stop_signals[i], on_signal, &s->watches[i]);
    }
    return s;
}

void
lrlab_signals_unwatch(LrlabSignals *s)
{
    if (s == NULL)
        return;
    for (guint i = 0; i < N_STOP_SIGNALS; i++)
        g_source_remove(s->sources[i]);
    g_free(s);
}

const char *
lrlab_signal_name(int signum)
{
    switch (signum) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    case SIGPIPE: return "SIGPIPE";
    default: return "a signal";
    }
}
