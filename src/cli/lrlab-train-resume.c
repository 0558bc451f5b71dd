/* lrlab-train-resume: --resume RUN_DIR and --fork RUN_DIR:EPOCH (lrlab-train-resume.h). The
 * mode only decides where each run starts, in which folder and under which name; loading
 * the data, watching the run, Ctrl-C and the table are lrlab-train's own, so a resumed run
 * prints and ends like any other. A --fork with several rates (--lr 1e-4,1e-5) is a sweep
 * of forks from the same epoch. */
#include "lrlab-train-resume.h"

#include <gio/gio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train_format.h"
#include "train_resume.h"

static char *resume_dir;
static char *fork_arg;
static char *fork_dir;
static int fork_epochs;
/* The start read for the checks; each run gets a start of its own. */
static TrainStart *probe;

static GOptionEntry entries[] = {
    { "resume", 0, 0, G_OPTION_ARG_FILENAME, &resume_dir,
      "continue the run in RUN_DIR after its last finished epoch, with its own settings, to "
      "its epoch count or, with --epochs N, N more; exact to the byte with the same threads "
      "(default: start a new run)", "RUN_DIR" },
    { "fork", 0, 0, G_OPTION_ARG_STRING, &fork_arg,
      "a new run from RUN_DIR's checkpoint after epoch EPOCH, with the changes the other flags "
      "give (--lr, --dropout, --weight-decay, --augment, --schedule, --epochs...), written beside "
      "it as RUN_DIR-from-EPOCH or under --out (default: start from fresh weights)",
      "RUN_DIR:EPOCH" },
    { NULL },
};

GOptionEntry *lrlab_train_branch_entries(void)
{
    return entries;
}

gboolean lrlab_train_branch_wanted(void)
{
    return resume_dir != NULL || fork_arg != NULL;
}

/* One line, and exit: 2 for a command line that cannot work (as getopt tools do), 1 when
 * the folder has nothing to continue from. */
static G_NORETURN void
cannot(int status, GError *error)
{
    fprintf(stderr, "lrlab-train: %s\n", error->message);
    exit(status);
}

#define usage(...) cannot(2, g_error_new(G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, __VA_ARGS__))

/* "runs/lr_1e-03:20" -> the folder and 20. */
static void
parse_fork(const char *arg)
{
    const char *colon = strrchr(arg, ':');
    char *end = NULL;
    long epochs = colon ? strtol(colon + 1, &end, 10) : 0;
    if (colon == NULL || colon == arg || end == colon + 1 || *end != '\0' || epochs < 1 ||
        epochs > G_MAXINT)
        usage("--fork: '%s' is not RUN_DIR:EPOCH (a run folder and an epoch from 1, as "
              "lrlab-train prints them: --fork runs/lr_1e-03:20)", arg);
    fork_dir = g_strndup(arg, (gsize) (colon - arg));
    fork_epochs = (int) epochs;
}

const char *lrlab_train_branch_config(const char *config_flag)
{
    g_autoptr(GError) error = NULL;

    if (resume_dir && fork_arg)
        usage("--resume and --fork: give one of them (a resume continues a run, a fork starts a "
              "new one from it)");
    if (config_flag)
        usage("--config: --%s starts from the run folder's own config.ini",
              resume_dir ? "resume" : "fork");
    if (fork_arg)
        parse_fork(fork_arg);
    probe = resume_dir ? train_start_new_resume(resume_dir, &error)
                       : train_start_new_fork(fork_dir, fork_epochs, &error);
    if (probe == NULL)
        cannot(1, error);
    return g_build_filename(train_start_dir(probe), "config.ini", NULL);
}

void lrlab_train_branch_check(TrainConfig *config, guint n_rates, const char *out,
                              const char *epochs_text)
{
    g_autoptr(GError) error = NULL;

    if (resume_dir) {
        if (out)
            usage("--out: --resume trains in %s itself; --out is for new runs", resume_dir);
        if (n_rates > 1)
            usage("--lr: --resume continues one run at its own rate; fork it to try others "
                  "(--fork %s:%d --lr ...)", resume_dir, train_start_epochs_done(probe));
        /* --epochs N: N more than were done (the loop parsed N into config). */
        if (epochs_text)
            config->epochs += train_start_epochs_done(probe);
        else
            config->epochs = train_start_config(probe)->epochs;
    }
    if (!train_start_check_config(probe, config, &error))
        cannot(2, error);
}

/* Beside the parent: runs/lr_1e-03-from-20, with the rate of a sweep's fork after it;
 * numbered when taken, so a fork never lands on an earlier one. */
static char *
fork_folder(const TrainConfig *rc, guint n_rates)
{
    g_autofree char *parent = g_strdup(fork_dir);
    gsize len = strlen(parent);
    while (len > 1 && parent[len - 1] == G_DIR_SEPARATOR)
        parent[--len] = '\0';
    g_autofree char *rate = train_format_lr_padded(rc->lr);
    g_autofree char *base = n_rates > 1 ? g_strdup_printf("%s-from-%d-lr_%s", parent,
                                                          fork_epochs, rate)
                                        : g_strdup_printf("%s-from-%d", parent, fork_epochs);
    char *path = g_strdup(base);
    for (int i = 2; g_file_test(path, G_FILE_TEST_EXISTS); i++) {
        g_free(path);
        path = g_strdup_printf("%s-%d", base, i);
    }
    return path;
}

void lrlab_train_branch_setup_run(TrainRun *run, const TrainConfig *rc, guint n_rates,
                                  char **folder)
{
    g_autoptr(GError) error = NULL;
    TrainStart *start = resume_dir ? train_start_new_resume(resume_dir, &error)
                                   : train_start_new_fork(fork_dir, fork_epochs, &error);
    if (start == NULL)
        cannot(1, error);
    const TrainConfig *was = train_start_config(start);
    const int k = train_start_epochs_done(start);

    if (resume_dir) {
        g_free(*folder);
        *folder = g_strdup(resume_dir);
        train_run_set_name(run, was->name);
        printf("Resuming %s after epoch %d of %d\n", resume_dir, k, rc->epochs);
    } else {
        if (*folder == NULL)
            *folder = fork_folder(rc, n_rates);
        g_autofree char *name = train_fork_describe(rc, was, k);
        train_run_set_name(run, name);
        printf("Forking %s after epoch %d into %s: %s\n", fork_dir, k, *folder, name);
        train_run_set_output_dir(run, *folder);
    }
    if (train_start_note(start))
        printf("%s\n", train_start_note(start));
    train_run_set_start(run, start);
}
