/* lrlab-train: LR Lab without a window. Trains one run, or a learning-rate sweep over one
 * shared dataset, split and set of initial weights, and prints what the app would plot,
 * then a table with the teacher's verdict for each rate. Same engine, same run folders. */
#include <gio/gio.h>
#include <glib-unix.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "data_folder.h"
#include "data_synthetic.h"
#include "nn_model.h"
#include "nn_spec.h"
#include "train_config.h"
#include "train_diagnosis.h"
#include "train_process.h"
#include "train_run.h"


/* Exit statuses: 2 for a bad command line (as getopt tools do), 130 after Ctrl-C. */
enum { EXIT_USAGE = 2, EXIT_INTERRUPTED = 130 };

typedef struct {
    char *data, *model, *size, *lr, *epochs, *batch, *optimizer, *momentum, *dropout;
    char *weight_decay, *augment, *val_split, *seed, *early_stop, *min_delta, *threads;
    char *out, *export_synthetic, *difficulty, *label_noise;
    gboolean decoupled, multiclass, nesterov;
} Options;

static G_NORETURN void
usage_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* One line naming the flag and what it accepts, then exit 2. */
static void
usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *message = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    fprintf(stderr, "lrlab-train: %s\n", message);
    exit(EXIT_USAGE);
}

static int
parse_int(const char *flag, const char *text, int min, int max, const char *what)
{
    gint64 value;
    if (!g_ascii_string_to_signed(text, 10, min, max, &value, NULL))
        usage_error("%s: '%s' is not %s (an integer from %d to %d)", flag, text, what, min, max);
    return (int) value;
}

/* A number in [min, max] (open at min when min_open), e.g. "1e-4", "0.25". */
static double
parse_double(const char *flag, const char *text, double min, gboolean min_open, double max,
             gboolean max_open, const char *what)
{
    char *end = NULL;
    double value = g_ascii_strtod(text, &end);
    gboolean ok = end && end != text && *end == '\0' && isfinite(value) &&
                  (min_open ? value > min : value >= min) &&
                  (max_open ? value < max : value <= max);
    if (!ok)
        usage_error("%s: '%s' is not %s (a number in %s%g, %g%s)", flag, text, what,
                    min_open ? "(" : "[", min, max, max_open ? ")" : "]");
    return value;
}

static gboolean
parse_on_off(const char *flag, const char *text)
{
    if (g_ascii_strcasecmp(text, "on") == 0 || g_ascii_strcasecmp(text, "yes") == 0)
        return TRUE;
    if (g_ascii_strcasecmp(text, "off") == 0 || g_ascii_strcasecmp(text, "no") == 0)
        return FALSE;
    usage_error("%s: '%s' is not on or off", flag, text);
}

