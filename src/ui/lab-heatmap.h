/* LabHeatmaps: Grad-CAM maps of one run's chips for the galleries, computed in a thread
 * from the run's model file (its best.ckpt) so the window never waits for them, and kept
 * by image until they are out of date (another class asked for, newer best weights).
 * Emits "changed" on the main loop when maps arrived or failed. */
#pragma once

#include <gtk/gtk.h>
#include "data_dataset.h"

G_BEGIN_DECLS

#define LAB_TYPE_HEATMAPS (lab_heatmaps_get_type ())
G_DECLARE_FINAL_TYPE (LabHeatmaps, lab_heatmaps, LAB, HEATMAPS, GObject)

LabHeatmaps *lab_heatmaps_new          (void);
/* Forgets every map and drops the job under way (another run was chosen). */
void         lab_heatmaps_reset        (LabHeatmaps *self);
/* Maps for the n images (indices into set, a reference is taken) that are not kept yet:
 * of class truths[k] when target_true, else of the predicted class, from the weights of
 * best_epoch in model_path. Kept maps of another target or best epoch are dropped first.
 * Nothing starts while a job is under way or after a failure (until reset). */
void         lab_heatmaps_request      (LabHeatmaps *self,
                                        const char  *model_path,
                                        DataSet     *set,
                                        const int   *images,
                                        const int   *truths,
                                        int          n,
                                        gboolean     target_true,
                                        int          best_epoch);
/* The map (height, width) of image, or NULL. */
const float *lab_heatmaps_lookup       (LabHeatmaps *self,
                                        int          image);
guint        lab_heatmaps_get_n        (LabHeatmaps *self);
gboolean     lab_heatmaps_is_busy      (LabHeatmaps *self);
/* The epoch (from 0) whose weights the maps come from, -1 before the first arrived. */
int          lab_heatmaps_get_epoch    (LabHeatmaps *self);
/* Why no maps could be made, or NULL. */
const char  *lab_heatmaps_get_error    (LabHeatmaps *self);

G_END_DECLS
