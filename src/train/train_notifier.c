/* train_notifier: the latest state under a mutex and one merged low-priority idle
 * (see train_notifier.h). Dataset loading (the settings panel, lrlab-train) and every
 * TrainRun tell their main loops of news through it. */
#include "train_notifier.h"

#include <string.h>

struct _TrainNotifier {
    GMainContext *context;
    gpointer owner;               /* set once before any news, then read without the lock */
    GDestroyNotify owner_unref;
    gpointer (*owner_ref)(gpointer);

    GMutex mutex;                 /* guards everything below */
    TrainNotifierFunc func;
    gpointer user_data;
    GDestroyNotify destroy;
    gboolean pending;             /* an idle source is attached and has not run yet */
    gsize state_size;
    guint8 state[];
};

TrainNotifier *train_notifier_new(GMainContext *context, gsize state_size)
{
    if (context == NULL)
        context = g_main_context_get_thread_default();
    if (context == NULL)
        context = g_main_context_default();

    TrainNotifier *notifier = g_atomic_rc_box_alloc0(sizeof *notifier + state_size);
    notifier->context = g_main_context_ref(context);
    g_mutex_init(&notifier->mutex);
    notifier->state_size = state_size;
    return notifier;
}

TrainNotifier *train_notifier_ref(TrainNotifier *notifier)
{
    g_return_val_if_fail(notifier != NULL, NULL);
    return g_atomic_rc_box_acquire(notifier);
}

static void
notifier_clear(TrainNotifier *notifier)
{
    if (notifier->destroy)
        notifier->destroy(notifier->user_data);
    g_main_context_unref(notifier->context);
    g_mutex_clear(&notifier->mutex);
}

void train_notifier_unref(TrainNotifier *notifier)
{
    g_return_if_fail(notifier != NULL);
    g_atomic_rc_box_release_full(notifier, (GDestroyNotify) notifier_clear);
}

void train_notifier_set_owner(TrainNotifier *notifier, gpointer owner,
                              gpointer (*ref)(gpointer), GDestroyNotify unref)
{
    g_return_if_fail(notifier != NULL && ref != NULL && unref != NULL);
    notifier->owner = owner;
    notifier->owner_ref = ref;
    notifier->owner_unref = unref;
}

/* The pending idle's references go: the owner's first, then the notifier's (the owner may
 * hold the last other reference on the notifier). */
static void
idle_done(gpointer data)
{
    TrainNotifier *notifier = data;

    if (notifier->owner)
        notifier->owner_unref(notifier->owner);
    train_notifier_unref(notifier);
}

static gboolean
dispatch(gpointer data)
{
    TrainNotifier *notifier = data;

    /* Cleared before calling out, so news that arrives while the consumer reads
     * schedules the next notification rather than being lost. */
    g_mutex_lock(&notifier->mutex);
    notifier->pending = FALSE;
    TrainNotifierFunc func = notifier->func;
    gpointer user_data = notifier->user_data;
    g_mutex_unlock(&notifier->mutex);
    if (func)
        func(user_data);
    return G_SOURCE_REMOVE;
}

static void
schedule_locked(TrainNotifier *notifier)
{
    if (notifier->func == NULL || notifier->pending)
        return;
    notifier->pending = TRUE;
    GSource *source = g_idle_source_new();
    g_source_set_priority(source, G_PRIORITY_LOW);
    if (notifier->owner)
        notifier->owner_ref(notifier->owner);
    g_source_set_callback(source, dispatch, train_notifier_ref(notifier), idle_done);
    g_source_set_static_name(source, "[lrlab] news from a worker thread");
    g_source_attach(source, notifier->context);
    g_source_unref(source);
}

void train_notifier_set_func(TrainNotifier *notifier, TrainNotifierFunc func,
                             gpointer user_data, GDestroyNotify destroy)
{
    g_return_if_fail(notifier != NULL);

    g_mutex_lock(&notifier->mutex);
    GDestroyNotify old_destroy = notifier->destroy;
    gpointer old_data = notifier->user_data;
    notifier->func = func;
    notifier->user_data = user_data;
    notifier->destroy = destroy;
    g_mutex_unlock(&notifier->mutex);
    if (old_destroy)
        old_destroy(old_data);
}

gpointer train_notifier_lock(TrainNotifier *notifier)
{
    g_return_val_if_fail(notifier != NULL, NULL);
    g_mutex_lock(&notifier->mutex);
    return notifier->state;
}

void train_notifier_unlock(TrainNotifier *notifier, gboolean news)
{
    g_return_if_fail(notifier != NULL);
    if (news)
        schedule_locked(notifier);
    g_mutex_unlock(&notifier->mutex);
}

/* Copies state_size bytes between the state and outside it (from NULL: out of the state,
 * to NULL: into it) under the lock. */
static void
exchange(TrainNotifier *notifier, gpointer to, gconstpointer from, gboolean news)
{
    gpointer state = train_notifier_lock(notifier);
    if (notifier->state_size > 0)
        memcpy(to ? to : state, from ? from : state, notifier->state_size);
    train_notifier_unlock(notifier, news);
}

void train_notifier_publish(TrainNotifier *notifier, gconstpointer state)
{
    g_return_if_fail(notifier != NULL);
    exchange(notifier, NULL, state, TRUE);
}

void train_notifier_notify(TrainNotifier *notifier)
{
    g_return_if_fail(notifier != NULL);
    train_notifier_lock(notifier);
    train_notifier_unlock(notifier, TRUE);
}

void train_notifier_read(TrainNotifier *notifier, gpointer state)
{
    g_return_if_fail(notifier != NULL);
    exchange(notifier, state, NULL, FALSE);
}

/* The consumer an owner's notifier calls. The owner outlives every call, since a pending
 * idle holds a reference on it (train_notifier_set_owner). */
typedef struct {
    gpointer owner;
    TrainNotifierOwnerFunc notify;
    gpointer data;
    GDestroyNotify destroy;
} OwnerConsumer;

static void
owner_consumer_call(gpointer user_data)
{
    OwnerConsumer *c = user_data;
    c->notify(c->owner, c->data);
}

static void
owner_consumer_free(gpointer user_data)
{
    OwnerConsumer *c = user_data;
    if (c->destroy)
        c->destroy(c->data);
    g_free(c);
}

TrainNotifier *train_notifier_new_for_owner(GMainContext *ctx, gpointer owner,
                                            gpointer (*ref)(gpointer), GDestroyNotify unref,
                                            TrainNotifierOwnerFunc notify, gpointer user_data,
                                            GDestroyNotify destroy)
{
    g_return_val_if_fail(owner != NULL, NULL);

    if (notify == NULL) {
        if (destroy)
            destroy(user_data);
        return NULL;
    }
    OwnerConsumer *c = g_new(OwnerConsumer, 1);
    *c = (OwnerConsumer) { owner, notify, user_data, destroy };
    TrainNotifier *notifier = train_notifier_new(ctx, 0);
    train_notifier_set_owner(notifier, owner, ref, unref);
    train_notifier_set_func(notifier, owner_consumer_call, c, owner_consumer_free);
    return notifier;
}

void train_notifier_replace(TrainNotifier **slot, GMutex *mutex, TrainNotifier *fresh)
{
    g_return_if_fail(slot != NULL && mutex != NULL);

    g_mutex_lock(mutex);
    TrainNotifier *old = *slot;
    *slot = fresh;
    g_mutex_unlock(mutex);
    if (old) {
        train_notifier_set_func(old, NULL, NULL, NULL);
        train_notifier_unref(old);
    }
}
