/* LabAugmentPage: the augmentation preview. A few training images, each followed by what
 * the augmentation settings make of it in successive epochs; redrawn on every change of a
 * switch or strength, whether or not a run is training. */
#pragma once

#include <gtk/gtk.h>
#include "train_config.h"

G_BEGIN_DECLS

#define LAB_TYPE_AUGMENT_PAGE (lab_augment_page_get_type ())
G_DECLARE_FINAL_TYPE (LabAugmentPage, lab_augment_page, LAB, AUGMENT_PAGE, GtkWidget)

#define LAB_AUGMENT_PAGE_N_IMAGES 4
#define LAB_AUGMENT_PAGE_N_VARIANTS 5

/* folder_set: the loaded folder (a reference is taken) or NULL for the synthetic chips,
 * which the page draws itself from config->synthetic at config->size. */
void     lab_augment_page_set_config   (LabAugmentPage    *self,
                                        const TrainConfig *config,
                                        DataSet           *folder_set);
/* The texture shown for image row, column col (0 = the original), for tests. */
GdkPaintable *lab_augment_page_get_cell (LabAugmentPage   *self,
                                         int               row,
                                         int               col);

G_END_DECLS
