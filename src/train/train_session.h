/* train_session: a folder of run folders (lrlab-train --out DIR, or the app's session),
 * read back for comparison. A damaged or foreign folder never stops the rest from
 * loading: it is listed with the reason, so the user knows what was skipped and why.
 * Also the session's folder work the app does: where it lives, the next run's folder,
 * copying runs elsewhere (Save Session) and deleting one. GLib and GIO only, no GTK. */
#pragma once
#include <glib.h>
#include "train_run.h"

typedef struct {
    char *folder;          /* the run folder's path */
    char *reason;          /* "history.csv: line 4: loss is not a number (\"abc\")" */
} TrainSessionProblem;

/* Runs a sweep made with several seeds of one rate (their group.ini: train_sweep.h). */
typedef struct {
    char *id;
    int n_seeds;           /* the seeds the sweep planned (members may have been deleted) */
    GPtrArray *runs;       /* of TrainRun* (borrowed from the session's runs), in its order */
} TrainSessionGroup;

typedef struct {
    char *dir;
    GPtrArray *runs;       /* of TrainRun* (owned), sorted by folder name */
    GPtrArray *problems;   /* of TrainSessionProblem* (owned), sorted by folder name */
    GPtrArray *groups;     /* of TrainSessionGroup* (owned), in the order of their first run */
} TrainSession;

/* Reads every subfolder of dir as a run. Fails (NULL) only when dir itself cannot be
 * read; an empty dir gives an empty session. */
TrainSession *train_session_load(const char *dir, GError **error);
void train_session_free(TrainSession *session);
/* The group run (one of session's) belongs to, or NULL. */
const TrainSessionGroup *train_session_find_group(const TrainSession *session,
                                                  const TrainRun *run);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TrainSession, train_session_free)

/* The app's session folder, where every run autosaves: $LRLAB_SESSION_DIR when set and
 * not empty, else ~/.local/share/lrlab/session (XDG_DATA_HOME/lrlab/session). */
char *train_session_dir(void);

/* The folder for the next run in session_dir: run-001, run-002... one past the highest
 * run-NNN there, so runs list in the order they were made and a deleted run's number is
 * not given to a newer run while a later one exists. Creates session_dir when missing
 * (not the run folder: train_run_start makes it, with its config.ini). NULL with an
 * error naming the folder when session_dir cannot be created or read. */
char *train_session_next_run_dir(const char *session_dir, GError **error);

/* Copies each run folder of run_dirs (NULL-terminated) with everything in it into
 * dest_dir/<its name> (dest_dir is created when missing; files already there are
 * overwritten): the layout lrlab-train --out writes, so the copy reads back as a session.
 * Stops at the first failure, with an error naming the file. */
gboolean train_session_copy_runs(const char *const *run_dirs, const char *dest_dir,
                                 GError **error);

/* Deletes a run folder and everything in it (symbolic links are removed, not followed).
 * A folder that does not exist is already deleted: TRUE. */
gboolean train_session_delete_run(const char *run_dir, GError **error);
