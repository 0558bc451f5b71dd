/* nn_threads: one knob for every thread the engine uses. OpenBLAS is the OpenMP build,
 * so its GEMMs and our own parallel loops share one OpenMP pool and never oversubscribe
 * the cores. Results depend only on the thread count (static schedules, fixed order of
 * reductions), never on timing. */
#pragma once
#include <stddef.h>

/* Below this many floats an elementwise loop runs on the calling thread: waking the other
 * threads costs microseconds when they are spinning, and a whole time slice when the
 * machine is busy and one of them is not running. */
#define NN_PARALLEL_MIN_FLOATS ((size_t)32768)

/* How many items (im2col rows, Winograd tiles) a thread takes at once: as many as fit in
 * budget_floats of scratch at floats_per_item each, at least min_items (so the GEMMs stay
 * efficient), at most total, never 0. Both convolution paths size their chunks this way. */
size_t nn_chunk_items(size_t total, size_t budget_floats, size_t floats_per_item,
                      size_t min_items);

/* How total items (output pixels, Winograd tiles) are cut for a parallel loop: a multiple
 * of `threads` chunks, so the static schedule gives every thread the same work, of at most
 * max_items each (all but the last per_chunk). The cut depends only on the shapes and the
 * thread count, and so do the results. Inline: both convolution paths call these for
 * every chunk. */
typedef struct { long count; size_t per_chunk, total; } nn_chunks;

static inline nn_chunks nn_split_chunks(size_t total, size_t max_items, int threads)
{
    nn_chunks ch = { 0, 0, total };
    if (total == 0)
        return ch;
    size_t n = (total + max_items - 1) / max_items;
    n = (n + threads - 1) / threads * threads;
    if (n > total)
        n = total;
    ch.per_chunk = (total + n - 1) / n;
    ch.count = (long)((total + ch.per_chunk - 1) / ch.per_chunk);
    return ch;
}

/* The items of chunk i, and its first item in *first. */
static inline size_t nn_chunk_at(const nn_chunks *ch, long i, size_t *first)
{
    *first = (size_t)i * ch->per_chunk;
    return ch->total - *first < ch->per_chunk ? ch->total - *first : ch->per_chunk;
}

/* n <= 0 means all cores. Sets OpenMP and OpenBLAS thread counts. Like
 * omp_set_num_threads it applies to the calling thread: call it from the thread that runs
 * the engine (the training worker). */
void nn_set_threads(int n);
int nn_get_threads(void);
/* The thread count nn_set_threads(n) sets: n, or the cores when n <= 0. A run records
 * this, not 0: with the same seeds, results differ between thread counts (each thread
 * sums its own chunk, so the rounding changes). */
int nn_threads_resolve(int n);
