/* train_sweep: runs of one config over rates and seeds, one after another on a thread of
 * the sweep's own (see train_sweep.h), the plan checked and described in the user's words,
 * and the sweep's table as sweep.csv. */
#include "train_sweep.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "nn_model.h"
#include "train_diagnosis.h"
#include "train_fields.h"
#include "train_format.h"
#include "train_group.h"
#include "train_notifier.h"
#include "train_record.h"

#define MAX_RUNS 1000

/* A GLib atomic rc box (train_sweep_ref/unref): the window and the sweep's thread share it. */
struct _TrainSweep {
    TrainConfig base;
    GArray *rates;                   /* double */
    GArray *seeds;                   /* guint64 */
    char **group_ids;                /* (rates) group.ini's id per rate; NULL for one seed */
    TrainSweepFolderFunc folder_func;
    gpointer folder_data;

    GMutex mutex;                    /* everything below */
    GCond cond;                      /* done */
    DataSet *set;                    /* shared by the members once known */
    GPtrArray *runs;                 /* TrainRun, members created so far */
    TrainRun *current;               /* the member running now, or NULL */
    int n_ended;                     /* members whose run has ended */
    gboolean stop_requested, done, releases_models;
    char *error;                     /* why a member could not start; the sweep stopped */
    TrainNotifier *notifier;
    GThread *thread;
};

gboolean train_sweep_check(const double *rates, int n_rates, const guint64 *seeds,
                           int n_seeds, GError **error)
{
    const TrainField *lr = train_field_find("lr");
    TrainConfig probe = { 0 };

    if (n_rates < 1)
        return train_invalid(error, _("No learning rate to run: give one or more, e.g. "
                                    "1e-2, 1e-3, 1e-4."));
    if (n_seeds < 1)
        return train_invalid(error, _("No seed to run: give one or more, e.g. 1, 2, 3."));
    if ((gint64) n_rates * n_seeds > MAX_RUNS)
        return train_invalid(error, _("%d rates with %d seeds would be %d runs; at most %d "
                                    "can run in one sweep."), n_rates, n_seeds,
                             n_rates * n_seeds, MAX_RUNS);
    for (int i = 0; i < n_rates; i++) {
        g_autoptr(GError) bad = NULL;
        probe.lr = rates[i];
        if (!train_field_check(lr, &probe, &bad))
            return train_invalid(error, "%s", bad->message);
        for (int j = 0; j < i; j++)
            if (rates[j] == rates[i]) {
                g_autofree char *text = train_format_lr(rates[i]);
                return train_invalid(error, _("The learning rate %s is listed twice."), text);
            }
    }
    for (int i = 0; i < n_seeds; i++)
        for (int j = 0; j < i; j++)
            if (seeds[j] == seeds[i])
                return train_invalid(error, _("The seed %llu is listed twice: the same seed gives "
                                              "the same run."), (unsigned long long) seeds[i]);
    return TRUE;
}

TrainSweep *train_sweep_new(const TrainConfig *base, DataSet *set, const double *rates,
                            int n_rates, const guint64 *seeds, int n_seeds, GError **error)
{
    g_return_val_if_fail(base != NULL, NULL);

    if (!train_sweep_check(rates, n_rates, seeds, n_seeds, error))
        return NULL;
    TrainSweep *s = g_atomic_rc_box_new0(TrainSweep);
    train_config_copy(&s->base, base);
    s->rates = g_array_new(FALSE, FALSE, sizeof(double));
    g_array_append_vals(s->rates, rates, n_rates);
    s->seeds = g_array_new(FALSE, FALSE, sizeof(guint64));
    g_array_append_vals(s->seeds, seeds, n_seeds);
    g_mutex_init(&s->mutex);
    g_cond_init(&s->cond);
    s->set = set ? data_set_ref(set) : NULL;
    s->runs = g_ptr_array_new_with_free_func((GDestroyNotify) train_run_unref);
    if (n_seeds > 1) {
        s->group_ids = g_new0(char *, n_rates + 1);
        for (int r = 0; r < n_rates; r++)
            s->group_ids[r] = g_uuid_string_random();
    }
    return s;
}

TrainSweep *train_sweep_ref(TrainSweep *s)
{
    g_return_val_if_fail(s != NULL, NULL);
    return g_atomic_rc_box_acquire(s);
}

