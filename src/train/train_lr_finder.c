/* train_lr_finder: fastai's learning-rate range test on LR Lab's engine (the algorithm,
 * step by step, is in train_lr_finder.h): the smoother and the three rules as plain
 * functions, the loop on a model, the same from a config, and its thread for the app. */
#include "train_lr_finder.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "data_split.h"
#include "nn_threads.h"
#include "train_dataset.h"
#include "train_format.h"
#include "train_process.h"
#include "train_types.h"
#include "train_setup.h"

TrainLrFinderOptions train_lr_finder_options_default(void)
{
    return (TrainLrFinderOptions) {
        .start_lr = TRAIN_LR_FINDER_START,
        .end_lr = TRAIN_LR_FINDER_END,
        .steps = TRAIN_LR_FINDER_STEPS,
    };
}

double train_lr_finder_rate(const TrainLrFinderOptions *o, int i)
{
    g_return_val_if_fail(o != NULL && o->steps > 0, NAN);
    return o->start_lr * pow(o->end_lr / o->start_lr, (double) i / o->steps);
}

void train_lr_smoother_init(TrainLrSmoother *s, double beta)
{
    g_return_if_fail(s != NULL);
    *s = (TrainLrSmoother) { .beta = beta };
}

double train_lr_smoother_add(TrainLrSmoother *s, double loss)
{
    g_return_val_if_fail(s != NULL, NAN);
    /* torch.lerp(loss, avg, beta) = loss + beta * (avg - loss) */
    s->average = loss + s->beta * (s->average - loss);
    s->count++;
    return s->average / (1 - pow(s->beta, s->count));
}

/* ---- the rules, on the trimmed smoothed losses ---- */

/* fastai's search for the longest valley: lds[i] is the length of the longest decreasing
 * subsequence ending at i. fastai keeps max_start = max_end - lds[max_end], one before the
 * valley's first point (so it may be -1), and we keep its arithmetic so that our
 * suggestions are fastai's. Returns the valley's length: 1 when the loss never fell. */
static int
find_valley(const double *losses, int n, int *max_start_out, int *max_end_out)
{
    g_autofree int *lds = g_new(int, n);
    int max_start = 0, max_end = 0;
    for (int i = 0; i < n; i++)
        lds[i] = 1;
    for (int i = 1; i < n; i++) {
        for (int j = 0; j < i; j++) {
            if (losses[i] < losses[j] && lds[i] < lds[j] + 1)
                lds[i] = lds[j] + 1;
            if (lds[max_end] < lds[i]) {
                max_end = i;
                max_start = max_end - lds[max_end];
            }
        }
    }
    *max_start_out = max_start;
    *max_end_out = max_end;
    return lds[max_end];
}

int train_lr_rule_valley(const double *losses, int n)
{
    int max_start, max_end;

    g_return_val_if_fail(losses != NULL && n >= 1, 0);

    find_valley(losses, n, &max_start, &max_end);
    double sections = (max_end - max_start) / 3.0;
    int index = max_start + (int) sections + (int) (sections / 2);
    return CLAMP(index, 0, n - 1);
}

int train_lr_rule_steep(const double *lrs, const double *losses, int n)
{
    g_return_val_if_fail(lrs != NULL && losses != NULL && n >= 2, 0);

    int best = 0;
    double steepest = INFINITY;
    for (int i = 0; i + 1 < n; i++) {
        double slope = (losses[i + 1] - losses[i]) / (log(lrs[i + 1]) - log(lrs[i]));
        if (slope < steepest) {   /* the first of equal slopes, as torch's argmin */
            steepest = slope;
            best = i;
        }
    }
    return best;
}

int train_lr_rule_minimum(const double *losses, int n)
{
    g_return_val_if_fail(losses != NULL && n >= 1, 0);

    int best = 0;
    for (int i = 1; i < n; i++)
        if (losses[i] < losses[best])
            best = i;
    return best;
}

