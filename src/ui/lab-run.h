/* LabRun: one training run as the app shows it: the TrainRun, its colour (the same in the
 * charts, the runs table and the galleries), its legend label, whether it is shown, and a
 * copy of its record that grows as the worker's news arrives on the main loop. */
#pragma once

#include <gtk/gtk.h>
#include "train_run.h"

G_BEGIN_DECLS

#define LAB_TYPE_RUN (lab_run_get_type ())
G_DECLARE_FINAL_TYPE (LabRun, lab_run, LAB, RUN, GObject)

/* Takes a reference on train_run and listens to it on the main context. */
LabRun        *lab_run_new                (TrainRun      *train_run,
                                           const GdkRGBA *color);
TrainRun      *lab_run_get_train_run      (LabRun        *self);
const GdkRGBA *lab_run_get_color          (LabRun        *self);
/* Makes area draw the run's colour as a disc filling it (self NULL: nothing), the mark
 * that ties the runs table's row and the mistakes page to the run's curves. */
void           lab_run_show_swatch        (LabRun         *self,
                                           GtkDrawingArea *area);
const char    *lab_run_get_name           (LabRun        *self);
void           lab_run_set_name           (LabRun        *self,
                                           const char    *name);
/* What differs from the other runs ("lr 1e-4, dropout off"), for legends and the table. */
const char    *lab_run_get_label          (LabRun        *self);
void           lab_run_set_label          (LabRun        *self,
                                           const char    *label);
gboolean       lab_run_get_shown          (LabRun        *self);
void           lab_run_set_shown          (LabRun        *self,
                                           gboolean       shown);
/* The latest state and record, as of the last "updated" signal. */
TrainProgress  lab_run_get_progress       (LabRun        *self);
const TrainEpoch *lab_run_get_epochs      (LabRun        *self,
                                           guint         *n_epochs);
const TrainBatchPoint *lab_run_get_batches (LabRun       *self,
                                           guint         *n_batches);
/* "running", "early-stopped": the status in words for the table. */
const char    *lab_run_get_status_text    (LabRun        *self);
/* Fetches the news now (the worker's notify does it by itself; tests and loaded runs call it). */
void           lab_run_refresh            (LabRun        *self);
/* The group of seeds the run belongs to (runs that differ only in their training seed,
 * drawn as one mean and band), 0 for none, and the group's name for the runs table. */
guint          lab_run_get_group          (LabRun        *self);
const char    *lab_run_get_group_label    (LabRun        *self);
void           lab_run_set_group          (LabRun        *self,
                                           guint          group,
                                           const char    *label);
/* Chart run ids (one per chart of the window, in its order), kept by the window. */
#define LAB_RUN_MAX_CHARTS 4
guint          lab_run_get_chart_id       (LabRun        *self,
                                           guint          chart);
void           lab_run_set_chart_id       (LabRun        *self,
                                           guint          chart,
                                           guint          id);

G_END_DECLS
