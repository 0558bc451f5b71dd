/* LabMistakesPage: reads the chosen run's predictions for one epoch (kept per epoch by the
 * run), counts the confusion matrix, and lays out the misclassified images worst first.
 * It follows the chosen run's "updated" signal so the newest epoch appears as it ends. */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>

#include "lab-image.h"
#include "lab-mistakes-page.h"

#define THUMB_SIZE 96
#define LARGE_SIZE 384
#define MAX_THUMBS 300

struct _LabMistakesPage
{
  GtkWidget       parent_instance;

  GtkDrawingArea *swatch;
  GtkDropDown    *run_dropdown;
  GtkScale       *epoch_scale;
  GtkAdjustment  *epoch_adjustment;
  GtkLabel       *summary_label;
  GtkFlowBox     *flow;
  GtkGrid        *matrix_grid;

  GListModel     *runs;
  LabRun         *run;              /* the selected one */
  gulong          run_updated_id;
  int             n_epochs_seen;    /* to follow the newest epoch while the slider is at the end */
  int             filter_true, filter_predicted;
  guint          *confusion;        /* (num_classes, num_classes) */
  int             num_classes;
  guint           n_shown;
};

G_DEFINE_FINAL_TYPE (LabMistakesPage, lab_mistakes_page, GTK_TYPE_WIDGET)

typedef struct
{
  int   index;       /* into the DataSet */
  float loss;
  TrainPrediction prediction;
} Mistake;

static int
compare_by_loss (gconstpointer a,
                 gconstpointer b)
{
  const Mistake *ma = a, *mb = b;

  return (ma->loss < mb->loss) - (ma->loss > mb->loss);
}

static void
clear_container (GtkWidget *container)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (container)))
    {
      if (GTK_IS_FLOW_BOX (container))
        gtk_flow_box_remove (GTK_FLOW_BOX (container), child);
      else
        gtk_grid_remove (GTK_GRID (container), child);
    }
}

static const char *
class_name (DataSet *set,
            int      c)
{
  return set->class_names && set->class_names[c] ? set->class_names[c] : "?";
}

static void
build_matrix (LabMistakesPage *self,
              DataSet         *set)
{
  g_assert (LAB_IS_MISTAKES_PAGE (self));

  clear_container (GTK_WIDGET (self->matrix_grid));
  if (self->confusion == NULL)
    return;
  for (int c = 0; c < self->num_classes; c++)
    {
      GtkWidget *top = gtk_label_new (class_name (set, c));
      GtkWidget *left = gtk_label_new (class_name (set, c));

      gtk_label_set_ellipsize (GTK_LABEL (top), PANGO_ELLIPSIZE_END);
      gtk_label_set_width_chars (GTK_LABEL (top), 5);
      gtk_label_set_max_width_chars (GTK_LABEL (top), 8);
      gtk_widget_set_tooltip_text (top, class_name (set, c));
      gtk_widget_add_css_class (top, "caption");
      gtk_label_set_xalign (GTK_LABEL (left), 1);
      gtk_widget_add_css_class (left, "caption");
      gtk_grid_attach (self->matrix_grid, top, c + 1, 0, 1, 1);
      gtk_grid_attach (self->matrix_grid, left, 0, c + 1, 1, 1);
    }
  for (int t = 0; t < self->num_classes; t++)
    for (int p = 0; p < self->num_classes; p++)
      {
        guint count = self->confusion[t * self->num_classes + p];
        g_autofree char *text = g_strdup_printf ("%u", count);
        g_autofree char *tip = g_strdup_printf (_("%u images of %s predicted as %s"), count,
                                                class_name (set, t), class_name (set, p));
        GtkWidget *cell = gtk_button_new_with_label (text);

        gtk_widget_set_size_request (cell, 52, 40);
        gtk_widget_set_tooltip_text (cell, tip);
        gtk_widget_add_css_class (cell, t == p ? "confusion-correct" : count ? "confusion-wrong" : "confusion-empty");
        if (t == self->filter_true && p == self->filter_predicted)
          gtk_widget_add_css_class (cell, "suggested-action");
        gtk_actionable_set_action_name (GTK_ACTIONABLE (cell), "mistakes.filter");
        gtk_actionable_set_action_target (GTK_ACTIONABLE (cell), "(ii)", t, p);
        gtk_grid_attach (self->matrix_grid, cell, p + 1, t + 1, 1, 1);
      }
}