void train_lr_finder_suggest(const TrainLrFinderPoint *points, int n, int steps,
                             TrainLrSuggestion *s, char **message)
{
    g_return_if_fail(s != NULL && message != NULL && (points != NULL || n == 0));

    *s = (TrainLrSuggestion) { .found = FALSE, .valley = -1, .steep = -1, .minimum = -1 };
    *message = NULL;

    /* fastai's [num_it//10:-5], then up to the first loss that is not a number. */
    const int first = steps / 10;
    int end = n - TRAIN_LR_FINDER_TAIL;
    for (int i = first; i < end; i++)
        if (!isfinite(points[i].smoothed)) {
            end = i;
            break;
        }
    const int m = end - first;

    if (n > 0 && !isfinite(points[0].loss)) {
        g_autofree char *lr = train_format_lr(points[0].lr);
        *message = g_strdup_printf(
            _("The loss was not a number from the very first batch (rate %s): the network or "
            "the images are broken, not the learning rate."), lr);
        return;
    }
    if (m < 3) {
        g_autofree char *lr = train_format_lr(n > 0 ? points[n - 1].lr : 0);
        g_autofree char *start = train_format_lr(n > 0 ? points[0].lr : 0);
        /* Translators: the batches done, the rate then, and the finder's first rate. */
        *message = g_strdup_printf(
            ngettext("The loss blew up after %d batch, at a rate of %s: every rate from %s up "
                     "is too high for this network, so there is nothing to suggest. Check the "
                     "images, or try a smaller network.",
                     "The loss blew up after %d batches, at a rate of %s: every rate from %s up "
                     "is too high for this network, so there is nothing to suggest. Check the "
                     "images, or try a smaller network.", n),
            n, lr, start);
        return;
    }

    g_autofree double *lrs = g_new(double, m);
    g_autofree double *losses = g_new(double, m);
    for (int i = 0; i < m; i++) {
        lrs[i] = points[first + i].lr;
        losses[i] = points[first + i].smoothed;
    }
    int valley_start, valley_end;
    if (find_valley(losses, m, &valley_start, &valley_end) < 2) {
        g_autofree char *lo = train_format_lr(lrs[0]);
        g_autofree char *hi = train_format_lr(lrs[m - 1]);
        *message = g_strdup_printf(
            _("The loss did not fall at any rate from %s to %s: this network does not learn "
            "from these images at any of them. Check the labels and the network."), lo, hi);
        return;
    }

    /* fastai suggests whatever the curve; a fall within the noise is a guess, and the
     * user is told so rather than handed a rate as if it had been measured. */
    double lowest = losses[train_lr_rule_minimum(losses, m)];
    s->clear = losses[0] - lowest >= TRAIN_LR_FINDER_CLEAR_FALL * fabs(losses[0]);
    if (!s->clear) {
        g_autofree char *lo = train_format_lr(lrs[0]);
        g_autofree char *hi = train_format_lr(lrs[m - 1]);
        *message = g_strdup_printf(
            _("The loss hardly fell at any rate from %s to %s (by %.1f%% at most) before it "
            "blew up: this network sits near chance for more batches than the test has, "
            "whatever the rate, so the suggestion below is a guess. Start from a usual rate "
            "(1e-3 for Adam) and compare a few with Sweep."),
            lo, hi, 100 * (losses[0] - lowest) / fabs(losses[0]));
    }
    s->valley = first + train_lr_rule_valley(losses, m);
    s->steep = first + train_lr_rule_steep(lrs, losses, m);
    s->minimum = first + train_lr_rule_minimum(losses, m);
    s->valley_lr = points[s->valley].lr;
    s->steep_lr = points[s->steep].lr;
    s->minimum_lr = points[s->minimum].lr / 10;
    s->lr = s->valley_lr;
    s->found = TRUE;
}

void train_lr_finder_result_init(TrainLrFinderResult *r)
{
    g_return_if_fail(r != NULL);
    *r = (TrainLrFinderResult) { .points = g_array_new(FALSE, TRUE, sizeof(TrainLrFinderPoint)) };
}

void train_lr_finder_result_clear(TrainLrFinderResult *r)
{
    g_return_if_fail(r != NULL);
    g_clear_pointer(&r->points, g_array_unref);
    g_clear_pointer(&r->message, g_free);
}