static void
sweep_clear(TrainSweep *s)
{
    /* The thread holds a reference for its whole life: it has returned or is returning. */
    if (s->thread) {
        if (g_thread_self() == s->thread)
            g_thread_unref(s->thread);
        else
            g_thread_join(s->thread);
    }
    g_clear_pointer(&s->notifier, train_notifier_unref);
    g_clear_pointer(&s->runs, g_ptr_array_unref);
    g_clear_pointer(&s->set, data_set_unref);
    g_free(s->error);
    g_array_unref(s->rates);
    g_array_unref(s->seeds);
    g_strfreev(s->group_ids);
    train_config_clear(&s->base);
    g_mutex_clear(&s->mutex);
    g_cond_clear(&s->cond);
}

void train_sweep_unref(TrainSweep *s)
{
    g_return_if_fail(s != NULL);
    g_atomic_rc_box_release_full(s, (GDestroyNotify) sweep_clear);
}

void train_sweep_set_folder_func(TrainSweep *s, TrainSweepFolderFunc func, gpointer user_data)
{
    g_return_if_fail(s != NULL && s->thread == NULL);
    s->folder_func = func;
    s->folder_data = user_data;
}

void train_sweep_set_notify(TrainSweep *s, GMainContext *ctx, TrainSweepNotify notify,
                            gpointer user_data, GDestroyNotify destroy)
{
    g_return_if_fail(s != NULL);

    TrainNotifier *fresh = train_notifier_new_for_owner(
        ctx, s, (gpointer (*)(gpointer)) train_sweep_ref, (GDestroyNotify) train_sweep_unref,
        (TrainNotifierOwnerFunc) notify, user_data, destroy);
    train_notifier_replace(&s->notifier, &s->mutex, fresh);
}

/* With the mutex held. */
static void
notify_locked(TrainSweep *s)
{
    if (s->notifier)
        train_notifier_notify(s->notifier);
}

/* Member i's settings: the base with its rate and seed, named after what varies. */
static void
member_config(TrainSweep *s, int rate_index, int seed_index, TrainConfig *c)
{
    train_config_copy(c, &s->base);
    c->lr = g_array_index(s->rates, double, rate_index);
    c->seed = g_array_index(s->seeds, guint64, seed_index);
    g_autofree char *lr = train_format_lr(c->lr);
    g_free(c->name);
    if (s->seeds->len == 1)
        c->name = g_strdup_printf("lr %s", lr);
    else if (s->rates->len == 1)
        c->name = g_strdup_printf("seed %" G_GUINT64_FORMAT, c->seed);
    else
        c->name = g_strdup_printf("lr %s, seed %" G_GUINT64_FORMAT, lr, c->seed);
}

/* Whether every member's network fits in memory at once; FALSE (free each when it ends)
 * when they would not. Known once the dataset (its classes) is. */
static gboolean
members_fit_together(TrainSweep *s, int num_classes)
{
    nn_spec spec;
    nn_memory_estimate estimate;
    const gsize limit = train_config_memory_limit(&s->base);

    if (limit == 0 || !train_config_build_spec(&s->base, num_classes, &spec, NULL) ||
        nn_model_estimate(&spec, s->base.size, s->base.size, 3, s->base.batch_size,
                          s->base.optimizer, &estimate, NULL) != NN_OK)
        return TRUE;
    return (double) estimate.total_bytes * s->rates->len * s->seeds->len <= (double) limit;
}

#define GROUP_GROUP "group"

static gboolean
write_group_ini(TrainSweep *s, const char *dir, int rate_index, int seed_index,
                GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autofree char *path = g_build_filename(dir, TRAIN_SWEEP_GROUP_FILE, NULL);

    g_key_file_set_string(kf, GROUP_GROUP, "id", s->group_ids[rate_index]);
    g_key_file_set_integer(kf, GROUP_GROUP, "seeds", (int) s->seeds->len);
    g_key_file_set_integer(kf, GROUP_GROUP, "seed-index", seed_index);
    return g_key_file_save_to_file(kf, path, error);
}

gboolean train_sweep_group_info_read(const char *run_dir, TrainSweepGroupInfo *info)
{
    g_return_val_if_fail(run_dir != NULL && info != NULL, FALSE);

    memset(info, 0, sizeof *info);
    g_autoptr(GKeyFile) kf = train_record_load_key_file(run_dir, TRAIN_SWEEP_GROUP_FILE, NULL);
    if (kf == NULL)
        return FALSE;
    GError *e = NULL;
    info->id = g_key_file_get_string(kf, GROUP_GROUP, "id", NULL);
    info->n_seeds = g_key_file_get_integer(kf, GROUP_GROUP, "seeds", &e);
    if (e == NULL)
        info->seed_index = g_key_file_get_integer(kf, GROUP_GROUP, "seed-index", &e);
    if (e || info->id == NULL || info->id[0] == '\0' || info->n_seeds < 1 ||
        info->seed_index < 0) {
        g_clear_error(&e);
        train_sweep_group_info_clear(info);
        return FALSE;
    }
    return TRUE;
}

