/* train_resume: where a resumed or forked run starts (train_resume.h): the [resume] state of
 * a checkpoint, the data hash, choosing and checking the starting checkpoint, the fork's
 * folder and its lineage. The worker calls train_start_apply once its model exists; the
 * rest runs on the consumer's thread before the run starts. */
#include "train_resume.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "nn_checkpoint.h"
#include "train_checkpoints.h"
#include "train_fields.h"
#include "train_history.h"
#include "train_model.h"

#define FORK_FILE "fork.ini"
#define FORK_GROUP "fork"

/* ---- the start ---- */

struct _TrainStart {
    gboolean fork;
    char *dir;                     /* the run (resume) or the parent (fork) */
    char *base;                    /* its folder name, for messages */
    TrainRecordFolder folder;      /* what it holds; epochs cut to epochs_done on apply */
    int epochs_done;
    GPtrArray *candidates;         /* checkpoint paths to try, newest first */
    GArray *candidate_epochs;      /* int, their epochs done */
    TrainRatioLog *ratios;         /* NULL: none recorded */
    char *note;
    char *fork_dir;                /* the fork's own folder, once prepared */
};

void train_start_free(TrainStart *start)
{
    if (start == NULL)
        return;
    train_record_folder_clear(&start->folder);
    g_free(start->dir);
    g_free(start->base);
    g_ptr_array_unref(start->candidates);
    g_array_unref(start->candidate_epochs);
    g_clear_pointer(&start->ratios, train_ratio_log_unref);
    g_free(start->note);
    g_free(start->fork_dir);
    g_free(start);
}

/* A folder from LR Lab's first version kept, per image and epoch, only the predicted
 * class's probability and the true class's (predictions.bin v1). The epochs a fork copies
 * from it need every class's: those two as they were, the rest of the mass shared evenly
 * by the other classes (exact for two classes, the usual case). */
static float *
probabilities_of_v1(const TrainRecordFolder *f)
{
    const int C = f->split.num_classes, n_val = f->split.n_val;
    const gsize n = (gsize) f->epochs->len * n_val;
    float *probs = g_new0(float, MAX(n * C, 1));

    for (gsize a = 0; f->predictions && a < n; a++) {
        const TrainPrediction *p = &f->predictions[a];
        const int label = f->split.val_labels[a % n_val];
        float *row = probs + a * C;
        float known = p->confidence;
        int n_known = 1;
        row[CLAMP(p->predicted, 0, C - 1)] = p->confidence;
        if (label != p->predicted) {
            row[label] = p->true_probability;
            known += p->true_probability;
            n_known++;
        }
        for (int c = 0; c < C && C > n_known; c++)
            if (c != p->predicted && c != label)
                row[c] = MAX(1.0f - known, 0.0f) / (float) (C - n_known);
    }
    return probs;
}

/* The damaged checkpoints passed over, one clause each: "the checkpoint after epoch 12
 * is damaged (...); the checkpoint after epoch 11 ...". */
static void
skipped_damaged(GString *skipped, int epochs_done, const char *why)
{
    if (skipped->len)
        g_string_append(skipped, "; ");
    g_string_append_printf(skipped, _("the checkpoint after epoch %d is damaged (%s)"),
                           epochs_done, why);
}

/* The note of a resume that starts before the run's last epoch: what was passed over (or
 * nothing), and how many epochs train again. */
static char *
resuming_note(const GString *skipped, int epochs_done, int n_again)
{
    /* Translators: the epoch the run resumes after, then the epochs it trains again. */
    g_autofree char *resuming = g_strdup_printf(
        ngettext("resuming after epoch %d, so the %d epoch after it is trained again.",
                 "resuming after epoch %d, so the %d epochs after it are trained again.",
                 n_again),
        epochs_done, n_again);
    char *note = skipped->len ? g_strdup_printf("%s: %s", skipped->str, resuming)
                              : g_strdup(resuming);
    note[0] = g_ascii_toupper(note[0]);
    return note;
}

