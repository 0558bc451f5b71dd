/* LabAugmentPage: renders data_augment_image for the preview images with the same
 * (seed, epoch, index) the training batches use, so the preview is exactly what the
 * network will see in epochs 1..5, not an illustration of it. */
#include "config.h"

#include <glib/gi18n.h>

#include "lab-augment-page.h"
#include "lab-image.h"
#include "lab-template.h"
#include "data_synthetic.h"

#define N_ROWS LAB_AUGMENT_PAGE_N_IMAGES
#define N_COLS (1 + LAB_AUGMENT_PAGE_N_VARIANTS)
#define CELL_SIZE 120

struct _LabAugmentPage
{
  GtkWidget          parent_instance;

  GtkLabel          *explanation_label;
  GtkGrid           *grid;

  GtkPicture        *pictures[N_ROWS][N_COLS];
  GtkLabel          *row_labels[N_ROWS];

  DataSet           *set;              /* the images shown: the folder's or a small synthetic set */
  DataSyntheticParams synthetic;       /* what `set` was drawn from, when synthetic */
  gboolean           set_is_synthetic;
  DataAugmentConfig  augment;
  guint64            seed;
};

G_DEFINE_FINAL_TYPE (LabAugmentPage, lab_augment_page, GTK_TYPE_WIDGET)

/* Spread over the set so every class shows (sets are stored class by class). */
static int
image_index (LabAugmentPage *self,
             int             row)
{
  g_assert (LAB_IS_AUGMENT_PAGE (self));

  return (int) (((gint64) row * self->set->count) / N_ROWS + (self->set->count / (2 * N_ROWS)));
}

static void
render (LabAugmentPage *self)
{
  int h, w, scale;
  g_autofree guint8 *variant = NULL;

  g_assert (LAB_IS_AUGMENT_PAGE (self));

  if (self->set == NULL || self->set->count == 0)
    return;
  h = self->set->height;
  w = self->set->width;
  scale = lab_texture_scale_for (MAX (h, w), CELL_SIZE);
  variant = g_malloc ((gsize) h * w * 3);

  for (int r = 0; r < N_ROWS; r++)
    {
      int index = MIN (image_index (self, r), self->set->count - 1);
      const guint8 *original = data_set_image (self->set, index);
      int label = self->set->labels[index];

      gtk_label_set_text (self->row_labels[r], self->set->class_names && self->set->class_names[label]
                                               ? self->set->class_names[label] : "");
      for (int c = 0; c < N_COLS; c++)
        {
          g_autoptr(GdkTexture) texture = NULL;

          if (c == 0 || self->augment.flags == 0)
            texture = lab_texture_new_from_rgb (original, w, h, scale);
          else
            {
              data_augment_image (variant, original, h, w, &self->augment, self->seed, c - 1, index);
              texture = lab_texture_new_from_rgb (variant, w, h, scale);
            }
          gtk_picture_set_paintable (self->pictures[r][c], GDK_PAINTABLE (texture));
        }
    }

  gtk_label_set_text (self->explanation_label,
                      self->augment.flags == 0
                      ? _("Augmentation is off: the network sees the same images in every epoch, "
                          "and may learn them by heart. Switch on an augmentation in the sidebar.")
                      : _("Each row is one training image, then what the network sees of it in the "
                          "first five epochs. The labels stay the same; validation images are never changed."));
}

static gboolean
same_synthetic (const DataSyntheticParams *a,
                const DataSyntheticParams *b)
{
  return a->size == b->size && a->difficulty == b->difficulty && a->multiclass == b->multiclass &&
         a->seed == b->seed && a->images_per_class == b->images_per_class;
}

