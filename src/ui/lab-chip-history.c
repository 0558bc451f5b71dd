/* LabChipHistory: recomputes the chips' histories from the run's predictions whenever an
 * epoch ends (cheap: a pass over epochs x images), and lays out the chips that pass the
 * filter in the chosen order. */
#include "config.h"

#include <glib/gi18n.h>

#include "lab-chip-history.h"
#include "lab-chip.h"
#include "lab-template.h"

#define THUMB_SIZE 96
#define STRIP_HEIGHT 8
#define MAX_CHIPS 300

struct _LabChipHistory
{
  GtkWidget        parent_instance;

  GtkDropDown     *filter_dropdown;
  GtkSpinButton   *since_spin;
  GtkAdjustment   *since_adjustment;
  GtkDropDown     *sort_dropdown;
  GtkLabel        *summary_label;
  GtkFlowBox      *flow;

  LabRun          *run;
  gulong           run_updated_id;
  gboolean         since_chosen;     /* by the user: the best epoch is no longer followed */
  TrainForgetting *forgetting;
  guint            n_passing, n_shown;
};

G_DEFINE_FINAL_TYPE (LabChipHistory, lab_chip_history, GTK_TYPE_WIDGET)

static void
draw_strip (GtkDrawingArea *area,
            cairo_t        *cr,
            int             width,
            int             height,
            gpointer        user_data)
{
  const guint8 *right = g_object_get_data (G_OBJECT (area), "right");
  int n_epochs = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (area), "epochs"));

  lab_chip_draw_strip (cr, right, n_epochs, width, height);
}

/* The history in words, epochs from 1: what became of the chip ("learned at 4", "never
 * right 3 in a row"), then how it went ("right 7/20 · 2× forgotten"). */
static char *
describe (const TrainChipHistory *h,
          int                     n_epochs)
{
  g_autofree char *status = NULL;
  g_autofree char *detail = NULL;

  /* "never learned" beside "right 2/3" reads as a contradiction: say what learned means. */
  if (h->first_learned < 0 && h->n_right == 0)
    status = g_strdup (_("never right"));
  else if (h->first_learned < 0)
    status = g_strdup_printf (_("never right %d in a row"), TRAIN_FORGETTING_STREAK);
  else if (!h->right_at_end)
    status = g_strdup_printf (_("forgotten since %d"), h->wrong_since + 1);
  else
    status = g_strdup_printf (_("learned at %d"), h->first_learned + 1);
  detail = h->n_forgotten > 0
           ? g_strdup_printf (_("right %d/%d · %d× forgotten"), h->n_right, n_epochs, h->n_forgotten)
           : g_strdup_printf (_("right %d/%d"), h->n_right, n_epochs);
  return g_strdup_printf ("%s\n%s", status, detail);
}

static GtkWidget *
make_chip (LabChipHistory *self,
           DataSet        *set,
           int             image,
           int             position)
{
  const TrainForgetting *f = self->forgetting;
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 3);
  GtkWidget *picture, *strip, *label;
  g_autoptr(GdkTexture) texture = lab_chip_texture_new (set, image, NULL, 0, FALSE, THUMB_SIZE);
  g_autofree char *text = describe (&f->chips[position], f->n_epochs);

  picture = gtk_picture_new_for_paintable (GDK_PAINTABLE (texture));
  gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
  gtk_widget_set_size_request (picture, THUMB_SIZE, THUMB_SIZE);
  gtk_box_append (GTK_BOX (box), picture);

  strip = gtk_drawing_area_new ();
  gtk_widget_set_size_request (strip, THUMB_SIZE, STRIP_HEIGHT);
  g_object_set_data_full (G_OBJECT (strip), "right",
                          g_memdup2 (f->right + (gsize) position * f->n_epochs, MAX (f->n_epochs, 1)), g_free);
  g_object_set_data (G_OBJECT (strip), "epochs", GINT_TO_POINTER (f->n_epochs));
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (strip), draw_strip, NULL, NULL);
  gtk_box_append (GTK_BOX (box), strip);

  label = gtk_label_new (text);
  gtk_label_set_justify (GTK_LABEL (label), GTK_JUSTIFY_CENTER);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 20);
  gtk_widget_add_css_class (label, "caption");
  gtk_box_append (GTK_BOX (box), label);
  gtk_widget_set_tooltip_text (box, set->sources[image]);
  return box;
}