static TrainStart *
start_read(const char *dir, gboolean fork, GError **error)
{
    TrainStart *s = g_new0(TrainStart, 1);
    s->fork = fork;
    s->dir = g_strdup(dir);
    s->base = g_filename_display_basename(dir);   /* UTF-8, for messages */
    s->candidates = g_ptr_array_new_with_free_func(g_free);
    s->candidate_epochs = g_array_new(FALSE, FALSE, sizeof(int));
    GError *cause = NULL;
    if (!train_record_read(dir, &s->folder, &cause)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    fork ? _("Cannot fork %s: %s") : _("Cannot resume %s: %s"), s->base,
                    cause->message);
        g_error_free(cause);
        train_start_free(s);
        return NULL;
    }
    if (s->folder.probabilities == NULL)
        s->folder.probabilities = probabilities_of_v1(&s->folder);
    g_autoptr(GError) ratio_error = NULL;
    s->ratios = train_ratio_log_read(dir, (int) s->folder.epochs->len, &ratio_error);
    return s;
}

static void
add_candidate(TrainStart *s, const char *path, int epochs_done)
{
    g_ptr_array_add(s->candidates, g_strdup(path));
    g_array_append_val(s->candidate_epochs, epochs_done);
}

/* The epochs done of best.ckpt: [model] epoch + 1, or (a v1 file without it) the history's
 * best epoch by the run's own rule. 0 when there is no best.ckpt. */
static int
best_file_epochs(const char *dir, const GArray *epochs, double min_delta)
{
    g_autofree char *path = g_build_filename(dir, "best.ckpt", NULL);
    nn_checkpoint_info info;
    nn_error err;
    if (nn_checkpoint_peek_info(path, NULL, 0, NULL, NULL, NULL, &info, &err) != NN_OK)
        return 0;
    int epoch = -1;
    if (info.metadata) {
        g_autoptr(GKeyFile) kf = g_key_file_new();
        GError *e = NULL;
        if (g_key_file_load_from_data(kf, info.metadata, (gsize) -1, G_KEY_FILE_NONE, NULL))
            epoch = g_key_file_get_integer(kf, "model", "epoch", &e);
        g_clear_error(&e);
    }
    nn_checkpoint_info_clear(&info);
    if (epoch < 0 && epochs) {
        double best = INFINITY;
        for (guint i = 0; i < epochs->len; i++) {
            double v = g_array_index(epochs, TrainEpoch, i).val_loss;
            if (v < best - min_delta || epoch < 0) {
                best = v;
                epoch = (int) i;
            }
        }
    }
    return epoch + 1;
}

TrainStart *train_start_new_resume(const char *run_dir, GError **error)
{
    g_return_val_if_fail(run_dir != NULL, NULL);

    TrainStart *s = start_read(run_dir, FALSE, error);
    if (s == NULL)
        return NULL;
    const int n = (int) s->folder.epochs->len;
    g_autoptr(GArray) files = train_checkpoints_list(run_dir);
    for (guint i = files->len; i-- > 0;) {
        const TrainCheckpointFile *f = &g_array_index(files, TrainCheckpointFile, i);
        if (f->epochs_done >= 1 && f->epochs_done <= n)
            add_candidate(s, f->path, f->epochs_done);
    }
    if (s->candidates->len == 0) {
        int best = best_file_epochs(run_dir, s->folder.epochs, s->folder.config.early_stop_min_delta);
        g_autofree char *shown_dir = g_filename_display_name(run_dir);
        if (n == 0)
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                        _("%s has no finished epoch to continue from: start it again instead."),
                        s->base);
        else if (best > 0)
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                        _("%s kept only its best weights (epoch %d), as LR Lab did before it "
                        "saved every epoch: it cannot be resumed exactly. Fork it from epoch %d "
                        "instead (lrlab-train --fork %s:%d)."),
                        s->base, best, best, shown_dir, best);
        else
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                        _("%s has no checkpoint to continue from."), s->base);
        train_start_free(s);
        return NULL;
    }
    /* A damaged newest checkpoint (a copy cut short, a bad disk) is passed over for the
     * newest whole one before it, said in the note: the epochs after it train again. */
    g_autoptr(GString) skipped = g_string_new(NULL);
    while (s->candidates->len > 0) {
        nn_error err;
        if (nn_checkpoint_verify(g_ptr_array_index(s->candidates, 0), &err) == NN_OK)
            break;
        skipped_damaged(skipped, g_array_index(s->candidate_epochs, int, 0), err.message);
        g_ptr_array_remove_index(s->candidates, 0);
        g_array_remove_index(s->candidate_epochs, 0);
    }
    if (s->candidates->len == 0) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("%s cannot be resumed: %s."),
                    s->base, skipped->str);
        train_start_free(s);
        return NULL;
    }
    s->epochs_done = g_array_index(s->candidate_epochs, int, 0);
    if (s->epochs_done < n) {
        s->note = resuming_note(skipped, s->epochs_done, n - s->epochs_done);
    }
    return s;
}