/* Fills config (and the list of rates) from the flags; exits 2 on a bad value. */
static GArray *
config_from_options(const Options *o, TrainConfig *config)
{
    GArray *rates = g_array_new(FALSE, FALSE, sizeof(double));

    train_config_init(config);
    config->synthetic.images_per_class = DATA_SYNTHETIC_DEFAULT_PER_CLASS;
    if (o->data == NULL || g_str_has_prefix(o->data, "synthetic")) {
        const char *rest = o->data ? o->data + strlen("synthetic") : "";
        if (*rest == ':')
            config->synthetic.images_per_class =
                parse_int("--data", rest + 1, 2, 1000000, "an image count per class");
        else if (*rest != '\0')
            usage_error("--data: '%s' is neither synthetic[:N] nor a folder", o->data);
    } else {
        if (!g_file_test(o->data, G_FILE_TEST_IS_DIR))
            usage_error("--data: '%s' is not a folder (expected synthetic[:N] or a folder of "
                        "class folders)", o->data);
        config->data_kind = TRAIN_DATA_FOLDER;
        config->folder = g_strdup(o->data);
    }
    if (o->difficulty)
        config->synthetic.difficulty =
            parse_double("--difficulty", o->difficulty, 0, FALSE, 1, FALSE, "a difficulty");
    if (o->label_noise)
        config->synthetic.label_noise = parse_double("--label-noise", o->label_noise, 0, FALSE,
                                                     0.5, FALSE, "a fraction of labels");
    config->synthetic.multiclass = o->multiclass;

    if (o->model) {
        nn_spec spec;
        nn_error err;
        if (nn_spec_parse(&spec, o->model, &err) != NN_OK)
            usage_error("--model: '%s' is neither a preset (paper, small, tiny) nor a valid "
                        "spec: %s", o->model, err.message);
        g_free(config->model);
        config->model = g_strdup(o->model);
    }
    if (o->size)
        config->size = parse_int("--size", o->size, 16, 384, "an image side in pixels");
    if (o->epochs)
        config->epochs = parse_int("--epochs", o->epochs, 1, 100000, "an epoch count");
    if (o->batch)
        config->batch_size = parse_int("--batch", o->batch, 1, 4096, "a batch size");
    if (o->optimizer) {
        if (g_ascii_strcasecmp(o->optimizer, "adam") == 0)
            config->optimizer = NN_OPTIMIZER_ADAM;
        else if (g_ascii_strcasecmp(o->optimizer, "sgd") == 0)
            config->optimizer = NN_OPTIMIZER_SGD;
        else
            usage_error("--optimizer: '%s' is not adam or sgd", o->optimizer);
    }
    if (o->momentum)
        config->momentum =
            parse_double("--momentum", o->momentum, 0, FALSE, 1, TRUE, "a momentum");
    config->nesterov = o->nesterov;
    if (o->dropout)
        config->dropout = parse_on_off("--dropout", o->dropout);
    if (o->weight_decay) {
        config->weight_decay_on = TRUE;
        config->weight_decay =
            parse_double("--weight-decay", o->weight_decay, 0, FALSE, 1, FALSE, "a weight decay");
    }
    config->decoupled = o->decoupled;
    if (o->augment) {
        g_autoptr(GError) error = NULL;
        if (!data_augment_config_parse(&config->augment, o->augment, &error))
            usage_error("--augment: %s (accepted: hflip vflip flip rot90 rotate translate "
                        "color noise, comma-separated, or none)", error->message);
    }
    if (o->val_split)
        config->val_split = parse_double("--val-split", o->val_split, 0, TRUE, 0.9, FALSE,
                                         "a validation fraction");
    if (o->seed)
        config->seed = (guint64) parse_int("--seed", o->seed, 0, G_MAXINT, "a seed");
    if (o->early_stop)
        config->early_stop_patience =
            parse_int("--early-stop", o->early_stop, 0, 100000, "a patience in epochs");
    if (o->min_delta)
        config->early_stop_min_delta = parse_double("--min-delta", o->min_delta, 0, FALSE, 1e9,
                                                    FALSE, "a loss improvement");
    if (o->threads)
        config->threads = parse_int("--threads", o->threads, 0, 1024, "a thread count");

    g_auto(GStrv) words = g_strsplit(o->lr ? o->lr : "1e-3", ",", -1);
    for (int i = 0; words[i]; i++) {
        double lr = parse_double("--lr", g_strstrip(words[i]), 0, TRUE, 10, FALSE,
                                 "a learning rate");
        g_array_append_val(rates, lr);
    }
    if (rates->len == 0)
        usage_error("--lr: no learning rate given (a number in (0, 10], or a comma-separated list)");
    config->lr = g_array_index(rates, double, 0);
    return rates;
}

/* ---- the dataset, generated or loaded once for every rate ---- */

typedef struct {
    GMutex mutex;
    int last_percent;
    const char *what;
} LoadProgress;

static void
on_load_progress(int done, int total, gpointer user_data)
{
    LoadProgress *p = user_data;
    int percent = total > 0 ? done * 100 / total : 0;

    /* Called from several generator threads at once: print each percent only once. */
    g_mutex_lock(&p->mutex);
    if (percent > p->last_percent && isatty(STDERR_FILENO)) {
        p->last_percent = percent;
        fprintf(stderr, "\r%s %d/%d images (%d%%)", p->what, done, total, percent);
        fflush(stderr);
    }
    g_mutex_unlock(&p->mutex);
}

