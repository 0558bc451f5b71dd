/* train_fields: the table of a run's settings (see train_fields.h for what a row says
 * and how to add one), then what every row can do by its type: default, copy, compare,
 * parse, format, check, and describe itself to people. Over 800 lines on purpose: the
 * table is the one place every setting lives, and splitting it would make two. */
#include "train_fields.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "data_augment.h"
#include "data_synthetic.h"
#include "train_format.h"

/* ---- legends: a setting's words when runs differ in it ---- */

/* Legends are the app's words (translated), except "lr 1e-3" and "seed 2": a sweep names
 * its runs so (train_sweep.c, in files), and the window leaves out a legend that equals
 * the run's name. */

static char *legend_lr(const TrainConfig *c)
{
    g_autofree char *lr = train_format_lr(c->lr);
    return g_strdup_printf("lr %s", lr);
}

static char *legend_optimizer(const TrainConfig *c)
{
    return c->optimizer == NN_OPTIMIZER_SGD ? g_strdup_printf(_("SGD momentum %g"), c->momentum)
                                            : g_strdup("Adam");
}

static char *legend_model(const TrainConfig *c) { return g_strdup_printf(_("model %s"), c->model); }
static char *legend_size(const TrainConfig *c) { return g_strdup_printf("%dpx", c->size); }

static char *legend_dropout(const TrainConfig *c)
{
    if (!c->dropout)
        return g_strdup(_("dropout off"));
    return c->dropout_rate > 0 ? g_strdup_printf(_("dropout %g"), c->dropout_rate)
                               : g_strdup(_("dropout on"));
}

static char *legend_weight_decay(const TrainConfig *c)
{
    if (!c->weight_decay_on)
        return g_strdup(_("no weight decay"));
    return c->decoupled ? g_strdup_printf(_("decoupled weight decay %g"), c->weight_decay)
                        : g_strdup_printf("L2 %g", c->weight_decay);
}

static char *legend_augment(const TrainConfig *c)
{
    if (c->augment.flags == 0)
        return g_strdup(_("no augmentation"));
    g_autoptr(GString) s = g_string_new(NULL);
    for (int i = 0; i < DATA_AUGMENT_N_KINDS; i++)
        if (c->augment.flags & (1u << i))
            g_string_append_printf(s, "%s%s", s->len ? "+" : "", data_augment_kind_name(i));
    /* Translators: the augmentations, as config.ini names them: "hflip+noise". */
    return g_strdup_printf(_("augment %s"), s->str);
}

static char *legend_batch(const TrainConfig *c) { return g_strdup_printf(_("batch %d"), c->batch_size); }
static char *legend_epochs(const TrainConfig *c) { return g_strdup_printf(_("%d epochs"), c->epochs); }

static char *legend_early_stop(const TrainConfig *c)
{
    return c->early_stop_patience > 0
               /* Translators: the patience, in epochs. */
               ? g_strdup_printf(_("early stop %d"), c->early_stop_patience)
               : g_strdup(_("no early stop"));
}

static char *legend_seed(const TrainConfig *c)
{
    return g_strdup_printf("seed %" G_GUINT64_FORMAT, c->seed);
}

static char *legend_data_seed(const TrainConfig *c)
{
    return g_strdup_printf(_("data seed %llu"), (unsigned long long) c->synthetic.seed);
}

static char *legend_split_seed(const TrainConfig *c)
{
    return g_strdup_printf(_("split seed %llu"), (unsigned long long) c->split_seed);
}

/* Translators: the fraction of the images held out for validation. */
static char *legend_val_split(const TrainConfig *c) { return g_strdup_printf(_("val %g"), c->val_split); }

static char *legend_data(const TrainConfig *c)
{
    if (c->data_kind == TRAIN_DATA_FOLDER) {
        g_autofree char *base = g_path_get_basename(c->folder ? c->folder : "?");
        /* Translators: the image folder's name. */
        return g_strdup_printf(_("data %s"), base);
    }
    /* Translators: the built-in chips: images per class, " multiclass" or nothing, the
     * difficulty, ", noisy labels" or nothing ("200/class, difficulty 0.5"). */
    return g_strdup_printf(_("%d/class%s, difficulty %g%s"), c->synthetic.images_per_class,
                           c->synthetic.multiclass ? _(" multiclass") : "",
                           c->synthetic.difficulty,
                           c->synthetic.label_noise > 0 ? _(", noisy labels") : "");
}

static char *legend_resize(const TrainConfig *c);

static char *legend_schedule(const TrainConfig *c)
{
    return train_schedule_describe(&c->schedule);
}

/* ---- checks a type cannot make ---- */

static gboolean
check_model(const char *text, GError **error)
{
    nn_spec spec;
    nn_error err;

    if (text == NULL || text[0] == '\0') {
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                            _("no preset or spec given"));
        return FALSE;
    }
    if (nn_spec_parse(&spec, text, &err) != NN_OK) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    /* Translators: what was typed, then the parser's reason. */
                    _("'%s' is neither a preset (paper, small, tiny) nor a valid spec: %s"), text,
                    err.message);
        return FALSE;
    }
    return TRUE;
}

/* ---- the table ---- */