/* "after epochs 10 and 12" / "after epoch 12" / "none": what is left around a pruned one. */
static char *
nearest_kept(const GArray *points, int epochs_done)
{
    int below = 0, above = 0;
    for (guint i = 0; i < points->len; i++) {
        int e = g_array_index(points, int, i);
        if (e < epochs_done)
            below = e;
        else if (e > epochs_done && above == 0)
            above = e;
    }
    if (below && above)
        return g_strdup_printf(_("the nearest kept are after epochs %d and %d"), below, above);
    if (below || above)
        return g_strdup_printf(_("the nearest kept is after epoch %d"), below ? below : above);
    return g_strdup(_("none is kept"));
}

TrainStart *train_start_new_fork(const char *parent_dir, int epochs_done, GError **error)
{
    g_return_val_if_fail(parent_dir != NULL, NULL);

    TrainStart *s = start_read(parent_dir, TRUE, error);
    if (s == NULL)
        return NULL;
    const int n = (int) s->folder.epochs->len;
    if (epochs_done < 1 || epochs_done > n) {
        if (n == 0)
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        _("%s has no finished epoch to fork from."), s->base);
        else
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        _("%s has epochs 1 to %d: a fork starts after one of them (not %d)."),
                        s->base, n, epochs_done);
        train_start_free(s);
        return NULL;
    }
    g_autofree char *path = train_checkpoints_path(parent_dir, epochs_done);
    if (g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
        add_candidate(s, path, epochs_done);
    } else if (best_file_epochs(parent_dir, s->folder.epochs,
                                s->folder.config.early_stop_min_delta) == epochs_done) {
        g_autofree char *best = g_build_filename(parent_dir, "best.ckpt", NULL);
        add_candidate(s, best, epochs_done);
    } else {
        g_autoptr(GArray) points = train_start_fork_points(parent_dir);
        g_autofree char *kept = nearest_kept(points, epochs_done);
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                    _("The checkpoint after epoch %d of %s is not kept (its ring of checkpoints "
                    "pruned it): %s."), epochs_done, s->base, kept);
        train_start_free(s);
        return NULL;
    }
    nn_error err;
    if (nn_checkpoint_verify(g_ptr_array_index(s->candidates, 0), &err) != NN_OK) {
        g_autoptr(GArray) points = train_start_fork_points(parent_dir);
        g_autofree char *kept = nearest_kept(points, epochs_done);
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    _("The checkpoint after epoch %d of %s is damaged (%s): fork from another "
                    "epoch (%s)."), epochs_done, s->base, err.message, kept);
        train_start_free(s);
        return NULL;
    }
    s->epochs_done = epochs_done;
    return s;
}

gboolean train_start_is_fork(const TrainStart *start) { return start->fork; }
int train_start_epochs_done(const TrainStart *start) { return start->epochs_done; }
const char *train_start_dir(const TrainStart *start) { return start->dir; }
const TrainConfig *train_start_config(const TrainStart *start) { return &start->folder.config; }
const char *train_start_note(const TrainStart *start) { return start->note; }
const GArray *train_start_epochs(const TrainStart *start) { return start->folder.epochs; }
const float *train_start_probabilities(const TrainStart *start) { return start->folder.probabilities; }
const TrainRecordSplit *train_start_split(const TrainStart *start) { return &start->folder.split; }
TrainRatioLog *train_start_ratios(const TrainStart *start) { return start->ratios; }