void train_sweep_group_info_clear(TrainSweepGroupInfo *info)
{
    g_clear_pointer(&info->id, g_free);
    memset(info, 0, sizeof *info);
}

static gpointer
sweep_thread(gpointer data)
{
    TrainSweep *s = data;
    const int n_rates = (int) s->rates->len, n_seeds = (int) s->seeds->len;

    for (int k = 0; k < n_rates * n_seeds; k++) {
        int rate_index, seed_index;
        train_sweep_member_indices(s, k, &rate_index, &seed_index);
        TrainConfig c;
        member_config(s, rate_index, seed_index, &c);
        /* s->set is this thread's until the sweep ends (the first member may load it). */
        TrainRun *run = train_run_new(&c, s->set);
        g_autofree char *folder =
            s->folder_func ? s->folder_func(run, &c, rate_index, seed_index, s->folder_data)
                           : NULL;
        if (folder)
            train_run_set_output_dir(run, folder);
        train_config_clear(&c);

        g_mutex_lock(&s->mutex);
        gboolean go = !s->stop_requested;
        if (go) {
            g_ptr_array_add(s->runs, train_run_ref(run));
            s->current = run;
            notify_locked(s);
        }
        g_mutex_unlock(&s->mutex);
        if (!go) {
            train_run_unref(run);
            break;
        }

        /* A run that cannot start (its folder cannot be made) stops the sweep: the next
         * would fail the same way. */
        g_autoptr(GError) error = NULL;
        gboolean started = train_run_start(run, &error);
        /* The folder exists once the run started; the worker never writes group.ini. A
         * failure here keeps the run and its records, only not its group on reload: the
         * sweep stops as for a folder that cannot be written at all. */
        if (started && s->group_ids && train_run_get_output_dir(run) &&
            !write_group_ini(s, train_run_get_output_dir(run), rate_index, seed_index,
                             &error)) {
            g_prefix_error(&error, _("Cannot record the run's group of seeds: "));
            started = FALSE;
            train_run_stop(run);
        }
        train_run_wait(run);

        g_mutex_lock(&s->mutex);
        s->current = NULL;
        s->n_ended++;
        if (!started) {
            s->error = g_strdup(error->message);
            s->stop_requested = TRUE;
        }
        /* The first member loaded the dataset: the others share it. */
        if (s->set == NULL && train_run_get_dataset(run))
            s->set = data_set_ref(train_run_get_dataset(run));
        if (!s->releases_models && s->set)
            s->releases_models = !members_fit_together(s, s->set->num_classes);
        gboolean release = s->releases_models;
        notify_locked(s);
        g_mutex_unlock(&s->mutex);
        if (release)
            train_run_release_model(run);
        train_run_unref(run);
    }

    g_mutex_lock(&s->mutex);
    s->done = TRUE;
    g_cond_broadcast(&s->cond);
    notify_locked(s);
    g_mutex_unlock(&s->mutex);
    train_sweep_unref(s);
    return NULL;
}

gboolean train_sweep_start(TrainSweep *s, GError **error)
{
    g_return_val_if_fail(s != NULL, FALSE);

    if (s->thread) {
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                            _("This sweep has already been started."));
        return FALSE;
    }
    if (!train_config_validate(&s->base, error))
        return FALSE;
    s->thread = g_thread_try_new("lrlab-sweep", sweep_thread, train_sweep_ref(s), error);
    if (s->thread == NULL) {
        train_sweep_unref(s);
        return FALSE;
    }
    return TRUE;
}

static void
stop(TrainSweep *s, gboolean cancel)
{
    g_return_if_fail(s != NULL);

    g_mutex_lock(&s->mutex);
    s->stop_requested = TRUE;
    TrainRun *current = s->current ? train_run_ref(s->current) : NULL;
    g_mutex_unlock(&s->mutex);
    if (current == NULL)
        return;
    if (cancel)
        train_run_cancel(current);
    else
        train_run_stop(current);
    train_run_unref(current);
}

void train_sweep_stop(TrainSweep *s) { stop(s, FALSE); }
void train_sweep_cancel(TrainSweep *s) { stop(s, TRUE); }

void train_sweep_wait(TrainSweep *s)
{
    g_return_if_fail(s != NULL);

    g_mutex_lock(&s->mutex);
    while (s->thread != NULL && !s->done)
        g_cond_wait(&s->cond, &s->mutex);
    g_mutex_unlock(&s->mutex);
}