/* ---- the range test ---- */

/* What the test changes and must give back: the weights, the optimizer's state and rate,
 * the dropout stream. */
typedef struct {
    float *params, *m, *v;
    int64_t step;
    double lr;
    uint64_t dropout_seed;
} Saved;

static void
save_state(Saved *s, nn_model *model, const nn_optimizer *opt)
{
    const size_t n = nn_model_num_parameters(model);
    s->params = g_memdup2(nn_model_params(model), n * sizeof(float));
    s->m = opt->m ? g_memdup2(opt->m, opt->num_parameters * sizeof(float)) : NULL;
    s->v = opt->v ? g_memdup2(opt->v, opt->num_parameters * sizeof(float)) : NULL;
    s->step = opt->step;
    s->lr = opt->config.lr;
    s->dropout_seed = nn_model_dropout_seed(model);
}

static void
restore_state(Saved *s, nn_model *model, nn_optimizer *opt)
{
    memcpy(nn_model_params(model), s->params, nn_model_num_parameters(model) * sizeof(float));
    if (s->m)
        memcpy(opt->m, s->m, opt->num_parameters * sizeof(float));
    if (s->v)
        memcpy(opt->v, s->v, opt->num_parameters * sizeof(float));
    opt->step = s->step;
    opt->config.lr = s->lr;
    nn_model_set_dropout_seed(model, s->dropout_seed);
    nn_model_zero_grad(model);
    g_free(s->params);
    g_free(s->m);
    g_free(s->v);
}

static gboolean
is_cancelled(const gint *cancel)
{
    return cancel != NULL && g_atomic_int_get(cancel) != 0;
}

gboolean train_lr_finder_run_model(nn_model *model, nn_optimizer *opt, DataBatcher *batcher,
                                   const TrainLrFinderOptions *options, const gint *cancel,
                                   TrainLrFinderFunc progress, gpointer user_data,
                                   TrainLrFinderResult *result, GError **error)
{
    g_return_val_if_fail(model != NULL && opt != NULL && batcher != NULL, FALSE);
    g_return_val_if_fail(result != NULL && result->points != NULL, FALSE);

    TrainLrFinderOptions o = options ? *options : train_lr_finder_options_default();
    if (!(o.start_lr > 0 && o.end_lr > o.start_lr && isfinite(o.end_lr)) || o.steps < 6 ||
        o.steps > TRAIN_LR_FINDER_MAX_STEPS)
        return train_invalid(error, _("The learning-rate finder needs 0 < start < end and "
                                    "6 to %d steps."), TRAIN_LR_FINDER_MAX_STEPS);

    const gint64 t0 = g_get_monotonic_time();
    Saved saved;
    save_state(&saved, model, opt);
    TrainLrSmoother smoother;
    train_lr_smoother_init(&smoother, TRAIN_LR_FINDER_BETA);
    double best = INFINITY;
    gboolean stopped_by_cancel = FALSE;
    int epoch = 0;
    DataBatch batch;

    g_array_set_size(result->points, 0);
    result->steps = o.steps;
    result->stop = TRAIN_LR_FINDER_DONE;
    data_batcher_start_epoch(batcher, epoch);
    for (int i = 0; i < o.steps; i++) {
        /* fastai trains as many epochs as the steps need. */
        if (!data_batcher_next(batcher, &batch)) {
            data_batcher_start_epoch(batcher, ++epoch);
            if (!data_batcher_next(batcher, &batch))
                break;
        }
        if (is_cancelled(cancel)) {
            stopped_by_cancel = TRUE;
            break;
        }
        opt->config.lr = train_lr_finder_rate(&o, i);
        nn_model_zero_grad(model);
        float loss = nn_model_forward(model, batch.images, batch.labels, batch.size, 1);
        if (nn_model_cancelled(model)) {
            stopped_by_cancel = TRUE;
            break;
        }
        if (isfinite(loss)) {
            nn_model_backward(model);
            if (nn_model_cancelled(model)) {
                stopped_by_cancel = TRUE;
                break;
            }
            nn_optimizer_step(opt, nn_model_params(model), nn_model_grads(model));
        }
        TrainLrFinderPoint point = {
            .lr = opt->config.lr,
            .loss = loss,
            .smoothed = train_lr_smoother_add(&smoother, loss),
        };
        g_array_append_val(result->points, point);
        if (progress)
            progress((const TrainLrFinderPoint *) result->points->data,
                     (int) result->points->len, o.steps, user_data);
        if (!isfinite(point.loss) || !isfinite(point.smoothed)) {
            result->stop = TRAIN_LR_FINDER_NOT_FINITE;
            break;
        }
        best = MIN(best, point.smoothed);
        if (point.smoothed > TRAIN_LR_FINDER_STOP_FACTOR * best) {
            result->stop = TRAIN_LR_FINDER_DIVERGED;
            break;
        }
    }
    restore_state(&saved, model, opt);
    result->seconds = (double) (g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
    if (stopped_by_cancel) {
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                            _("The learning-rate finder was cancelled."));
        return FALSE;
    }
    g_clear_pointer(&result->message, g_free);
    train_lr_finder_suggest((const TrainLrFinderPoint *) result->points->data,
                            (int) result->points->len, o.steps, &result->suggestion,
                            &result->message);
    return TRUE;
}

