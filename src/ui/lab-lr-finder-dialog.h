/* LabLrFinderDialog: "Find a learning rate". Runs the range test (train_lr_finder.h) on a
 * thread for the settings it is given, draws the smoothed loss against the rate as it
 * comes (log x), marks the three rules' rates on it when it ends, and offers the
 * suggestion in one click ("rate-chosen"). Cancel stops the test between two layers;
 * closing the window cancels it too. Nothing it does changes a run. */
#pragma once

#include <adwaita.h>
#include "lab-chart.h"
#include "train_config.h"
#include "train_lr_finder.h"

G_BEGIN_DECLS

#define LAB_TYPE_LR_FINDER_DIALOG (lab_lr_finder_dialog_get_type ())
G_DECLARE_FINAL_TYPE (LabLrFinderDialog, lab_lr_finder_dialog, LAB, LR_FINDER_DIALOG, AdwWindow)

/* Starts the test at once, on config's dataset (set: a loaded folder, or NULL to make the
 * synthetic chips). */
LabLrFinderDialog *lab_lr_finder_dialog_new            (GtkWindow         *parent,
                                                        const TrainConfig *config,
                                                        DataSet           *set);
gboolean           lab_lr_finder_dialog_get_running    (LabLrFinderDialog *self);
/* The suggested rate once the test ended with one, else NAN. */
double             lab_lr_finder_dialog_get_suggestion (LabLrFinderDialog *self);
LabChart          *lab_lr_finder_dialog_get_chart      (LabLrFinderDialog *self);
/* Shows a range test's result: the curve, the rules' marks, the suggestion and its
 * button ("Use 1e-3"; "Use Anyway (1e-3)" below the warning when the suggestion is a
 * guess). The dialog's own test calls it when it ends. */
void               lab_lr_finder_dialog_show_result    (LabLrFinderDialog         *self,
                                                        const TrainLrFinderResult *result);

G_END_DECLS
