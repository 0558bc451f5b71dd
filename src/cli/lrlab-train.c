/* lrlab-train: LR Lab without a window. Trains one run, or a learning-rate sweep over one
 * shared dataset, split and set of initial weights, and prints what the app would plot,
 * then a table with the teacher's verdict for each rate. Same engine, same run folders,
 * same settings: its flags, their parsing and --help come from the table of fields
 * (train_fields.c), and --config starts from a run folder's config.ini. Its other modes
 * live in lrlab-train-<mode>.c; what stays here (flags, loading with its progress and
 * signals, showing a sweep's members in turn) is one flow, hence over 800 lines. */
#include <gio/gio.h>
#include <glib-unix.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "data_synthetic.h"
#include "lrlab-train-export.h"
#include "lrlab-train-resume.h"
#include "lrlab-train-signals.h"
#include "nn_model.h"
#include "nn_spec.h"
#include "train_best.h"
#include "train_config.h"
#include "train_dataset.h"
#include "train_diagnosis.h"
#include "train_fields.h"
#include "train_process.h"
#include "train_plan.h"
#include "train_record.h"
#include "train_resume.h"
#include "train_run.h"
#include "train_sweep.h"
#include "lrlab-train-advice.h"
#include "lrlab-train-find-lr.h"
#include "lrlab-train-sweep.h"

/* Exit statuses: 2 for a bad command line (as getopt tools do), 128 + the signal after
 * a stop signal (130 after Ctrl-C, 143 after SIGTERM), as a shell reports them. */
enum { EXIT_USAGE = 2 };
#define EXIT_INTERRUPTED_BY(signum) (128 + ((signum) ? (signum) : SIGINT))

/* The flags that are not one field each: --data and --lr fill several settings or a list,
 * --augment takes "flip,noise=0.2"; the rest only run the program. The table's flags
 * keep their text in field_text (or field_on for a switch), one slot per field. */
typedef struct {
    char *config, *data, *lr, *augment, *out, *export_synthetic, *seeds;
    gboolean find_lr;
    int find_lr_steps;
    char **field_text;
    gboolean *field_on;
} Options;

