/* train_config: everything that defines one training run, as the app's settings panel
 * and lrlab-train's flags fill it in. Saved in each run folder as a GKeyFile (config.ini)
 * so a person can read it and a session can rebuild the run. Every member below is a row
 * of train_fields.c, which holds its key, default and range (see train_fields.h for
 * adding one). */
#pragma once
#include <glib.h>
#include "train_format.h"
#include "nn_optim.h"
#include "nn_spec.h"
#include "data_synthetic.h"
#include "data_augment.h"
#include "data_folder.h"
#include "train_schedule.h"

typedef enum {
    TRAIN_DATA_SYNTHETIC = 0,
    TRAIN_DATA_FOLDER,
} TrainDataKind;

typedef struct {
    char *name;                 /* the run's label, e.g. "lr 1e-4, dropout off"; may be NULL */
    TrainDataKind data_kind;
    DataSyntheticParams synthetic;  /* .seed: the synthetic images (data-seed); .size and
                                     * .threads are not settings: size and threads are */
    char *folder;               /* TRAIN_DATA_FOLDER */
    DataResizeMode resize;
    char *model;                /* a preset name or a spec */
    int size;                   /* input side, default 64 */
    int epochs;                 /* default 30 */
    int batch_size;             /* default 64 */
    nn_optimizer_kind optimizer;/* default Adam */
    double lr;                  /* the run's rate; default 1e-3. Constant unless schedule says
                                 * otherwise (its start, or its peak for one-cycle/cyclic) */
    TrainSchedule schedule;     /* default constant (train_schedule.h) */
    double momentum;            /* SGD; default 0.9 */
    gboolean nesterov;
    gboolean dropout;           /* FALSE sets every dropout rate to 0 */
    double dropout_rate;        /* <= 0: the rate from the spec (0.5 in the presets) */
    gboolean weight_decay_on;
    double weight_decay;        /* default 1e-4 when on */
    gboolean decoupled;         /* AdamW-style decay */
    DataAugmentConfig augment;
    double val_split;           /* default 0.25 */
    guint64 split_seed;         /* which images validate; default 1 */
    guint64 seed;               /* initial weights, batch order, augmentation, dropout;
                                 * default 1. Repeating a run with other seeds varies this
                                 * one only: the images and the split stay. */
    int early_stop_patience;    /* 0 = off */
    double early_stop_min_delta;
    gboolean restore_best;      /* default TRUE */
    int threads;                /* 0 = all cores */
    gsize memory_limit;         /* bytes; 0 = 75% of physical memory */
    int keep_last;              /* per-epoch checkpoints kept: the last N (0 = every epoch's) */
    int keep_every;             /* with keep_last, also every Nth epoch's (0 = none) */
} TrainConfig;

/* A config with every default above. Free with train_config_clear. */
void train_config_init(TrainConfig *config);
void train_config_clear(TrainConfig *config);
void train_config_copy(TrainConfig *dst, const TrainConfig *src);

/* Checks values and ranges; the error names the field and the accepted range. */
gboolean train_config_validate(const TrainConfig *config, GError **error);

/* config.ini round trip. Load starts from the defaults: a missing key keeps its default,
 * a malformed or out-of-range one is an error naming the key (config is then the
 * defaults). config is an out parameter, uninitialised memory is fine: what it held is
 * overwritten, not freed, so clear a config (even after a failed load) before loading
 * into it again. */
gboolean train_config_save(const TrainConfig *config, const char *path, GError **error);
gboolean train_config_load(TrainConfig *config, const char *path, GError **error);
/* The same as text (the app keeps its panel's setup this way). origin names the text
 * in errors, like load's path. */
char *train_config_to_data(const TrainConfig *config);
gboolean train_config_load_data(TrainConfig *config, const char *data, const char *origin,
                                GError **error);

/* "lr 1e-4, dropout off": the settings in which `config` differs from `others`
 * (n_others configs), for legends. Returns a newly allocated string. */
char *train_config_describe_difference(const TrainConfig *config,
                                       const TrainConfig *const *others, int n_others);

/* The network a run trains on a dataset of num_classes classes: a preset (they end in f2)
 * gets num_classes outputs, a typed spec must already end in f<num_classes>; dropout off
 * sets every rate to 0, dropout_rate > 0 replaces the spec's rates. */
gboolean train_config_build_spec(const TrainConfig *config, int num_classes, nn_spec *spec,
                                 GError **error);

/* What a run may take when memory_limit is 0: 75% of physical memory (0 when unknown). */
gsize train_default_memory_limit(void);
/* config's memory_limit, or the default above. */
gsize train_config_memory_limit(const TrainConfig *config);