static const TrainFieldChoice data_kind_choices[] = {
    { "synthetic", TRAIN_DATA_SYNTHETIC }, { "folder", TRAIN_DATA_FOLDER }, { NULL },
};
static const TrainFieldChoice resize_choices[] = {
    { "center-crop", DATA_RESIZE_CENTER_CROP }, { "squash", DATA_RESIZE_SQUASH },
    { "letterbox", DATA_RESIZE_LETTERBOX }, { NULL },
};
static const TrainFieldChoice schedule_choices[] = {
    { "constant", TRAIN_SCHEDULE_CONSTANT }, { "step", TRAIN_SCHEDULE_STEP },
    { "plateau", TRAIN_SCHEDULE_PLATEAU }, { "cosine", TRAIN_SCHEDULE_COSINE },
    { "one-cycle", TRAIN_SCHEDULE_ONE_CYCLE }, { "cyclic", TRAIN_SCHEDULE_CYCLIC }, { NULL },
};
static const TrainFieldChoice optimizer_choices[] = {
    { "adam", NN_OPTIMIZER_ADAM }, { "sgd", NN_OPTIMIZER_SGD }, { NULL },
};

#define AT(member) offsetof(TrainConfig, member)
/* ENUM members are read and written as int. */
G_STATIC_ASSERT(sizeof(TrainDataKind) == sizeof(int));
G_STATIC_ASSERT(sizeof(DataResizeMode) == sizeof(int));
G_STATIC_ASSERT(sizeof(nn_optimizer_kind) == sizeof(int));
G_STATIC_ASSERT(sizeof(TrainScheduleKind) == sizeof(int));
/* The largest integer a double holds exactly: a seed survives a GtkSpinButton. */
#define SEED_MAX 9007199254740991.0

