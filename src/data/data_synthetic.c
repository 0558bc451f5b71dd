/* data_synthetic: draws the built-in IC-chip inspection dataset with Cairo, one image per
 * (seed, index), in parallel, so a user with no data of their own still sees learning
 * rates, overfitting and its cures on a task that is learnable but not trivial.
 * This file is the pipeline and the public entry points: each image's scene is sampled
 * (data_synthetic_scene.c), drawn (data_synthetic_draw.c, data_synthetic_defects.c) and
 * recorded by the camera (data_synthetic_camera.c); export is data_synthetic_export.c. */
#include <glib/gi18n.h>
#include <unistd.h>
#include "data_synthetic_private.h"

static const char *const defect_names[DATA_N_DEFECTS] = {
    "missing_pin", "bent_pin", "chipped_corner", "crack", "scratch", "particle",
    "burn_mark", "bad_marking",
};

const char *
data_defect_kind_name(DataDefectKind kind)
{
    g_return_val_if_fail(kind >= 0 && kind < DATA_N_DEFECTS, NULL);
    return defect_names[kind];
}

DataSyntheticParams
data_synthetic_params_default(void)
{
    return (DataSyntheticParams) {
        .images_per_class = DATA_SYNTHETIC_DEFAULT_PER_CLASS,
        .size = DATA_SYNTHETIC_DEFAULT_SIZE,
        .difficulty = DATA_SYNTHETIC_DEFAULT_DIFFICULTY,
        .label_noise = 0.0,
        .multiclass = FALSE,
        .seed = 42,
        .threads = 0,
    };
}

/* ---- one image ---- */

static Canvas *
canvas_new(int size)
{
    Canvas *cv = g_new0(Canvas, 1);
    cv->size = size;
    cv->surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, size, size);
    cv->body_texture = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, size, size);
    cv->backdrop_texture = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, size, size);
    cv->under = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, size, size);
    cv->work = g_new(int, (gsize) size * size * 3);
    cv->blurred = g_new(int, (gsize) size * size * 3);
    return cv;
}

static void
canvas_free(Canvas *cv)
{
    cairo_surface_destroy(cv->surface);
    cairo_surface_destroy(cv->body_texture);
    cairo_surface_destroy(cv->backdrop_texture);
    cairo_surface_destroy(cv->under);
    g_free(cv->work);
    g_free(cv->blurred);
    g_free(cv);
}

static void
draw_with_canvas(guint8 *rgb_out, Canvas *cv, double difficulty, guint64 seed, int index,
                 int defect, DataSyntheticBox *box)
{
    Scene sc;
    Defect df;
    Extent ext = { 0 };
    synthetic_scene_sample(&sc, seed, index, difficulty);
    synthetic_defect_sample(&df, &sc, defect, difficulty, seed, index);

    cairo_t *cr = cairo_create(cv->surface);
    synthetic_draw_backdrop(cr, cv, &sc);
    synthetic_draw_chip(cr, cv, &sc, &df, box ? &ext : NULL);
    cairo_destroy(cr);
    synthetic_camera_develop(rgb_out, cv, &sc, seed, index);

    if (box != NULL)
        *box = synthetic_camera_box(&ext, &sc, cv->size);
}

void
data_synthetic_draw(guint8 *rgb_out, int size, double difficulty, guint64 seed, int index,
                    int defect, DataSyntheticBox *box)
{
    g_return_if_fail(rgb_out != NULL);
    g_return_if_fail(size >= DATA_SYNTHETIC_MIN_SIZE && size <= DATA_SYNTHETIC_MAX_SIZE);
    g_return_if_fail(defect >= -1 && defect < DATA_N_DEFECTS);
    Canvas *cv = canvas_new(size);
    draw_with_canvas(rgb_out, cv, CLAMP(difficulty, 0.0, 1.0), seed, index, defect, box);
    canvas_free(cv);
}

/* ---- checking parameters ---- */

static gboolean
params_validate(const DataSyntheticParams *p, GError **error)
{
    const char *bad = NULL;
    char *range = NULL;
    if (p->images_per_class < 1 || p->images_per_class > DATA_SYNTHETIC_MAX_PER_CLASS)
        bad = "images_per_class", range = g_strdup_printf("1..%d", DATA_SYNTHETIC_MAX_PER_CLASS);
    else if (p->size < DATA_SYNTHETIC_MIN_SIZE || p->size > DATA_SYNTHETIC_MAX_SIZE)
        bad = "size", range = g_strdup_printf("%d..%d", DATA_SYNTHETIC_MIN_SIZE, DATA_SYNTHETIC_MAX_SIZE);
    else if (!(p->difficulty >= 0.0 && p->difficulty <= 1.0))
        bad = "difficulty", range = g_strdup("0..1");
    else if (!(p->label_noise >= 0.0 && p->label_noise <= 0.5))
        bad = "label_noise", range = g_strdup("0..0.5");
    else if (p->threads < 0 || p->threads > 1024)
        bad = "threads", range = g_strdup("0 (all cores)..1024");
    if (bad != NULL) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    /* Translators: a parameter's name (images_per_class, size, ...) and its range. */
                    _("Synthetic dataset: %s must be in %s"), bad, range);
        g_free(range);
        return FALSE;
    }
    /* Refuse rather than abort in the allocator (or thrash): the pixels must fit in half
     * of this machine's memory. */
    double bytes = (double) p->images_per_class * synthetic_num_classes(p) * p->size * p->size * 3;
    double ram = (double) sysconf(_SC_PHYS_PAGES) * (double) sysconf(_SC_PAGESIZE);
    if (ram > 0 && bytes > ram / 2) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    _("Synthetic dataset: images_per_class %d at size %d needs %.1f GiB, more "
                    "than half of this machine's %.1f GiB"),
                    p->images_per_class, p->size, bytes / (1 << 30), ram / (1 << 30));
        return FALSE;
    }
    return TRUE;
}

