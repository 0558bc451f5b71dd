/* LabMistakesPage: reads the chosen run's predictions for one epoch (kept per epoch by the
 * run), counts the confusion matrix, and lays out the misclassified images worst first,
 * with where the network looked when the switch is on (Grad-CAM maps from the run's
 * best.ckpt, computed in a thread: lab-heatmap.c). It follows the chosen run's "updated"
 * signal so the newest epoch appears as it ends, and brings a run read back from disk its
 * images again (train_images.h) before showing them. The other mode of the page is the
 * chips' history (LabChipHistory). */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>

#include "lab-chip-history.h"
#include "lab-chip.h"
#include "lab-chip-window.h"
#include "lab-heatmap.h"
#include "lab-mistakes-page.h"
#include "lab-template.h"
#include "train_images.h"

#define THUMB_SIZE 96
#define MAX_THUMBS 300

struct _LabMistakesPage
{
  GtkWidget       parent_instance;

  GtkDrawingArea *swatch;
  GtkDropDown    *run_dropdown;
  GtkToggleButton *history_toggle;
  GtkLabel       *epoch_label;
  GtkScale       *epoch_scale;
  GtkAdjustment  *epoch_adjustment;
  GtkStack       *stack;
  GtkSwitch      *heatmap_switch;
  GtkDropDown    *method_dropdown;
  GtkDropDown    *target_dropdown;
  GtkWidget      *opacity_scale;
  GtkAdjustment  *opacity_adjustment;
  GtkLabel       *summary_label;
  GtkFlowBox     *flow;
  GtkWidget      *side_panel;
  GtkWidget      *side_separator;
  GtkGrid        *matrix_grid;
  GtkLabel       *heatmap_label;
  LabChipHistory *history;

  GListModel     *runs;
  LabRun         *run;              /* the selected one */
  gulong          run_updated_id;
  int             n_epochs_seen;    /* to follow the newest epoch while the slider is at the end */
  int             filter_true, filter_predicted;
  guint          *confusion;        /* (num_classes, num_classes) */
  int             num_classes;
  guint           n_shown;

  /* A run read back from disk whose images are being loaded (at most one at a time). */
  GCancellable   *images_cancellable;

  /* Where the network looked, for the selected run's shown chips. */
  LabHeatmaps    *heatmaps;
};

G_DEFINE_FINAL_TYPE (LabMistakesPage, lab_mistakes_page, GTK_TYPE_WIDGET)

typedef struct
{
  int   position;    /* in the validation split */
  int   image;       /* into the run's DataSet */
  int   truth;
  float loss;
  TrainPrediction prediction;
} Mistake;

static void refresh (LabMistakesPage *self);

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
  return set && c >= 0 && c < set->num_classes && set->class_names[c] ? set->class_names[c] : "?";
}

static gboolean
heatmap_on (LabMistakesPage *self)
{
  return gtk_switch_get_active (self->heatmap_switch);
}

static LabHeatmapMethod
heatmap_method (LabMistakesPage *self)
{
  return gtk_drop_down_get_selected (self->method_dropdown) == 1 ? LAB_HEATMAP_OCCLUSION : LAB_HEATMAP_GRAD_CAM;
}

static const float *
map_of (LabMistakesPage *self,
        int              image)
{
  return heatmap_on (self) ? lab_heatmaps_lookup (self->heatmaps, image) : NULL;
}

/* ---- a run read back from disk gets its images ---- */

typedef struct
{
  LabMistakesPage *page;
  LabRun          *run;
} ImagesRequest;