/* ---- what a new run may change ---- */

static gboolean
group_is(const TrainField *f, const char *group)
{
    return g_str_equal(f->group, group);
}

/* Settings a fork must keep: its weights, moments and first epochs belong to them. */
static gboolean
fork_keeps(const TrainField *f)
{
    return group_is(f, "data") || g_str_equal(f->key, "model") || g_str_equal(f->key, "size") ||
           g_str_equal(f->key, "optimizer");
}

/* Settings a resume may change: the epoch count, the run's name, and those that only say
 * what is kept on disk. */
static gboolean
resume_may_change(const TrainField *f)
{
    return g_str_equal(f->key, "epochs") || g_str_equal(f->key, "name") ||
           group_is(f, "checkpoints");
}

static const char *
flag_or_key(const TrainField *f)
{
    return f->flag ? f->flag : f->key;
}

gboolean train_start_check_config(const TrainStart *start, const TrainConfig *config,
                                  GError **error)
{
    g_return_val_if_fail(start != NULL && config != NULL, FALSE);

    guint n;
    const TrainField *fields = train_fields(&n);
    const TrainConfig *was = &start->folder.config;
    for (guint i = 0; i < n; i++) {
        const TrainField *f = &fields[i];
        if (train_field_equal(f, was, config))
            continue;
        if (start->fork && fork_keeps(f))
            return train_invalid(error, _("A fork keeps its parent's data, split, network and "
                                 "optimizer, so --%s cannot differ from the parent's. Start a "
                                 "new run instead."), flag_or_key(f));
        if (!start->fork && !resume_may_change(f))
            return train_invalid(error, _("Resuming continues %s with its own settings, so --%s "
                                 "cannot differ from its own. Fork it to change that: "
                                 "lrlab-train --fork %s:%d --%s ..."), start->base,
                                 flag_or_key(f), start->dir, start->epochs_done, flag_or_key(f));
    }
    if (config->epochs <= start->epochs_done)
        return train_invalid(error, _("%s has done %d epochs already; give more epochs than that "
                             "(lrlab-train --resume %s --epochs N trains N more)."), start->base,
                             start->epochs_done, start->dir);
    return TRUE;
}

/* ---- the fork's folder ---- */

static gboolean
write_fork_ini(const TrainStart *s, const char *dir, gboolean exact, GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autofree char *path = g_build_filename(dir, FORK_FILE, NULL);
    g_autofree char *parent = g_canonicalize_filename(s->dir, NULL);
    g_key_file_set_string(kf, FORK_GROUP, "parent", parent);
    g_key_file_set_string(kf, FORK_GROUP, "parent-name",
                          s->folder.config.name ? s->folder.config.name : s->base);
    g_key_file_set_integer(kf, FORK_GROUP, "epochs", s->epochs_done);
    g_key_file_set_boolean(kf, FORK_GROUP, "exact", exact);
    return g_key_file_save_to_file(kf, path, error);
}

/* Whether a checkpoint file carries [resume] (an exact start). */
static gboolean
has_resume_state(const char *path)
{
    nn_checkpoint_info info;
    nn_error err;
    if (nn_checkpoint_peek_info(path, NULL, 0, NULL, NULL, NULL, &info, &err) != NN_OK)
        return FALSE;
    gboolean has = info.metadata && strstr(info.metadata, "[" TRAIN_RESUME_GROUP "]") != NULL;
    nn_checkpoint_info_clear(&info);
    return has;
}

