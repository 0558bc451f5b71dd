/* LabRatioPage: the update/weight ratio of every layer of one run, live: one strip per
 * parameter tensor on a log scale over the run's steps, with the ~1e-3 rule of thumb as a
 * band, the latest value beside it, and the tensor's name, shape and value on hover. */
#pragma once

#include <gtk/gtk.h>
#include "lab-run.h"

G_BEGIN_DECLS

#define LAB_TYPE_RATIO_PAGE (lab_ratio_page_get_type ())
G_DECLARE_FINAL_TYPE (LabRatioPage, lab_ratio_page, LAB, RATIO_PAGE, GtkWidget)

/* runs: the window's list of LabRun; the page shows the newest one until the user picks. */
void  lab_ratio_page_set_runs   (LabRatioPage *self,
                                 GListModel   *runs);
void  lab_ratio_page_select_run (LabRatioPage *self,
                                 LabRun       *run);
/* The diagnosis line's sentence about run's update ratios, or NULL (train_ratios.h). */
char *lab_ratio_page_diagnose   (LabRun       *run);

G_END_DECLS