static void
on_images_loaded (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  ImagesRequest *request = user_data;
  g_autoptr(LabMistakesPage) self = request->page;
  g_autoptr(LabRun) run = request->run;
  g_autoptr(GError) error = NULL;
  TrainImages images;

  g_free (request);
  if (!train_images_load_finish (result, &images, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_object_set_data_full (G_OBJECT (run), "images-error", g_strdup (error->message), g_free);
    }
  else
    {
      train_run_attach_images (lab_run_get_train_run (run), images.images, images.val_images);
      train_images_clear (&images);
    }
  g_clear_object (&self->images_cancellable);
  if (run == self->run)
    {
      refresh (self);
      lab_chip_history_set_run (self->history, self->run);
    }
}

/* Starts loading the selected run's images when it was read back without them; a failure
 * is kept on the run, so it is said rather than tried again at every refresh. */
static void
load_images_if_needed (LabMistakesPage *self)
{
  TrainRun *train_run = lab_run_get_train_run (self->run);
  ImagesRequest *request;
  int n_val = 0;

  train_run_get_val_indices (train_run, &n_val);
  if (self->images_cancellable || n_val == 0 || train_run_get_dataset (train_run) != NULL ||
      train_status_is_active (train_run_get_status (train_run)) ||
      g_object_get_data (G_OBJECT (self->run), "images-error"))
    return;
  self->images_cancellable = g_cancellable_new ();
  request = g_new (ImagesRequest, 1);
  request->page = g_object_ref (self);
  request->run = g_object_ref (self->run);
  train_images_load_async (train_run, self->images_cancellable, on_images_loaded, request);
}

/* ---- Grad-CAM maps ---- */

static char *
model_path (LabMistakesPage *self)
{
  const char *dir = train_run_get_output_dir (lab_run_get_train_run (self->run));
  g_autofree char *path = dir ? g_build_filename (dir, "best.ckpt", NULL) : NULL;

  return path && g_file_test (path, G_FILE_TEST_EXISTS) ? g_steal_pointer (&path) : NULL;
}

/* Asks for the maps of the shown mistakes (LabHeatmaps keeps those it has). */
static void
request_maps (LabMistakesPage *self,
              GArray          *mistakes,
              guint            n)
{
  TrainRun *train_run = lab_run_get_train_run (self->run);
  g_autofree char *path = model_path (self);
  g_autofree int *images = g_new (int, MAX (n, 1));
  g_autofree int *truths = g_new (int, MAX (n, 1));

  for (guint k = 0; k < n; k++)
    {
      images[k] = g_array_index (mistakes, Mistake, k).image;
      truths[k] = g_array_index (mistakes, Mistake, k).truth;
    }
  lab_heatmaps_request (self->heatmaps, path, train_run_get_dataset (train_run), images, truths, n,
                        heatmap_method (self), gtk_drop_down_get_selected (self->target_dropdown) == 1,
                        train_run_get_progress (train_run).best_epoch);
}

/* What the maps show and from which weights, or why there are none. */
static void
describe_maps (LabMistakesPage *self,
               int              epoch)
{
  g_autofree char *text = NULL;
  g_autofree char *path = self->run ? model_path (self) : NULL;

  if (!heatmap_on (self) || self->run == NULL)
    text = g_strdup (_("Turn on “Where it looks” to colour each image by where the network found its evidence: yellow most, dark blue least."));
  else if (lab_heatmaps_get_error (self->heatmaps))
    text = g_strdup_printf (_("No heatmaps: %s"), lab_heatmaps_get_error (self->heatmaps));
  else if (path == NULL)
    text = g_strdup (_("No heatmaps yet: they need the run’s best weights (best.ckpt), written after its first epoch."));
  else if (heatmap_method (self) == LAB_HEATMAP_OCCLUSION && lab_heatmaps_is_busy (self->heatmaps))
    /* Slow enough to say how far it is: the maps fill in a few at a time. */
    text = g_strdup_printf (_("Occlusion: %u of %u images so far (each hides one patch after another and "
                              "measures the fall of the class’s probability; a forward pass per patch)…"),
                            MIN (lab_heatmaps_get_n (self->heatmaps), self->n_shown), self->n_shown);
  else if (lab_heatmaps_get_epoch (self->heatmaps) < 0)
    text = g_strdup (_("Computing where the network looks…"));
  else
    {
      int from = lab_heatmaps_get_epoch (self->heatmaps) + 1;

      text = g_strdup_printf (heatmap_method (self) == LAB_HEATMAP_OCCLUSION
                              ? _("Occlusion with the best weights (epoch %d)%s: yellow where hiding a patch "
                                  "costs the class most. White boxes: where the generator drew the defect.")
                              : _("Grad-CAM on the last convolution with the best weights (epoch %d)%s. "
                                  "White boxes: where the generator drew the defect."),
                              from, from != epoch ? _(", not this epoch’s") : "");
    }
  gtk_label_set_text (self->heatmap_label, text);
}

/* ---- the grid and the matrix ---- */

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
make_thumbnail (LabMistakesPage *self,
                DataSet         *set,
                const Mistake   *mistake)
{
  GtkWidget *button = gtk_button_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *picture;
  GtkWidget *label;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *classes = NULL;
  g_autofree char *confidence = NULL;

  texture = lab_chip_texture_new (set, mistake->image, map_of (self, mistake->image),
                                  gtk_adjustment_get_value (self->opacity_adjustment),
                                  heatmap_on (self), THUMB_SIZE);
  picture = gtk_picture_new_for_paintable (GDK_PAINTABLE (texture));
  gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
  gtk_widget_set_size_request (picture, THUMB_SIZE, THUMB_SIZE);
  gtk_box_append (GTK_BOX (box), picture);

  /* Translators: true class → predicted class */
  classes = g_strdup_printf (_("%s → %s"), class_name (set, mistake->truth),
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
  gtk_widget_set_tooltip_text (button, set->sources && set->sources[mistake->image] ? set->sources[mistake->image] : NULL);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "mistakes.show");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "i", mistake->position);
  return button;
}

