/* nn_threads: one knob for every thread the engine uses. OpenBLAS is the OpenMP build,
 * so its GEMMs and our own parallel loops share one OpenMP pool and never oversubscribe
 * the cores. Results depend only on the thread count (static schedules, fixed order of
 * reductions), never on timing. */
#pragma once

/* n <= 0 means all cores. Sets OpenMP and OpenBLAS thread counts. */
void nn_set_threads(int n);
int nn_get_threads(void);