static GtkWidget *
make_thumbnail (DataSet       *set,
                const Mistake *mistake)
{
  GtkWidget *button = gtk_button_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *picture;
  GtkWidget *label;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *classes = NULL;
  g_autofree char *confidence = NULL;
  int label_index = set->labels[mistake->index];

  texture = lab_texture_new_from_rgb (data_set_image (set, mistake->index), set->width, set->height,
                                      lab_texture_scale_for (MAX (set->width, set->height), THUMB_SIZE));
  picture = gtk_picture_new_for_paintable (GDK_PAINTABLE (texture));
  gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
  gtk_widget_set_size_request (picture, THUMB_SIZE, THUMB_SIZE);
  gtk_box_append (GTK_BOX (box), picture);

  /* Translators: true class → predicted class */
  classes = g_strdup_printf (_("%s → %s"), class_name (set, label_index),
                             class_name (set, mistake->prediction.predicted));
  label = gtk_label_new (classes);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 14);
  gtk_widget_add_css_class (label, "caption");
  gtk_box_append (GTK_BOX (box), label);
  confidence = g_strdup_printf (_("%.0f%% sure"), 100 * mistake->prediction.confidence);
  label = gtk_label_new (confidence);
  gtk_widget_add_css_class (label, "caption");
  gtk_widget_add_css_class (label, "dim-label");
  gtk_box_append (GTK_BOX (box), label);

  gtk_button_set_child (GTK_BUTTON (button), box);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_add_css_class (button, "mistake");
  gtk_widget_set_tooltip_text (button, set->sources && set->sources[mistake->index] ? set->sources[mistake->index] : NULL);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "mistakes.show");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "(iddi)", mistake->index,
                                    (double) mistake->prediction.confidence, (double) mistake->loss,
                                    (int) mistake->prediction.predicted);
  return button;
}

