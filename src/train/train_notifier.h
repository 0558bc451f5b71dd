/* train_notifier: how a worker thread tells a main loop that there is news, the one way
 * LR Lab does it (Sysprof's pattern). The worker writes the latest state under a mutex and
 * asks for a notification; at most one G_PRIORITY_LOW idle source is ever pending, so a
 * fast producer (a progress callback per image, from several threads) never floods the
 * main loop; the consumer reads the latest state when its callback runs. A state it
 * never saw was overwritten by a newer one, which is all a progress display wants.
 *
 *   producer (any thread)                   consumer (the context's thread)
 *   Progress *p = train_notifier_lock(n);   on_news(data):
 *   p->done = done;                           Progress p;
 *   train_notifier_unlock(n, TRUE);           train_notifier_read(n, &p);  show p
 *
 * A state of 0 bytes is allowed: an owner that keeps its state under its own lock just
 * calls train_notifier_notify(). */
#pragma once
#include <glib.h>

typedef struct _TrainNotifier TrainNotifier;

/* Runs on the notifier's context. */
typedef void (*TrainNotifierFunc)(gpointer user_data);

/* A notifier with a zeroed state of state_size bytes whose callbacks run on context
 * (NULL: the thread-default context of the caller, else the global default). */
TrainNotifier *train_notifier_new(GMainContext *context, gsize state_size);
TrainNotifier *train_notifier_ref(TrainNotifier *notifier);
/* Any thread may drop the last reference (a pending idle holds one). */
void train_notifier_unref(TrainNotifier *notifier);

/* An owner the consumer's callback reaches through its user_data (TrainRun: the run).
 * While an idle is pending it holds a reference on the owner too, so the callback never
 * runs on an owner whose last other reference went away meanwhile. Set it once, before
 * the first news; ref returns its argument (train_run_ref). */
void train_notifier_set_owner(TrainNotifier *notifier, gpointer owner,
                              gpointer (*ref)(gpointer), GDestroyNotify unref);

/* An owner's typed callback (TrainRunNotify, TrainSweepNotify): it gets the owner back. */
typedef void (*TrainNotifierOwnerFunc)(gpointer owner, gpointer user_data);

/* What an owner's set_notify (train_run_set_notify, train_sweep_set_notify) builds: a
 * notifier on ctx with the owner set, whose callback is notify(owner, user_data) and which
 * runs destroy(user_data) when it goes. With notify NULL: no notifier (NULL), and
 * destroy(user_data) runs now. */
TrainNotifier *train_notifier_new_for_owner(GMainContext *ctx, gpointer owner,
                                            gpointer (*ref)(gpointer), GDestroyNotify unref,
                                            TrainNotifierOwnerFunc notify, gpointer user_data,
                                            GDestroyNotify destroy);

/* Puts fresh (or NULL) in *slot under mutex, the owner's lock, and drops the notifier it
 * replaces: an idle the old consumer still has pending then calls nothing. */
void train_notifier_replace(TrainNotifier **slot, GMutex *mutex, TrainNotifier *fresh);

/* Sets (or with func NULL, clears) the consumer. Call it from the context's thread: an
 * idle already pending then calls the new func, or nothing, never the old one. The old
 * destroy runs here; the last one where the last reference goes, possibly a worker
 * thread, so clear the func before dropping a consumer that must die on its thread. */
void train_notifier_set_func(TrainNotifier *notifier, TrainNotifierFunc func,
                             gpointer user_data, GDestroyNotify destroy);

/* Any thread: the state, with the notifier's mutex held until train_notifier_unlock.
 * news TRUE schedules the consumer's callback unless one is already pending. */
gpointer train_notifier_lock(TrainNotifier *notifier);
void train_notifier_unlock(TrainNotifier *notifier, gboolean news);

/* Any thread: lock, copy state_size bytes of state in, unlock with news. */
void train_notifier_publish(TrainNotifier *notifier, gconstpointer state);
/* Any thread: news without touching the state (for owners that keep their own). */
void train_notifier_notify(TrainNotifier *notifier);
/* Any thread, usually the consumer: a copy of the latest state (state_size bytes). */
void train_notifier_read(TrainNotifier *notifier, gpointer state);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TrainNotifier, train_notifier_unref)
