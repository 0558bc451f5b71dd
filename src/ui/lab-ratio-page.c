/* LabRatioPage: the run's TrainRatioLog (train_ratios.h) drawn as one gauge per parameter
 * tensor: a log axis from 1e-7 to 1 with SGD's healthy band (1e-4..1e-2, the line at 1e-3),
 * the latest step's ratio as a dot, the spread of the current epoch's steps as a bar, and
 * every finished epoch's mean as a fading trail, so a layer that stalls or runs away shows
 * at a glance. It copies only the rows that are new at each "updated" of its run. */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "lab-ratio-page.h"
#include "lab-template.h"
#include "lab-text.h"
#include "train_diagnosis.h"
#include "train_format.h"
#include "train_ratios.h"

#define LOG_MIN   (-7.0)
#define LOG_MAX   0.0
#define ROW_H     46
#define HEADER_H  26
#define LABEL_W   210
#define VALUE_W   96
#define GAUGE_H   14
#define KEY_H     34

struct _LabRatioPage
{
  GtkWidget       parent_instance;

  GtkDropDown    *run_dropdown;
  GtkLabel       *summary_label;
  GtkLabel       *adam_label;
  GtkDrawingArea *area;

  GListModel     *runs;
  LabRun         *run;
  gulong          run_updated_id;
  gboolean        picked;          /* the user chose a run: new runs do not take over */
  gboolean        selecting;       /* the page itself moves the dropdown */
  TrainRatioLog  *log;             /* the run's, as last fetched */
  GArray         *values;          /* float, n_tensors per step */
  GArray         *keys;            /* TrainRatioKey, per step */
  GArray         *epoch_values;    /* float, n_tensors per finished epoch */
};

G_DEFINE_FINAL_TYPE (LabRatioPage, lab_ratio_page, GTK_TYPE_WIDGET)

static const GdkRGBA band_green = { 0.18, 0.62, 0.30, 1 };

static int
n_tensors (LabRatioPage *self)
{
  return self->log ? train_ratio_log_n_tensors (self->log) : 0;
}

/* "8×3×3×3" and the weight count. */
static char *
describe_shape (const nn_tensor_info *t)
{
  GString *s = g_string_new (NULL);
  size_t count = 1;

  for (int d = 0; d < t->ndim; d++)
    {
      g_string_append_printf (s, "%s%d", d ? "×" : "", t->shape[d]);
      count *= (size_t) t->shape[d];
    }
  g_string_append_printf (s, " · %zu %s", count, count == 1 ? _("weight") : _("weights"));
  return g_string_free (s, FALSE);
}

static char *
format_ratio (double r)
{
  return isfinite (r) && r > 0 ? train_format_ratio (r) : g_strdup ("—");
}

/* Only the rows that are new since the last call; everything again for another log. */
static void
refresh (LabRatioPage *self)
{
  g_autoptr(TrainRatioLog) log = NULL;
  const TrainConfig *config;
  g_autofree char *summary = NULL;

  g_assert (LAB_IS_RATIO_PAGE (self));

  log = self->run ? train_run_dup_update_ratios (lab_run_get_train_run (self->run)) : NULL;
  if (log != self->log)
    {
      g_clear_pointer (&self->log, train_ratio_log_unref);
      self->log = log ? train_ratio_log_ref (log) : NULL;
      g_array_set_size (self->values, 0);
      g_array_set_size (self->keys, 0);
      g_array_set_size (self->epoch_values, 0);
    }
  if (self->log)
    {
      int nk = n_tensors (self);
      train_ratio_log_copy_batches (self->log, self->keys->len, self->values, self->keys);
      train_ratio_log_copy_epochs (self->log, nk ? self->epoch_values->len / nk : 0, self->epoch_values);
    }

  config = self->run ? train_run_get_config (lab_run_get_train_run (self->run)) : NULL;
  gtk_widget_set_visible (GTK_WIDGET (self->adam_label), config && config->optimizer == NN_OPTIMIZER_ADAM);
  if (self->keys->len > 0)
    {
      const TrainRatioKey *last = &g_array_index (self->keys, TrainRatioKey, self->keys->len - 1);
      g_autofree char *lr = train_format_lr (config->lr);
      summary = g_strdup_printf (_("%s, lr %s · %u steps recorded · latest: epoch %d, batch %d"),
                                 config->optimizer == NN_OPTIMIZER_ADAM ? "Adam" : "SGD", lr,
                                 self->keys->len, last->epoch + 1, last->batch + 1);
    }
  else
    summary = g_strdup (self->run ? _("No steps recorded yet") : _("No run"));
  gtk_label_set_text (self->summary_label, summary);
  gtk_drawing_area_set_content_height (self->area, HEADER_H + MAX (n_tensors (self), 1) * ROW_H + KEY_H);
  gtk_widget_queue_draw (GTK_WIDGET (self->area));
}