/* The sentence above the chips for filter, with the counts. */
static char *
summarize (LabChipHistory  *self,
           TrainChipFilter  filter,
           int              since)
{
  const TrainForgetting *f = self->forgetting;
  char *text;

  switch (filter)
    {
    case TRAIN_CHIPS_NEVER_LEARNED:
      text = g_strdup_printf (_("%u of %d chips were never learned: never right %d epochs in a row. "
                                "Hard chips, or labels that contradict the picture."),
                              self->n_passing, f->n_val, TRAIN_FORGETTING_STREAK);
      break;
    case TRAIN_CHIPS_FORGOTTEN_SINCE:
      text = g_strdup_printf (_("%u of %d chips were right at epoch %d and are wrong at the last (%d): "
                                "what the epochs since cost."),
                              self->n_passing, f->n_val, since + 1, f->n_epochs);
      break;
    case TRAIN_CHIPS_FORGOTTEN:
      text = g_strdup_printf (_("%u of %d chips were forgotten at least once: right at an epoch, wrong at the next."),
                              self->n_passing, f->n_val);
      break;
    case TRAIN_CHIPS_UNFORGETTABLE:
      text = g_strdup_printf (_("%u of %d chips, once learned, were never forgotten."), self->n_passing, f->n_val);
      break;
    case TRAIN_CHIPS_ALL:
    case TRAIN_CHIPS_N_FILTERS:
    default:
      text = g_strdup_printf (_("%d chips over %d epochs. Each strip is a chip’s epochs: green right, red wrong."),
                              f->n_val, f->n_epochs);
      break;
    }
  if (self->n_shown < self->n_passing)
    {
      char *capped = g_strdup_printf (_("%s The first %u are shown."), text, self->n_shown);
      g_free (text);
      text = capped;
    }
  return text;
}

static void
rebuild (LabChipHistory *self)
{
  TrainRun *train_run = self->run ? lab_run_get_train_run (self->run) : NULL;
  DataSet *set = train_run ? train_run_get_dataset (train_run) : NULL;
  const int *images = train_run ? train_run_get_val_images (train_run) : NULL;
  TrainChipFilter filter = gtk_drop_down_get_selected (self->filter_dropdown);
  int since = (int) gtk_adjustment_get_value (self->since_adjustment) - 1;
  g_autoptr(GArray) chosen = NULL;
  g_autofree char *summary = NULL;
  GtkWidget *child;

  g_assert (LAB_IS_CHIP_HISTORY (self));

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->flow))))
    gtk_flow_box_remove (self->flow, child);
  self->n_passing = self->n_shown = 0;
  gtk_widget_set_visible (GTK_WIDGET (self->since_spin), filter == TRAIN_CHIPS_FORGOTTEN_SINCE);
  if (self->forgetting == NULL || set == NULL || images == NULL)
    {
      /* a run read back whose images could not be found again says why (LabMistakesPage) */
      const char *gone = self->run ? g_object_get_data (G_OBJECT (self->run), "images-error") : NULL;

      gtk_label_set_text (self->summary_label,
                          self->run == NULL ? _("Train a run: each validation chip’s history appears here.")
                          : self->forgetting == NULL ? _("Waiting for the first epoch…")
                          : gone ? gone
                          : _("Loading this run’s images…"));
      return;
    }
  chosen = train_forgetting_select (self->forgetting, filter, since, gtk_drop_down_get_selected (self->sort_dropdown));
  self->n_passing = chosen->len;
  for (guint k = 0; k < chosen->len && self->n_shown < MAX_CHIPS; k++)
    {
      int position = g_array_index (chosen, int, k);
      if (images[position] < 0)
        continue;   /* gone from the run's folder */
      gtk_flow_box_append (self->flow, make_chip (self, set, images[position], position));
      self->n_shown++;
    }
  summary = summarize (self, filter, since);
  gtk_label_set_text (self->summary_label, summary);
}

static void
on_since_changed (LabChipHistory *self)
{
  self->since_chosen = TRUE;
}