/* ---- the dataset, on every core ---- */

typedef struct {
    DataSet *set;
    const int *defect_of;       /* (count): DataDefectKind or -1 */
    double difficulty;
    guint64 seed;
    gint next;                  /* atomic: the next image nobody has taken */
    gint done;                  /* atomic */
    DataProgressFunc progress;
    gpointer progress_data;
    GCancellable *cancellable;
} Job;

/* Workers take images one at a time from a shared counter. Which thread draws an image
 * does not matter: its pixels depend on (seed, index) alone. */
static gpointer
job_worker(gpointer data)
{
    Job *job = data;
    DataSet *set = job->set;
    Canvas *cv = canvas_new(set->width);
    while (!g_cancellable_is_cancelled(job->cancellable)) {
        int i = g_atomic_int_add(&job->next, 1);
        if (i >= set->count)
            break;
        draw_with_canvas(data_set_image(set, i), cv, job->difficulty, job->seed, i,
                         job->defect_of[i], &set->defect_boxes[i]);
        int done = g_atomic_int_add(&job->done, 1) + 1;
        if (job->progress != NULL)
            job->progress(done, set->count, job->progress_data);
    }
    canvas_free(cv);
    return NULL;
}

/* Relabels exactly round(fraction * count) images, chosen by a seeded partial shuffle,
 * each to a uniformly chosen other class. */
static void
apply_label_noise(DataSet *set, double fraction, guint64 seed)
{
    int n_flip = (int) floor(fraction * set->count + 0.5);
    if (n_flip == 0 || set->num_classes < 2)
        return;
    nn_rng rng;
    rng_for(&rng, seed, LABEL_NOISE_INDEX, 0);
    int *order = g_new(int, set->count);
    for (int i = 0; i < set->count; i++)
        order[i] = i;
    for (int k = 0; k < n_flip; k++) {
        int j = k + rnd_int(&rng, set->count - k);
        int t = order[k];
        order[k] = order[j];
        order[j] = t;
        int i = order[k];
        set->labels[i] = (set->labels[i] + 1 + rnd_int(&rng, set->num_classes - 1)) % set->num_classes;
    }
    g_free(order);
}

DataSet *
data_synthetic_generate(const DataSyntheticParams *params, DataProgressFunc progress,
                        gpointer progress_data, GCancellable *cancellable, GError **error)
{
    g_return_val_if_fail(params != NULL, NULL);
    g_return_val_if_fail(cancellable == NULL || G_IS_CANCELLABLE(cancellable), NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    if (!params_validate(params, error))
        return NULL;
    if (g_cancellable_set_error_if_cancelled(cancellable, error))
        return NULL;

    int num_classes = synthetic_num_classes(params);
    int count = num_classes * params->images_per_class;
    DataSet *set = data_set_new(count, params->size, params->size, num_classes);
    set->class_names[0] = g_strdup("good");
    if (params->multiclass) {
        for (int k = 0; k < DATA_N_DEFECTS; k++)
            set->class_names[1 + k] = g_strdup(defect_names[k]);
    } else {
        set->class_names[1] = g_strdup("defect");
    }

    set->defect_boxes = g_new0(DataBox, MAX(count, 1));
    int *defect_of = g_new(int, count);
    for (int i = 0; i < count; i++) {
        set->labels[i] = i % num_classes;
        defect_of[i] = data_synthetic_defect_of(params, i);
    }

    Job job = {
        .set = set,
        .defect_of = defect_of,
        .difficulty = params->difficulty,
        .seed = params->seed,
        .progress = progress,
        .progress_data = progress_data,
        .cancellable = cancellable,
    };
    int n_threads = params->threads > 0 ? params->threads : (int) g_get_num_processors();
    n_threads = CLAMP(n_threads, 1, count);
    GThread **threads = g_new0(GThread *, n_threads);
    for (int t = 1; t < n_threads; t++)
        threads[t] = g_thread_new("lrlab-synthetic", job_worker, &job);
    job_worker(&job);   /* the calling thread is worker 0 */
    for (int t = 1; t < n_threads; t++)
        g_thread_join(threads[t]);
    g_free(threads);
    g_free(defect_of);

    if (g_cancellable_set_error_if_cancelled(cancellable, error)) {
        data_set_unref(set);
        return NULL;
    }

    apply_label_noise(set, params->label_noise, params->seed);
    for (int i = 0; i < count; i++)
        set->sources[i] = g_strdup_printf("synthetic/%s/%06d", set->class_names[set->labels[i]], i);
    return set;
}
