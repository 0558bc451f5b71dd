/* train_process: process-wide set-up shared by the programs that train (the app and
 * lrlab-train), done once at the top of main(). */
#pragma once

/* OpenMP threads that wait by spinning (libgomp's default) steal the cores from the
 * threads a training program also needs: the batcher preparing the next batch and, in
 * the app, the UI. Measured on 2 cores: paper network 64x64 batch 64, training
 * 145 vs 119 img/s (passive vs active) with another process busy, 281 vs 252 idle; the
 * CLI with its batcher thread, 318 vs 152 img/s. libgomp reads OMP_WAIT_POLICY only when it is
 * loaded, before main(), so when the user has not chosen a policy this re-executes the
 * program once with OMP_WAIT_POLICY=passive. A failed exec is harmless: the program
 * goes on with the default policy. */
void train_process_init(char **argv);

/* Lowers the calling thread's scheduling priority (Linux: nice is per thread, and the
 * OpenMP threads it starts inherit it). A training worker calls it so that, when training
 * keeps every core busy, the UI thread still gets the CPU it needs to draw at display
 * rate; with nothing else to run, training keeps the cores and loses no speed.
 * Relative to the thread's nice value: a program started with `nice -n 19` stays at 19
 * (an absolute 10 would raise its priority, which root is allowed to do). */
void train_process_lower_thread_priority(void);
/* The nice value train_process_lower_thread_priority moves a thread at current to: 10
 * steps lower, at most 19, never higher than current. */
int train_process_lowered_nice(int current);

/* Lets the engine's messages (src/nn has no gettext) speak the program's language:
 * installs a translator that looks each message's format up in the text domain
 * GETTEXT_PACKAGE (po/de.po). The app calls it after binding its domain; lrlab-train
 * does not, and stays English. */
void train_process_translate_engine(void);