/* The gauge's pixel column for a ratio, pinned to its ends. */
static double
gauge_x (double ratio,
         double x0,
         double width)
{
  double l = ratio > 0 ? log10 (ratio) : LOG_MIN;

  l = CLAMP (l, LOG_MIN, LOG_MAX);
  return x0 + (l - LOG_MIN) / (LOG_MAX - LOG_MIN) * width;
}

static void
show_text (cairo_t     *cr,
           PangoLayout *layout,
           const char  *text,
           double       x,
           double       y,
           double       xalign)
{
  pango_layout_set_text (layout, text, -1);
  lab_text_show (cr, layout, x, y, xalign, 0.5);
}

/* How far outside the band a ratio is, in decades (0 inside it). */
static double
decades_off (double r)
{
  if (!(r > 0))
    return 0;
  return r < TRAIN_RATIO_LOW ? log10 (TRAIN_RATIO_LOW / r) : r > TRAIN_RATIO_HIGH ? log10 (r / TRAIN_RATIO_HIGH) : 0;
}

static void
draw_row (LabRatioPage  *self,
          cairo_t       *cr,
          PangoLayout   *layout,
          int            k,
          double         top,
          double         gx,
          double         gw,
          const GdkRGBA *ink)
{
  const int nk = n_tensors (self);
  const nn_tensor_info *t = train_ratio_log_tensor (self->log, k);
  const GdkRGBA *color = lab_run_get_color (self->run);
  double cy = top + ROW_H / 2.0;
  g_autofree char *shape = describe_shape (t);
  guint n_epochs = nk ? self->epoch_values->len / nk : 0;

  /* The name and shape. */
  gdk_cairo_set_source_rgba (cr, ink);
  show_text (cr, layout, t->name, 0, cy - 8, 0);
  cairo_set_source_rgba (cr, ink->red, ink->green, ink->blue, 0.55);
  show_text (cr, layout, shape, 0, cy + 9, 0);

  /* The gauge, its decades and the band. */
  cairo_set_source_rgba (cr, ink->red, ink->green, ink->blue, 0.07);
  cairo_rectangle (cr, gx, cy - GAUGE_H / 2.0, gw, GAUGE_H);
  cairo_fill (cr);
  cairo_set_source_rgba (cr, ink->red, ink->green, ink->blue, 0.12);
  for (int d = (int) LOG_MIN + 1; d < (int) LOG_MAX; d++)
    {
      double x = gauge_x (pow (10, d), gx, gw);
      cairo_rectangle (cr, round (x), cy - GAUGE_H / 2.0, 1, GAUGE_H);
    }
  cairo_fill (cr);
  cairo_set_source_rgba (cr, band_green.red, band_green.green, band_green.blue, 0.28);
  cairo_rectangle (cr, gauge_x (TRAIN_RATIO_LOW, gx, gw), cy - GAUGE_H / 2.0,
                   gauge_x (TRAIN_RATIO_HIGH, gx, gw) - gauge_x (TRAIN_RATIO_LOW, gx, gw), GAUGE_H);
  cairo_fill (cr);
  gdk_cairo_set_source_rgba (cr, &band_green);
  cairo_rectangle (cr, round (gauge_x (TRAIN_RATIO_GOOD, gx, gw)) - 0.5, cy - GAUGE_H / 2.0 - 3, 2, GAUGE_H + 6);
  cairo_fill (cr);

  /* Finished epochs' means, older ones fainter. */
  for (guint e = 0; e < n_epochs; e++)
    {
      double r = g_array_index (self->epoch_values, float, e * nk + k);
      if (!(r > 0))
        continue;
      cairo_set_source_rgba (cr, color->red, color->green, color->blue, 0.15 + 0.45 * (e + 1.0) / n_epochs);
      cairo_arc (cr, gauge_x (r, gx, gw), cy, 2.5, 0, 2 * G_PI);
      cairo_fill (cr);
    }

  if (self->keys->len == 0)
    return;
  /* The spread of the latest epoch's steps, and the latest step. */
  {
    guint last = self->keys->len - 1;
    int epoch = g_array_index (self->keys, TrainRatioKey, last).epoch;
    double lo = INFINITY, hi = 0, r = g_array_index (self->values, float, last * nk + k);
    g_autofree char *text = format_ratio (r);
    double off = decades_off (r);

    for (guint i = last + 1; i-- > 0 && g_array_index (self->keys, TrainRatioKey, i).epoch == epoch;)
      {
        double v = g_array_index (self->values, float, i * nk + k);
        if (v > 0)
          lo = MIN (lo, v), hi = MAX (hi, v);
      }
    if (hi > 0)
      {
        cairo_set_source_rgba (cr, color->red, color->green, color->blue, 0.55);
        cairo_rectangle (cr, gauge_x (lo, gx, gw), cy - 2, MAX (gauge_x (hi, gx, gw) - gauge_x (lo, gx, gw), 1), 4);
        cairo_fill (cr);
      }
    if (r > 0)
      {
        double x = gauge_x (r, gx, gw);
        GdkRGBA halo = *ink;
        halo.red = halo.green = halo.blue = ink->red > 0.5 ? 0.12 : 1;
        gdk_cairo_set_source_rgba (cr, &halo);
        cairo_arc (cr, x, cy, 7, 0, 2 * G_PI);
        cairo_fill (cr);
        gdk_cairo_set_source_rgba (cr, color);
        cairo_arc (cr, x, cy, 5.5, 0, 2 * G_PI);
        cairo_fill (cr);
      }
    /* The value, in the colour of how far from the band it is. */
    if (off >= 2)
      cairo_set_source_rgba (cr, 0.85, 0.2, 0.2, 1);
    else if (off >= 1)
      cairo_set_source_rgba (cr, 0.85, 0.5, 0.1, 1);
    else
      gdk_cairo_set_source_rgba (cr, ink);
    show_text (cr, layout, text, gx + gw + 14, cy, 0);
  }
}