static void
options_clear(Options *o)
{
    guint n;
    train_fields(&n);
    for (guint i = 0; o->field_text != NULL && i < n; i++)
        g_free(o->field_text[i]);
    g_clear_pointer(&o->field_text, g_free);
    g_clear_pointer(&o->field_on, g_free);
    g_clear_pointer(&o->config, g_free);
    g_clear_pointer(&o->data, g_free);
    g_clear_pointer(&o->lr, g_free);
    g_clear_pointer(&o->augment, g_free);
    g_clear_pointer(&o->out, g_free);
    g_clear_pointer(&o->export_synthetic, g_free);
    g_clear_pointer(&o->seeds, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Options, options_clear)

/* main's options, for exit() to leave reachable: a usage error ends the program from deep
 * inside the parsing, and what it held is not lost memory. */
static Options *live_options;

static G_NORETURN void
usage_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* One line naming the flag and what it accepts, then exit 2. */
static void
usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    /* Straight to stderr: exit() frees nothing, and a message left allocated would be a
     * leak to LeakSanitizer. */
    fputs("lrlab-train: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(EXIT_USAGE);
}

/* The field's parser, with the flag in front of its words: "--size: '8' is not ...". */
static void
parse_field(const char *flag, const char *key, TrainConfig *config, const char *text)
{
    g_autoptr(GError) error = NULL;

    if (!train_field_parse(train_field_find(key), config, text, &error))
        usage_error("%s: %s", flag, error->message);
}

/* The --help lines of the table's flags; the texts live in help (freed with it). */
static GArray *
field_entries(Options *o, GPtrArray *help)
{
    guint n;
    const TrainField *fields = train_fields(&n);
    GArray *entries = g_array_new(TRUE, TRUE, sizeof(GOptionEntry));

    o->field_text = g_new0(char *, n);
    o->field_on = g_new0(gboolean, n);
    for (guint i = 0; i < n; i++) {
        const TrainField *f = &fields[i];
        if (f->flag == NULL)
            continue;
        char *text = train_field_describe_help(f);
        g_ptr_array_add(help, text);
        gboolean is_switch = f->type == TRAIN_FIELD_BOOL && f->flag_style == TRAIN_FLAG_SWITCH;
        GOptionEntry entry = {
            .long_name = f->flag,
            .arg = is_switch ? G_OPTION_ARG_NONE : G_OPTION_ARG_STRING,
            .arg_data = is_switch ? (gpointer) &o->field_on[i] : (gpointer) &o->field_text[i],
            .description = text,
            .arg_description = is_switch ? NULL : f->metavar,
        };
        g_array_append_val(entries, entry);
    }
    return entries;
}

/* "--data synthetic[:N]|DIR": the kind, the images per class or the folder. */
static void
apply_data(const char *text, TrainConfig *config)
{
    if (g_str_has_prefix(text, "synthetic")) {
        const char *rest = text + strlen("synthetic");
        config->data_kind = TRAIN_DATA_SYNTHETIC;
        if (*rest == ':')
            parse_field("--data", "images-per-class", config, rest + 1);
        else if (*rest != '\0')
            usage_error("--data: '%s' is neither synthetic[:N] nor a folder", text);
        return;
    }
    if (!g_file_test(text, G_FILE_TEST_IS_DIR))
        usage_error("--data: '%s' is not a folder (expected synthetic[:N] or a folder of "
                    "class folders)", text);
    config->data_kind = TRAIN_DATA_FOLDER;
    g_free(config->folder);
    config->folder = g_strdup(text);
}

/* The seeds of the runs: a list "--seed 1,2,3" (kept out of the table's parser, which
 * takes one number), or --seeds N counted from --seed (N = 1 without it). A list takes
 * the place of --seed, whose text is cleared. */
static GArray *
seeds_from_options(const Options *o, char **seed_text, guint64 *first)
{
    g_autoptr(GError) error = NULL;

    if (*seed_text == NULL || strchr(*seed_text, ',') == NULL)
        return NULL;
    if (o->seeds)
        usage_error("--seeds: give either --seeds N or a list --seed 1,2,3, not both");
    GArray *seeds = train_sweep_parse_seeds(*seed_text, &error);
    if (seeds == NULL)
        usage_error("--seed: %s", error->message);
    if (seeds->len == 0)
        usage_error("--seed: no seed given (a number or a comma-separated list)");
    g_clear_pointer(seed_text, g_free);
    *first = g_array_index(seeds, guint64, 0);
    return seeds;
}

static GArray *
count_seeds(const Options *o, guint64 first)
{
    gint64 n = 1;
    if (o->seeds && !g_ascii_string_to_signed(o->seeds, 10, 1, 1000, &n, NULL))
        usage_error("--seeds: '%s' is not a number of seeds (an integer from 1 to 1000)",
                    o->seeds);
    return train_sweep_seeds_from(first, (int) n);
}

/* Fills config (and the list of rates) from the flags; exits 2 on a bad value. The
 * defaults, then --config's file, then every other flag given, wherever it stands. */
static GArray *
config_from_options(Options *o, TrainConfig *config, GArray **seeds_out)
{
    guint n;
    const TrainField *fields = train_fields(&n);
    GArray *rates = g_array_new(FALSE, FALSE, sizeof(double));
    g_autoptr(GError) error = NULL;

    /* load starts from the defaults itself (and does not free what config held). */
    if (o->config == NULL)
        train_config_init(config);
    else if (!train_config_load(config, o->config, &error))
        usage_error("--config: %s", error->message);
    guint64 first_seed = 0;
    GArray *seeds = seeds_from_options(o, &o->field_text[train_field_find("seed") - fields],
                                       &first_seed);
    if (o->data)
        apply_data(o->data, config);
    for (guint i = 0; i < n; i++) {
        const TrainField *f = &fields[i];
        g_autofree char *flag = g_strconcat("--", f->flag, NULL);
        if (o->field_on[i])
            train_field_set_number(f, config, 1);
        else if (o->field_text[i])
            parse_field(flag, f->key, config, o->field_text[i]);
        else
            continue;
        if (f->implies)
            train_field_set_number(train_field_find(f->implies), config, 1);
    }
    if (o->augment) {
        if (!data_augment_config_parse(&config->augment, o->augment, &error))
            usage_error("--augment: %s", error->message);   /* it lists the known words */
    }
    if (seeds)
        config->seed = first_seed;
    *seeds_out = seeds ? seeds : count_seeds(o, config->seed);

    if (o->lr) {
        g_auto(GStrv) words = g_strsplit(o->lr, ",", -1);
        for (int i = 0; words[i]; i++) {
            parse_field("--lr", "lr", config, g_strstrip(words[i]));
            g_array_append_val(rates, config->lr);
        }
        if (rates->len == 0)
            usage_error("--lr: no learning rate given (a comma-separated list of rates)");
        config->lr = g_array_index(rates, double, 0);
    } else {
        g_array_append_val(rates, config->lr);
    }
    return rates;
}

/* ---- the dataset, generated or loaded once for every rate ---- */

/* The loader runs in its own thread; this main loop prints its progress and its end. */
typedef struct {
    GMainLoop *loop;
    TrainNotifier *notifier;
    GCancellable *cancellable;
    const char *what;
    int last_percent;
    DataSet *set;
    GError *error;
    DataFolderReport report;
    int signum;                /* the stop signal that cancelled it, or 0 */
} Loading;

static void
print_load_progress(gpointer user_data)
{
    Loading *l = user_data;
    TrainLoadProgress p;

    train_notifier_read(l->notifier, &p);
    int percent = p.total > 0 ? p.done * 100 / p.total : 0;
    if (percent > l->last_percent && isatty(STDERR_FILENO)) {
        l->last_percent = percent;
        fprintf(stderr, "\r%s %d/%d images (%d%%)", l->what, p.done, p.total, percent);
        fflush(stderr);
    }
}

static void
on_loaded(GObject *source, GAsyncResult *result, gpointer user_data)
{
    Loading *l = user_data;

    l->set = train_dataset_load_finish(result, &l->report, &l->error);
    g_main_loop_quit(l->loop);
}

static void
cancel_loading(int signum, gpointer user_data)
{
    Loading *l = user_data;

    if (l->signum == 0)
        l->signum = signum;
    g_cancellable_cancel(l->cancellable);
}

/* The skipped files of a folder, as many as a terminal shows (the panel lists them all):
 * the first SKIPPED_SHOWN, then where the whole list is. */
#define SKIPPED_SHOWN 20

static void
print_skipped(const DataFolderReport *report, gboolean kept_in_run_folders)
{
    guint n = report->skipped ? report->skipped->len : 0;

    if (n == 0)
        return;
    fprintf(stderr, "Skipped %u file%s that could not be used:\n", n, n == 1 ? "" : "s");
    for (guint i = 0; i < MIN(n, SKIPPED_SHOWN); i++) {
        const DataSkippedFile *file = g_ptr_array_index(report->skipped, i);
        g_autofree char *shown = g_filename_display_name(file->path);
        fprintf(stderr, "  %s: %s\n", shown, file->reason);
    }
    if (n > SKIPPED_SHOWN)
        fprintf(stderr, "  ... and %u more%s\n", n - SKIPPED_SHOWN,
                kept_in_run_folders ? ": every run folder lists them all in "
                                      TRAIN_RECORD_SKIPPED_FILES
                                    : " (with --out DIR, every run folder lists them all in "
                                      TRAIN_RECORD_SKIPPED_FILES ")");
}

/* NULL with the error, G_IO_ERROR_CANCELLED after a stop signal (its number in
 * *signum). report (may be NULL) receives the files a folder skipped. */
static DataSet *
load_dataset(const TrainConfig *config, DataFolderReport *report, int *signum, GError **error)
{
    Loading l = {
        .loop = g_main_loop_new(NULL, FALSE),
        .notifier = train_notifier_new(NULL, sizeof(TrainLoadProgress)),
        .cancellable = g_cancellable_new(),
        .what = config->data_kind == TRAIN_DATA_FOLDER ? "Loading"
                                                       : "Generating synthetic IC chips:",
        .last_percent = -1,
    };

    train_notifier_set_func(l.notifier, print_load_progress, &l, NULL);
    train_dataset_load_async(config, l.notifier, l.cancellable, on_loaded, &l);
    LrlabSignals *signals = lrlab_signals_watch(cancel_loading, &l);
    g_main_loop_run(l.loop);
    lrlab_signals_unwatch(signals);
    if (signum)
        *signum = l.signum;
    print_load_progress(&l);   /* the last news may still be waiting in its idle */
    train_notifier_set_func(l.notifier, NULL, NULL, NULL);
    if (isatty(STDERR_FILENO))
        fputc('\n', stderr);

    if (l.report.imbalance_warning)
        fprintf(stderr, "Warning: %s\n", l.report.imbalance_warning);
    if (report) {
        data_folder_report_clear(report);
        *report = l.report;
    } else {
        data_folder_report_clear(&l.report);
    }
    if (l.error)
        g_propagate_error(error, l.error);
    train_notifier_unref(l.notifier);
    g_object_unref(l.cancellable);
    g_main_loop_unref(l.loop);
    return l.set;
}

/* ---- one run, shown as it trains ---- */

/* The sweep being run and the member being shown (one at a time: they run in turn). */
typedef struct {
    GMainLoop *loop;
    TrainSweep *sweep;
    const char *out;
    const GPtrArray *skipped;   /* DataSkippedFile: what the dataset left out */
    RunResult *results;       /* one per member, as they end */
    int n_collected;          /* members whose result is in */
    int current;              /* the member shown, -1 none */
    TrainRun *run;
    gboolean tty;
    guint batches_seen;       /* batch points already read */
    int epochs_printed;
    int bar_epoch;            /* the epoch whose running means are below */
    double loss_sum, accuracy_sum;
    int n_batches;
    int interrupts;
    int signum;               /* the first stop signal, for the exit status */
} Watch;

static void
print_bar(Watch *w, const TrainProgress *p)
{
    const int width = 24;
    int filled = p->batches_per_epoch ? p->batch * width / p->batches_per_epoch : 0;
    char bar[32];
    for (int i = 0; i < width; i++)
        bar[i] = i < filled ? '=' : (i == filled ? '>' : ' ');
    bar[width] = '\0';
    g_autofree char *eta = train_format_duration(p->eta_seconds);
    printf("\r\033[KEpoch %d/%d [%s] %d/%d  loss %.4f  acc %.3f  %.0f img/s  ETA %s",
           p->epoch + 1, p->epochs, bar, p->batch, p->batches_per_epoch,
           w->n_batches ? w->loss_sum / w->n_batches : 0.0,
           w->n_batches ? w->accuracy_sum / w->n_batches : 0.0, p->images_per_second, eta);
    fflush(stdout);
}

static void on_stop_signal(int signum, gpointer user_data);

static void
print_news(TrainRun *run, gpointer user_data)
{
    Watch *w = user_data;
    TrainProgress p = train_run_get_progress(run);

    /* Running means of this epoch's batches, as Keras's progress bar shows them. */
    g_autoptr(GArray) batches = train_run_dup_batches(run, w->batches_seen);
    for (guint i = 0; i < batches->len; i++) {
        const TrainBatchPoint *b = &g_array_index(batches, TrainBatchPoint, i);
        if (b->epoch != w->bar_epoch) {
            w->bar_epoch = b->epoch;
            w->loss_sum = w->accuracy_sum = 0;
            w->n_batches = 0;
        }
        w->loss_sum += b->loss;
        w->accuracy_sum += b->accuracy;
        w->n_batches++;
    }
    w->batches_seen += batches->len;

    g_autoptr(GArray) epochs = train_run_dup_epochs(run);
    for (int i = w->epochs_printed; i < (int) epochs->len; i++) {
        const TrainEpoch *e = &g_array_index(epochs, TrainEpoch, i);
        printf("%sEpoch %d/%d  loss %.4f  acc %.4f  val_loss %.4f  val_acc %.4f  %.1fs  "
               "%.0f img/s\n",
               w->tty ? "\r\033[K" : "", e->epoch + 1, p.epochs, e->loss, e->accuracy,
               e->val_loss, e->val_accuracy, e->seconds, e->images_per_second);
        w->epochs_printed = i + 1;
    }
    /* Output into a closed pipe (lrlab-train | head): SIGPIPE is ignored (main), so the
     * run stops as for a signal instead of dying with status.ini still "running". */
    if ((fflush(stdout) != 0 || ferror(stdout)) && w->interrupts == 0)
        on_stop_signal(SIGPIPE, w);

    if (w->tty && p.status == TRAIN_STATUS_RUNNING && p.batch > 0 &&
        (p.batch < p.batches_per_epoch))
        print_bar(w, &p);
}

/* A stop signal (lrlab-train-signals.h), or stdout gone (SIGPIPE's case, see print_news):
 * the first stops the sweep after the current batch, the next at once. */
static void
on_stop_signal(int signum, gpointer user_data)
{
    Watch *w = user_data;

    w->interrupts++;
    if (w->interrupts == 1) {
        w->signum = signum;
        if (signum == SIGINT)
            fprintf(stderr, "%sStopping after the current batch; finished epochs are kept "
                            "(Ctrl-C again to stop at once).\n", w->tty ? "\n" : "");
        else
            fprintf(stderr, "%s%s: stopping after the current batch; finished epochs are "
                            "kept.\n", w->tty ? "\n" : "", lrlab_signal_name(signum));
        train_sweep_stop(w->sweep);
    } else {
        train_sweep_cancel(w->sweep);
    }
}

/* "lr_1e-03" ("lr_1e-03_seed2" in a group of seeds), or "lr_1e-03-2" when a run of that
 * name is already there: a sweep never overwrites an earlier one. */
static char *
run_folder(const char *out, double lr, const guint64 *seed)
{
    g_autofree char *rate = train_format_lr_padded(lr);
    g_autofree char *base = seed ? g_strdup_printf("lr_%s_seed%" G_GUINT64_FORMAT, rate, *seed)
                                 : g_strdup_printf("lr_%s", rate);
    char *path = g_build_filename(out, base, NULL);
    for (int i = 2; g_file_test(path, G_FILE_TEST_EXISTS); i++) {
        g_free(path);
        g_autofree char *numbered = g_strdup_printf("%s-%d", base, i);
        path = g_build_filename(out, numbered, NULL);
    }
    return path;
}

/* What will train, and what it needs (train_plan.h, as the worker counts it). FALSE
 * with the error when it cannot fit in memory: refused before any run starts. */
static gboolean
print_plan(const TrainConfig *config, const DataSet *set, int n_rates, GError **error)
{
    nn_spec spec;
    TrainPlan plan;
    char text[NN_SPEC_MAX_TEXT];
    g_autoptr(GError) local_error = NULL;

    if (!train_config_build_spec(config, set->num_classes, &spec, &local_error))
        return TRUE;   /* the run reports it */
    nn_spec_format(&spec, text, sizeof text);
    gboolean sized = train_plan_memory(config, &spec, &plan, &local_error);
    if (g_error_matches(local_error, G_IO_ERROR, G_IO_ERROR_NO_SPACE)) {
        g_propagate_error(error, g_steal_pointer(&local_error));
        return FALSE;
    }
    const nn_memory_estimate estimate = plan.model;
    int n_val = 0;
    g_autofree int *counts = g_new(int, set->num_classes);
    data_set_class_counts(set, counts);
    for (int c = 0; c < set->num_classes; c++)
        n_val += (int) round(config->val_split * counts[c]);
    g_autofree char *memory = g_format_size(plan.total_bytes);
    if (sized)
        printf("Network %s: %s (%zu parameters, about %s of memory while training)\n",
               config->model, text, estimate.num_parameters, memory);
    else   /* the run says why */
        printf("Network %s: %s\n", config->model, text);
    printf("Data: %d images of %d classes at %dx%d (about %d for validation)\n", set->count,
           set->num_classes, config->size, config->size, n_val);
    printf("%s, batch %d, %d epochs%s%s, seed %" G_GUINT64_FORMAT "%s\n",
           config->optimizer == NN_OPTIMIZER_SGD ? "SGD" : "Adam", config->batch_size,
           config->epochs, config->dropout ? "" : ", dropout off",
           config->weight_decay_on ? ", weight decay" : "", config->seed,
           n_rates > 1 ? ", one run per learning rate" : "");
    return TRUE;
}

static void
run_result_clear(RunResult *r)
{
    g_clear_pointer(&r->epochs, g_array_unref);
    g_clear_pointer(&r->message, g_free);
    g_clear_pointer(&r->updates, g_free);
    g_clear_pointer(&r->advice, g_free);
    g_clear_pointer(&r->folder, g_free);
}

/* The update ratios' sentence of each run that has one, as the app's verdict line says
 * it, then the advice (a rate only when one rate ran: a sweep's table compares rates; with
 * seeds, the advice is the group's: lrlab_train_print_group_advice). */
static void
print_updates(const RunResult *results, int n, gboolean with_seeds, gboolean one_rate)
{
    for (int i = 0; i < n; i++) {
        g_autofree char *lr = train_format_lr(results[i].lr);
        g_autofree char *who = with_seeds
            ? g_strdup_printf("lr %s, seed %" G_GUINT64_FORMAT, lr, results[i].seed)
            : g_strdup_printf("lr %s", lr);
        if (results[i].updates)
            printf("%s: %s\n", who, results[i].updates);
        if (results[i].advice && !with_seeds && (one_rate || !results[i].advice_is_rate))
            printf("%s: %s\n", who, results[i].advice);
    }
}

static void
print_table(const RunResult *results, int n)
{
    printf("\n%-8s  %13s  %12s  %8s  %6s  %s\n", "lr", "best val loss", "best val acc",
           "at epoch", "epochs", "verdict");
    for (int i = 0; i < n; i++) {
        const RunResult *r = &results[i];
        const TrainEpoch *e = (const TrainEpoch *) r->epochs->data;
        int n_epochs = (int) r->epochs->len;
        int best = train_best_epoch(e, n_epochs, r->min_delta);   /* best.ckpt's epoch */
        TrainVerdict v = train_diagnose(e, n_epochs, r->status, r->num_classes);
        g_autofree char *lr = train_format_lr(r->lr);
        g_autofree char *verdict = r->status == TRAIN_STATUS_FAILED
                                       ? g_strdup("failed")
                                       : g_strdup(v.text ? v.text : "");
        if (best >= 0)
            printf("%-8s  %13.4g  %12.4f  %8d  %6d  %s\n", lr, e[best].val_loss,
                   e[best].val_accuracy, best + 1, n_epochs, verdict);
        else
            printf("%-8s  %13s  %12s  %8s  %6d  %s\n", lr, "-", "-", "-", n_epochs, verdict);
        train_verdict_clear(&v);
    }
    for (int i = 0; i < n; i++)
        if (results[i].message) {
            g_autofree char *lr = train_format_lr(results[i].lr);
            printf("lr %s: %s\n", lr, results[i].message);
        }
}

/* ---- the sweep's members, shown one after another ---- */

/* On the sweep's thread, for each member just made: its folder under --out, the resume or
 * fork it is (--resume, --fork), and the whole list of what the dataset skipped in it. */
static char *
member_folder(TrainRun *run, const TrainConfig *member, int rate_index, int seed_index,
              gpointer user_data)
{
    Watch *w = user_data;
    g_autoptr(GError) error = NULL;
    char *folder = w->out ? run_folder(w->out, member->lr,
                                       train_sweep_get_n_seeds(w->sweep) > 1 ? &member->seed
                                                                             : NULL)
                          : NULL;
    if (lrlab_train_branch_wanted())
        lrlab_train_branch_setup_run(run, member, (guint) train_sweep_get_n_rates(w->sweep),
                                     &folder);
    if (folder && w->skipped && w->skipped->len > 0 &&
        (g_mkdir_with_parents(folder, 0755) != 0 ||
         !train_record_write_skipped_files(folder, w->skipped, &error)))
        fprintf(stderr, "lrlab-train: cannot list the skipped files in %s: %s\n", folder,
                error ? error->message : g_strerror(errno));
    return folder;
}

static void advance(Watch *w);

static void
on_run_news(TrainRun *run, gpointer user_data)
{
    print_news(run, user_data);
    advance(user_data);
}

static void
on_sweep_news(TrainSweep *sweep, gpointer user_data)
{
    advance(user_data);
}

static void
show_member(Watch *w, int i)
{
    const int n = train_sweep_get_n_members(w->sweep);
    RunResult *r = &w->results[i];
    int rate_index, seed_index;

    w->run = train_sweep_dup_run(w->sweep, i, &rate_index, &seed_index);
    w->current = i;
    const TrainConfig *c = train_run_get_config(w->run);
    *r = (RunResult) { .lr = c->lr, .rate_index = rate_index, .seed = c->seed,
                       .min_delta = c->early_stop_min_delta, .status = TRAIN_STATUS_READY };
    r->folder = g_strdup(train_run_get_output_dir(w->run));
    if (n > 1) {
        g_autofree char *name = train_run_dup_name(w->run);
        printf("\n== %s (%d/%d)%s%s ==\n", name, i + 1, n, r->folder ? " -> " : "",
               r->folder ? r->folder : "");
    }
    w->batches_seen = 0;
    w->epochs_printed = 0;
    w->bar_epoch = -1;
    w->loss_sum = w->accuracy_sum = 0;
    w->n_batches = 0;
    train_run_set_notify(w->run, NULL, on_run_news, w, NULL);
}

/* The teacher's next step for an ended run (r: its result so far), or NULL; is_rate: it
 * offers another rate. */
static char *
run_advice(TrainRun *run, const RunResult *r, gboolean *is_rate)
{
    const TrainEpoch *e = (const TrainEpoch *) (gpointer) r->epochs->data;
    TrainVerdict v = train_diagnose(e, (int) r->epochs->len, r->status, r->num_classes);
    TrainAdvice advice = train_advise(&v, train_run_get_config(run), r->num_classes);
    gboolean kept = advice.kind == TRAIN_ADVICE_CURES && r->folder != NULL &&
                    train_start_keeps_epoch(r->folder, advice.fork_epoch);
    char *text = lrlab_train_phrase_advice(&advice, &v, r->folder, kept);
    train_verdict_clear(&v);
    *is_rate = advice.kind == TRAIN_ADVICE_LOWER_RATE || advice.kind == TRAIN_ADVICE_HIGHER_RATE;
    return text;
}

/* The member has ended: what finished after its last notification, then its result. */
static void
collect_member(Watch *w)
{
    RunResult *r = &w->results[w->current];
    TrainRun *run = w->run;

    train_run_set_notify(run, NULL, NULL, NULL, NULL);
    print_news(run, w);
    r->status = train_run_get_status(run);
    r->epochs = train_run_dup_epochs(run);
    r->num_classes = train_run_get_num_classes(run);
    r->message = train_run_dup_message(run);
    r->updates = train_diagnose_updates(run);
    r->advice = run_advice(run, r, &r->advice_is_rate);
    TrainTestScore test = train_run_get_progress(run).test;
    if (test.images > 0)
        printf("Test split: %d images, loss %.4f, accuracy %.4f (the best weights, epoch "
               "%d)\n", test.images, test.loss, test.accuracy, test.epoch + 1);
    if (r->status == TRAIN_STATUS_EARLY_STOPPED) {
        const TrainConfig *c = train_run_get_config(run);
        TrainProgress p = train_run_get_progress(run);
        printf("Early stopping: no lower validation loss for %d epochs; %s the weights "
               "of epoch %d.\n", c->early_stop_patience,
               c->restore_best ? "restored" : "kept", p.best_epoch + 1);
    }
    g_clear_pointer(&w->run, train_run_unref);
    w->current = -1;
    w->n_collected++;
}

/* Called at every news of the sweep or its member: shows the next member once the one
 * before has ended, and ends the main loop with the sweep. */
static void
advance(Watch *w)
{
    for (;;) {
        if (w->current >= 0) {
            if (w->current >= train_sweep_get_n_ended(w->sweep))
                return;
            collect_member(w);
        } else if (w->n_collected < train_sweep_get_n_created(w->sweep)) {
            show_member(w, w->n_collected);
            print_news(w->run, w);
        } else {
            if (train_sweep_is_done(w->sweep))
                g_main_loop_quit(w->loop);
            return;
        }
    }
}

static int
export_synthetic(const TrainConfig *config, const char *dir)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(DataSet) set = load_dataset(config, NULL, NULL, &error);

    if (set == NULL || !data_synthetic_export(set, dir, &error)) {
        fprintf(stderr, "lrlab-train: %s\n", error->message);
        return 1;
    }
    printf("Wrote %d images of %d classes to %s\n", set->count, set->num_classes, dir);
    return 0;
}