int train_sweep_get_n_rates(TrainSweep *s) { return (int) s->rates->len; }
int train_sweep_get_n_seeds(TrainSweep *s) { return (int) s->seeds->len; }
int train_sweep_get_n_members(TrainSweep *s) { return (int) (s->rates->len * s->seeds->len); }

double train_sweep_get_rate(TrainSweep *s, int i)
{
    g_return_val_if_fail(s != NULL && i >= 0 && i < (int) s->rates->len, NAN);
    return g_array_index(s->rates, double, i);
}

guint64 train_sweep_get_seed(TrainSweep *s, int i)
{
    g_return_val_if_fail(s != NULL && i >= 0 && i < (int) s->seeds->len, 0);
    return g_array_index(s->seeds, guint64, i);
}

int train_sweep_get_n_created(TrainSweep *s)
{
    g_return_val_if_fail(s != NULL, 0);

    g_mutex_lock(&s->mutex);
    int n = (int) s->runs->len;
    g_mutex_unlock(&s->mutex);
    return n;
}

/* One of the sweep's counts or flags (int or gboolean), read under its lock. */
static int
read_locked(TrainSweep *s, const int *value)
{
    g_mutex_lock(&s->mutex);
    int v = *value;
    g_mutex_unlock(&s->mutex);
    return v;
}

int train_sweep_get_n_ended(TrainSweep *s)
{
    g_return_val_if_fail(s != NULL, 0);

    return read_locked(s, &s->n_ended);
}

TrainRun *train_sweep_dup_run(TrainSweep *s, int i, int *rate_index, int *seed_index)
{
    g_return_val_if_fail(s != NULL, NULL);

    g_mutex_lock(&s->mutex);
    TrainRun *run = i >= 0 && i < (int) s->runs->len
                        ? train_run_ref(g_ptr_array_index(s->runs, i)) : NULL;
    g_mutex_unlock(&s->mutex);
    train_sweep_member_indices(s, i, rate_index, seed_index);
    return run;
}

void train_sweep_member_indices(TrainSweep *s, int i, int *rate_index, int *seed_index)
{
    g_return_if_fail(s != NULL);

    if (rate_index)
        *rate_index = i / (int) s->seeds->len;
    if (seed_index)
        *seed_index = i % (int) s->seeds->len;
}

gboolean train_sweep_is_done(TrainSweep *s)
{
    g_return_val_if_fail(s != NULL, TRUE);

    return read_locked(s, &s->done);
}

char *train_sweep_dup_error(TrainSweep *s)
{
    g_return_val_if_fail(s != NULL, NULL);

    g_mutex_lock(&s->mutex);
    char *error = g_strdup(s->error);
    g_mutex_unlock(&s->mutex);
    return error;
}

gboolean train_sweep_releases_models(TrainSweep *s)
{
    g_return_val_if_fail(s != NULL, FALSE);

    return read_locked(s, &s->releases_models);
}

char *train_sweep_describe_plan(TrainSweep *s)
{
    g_return_val_if_fail(s != NULL, NULL);

    const int n_rates = (int) s->rates->len, n_seeds = (int) s->seeds->len;
    GString *text = g_string_new(NULL);
    if (n_rates > 1 && n_seeds > 1)
        g_string_append_printf(text, _("%d rates x %d seeds = %d runs"), n_rates, n_seeds,
                               n_rates * n_seeds);
    else if (n_seeds > 1)
        g_string_append_printf(text, _("%d seeds"), n_seeds);
    else
        g_string_append_printf(text, ngettext("%d rate", "%d rates", n_rates), n_rates);
    if (n_rates * n_seeds > 1)
        g_string_append(text, _(", one after another, from one dataset and one split"));
    if (train_sweep_releases_models(s))
        g_string_append(text, _("; together they would not fit in memory, so each run's "
                                "network is freed when it ends (its record is kept)"));
    return g_string_free(text, FALSE);
}

/* Items of "a, b; c d". */
static GStrv
split_items(const char *text)
{
    g_auto(GStrv) parts = g_strsplit_set(text ? text : "", ",; \t", -1);
    GPtrArray *items = g_ptr_array_new();
    for (int i = 0; parts[i]; i++)
        if (parts[i][0] != '\0')
            g_ptr_array_add(items, g_strdup(parts[i]));
    g_ptr_array_add(items, NULL);
    return (GStrv) g_ptr_array_free(items, FALSE);
}

/* The items of text, each parsed as the setting key, in an array of that setting's
 * values (element_size bytes each: its type in TrainConfig). */
