/* lab-window-private.h: what the files of LabWindow share, split by job the way GNOME Text
 * Editor splits its window (lab-window-sweep.c: sweeps, groups of seeds, the U-curve and
 * the learning-rate finder):
 *   lab-window.c          the template, life cycle and public API; the runs, the status
 *                         line, the session it opens with, and a close that waits for them
 *   lab-window-actions.c  the win.* actions and their shortcuts
 *   lab-window-charts.c   the charts, and which field of a run's record feeds which curve
 *   lab-window-export.c   charts, CSV and a copy of the session written where the user says
 *   lab-window-branch.c   resume, fork ("Continue from here", "Change the rate now"), prune,
 *                         and forks drawn as branches of their parents
 *   lab-window-verdicts.c the teacher's verdict on every shown run, and what to try next */
#pragma once

#include "lab-augment-page.h"
#include "lab-lr-finder-dialog.h"
#include "lab-mistakes-page.h"
#include "lab-ratio-page.h"
#include "lab-u-curve.h"
#include "lab-window.h"
#include "train_diagnosis.h"

G_BEGIN_DECLS

/* The window's charts, in the order of LabWindow.charts and of every run's chart ids.
 * A new chart is a row here, one in lab-window-charts.c's tables and a LabChart in
 * lab-window.ui. */
typedef enum {
  LAB_WINDOW_CHART_LOSS,
  LAB_WINDOW_CHART_ACCURACY,
  LAB_WINDOW_CHART_LR,         /* the rate of every batch: the schedule beside its effect */
  LAB_WINDOW_N_CHARTS
} LabWindowChart;

G_STATIC_ASSERT (LAB_WINDOW_N_CHARTS <= LAB_RUN_MAX_CHARTS);

struct _LabWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template children */
  AdwToastOverlay      *toast_overlay;
  GtkButton            *start_button;
  GtkButton            *pause_button;
  LabSettingsPanel     *settings_panel;
  AdwViewStack         *stack;
  GtkScale             *smoothing_scale;
  GtkToggleButton      *log_toggle;
  GtkToggleButton      *time_toggle;
  GtkToggleButton      *batches_toggle;
  GtkLabel             *verdict_label;
  GtkBox               *advice_box;
  GtkLabel             *advice_label;
  GtkButton            *advice_button;
  LabChart             *charts[LAB_WINDOW_N_CHARTS];
  GtkListBox           *runs_list;
  GtkLabel             *status_label;
  GtkProgressBar       *status_progress;
  LabAugmentPage       *augment_page;
  LabMistakesPage      *mistakes_page;
  LabRatioPage         *ratio_page;
  LabUCurve            *u_curve;
  GtkToggleButton      *band_toggle;

  /* lab-window-sweep.c's: the latest sweep, every group of seeds. */
  struct _LabWindowSweeps *sweeps;
  /* The chance lines (ln C on the loss chart, 1/C on the accuracy chart) for C classes. */
  int                   chance_classes;
  guint                 chance_lines[2];

  GSettings            *settings;
  GListStore           *runs;          /* of LabRun */
  LabRun               *active_run;
  guint                 n_colors_used; /* each new run takes the next palette colour */
  gboolean              close_confirmed;
  /* Closing: every run was asked to stop; the window goes when the last one reports that
   * its worker ended. Until then it shows "Stopping…" and takes no input. */
  gboolean              stopping;
  guint                 close_source;
};

/* lab-window.c */
void      _lab_window_toast                (LabWindow      *self,
                                            const char     *format,
                                            ...) G_GNUC_PRINTF (2, 3);
/* A question with two answers: no (also what closing it means) and yes, the default
 * unless it is destructive. */
GtkWidget *_lab_window_question_new        (LabWindow            *self,
                                            const char           *heading,
                                            const char           *no,
                                            const char           *no_label,
                                            const char           *yes,
                                            const char           *yes_label,
                                            AdwResponseAppearance appearance);
/* Wraps train_run in a LabRun with the next colour, and puts it in the list, the table and
 * the charts. Returns the LabRun (borrowed: the list holds it). */
LabRun   *_lab_window_add_train_run        (LabWindow      *self,
                                            TrainRun       *train_run);
/* Puts train_run in the place of the run at index, with its colour (a resumed run, or a run
 * read back from its folder again). Returns the new LabRun (borrowed). */
LabRun   *_lab_window_replace_train_run    (LabWindow      *self,
                                            guint           index,
                                            TrainRun       *train_run);
/* The same in a given colour (the members of a group of seeds share theirs); NULL: the
 * next palette colour. */
LabRun   *_lab_window_add_train_run_with_color (LabWindow     *self,
                                                TrainRun      *train_run,
                                                const GdkRGBA *color);
/* While closing: closes the window once nothing is training any more. */
void      _lab_window_close_if_stopped     (LabWindow      *self);
/* Takes the run at index out of the list, the table and the charts. */
void      _lab_window_remove_run           (LabWindow      *self,
                                            guint           index);
void      _lab_window_update_status        (LabWindow      *self);
/* The verdict line and the advice under it (lab-window-verdicts.c). */
void      _lab_window_update_verdicts      (LabWindow      *self);

/* lab-window-actions.c */
void      _lab_window_class_actions_init   (LabWindowClass *klass);
/* TRUE when the panel's settings can run; else FALSE, the reason toasted. */
gboolean  _lab_window_settings_ready       (LabWindow      *self);
/* Enables the actions that make sense now; a disabled Start says why in its tooltip. */
void      _lab_window_update_actions       (LabWindow      *self);
/* run becomes the one Pause and Stop act on, shown in the status line and on the pages. */
void      _lab_window_make_active          (LabWindow      *self,
                                            LabRun         *run);

