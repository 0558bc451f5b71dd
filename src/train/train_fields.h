/* train_fields: the one table of TrainConfig's settings. Each row says where a setting
 * lives (config.ini group and key, offset into TrainConfig), what it holds (type,
 * default, range, words), how people meet it (lrlab-train's flag and help, the noun its
 * errors use, its words in a legend). Everything that reads or writes a setting walks
 * this table: train_config_init/_validate/_save/_load/_describe_difference, lrlab-train's
 * options, parsing and --help, and the app's settings panel (lab-settings-panel-fields.c
 * finds a row's widget by its key and reads or writes it by the row's type).
 *
 * ADDING A SETTING (e.g. the resize mode, row "resize"):
 *   1. TrainConfig gets the member (train_config.h), and this table gets one row in
 *      train_fields.c: group, key, type, offset, default, range or words, noun, flag and
 *      help (a NULL flag keeps it off the command line), a legend if runs may differ in it.
 *      config.ini, validation, legends, --flag, its parsing and --help follow from the row.
 *   2. The panel gets a widget: one object in ui/lab-settings-panel.ui (a GtkSpinButton
 *      for numbers, a GtkSwitch or AdwExpanderRow for a bool, an AdwComboRow whose items
 *      are the row's words in order for an enum) and one line in panel_fields[] in
 *      src/ui/lab-settings-panel-fields.c naming its id. No widget: the panel keeps the
 *      value it was given (set_config) and hands it back (get_config). A row shown only
 *      for some data (resize: folders) also gets its line in update_visibility().
 *   3. The widget's words get their translation in po/de.po.
 * Nothing else: the app persists its setup as config.ini text (one GSettings key), so
 * the schema does not change, and tests/train/test_config.c and tests/ui/test_settings.c
 * walk every row (round trips, ranges, the panel's widgets). */
#pragma once
#include "train_config.h"

typedef enum {
    TRAIN_FIELD_STRING,    /* char *, owned by the config; NULL is not written */
    TRAIN_FIELD_INT,       /* int */
    TRAIN_FIELD_UINT64,    /* guint64 (seeds) */
    TRAIN_FIELD_BYTES,     /* gsize */
    TRAIN_FIELD_DOUBLE,    /* double */
    TRAIN_FIELD_BOOL,      /* gboolean: true/false in config.ini, on/off as a flag value */
    TRAIN_FIELD_ENUM,      /* an int-sized enum, written as its word (choices) */
    TRAIN_FIELD_FLAGS,     /* guint bit set, written as the words of its bits: "hflip;noise;" */
    TRAIN_FIELD_FLOATS,    /* float[n_words], one per word: "0.5;0.2;" */
} TrainFieldType;

/* Which ends of [min, max] are excluded: the learning rate is in (0, 10]. */
typedef enum {
    TRAIN_FIELD_CLOSED = 0,
    TRAIN_FIELD_MIN_OPEN = 1 << 0,
    TRAIN_FIELD_MAX_OPEN = 1 << 1,
} TrainFieldEnds;

typedef enum {
    TRAIN_FLAG_VALUE = 0,  /* --size 64, --dropout off */
    TRAIN_FLAG_SWITCH,     /* --nesterov alone turns a bool on */
} TrainFlagStyle;

/* An enum's word and value; a list ends with { NULL }. An AdwComboRow shows them in
 * this order. */
typedef struct {
    const char *word;
    int value;
} TrainFieldChoice;

/* The setting's words in a legend ("lr 1e-4", "dropout off"); NULL: nothing to say. */
typedef char *(*TrainFieldLegend)(const TrainConfig *config);
/* A STRING's own check beyond being text (a network spec must parse). */
typedef gboolean (*TrainFieldCheck)(const char *text, GError **error);

typedef struct {
    const char *group, *key;        /* config.ini: [training] batch-size */
    TrainFieldType type;
    gsize offset;                   /* into TrainConfig, e.g. offsetof(..., synthetic.seed) */

    double def;                     /* numbers, bools (0, 1), enums (the value) */
    const char *def_text;           /* strings */
    double min, max;                /* numbers (FLOATS: each); max INFINITY: no bound */
    TrainFieldEnds ends;
    const TrainFieldChoice *choices;/* ENUM */
    const char *(*word_at)(int i);  /* FLAGS, FLOATS: the word of bit or slot i */
    int n_words;
    TrainFieldCheck check;          /* STRING, optional */
    gboolean filename;              /* STRING: a file name in the system's encoding, not
                                     * always UTF-8; config.ini has such a one as a
                                     * file:// URI */
    const char *missing_from;       /* numbers: a file without this key takes that key's value */

    const char *noun;               /* "an image side in pixels", for errors */
    const char *unit;               /* "px", after the range in --help */

    const char *flag;               /* lrlab-train --flag; NULL: no flag (or a custom one) */
    TrainFlagStyle flag_style;
    const char *metavar;            /* "PX" in --size=PX */
    const char *help;               /* "input side": --help adds range and default */
    const char *implies;            /* the flag also switches this BOOL key on */

    int legend_rank;                /* order in legends, 1 first; 0: never named */
    TrainFieldLegend legend;
    const char *comment;            /* written above the key in config.ini; NULL: none */
} TrainField;

/* The table, in config.ini order. */
const TrainField *train_fields(guint *n_fields);
/* The row of a config.ini key, or NULL. */
const TrainField *train_field_find(const char *key);

void train_field_set_default(const TrainField *field, TrainConfig *config);
void train_field_clear(const TrainField *field, TrainConfig *config);   /* frees a string */
void train_field_copy(const TrainField *field, TrainConfig *dst, const TrainConfig *src);
gboolean train_field_equal(const TrainField *field, const TrainConfig *a, const TrainConfig *b);

/* Reads text (a config.ini value, a flag's argument) into config. A bad word, number or
 * range leaves config as it was and says, e.g., "'64px' is not an image side in pixels
 * (an integer from 16 to 384)"; callers put the key or flag in front. */
gboolean train_field_parse(const TrainField *field, TrainConfig *config, const char *text,
                           GError **error);
/* The value as config.ini writes it; NULL for an unset string. Newly allocated. */
char *train_field_format(const TrainField *field, const TrainConfig *config);
/* FALSE when the value is out of range, with the same words as train_field_parse. */
gboolean train_field_check(const TrainField *field, const TrainConfig *config,
                           GError **error);

/* Numbers for widgets: INT, UINT64, BYTES, DOUBLE, BOOL (0, 1) and ENUM (its value). */
double train_field_get_number(const TrainField *field, const TrainConfig *config);
void train_field_set_number(const TrainField *field, TrainConfig *config, double value);
/* An ENUM as a position in its choices: what an AdwComboRow shows. */
int train_field_n_choices(const TrainField *field);
int train_field_get_choice(const TrainField *field, const TrainConfig *config);
void train_field_set_choice(const TrainField *field, TrainConfig *config, int index);

/* "an integer from 16 to 384", "a number in (0, 10]", "adam or sgd", "on or off". */
char *train_field_describe_range(const TrainField *field);
/* The default as --help says it: "64", "adam", "on", "none". */
char *train_field_describe_default(const TrainField *field);
/* A flag's --help line: "input side, 16..384 px (default 64)". */
char *train_field_describe_help(const TrainField *field);