static const TrainField fields[] = {
    { "run", "name", TRAIN_FIELD_STRING, AT(name), .noun = N_("a run name") },

    { "data", "kind", TRAIN_FIELD_ENUM, AT(data_kind), .def = TRAIN_DATA_SYNTHETIC,
      .choices = data_kind_choices, .noun = N_("a kind of dataset"),
      .legend_rank = 9, .legend = legend_data },
    { "data", "folder", TRAIN_FIELD_STRING, AT(folder), .noun = N_("an image folder"),
      .filename = TRUE },
    { "data", "resize", TRAIN_FIELD_ENUM, AT(resize), .def = DATA_RESIZE_CENTER_CROP,
      .choices = resize_choices, .noun = N_("a resize mode"),
      .flag = "resize", .metavar = "MODE",
      .help = "how a folder's images become square: crop the middle, squash them, or fit "
              "them and pad with black",
      .legend_rank = 10, .legend = legend_resize },
    { "data", "images-per-class", TRAIN_FIELD_INT, AT(synthetic.images_per_class),
      .def = DATA_SYNTHETIC_DEFAULT_PER_CLASS, .min = 2, .max = DATA_SYNTHETIC_MAX_PER_CLASS,
      .noun = N_("an image count per class"), .help = "images per class" },
    { "data", "difficulty", TRAIN_FIELD_DOUBLE, AT(synthetic.difficulty),
      .def = DATA_SYNTHETIC_DEFAULT_DIFFICULTY, .min = 0, .max = 1, .noun = N_("a difficulty"),
      .flag = "difficulty", .metavar = "D",
      .help = "synthetic defects from 0 (large, contrasted) to 1 (small, faint)" },
    { "data", "label-noise", TRAIN_FIELD_DOUBLE, AT(synthetic.label_noise), .min = 0,
      .max = 0.5, .noun = N_("a fraction of labels"), .flag = "label-noise", .metavar = "F",
      .help = "fraction of synthetic labels flipped" },
    { "data", "multiclass", TRAIN_FIELD_BOOL, AT(synthetic.multiclass),
      .flag = "multiclass", .flag_style = TRAIN_FLAG_SWITCH,
      .help = "synthetic classes good + one per defect kind, instead of good vs defect" },
    { "data", "data-seed", TRAIN_FIELD_UINT64, AT(synthetic.seed), .def = 1, .min = 0,
      .max = SEED_MAX, .noun = N_("a seed"), .flag = "data-seed", .metavar = "N",
      .help = "seed of the synthetic images", .legend_rank = 14, .legend = legend_data_seed },
    /* Files written before split-seed existed split with the training seed. */
    { "data", "split-seed", TRAIN_FIELD_UINT64, AT(split_seed), .def = 1, .min = 0,
      .max = SEED_MAX, .missing_from = "seed", .noun = N_("a seed"), .flag = "split-seed",
      .metavar = "N", .help = "seed of which images of each class are held out for validation",
      .legend_rank = 15, .legend = legend_split_seed },
    { "data", "val-split", TRAIN_FIELD_DOUBLE, AT(val_split), .def = 0.25, .min = 0,
      .max = 0.9, .ends = TRAIN_FIELD_MIN_OPEN, .noun = N_("a validation split"),
      .flag = "val-split", .metavar = "F",
      .help = "fraction of each class held out for validation",
      .legend_rank = 11, .legend = legend_val_split },

    { "model", "model", TRAIN_FIELD_STRING, AT(model), .def_text = "small",
      .check = check_model, .noun = N_("a network"), .flag = "model", .metavar = "NAME|SPEC",
      .help = "paper, small, tiny or a spec such as c16-p-c32-p-f64-d0.5-f2",
      .legend_rank = 3, .legend = legend_model },
    { "model", "size", TRAIN_FIELD_INT, AT(size), .def = DATA_SYNTHETIC_DEFAULT_SIZE,
      .min = DATA_SYNTHETIC_MIN_SIZE, .max = DATA_SYNTHETIC_MAX_SIZE,
      .noun = N_("an image side in pixels"), .unit = "px", .flag = "size", .metavar = "PX",
      .help = "input side", .legend_rank = 8, .legend = legend_size },
    { "model", "dropout", TRAIN_FIELD_BOOL, AT(dropout), .def = TRUE, .flag = "dropout",
      .metavar = "on|off",
      .help = "the network's dropout layers, at the spec's rates, 0.5 in the presets",
      .legend_rank = 4, .legend = legend_dropout },
    { "model", "dropout-rate", TRAIN_FIELD_DOUBLE, AT(dropout_rate), .min = 0, .max = 1,
      .ends = TRAIN_FIELD_MAX_OPEN, .noun = N_("a dropout rate"), .flag = "dropout-rate",
      .metavar = "R", .help = "one rate for every dropout layer; 0 = each layer's own from the spec" },

    { "training", "epochs", TRAIN_FIELD_INT, AT(epochs), .def = 30, .min = 1, .max = 100000,
      .noun = N_("an epoch count"), .flag = "epochs", .metavar = "N", .help = "epochs",
      .legend_rank = 13, .legend = legend_epochs },
    { "training", "batch-size", TRAIN_FIELD_INT, AT(batch_size), .def = 64, .min = 1,
      .max = 4096, .noun = N_("a batch size"), .flag = "batch", .metavar = "N",
      .help = "batch size", .legend_rank = 7, .legend = legend_batch },
    { "training", "optimizer", TRAIN_FIELD_ENUM, AT(optimizer), .def = NN_OPTIMIZER_ADAM,
      .choices = optimizer_choices, .noun = N_("an optimizer"), .flag = "optimizer",
      .metavar = "adam|sgd", .help = "the optimizer", .legend_rank = 2,
      .legend = legend_optimizer },
    /* --lr is lrlab-train's own: a list of rates runs a sweep. */
    { "training", "lr", TRAIN_FIELD_DOUBLE, AT(lr), .def = 1e-3, .min = 0, .max = 10,
      .ends = TRAIN_FIELD_MIN_OPEN, .noun = N_("a learning rate"), .legend_rank = 1,
      .legend = legend_lr },
    { "training", "momentum", TRAIN_FIELD_DOUBLE, AT(momentum), .def = 0.9, .min = 0,
      .max = 1, .ends = TRAIN_FIELD_MAX_OPEN, .noun = N_("a momentum"), .flag = "momentum",
      .metavar = "M", .help = "SGD momentum" },
    { "training", "nesterov", TRAIN_FIELD_BOOL, AT(nesterov), .flag = "nesterov",
      .flag_style = TRAIN_FLAG_SWITCH, .help = "Nesterov momentum for SGD" },
    { "training", "weight-decay-on", TRAIN_FIELD_BOOL, AT(weight_decay_on),
      .legend_rank = 5, .legend = legend_weight_decay },
    { "training", "weight-decay", TRAIN_FIELD_DOUBLE, AT(weight_decay), .def = 1e-4, .min = 0,
      .max = 1, .noun = N_("a weight decay"), .flag = "weight-decay", .metavar = "VALUE",
      .help = "weight decay; giving one switches it on", .implies = "weight-decay-on" },
    { "training", "decoupled", TRAIN_FIELD_BOOL, AT(decoupled), .flag = "decoupled",
      .flag_style = TRAIN_FLAG_SWITCH,
      .help = "decoupled weight decay, AdamW style, instead of L2 in the gradient" },
    { "training", "seed", TRAIN_FIELD_UINT64, AT(seed), .def = 1, .min = 0, .max = SEED_MAX,
      .noun = N_("a seed"), .flag = "seed", .metavar = "N",
      .help = "seed of the initial weights, batch order, augmentation and dropout",
      .legend_rank = 16, .legend = legend_seed },
    { "training", "early-stop-patience", TRAIN_FIELD_INT, AT(early_stop_patience), .min = 0,
      .max = 100000, .noun = N_("a patience in epochs"), .flag = "early-stop",
      .metavar = "PATIENCE",
      .help = "stop after PATIENCE epochs without a lower validation loss and restore the "
              "best weights; 0 = off",
      .legend_rank = 12, .legend = legend_early_stop },
    { "training", "early-stop-min-delta", TRAIN_FIELD_DOUBLE, AT(early_stop_min_delta),
      .min = 0, .max = INFINITY, .noun = N_("a loss improvement"), .flag = "min-delta",
      .metavar = "D", .help = "smallest validation-loss fall that counts for early stopping" },
    { "training", "restore-best", TRAIN_FIELD_BOOL, AT(restore_best), .def = TRUE },
    { "training", "threads", TRAIN_FIELD_INT, AT(threads), .min = 0, .max = 1024,
      .noun = N_("a thread count"), .flag = "threads", .metavar = "N",
      .help = "CPU threads, 0 = all cores; the same seeds give slightly different results "
              "with another thread count or another CPU",
      .comment = " The thread count the run used. With the same seeds, results differ between\n"
                 " thread counts (each thread rounds its own sums) and between CPUs (the engine\n"
                 " is built for the CPU it runs on): repeat a run with this count on the same\n"
                 " kind of machine. 0 = all cores." },
    { "training", "memory-limit", TRAIN_FIELD_BYTES, AT(memory_limit), .min = 0,
      /* xgettext:no-c-format */
      .max = INFINITY, .noun = N_("a memory limit in bytes (0: 75% of physical memory)") },

    /* The schedule (train_schedule.h): its kind, then each kind's settings. The defaults
     * are train_schedule_init's (test_config checks the two agree); a kind ignores the
     * other kinds' rows. The kind's legend says its settings ("step x0.1 every 10"). */
    { "schedule", "schedule", TRAIN_FIELD_ENUM, AT(schedule.kind), .def = TRAIN_SCHEDULE_CONSTANT,
      .choices = schedule_choices, .noun = N_("a learning-rate schedule"), .flag = "schedule",
      .metavar = "KIND",
      .help = "how the learning rate changes during the run (plateau follows the validation "
              "loss; one-cycle and cyclic peak at --lr)",
      .legend_rank = 1, .legend = legend_schedule },
    { "schedule", "step-every", TRAIN_FIELD_INT, AT(schedule.step_every), .def = 10, .min = 1,
      .max = 100000, .noun = N_("an interval in epochs"), .flag = "step-every", .metavar = "N",
      .help = "step schedule: epochs between drops" },
    { "schedule", "step-factor", TRAIN_FIELD_DOUBLE, AT(schedule.step_factor), .def = 0.1,
      .min = 0, .max = 1, .ends = TRAIN_FIELD_MIN_OPEN | TRAIN_FIELD_MAX_OPEN,
      .noun = N_("a factor"), .flag = "step-factor", .metavar = "F",
      .help = "step schedule: the rate is multiplied by this at each drop" },
    { "schedule", "plateau-factor", TRAIN_FIELD_DOUBLE, AT(schedule.plateau_factor), .def = 0.1,
      .min = 0, .max = 1, .ends = TRAIN_FIELD_MIN_OPEN | TRAIN_FIELD_MAX_OPEN,
      .noun = N_("a factor"), .flag = "plateau-factor", .metavar = "F",
      .help = "plateau schedule: the rate is multiplied by this when the validation loss stalls" },
    { "schedule", "plateau-patience", TRAIN_FIELD_INT, AT(schedule.plateau_patience), .def = 10,
      .min = 0, .max = 100000, .noun = N_("a patience in epochs"), .flag = "plateau-patience",
      .metavar = "N",
      .help = "plateau schedule: epochs without improvement before the rate drops (the drop "
              "comes after N+1 such epochs, as in PyTorch)" },
    { "schedule", "plateau-min-delta", TRAIN_FIELD_DOUBLE, AT(schedule.plateau_min_delta),
      .def = 1e-4, .min = 0, .max = INFINITY, .noun = N_("a loss improvement"),
      .flag = "plateau-min-delta", .metavar = "D",
      .help = "plateau schedule: smallest validation-loss fall that counts as improvement" },
    { "schedule", "plateau-cooldown", TRAIN_FIELD_INT, AT(schedule.plateau_cooldown), .def = 0,
      .min = 0, .max = 100000, .noun = N_("a cooldown in epochs"), .flag = "plateau-cooldown",
      .metavar = "N", .help = "plateau schedule: epochs to wait after a drop" },
    { "schedule", "min-lr", TRAIN_FIELD_DOUBLE, AT(schedule.min_lr), .def = 0, .min = 0,
      .max = 10, .noun = N_("a learning rate"), .flag = "min-lr", .metavar = "LR",
      .help = "plateau schedule: the rate never drops below this" },
    { "schedule", "cosine-floor", TRAIN_FIELD_DOUBLE, AT(schedule.cosine_floor), .def = 0,
      .min = 0, .max = 10, .noun = N_("a learning rate"), .flag = "cosine-floor", .metavar = "LR",
      .help = "cosine schedule: the rate after the last batch" },
    { "schedule", "onecycle-warmup", TRAIN_FIELD_DOUBLE, AT(schedule.onecycle_warmup),
      .def = 0.3, .min = 0, .max = 1, .ends = TRAIN_FIELD_MIN_OPEN | TRAIN_FIELD_MAX_OPEN,
      .noun = N_("a fraction of the batches"), .flag = "onecycle-warmup", .metavar = "F",
      .help = "one-cycle schedule: fraction of the run spent warming up to the rate" },
    { "schedule", "onecycle-div", TRAIN_FIELD_DOUBLE, AT(schedule.onecycle_div), .def = 25,
      .min = 1, .max = INFINITY, .ends = TRAIN_FIELD_MIN_OPEN, .noun = N_("a divisor"),
      .flag = "onecycle-div", .metavar = "D",
      .help = "one-cycle schedule: it starts at the rate divided by this" },
    { "schedule", "onecycle-final-div", TRAIN_FIELD_DOUBLE, AT(schedule.onecycle_final_div),
      .def = 1e4, .min = 1, .max = INFINITY, .noun = N_("a divisor"),
      .flag = "onecycle-final-div", .metavar = "D",
      .help = "one-cycle schedule: it ends at its start divided by this" },
    { "schedule", "cyclic-div", TRAIN_FIELD_DOUBLE, AT(schedule.cyclic_div), .def = 10,
      .min = 1, .max = INFINITY, .ends = TRAIN_FIELD_MIN_OPEN, .noun = N_("a divisor"),
      .flag = "cyclic-div", .metavar = "D",
      .help = "cyclic schedule: the low end is the rate divided by this" },
    { "schedule", "cyclic-half-epochs", TRAIN_FIELD_INT, AT(schedule.cyclic_half_epochs),
      .def = 2, .min = 1, .max = 100000, .noun = N_("a half cycle in epochs"),
      .flag = "cyclic-half", .metavar = "N",
      .help = "cyclic schedule: epochs from the low end to the high end" },

    /* Which per-epoch checkpoints a run keeps (train_checkpoints.h): every epoch's by
     * default, or a ring of the last N plus every Nth; the last and the best epoch's are
     * always kept. They change what is on disk, not how the run trains: no legend. */
    { "checkpoints", "keep-last", TRAIN_FIELD_INT, AT(keep_last), .def = 0, .min = 0,
      .max = 100000, .noun = N_("a number of checkpoints"), .flag = "keep-last", .metavar = "N",
      .help = "keep the checkpoints of the last N epochs only (besides the best); 0 = every "
              "epoch's" },
    { "checkpoints", "keep-every", TRAIN_FIELD_INT, AT(keep_every), .def = 0, .min = 0,
      .max = 100000, .noun = N_("an interval in epochs"), .flag = "keep-every", .metavar = "N",
      .help = "with --keep-last, also keep every Nth epoch's checkpoint; 0 = none" },

    /* --augment is lrlab-train's own ("flip,noise=0.2" sets kinds and strengths). */
    { "augment", "kinds", TRAIN_FIELD_FLAGS, AT(augment.flags),
      .word_at = data_augment_kind_name, .n_words = DATA_AUGMENT_N_KINDS,
      .noun = N_("an augmentation"), .legend_rank = 6, .legend = legend_augment },
    /* No default in the table: data_augment_config_default() has the strengths. */
    { "augment", "strengths", TRAIN_FIELD_FLOATS, AT(augment.strength),
      .word_at = data_augment_kind_name, .n_words = DATA_AUGMENT_N_KINDS, .min = 0, .max = 1,
      .noun = N_("an augmentation strength") },
};