static DataSet *
load_dataset(const TrainConfig *config, GError **error)
{
    LoadProgress progress = { .last_percent = -1 };
    DataSet *set;

    g_mutex_init(&progress.mutex);
    if (config->data_kind == TRAIN_DATA_FOLDER) {
        DataFolderOptions options = {
            .size = config->size, .resize = config->resize,
            .memory_limit = config->memory_limit, .threads = config->threads,
        };
        DataFolderReport report = { 0 };
        progress.what = "Loading";
        set = data_folder_load(config->folder, &options, &report, on_load_progress, &progress,
                               NULL, error);
        if (isatty(STDERR_FILENO))
            fputc('\n', stderr);
        if (report.skipped && report.skipped->len > 0) {
            const DataSkippedFile *first = g_ptr_array_index(report.skipped, 0);
            fprintf(stderr, "Skipped %u file%s that could not be read, e.g. %s (%s)\n",
                    report.skipped->len, report.skipped->len == 1 ? "" : "s", first->path,
                    first->reason);
        }
        if (report.imbalance_warning)
            fprintf(stderr, "Warning: %s\n", report.imbalance_warning);
        data_folder_report_clear(&report);
    } else {
        DataSyntheticParams params = config->synthetic;
        params.size = config->size;
        params.threads = config->threads;
        progress.what = "Generating synthetic IC chips:";
        set = data_synthetic_generate(&params, on_load_progress, &progress, NULL, error);
        if (isatty(STDERR_FILENO))
            fputc('\n', stderr);
    }
    g_mutex_clear(&progress.mutex);
    return set;
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
} Watch;

static char *
format_duration(double seconds)
{
    if (!(seconds >= 0) || !isfinite(seconds))
        return g_strdup("?");
    int s = (int) (seconds + 0.5);
    if (s >= 3600)
        return g_strdup_printf("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    return g_strdup_printf("%d:%02d", s / 60, s % 60);
}

static void
print_bar(Watch *w, const TrainProgress *p)
{
    const int width = 24;
    int filled = p->batches_per_epoch ? p->batch * width / p->batches_per_epoch : 0;
    char bar[32];
    for (int i = 0; i < width; i++)
        bar[i] = i < filled ? '=' : (i == filled ? '>' : ' ');
    bar[width] = '\0';
    g_autofree char *eta = format_duration(p->eta_seconds);
    printf("\r\033[KEpoch %d/%d [%s] %d/%d  loss %.4f  acc %.3f  %.0f img/s  ETA %s",
           p->epoch + 1, p->epochs, bar, p->batch, p->batches_per_epoch,
           w->n_batches ? w->loss_sum / w->n_batches : 0.0,
           w->n_batches ? w->accuracy_sum / w->n_batches : 0.0, p->images_per_second, eta);
    fflush(stdout);
}

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
    fflush(stdout);

    if (w->tty && p.status == TRAIN_STATUS_RUNNING && p.batch > 0 &&
        (p.batch < p.batches_per_epoch))
        print_bar(w, &p);
    if (!train_status_is_active(p.status))
        g_main_loop_quit(w->loop);
}

static gboolean
on_sigint(gpointer user_data)
{
    Watch *w = user_data;

    w->interrupts++;
    if (w->interrupts == 1) {
        fprintf(stderr, "%sStopping after the current batch; finished epochs are kept "
                        "(Ctrl-C again to stop at once).\n", w->tty ? "\n" : "");
        train_run_stop(w->run);
    } else {
        train_run_cancel(w->run);
    }
    return G_SOURCE_CONTINUE;
}

/* "lr_1e-03", or "lr_1e-03-2" when a run of that name is already there: a sweep never
 * overwrites an earlier one. */
static char *
run_folder(const char *out, double lr)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    double mantissa = lr / pow(10, floor(log10(lr)));
    g_ascii_formatd(buf, sizeof buf, fabs(mantissa - round(mantissa)) < 1e-9 ? "%.0e" : "%.2e", lr);
    g_autofree char *base = g_strdup_printf("lr_%s", buf);
    char *path = g_build_filename(out, base, NULL);
    for (int i = 2; g_file_test(path, G_FILE_TEST_EXISTS); i++) {
        g_free(path);
        g_autofree char *numbered = g_strdup_printf("%s-%d", base, i);
        path = g_build_filename(out, numbered, NULL);
    }
    return path;
}