gboolean train_start_prepare_folder(const TrainStart *cs, const char *dir, GError **error)
{
    g_return_val_if_fail(cs != NULL && cs->fork && dir != NULL, FALSE);

    TrainStart *s = (TrainStart *) cs;   /* the starting checkpoint becomes the fork's own */
    const int k = s->epochs_done;
    g_autofree char *checkpoints = g_build_filename(dir, TRAIN_CHECKPOINTS_DIR, NULL);
    g_autofree char *own = train_checkpoints_path(dir, k);
    const char *src = g_ptr_array_index(s->candidates, 0);
    gboolean exact = has_resume_state(src);

    if (g_mkdir_with_parents(checkpoints, 0755) != 0) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Cannot create %s"), checkpoints);
        return FALSE;
    }
    /* The checkpoint first: a fork folder with epochs has the checkpoint they end with. The
     * fork then reads its own copy, whatever the parent's ring does meanwhile. */
    if (!train_checkpoints_share(src, own, error))
        return FALSE;
    g_free(s->candidates->pdata[0]);
    s->candidates->pdata[0] = g_strdup(own);
    g_free(s->fork_dir);
    s->fork_dir = g_strdup(dir);

    int best = best_file_epochs(s->dir, s->folder.epochs, s->folder.config.early_stop_min_delta);
    g_autofree char *best_src = best == k ? g_strdup(own)
                                : best > 0 && best < k ? train_checkpoints_path(s->dir, best)
                                                       : NULL;
    g_autofree char *best_dst = g_build_filename(dir, "best.ckpt", NULL);
    if (best_src && g_file_test(best_src, G_FILE_TEST_IS_REGULAR) &&
        !train_checkpoints_share(best_src, best_dst, error))
        return FALSE;

    if (s->ratios) {
        train_ratio_log_truncate(s->ratios, k);
        if (!train_ratio_log_save_epochs(s->ratios, dir, error) ||
            !train_ratio_log_rewrite_batches(s->ratios, dir, error))
            return FALSE;
    }
    return train_record_write_epochs(dir, &s->folder.split,
                                     (const TrainEpoch *) s->folder.epochs->data, k,
                                     s->folder.probabilities, error) &&
           write_fork_ini(s, dir, exact, error);
}

/* ---- the worker's side ---- */

/* The state the history alone implies: early stopping's best by the run's rule, and the
 * schedule replayed over the validation losses (exact for every kind: only plateau learns,
 * and it learns from those losses alone). */
static void
state_from_history(const GArray *epochs, int k, const TrainConfig *config, TrainResumeState *s)
{
    s->epochs_done = k;
    s->best_epoch = -1;
    s->best_val_loss = INFINITY;
    s->epochs_without_improvement = 0;
    train_schedule_state_init(&s->schedule, config->lr);
    for (int i = 0; i < k; i++) {
        double v = g_array_index(epochs, TrainEpoch, i).val_loss;
        train_schedule_end_epoch(&config->schedule, &s->schedule, v);
        if (v < s->best_val_loss - config->early_stop_min_delta) {
            s->best_val_loss = v;
            s->best_epoch = i;
            s->epochs_without_improvement = 0;
        } else {
            s->epochs_without_improvement++;
        }
    }
}

static gboolean
same_split(const TrainRecordSplit *a, const TrainRecordSplit *b)
{
    if (a->n_val != b->n_val || a->num_classes != b->num_classes)
        return FALSE;
    for (int i = 0; i < a->n_val; i++)
        if (a->val_indices[i] != b->val_indices[i] || a->val_labels[i] != b->val_labels[i] ||
            g_strcmp0(a->val_sources[i], b->val_sources[i]) != 0)
            return FALSE;
    return TRUE;
}

/* Whether a fork changes the rate or the schedule: the schedule's state then starts over
 * at the fork's rate (it is the parent's plateau history otherwise). */
static gboolean
same_schedule(const TrainConfig *a, const TrainConfig *b)
{
    guint n;
    const TrainField *fields = train_fields(&n);
    for (guint i = 0; i < n; i++)
        if ((group_is(&fields[i], "schedule") || g_str_equal(fields[i].key, "lr")) &&
            !train_field_equal(&fields[i], a, b))
            return FALSE;
    return TRUE;
}