static char *legend_resize(const TrainConfig *c)
{
    /* Synthetic chips are drawn square: the mode says nothing about such a run. */
    if (c->data_kind != TRAIN_DATA_FOLDER)
        return NULL;
    /* The choices' words are config.ini's: the legend has its own, translated. */
    switch (c->resize) {
    case DATA_RESIZE_CENTER_CROP: return g_strdup(_("center-crop"));
    case DATA_RESIZE_SQUASH: return g_strdup(_("squash"));
    case DATA_RESIZE_LETTERBOX: return g_strdup(_("letterbox"));
    }
    return NULL;
}

const TrainField *train_fields(guint *n_fields)
{
    if (n_fields)
        *n_fields = G_N_ELEMENTS(fields);
    return fields;
}

const TrainField *train_field_find(const char *key)
{
    for (gsize i = 0; key && i < G_N_ELEMENTS(fields); i++)
        if (g_str_equal(fields[i].key, key))
            return &fields[i];
    return NULL;
}

/* ---- the member a row points at ---- */

/* A row reads through a const config as well: the casts only serve the offset. */
#define MEMBER(type, field, config) ((type *) ((guint8 *) (config) + (field)->offset))

double train_field_get_number(const TrainField *field, const TrainConfig *config)
{
    g_return_val_if_fail(field != NULL && config != NULL, 0);

    switch (field->type) {
    case TRAIN_FIELD_INT: return *MEMBER(int, field, config);
    case TRAIN_FIELD_ENUM: return *MEMBER(int, field, config);
    case TRAIN_FIELD_UINT64: return (double) *MEMBER(guint64, field, config);
    case TRAIN_FIELD_BYTES: return (double) *MEMBER(gsize, field, config);
    case TRAIN_FIELD_DOUBLE: return *MEMBER(double, field, config);
    case TRAIN_FIELD_BOOL: return *MEMBER(gboolean, field, config) ? 1 : 0;
    case TRAIN_FIELD_FLAGS: return *MEMBER(guint, field, config);
    case TRAIN_FIELD_STRING:
    case TRAIN_FIELD_FLOATS:
        break;
    }
    g_return_val_if_reached(0);
}