/* What the marks mean, under the gauges: each mark as the rows draw it, then its words. */
typedef enum { MARK_LATEST, MARK_EPOCH_SPREAD, MARK_EPOCH_MEAN, MARK_BAND } Mark;

static void
draw_key (LabRatioPage  *self,
          cairo_t       *cr,
          PangoLayout   *layout,
          double         cy,
          double         x,
          const GdkRGBA *ink)
{
  const GdkRGBA *color = lab_run_get_color (self->run);
  const struct { Mark mark; const char *words; } key[] = {
    { MARK_LATEST, N_("latest step") },
    { MARK_EPOCH_SPREAD, N_("this epoch's steps") },
    { MARK_EPOCH_MEAN, N_("each finished epoch's mean") },
    { MARK_BAND, N_("1e-4 … 1e-2, the line at 1e-3") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (key); i++)
    {
      int w, h;

      switch (key[i].mark)
        {
        case MARK_LATEST:
          gdk_cairo_set_source_rgba (cr, color);
          cairo_arc (cr, x + 11, cy, 5, 0, 2 * G_PI);
          break;
        case MARK_EPOCH_SPREAD:
          cairo_set_source_rgba (cr, color->red, color->green, color->blue, 0.55);
          cairo_rectangle (cr, x, cy - 2, 22, 4);
          break;
        case MARK_EPOCH_MEAN:
          cairo_set_source_rgba (cr, color->red, color->green, color->blue, 0.45);
          cairo_arc (cr, x + 11, cy, 2.5, 0, 2 * G_PI);
          break;
        case MARK_BAND:
          cairo_set_source_rgba (cr, band_green.red, band_green.green, band_green.blue, 0.28);
          cairo_rectangle (cr, x, cy - GAUGE_H / 2.0, 22, GAUGE_H);
          cairo_fill (cr);
          gdk_cairo_set_source_rgba (cr, &band_green);
          cairo_rectangle (cr, x + 10, cy - GAUGE_H / 2.0 - 2, 2, GAUGE_H + 4);
          break;
        }
      cairo_fill (cr);
      cairo_set_source_rgba (cr, ink->red, ink->green, ink->blue, 0.7);
      show_text (cr, layout, _(key[i].words), x + 30, cy, 0);
      pango_layout_get_pixel_size (layout, &w, &h);
      x += 30 + w + 24;
    }
}

static void
draw (GtkDrawingArea *area,
      cairo_t        *cr,
      int             width,
      int             height,
      gpointer        user_data)
{
  LabRatioPage *self = user_data;
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (area), NULL);
  GdkRGBA ink;
  double gx = LABEL_W, gw = MAX (width - LABEL_W - VALUE_W, 100);
  const int nk = n_tensors (self);

  g_assert (LAB_IS_RATIO_PAGE (self));

  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (area)), &ink);
  if (self->run == NULL || nk == 0)
    {
      cairo_set_source_rgba (cr, ink.red, ink.green, ink.blue, 0.55);
      show_text (cr, layout, self->run ? _("The ratios appear with the run's first step.")
                                       : _("Start a run to see how its layers learn."),
                 width / 2.0, 40, 0.5);
      return;
    }

  /* The scale, once, above the gauges. */
  cairo_set_source_rgba (cr, ink.red, ink.green, ink.blue, 0.6);
  for (int d = (int) LOG_MIN; d <= (int) LOG_MAX; d++)
    {
      g_autofree char *tick = d == 0 ? g_strdup ("1") : g_strdup_printf ("1e%d", d);
      show_text (cr, layout, tick, gauge_x (pow (10, d), gx, gw), HEADER_H / 2.0, 0.5);
    }
  for (int k = 0; k < nk; k++)
    draw_row (self, cr, layout, k, HEADER_H + k * ROW_H, gx, gw, &ink);
  draw_key (self, cr, layout, HEADER_H + nk * ROW_H + KEY_H / 2.0, 0, &ink);
}