gboolean train_lr_finder_run(const TrainConfig *c, DataSet *set,
                             const TrainLrFinderOptions *options, const gint *cancel,
                             TrainLrFinderFunc progress, gpointer user_data,
                             TrainLrFinderResult *result, GError **error)
{
    g_return_val_if_fail(c != NULL && set != NULL && result != NULL, FALSE);

    nn_spec spec;
    nn_error err;
    if (!train_config_validate(c, error) ||
        !train_config_build_spec(c, set->num_classes, &spec, error))
        return FALSE;
    if (set->height != c->size || set->width != c->size)
        return train_invalid(error, _("The dataset's images are %dx%d but the run's input size "
                                    "is %d."), set->width, set->height, c->size);
    g_autoptr(DataSplit) split = data_split_new(set, c->val_split, c->split_seed);
    if (split == NULL || split->n_train == 0)
        return train_invalid(error, _("%d images are too few to find a learning rate with a "
                                    "validation split of %g."), set->count, c->val_split);

    nn_model *model = NULL;
    nn_optimizer opt = { 0 };
    if (train_setup_model(&model, c, &spec, &err) != NN_OK ||
        train_setup_optimizer(&opt, c, nn_model_num_parameters(model), &err) != NN_OK) {
        nn_model_free(model);
        return train_invalid(error, "%s", err.message);
    }
    nn_model_set_cancel_flag(model, cancel);
    DataNormalization norm = data_normalization_compute(set, split->train, split->n_train);
    DataBatcher *batcher = data_batcher_new(set, split->train, split->n_train, c->batch_size,
                                            TRUE, &c->augment, &norm, c->seed);
    gboolean ok = train_lr_finder_run_model(model, &opt, batcher, options, cancel, progress,
                                            user_data, result, error);
    data_batcher_free(batcher);
    nn_optimizer_free(&opt);
    nn_model_free(model);
    return ok;
}

/* ---- in a thread, for the app and lrlab-train ---- */

typedef struct {
    TrainConfig config;
    DataSet *set;
    TrainLrFinderOptions options;
    TrainNotifier *notifier;
    gint cancel;
    TrainLrFinderResult result;
} FinderJob;

static void
finder_job_free(gpointer data)
{
    FinderJob *job = data;

    train_config_clear(&job->config);
    g_clear_pointer(&job->set, data_set_unref);
    g_clear_pointer(&job->notifier, train_notifier_unref);
    train_lr_finder_result_clear(&job->result);
    g_free(job);
}

static void
publish_loading(int done, int total, gpointer user_data)
{
    TrainLrFinderState *state = train_notifier_lock(user_data);
    state->loading = TRUE;
    state->load_done = MAX(state->load_done, done);
    state->load_total = total;
    train_notifier_unlock(user_data, TRUE);
}