void train_field_set_number(const TrainField *field, TrainConfig *config, double value)
{
    g_return_if_fail(field != NULL && config != NULL);

    switch (field->type) {
    case TRAIN_FIELD_INT: *MEMBER(int, field, config) = (int) lround(value); return;
    case TRAIN_FIELD_ENUM: *MEMBER(int, field, config) = (int) lround(value); return;
    case TRAIN_FIELD_UINT64: *MEMBER(guint64, field, config) = (guint64) llround(value); return;
    case TRAIN_FIELD_BYTES: *MEMBER(gsize, field, config) = (gsize) llround(value); return;
    case TRAIN_FIELD_DOUBLE: *MEMBER(double, field, config) = value; return;
    case TRAIN_FIELD_BOOL: *MEMBER(gboolean, field, config) = value != 0; return;
    case TRAIN_FIELD_FLAGS: *MEMBER(guint, field, config) = (guint) lround(value); return;
    case TRAIN_FIELD_STRING:
    case TRAIN_FIELD_FLOATS:
        break;
    }
    g_return_if_reached();
}

int train_field_n_choices(const TrainField *field)
{
    g_return_val_if_fail(field != NULL, 0);

    int n = 0;
    while (field->choices && field->choices[n].word)
        n++;
    return n;
}

int train_field_get_choice(const TrainField *field, const TrainConfig *config)
{
    g_return_val_if_fail(field != NULL && field->type == TRAIN_FIELD_ENUM, -1);

    int value = *MEMBER(int, field, config);
    for (int i = 0; field->choices[i].word; i++)
        if (field->choices[i].value == value)
            return i;
    return -1;
}

void train_field_set_choice(const TrainField *field, TrainConfig *config, int index)
{
    g_return_if_fail(field != NULL && field->type == TRAIN_FIELD_ENUM);
    g_return_if_fail(index >= 0 && index < train_field_n_choices(field));

    *MEMBER(int, field, config) = field->choices[index].value;
}

void train_field_set_default(const TrainField *field, TrainConfig *config)
{
    g_return_if_fail(field != NULL && config != NULL);

    if (field->type == TRAIN_FIELD_STRING) {
        char **text = MEMBER(char *, field, config);
        g_free(*text);
        *text = g_strdup(field->def_text);
    } else if (field->type != TRAIN_FIELD_FLOATS) {
        train_field_set_number(field, config, field->def);
    }
}

void train_field_clear(const TrainField *field, TrainConfig *config)
{
    g_return_if_fail(field != NULL && config != NULL);

    if (field->type == TRAIN_FIELD_STRING)
        g_clear_pointer(MEMBER(char *, field, config), g_free);
}