/* lab-window-charts.c */
void      _lab_window_class_charts_init    (LabWindowClass *klass);
void      _lab_window_charts_init          (LabWindow      *self);
void      _lab_window_charts_add_run       (LabWindow      *self,
                                            LabRun         *run);
void      _lab_window_charts_remove_run    (LabWindow      *self,
                                            LabRun         *run);
/* Curves and markers from the run's latest record. */
void      _lab_window_charts_update_run    (LabWindow      *self,
                                            LabRun         *run);
/* Shown or hidden, as the run's "shown" says. */
void      _lab_window_charts_show_run      (LabWindow      *self,
                                            LabRun         *run);
void      _lab_window_charts_set_legend    (LabWindow      *self,
                                            LabRun         *run,
                                            const char     *legend);
/* What a chart's file name gets after the first chart's ("" for it, "-accuracy"...). */
const char *_lab_window_chart_file_suffix  (LabWindowChart  chart);

/* lab-window-branch.c */
void      _lab_window_class_branch_init    (LabWindowClass *klass);
/* The charts' "Continue from here" menus. */
void      _lab_window_branch_init          (LabWindow      *self);
void      _lab_window_branch_update_actions (LabWindow     *self);
/* A fork's legend by what differs from its parent, when the parent is in the window
 * ("lr 1e-4 from epoch 20"); NULL otherwise. */
char     *_lab_window_branch_describe      (LabWindow      *self,
                                            LabRun         *run);
/* Draws every fork as a branch of its parent, when the parent is in the window. */
void      _lab_window_branch_link_forks    (LabWindow      *self);
/* A resume its worker refused (the data changed...): the row goes back to the folder as it
 * is, and a toast offers a fork. FALSE when run is not a resume. */
gboolean  _lab_window_branch_on_failed     (LabWindow      *self,
                                            LabRun         *run);
/* Once a session is loaded: offers to resume the runs a crash interrupted. */
void      _lab_window_branch_offer_resume  (LabWindow      *self);
/* lab-window-sweep.c */
typedef struct _LabWindowSweeps LabWindowSweeps;
void      _lab_window_class_sweep_init     (LabWindowClass *klass);
void      _lab_window_sweep_init           (LabWindow      *self);
void      _lab_window_sweep_dispose        (LabWindow      *self);
/* Runs config at each rate with n_seeds seeds (from config->seed) one after another; a
 * running sweep stops first. FALSE (toasted) when the plan is refused. */
gboolean  _lab_window_sweep_start          (LabWindow         *self,
                                            const TrainConfig *config,
                                            DataSet           *set,
                                            const double      *rates,
                                            int                n_rates,
                                            int                n_seeds);
/* A sweep still has runs to train. */
gboolean  _lab_window_sweep_active         (LabWindow      *self);
/* Stops it after the current batch; TRUE if one was running. */
gboolean  _lab_window_sweep_stop           (LabWindow      *self);
void      _lab_window_sweep_run_updated    (LabWindow      *self,
                                            LabRun         *run);
void      _lab_window_sweep_run_removed    (LabWindow      *self,
                                            LabRun         *run);
/* run takes old's place (a resume of the same folder): in old's group, as its member. */
void      _lab_window_sweep_run_replaced   (LabWindow      *self,
                                            LabRun         *old,
                                            LabRun         *run);
/* A member of a group of seeds read back with the session (group.ini): joins the window
 * in its group's colour under its group, id (one per group) as train_session_load gives
 * it, n_seeds the seeds the sweep planned. Returns the LabRun (borrowed). */
LabRun   *_lab_window_sweep_restore_member (LabWindow      *self,
                                            TrainRun       *train_run,
                                            const char     *id,
                                            int             n_seeds);
/* A group of seeds read as one (train_diagnose_group on its members' curves). */
typedef struct
{
  const char  *label;                    /* "lr 1e-3, 3 seeds" (the group's) */
  LabRun      *member;                   /* its first member, whose settings all share */
  int          classes;
  gboolean     active;                   /* the active run is one of its members */
  TrainVerdict verdict;
} LabWindowGroupVerdict;
/* Every group's verdict, oldest group first (LabWindowGroupVerdict; the array clears
 * them). */
GArray   *_lab_window_sweep_read_groups    (LabWindow      *self);
void      _lab_window_group_verdict_clear  (LabWindowGroupVerdict *verdict);
/* Opens the learning-rate finder on the panel's settings (NULL with a toast when they
 * cannot run). */
LabLrFinderDialog *_lab_window_find_lr     (LabWindow      *self);

/* lab-window-charts.c: the chance lines for the classes of the runs' data. */
void      _lab_window_charts_set_chance    (LabWindow      *self,
                                            int             num_classes);

/* lab-window-export.c: each asks where with a file chooser, writes, and toasts the result. */
void      _lab_window_ask_save_session     (LabWindow      *self);
void      _lab_window_ask_export_charts    (LabWindow      *self);
void      _lab_window_ask_export_csv       (LabWindow      *self);
void      _lab_window_ask_export_pytorch   (LabWindow      *self);
void      _lab_window_ask_export_onnx      (LabWindow      *self);
/* folder: TensorBoard logs (a folder of event files); else a CSV or one event file. */
void      _lab_window_ask_import           (LabWindow      *self,
                                            gboolean        folder);

G_END_DECLS