static GArray *
parse_list(const char *text, const char *key, guint element_size, GError **error)
{
    const TrainField *field = train_field_find(key);
    g_auto(GStrv) items = split_items(text);
    GArray *values = g_array_new(FALSE, FALSE, element_size);
    TrainConfig probe = { 0 };

    for (int i = 0; items[i]; i++) {
        if (!train_field_parse(field, &probe, items[i], error)) {
            g_array_unref(values);
            return NULL;
        }
        g_array_append_vals(values, (const guint8 *) &probe + field->offset, 1);
    }
    return values;
}

GArray *train_sweep_parse_rates(const char *text, GError **error)
{
    return parse_list(text, "lr", sizeof(double), error);
}

GArray *train_sweep_parse_seeds(const char *text, GError **error)
{
    return parse_list(text, "seed", sizeof(guint64), error);
}

GArray *train_sweep_seeds_from(guint64 first, int n)
{
    GArray *seeds = g_array_new(FALSE, FALSE, sizeof(guint64));
    for (int i = 0; i < n; i++) {
        guint64 seed = first + (guint64) i;
        g_array_append_val(seeds, seed);
    }
    return seeds;
}

void train_sweep_row_clear(TrainSweepRow *row)
{
    g_return_if_fail(row != NULL);
    g_clear_pointer(&row->verdict, g_free);
}

void train_sweep_row_compute(TrainSweepRow *row, double lr, const TrainEpoch *const *runs,
                             const int *n_epochs, const TrainStatus *statuses, int n,
                             int num_classes, int epochs_planned)
{
    g_return_if_fail(row != NULL && (n == 0 || (runs && n_epochs && statuses)));

    g_autofree TrainRunSummary *members = g_new0(TrainRunSummary, MAX(n, 1));
    for (int i = 0; i < n; i++)
        members[i] = train_run_summary(runs[i], n_epochs[i], statuses[i]);
    TrainGroupSummary g = train_group_summary(members, n);
    TrainVerdict v = train_diagnose_group(runs, n_epochs, statuses, n, num_classes,
                                          epochs_planned);
    /* A loss that exploded without becoming NaN is a divergence too (the verdict's
     * reading): the U-curve draws such a rate as diverged, not as a point off the top. */
    if (v.kind == TRAIN_VERDICT_DIVERGED && g.n_diverged == 0)
        g.n_diverged = n;
    *row = (TrainSweepRow) {
        .lr = lr,
        .seeds = n,
        .diverged = g.n_diverged,
        .best_val_loss = g.best_val_loss.mean,
        .best_val_loss_std = g.best_val_loss.std,
        .final_loss = g.final_loss.mean,
        .final_loss_std = g.final_loss.std,
        .best_val_accuracy = g.best_val_accuracy.mean,
        .best_val_accuracy_std = g.best_val_accuracy.std,
        .verdict = g_steal_pointer(&v.text),
    };
    train_verdict_clear(&v);
}

/* A number for the CSV, empty when there is none. */
static const char *
csv_number(char *buf, double value)
{
    if (!isfinite(value)) {
        buf[0] = '\0';
        return buf;
    }
    return train_format_double(buf, value);
}

gboolean train_sweep_save_csv(const TrainSweepRow *rows, int n, const char *path,
                              GError **error)
{
    g_return_val_if_fail((rows != NULL || n == 0) && path != NULL, FALSE);

    char b[6][G_ASCII_DTOSTR_BUF_SIZE], lr[G_ASCII_DTOSTR_BUF_SIZE];
    g_autoptr(GString) text = g_string_new(
        "lr,seeds,diverged,best_val_loss,best_val_loss_std,final_loss,final_loss_std,"
        "best_val_accuracy,best_val_accuracy_std,verdict\n");
    for (int i = 0; i < n; i++) {
        const TrainSweepRow *r = &rows[i];
        /* The verdict is words: quoted, in case one ever holds a comma. */
        g_autofree char *verdict = g_strdup(r->verdict ? r->verdict : "");
        g_strdelimit(verdict, "\"", '\'');
        g_string_append_printf(text, "%s,%d,%d,%s,%s,%s,%s,%s,%s,\"%s\"\n",
                               train_format_double(lr, r->lr), r->seeds, r->diverged,
                               csv_number(b[0], r->best_val_loss),
                               csv_number(b[1], r->best_val_loss_std),
                               csv_number(b[2], r->final_loss),
                               csv_number(b[3], r->final_loss_std),
                               csv_number(b[4], r->best_val_accuracy),
                               csv_number(b[5], r->best_val_accuracy_std), verdict);
    }
    return g_file_set_contents(path, text->str, (gssize) text->len, error);
}