/* Why there is nothing to show for the selected run, or NULL when there is. */
static const char *
nothing_to_show (LabMistakesPage *self,
                 DataSet         *set,
                 int              n_val)
{
  TrainRun *train_run = lab_run_get_train_run (self->run);
  const char *error = g_object_get_data (G_OBJECT (self->run), "images-error");

  if (n_val == 0)
    return train_status_is_active (train_run_get_status (train_run))
           ? _("Waiting for the first epoch…")
           : _("This run ended before it chose its validation images.");
  if (set == NULL && error)
    return error;
  if (set == NULL)
    return _("Loading this run’s images…");
  return NULL;
}

/* The end of every refresh: the matrix, then the maps' sentence, which counts the chips
 * just shown and sees the map job just started. epoch from 0. */
static void
finish_refresh (LabMistakesPage *self,
                DataSet         *set,
                int              epoch)
{
  build_matrix (self, set);
  describe_maps (self, epoch + 1);
}

static void
refresh (LabMistakesPage *self)
{
  TrainRun *train_run;
  DataSet *set;
  const int *images, *labels;
  int n_val = 0, n_gone = 0;
  int epoch = (int) gtk_adjustment_get_value (self->epoch_adjustment) - 1;
  g_autofree TrainPrediction *predictions = NULL;
  g_autoptr(GArray) mistakes = NULL;
  g_autofree char *summary = NULL;
  const char *why;
  guint n_wrong = 0;

  g_assert (LAB_IS_MISTAKES_PAGE (self));

  clear_container (GTK_WIDGET (self->flow));
  g_clear_pointer (&self->confusion, g_free);
  self->n_shown = 0;
  gtk_widget_queue_draw (GTK_WIDGET (self->swatch));
  gtk_widget_set_sensitive (GTK_WIDGET (self->method_dropdown), heatmap_on (self));
  gtk_widget_set_sensitive (GTK_WIDGET (self->target_dropdown), heatmap_on (self));
  gtk_widget_set_sensitive (self->opacity_scale, heatmap_on (self));

  if (self->run == NULL)
    {
      gtk_label_set_text (self->summary_label, _("Train a run: the validation images it gets wrong appear here."));
      finish_refresh (self, NULL, epoch);
      return;
    }
  train_run = lab_run_get_train_run (self->run);
  load_images_if_needed (self);
  set = train_run_get_dataset (train_run);
  train_run_get_val_indices (train_run, &n_val);
  images = train_run_get_val_images (train_run);
  labels = train_run_get_val_labels (train_run);
  if ((why = nothing_to_show (self, set, n_val)))
    {
      gtk_label_set_text (self->summary_label, why);
      finish_refresh (self, NULL, epoch);
      return;
    }
  predictions = g_new0 (TrainPrediction, n_val);
  if (epoch < 0 || !train_run_get_predictions (train_run, epoch, predictions))
    {
      gtk_label_set_text (self->summary_label, _("Waiting for the first epoch…"));
      finish_refresh (self, NULL, epoch);
      return;
    }

  self->num_classes = set->num_classes;
  self->confusion = g_new0 (guint, set->num_classes * set->num_classes);
  mistakes = g_array_new (FALSE, FALSE, sizeof (Mistake));
  for (int i = 0; i < n_val; i++)
    {
      int truth = CLAMP (labels[i], 0, set->num_classes - 1);
      int predicted = CLAMP (predictions[i].predicted, 0, set->num_classes - 1);
      Mistake m = { i, images[i], truth, -logf (MAX (predictions[i].true_probability, 1e-7f)), predictions[i] };

      self->confusion[truth * set->num_classes + predicted]++;
      if (predicted == truth)
        continue;
      n_wrong++;
      if (self->filter_true >= 0 && (truth != self->filter_true || predicted != self->filter_predicted))
        continue;
      if (m.image < 0)
        n_gone++;
      else
        g_array_append_val (mistakes, m);
    }
  g_array_sort (mistakes, compare_by_loss);
  for (guint i = 0; i < MIN (mistakes->len, MAX_THUMBS); i++)
    {
      gtk_flow_box_append (self->flow, make_thumbnail (self, set, &g_array_index (mistakes, Mistake, i)));
      self->n_shown++;
    }
  if (heatmap_on (self))
    request_maps (self, mistakes, self->n_shown);

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
  if (n_gone > 0)
    {
      g_autofree char *gone = g_strdup_printf (ngettext ("%s %d of them is no longer in the run’s folder.",
                                                         "%s %d of them are no longer in the run’s folder.", n_gone),
                                               summary, n_gone);
      g_free (summary);
      summary = g_steal_pointer (&gone);
    }
  gtk_label_set_text (self->summary_label, summary);
  finish_refresh (self, set, epoch);
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
  g_cancellable_cancel (self->images_cancellable);
  g_clear_object (&self->images_cancellable);
  lab_heatmaps_reset (self->heatmaps);
  g_set_object (&self->run, run);
  lab_run_show_swatch (run, self->swatch);
  self->n_epochs_seen = 0;
  self->filter_true = self->filter_predicted = -1;
  if (run)
    self->run_updated_id = g_signal_connect_swapped (run, "updated", G_CALLBACK (on_run_updated), self);
  gtk_adjustment_set_upper (self->epoch_adjustment, 1);
  gtk_adjustment_set_value (self->epoch_adjustment, 1);
  if (run)
    on_run_updated (self);
  refresh (self);
  lab_chip_history_set_run (self->history, run);
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

/* One validation image large, with every class's probability at the shown epoch. */
static void
show_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  LabMistakesPage *self = LAB_MISTAKES_PAGE (widget);
  TrainRun *train_run = self->run ? lab_run_get_train_run (self->run) : NULL;
  DataSet *set = train_run ? train_run_get_dataset (train_run) : NULL;
  int epoch = (int) gtk_adjustment_get_value (self->epoch_adjustment) - 1;
  int position = g_variant_get_int32 (param), n_val = 0;
  g_autofree TrainPrediction *predictions = NULL;
  g_autofree float *probabilities = NULL;
  LabChipView view = { 0 };

  g_assert (LAB_IS_MISTAKES_PAGE (self));

  if (set == NULL)
    return;
  train_run_get_val_indices (train_run, &n_val);
  predictions = g_new0 (TrainPrediction, MAX (n_val, 1));
  probabilities = g_new0 (float, (gsize) MAX (n_val, 1) * set->num_classes);
  if (position < 0 || position >= n_val || !train_run_get_predictions (train_run, epoch, predictions))
    return;
  view.set = set;
  view.image = train_run_get_val_images (train_run)[position];
  view.truth = train_run_get_val_labels (train_run)[position];
  view.prediction = predictions[position];
  view.probabilities = train_run_get_probabilities (train_run, epoch, probabilities)
                       ? probabilities + (gsize) position * set->num_classes : NULL;
  view.map = map_of (self, view.image);
  view.opacity = gtk_adjustment_get_value (self->opacity_adjustment);
  view.show_box = heatmap_on (self);
  if (view.image >= 0)
    lab_chip_window_present (widget, &view);
}