static void
print_plan(const TrainConfig *config, const DataSet *set, int n_rates)
{
    nn_spec spec;
    nn_memory_estimate estimate;
    char text[NN_SPEC_MAX_TEXT];
    g_autoptr(GError) error = NULL;

    if (!train_config_build_spec(config, set->num_classes, &spec, &error))
        return;   /* the run reports it */
    nn_spec_format(&spec, text, sizeof text);
    gboolean sized = nn_model_estimate(&spec, config->size, config->size, 3, config->batch_size,
                                       config->optimizer, &estimate, NULL) == NN_OK;
    int n_val = 0;
    for (int c = 0; c < set->num_classes; c++) {
        int counts[256];
        if (set->num_classes > 256)
            break;
        data_set_class_counts(set, counts);
        n_val += (int) round(config->val_split * counts[c]);
    }
    printf("Network %s: %s (%zu parameters)\n", config->model, text,
           sized ? estimate.num_parameters : (size_t) 0);
    printf("Data: %d images of %d classes at %dx%d (about %d for validation)\n", set->count,
           set->num_classes, config->size, config->size, n_val);
    printf("%s, batch %d, %d epochs%s%s, seed %" G_GUINT64_FORMAT "%s\n",
           config->optimizer == NN_OPTIMIZER_SGD ? "SGD" : "Adam", config->batch_size,
           config->epochs, config->dropout ? "" : ", dropout off",
           config->weight_decay_on ? ", weight decay" : "", config->seed,
           n_rates > 1 ? ", one run per learning rate" : "");
}