static gsize
member_size(const TrainField *field)
{
    switch (field->type) {
    case TRAIN_FIELD_STRING: return sizeof(char *);
    case TRAIN_FIELD_INT: return sizeof(int);
    case TRAIN_FIELD_ENUM: return sizeof(int);
    case TRAIN_FIELD_UINT64: return sizeof(guint64);
    case TRAIN_FIELD_BYTES: return sizeof(gsize);
    case TRAIN_FIELD_DOUBLE: return sizeof(double);
    case TRAIN_FIELD_BOOL: return sizeof(gboolean);
    case TRAIN_FIELD_FLAGS: return sizeof(guint);
    case TRAIN_FIELD_FLOATS: return sizeof(float) * field->n_words;
    }
    g_return_val_if_reached(0);
}

void train_field_copy(const TrainField *field, TrainConfig *dst, const TrainConfig *src)
{
    g_return_if_fail(field != NULL && dst != NULL && src != NULL);

    if (field->type == TRAIN_FIELD_STRING) {
        char **text = MEMBER(char *, field, dst);
        char *copy = g_strdup(*MEMBER(char *, field, src));
        g_free(*text);
        *text = copy;
    } else {
        memmove(MEMBER(guint8, field, dst), MEMBER(guint8, field, src), member_size(field));
    }
}

gboolean train_field_equal(const TrainField *field, const TrainConfig *a, const TrainConfig *b)
{
    g_return_val_if_fail(field != NULL && a != NULL && b != NULL, FALSE);

    if (field->type == TRAIN_FIELD_STRING)
        return g_strcmp0(*MEMBER(char *, field, a), *MEMBER(char *, field, b)) == 0;
    if (field->type == TRAIN_FIELD_BOOL)   /* any non-zero gboolean is TRUE */
        return !*MEMBER(gboolean, field, a) == !*MEMBER(gboolean, field, b);
    return memcmp(MEMBER(guint8, field, a), MEMBER(guint8, field, b), member_size(field)) == 0;
}

/* ---- words for people ---- */

/* "a, b or c" */
static char *
join_words(const TrainField *field)
{
    int n = field->type == TRAIN_FIELD_ENUM ? train_field_n_choices(field) : field->n_words;
    GString *s = g_string_new(NULL);

    for (int i = 0; i < n; i++) {
        const char *word = field->type == TRAIN_FIELD_ENUM ? field->choices[i].word
                                                           : field->word_at(i);
        /* Translators: the last two of a list of choices, "adam or sgd". */
        g_string_append_printf(s, "%s%s", i == 0 ? "" : i == n - 1 ? _(" or ") : ", ", word);
    }
    return g_string_free(s, FALSE);
}

static gboolean
is_integer(const TrainField *field)
{
    return field->type == TRAIN_FIELD_INT || field->type == TRAIN_FIELD_UINT64 ||
           field->type == TRAIN_FIELD_BYTES;
}

/* A bound as people read it: "384", "0.9", "9007199254740991". */
static const char *
format_bound(char *buf, const TrainField *field, double bound)
{
    /* Whole numbers in full: "10", not the shortest "1e+01". */
    if (is_integer(field) || (bound == floor(bound) && fabs(bound) < 1e15)) {
        g_snprintf(buf, G_ASCII_DTOSTR_BUF_SIZE, "%.0f", bound);
        return buf;
    }
    return train_format_double(buf, bound);
}

char *train_field_describe_range(const TrainField *field)
{
    char lo[G_ASCII_DTOSTR_BUF_SIZE], hi[G_ASCII_DTOSTR_BUF_SIZE];

    g_return_val_if_fail(field != NULL, NULL);

    switch (field->type) {
    case TRAIN_FIELD_BOOL:
        return g_strdup(_("on or off"));
    case TRAIN_FIELD_ENUM:
    case TRAIN_FIELD_FLAGS:
        return join_words(field);
    case TRAIN_FIELD_STRING:
        return g_strdup(_("text"));
    default:
        break;
    }
    format_bound(lo, field, field->min);
    format_bound(hi, field, field->max);
    if (is_integer(field))
        return isinf(field->max) ? g_strdup_printf(_("an integer from %s up"), lo)
                                 : g_strdup_printf(_("an integer from %s to %s"), lo, hi);
    if (isinf(field->max))
        return field->ends & TRAIN_FIELD_MIN_OPEN ? g_strdup_printf(_("a number above %s"), lo)
                                                  : g_strdup_printf(_("a number of at least %s"), lo);
    /* Translators: an interval: "(" or "[", its ends, ")" or "]": "a number in (0, 10]". */
    return g_strdup_printf(_("a number in %s%s, %s%s"), field->ends & TRAIN_FIELD_MIN_OPEN ? "(" : "[",
                           lo, hi, field->ends & TRAIN_FIELD_MAX_OPEN ? ")" : "]");
}

static gboolean G_GNUC_PRINTF(3, 4)
fail(GError **error, const TrainField *field, const char *text_format, ...)
{
    va_list ap;
    va_start(ap, text_format);
    g_autofree char *text = g_strdup_vprintf(text_format, ap);
    va_end(ap);
    g_autofree char *range = train_field_describe_range(field);

    /* Translators: a value as typed, what it should be ("a learning rate") and the range
     * ("a number in (0, 10]"). */
    if (field->noun)
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("'%s' is not %s (%s)"), text,
                    _(field->noun), range);
    else
        /* Translators: a value as typed, then the range ("on or off"). */
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("'%s' is not %s"), text,
                    range);
    return FALSE;
}

static gboolean
in_range(const TrainField *field, double value)
{
    gboolean above = field->ends & TRAIN_FIELD_MIN_OPEN ? value > field->min : value >= field->min;
    gboolean below = field->ends & TRAIN_FIELD_MAX_OPEN ? value < field->max : value <= field->max;
    return isfinite(value) && above && below;
}