/* Mistakes or the chips' history: the epoch slider and the matrix belong to the first. */
static void
on_mode_changed (LabMistakesPage *self)
{
  gboolean history = gtk_toggle_button_get_active (self->history_toggle);

  g_assert (LAB_IS_MISTAKES_PAGE (self));

  gtk_stack_set_visible_child_name (self->stack, history ? "history" : "mistakes");
  gtk_widget_set_visible (GTK_WIDGET (self->epoch_label), !history);
  gtk_widget_set_visible (GTK_WIDGET (self->epoch_scale), !history);
  gtk_widget_set_visible (self->side_panel, !history);
  gtk_widget_set_visible (self->side_separator, !history);
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

void
lab_mistakes_page_set_heatmap (LabMistakesPage *self,
                               gboolean         on,
                               gboolean         true_class)
{
  g_return_if_fail (LAB_IS_MISTAKES_PAGE (self));

  gtk_drop_down_set_selected (self->target_dropdown, true_class ? 1 : 0);
  gtk_switch_set_active (self->heatmap_switch, on);
}

void
lab_mistakes_page_set_heatmap_method (LabMistakesPage  *self,
                                      LabHeatmapMethod  method)
{
  g_return_if_fail (LAB_IS_MISTAKES_PAGE (self));

  gtk_drop_down_set_selected (self->method_dropdown, method == LAB_HEATMAP_OCCLUSION ? 1 : 0);
}

void
lab_mistakes_page_show_history (LabMistakesPage *self,
                                gboolean         history)
{
  g_return_if_fail (LAB_IS_MISTAKES_PAGE (self));

  gtk_toggle_button_set_active (self->history_toggle, history);
}

LabChipHistory *
lab_mistakes_page_get_history (LabMistakesPage *self)
{
  g_return_val_if_fail (LAB_IS_MISTAKES_PAGE (self), NULL);

  return self->history;
}

guint
lab_mistakes_page_get_n_shown (LabMistakesPage *self)
{
  g_return_val_if_fail (LAB_IS_MISTAKES_PAGE (self), 0);

  return self->n_shown;
}

guint
lab_mistakes_page_get_n_heatmaps (LabMistakesPage *self)
{
  g_return_val_if_fail (LAB_IS_MISTAKES_PAGE (self), 0);

  return heatmap_on (self) ? lab_heatmaps_get_n (self->heatmaps) : 0;
}

gboolean
lab_mistakes_page_is_busy (LabMistakesPage *self)
{
  g_return_val_if_fail (LAB_IS_MISTAKES_PAGE (self), FALSE);

  return self->images_cancellable != NULL || lab_heatmaps_is_busy (self->heatmaps);
}

const char *
lab_mistakes_page_get_summary (LabMistakesPage *self)
{
  g_return_val_if_fail (LAB_IS_MISTAKES_PAGE (self), NULL);

  return gtk_label_get_text (self->summary_label);
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
  g_cancellable_cancel (self->images_cancellable);
  g_clear_object (&self->images_cancellable);
  if (self->heatmaps)
    lab_heatmaps_reset (self->heatmaps);
  lab_template_dispose (GTK_WIDGET (self), LAB_TYPE_MISTAKES_PAGE);
  g_clear_object (&self->runs);
  g_clear_pointer (&self->confusion, g_free);
  g_clear_object (&self->heatmaps);

  G_OBJECT_CLASS (lab_mistakes_page_parent_class)->dispose (object);
}

static void
lab_mistakes_page_class_init (LabMistakesPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lab_mistakes_page_dispose;

  g_type_ensure (LAB_TYPE_CHIP_HISTORY);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/lrlab/LRLab/ui/lab-mistakes-page.ui");
  gtk_widget_class_bind_template_child (widget_class, LabMistakesPage, swatch);
  gtk_widget_class_bind_template_child (widget_class, LabMistakesPage, run_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LabMistakesPage, history_toggle);
  gtk_widget_class_bind_template_child (widget_class, LabMistakesPage, epoch_label);
  gtk_widget_class_bind_template_child (widget_class, LabMistakesPage, epoch_scale);
  gtk_widget_class_bind_template_child (widget_class, LabMistakesPage, epoch_adjustment);
  gtk_widget_class_bind_template_child (widget_class, LabMistakesPage, stack);
  gtk_widget_class_bind_template_child (widget_class, LabMistakesPage, heatmap_switch);
  gtk_widget_class_bind_template_child (widget_class, LabMistakesPage, method_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LabMistakesPage, target_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LabMistakesPage, opacity_scale);
  gtk_widget_class_bind_template_child (widget_class, LabMistakesPage, opacity_adjustment);
  gtk_widget_class_bind_template_child (widget_class, LabMistakesPage, summary_label);
  gtk_widget_class_bind_template_child (widget_class, LabMistakesPage, flow);
  gtk_widget_class_bind_template_child (widget_class, LabMistakesPage, side_panel);
  gtk_widget_class_bind_template_child (widget_class, LabMistakesPage, side_separator);
  gtk_widget_class_bind_template_child (widget_class, LabMistakesPage, matrix_grid);
  gtk_widget_class_bind_template_child (widget_class, LabMistakesPage, heatmap_label);
  gtk_widget_class_bind_template_child (widget_class, LabMistakesPage, history);
  gtk_widget_class_install_action (widget_class, "mistakes.filter", "(ii)", filter_action);
  gtk_widget_class_install_action (widget_class, "mistakes.show", "i", show_action);
}

static void
lab_mistakes_page_init (LabMistakesPage *self)
{
  g_autoptr(GtkExpression) name = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->filter_true = self->filter_predicted = -1;
  self->heatmaps = lab_heatmaps_new ();
  name = gtk_property_expression_new (LAB_TYPE_RUN, NULL, "name");
  gtk_drop_down_set_expression (self->run_dropdown, name);
  g_signal_connect_object (self->run_dropdown, "notify::selected-item", G_CALLBACK (on_selected_changed),
                           self, G_CONNECT_SWAPPED);
  /* Whatever the grid shows (the epoch, the maps and how they are made and drawn) draws it again. */
  {
    const struct { gpointer object; const char *signal; } redraws[] = {
      { self->heatmaps, "changed" },
      { self->epoch_adjustment, "value-changed" },
      { self->heatmap_switch, "notify::active" },
      { self->method_dropdown, "notify::selected" },
      { self->target_dropdown, "notify::selected" },
      { self->opacity_adjustment, "value-changed" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (redraws); i++)
      g_signal_connect_object (redraws[i].object, redraws[i].signal, G_CALLBACK (refresh), self, G_CONNECT_SWAPPED);
  }
  g_signal_connect_object (self->history_toggle, "notify::active", G_CALLBACK (on_mode_changed), self,
                           G_CONNECT_SWAPPED);
  on_mode_changed (self);
  refresh (self);
}