int main(int argc, char **argv)
{
    train_process_init(argv);
    g_auto(Options) o = { 0 };
    live_options = &o;
    g_autoptr(GPtrArray) help = g_ptr_array_new_with_free_func(g_free);
    const TrainField *per_class = train_field_find("images-per-class");
    const TrainField *lr = train_field_find("lr");
    g_autofree char *per_class_help = train_field_describe_help(per_class);
    g_autofree char *data_help = g_strdup_printf(
        "synthetic[:N] or a folder of class folders (default synthetic); N: %s", per_class_help);
    g_autofree char *lr_range = train_field_describe_range(lr);
    g_autofree char *lr_default = train_format_lr(lr->def);
    g_autofree char *lr_help = g_strdup_printf(
        "constant learning rate; a comma-separated list runs a sweep (%s, default %s)",
        lr_range, lr_default);
    g_autofree char *kinds = train_field_describe_range(train_field_find("kinds"));
    g_autofree char *strength = train_field_describe_range(train_field_find("strengths"));
    g_autofree char *augment_help = g_strdup_printf(
        "training augmentations, comma-separated: %s, flip for both flips, each with an "
        "optional =STRENGTH, %s (default none)", kinds, strength);
    /* The flags that are not one field each; the table's follow. */
    GOptionEntry own_entries[] = {
        { "config", 0, 0, G_OPTION_ARG_FILENAME, &o.config,
          "start from the settings in FILE, e.g. a run folder's config.ini; the other flags "
          "override them (default: the defaults shown here)", "FILE" },
        /* A file name, not UTF-8 text: any folder the system can name (LC_ALL=C, Latin-1). */
        { "data", 0, 0, G_OPTION_ARG_FILENAME, &o.data, data_help, "synthetic[:N]|DIR" },
        { "lr", 0, 0, G_OPTION_ARG_STRING, &o.lr, lr_help, "LR[,LR...]" },
        { "augment", 0, 0, G_OPTION_ARG_STRING, &o.augment, augment_help, "LIST" },
        { "out", 0, 0, G_OPTION_ARG_FILENAME, &o.out,
          "write each run's folder (config.ini, history.csv, best.ckpt, predictions.bin, "
          "status.ini) under DIR, named like lr_1e-03 (default: keep nothing)", "DIR" },
        { "export-synthetic", 0, 0, G_OPTION_ARG_FILENAME, &o.export_synthetic,
          "write the synthetic images as PNG under DIR/<class>/ and exit", "DIR" },
        { "seeds", 0, 0, G_OPTION_ARG_STRING, &o.seeds,
          "repeat every run with N seeds from --seed (or list them: --seed 1,2,3): only the "
          "initial weights, batch order, augmentation and dropout differ, the images and "
          "the split stay; the table gives mean \u00b1 std per rate (default 1)", "N" },
        { "find-lr", 0, 0, G_OPTION_ARG_NONE, &o.find_lr,
          "find a learning rate (fastai's range test from the run's initial weights) and "
          "exit; with --out, every batch goes to lr_find.csv", NULL },
        { "find-lr-steps", 0, 0, G_OPTION_ARG_INT, &o.find_lr_steps,
          "batches of the --find-lr test, 6 to 400 (default 100, fastai's)", "N" },
        { NULL },
    };
    g_autoptr(GArray) field_options = field_entries(&o, help);
    g_autoptr(GError) error = NULL;

    setlocale(LC_ALL, "");
    /* Numbers on the command line and in the output are C-locale ("1e-3", "0.25"). */
    setlocale(LC_NUMERIC, "C");
    g_autoptr(GOptionContext) context = g_option_context_new("- train a CNN and watch what the "
                                                             "learning rate does");
    g_option_context_set_summary(context,
        "Trains a network on synthetic IC-chip images or a folder of images, printing the\n"
        "training and validation loss and accuracy of every epoch. Several learning rates\n"
        "run one after another from the same initial weights, split and dataset, then a\n"
        "table compares them.");
    g_option_context_set_description(context,
        "Examples:\n"
        "  lrlab-train --model tiny --epochs 3\n"
        "  lrlab-train --model small --lr 1e-2,1e-3,1e-4 --epochs 10 --out runs\n"
        "  lrlab-train --data synthetic:100 --dropout off --epochs 40 --early-stop 5\n"
        "  lrlab-train --config runs/lr_1e-03/config.ini --seed 2\n");
    g_option_context_add_main_entries(context, own_entries, NULL);
    g_option_context_add_main_entries(context, lrlab_train_branch_entries(), NULL);
    g_option_context_add_main_entries(context, (GOptionEntry *) field_options->data, NULL);
    g_option_context_add_main_entries(context, lrlab_train_export_entries(), NULL);
    if (!g_option_context_parse(context, &argc, &argv, &error))
        usage_error("%s (see --help)", error->message);
    int mode_status = lrlab_train_export_file_modes(argc, argv);
    if (mode_status >= 0)
        return mode_status;
    if (argc > 1)
        usage_error("unexpected argument '%s' (see --help)", argv[1]);

    if (lrlab_train_branch_wanted())
        o.config = (char *) lrlab_train_branch_config(o.config);   /* a new string, ours to free */

    TrainConfig config;
    GArray *seeds_list = NULL;
    g_autoptr(GArray) rates = config_from_options(&o, &config, &seeds_list);
    g_autoptr(GArray) seeds = seeds_list;
    if (lrlab_train_branch_wanted())
        lrlab_train_branch_check(&config, rates->len, o.out,
                                 o.field_text[train_field_find("epochs") - train_fields(NULL)]);
    if (o.find_lr_steps != 0 && (o.find_lr_steps < 6 || o.find_lr_steps > 400))
        usage_error("--find-lr-steps: '%d' is not a number of batches (an integer from 6 to "
                    "400)", o.find_lr_steps);
    if (!train_config_validate(&config, &error) ||
        !train_sweep_check((const double *) rates->data, (int) rates->len,
                           (const guint64 *) seeds->data, (int) seeds->len, &error))
        usage_error("%s", error->message);

    if ((mode_status = lrlab_train_export_run_modes(&config, rates->len)) >= 0) {
        train_config_clear(&config);
        return mode_status;
    }
    if (o.export_synthetic) {
        if (config.data_kind != TRAIN_DATA_SYNTHETIC)
            usage_error("--export-synthetic: --data must be synthetic[:N]");
        int status = export_synthetic(&config, o.export_synthetic);
        train_config_clear(&config);
        return status;
    }

    setvbuf(stdout, NULL, _IOLBF, 0);
    /* A closed stdout is seen as a failed write (print_news), not as a kill. */
    signal(SIGPIPE, SIG_IGN);
    int load_signal = 0;
    DataFolderReport report = { 0 };
    g_autoptr(DataSet) set = load_dataset(&config, &report, &load_signal, &error);
    print_skipped(&report, o.out != NULL);
    if (set == NULL) {
        gboolean interrupted = g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
        fprintf(stderr, "lrlab-train: %s\n",
                interrupted ? "stopped while preparing the images" : error->message);
        data_folder_report_clear(&report);
        train_config_clear(&config);
        return interrupted ? EXIT_INTERRUPTED_BY(load_signal) : 1;
    }
    if (o.find_lr) {
        int status = lrlab_train_find_lr(&config, set, o.find_lr_steps, o.out);
        data_folder_report_clear(&report);
        train_config_clear(&config);
        return status;
    }
    if (!print_plan(&config, set, (int) rates->len, &error)) {
        fprintf(stderr, "lrlab-train: %s\n", error->message);
        data_folder_report_clear(&report);
        train_config_clear(&config);
        return 1;
    }

    g_autoptr(TrainSweep) sweep = train_sweep_new(&config, set, (const double *) rates->data,
                                                  (int) rates->len,
                                                  (const guint64 *) seeds->data,
                                                  (int) seeds->len, &error);
    if (sweep == NULL)
        usage_error("%s", error->message);
    const int n_members = train_sweep_get_n_members(sweep);
    Watch watch = {
        .loop = g_main_loop_new(NULL, FALSE),
        .sweep = sweep,
        .out = o.out,
        .skipped = report.skipped,
        .results = g_new0(RunResult, n_members),
        .current = -1,
        .tty = isatty(STDOUT_FILENO),
    };
    int exit_status = 0;
    if (seeds->len > 1) {
        g_autofree char *plan = train_sweep_describe_plan(sweep);
        printf("%s; only the initial weights, batch order, augmentation and dropout differ\n",
               plan);
    }
    train_sweep_set_folder_func(sweep, member_folder, &watch);
    train_sweep_set_notify(sweep, NULL, on_sweep_news, &watch, NULL);
    LrlabSignals *signals = lrlab_signals_watch(on_stop_signal, &watch);
    if (!train_sweep_start(sweep, &error))
        usage_error("%s", error->message);
    g_main_loop_run(watch.loop);
    train_sweep_wait(sweep);
    advance(&watch);   /* news that came after the loop ended */
    lrlab_signals_unwatch(signals);
    train_sweep_set_notify(sweep, NULL, NULL, NULL, NULL);

    g_autofree char *start_error = train_sweep_dup_error(sweep);
    if (start_error) {
        fprintf(stderr, "lrlab-train: %s\n", start_error);
        exit_status = 1;
    }
    /* A member that could not start has no record to show. */
    int n_done = 0;
    for (int i = 0; i < watch.n_collected; i++)
        if (watch.results[i].status != TRAIN_STATUS_READY)
            watch.results[n_done++] = watch.results[i];
        else
            run_result_clear(&watch.results[i]);
    for (int i = 0; i < n_done; i++)
        if (watch.results[i].status == TRAIN_STATUS_FAILED)
            exit_status = 1;
    if (seeds->len == 1)
        print_table(watch.results, n_done);
    if (!lrlab_train_report_sweep(watch.results, n_done, (int) rates->len, (int) seeds->len,
                      config.epochs, o.out))
        exit_status = 1;
    print_updates(watch.results, n_done, seeds->len > 1, rates->len == 1);
    if (seeds->len > 1)
        lrlab_train_print_group_advice(watch.results, n_done, (int) rates->len, &config);
    if (o.out && n_done > 0)
        printf("Runs saved under %s\n", o.out);
    if (n_members == 1 && watch.interrupts == 0)
        printf("Compare learning rates from the same start: --lr 1e-2,1e-3,1e-4\n");
    for (int i = 0; i < n_done; i++)
        run_result_clear(&watch.results[i]);
    g_free(watch.results);
    g_main_loop_unref(watch.loop);
    data_folder_report_clear(&report);
    train_config_clear(&config);
    return watch.interrupts ? EXIT_INTERRUPTED_BY(watch.signum) : exit_status;
}
