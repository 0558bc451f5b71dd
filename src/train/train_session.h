/* train_session: a folder of run folders (lrlab-train --out DIR, or the app's session),
 * read back for comparison. A damaged or foreign folder never stops the rest from
 * loading: it is listed with the reason, so the user knows what was skipped and why. */
#pragma once
#include <glib.h>
#include "train_run.h"

typedef struct {
    char *folder;          /* the run folder's path */
    char *reason;          /* "history.csv: line 4: loss is not a number (\"abc\")" */
} TrainSessionProblem;

typedef struct {
    char *dir;
    GPtrArray *runs;       /* of TrainRun* (owned), sorted by folder name */
    GPtrArray *problems;   /* of TrainSessionProblem* (owned), sorted by folder name */
} TrainSession;

/* Reads every subfolder of dir as a run. Fails (NULL) only when dir itself cannot be
 * read; an empty dir gives an empty session. */
TrainSession *train_session_load(const char *dir, GError **error);
void train_session_free(TrainSession *session);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TrainSession, train_session_free)
