/* LabSchedulePreview: a small drawing of a learning-rate schedule before it runs: the rate
 * of every batch over the whole run (train_schedule_preview) on a log scale, with the
 * first, lowest and highest rates labelled, so the user sees what "one-cycle" or "step
 * x0.1 every 10" will do before pressing Start. */
#pragma once

#include <gtk/gtk.h>
#include "train_schedule.h"

G_BEGIN_DECLS

#define LAB_TYPE_SCHEDULE_PREVIEW (lab_schedule_preview_get_type ())
G_DECLARE_FINAL_TYPE (LabSchedulePreview, lab_schedule_preview, LAB, SCHEDULE_PREVIEW, GtkWidget)

GtkWidget *lab_schedule_preview_new (void);
/* The schedule of a run at rate lr over epochs of batches_per_epoch batches (copied);
 * an invalid one draws nothing but its name. Plateau is drawn constant with a note: its
 * drops follow validation losses not yet seen. */
void       lab_schedule_preview_set (LabSchedulePreview *self,
                                     const TrainSchedule *schedule,
                                     double               lr,
                                     int                  epochs,
                                     int                  batches_per_epoch);
/* The rates drawn (epochs * batches_per_epoch of them), for tests. */
const double *lab_schedule_preview_get_rates (LabSchedulePreview *self,
                                              guint              *n_rates);

G_END_DECLS
