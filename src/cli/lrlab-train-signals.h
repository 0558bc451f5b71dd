/* lrlab-train-signals: the signals that ask lrlab-train to stop, handled alike on its main
 * loop: Ctrl-C (SIGINT), kill's default (SIGTERM) and a closed terminal or ssh session
 * (SIGHUP). Each ends the run "stopped" after the current batch, its status.ini saying
 * so, where the default action would kill the program with status.ini still "running". */
#pragma once
#include <glib.h>

typedef void (*LrlabStopFunc)(int signum, gpointer user_data);

typedef struct _LrlabSignals LrlabSignals;

/* Calls func (on the thread-default main context) each time one of the signals arrives,
 * with its number, until lrlab_signals_unwatch. */
LrlabSignals *lrlab_signals_watch(LrlabStopFunc func, gpointer user_data);
void lrlab_signals_unwatch(LrlabSignals *signals);

/* "SIGTERM" for the status line; the exit status of a program stopped by signum is
 * 128 + signum (130 after Ctrl-C), as a shell reports a program the signal killed. */
const char *lrlab_signal_name(int signum);