static void
refresh (LabMistakesPage *self)
{
  TrainRun *train_run;
  DataSet *set;
  const int *val;
  int n_val = 0;
  int epoch = (int) gtk_adjustment_get_value (self->epoch_adjustment) - 1;
  g_autofree TrainPrediction *predictions = NULL;
  g_autoptr(GArray) mistakes = NULL;
  g_autofree char *summary = NULL;
  guint n_wrong = 0;

  g_assert (LAB_IS_MISTAKES_PAGE (self));

  clear_container (GTK_WIDGET (self->flow));
  g_clear_pointer (&self->confusion, g_free);
  self->n_shown = 0;
  gtk_widget_queue_draw (GTK_WIDGET (self->swatch));

  if (self->run == NULL)
    {
      gtk_label_set_text (self->summary_label, _("Train a run: the validation images it gets wrong appear here."));
      build_matrix (self, NULL);
      return;
    }
  train_run = lab_run_get_train_run (self->run);
  set = train_run_get_dataset (train_run);
  val = train_run_get_val_indices (train_run, &n_val);
  if (set == NULL || val == NULL || n_val == 0)
    {
      gtk_label_set_text (self->summary_label,
                          train_status_is_active (train_run_get_status (train_run))
                          ? _("Waiting for the first epoch…")
                          : _("The images of this run are not loaded (it comes from an earlier session)."));
      build_matrix (self, NULL);
      return;
    }
  predictions = g_new0 (TrainPrediction, n_val);
  if (epoch < 0 || !train_run_get_predictions (train_run, epoch, predictions))
    {
      gtk_label_set_text (self->summary_label, _("Waiting for the first epoch…"));
      build_matrix (self, NULL);
      return;
    }

  self->num_classes = set->num_classes;
  self->confusion = g_new0 (guint, set->num_classes * set->num_classes);
  mistakes = g_array_new (FALSE, FALSE, sizeof (Mistake));
  for (int i = 0; i < n_val; i++)
    {
      int truth = set->labels[val[i]];
      int predicted = MIN (predictions[i].predicted, set->num_classes - 1);

      self->confusion[truth * set->num_classes + predicted]++;
      if (predicted == truth)
        continue;
      n_wrong++;
      if (self->filter_true >= 0 && (truth != self->filter_true || predicted != self->filter_predicted))
        continue;
      {
        Mistake m = { val[i], -logf (MAX (predictions[i].true_probability, 1e-7f)), predictions[i] };
        g_array_append_val (mistakes, m);
      }
    }
  g_array_sort (mistakes, compare_by_loss);
  for (guint i = 0; i < MIN (mistakes->len, MAX_THUMBS); i++)
    {
      gtk_flow_box_append (self->flow, make_thumbnail (set, &g_array_index (mistakes, Mistake, i)));
      self->n_shown++;
    }

  summary = g_strdup_printf (ngettext ("Epoch %d: %u of %d validation images wrong (%.1f%%), worst first.",
                                       "Epoch %d: %u of %d validation images wrong (%.1f%%), worst first.", n_wrong),
                             epoch + 1, n_wrong, n_val, 100.0 * n_wrong / n_val);
  if (self->filter_true >= 0)
    {
      g_autofree char *filtered = g_strdup_printf (_("%s Showing %s predicted as %s; click the cell again for all."),
                                                   summary, class_name (set, self->filter_true),
                                                   class_name (set, self->filter_predicted));
      g_free (summary);
      summary = g_steal_pointer (&filtered);
    }
  if (mistakes->len > MAX_THUMBS)
    {
      g_autofree char *capped = g_strdup_printf (_("%s The %d worst are shown."), summary, MAX_THUMBS);
      g_free (summary);
      summary = g_steal_pointer (&capped);
    }
  gtk_label_set_text (self->summary_label, summary);
  build_matrix (self, set);
}

static void
on_run_updated (LabMistakesPage *self)
{
  guint n_epochs;

  g_assert (LAB_IS_MISTAKES_PAGE (self));

  lab_run_get_epochs (self->run, &n_epochs);
  if ((int) n_epochs == self->n_epochs_seen)
    return;
  {
    gboolean at_end = (int) gtk_adjustment_get_value (self->epoch_adjustment) >= self->n_epochs_seen;

    self->n_epochs_seen = n_epochs;
    gtk_adjustment_set_upper (self->epoch_adjustment, MAX (n_epochs, 1));
    gtk_widget_set_sensitive (GTK_WIDGET (self->epoch_scale), n_epochs > 1);
    /* Follow the newest epoch unless the user went back to look at an older one. */
    if (at_end)
      gtk_adjustment_set_value (self->epoch_adjustment, MAX (n_epochs, 1));
  }
  refresh (self);
}

static void
on_selected_changed (LabMistakesPage *self)
{
  LabRun *run = gtk_drop_down_get_selected_item (self->run_dropdown);

  g_assert (LAB_IS_MISTAKES_PAGE (self));

  if (run == self->run)
    return;
  if (self->run)
    g_clear_signal_handler (&self->run_updated_id, self->run);
  g_set_object (&self->run, run);
  self->n_epochs_seen = 0;
  self->filter_true = self->filter_predicted = -1;
  if (run)
    self->run_updated_id = g_signal_connect_swapped (run, "updated", G_CALLBACK (on_run_updated), self);
  gtk_adjustment_set_upper (self->epoch_adjustment, 1);
  gtk_adjustment_set_value (self->epoch_adjustment, 1);
  if (run)
    on_run_updated (self);
  refresh (self);
}

