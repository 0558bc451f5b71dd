/* lab-chip-window: built by hand (it has no state to keep), one AdwWindow per click. */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>

#include "lab-chip.h"
#include "lab-chip-window.h"
#include "train_types.h"

#define LARGE_SIZE 384
/* A 9-class run's whole answer fits; beyond, the rest is counted. */
#define MAX_LISTED_CLASSES 10

static const char *
name_of (const DataSet *set,
         int            c)
{
  return c >= 0 && c < set->num_classes && set->class_names[c] ? set->class_names[c] : "?";
}

/* Every class's probability as a bar, the most likely first. */
static GtkWidget *
probability_bars (const DataSet *set,
                  const float   *probabilities)
{
  GtkWidget *grid = gtk_grid_new ();
  g_autofree int *order = g_new (int, set->num_classes);
  int listed = MIN (set->num_classes, MAX_LISTED_CLASSES);

  for (int c = 0; c < set->num_classes; c++)
    order[c] = c;
  for (int i = 0; i < listed; i++)   /* partial selection sort: the first `listed` */
    for (int j = i + 1; j < set->num_classes; j++)
      if (probabilities[order[j]] > probabilities[order[i]])
        {
          int t = order[i];
          order[i] = order[j];
          order[j] = t;
        }
  gtk_grid_set_row_spacing (GTK_GRID (grid), 4);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 8);
  gtk_widget_set_halign (grid, GTK_ALIGN_CENTER);
  for (int i = 0; i < listed; i++)
    {
      g_autofree char *percent = g_strdup_printf ("%.1f%%", 100 * probabilities[order[i]]);
      GtkWidget *name = gtk_label_new (name_of (set, order[i]));
      GtkWidget *bar = gtk_level_bar_new_for_interval (0, 1);
      GtkWidget *value = gtk_label_new (percent);

      gtk_label_set_xalign (GTK_LABEL (name), 1);
      gtk_level_bar_set_value (GTK_LEVEL_BAR (bar), probabilities[order[i]]);
      gtk_widget_set_size_request (bar, 200, -1);
      gtk_widget_set_valign (bar, GTK_ALIGN_CENTER);
      gtk_label_set_xalign (GTK_LABEL (value), 1);
      gtk_widget_add_css_class (value, "numeric");
      gtk_grid_attach (GTK_GRID (grid), name, 0, i, 1, 1);
      gtk_grid_attach (GTK_GRID (grid), bar, 1, i, 1, 1);
      gtk_grid_attach (GTK_GRID (grid), value, 2, i, 1, 1);
    }
  if (listed < set->num_classes)
    {
      g_autofree char *more = g_strdup_printf (_("and %d classes less likely"), set->num_classes - listed);
      GtkWidget *label = gtk_label_new (more);

      gtk_widget_add_css_class (label, "dim-label");
      gtk_grid_attach (GTK_GRID (grid), label, 0, listed, 3, 1);
    }
  return grid;
}

void
lab_chip_window_present (GtkWidget         *parent,
                         const LabChipView *view)
{
  const DataSet *set = view->set;
  const char *source = set->sources && set->sources[view->image] ? set->sources[view->image] : "";
  GtkRoot *root = gtk_widget_get_root (parent);
  GtkWidget *window = adw_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *picture, *label;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *title = g_path_get_basename (source);
  g_autofree char *escaped = g_markup_escape_text (source, -1);
  g_autofree char *markup = NULL;
  float loss = -logf (MAX (view->prediction.true_probability, 1e-7f));

  g_return_if_fail (view->image >= 0 && view->image < set->count);

  gtk_window_set_modal (GTK_WINDOW (window), TRUE);
  if (GTK_IS_WINDOW (root))
    gtk_window_set_transient_for (GTK_WINDOW (window), GTK_WINDOW (root));
  gtk_window_set_title (GTK_WINDOW (window), title);
  gtk_box_append (GTK_BOX (box), adw_header_bar_new ());

  texture = lab_chip_texture_new (set, view->image, view->map, view->opacity, view->show_box, LARGE_SIZE);
  picture = gtk_picture_new_for_paintable (GDK_PAINTABLE (texture));
  gtk_widget_set_size_request (picture, LARGE_SIZE, LARGE_SIZE);
  gtk_widget_set_margin_start (picture, 18);
  gtk_widget_set_margin_end (picture, 18);
  gtk_box_append (GTK_BOX (box), picture);

  label = gtk_label_new (NULL);
  markup = g_strdup_printf (_("<b>%s</b>\nTrue class: %s · predicted: %s, %.0f%% sure · loss %.2f"),
                            escaped, name_of (set, view->truth), name_of (set, view->prediction.predicted),
                            100 * view->prediction.confidence, loss);
  gtk_label_set_markup (GTK_LABEL (label), markup);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 50);
  gtk_label_set_justify (GTK_LABEL (label), GTK_JUSTIFY_CENTER);
  gtk_widget_set_margin_start (label, 18);
  gtk_widget_set_margin_end (label, 18);
  gtk_box_append (GTK_BOX (box), label);
  if (view->probabilities)
    gtk_box_append (GTK_BOX (box), probability_bars (set, view->probabilities));
  gtk_widget_set_margin_bottom (gtk_widget_get_last_child (box), 18);
  adw_window_set_content (ADW_WINDOW (window), box);
  gtk_window_present (GTK_WINDOW (window));
}