static gboolean
on_query_tooltip (LabRatioPage *self,
                  int           x,
                  int           y,
                  gboolean      keyboard,
                  GtkTooltip   *tooltip)
{
  const int nk = n_tensors (self);
  int k = (y - HEADER_H) / ROW_H;
  guint n_epochs;
  g_autofree char *shape = NULL;
  g_autofree char *latest = NULL;
  g_autofree char *mean = NULL;
  g_autofree char *text = NULL;
  const nn_tensor_info *t;
  const TrainRatioKey *key;
  double r, m = NAN;
  const char *reading;

  g_assert (LAB_IS_RATIO_PAGE (self));

  if (nk == 0 || self->keys->len == 0 || y < HEADER_H || k < 0 || k >= nk)
    return FALSE;
  t = train_ratio_log_tensor (self->log, k);
  shape = describe_shape (t);
  key = &g_array_index (self->keys, TrainRatioKey, self->keys->len - 1);
  r = g_array_index (self->values, float, (self->keys->len - 1) * nk + k);
  n_epochs = self->epoch_values->len / nk;
  if (n_epochs > 0)
    m = g_array_index (self->epoch_values, float, (n_epochs - 1) * nk + k);
  latest = format_ratio (r);
  mean = format_ratio (m);
  reading = r < TRAIN_RATIO_LOW ? _("below the band: this layer barely moves")
            : r > TRAIN_RATIO_HIGH ? _("above the band: large steps for these weights")
                                   : _("within the band");
  text = g_strdup_printf (_("%s (%s)\n%s per step at epoch %d, batch %d: %s\nMean over epoch %u: %s"),
                          t->name, shape, latest, key->epoch + 1, key->batch + 1, reading,
                          n_epochs, mean);
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void
on_run_updated (LabRatioPage *self)
{
  g_assert (LAB_IS_RATIO_PAGE (self));

  refresh (self);
}

static void
on_selected_changed (LabRatioPage *self)
{
  LabRun *run = gtk_drop_down_get_selected_item (self->run_dropdown);

  g_assert (LAB_IS_RATIO_PAGE (self));

  if (!self->selecting)
    self->picked = TRUE;
  if (run == self->run)
    return;
  if (self->run)
    g_clear_signal_handler (&self->run_updated_id, self->run);
  g_set_object (&self->run, run);
  if (run)
    self->run_updated_id = g_signal_connect_swapped (run, "updated", G_CALLBACK (on_run_updated), self);
  refresh (self);
}

static void
select_index (LabRatioPage *self,
              guint         index)
{
  self->selecting = TRUE;
  gtk_drop_down_set_selected (self->run_dropdown, index);
  self->selecting = FALSE;
  on_selected_changed (self);
}

/* A new run takes the page over unless the user picked one to look at. */
static void
on_runs_changed (LabRatioPage *self,
                 guint         position,
                 guint         removed,
                 guint         added)
{
  g_assert (LAB_IS_RATIO_PAGE (self));

  if (added > 0 && !self->picked)
    select_index (self, position + added - 1);
  else
    on_selected_changed (self);
}

void
lab_ratio_page_set_runs (LabRatioPage *self,
                         GListModel   *runs)
{
  g_return_if_fail (LAB_IS_RATIO_PAGE (self));

  if (self->runs)
    g_signal_handlers_disconnect_by_data (self->runs, self);
  g_set_object (&self->runs, runs);
  self->selecting = TRUE;
  gtk_drop_down_set_model (self->run_dropdown, runs);
  self->selecting = FALSE;
  if (runs)
    g_signal_connect_object (runs, "items-changed", G_CALLBACK (on_runs_changed), self, G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  on_selected_changed (self);
}

void
lab_ratio_page_select_run (LabRatioPage *self,
                           LabRun       *run)
{
  g_return_if_fail (LAB_IS_RATIO_PAGE (self));
  g_return_if_fail (LAB_IS_RUN (run));

  for (guint i = 0; self->runs && i < g_list_model_get_n_items (self->runs); i++)
    {
      g_autoptr(LabRun) item = g_list_model_get_item (self->runs, i);
      if (item == run)
        {
          select_index (self, i);
          return;
        }
    }
}

char *
lab_ratio_page_diagnose (LabRun *run)
{
  g_return_val_if_fail (LAB_IS_RUN (run), NULL);

  return train_diagnose_updates (lab_run_get_train_run (run));
}

static void
lab_ratio_page_dispose (GObject *object)
{
  LabRatioPage *self = (LabRatioPage *) object;

  if (self->run)
    g_clear_signal_handler (&self->run_updated_id, self->run);
  g_clear_object (&self->run);
  if (self->runs)
    g_signal_handlers_disconnect_by_data (self->runs, self);
  g_clear_object (&self->runs);
  g_clear_pointer (&self->log, train_ratio_log_unref);
  lab_template_dispose (GTK_WIDGET (self), LAB_TYPE_RATIO_PAGE);

  G_OBJECT_CLASS (lab_ratio_page_parent_class)->dispose (object);
}

static void
lab_ratio_page_finalize (GObject *object)
{
  LabRatioPage *self = (LabRatioPage *) object;

  g_array_unref (self->values);
  g_array_unref (self->keys);
  g_array_unref (self->epoch_values);

  G_OBJECT_CLASS (lab_ratio_page_parent_class)->finalize (object);
}

static void
lab_ratio_page_class_init (LabRatioPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lab_ratio_page_dispose;
  object_class->finalize = lab_ratio_page_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/lrlab/LRLab/ui/lab-ratio-page.ui");
  gtk_widget_class_bind_template_child (widget_class, LabRatioPage, run_dropdown);
  gtk_widget_class_bind_template_child (widget_class, LabRatioPage, summary_label);
  gtk_widget_class_bind_template_child (widget_class, LabRatioPage, adam_label);
  gtk_widget_class_bind_template_child (widget_class, LabRatioPage, area);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
lab_ratio_page_init (LabRatioPage *self)
{
  g_autoptr(GtkExpression) name = NULL;

  self->values = g_array_new (FALSE, FALSE, sizeof (float));
  self->keys = g_array_new (FALSE, FALSE, sizeof (TrainRatioKey));
  self->epoch_values = g_array_new (FALSE, FALSE, sizeof (float));
  gtk_widget_init_template (GTK_WIDGET (self));
  name = gtk_property_expression_new (LAB_TYPE_RUN, NULL, "name");
  gtk_drop_down_set_expression (self->run_dropdown, name);
  g_signal_connect_object (self->run_dropdown, "notify::selected-item", G_CALLBACK (on_selected_changed),
                           self, G_CONNECT_SWAPPED);
  gtk_drawing_area_set_draw_func (self->area, draw, self, NULL);
  g_signal_connect_object (self->area, "query-tooltip", G_CALLBACK (on_query_tooltip), self, G_CONNECT_SWAPPED);
}