static void
draw_swatch (GtkDrawingArea *area,
             cairo_t        *cr,
             int             width,
             int             height,
             gpointer        user_data)
{
  LabMistakesPage *self = user_data;

  g_assert (LAB_IS_MISTAKES_PAGE (self));

  if (self->run != NULL)
    lab_run_draw_swatch (self->run, cr, width, height);
}

static void
filter_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  LabMistakesPage *self = LAB_MISTAKES_PAGE (widget);
  int t, p;

  g_assert (LAB_IS_MISTAKES_PAGE (self));

  g_variant_get (param, "(ii)", &t, &p);
  /* The same cell again clears the filter; a diagonal cell has no mistakes to show. */
  if ((t == self->filter_true && p == self->filter_predicted) || t == p)
    lab_mistakes_page_set_filter (self, -1, -1);
  else
    lab_mistakes_page_set_filter (self, t, p);
}

static void
show_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  LabMistakesPage *self = LAB_MISTAKES_PAGE (widget);
  DataSet *set = self->run ? train_run_get_dataset (lab_run_get_train_run (self->run)) : NULL;
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkWidget *window, *box, *picture, *label;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *title = NULL;
  const char *source;
  int index, predicted;
  double confidence, loss;

  g_assert (LAB_IS_MISTAKES_PAGE (self));

  g_variant_get (param, "(iddi)", &index, &confidence, &loss, &predicted);
  if (set == NULL || index < 0 || index >= set->count)
    return;
  source = set->sources && set->sources[index] ? set->sources[index] : "";

  window = adw_window_new ();
  gtk_window_set_modal (GTK_WINDOW (window), TRUE);
  if (GTK_IS_WINDOW (root))
    gtk_window_set_transient_for (GTK_WINDOW (window), GTK_WINDOW (root));
  title = g_path_get_basename (source);
  gtk_window_set_title (GTK_WINDOW (window), title);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_box_append (GTK_BOX (box), adw_header_bar_new ());
  texture = lab_texture_new_from_rgb (data_set_image (set, index), set->width, set->height,
                                      lab_texture_scale_for (MAX (set->width, set->height), LARGE_SIZE));
  picture = gtk_picture_new_for_paintable (GDK_PAINTABLE (texture));
  gtk_widget_set_size_request (picture, LARGE_SIZE, LARGE_SIZE);
  gtk_widget_set_margin_start (picture, 18);
  gtk_widget_set_margin_end (picture, 18);
  gtk_widget_set_margin_top (picture, 12);
  gtk_box_append (GTK_BOX (box), picture);
  label = gtk_label_new (NULL);
  {
    g_autofree char *escaped_source = g_markup_escape_text (source, -1);
    g_autofree char *markup = g_strdup_printf (_("<b>%s</b>\nTrue class: %s · predicted: %s, %.0f%% sure · loss %.2f"),
                                               escaped_source, class_name (set, set->labels[index]),
                                               class_name (set, MIN (predicted, set->num_classes - 1)),
                                               100 * confidence, loss);
    gtk_label_set_markup (GTK_LABEL (label), markup);
  }
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 50);
  gtk_label_set_justify (GTK_LABEL (label), GTK_JUSTIFY_CENTER);
  gtk_widget_set_margin_top (label, 12);
  gtk_widget_set_margin_bottom (label, 18);
  gtk_widget_set_margin_start (label, 18);
  gtk_widget_set_margin_end (label, 18);
  gtk_box_append (GTK_BOX (box), label);
  adw_window_set_content (ADW_WINDOW (window), box);
  gtk_window_present (GTK_WINDOW (window));
}

void
lab_mistakes_page_set_runs (LabMistakesPage *self,
                            GListModel      *runs)
{
  g_return_if_fail (LAB_IS_MISTAKES_PAGE (self));
  g_return_if_fail (G_IS_LIST_MODEL (runs));

  g_set_object (&self->runs, runs);
  gtk_drop_down_set_model (self->run_dropdown, runs);
}

