/* lrlab-train: LR Lab without a window. Trains one run, or a learning-rate sweep over one
 * shared dataset, split and set of initial weights, and prints what the app would plot,
 * then a table with the teacher's verdict for each rate. Same engine, same run folders,
 * same settings: its flags, their parsing and --help come from the table of fields
 * (train_fields.c), and --config starts from a run folder's config.ini. */
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
#include "train_run.h"


/* Exit statuses: 2 for a bad command line (as getopt tools do), 128 + the signal after
 * a stop signal (130 after Ctrl-C, 143 after SIGTERM), as a shell reports them. */
enum { EXIT_USAGE = 2 };
#define EXIT_INTERRUPTED_BY(signum) (128 + ((signum) ? (signum) : SIGINT))

/* The flags that are not one field each: --data and --lr fill several settings or a list,
 * --augment takes "flip,noise=0.2"; the rest only run the program. The table's flags
 * keep their text in field_text (or field_on for a switch), one slot per field. */
typedef struct {
    char *config, *data, *lr, *augment, *out, *export_synthetic;
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

/* Fills config (and the list of rates) from the flags; exits 2 on a bad value. The
 * defaults, then --config's file, then every other flag given, wherever it stands. */
static GArray *
config_from_options(const Options *o, TrainConfig *config)
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
        fprintf(stderr, "  %s: %s\n", file->path, file->reason);
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

typedef struct {
    GMainLoop *loop;
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
on_news(TrainRun *run, gpointer user_data)
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
    if (!train_status_is_active(p.status))
        g_main_loop_quit(w->loop);
}

/* A stop signal (lrlab-train-signals.h), or stdout gone (SIGPIPE's case, see on_news):
 * the first stops after the current batch, the next at once. */
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
        if (w->run)
            train_run_stop(w->run);
    } else if (w->run) {
        train_run_cancel(w->run);
    }
}

/* "lr_1e-03", or "lr_1e-03-2" when a run of that name is already there: a sweep never
 * overwrites an earlier one. */
static char *
run_folder(const char *out, double lr)
{
    g_autofree char *rate = train_format_lr_padded(lr);
    g_autofree char *base = g_strdup_printf("lr_%s", rate);
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

typedef struct {
    double lr;
    double min_delta;         /* what makes an epoch the best (train_best.h) */
    TrainStatus status;
    int num_classes;
    GArray *epochs;
    char *message;
    char *folder;
} RunResult;

static void
run_result_clear(RunResult *r)
{
    g_clear_pointer(&r->epochs, g_array_unref);
    g_clear_pointer(&r->message, g_free);
    g_clear_pointer(&r->folder, g_free);
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
        o.config = (char *) lrlab_train_branch_config(o.config);
    TrainConfig config;
    g_autoptr(GArray) rates = config_from_options(&o, &config);
    if (lrlab_train_branch_wanted())
        lrlab_train_branch_check(&config, rates->len, o.out,
                                 o.field_text[train_field_find("epochs") - train_fields(NULL)]);
    if (!train_config_validate(&config, &error))
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
    /* A closed stdout is seen as a failed write (on_news), not as a kill. */
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
    if (!print_plan(&config, set, (int) rates->len, &error)) {
        fprintf(stderr, "lrlab-train: %s\n", error->message);
        data_folder_report_clear(&report);
        train_config_clear(&config);
        return 1;
    }

    Watch watch = { .loop = g_main_loop_new(NULL, FALSE), .tty = isatty(STDOUT_FILENO) };
    LrlabSignals *signals = lrlab_signals_watch(on_stop_signal, &watch);
    g_autofree RunResult *results = g_new0(RunResult, rates->len);
    int n_done = 0, exit_status = 0;

    for (guint i = 0; i < rates->len && watch.interrupts == 0; i++) {
        TrainConfig rc;
        train_config_copy(&rc, &config);
        rc.lr = g_array_index(rates, double, i);
        g_autofree char *lr_text = train_format_lr(rc.lr);
        g_free(rc.name);
        rc.name = g_strdup_printf("lr %s", lr_text);

        g_autoptr(TrainRun) run = train_run_new(&rc, set);
        RunResult *r = &results[n_done++];
        r->lr = rc.lr;
        r->min_delta = rc.early_stop_min_delta;
        if (o.out) {
            r->folder = run_folder(o.out, rc.lr);
            train_run_set_output_dir(run, r->folder);
        }
        if (lrlab_train_branch_wanted())
            lrlab_train_branch_setup_run(run, &rc, rates->len, &r->folder);
        if (rates->len > 1)
            printf("\n== lr %s (%u/%u)%s%s ==\n", lr_text, i + 1, rates->len,
                   r->folder ? " -> " : "", r->folder ? r->folder : "");
        watch.run = run;
        watch.batches_seen = 0;
        watch.epochs_printed = 0;
        watch.bar_epoch = -1;
        train_run_set_notify(run, NULL, on_news, &watch, NULL);
        if (!train_run_start(run, &error)) {
            fprintf(stderr, "lrlab-train: %s\n", error->message);
            train_config_clear(&rc);
            exit_status = 1;
            r->epochs = g_array_new(FALSE, TRUE, sizeof(TrainEpoch));
            r->status = TRAIN_STATUS_FAILED;
            r->message = g_strdup(error->message);
            g_clear_error(&error);
            break;
        }
        /* The folder exists now: the whole list of what the dataset skipped goes in it. */
        if (r->folder && report.skipped &&
            !train_record_write_skipped_files(r->folder, report.skipped, &error)) {
            fprintf(stderr, "lrlab-train: %s\n", error->message);
            g_clear_error(&error);
        }
        g_main_loop_run(watch.loop);
        train_run_wait(run);
        on_news(run, &watch);   /* epochs that finished after the last notification */
        train_run_set_notify(run, NULL, NULL, NULL, NULL);

        r->status = train_run_get_status(run);
        r->epochs = train_run_dup_epochs(run);
        r->num_classes = train_run_get_num_classes(run);
        r->message = train_run_dup_message(run);
        if (r->status == TRAIN_STATUS_FAILED)
            exit_status = 1;
        TrainTestScore test = train_run_get_progress(run).test;
        if (test.images > 0)
            printf("Test split: %d images, loss %.4f, accuracy %.4f (the best weights, epoch "
                   "%d)\n", test.images, test.loss, test.accuracy, test.epoch + 1);
        if (r->status == TRAIN_STATUS_EARLY_STOPPED) {
            TrainProgress p = train_run_get_progress(run);
            printf("Early stopping: no lower validation loss for %d epochs; %s the weights "
                   "of epoch %d.\n", rc.early_stop_patience,
                   rc.restore_best ? "restored" : "kept", p.best_epoch + 1);
        }
        train_config_clear(&rc);
        watch.run = NULL;
    }
    lrlab_signals_unwatch(signals);

    print_table(results, n_done);
    if (o.out)
        printf("Runs saved under %s\n", o.out);
    if (rates->len == 1 && watch.interrupts == 0)
        printf("Compare learning rates from the same start: --lr 1e-2,1e-3,1e-4\n");
    for (int i = 0; i < n_done; i++)
        run_result_clear(&results[i]);
    g_main_loop_unref(watch.loop);
    data_folder_report_clear(&report);
    train_config_clear(&config);
    return watch.interrupts ? EXIT_INTERRUPTED_BY(watch.signum) : exit_status;
}