void
lab_augment_page_set_config (LabAugmentPage    *self,
                             const TrainConfig *config,
                             DataSet           *folder_set)
{
  g_return_if_fail (LAB_IS_AUGMENT_PAGE (self));
  g_return_if_fail (config != NULL);

  self->augment = config->augment;
  self->seed = config->seed;

  if (folder_set != NULL)
    {
      if (folder_set != self->set)
        {
          g_clear_pointer (&self->set, data_set_unref);
          self->set = data_set_ref (folder_set);
        }
      self->set_is_synthetic = FALSE;
    }
  else if (config->data_kind == TRAIN_DATA_SYNTHETIC)
    {
      DataSyntheticParams params = config->synthetic;

      /* A handful of chips, drawn on the main thread: a few milliseconds even at 384 px. */
      params.size = config->size;
      params.images_per_class = params.multiclass ? 1 : 2;
      params.label_noise = 0;
      params.threads = 1;
      if (!self->set_is_synthetic || self->set == NULL || !same_synthetic (&params, &self->synthetic))
        {
          g_autoptr(GError) error = NULL;
          DataSet *set = data_synthetic_generate (&params, NULL, NULL, NULL, &error);

          if (set == NULL)
            {
              gtk_label_set_text (self->explanation_label, error ? error->message : "");
              return;
            }
          g_clear_pointer (&self->set, data_set_unref);
          self->set = set;
          self->synthetic = params;
          self->set_is_synthetic = TRUE;
        }
    }
  else
    {
      gtk_label_set_text (self->explanation_label, _("Choose a folder of images to see them here."));
      return;
    }
  render (self);
}

GdkPaintable *
lab_augment_page_get_cell (LabAugmentPage *self,
                           int             row,
                           int             col)
{
  g_return_val_if_fail (LAB_IS_AUGMENT_PAGE (self), NULL);
  g_return_val_if_fail (row >= 0 && row < N_ROWS && col >= 0 && col < N_COLS, NULL);

  return gtk_picture_get_paintable (self->pictures[row][col]);
}

static void
lab_augment_page_dispose (GObject *object)
{
  LabAugmentPage *self = (LabAugmentPage *) object;

  lab_template_dispose (GTK_WIDGET (self), LAB_TYPE_AUGMENT_PAGE);
  g_clear_pointer (&self->set, data_set_unref);

  G_OBJECT_CLASS (lab_augment_page_parent_class)->dispose (object);
}

static void
lab_augment_page_class_init (LabAugmentPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lab_augment_page_dispose;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/lrlab/LRLab/ui/lab-augment-page.ui");
  gtk_widget_class_bind_template_child (widget_class, LabAugmentPage, explanation_label);
  gtk_widget_class_bind_template_child (widget_class, LabAugmentPage, grid);
}

static void
lab_augment_page_init (LabAugmentPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  /* The grid's shape never changes, so its cells are made once, here, and only their
   * textures change. */
  for (int c = 0; c < N_COLS; c++)
    {
      g_autofree char *title = c == 0 ? g_strdup (_("Original")) : g_strdup_printf (_("Epoch %d"), c);
      GtkWidget *label = gtk_label_new (title);

      gtk_widget_add_css_class (label, "heading");
      gtk_grid_attach (self->grid, label, c + 1, 0, 1, 1);
    }
  for (int r = 0; r < N_ROWS; r++)
    {
      GtkWidget *label = gtk_label_new (NULL);

      gtk_label_set_xalign (GTK_LABEL (label), 1);
      gtk_widget_add_css_class (label, "dim-label");
      gtk_grid_attach (self->grid, label, 0, r + 1, 1, 1);
      self->row_labels[r] = GTK_LABEL (label);
      for (int c = 0; c < N_COLS; c++)
        {
          GtkWidget *picture = gtk_picture_new ();

          gtk_widget_set_size_request (picture, CELL_SIZE, CELL_SIZE);
          gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
          gtk_widget_add_css_class (picture, c == 0 ? "augment-original" : "augment-variant");
          gtk_grid_attach (self->grid, picture, c + 1, r + 1, 1, 1);
          self->pictures[r][c] = GTK_PICTURE (picture);
        }
    }
}
