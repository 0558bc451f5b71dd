/* LabChipHistory: when each validation chip of a run was learned and forgotten
 * (train_forgetting.h): the chips filtered ("never learned": the hard or mislabelled ones;
 * "forgotten since epoch N": what the epochs after the best one cost) and sorted, each
 * with a strip of its epochs, green where the network was right, red where wrong. It
 * follows the run's "updated" signal. */
#pragma once

#include <gtk/gtk.h>
#include "lab-run.h"
#include "train_forgetting.h"

G_BEGIN_DECLS

#define LAB_TYPE_CHIP_HISTORY (lab_chip_history_get_type ())
G_DECLARE_FINAL_TYPE (LabChipHistory, lab_chip_history, LAB, CHIP_HISTORY, GtkWidget)

void  lab_chip_history_set_run      (LabChipHistory  *self,
                                     LabRun          *run);
/* since counts from 1, as on the charts; it is the epoch of TRAIN_CHIPS_FORGOTTEN_SINCE. */
void  lab_chip_history_set_filter   (LabChipHistory  *self,
                                     TrainChipFilter  filter,
                                     int              since);
void  lab_chip_history_set_sort     (LabChipHistory  *self,
                                     TrainChipSort    sort);
/* For tests: chips that pass the filter, and chips shown (at most a few hundred). */
guint lab_chip_history_get_n_passing (LabChipHistory *self);
guint lab_chip_history_get_n_shown  (LabChipHistory  *self);

G_END_DECLS
