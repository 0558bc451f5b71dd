/* data_batcher: double-buffered batch preparation. Two slots: while the caller trains on
 * the batch in one, a background thread augments and normalises the next into the other,
 * so data preparation hides behind the engine's step instead of adding to it. */
#include "data_batcher.h"
#include <string.h>
#include "nn_rng.h"

typedef enum {
    SLOT_FREE,      /* nothing in it */
    SLOT_FILLING,   /* the background thread is writing it, without the lock */
    SLOT_READY,     /* batch `batch` is complete */
    SLOT_HELD,      /* handed to the caller, valid until its next call */
} SlotState;

#define N_SLOTS 2

typedef struct {
    SlotState state;
    int batch;          /* position of the batch in the epoch */
    int size;
    float *images;      /* (batch_size, H, W, 3) */
    int *labels;        /* (batch_size) */
    int *indices;       /* (batch_size) */
} Slot;

struct _DataBatcher {
    DataSet *set;
    int *indices;             /* (n) as given */
    int *order;               /* (n) this epoch's order; written only while no slot fills */
    int n;
    int batch_size;
    int n_batches;
    gboolean shuffle;
    gboolean augment_on;
    DataAugmentConfig augment;
    DataNormalization norm;
    guint64 seed;
    guint8 *scratch;          /* (H, W, 3) the background thread's augmented image */

    GThread *thread;
    GMutex mutex;             /* guards everything below */
    GCond cond;               /* any change of slot state, epoch, stop or abort */
    Slot slots[N_SLOTS];
    int epoch;                /* -1 until the first start_epoch */
    int next_to_prepare;
    int next_to_deliver;
    int abort_fill;           /* atomic too: the filler polls it between images */
    gboolean stop;
    gint64 prepare_us, wait_us;
    int prepared;
};

static int
find_slot(const DataBatcher *b, SlotState state, int batch)
{
    for (int s = 0; s < N_SLOTS; s++)
        if (b->slots[s].state == state && (batch < 0 || b->slots[s].batch == batch))
            return s;
    return -1;
}

/* Writes batch slot->batch of `epoch` into slot; FALSE when told to abort midway. */
static gboolean
fill_slot(DataBatcher *b, Slot *slot, int epoch)
{
    const DataSet *set = b->set;
    int n_pixels = set->height * set->width;
    gsize values = (gsize) n_pixels * 3;
    int first = slot->batch * b->batch_size;

    slot->size = MIN(b->batch_size, b->n - first);
    for (int k = 0; k < slot->size; k++) {
        if (g_atomic_int_get(&b->abort_fill))
            return FALSE;
        int index = b->order[first + k];
        const guint8 *src = data_set_image(set, index);
        slot->indices[k] = index;
        slot->labels[k] = set->labels[index];
        if (b->augment_on) {
            data_augment_image(b->scratch, src, set->height, set->width, &b->augment, b->seed,
                               epoch, index);
            src = b->scratch;
        }
        data_normalize_image(slot->images + k * values, src, n_pixels, &b->norm);
    }
    return TRUE;
}

static gpointer
producer_thread(gpointer data)
{
    DataBatcher *b = data;

    g_mutex_lock(&b->mutex);
    for (;;) {
        int s;
        while (!b->stop && (b->abort_fill || b->epoch < 0 || b->next_to_prepare >= b->n_batches
                            || (s = find_slot(b, SLOT_FREE, -1)) < 0))
            g_cond_wait(&b->cond, &b->mutex);
        if (b->stop)
            break;

        Slot *slot = &b->slots[s];
        slot->state = SLOT_FILLING;
        slot->batch = b->next_to_prepare++;
        int epoch = b->epoch;
        g_mutex_unlock(&b->mutex);

        gint64 t0 = g_get_monotonic_time();
        gboolean complete = fill_slot(b, slot, epoch);
        gint64 t1 = g_get_monotonic_time();

        g_mutex_lock(&b->mutex);
        b->prepare_us += t1 - t0;
        if (complete && !b->abort_fill) {
            slot->state = SLOT_READY;
            b->prepared++;
        } else {
            slot->state = SLOT_FREE;
        }
        g_cond_broadcast(&b->cond);
    }
    g_mutex_unlock(&b->mutex);
    return NULL;
}

gsize
data_batcher_bytes(int height, int width, int batch_size)
{
    g_return_val_if_fail(height > 0 && width > 0 && batch_size > 0, 0);

    gsize values = (gsize) height * width * 3;
    gsize slot = values * batch_size * sizeof(float) + 2 * (gsize) batch_size * sizeof(int);
    return N_SLOTS * slot + values;
}