/* The metadata of a checkpoint without loading its tensors. */
static GKeyFile *
peek_metadata(const char *path, nn_checkpoint_info *info, GError **error)
{
    nn_error err;
    if (nn_checkpoint_peek_info(path, NULL, 0, NULL, NULL, NULL, info, &err) != NN_OK) {
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, err.message);
        return NULL;
    }
    GKeyFile *kf = g_key_file_new();
    if (info->metadata &&
        !g_key_file_load_from_data(kf, info->metadata, (gsize) -1, G_KEY_FILE_NONE, NULL)) {
        g_key_file_unref(kf);
        nn_checkpoint_info_clear(info);
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("%s: damaged metadata"), path);
        return NULL;
    }
    return kf;
}

/* Loads the weights of path (and, when opt is not NULL, the optimizer's state) while
 * keeping the run's own optimizer settings: a fork may have another rate or decay. */
static gboolean
load_weights(const char *path, nn_model *model, nn_optimizer *opt, GError **error)
{
    nn_optimizer_config keep = opt ? opt->config : (nn_optimizer_config) { 0 };
    if (!train_model_load_into(path, model, opt, NULL, NULL, error))
        return FALSE;
    if (opt)
        opt->config = keep;
    return TRUE;
}

/* The best weights so far for early stopping's restore: the run's best.ckpt when it is the
 * best epoch's, else that epoch's checkpoint in the run's folder or (a fork) its parent's;
 * the starting weights when none is kept, said in the note. */
static void
load_best(TrainStart *s, int best_epoch, nn_model *model, float *best_params)
{
    const size_t n = nn_model_num_parameters(model);
    const char *run_dir = s->fork_dir ? s->fork_dir : s->dir;
    g_autofree char *best = g_build_filename(run_dir, "best.ckpt", NULL);
    g_autofree char *own = train_checkpoints_path(run_dir, best_epoch + 1);
    g_autofree char *parent = train_checkpoints_path(s->dir, best_epoch + 1);
    const char *paths[] = { best_file_epochs(run_dir, NULL, 0) == best_epoch + 1 ? best : NULL,
                            own, parent };
    for (guint i = 0; best_epoch >= 0 && i < G_N_ELEMENTS(paths); i++)
        if (paths[i] && load_weights(paths[i], model, NULL, NULL)) {
            memcpy(best_params, nn_model_params(model), n * sizeof(float));
            return;
        }
    memcpy(best_params, nn_model_params(model), n * sizeof(float));
    if (best_epoch >= 0 && s->note == NULL)
        s->note = g_strdup_printf(_("The best epoch's weights (epoch %d) are no longer kept: early "
                                  "stopping would restore those it starts from."),
                                  best_epoch + 1);
}

