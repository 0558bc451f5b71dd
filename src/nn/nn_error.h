/* nn_error: how the engine reports failure. Every fallible engine call returns an
 * nn_status and fills an nn_error with a sentence a user can read; callers above
 * (train/, ui/) show that sentence as it is. The sentences are English unless the
 * program installs a translator (nn_error_set_translator): the engine has no gettext of
 * its own, but every message goes through nn_error_set, whose format xgettext reads as
 * a msgid (po/meson.build: --keyword=nn_error_set:3). */
#pragma once

typedef enum {
    NN_OK = 0,
    NN_ERR_ARG,       /* a bad argument from the caller (a bug or a bad config value) */
    NN_ERR_SPEC,      /* a network spec that does not parse or does not fit the input */
    NN_ERR_MEMORY,    /* over the caller's memory limit, or malloc failed */
    NN_ERR_IO,        /* open/read/write/rename failed; message carries strerror */
    NN_ERR_FORMAT,    /* not a checkpoint, truncated, or corrupted (bad checksum) */
    NN_ERR_VERSION,   /* a checkpoint from a format version this build cannot read */
    NN_ERR_MISMATCH,  /* a valid checkpoint for another network or input shape */
    NN_ERR_CANCELLED, /* the model's cancel flag was raised (nn_model_set_cancel_flag) */
} nn_status;

typedef struct {
    nn_status code;
    char message[512];
} nn_error;

/* Sets err (if not NULL) and returns code, so callers can write `return nn_error_set(...)`. */
nn_status nn_error_set(nn_error *err, nn_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Translates a message's printf format (the English msgid) before it is filled in; it
 * must return a format with the same conversions (msgfmt -c checks a catalogue's).
 * NULL (the default) keeps English. Set it once at start-up, before any thread. */
typedef const char *(*nn_translator)(const char *format);
void nn_error_set_translator(nn_translator translate);

/* Clears err to NN_OK with an empty message. */
void nn_error_clear(nn_error *err);