char *train_field_format(const TrainField *field, const TrainConfig *config)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];

    g_return_val_if_fail(field != NULL && config != NULL, NULL);

    switch (field->type) {
    case TRAIN_FIELD_STRING: {
        const char *text = *MEMBER(char *, field, config);
        /* A file name need not be UTF-8 (a Latin-1 disk), a key file's text must be: such
         * a name is written as a file:// URI, which escapes every byte and reads back as
         * the same bytes. A URI names an absolute path: a relative one is taken from the
         * current folder, which is what it meant here. */
        if (field->filename && text != NULL && !g_utf8_validate(text, -1, NULL)) {
            g_autofree char *cwd = g_path_is_absolute(text) ? NULL : g_get_current_dir();
            g_autofree char *absolute = cwd ? g_build_filename(cwd, text, NULL) : g_strdup(text);
            char *uri = g_filename_to_uri(absolute, NULL, NULL);
            if (uri != NULL)
                return uri;
        }
        return g_strdup(text);
    }
    case TRAIN_FIELD_INT:
        return g_strdup_printf("%d", *MEMBER(int, field, config));
    case TRAIN_FIELD_UINT64:
        return g_strdup_printf("%" G_GUINT64_FORMAT, *MEMBER(guint64, field, config));
    case TRAIN_FIELD_BYTES:
        return g_strdup_printf("%" G_GSIZE_FORMAT, *MEMBER(gsize, field, config));
    case TRAIN_FIELD_DOUBLE:
        return g_strdup(train_format_double(buf, *MEMBER(double, field, config)));
    case TRAIN_FIELD_BOOL:
        return g_strdup(*MEMBER(gboolean, field, config) ? "true" : "false");
    case TRAIN_FIELD_ENUM: {
        int choice = train_field_get_choice(field, config);
        return choice >= 0 ? g_strdup(field->choices[choice].word)
                           : g_strdup_printf("%d", *MEMBER(int, field, config));
    }
    case TRAIN_FIELD_FLAGS:
    case TRAIN_FIELD_FLOATS: {
        /* A GKeyFile list: every item followed by ';'. */
        GString *s = g_string_new(NULL);
        for (int i = 0; i < field->n_words; i++) {
            if (field->type == TRAIN_FIELD_FLOATS)
                g_string_append_printf(s, "%s;",
                                       train_format_float(buf, MEMBER(float, field, config)[i]));
            else if (*MEMBER(guint, field, config) & (1u << i))
                g_string_append_printf(s, "%s;", field->word_at(i));
        }
        return g_string_free(s, FALSE);
    }
    }
    g_return_val_if_reached(NULL);
}

static gboolean
parse_number(const TrainField *field, const char *text, double *value)
{
    if (is_integer(field)) {
        /* Digits only: "64px", "1e3" and "-5" for a seed are not integers here. */
        if (field->type == TRAIN_FIELD_INT) {
            gint64 v;
            if (!g_ascii_string_to_signed(text, 10, G_MININT, G_MAXINT, &v, NULL))
                return FALSE;
            *value = (double) v;
        } else {
            guint64 v;
            if (!g_ascii_string_to_unsigned(text, 10, 0, G_MAXUINT64, &v, NULL))
                return FALSE;
            *value = (double) v;
        }
        return TRUE;
    }
    char *end = NULL;
    *value = g_ascii_strtod(text, &end);
    return end != NULL && end != text && *end == '\0' && isfinite(*value);
}

static gboolean
parse_bool(const char *text, gboolean *value)
{
    static const char *const yes[] = { "true", "on", "yes", "1" };
    static const char *const no[] = { "false", "off", "no", "0" };

    for (gsize i = 0; i < G_N_ELEMENTS(yes); i++) {
        if (g_ascii_strcasecmp(text, yes[i]) == 0 || g_ascii_strcasecmp(text, no[i]) == 0) {
            *value = g_ascii_strcasecmp(text, yes[i]) == 0;
            return TRUE;
        }
    }
    return FALSE;
}

/* FLAGS and FLOATS: the items of "a;b;" (or "a,b"), empty ones dropped. */
static GStrv
split_list(const char *text)
{
    g_auto(GStrv) items = g_strsplit_set(text, ";,", -1);
    GPtrArray *kept = g_ptr_array_new();

    for (int i = 0; items[i]; i++)
        if (*g_strstrip(items[i]) != '\0')
            g_ptr_array_add(kept, g_strdup(items[i]));
    g_ptr_array_add(kept, NULL);
    return (GStrv) g_ptr_array_free(kept, FALSE);
}

