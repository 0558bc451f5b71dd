/* LabMistakesPage: the validation images a run classifies wrongly at a chosen epoch,
 * worst first (by loss), with true/predicted class and confidence; a confusion matrix
 * whose cells filter the grid; a switch that overlays where the network looked (Grad-CAM,
 * for the predicted or the true class, with the synthetic chips' defect boxes); a click
 * shows one image large with every class's probability. Its other mode is every chip's
 * history of right and wrong (LabChipHistory). */
#pragma once

#include <gtk/gtk.h>
#include "lab-chip-history.h"
#include "lab-heatmap.h"
#include "lab-run.h"

G_BEGIN_DECLS

#define LAB_TYPE_MISTAKES_PAGE (lab_mistakes_page_get_type ())
G_DECLARE_FINAL_TYPE (LabMistakesPage, lab_mistakes_page, LAB, MISTAKES_PAGE, GtkWidget)

/* runs: the window's GListModel of LabRun. */
void     lab_mistakes_page_set_runs       (LabMistakesPage *self,
                                           GListModel      *runs);
void     lab_mistakes_page_select_run     (LabMistakesPage *self,
                                           LabRun          *run);
/* epoch counts from 1 as on the charts. */
void     lab_mistakes_page_set_epoch      (LabMistakesPage *self,
                                           int              epoch);
/* Only images of true class t predicted as p; t < 0 shows every mistake. */
void     lab_mistakes_page_set_filter     (LabMistakesPage *self,
                                           int              true_class,
                                           int              predicted_class);
/* The overlay of where the network looks, for the predicted or the true class. */
void     lab_mistakes_page_set_heatmap    (LabMistakesPage *self,
                                           gboolean         on,
                                           gboolean         true_class);
/* Which map the overlay shows (Grad-CAM at first). */
void     lab_mistakes_page_set_heatmap_method (LabMistakesPage *self,
                                               LabHeatmapMethod method);
/* The learned-and-forgotten view instead of the mistakes. */
void     lab_mistakes_page_show_history   (LabMistakesPage *self,
                                           gboolean         history);
LabChipHistory *lab_mistakes_page_get_history (LabMistakesPage *self);
/* For tests and the screenshot script: maps kept for the shown chips, whether images or
 * maps are still being computed, the sentence above the grid. */
guint    lab_mistakes_page_get_n_heatmaps (LabMistakesPage *self);
gboolean lab_mistakes_page_is_busy        (LabMistakesPage *self);
const char *lab_mistakes_page_get_summary (LabMistakesPage *self);
/* Thumbnails shown now, and the confusion count of (t, p), for tests. */
guint    lab_mistakes_page_get_n_shown    (LabMistakesPage *self);
guint    lab_mistakes_page_get_confusion  (LabMistakesPage *self,
                                           int              true_class,
                                           int              predicted_class);

G_END_DECLS
