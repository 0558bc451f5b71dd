/* LabHeatmaps: maps of where one run's network looks in its chips (Grad-CAM or occlusion),
 * for the galleries, computed in a thread from the run's model file (its best.ckpt) so
 * the window never waits for them, and kept by image until they are out of date (another
 * method or class asked for, newer best weights). Emits "changed" on the main loop when
 * maps arrived or failed: Grad-CAM's all at once, occlusion's a few images at a time (it
 * costs a forward pass per patch), so they fill in while the rest are computed. */
#pragma once

#include <gtk/gtk.h>
#include "data_dataset.h"

G_BEGIN_DECLS

#define LAB_TYPE_HEATMAPS (lab_heatmaps_get_type ())
G_DECLARE_FINAL_TYPE (LabHeatmaps, lab_heatmaps, LAB, HEATMAPS, GObject)

/* How a map is made (train_predictor.h): the last convolution's gradients, or the fall of
 * the class's probability when a patch is hidden. */
typedef enum
{
  LAB_HEATMAP_GRAD_CAM,
  LAB_HEATMAP_OCCLUSION,
} LabHeatmapMethod;

LabHeatmaps *lab_heatmaps_new          (void);
/* Forgets every map and drops the job under way (another run was chosen). */
void         lab_heatmaps_reset        (LabHeatmaps *self);
/* Maps by method for the n images (indices into set, a reference is taken) that are not
 * kept yet: of class truths[k] when target_true, else of the predicted class, from the
 * weights of best_epoch in model_path. Kept maps of another method, target or best epoch
 * are dropped first. Nothing starts while a job is under way or after a failure (until
 * reset); an occlusion job takes the first few missing images (four 64x64 chips' worth
 * of pixels, at least one), and the next request (the "changed" handler's) the next few. */
void         lab_heatmaps_request      (LabHeatmaps      *self,
                                        const char       *model_path,
                                        DataSet          *set,
                                        const int        *images,
                                        const int        *truths,
                                        int               n,
                                        LabHeatmapMethod  method,
                                        gboolean          target_true,
                                        int               best_epoch);
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
