/* lab-chip-window: one validation chip large, in a window of its own: the picture (with
 * the heatmap and defect box when they are on), its source, true and predicted class, and
 * every class's probability, most likely first. */
#pragma once

#include <gtk/gtk.h>
#include "data_dataset.h"
#include "train_types.h"

G_BEGIN_DECLS

typedef struct
{
  const DataSet   *set;
  int              image;          /* into set */
  int              truth;
  TrainPrediction  prediction;
  const float     *probabilities;  /* (set->num_classes) or NULL (an old run's record) */
  const float     *map;            /* (height, width) or NULL */
  double           opacity;
  gboolean         show_box;
} LabChipView;

/* Opens the window, modal over parent's window. */
void lab_chip_window_present (GtkWidget         *parent,
                              const LabChipView *view);

G_END_DECLS