typedef struct {
    double lr;
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
        int n_epochs = (int) r->epochs->len, best = -1;
        for (int k = 0; k < n_epochs; k++)
            if (best < 0 || e[k].val_loss < e[best].val_loss)
                best = k;
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
    g_autoptr(DataSet) set = load_dataset(config, &error);

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
    Options o = { 0 };
    g_autofree char *data_help = g_strdup_printf(
        "synthetic[:N] (N images per class, default %d) or a folder of class folders "
        "(default synthetic)", DATA_SYNTHETIC_DEFAULT_PER_CLASS);
    GOptionEntry entries[] = {
        { "data", 0, 0, G_OPTION_ARG_STRING, &o.data, data_help, "synthetic[:N]|DIR" },
        { "model", 0, 0, G_OPTION_ARG_STRING, &o.model,
          "paper, small, tiny or a spec such as c16-p-c32-p-f64-d0.5-f2 (default small)",
          "NAME|SPEC" },
        { "size", 0, 0, G_OPTION_ARG_STRING, &o.size,
          "input side in pixels, 16..384 (default 64)", "PX" },
        { "lr", 0, 0, G_OPTION_ARG_STRING, &o.lr,
          "constant learning rate in (0, 10]; a comma-separated list runs a sweep "
          "(default 1e-3)", "LR[,LR...]" },
        { "epochs", 0, 0, G_OPTION_ARG_STRING, &o.epochs, "epochs, 1..100000 (default 30)", "N" },
        { "batch", 0, 0, G_OPTION_ARG_STRING, &o.batch, "batch size, 1..4096 (default 64)", "N" },
        { "optimizer", 0, 0, G_OPTION_ARG_STRING, &o.optimizer,
          "adam or sgd (default adam)", "adam|sgd" },
        { "momentum", 0, 0, G_OPTION_ARG_STRING, &o.momentum,
          "SGD momentum in [0, 1) (default 0.9)", "M" },
        { "nesterov", 0, 0, G_OPTION_ARG_NONE, &o.nesterov, "Nesterov momentum (SGD; default off)",
          NULL },
        { "dropout", 0, 0, G_OPTION_ARG_STRING, &o.dropout,
          "on or off: the network's dropout layers (rate from the spec, 0.5 in the presets; "
          "default on)", "on|off" },
        { "weight-decay", 0, 0, G_OPTION_ARG_STRING, &o.weight_decay,
          "weight decay in [0, 1] (default off)", "VALUE" },
        { "decoupled", 0, 0, G_OPTION_ARG_NONE, &o.decoupled,
          "decoupled weight decay, AdamW style (default: L2 in the gradient)", NULL },
        { "augment", 0, 0, G_OPTION_ARG_STRING, &o.augment,
          "training augmentations: hflip,vflip,flip,rot90,rotate,translate,color,noise or "
          "none (default none)", "LIST" },
        { "val-split", 0, 0, G_OPTION_ARG_STRING, &o.val_split,
          "fraction of each class held out for validation, in (0, 0.9] (default 0.25)", "F" },
        { "seed", 0, 0, G_OPTION_ARG_STRING, &o.seed,
          "seed of the initial weights, split, shuffling and dropout (default 1)", "N" },
        { "early-stop", 0, 0, G_OPTION_ARG_STRING, &o.early_stop,
          "stop after PATIENCE epochs without a lower validation loss and restore the best "
          "weights; 0 = off (default 0)", "PATIENCE" },
        { "min-delta", 0, 0, G_OPTION_ARG_STRING, &o.min_delta,
          "smallest validation-loss fall that counts for early stopping (default 0)", "D" },
        { "threads", 0, 0, G_OPTION_ARG_STRING, &o.threads,
          "CPU threads, 0 = all cores (default 0)", "N" },
        { "out", 0, 0, G_OPTION_ARG_FILENAME, &o.out,
          "write each run's folder (config.ini, history.csv, best.ckpt, predictions.bin, "
          "status.ini) under DIR, named like lr_1e-03 (default: keep nothing)", "DIR" },
        { "export-synthetic", 0, 0, G_OPTION_ARG_FILENAME, &o.export_synthetic,
          "write the synthetic images as PNG under DIR/<class>/ and exit", "DIR" },
        { "difficulty", 0, 0, G_OPTION_ARG_STRING, &o.difficulty,
          "synthetic defects from 0 (large, contrasted) to 1 (small, faint) (default 0)", "D" },
        { "label-noise", 0, 0, G_OPTION_ARG_STRING, &o.label_noise,
          "fraction of synthetic labels flipped, in [0, 0.5] (default 0)", "F" },
        { "multiclass", 0, 0, G_OPTION_ARG_NONE, &o.multiclass,
          "synthetic classes good + one per defect kind (default: good vs defect)", NULL },
        { NULL },
    };
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
        "  lrlab-train --data synthetic:100 --dropout off --epochs 40 --early-stop 5\n");
    g_option_context_add_main_entries(context, entries, NULL);
    if (!g_option_context_parse(context, &argc, &argv, &error))
        usage_error("%s (see --help)", error->message);
    if (argc > 1)
        usage_error("unexpected argument '%s' (see --help)", argv[1]);

    TrainConfig config;
    g_autoptr(GArray) rates = config_from_options(&o, &config);
    if (!train_config_validate(&config, &error))
        usage_error("%s", error->message);

    if (o.export_synthetic) {
        if (config.data_kind != TRAIN_DATA_SYNTHETIC)
            usage_error("--export-synthetic: --data must be synthetic[:N]");
        int status = export_synthetic(&config, o.export_synthetic);
        train_config_clear(&config);
        return status;
    }

    setvbuf(stdout, NULL, _IOLBF, 0);
    g_autoptr(DataSet) set = load_dataset(&config, &error);
    if (set == NULL) {
        fprintf(stderr, "lrlab-train: %s\n", error->message);
        train_config_clear(&config);
        return 1;
    }
    print_plan(&config, set, (int) rates->len);

    Watch watch = { .loop = g_main_loop_new(NULL, FALSE), .tty = isatty(STDOUT_FILENO) };
    guint sigint = g_unix_signal_add(SIGINT, on_sigint, &watch);
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
        if (o.out) {
            r->folder = run_folder(o.out, rc.lr);
            train_run_set_output_dir(run, r->folder);
        }
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
        if (r->status == TRAIN_STATUS_EARLY_STOPPED) {
            TrainProgress p = train_run_get_progress(run);
            printf("Early stopping: no lower validation loss for %d epochs; %s the weights "
                   "of epoch %d.\n", rc.early_stop_patience,
                   rc.restore_best ? "restored" : "kept", p.best_epoch + 1);
        }
        train_config_clear(&rc);
        watch.run = NULL;
    }
    g_source_remove(sigint);

    print_table(results, n_done);
    if (o.out)
        printf("Runs saved under %s\n", o.out);
    if (rates->len == 1 && watch.interrupts == 0)
        printf("Compare learning rates from the same start: --lr 1e-2,1e-3,1e-4\n");
    for (int i = 0; i < n_done; i++)
        run_result_clear(&results[i]);
    g_main_loop_unref(watch.loop);
    train_config_clear(&config);
    return watch.interrupts ? EXIT_INTERRUPTED : exit_status;
}