gboolean train_field_parse(const TrainField *field, TrainConfig *config, const char *text,
                           GError **error)
{
    double value;

    g_return_val_if_fail(field != NULL && config != NULL && text != NULL, FALSE);

    switch (field->type) {
    case TRAIN_FIELD_STRING: {
        g_autofree char *name = NULL;
        if (field->filename && g_str_has_prefix(text, "file://") &&
            (name = g_filename_from_uri(text, NULL, NULL)) == NULL)
            return fail(error, field, "%s", text);
        if (field->check && !field->check(text, error))
            return FALSE;
        g_free(*MEMBER(char *, field, config));
        *MEMBER(char *, field, config) = name ? g_steal_pointer(&name) : g_strdup(text);
        return TRUE;
    }
    case TRAIN_FIELD_BOOL: {
        gboolean on;
        if (!parse_bool(text, &on))
            return fail(error, field, "%s", text);
        *MEMBER(gboolean, field, config) = on;
        return TRUE;
    }
    case TRAIN_FIELD_ENUM:
        for (int i = 0; field->choices[i].word; i++)
            if (g_ascii_strcasecmp(text, field->choices[i].word) == 0) {
                *MEMBER(int, field, config) = field->choices[i].value;
                return TRUE;
            }
        return fail(error, field, "%s", text);
    case TRAIN_FIELD_FLAGS: {
        g_auto(GStrv) words = split_list(text);
        guint flags = 0;
        for (int w = 0; words[w]; w++) {
            int i = 0;
            while (i < field->n_words && g_ascii_strcasecmp(words[w], field->word_at(i)) != 0)
                i++;
            if (i == field->n_words && g_ascii_strcasecmp(words[w], "none") != 0)
                return fail(error, field, "%s", words[w]);
            if (i < field->n_words)
                flags |= 1u << i;
        }
        *MEMBER(guint, field, config) = flags;
        return TRUE;
    }
    case TRAIN_FIELD_FLOATS: {
        /* A shorter list keeps the rest: strengths are optional, one per word. */
        g_auto(GStrv) items = split_list(text);
        float parsed[32];
        g_assert(field->n_words <= (int) G_N_ELEMENTS(parsed));
        memcpy(parsed, MEMBER(float, field, config), member_size(field));
        for (int i = 0; items[i] && i < field->n_words; i++) {
            if (!parse_number(field, items[i], &value) || !in_range(field, value))
                return fail(error, field, "%s", items[i]);
            parsed[i] = (float) value;
        }
        memcpy(MEMBER(float, field, config), parsed, member_size(field));
        return TRUE;
    }
    default:
        if (!parse_number(field, text, &value) || !in_range(field, value))
            return fail(error, field, "%s", text);
        train_field_set_number(field, config, value);
        return TRUE;
    }
}

gboolean train_field_check(const TrainField *field, const TrainConfig *config, GError **error)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];

    g_return_val_if_fail(field != NULL && config != NULL, FALSE);

    switch (field->type) {
    case TRAIN_FIELD_STRING:
        return field->check == NULL || field->check(*MEMBER(char *, field, config), error);
    case TRAIN_FIELD_BOOL:
        return TRUE;
    case TRAIN_FIELD_ENUM:
        if (train_field_get_choice(field, config) < 0)
            return fail(error, field, "%d", *MEMBER(int, field, config));
        return TRUE;
    case TRAIN_FIELD_FLAGS:
        if (*MEMBER(guint, field, config) >> field->n_words)
            return fail(error, field, "%#x", *MEMBER(guint, field, config));
        return TRUE;
    case TRAIN_FIELD_FLOATS:
        for (int i = 0; i < field->n_words; i++) {
            float strength = MEMBER(float, field, config)[i];
            if (!in_range(field, strength))
                return fail(error, field, "%s=%s", field->word_at(i),
                            train_format_float(buf, strength));
        }
        return TRUE;
    default: {
        double value = train_field_get_number(field, config);
        if (!in_range(field, value)) {
            g_autofree char *text = train_field_format(field, config);
            return fail(error, field, "%s", text);
        }
        return TRUE;
    }
    }
}

char *train_field_describe_default(const TrainField *field)
{
    g_return_val_if_fail(field != NULL, NULL);

    if (field->implies) {
        /* --weight-decay 5e-4 switches it on: off is the default people care about. */
        const TrainField *on = train_field_find(field->implies);
        if (on && on->def == 0)
            return g_strdup("off");
    }
    switch (field->type) {
    case TRAIN_FIELD_STRING:
        return g_strdup(field->def_text ? field->def_text : "none");
    case TRAIN_FIELD_BOOL:
        return g_strdup(field->def ? "on" : "off");
    case TRAIN_FIELD_ENUM:
        for (int i = 0; field->choices[i].word; i++)
            if (field->choices[i].value == (int) field->def)
                return g_strdup(field->choices[i].word);
        return g_strdup("none");
    case TRAIN_FIELD_FLAGS:
    case TRAIN_FIELD_FLOATS:
        return g_strdup("none");
    default: {
        char buf[G_ASCII_DTOSTR_BUF_SIZE];
        return g_strdup(format_bound(buf, field, field->def));
    }
    }
}

char *train_field_describe_help(const TrainField *field)
{
    char lo[G_ASCII_DTOSTR_BUF_SIZE], hi[G_ASCII_DTOSTR_BUF_SIZE];
    g_autofree char *range = NULL;
    g_autofree char *def = train_field_describe_default(field);

    g_return_val_if_fail(field != NULL, NULL);

    format_bound(lo, field, field->min);
    format_bound(hi, field, field->max);
    if (field->type == TRAIN_FIELD_INT)
        range = g_strdup_printf("%s..%s%s%s", lo, hi, field->unit ? " " : "",
                                field->unit ? field->unit : "");
    else if (field->type == TRAIN_FIELD_DOUBLE && isinf(field->max))
        range = g_strdup_printf("at least %s", lo);
    else if (field->type == TRAIN_FIELD_DOUBLE)
        range = g_strdup_printf("in %s%s, %s%s", field->ends & TRAIN_FIELD_MIN_OPEN ? "(" : "[",
                                lo, hi, field->ends & TRAIN_FIELD_MAX_OPEN ? ")" : "]");
    else if (field->type == TRAIN_FIELD_ENUM ||
             (field->type == TRAIN_FIELD_BOOL && field->flag_style == TRAIN_FLAG_VALUE))
        range = train_field_describe_range(field);
    /* Seeds and bytes: their range is every number anyone types. */

    return g_strdup_printf("%s (%s%sdefault %s)", field->help ? field->help : field->key,
                           range ? range : "", range ? ", " : "", def);
}