/* New epochs: the histories again, and the "since" epoch follows the best one. */
static void
on_run_updated (LabChipHistory *self)
{
  TrainRun *train_run = lab_run_get_train_run (self->run);
  int n_epochs = train_run_get_n_prediction_epochs (train_run);
  int best = train_run_get_progress (train_run).best_epoch;

  g_assert (LAB_IS_CHIP_HISTORY (self));

  if (self->forgetting && self->forgetting->n_epochs == n_epochs && train_run_get_dataset (train_run))
    {
      rebuild (self);
      return;
    }
  g_clear_pointer (&self->forgetting, train_forgetting_free);
  self->forgetting = train_forgetting_new_for_run (train_run);
  gtk_adjustment_set_upper (self->since_adjustment, MAX (n_epochs - 1, 1));
  if (!self->since_chosen && best >= 0)
    {
      g_signal_handlers_block_by_func (self->since_adjustment, G_CALLBACK (on_since_changed), self);
      gtk_adjustment_set_value (self->since_adjustment, MIN (best + 1, MAX (n_epochs - 1, 1)));
      g_signal_handlers_unblock_by_func (self->since_adjustment, G_CALLBACK (on_since_changed), self);
    }
  rebuild (self);
}

void
lab_chip_history_set_run (LabChipHistory *self,
                          LabRun         *run)
{
  g_return_if_fail (LAB_IS_CHIP_HISTORY (self));

  if (self->run)
    g_clear_signal_handler (&self->run_updated_id, self->run);
  g_set_object (&self->run, run);
  g_clear_pointer (&self->forgetting, train_forgetting_free);
  self->since_chosen = FALSE;
  if (run)
    {
      self->run_updated_id = g_signal_connect_swapped (run, "updated", G_CALLBACK (on_run_updated), self);
      on_run_updated (self);
    }
  else
    rebuild (self);
}

void
lab_chip_history_set_filter (LabChipHistory  *self,
                             TrainChipFilter  filter,
                             int              since)
{
  g_return_if_fail (LAB_IS_CHIP_HISTORY (self));

  if (since > 0)
    gtk_adjustment_set_value (self->since_adjustment, since);
  gtk_drop_down_set_selected (self->filter_dropdown, filter);
  rebuild (self);
}

void
lab_chip_history_set_sort (LabChipHistory *self,
                           TrainChipSort   sort)
{
  g_return_if_fail (LAB_IS_CHIP_HISTORY (self));

  gtk_drop_down_set_selected (self->sort_dropdown, sort);
}

guint
lab_chip_history_get_n_passing (LabChipHistory *self)
{
  g_return_val_if_fail (LAB_IS_CHIP_HISTORY (self), 0);

  return self->n_passing;
}

guint
lab_chip_history_get_n_shown (LabChipHistory *self)
{
  g_return_val_if_fail (LAB_IS_CHIP_HISTORY (self), 0);

  return self->n_shown;
}

static void
lab_chip_history_dispose (GObject *object)
{
  LabChipHistory *self = (LabChipHistory *) object;

  if (self->run)
    g_clear_signal_handler (&self->run_updated_id, self->run);
  g_clear_object (&self->run);
  g_clear_pointer (&self->forgetting, train_forgetting_free);
  lab_template_dispose (GTK_WIDGET (self), LAB_TYPE_CHIP_HISTORY);

  G_OBJECT_CLASS (lab_chip_history_parent_class)->dispose (object);
}

static void
lab_chip_history_class_init (LabChipHistoryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lab_chip_history_dispose;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/lrlab/LRLab/ui/lab-chip-history.ui");
  gtk_widget_class_bind_template_child (widget_class, LabChipHistory, filter_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LabChipHistory, since_spin);
  gtk_widget_class_bind_template_child (widget_class, LabChipHistory, since_adjustment);
  gtk_widget_class_bind_template_child (widget_class, LabChipHistory, sort_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LabChipHistory, summary_label);
  gtk_widget_class_bind_template_child (widget_class, LabChipHistory, flow);
}

static void
lab_chip_history_init (LabChipHistory *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect_object (self->filter_dropdown, "notify::selected", G_CALLBACK (rebuild), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->sort_dropdown, "notify::selected", G_CALLBACK (rebuild), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->since_adjustment, "value-changed", G_CALLBACK (on_since_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->since_adjustment, "value-changed", G_CALLBACK (rebuild), self, G_CONNECT_SWAPPED);
  rebuild (self);
}