gboolean train_start_apply(TrainStart *s, const TrainConfig *config, guint64 data_hash,
                           const TrainRecordSplit *split, nn_model *model, nn_optimizer *opt,
                           float *best_params, TrainResumeState *state, GError **error)
{
    g_return_val_if_fail(s != NULL && config != NULL && model != NULL && opt != NULL, FALSE);

    if (s->fork && !same_split(&s->folder.split, split)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    _("The validation images of %s are not the ones it was trained with: its "
                    "data changed. A fork keeps its parent's first epochs, whose predictions "
                    "are about the old images; start a new run instead."), s->base);
        return FALSE;
    }
    g_autoptr(GString) skipped = g_string_new(NULL);
    for (guint c = 0; c < s->candidates->len; c++) {
        const char *path = g_ptr_array_index(s->candidates, c);
        const int k = g_array_index(s->candidate_epochs, int, c);
        nn_checkpoint_info info;
        g_autoptr(GError) cause = NULL;
        g_autoptr(GKeyFile) kf = peek_metadata(path, &info, &cause);
        TrainResumeState saved;
        gboolean exact = FALSE;
        if (kf) {
            exact = train_resume_state_load(kf, &saved, &cause) && saved.epochs_done == k;
            if (!s->fork && !exact && cause == NULL)
                cause = g_error_new(G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                    _("it has no resume state"));
        }
        if (cause == NULL && !s->fork && saved.data_hash != data_hash) {
            g_autofree char *shown_dir = g_filename_display_name(s->dir);
            nn_checkpoint_info_clear(&info);
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        _("The data changed since %s was trained (its images, labels or "
                        "validation split are not the ones its checkpoints learned from): "
                        "resuming would mix two datasets in one record, so it is left as it "
                        "is. Fork it instead: lrlab-train --fork %s:%d starts a new run from "
                        "epoch %d's weights on today's data."),
                        s->base, shown_dir, k, k);
            return FALSE;
        }
        /* v1: the weights alone; v2: its optimizer state too, when it has one. */
        gboolean with_optimizer = kf && info.version >= 2 && info.has_moments;
        if (kf)
            nn_checkpoint_info_clear(&info);
        if (cause == NULL) {
            if (best_params && config->restore_best && config->early_stop_patience > 0) {
                TrainResumeState from_history;
                state_from_history(s->folder.epochs, k, &s->folder.config, &from_history);
                load_best(s, exact ? saved.best_epoch : from_history.best_epoch, model,
                          best_params);
            }
            if (load_weights(path, model, with_optimizer ? opt : NULL, &cause)) {
                if (!with_optimizer)
                    opt->step = 0;
                if (!exact) {
                    state_from_history(s->folder.epochs, k, config, state);
                    g_free(s->note);
                    s->note = g_strdup_printf(
                        with_optimizer
                            ? _("The checkpoint after epoch %d has no resume state (an older LR "
                              "Lab wrote it): its weights and optimizer state are used, the "
                              "schedule and early stopping are read from the history.")
                            : _("The checkpoint after epoch %d holds the weights only (LR Lab's "
                              "first version kept no more), so the optimizer starts afresh."),
                        k);
                } else {
                    *state = saved;
                    state->data_hash = data_hash;
                }
                if (s->fork && !same_schedule(config, &s->folder.config))
                    train_schedule_state_init(&state->schedule, config->lr);
                if (skipped->len > 0) {
                    const int recorded = (int) s->folder.epochs->len;
                    g_free(s->note);
                    s->note = resuming_note(skipped, k, recorded - k);
                }
                s->epochs_done = k;
                g_array_set_size(s->folder.epochs, k);
                if (s->ratios)
                    train_ratio_log_truncate(s->ratios, k);
                return TRUE;
            }
        }
        if (s->fork) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                        _("The checkpoint after epoch %d of %s cannot be used: %s"), k, s->base,
                        cause->message);
            return FALSE;
        }
        skipped_damaged(skipped, k, cause->message);
    }
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                _("%s cannot be resumed: %s."), s->base, skipped->str);
    return FALSE;
}

/* ---- lineage ---- */

gboolean train_fork_info_read(const char *run_dir, TrainForkInfo *info)
{
    g_return_val_if_fail(run_dir != NULL && info != NULL, FALSE);

    memset(info, 0, sizeof *info);
    g_autoptr(GKeyFile) kf = train_record_load_key_file(run_dir, FORK_FILE, NULL);
    if (kf == NULL)
        return FALSE;
    GError *e = NULL;
    info->parent = g_key_file_get_string(kf, FORK_GROUP, "parent", NULL);
    info->parent_name = g_key_file_get_string(kf, FORK_GROUP, "parent-name", NULL);
    info->epochs = g_key_file_get_integer(kf, FORK_GROUP, "epochs", &e);
    info->exact = g_key_file_get_boolean(kf, FORK_GROUP, "exact", NULL);
    if (e || info->parent == NULL || info->epochs < 1) {
        g_clear_error(&e);
        train_fork_info_clear(info);
        return FALSE;
    }
    /* A session copied elsewhere (Save Session) keeps its runs side by side: the parent is
     * then the folder of that name beside the fork. */
    if (!g_file_test(info->parent, G_FILE_TEST_IS_DIR)) {
        g_autofree char *base = g_path_get_basename(info->parent);
        g_autofree char *here = g_path_get_dirname(run_dir);
        char *sibling = g_build_filename(here, base, NULL);
        if (g_file_test(sibling, G_FILE_TEST_IS_DIR)) {
            g_free(info->parent);
            info->parent = sibling;
        } else {
            g_free(sibling);
        }
    }
    return TRUE;
}