DataBatcher *
data_batcher_new(DataSet *set, const int *indices, int n, int batch_size, gboolean shuffle,
                 const DataAugmentConfig *augment, const DataNormalization *norm, guint64 seed)
{
    g_return_val_if_fail(set != NULL, NULL);
    g_return_val_if_fail(n >= 0 && (n == 0 || indices != NULL), NULL);
    g_return_val_if_fail(batch_size > 0, NULL);
    for (int i = 0; i < n; i++)
        g_return_val_if_fail(indices[i] >= 0 && indices[i] < set->count, NULL);

    DataBatcher *b = g_new0(DataBatcher, 1);
    b->set = data_set_ref(set);
    b->n = n;
    b->indices = g_memdup2(indices, sizeof(int) * MAX(n, 1));
    b->order = g_new(int, MAX(n, 1));
    b->batch_size = batch_size;
    b->n_batches = (n + batch_size - 1) / batch_size;
    b->shuffle = shuffle;
    b->augment_on = augment != NULL && augment->flags != 0;
    if (augment != NULL)
        b->augment = *augment;
    b->norm = norm != NULL ? *norm : data_normalization_identity();
    b->seed = seed;
    b->epoch = -1;

    gsize values = (gsize) set->height * set->width * 3;
    b->scratch = g_malloc(values);
    for (int s = 0; s < N_SLOTS; s++) {   /* what data_batcher_bytes counts */
        b->slots[s].images = g_new(float, values * batch_size);
        b->slots[s].labels = g_new(int, batch_size);
        b->slots[s].indices = g_new(int, batch_size);
    }

    g_mutex_init(&b->mutex);
    g_cond_init(&b->cond);
    b->thread = g_thread_new("data-batcher", producer_thread, b);
    return b;
}

void
data_batcher_free(DataBatcher *b)
{
    if (b == NULL)
        return;

    g_mutex_lock(&b->mutex);
    b->stop = TRUE;
    g_atomic_int_set(&b->abort_fill, 1);
    g_cond_broadcast(&b->cond);
    g_mutex_unlock(&b->mutex);
    g_thread_join(b->thread);

    g_mutex_clear(&b->mutex);
    g_cond_clear(&b->cond);
    for (int s = 0; s < N_SLOTS; s++) {
        g_free(b->slots[s].images);
        g_free(b->slots[s].labels);
        g_free(b->slots[s].indices);
    }
    g_free(b->scratch);
    g_free(b->order);
    g_free(b->indices);
    data_set_unref(b->set);
    g_free(b);
}

int
data_batcher_batches_per_epoch(const DataBatcher *b)
{
    g_return_val_if_fail(b != NULL, 0);
    return b->n_batches;
}

void
data_batcher_start_epoch(DataBatcher *b, int epoch)
{
    g_return_if_fail(b != NULL);
    g_return_if_fail(epoch >= 0);

    g_mutex_lock(&b->mutex);
    /* Drop whatever is prepared; wait for a batch being written to notice, since the
     * order array it reads is about to change. */
    g_atomic_int_set(&b->abort_fill, 1);
    while (find_slot(b, SLOT_FILLING, -1) >= 0)
        g_cond_wait(&b->cond, &b->mutex);
    for (int s = 0; s < N_SLOTS; s++)
        b->slots[s].state = SLOT_FREE;

    /* n is 0 for an empty split; memcpy's pointers must be valid even for 0 bytes. */
    if (b->n > 0)
        memcpy(b->order, b->indices, sizeof(int) * b->n);
    if (b->shuffle) {
        nn_rng rng;
        nn_rng_seed(&rng, nn_rng_mix(b->seed, (guint64) epoch, G_MAXUINT64));
        for (int i = b->n - 1; i > 0; i--) {   /* Fisher-Yates */
            int j = (int) (nn_rng_next(&rng) % (guint64) (i + 1));
            int t = b->order[i]; b->order[i] = b->order[j]; b->order[j] = t;
        }
    }
    b->epoch = epoch;
    b->next_to_prepare = 0;
    b->next_to_deliver = 0;
    g_atomic_int_set(&b->abort_fill, 0);
    g_cond_broadcast(&b->cond);
    g_mutex_unlock(&b->mutex);
}

gboolean
data_batcher_next(DataBatcher *b, DataBatch *batch)
{
    g_return_val_if_fail(b != NULL && batch != NULL, FALSE);

    g_mutex_lock(&b->mutex);
    if (b->epoch < 0) {
        g_mutex_unlock(&b->mutex);
        g_critical("data_batcher_next: call data_batcher_start_epoch first");
        return FALSE;
    }

    int held = find_slot(b, SLOT_HELD, -1);
    if (held >= 0) {
        b->slots[held].state = SLOT_FREE;
        g_cond_broadcast(&b->cond);
    }
    if (b->next_to_deliver >= b->n_batches) {
        g_mutex_unlock(&b->mutex);
        return FALSE;
    }

    int s;
    gint64 t0 = g_get_monotonic_time();
    while ((s = find_slot(b, SLOT_READY, b->next_to_deliver)) < 0)
        g_cond_wait(&b->cond, &b->mutex);
    b->wait_us += g_get_monotonic_time() - t0;

    Slot *slot = &b->slots[s];
    slot->state = SLOT_HELD;
    b->next_to_deliver++;
    batch->size = slot->size;
    batch->images = slot->images;
    batch->labels = slot->labels;
    batch->indices = slot->indices;
    g_mutex_unlock(&b->mutex);
    return TRUE;
}

void
data_batcher_timings(DataBatcher *b, double *prepare_seconds, double *wait_seconds,
                     int *batches_prepared)
{
    g_return_if_fail(b != NULL);
    g_mutex_lock(&b->mutex);
    if (prepare_seconds != NULL)
        *prepare_seconds = b->prepare_us * 1e-6;
    if (wait_seconds != NULL)
        *wait_seconds = b->wait_us * 1e-6;
    if (batches_prepared != NULL)
        *batches_prepared = b->prepared;
    g_mutex_unlock(&b->mutex);
}