static void
publish_points(const TrainLrFinderPoint *points, int n, int steps, gpointer user_data)
{
    TrainLrFinderState *state = train_notifier_lock(user_data);
    state->loading = FALSE;
    state->steps = steps;
    /* Only what is new: the earlier points are already in the state. */
    for (int i = state->n_points; i < n && i < TRAIN_LR_FINDER_MAX_STEPS; i++)
        state->points[i] = points[i];
    state->n_points = MIN(n, TRAIN_LR_FINDER_MAX_STEPS);
    train_notifier_unlock(user_data, TRUE);
}

static void
on_cancelled(GCancellable *cancellable, gpointer user_data)
{
    g_atomic_int_set((gint *) user_data, 1);
}

static void
finder_thread(GTask *task, gpointer source_object, gpointer task_data,
              GCancellable *cancellable)
{
    FinderJob *job = task_data;
    GError *error = NULL;

    train_process_lower_thread_priority();
    nn_set_threads(job->config.threads);
    gulong handler = cancellable ? g_cancellable_connect(cancellable, G_CALLBACK(on_cancelled),
                                                         &job->cancel, NULL)
                                 : 0;
    if (job->set == NULL)
        job->set = train_dataset_load(&job->config, NULL, job->notifier ? publish_loading : NULL,
                                      job->notifier, cancellable, &error);
    gboolean ok = job->set != NULL &&
                  train_lr_finder_run(&job->config, job->set, &job->options, &job->cancel,
                                      job->notifier ? publish_points : NULL, job->notifier,
                                      &job->result, &error);
    if (handler)
        g_cancellable_disconnect(cancellable, handler);
    if (ok)
        g_task_return_boolean(task, TRUE);
    else
        g_task_return_error(task, error);
}

void train_lr_finder_run_async(const TrainConfig *config, DataSet *set,
                               const TrainLrFinderOptions *options, TrainNotifier *notifier,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data)
{
    g_return_if_fail(config != NULL);

    FinderJob *job = g_new0(FinderJob, 1);
    train_config_copy(&job->config, config);
    job->set = set ? data_set_ref(set) : NULL;
    job->options = options ? *options : train_lr_finder_options_default();
    job->notifier = notifier ? train_notifier_ref(notifier) : NULL;
    train_lr_finder_result_init(&job->result);
    g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);
    g_task_set_source_tag(task, train_lr_finder_run_async);
    g_task_set_name(task, "[lrlab] finding a learning rate");
    g_task_set_task_data(task, job, finder_job_free);
    g_task_run_in_thread(task, finder_thread);
}

gboolean train_lr_finder_run_finish(GAsyncResult *res, TrainLrFinderResult *result,
                                    GError **error)
{
    g_return_val_if_fail(g_task_is_valid(res, NULL), FALSE);
    g_return_val_if_fail(g_task_get_source_tag(G_TASK(res)) == train_lr_finder_run_async,
                         FALSE);

    if (!g_task_propagate_boolean(G_TASK(res), error))
        return FALSE;
    FinderJob *job = g_task_get_task_data(G_TASK(res));
    if (result) {
        train_lr_finder_result_clear(result);
        *result = job->result;
        train_lr_finder_result_init(&job->result);
    }
    return TRUE;
}

gboolean train_lr_finder_save_csv(const TrainLrFinderResult *r, const char *path,
                                  GError **error)
{
    g_return_val_if_fail(r != NULL && r->points != NULL && path != NULL, FALSE);

    char a[G_ASCII_DTOSTR_BUF_SIZE], b[G_ASCII_DTOSTR_BUF_SIZE], c[G_ASCII_DTOSTR_BUF_SIZE];
    g_autoptr(GString) text = g_string_new("step,lr,loss,smoothed_loss\n");
    for (guint i = 0; i < r->points->len; i++) {
        const TrainLrFinderPoint *p = &g_array_index(r->points, TrainLrFinderPoint, i);
        g_string_append_printf(text, "%u,%s,%s,%s\n", i, train_format_double(a, p->lr),
                               train_format_double(b, p->loss),
                               train_format_double(c, p->smoothed));
    }
    return g_file_set_contents(path, text->str, (gssize) text->len, error);
}
