/* LabForkDialog: "Continue from here": a new run from a run's checkpoint after one of its
 * epochs, with the settings a fork may change (rate, schedule, dropout, weight decay,
 * augmentation, epochs). In its live form, "Change the rate now", the epoch is the run's
 * last finished one and it asks whether the original keeps training. The dialog only
 * gathers the answer; the window starts the fork (lab-window-branch.c). */
#pragma once

#include <adwaita.h>
#include "train_config.h"

G_BEGIN_DECLS

#define LAB_TYPE_FORK_DIALOG (lab_fork_dialog_get_type ())
G_DECLARE_FINAL_TYPE (LabForkDialog, lab_fork_dialog, LAB, FORK_DIALOG, AdwMessageDialog)

/* config: the parent's settings (copied); n_epochs: its finished epochs; fork_points: the
 * epochs whose checkpoints are kept (GArray of int, copied); epoch: the one to start with;
 * live: "Change the rate now" (the epoch is fixed). */
LabForkDialog *lab_fork_dialog_new        (GtkWindow         *parent,
                                           const char        *run_name,
                                           const TrainConfig *config,
                                           int                n_epochs,
                                           GArray            *fork_points,
                                           int                epoch,
                                           gboolean           live);
/* The parent's settings with the dialog's changes. */
void           lab_fork_dialog_get_config (LabForkDialog     *self,
                                           TrainConfig       *config);
int            lab_fork_dialog_get_epoch  (LabForkDialog     *self);
/* Live form: whether the original goes on training beside the fork. */
gboolean       lab_fork_dialog_get_keep_parent (LabForkDialog *self);

G_END_DECLS