void
lab_mistakes_page_select_run (LabMistakesPage *self,
                              LabRun          *run)
{
  guint n;

  g_return_if_fail (LAB_IS_MISTAKES_PAGE (self));

  if (self->runs == NULL)
    return;
  n = g_list_model_get_n_items (self->runs);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(LabRun) item = g_list_model_get_item (self->runs, i);
      if (item == run)
        gtk_drop_down_set_selected (self->run_dropdown, i);
    }
  on_selected_changed (self);
}

void
lab_mistakes_page_set_epoch (LabMistakesPage *self,
                             int              epoch)
{
  g_return_if_fail (LAB_IS_MISTAKES_PAGE (self));

  gtk_adjustment_set_value (self->epoch_adjustment, epoch);
}

void
lab_mistakes_page_set_filter (LabMistakesPage *self,
                              int              true_class,
                              int              predicted_class)
{
  g_return_if_fail (LAB_IS_MISTAKES_PAGE (self));

  self->filter_true = true_class < 0 ? -1 : true_class;
  self->filter_predicted = true_class < 0 ? -1 : predicted_class;
  refresh (self);
}

guint
lab_mistakes_page_get_n_shown (LabMistakesPage *self)
{
  g_return_val_if_fail (LAB_IS_MISTAKES_PAGE (self), 0);

  return self->n_shown;
}

guint
lab_mistakes_page_get_confusion (LabMistakesPage *self,
                                 int              true_class,
                                 int              predicted_class)
{
  g_return_val_if_fail (LAB_IS_MISTAKES_PAGE (self), 0);

  if (self->confusion == NULL || true_class < 0 || predicted_class < 0 ||
      true_class >= self->num_classes || predicted_class >= self->num_classes)
    return 0;
  return self->confusion[true_class * self->num_classes + predicted_class];
}

static void
lab_mistakes_page_dispose (GObject *object)
{
  LabMistakesPage *self = (LabMistakesPage *) object;

  if (self->run)
    g_clear_signal_handler (&self->run_updated_id, self->run);
  g_clear_object (&self->run);
  gtk_widget_dispose_template (GTK_WIDGET (self), LAB_TYPE_MISTAKES_PAGE);
  /* The template's top child is not bound, so dispose_template leaves it. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self)));)
    gtk_widget_unparent (child);
  g_clear_object (&self->runs);
  g_clear_pointer (&self->confusion, g_free);

  G_OBJECT_CLASS (lab_mistakes_page_parent_class)->dispose (object);
}

static void
lab_mistakes_page_class_init (LabMistakesPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lab_mistakes_page_dispose;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/lrlab/LRLab/ui/lab-mistakes-page.ui");
  gtk_widget_class_bind_template_child (widget_class, LabMistakesPage, swatch);
  gtk_widget_class_bind_template_child (widget_class, LabMistakesPage, run_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LabMistakesPage, epoch_scale);
  gtk_widget_class_bind_template_child (widget_class, LabMistakesPage, epoch_adjustment);
  gtk_widget_class_bind_template_child (widget_class, LabMistakesPage, summary_label);
  gtk_widget_class_bind_template_child (widget_class, LabMistakesPage, flow);
  gtk_widget_class_bind_template_child (widget_class, LabMistakesPage, matrix_grid);
  gtk_widget_class_install_action (widget_class, "mistakes.filter", "(ii)", filter_action);
  gtk_widget_class_install_action (widget_class, "mistakes.show", "(iddi)", show_action);
}

static void
lab_mistakes_page_init (LabMistakesPage *self)
{
  g_autoptr(GtkExpression) name = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->filter_true = self->filter_predicted = -1;
  name = gtk_property_expression_new (LAB_TYPE_RUN, NULL, "name");
  gtk_drop_down_set_expression (self->run_dropdown, name);
  gtk_drawing_area_set_draw_func (self->swatch, draw_swatch, self, NULL);
  g_signal_connect_object (self->run_dropdown, "notify::selected-item", G_CALLBACK (on_selected_changed),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->epoch_adjustment, "value-changed", G_CALLBACK (refresh), self,
                           G_CONNECT_SWAPPED);
  refresh (self);
}
