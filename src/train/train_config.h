/* train_config: everything that defines one training run, as the app's settings panel
 * and lrlab-train's flags fill it in. Saved in each run folder as a GKeyFile (config.ini)
 * so a person can read it and a session can rebuild the run. */
#pragma once
#include <glib.h>
#include "nn_optim.h"
#include "nn_spec.h"
#include "data_synthetic.h"
#include "data_augment.h"
#include "data_folder.h"

typedef enum {
    TRAIN_DATA_SYNTHETIC = 0,
    TRAIN_DATA_FOLDER,
} TrainDataKind;

typedef struct {
    char *name;                 /* the run's label, e.g. "lr 1e-4, dropout off"; may be NULL */
    TrainDataKind data_kind;
    DataSyntheticParams synthetic;
    char *folder;               /* TRAIN_DATA_FOLDER */
    DataResizeMode resize;
    char *model;                /* a preset name or a spec */
    int size;                   /* input side, default 64 */
    int epochs;                 /* default 30 */
    int batch_size;             /* default 64 */
    nn_optimizer_kind optimizer;/* default Adam */
    double lr;                  /* constant for the whole run; default 1e-3 */
    double momentum;            /* SGD; default 0.9 */
    gboolean nesterov;
    gboolean dropout;           /* FALSE sets every dropout rate to 0 */
    double dropout_rate;        /* <= 0: the rate from the spec (0.5 in the presets) */
    gboolean weight_decay_on;
    double weight_decay;        /* default 1e-4 when on */
    gboolean decoupled;         /* AdamW-style decay */
    DataAugmentConfig augment;
    double val_split;           /* default 0.25 */
    guint64 seed;               /* default 1 */
    int early_stop_patience;    /* 0 = off */
    double early_stop_min_delta;
    gboolean restore_best;      /* default TRUE */
    int threads;                /* 0 = all cores */
    gsize memory_limit;         /* bytes; 0 = 75% of physical memory */
} TrainConfig;

/* A config with every default above. Free with train_config_clear. */
void train_config_init(TrainConfig *config);
void train_config_clear(TrainConfig *config);
void train_config_copy(TrainConfig *dst, const TrainConfig *src);

/* Checks values and ranges; the error names the field and the accepted range. */
gboolean train_config_validate(const TrainConfig *config, GError **error);

/* config.ini round trip. */
gboolean train_config_save(const TrainConfig *config, const char *path, GError **error);
gboolean train_config_load(TrainConfig *config, const char *path, GError **error);

/* "lr 1e-4, dropout off": the settings in which `config` differs from `others`
 * (n_others configs), for legends. Returns a newly allocated string. */
char *train_config_describe_difference(const TrainConfig *config,
                                       const TrainConfig *const *others, int n_others);

/* The network a run trains on a dataset of num_classes classes: a preset (they end in f2)
 * gets num_classes outputs, a typed spec must already end in f<num_classes>; dropout off
 * sets every rate to 0, dropout_rate > 0 replaces the spec's rates. */
gboolean train_config_build_spec(const TrainConfig *config, int num_classes, nn_spec *spec,
                                 GError **error);

/* The shortest C-locale text that reads back (g_ascii_strtod) as exactly value, like
 * Python's repr: "0.9", not "0.90000000000000002". buf has G_ASCII_DTOSTR_BUF_SIZE bytes. */
const char *train_format_double(char *buf, double value);

/* A learning rate the way people write it: "1e-4", "3e-4", "2.5e-3". Newly allocated. */
char *train_format_lr(double lr);