void train_fork_info_clear(TrainForkInfo *info)
{
    g_clear_pointer(&info->parent, g_free);
    g_clear_pointer(&info->parent_name, g_free);
    memset(info, 0, sizeof *info);
}

gboolean train_resume_was_interrupted(const char *run_dir)
{
    g_return_val_if_fail(run_dir != NULL, FALSE);

    g_autoptr(GKeyFile) kf = train_record_load_key_file(run_dir, "status.ini", NULL);
    TrainStatus status;
    if (kf == NULL)
        return FALSE;
    g_autofree char *text = g_key_file_get_string(kf, "status", "status", NULL);
    if (!train_status_from_string(text, &status) ||
        !(train_status_is_active(status) || status == TRAIN_STATUS_READY))
        return FALSE;
    g_autoptr(GArray) files = train_checkpoints_list(run_dir);
    return files->len > 0;
}

char *train_fork_describe(const TrainConfig *config, const TrainConfig *parent, int epochs)
{
    g_return_val_if_fail(config != NULL && parent != NULL, NULL);

    /* The epoch count and the ring say nothing about what the fork tries. */
    TrainConfig same;
    train_config_copy(&same, config);
    same.epochs = parent->epochs;
    same.keep_last = parent->keep_last;
    same.keep_every = parent->keep_every;
    const TrainConfig *others[] = { parent };
    g_autofree char *difference = train_config_describe_difference(&same, others, 1);
    train_config_clear(&same);
    return difference && difference[0]
               ? g_strdup_printf(_("%s from epoch %d"), difference, epochs)
               : g_strdup_printf(_("from epoch %d"), epochs);
}

static int
compare_ints(gconstpointer a, gconstpointer b)
{
    int x = *(const int *) a, y = *(const int *) b;
    return (x > y) - (x < y);
}

GArray *train_start_fork_points(const char *run_dir)
{
    g_return_val_if_fail(run_dir != NULL, NULL);

    GArray *points = g_array_new(FALSE, FALSE, sizeof(int));
    g_autoptr(GArray) files = train_checkpoints_list(run_dir);
    for (guint i = 0; i < files->len; i++)
        g_array_append_val(points, g_array_index(files, TrainCheckpointFile, i).epochs_done);
    g_autofree char *history = g_build_filename(run_dir, "history.csv", NULL);
    g_autofree char *config_path = g_build_filename(run_dir, "config.ini", NULL);
    g_autoptr(GArray) epochs = train_history_load(history, NULL);
    TrainConfig config;   /* load starts from the defaults and leaves them on failure */
    train_config_load(&config, config_path, NULL);
    int best = best_file_epochs(run_dir, epochs, config.early_stop_min_delta);
    train_config_clear(&config);
    gboolean listed = FALSE;
    for (guint i = 0; i < points->len; i++)
        listed |= g_array_index(points, int, i) == best;
    if (best > 0 && !listed)
        g_array_append_val(points, best);
    g_array_sort(points, compare_ints);
    /* Epochs beyond the history (a kill between a checkpoint and history.csv) are not
     * recorded epochs: no fork starts there. */
    while (epochs && points->len > 0 &&
           g_array_index(points, int, points->len - 1) > (int) epochs->len)
        g_array_set_size(points, points->len - 1);
    return points;
}

gboolean train_start_keeps_epoch(const char *run_dir, int epochs_done)
{
    g_return_val_if_fail(run_dir != NULL, FALSE);

    g_autofree char *path = train_checkpoints_path(run_dir, epochs_done);
    if (g_file_test(path, G_FILE_TEST_IS_REGULAR))
        return TRUE;
    /* Without its own checkpoint, only best.ckpt can hold that epoch. */
    g_autofree char *best = g_build_filename(run_dir, "best.ckpt", NULL);
    if (!g_file_test(best, G_FILE_TEST_IS_REGULAR))
        return FALSE;
    g_autoptr(GArray) points = train_start_fork_points(run_dir);
    for (guint i = 0; i < points->len; i++)
        if (g_array_index(points, int, i) == epochs_done)
            return TRUE;
    return FALSE;
}
