/* LabChart: the widget. It stacks the parts Sysprof's charts are made of: a model (runs,
 * series, ranges: lab-chart-model.c), a layout measured once per size and text
 * (lab-chart-layout.c), layers that draw (lab-*-layer.c) and a render cache of their
 * drawings (lab-chart-cache.c). This file holds the GObject, its options, the mapping
 * queries and the pointer; lab-chart-runs.c the runs; lab-chart-draw.c the drawing path. */
#include "lab-chart-private.h"
#include "lab-chart-enums.h"
#include "lab-hover-layer.h"

#include <math.h>

/* New points are drawn at most this often: a trace that grows 20 times a second then costs
 * half the CPU, which the training on the same cores wants; the hover follows every frame. */
#define DATA_REDRAW_INTERVAL (100 * G_TIME_SPAN_MILLISECOND)

G_DEFINE_FINAL_TYPE (LabChart, lab_chart, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_TITLE,
  PROP_X_LABEL,
  PROP_Y_LABEL,
  PROP_SMOOTHING,
  PROP_LOG_X,
  PROP_LOG_Y,
  PROP_X_MODE,
  PROP_SHOW_BATCHES,
  PROP_BAND_LABEL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Changes */

/* Drops the slots that new points made stale and asks for a frame. */
static void
redraw_stale_slots (LabChart *self)
{
  lab_chart_cache_drop (&self->cache, self->stale_slots);
  self->stale_slots = 0;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static gboolean
on_data_redraw_due (gpointer data)
{
  LabChart *self = data;

  self->data_redraw_source = 0;
  redraw_stale_slots (self);
  return G_SOURCE_REMOVE;
}

/* New data makes stale only the slots whose layers draw it (batches: the batch slot;
 * epochs: the epoch slot), at most every DATA_REDRAW_INTERVAL; a range that moves with it
 * redraws everything, through the cache's key. */
static void
data_arrived (LabChart *self,
              guint     slots)
{
  gint64 now, due;

  self->stale_slots |= slots;
  if (self->data_redraw_source != 0)
    return;

  now = g_get_monotonic_time ();
  due = self->last_data_redraw + DATA_REDRAW_INTERVAL;
  if (now >= due)
    redraw_stale_slots (self);
  else
    self->data_redraw_source = g_timeout_add_full (G_PRIORITY_DEFAULT, (due - now) / 1000 + 1,
                                                   on_data_redraw_due, self, NULL);
}

void
lab_chart_changed (LabChart       *self,
                   LabChartChange  change)
{
  const LabChartChange data = LAB_CHART_CHANGE_BATCHES | LAB_CHART_CHANGE_EPOCHS;

  g_assert (LAB_IS_CHART (self));

  if (change & (data | LAB_CHART_CHANGE_RANGES))
    self->model.ranges_dirty = TRUE;
  if (change & LAB_CHART_CHANGE_LAYOUT)
    lab_chart_layout_invalidate (self->layout);
  if (change & ~LAB_CHART_CHANGE_HOVER)
    lab_chart_hover_invalidate (self->hover);

  if (change & LAB_CHART_CHANGE_STYLE)
    {
      /* Everything is drawn again at the next frame, new points with it. */
      lab_chart_cache_drop (&self->cache, LAB_CHART_CACHED_SLOTS);
      self->stale_slots = 0;
    }
  else if (change & data)
    data_arrived (self, lab_chart_layers_stale_slots (change));

  /* A moved range or a new layout drops the cache through its key, at the next frame. */
  if (change & ~data)
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
lab_chart_ensure_layout (LabChart *self,
                         int       width)
{
  g_assert (LAB_IS_CHART (self));

  lab_chart_model_ensure_ranges (&self->model);
  lab_chart_layout_ensure (self->layout, &self->model, gtk_widget_get_pango_context (GTK_WIDGET (self)), width);
}

void
lab_chart_get_stats (LabChart      *self,
                     LabChartStats *stats)
{
  g_return_if_fail (LAB_IS_CHART (self));

  stats->layouts = lab_chart_layout_get_generation (self->layout);
  stats->tick_layouts = lab_chart_layout_get_n_tick_layouts (self->layout);
  stats->hover_texts = lab_chart_hover_get_n_texts (self->hover);
  for (guint i = 0; i < LAB_CHART_N_CACHED_SLOTS; i++)
    stats->slot_draws[i] = self->cache.n_drawn[i];
}

/* Mapping */

void
lab_chart_get_plot_area (LabChart          *self,
                         int                width,
                         int                height,
                         cairo_rectangle_t *area)
{
  g_return_if_fail (LAB_IS_CHART (self));
  g_return_if_fail (area != NULL);

  lab_chart_ensure_layout (self, width);
  lab_chart_layout_get_plot_area (self->layout, height, area);
}

double
lab_chart_value_to_pixel_x (LabChart *self,
                            double    x_value,
                            int       width)
{
  double left, plot_width;

  g_return_val_if_fail (LAB_IS_CHART (self), NAN);

  lab_chart_model_ensure_ranges (&self->model);
  lab_chart_plot_columns (width, &left, &plot_width);
  return left + lab_axis_normalize (self->model.x_axis, x_value) * plot_width;
}

double
lab_chart_value_to_pixel_y (LabChart *self,
                            double    value,
                            int       width,
                            int       height)
{
  cairo_rectangle_t area;

  g_return_val_if_fail (LAB_IS_CHART (self), NAN);

  lab_chart_get_plot_area (self, width, height, &area);
  return area.y + (1 - lab_axis_normalize (self->model.y_axis, value)) * area.height;
}

double
lab_chart_pixel_to_value_x (LabChart *self,
                            double    pixel_x,
                            int       width)
{
  double left, plot_width;

  g_return_val_if_fail (LAB_IS_CHART (self), NAN);

  lab_chart_model_ensure_ranges (&self->model);
  lab_chart_plot_columns (width, &left, &plot_width);
  return lab_axis_denormalize (self->model.x_axis, (pixel_x - left) / plot_width);
}

void
lab_chart_get_x_range (LabChart *self,
                       double   *min,
                       double   *max)
{
  g_return_if_fail (LAB_IS_CHART (self));

  lab_chart_model_ensure_ranges (&self->model);
  lab_axis_get_range (self->model.x_axis, min, max);
}

void
lab_chart_get_y_range (LabChart *self,
                       double   *min,
                       double   *max)
{
  g_return_if_fail (LAB_IS_CHART (self));

  lab_chart_model_ensure_ranges (&self->model);
  lab_axis_get_range (self->model.y_axis, min, max);
}

char *
lab_chart_describe_at (LabChart *self,
                       double    x_value)
{
  g_return_val_if_fail (LAB_IS_CHART (self), NULL);

  return lab_chart_hover_describe (&self->model, x_value);
}

/* Pointer */

static void
set_hover_x (LabChart *self,
             double    x_value)
{
  if (lab_chart_hover_set_x (self->hover, &self->model, x_value))
    lab_chart_changed (self, LAB_CHART_CHANGE_HOVER);
}

void
lab_chart_set_hover (LabChart *self,
                     double    x_value)
{
  g_return_if_fail (LAB_IS_CHART (self));

  set_hover_x (self, x_value);
}

/* The layout is the one measured for the last frame: motion measures nothing. */
void
lab_chart_pointer_moved (LabChart *self,
                         double    x,
                         double    y)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  cairo_rectangle_t area;

  g_return_if_fail (LAB_IS_CHART (self));

  lab_chart_get_plot_area (self, width, height, &area);
  if (x >= area.x && x <= area.x + area.width && y >= area.y && y <= area.y + area.height)
    set_hover_x (self, lab_chart_pixel_to_value_x (self, x, width));
  else
    set_hover_x (self, NAN);
}

static void
on_motion (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           LabChart                 *self)
{
  lab_chart_pointer_moved (self, x, y);
}

static void
on_leave (GtkEventControllerMotion *controller,
          LabChart                 *self)
{
  set_hover_x (self, NAN);
}

/* GtkWidget */

static void
lab_chart_snapshot (GtkWidget   *widget,
                    GtkSnapshot *snapshot)
{
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  if (width > 0 && height > 0)
    lab_chart_snapshot_layers (LAB_CHART (widget), snapshot, width, height);
}

static void
lab_chart_measure (GtkWidget      *widget,
                   GtkOrientation  orientation,
                   int             for_size,
                   int            *minimum,
                   int            *natural,
                   int            *minimum_baseline,
                   int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 240;
      *natural = 640;
    }
  else
    {
      /* A chart given a height (the learning-rate chart under loss and accuracy) wants
       * no more: otherwise the box shares the window's height out by natural sizes and
       * the small third chart grows as tall as the two it explains. */
      int requested;

      gtk_widget_get_size_request (widget, NULL, &requested);
      *minimum = requested > 0 ? requested : 180;
      *natural = requested > 0 ? requested : 400;
    }
}

static void
lab_chart_dispose (GObject *object)
{
  LabChart *self = (LabChart *) object;

  lab_chart_cache_drop (&self->cache, LAB_CHART_CACHED_SLOTS);
  g_clear_handle_id (&self->data_redraw_source, g_source_remove);

  G_OBJECT_CLASS (lab_chart_parent_class)->dispose (object);
}

static void
lab_chart_finalize (GObject *object)
{
  LabChart *self = (LabChart *) object;

  lab_chart_model_clear (&self->model);
  g_clear_pointer (&self->layout, lab_chart_layout_free);
  g_clear_pointer (&self->hover, lab_chart_hover_free);

  G_OBJECT_CLASS (lab_chart_parent_class)->finalize (object);
}

static void
lab_chart_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  LabChart *self = LAB_CHART (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, self->model.title);
      break;
    case PROP_X_LABEL:
      g_value_set_string (value, self->model.x_label);
      break;
    case PROP_Y_LABEL:
      g_value_set_string (value, self->model.y_label);
      break;
    case PROP_SMOOTHING:
      g_value_set_double (value, self->model.smoothing);
      break;
    case PROP_LOG_X:
      g_value_set_boolean (value, self->model.log_x);
      break;
    case PROP_LOG_Y:
      g_value_set_boolean (value, self->model.log_y);
      break;
    case PROP_X_MODE:
      g_value_set_enum (value, self->model.x_mode);
      break;
    case PROP_SHOW_BATCHES:
      g_value_set_boolean (value, self->model.show_batches);
      break;
    case PROP_BAND_LABEL:
      g_value_set_string (value, self->model.band_label);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lab_chart_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  LabChart *self = LAB_CHART (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      lab_chart_set_title (self, g_value_get_string (value));
      break;
    case PROP_X_LABEL:
      lab_chart_set_x_label (self, g_value_get_string (value));
      break;
    case PROP_Y_LABEL:
      lab_chart_set_y_label (self, g_value_get_string (value));
      break;
    case PROP_SMOOTHING:
      lab_chart_set_smoothing (self, g_value_get_double (value));
      break;
    case PROP_LOG_X:
      lab_chart_set_log_x (self, g_value_get_boolean (value));
      break;
    case PROP_LOG_Y:
      lab_chart_set_log_y (self, g_value_get_boolean (value));
      break;
    case PROP_X_MODE:
      lab_chart_set_x_mode (self, g_value_get_enum (value));
      break;
    case PROP_SHOW_BATCHES:
      lab_chart_set_show_batches (self, g_value_get_boolean (value));
      break;
    case PROP_BAND_LABEL:
      lab_chart_set_band_label (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static GParamSpec *
string_property (const char *name)
{
  return g_param_spec_string (name, NULL, NULL, NULL,
                              G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static GParamSpec *
boolean_property (const char *name)
{
  return g_param_spec_boolean (name, NULL, NULL, FALSE,
                               G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
}

static void
lab_chart_class_init (LabChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lab_chart_dispose;
  object_class->finalize = lab_chart_finalize;
  object_class->get_property = lab_chart_get_property;
  object_class->set_property = lab_chart_set_property;

  widget_class->snapshot = lab_chart_snapshot;
  widget_class->measure = lab_chart_measure;

  properties[PROP_TITLE] = string_property ("title");
  properties[PROP_X_LABEL] = string_property ("x-label");
  properties[PROP_Y_LABEL] = string_property ("y-label");
  properties[PROP_SMOOTHING] =
    g_param_spec_double ("smoothing", NULL, NULL, 0, 0.99, 0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOG_X] = boolean_property ("log-x");
  properties[PROP_LOG_Y] = boolean_property ("log-y");
  properties[PROP_X_MODE] =
    g_param_spec_enum ("x-mode", NULL, NULL, LAB_TYPE_CHART_X_MODE, LAB_CHART_X_EPOCH,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOW_BATCHES] = boolean_property ("show-batches");
  properties[PROP_BAND_LABEL] = string_property ("band-label");
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "labchart");
  /* A screen reader announces the chart as a picture named by its title. */
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
lab_chart_init (LabChart *self)
{
  GtkEventController *motion;

  lab_chart_model_init (&self->model);
  self->layout = lab_chart_layout_new ();
  self->hover = lab_chart_hover_new ();

  motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
}

GtkWidget *
lab_chart_new (void)
{
  return g_object_new (LAB_TYPE_CHART, NULL);
}

/* Options */

/* The texts only move the layout (and the plot area under the legend); TRUE if changed. */
static gboolean
set_text (LabChart    *self,
          char       **field,
          const char  *value,
          guint        prop_id)
{
  g_assert (LAB_IS_CHART (self));
  g_assert (prop_id < N_PROPS);

  if (!lab_chart_set_str (field, value))
    return FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
  lab_chart_changed (self, LAB_CHART_CHANGE_LAYOUT);
  return TRUE;
}

/* The boolean options all change what is plotted, so they recompute the ranges. */
static void
set_data_flag (LabChart *self,
               gboolean *flag,
               gboolean  value,
               guint     prop_id)
{
  g_assert (LAB_IS_CHART (self));
  g_assert (prop_id < N_PROPS);

  if (*flag == !!value)
    return;
  *flag = !!value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
  lab_chart_changed (self, LAB_CHART_CHANGE_RANGES | LAB_CHART_CHANGE_STYLE);
}

void
lab_chart_set_title (LabChart   *self,
                     const char *title)
{
  g_return_if_fail (LAB_IS_CHART (self));

  if (set_text (self, &self->model.title, title, PROP_TITLE))
    gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                    title != NULL ? title : "", -1);
}

const char *
lab_chart_get_title (LabChart *self)
{
  g_return_val_if_fail (LAB_IS_CHART (self), NULL);
  return self->model.title;
}

void
lab_chart_set_x_label (LabChart   *self,
                       const char *x_label)
{
  g_return_if_fail (LAB_IS_CHART (self));

  set_text (self, &self->model.x_label, x_label, PROP_X_LABEL);
}

const char *
lab_chart_get_x_label (LabChart *self)
{
  g_return_val_if_fail (LAB_IS_CHART (self), NULL);
  return self->model.x_label;
}

void
lab_chart_set_y_label (LabChart   *self,
                       const char *y_label)
{
  g_return_if_fail (LAB_IS_CHART (self));

  set_text (self, &self->model.y_label, y_label, PROP_Y_LABEL);
}

const char *
lab_chart_get_y_label (LabChart *self)
{
  g_return_val_if_fail (LAB_IS_CHART (self), NULL);
  return self->model.y_label;
}

void
lab_chart_set_band_label (LabChart   *self,
                          const char *band_label)
{
  g_return_if_fail (LAB_IS_CHART (self));

  set_text (self, &self->model.band_label, band_label, PROP_BAND_LABEL);
}

const char *
lab_chart_get_band_label (LabChart *self)
{
  g_return_val_if_fail (LAB_IS_CHART (self), NULL);
  return self->model.band_label;
}

void
lab_chart_set_smoothing (LabChart *self,
                         double    smoothing)
{
  g_return_if_fail (LAB_IS_CHART (self));

  smoothing = isfinite (smoothing) ? CLAMP (smoothing, 0, 0.99) : 0;
  if (smoothing == self->model.smoothing)
    return;
  self->model.smoothing = smoothing;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SMOOTHING]);
  lab_chart_changed (self, LAB_CHART_CHANGE_RANGES | LAB_CHART_CHANGE_STYLE);
}

double
lab_chart_get_smoothing (LabChart *self)
{
  g_return_val_if_fail (LAB_IS_CHART (self), 0);
  return self->model.smoothing;
}

void
lab_chart_set_log_x (LabChart *self,
                     gboolean  log_x)
{
  g_return_if_fail (LAB_IS_CHART (self));

  set_data_flag (self, &self->model.log_x, log_x, PROP_LOG_X);
}

gboolean
lab_chart_get_log_x (LabChart *self)
{
  g_return_val_if_fail (LAB_IS_CHART (self), FALSE);
  return self->model.log_x;
}

void
lab_chart_set_log_y (LabChart *self,
                     gboolean  log_y)
{
  g_return_if_fail (LAB_IS_CHART (self));

  set_data_flag (self, &self->model.log_y, log_y, PROP_LOG_Y);
}

gboolean
lab_chart_get_log_y (LabChart *self)
{
  g_return_val_if_fail (LAB_IS_CHART (self), FALSE);
  return self->model.log_y;
}

void
lab_chart_set_x_mode (LabChart      *self,
                      LabChartXMode  x_mode)
{
  g_return_if_fail (LAB_IS_CHART (self));
  g_return_if_fail (x_mode == LAB_CHART_X_EPOCH || x_mode == LAB_CHART_X_TIME);

  if (self->model.x_mode == x_mode)
    return;
  self->model.x_mode = x_mode;
  lab_chart_hover_set_x (self->hover, &self->model, NAN);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_X_MODE]);
  lab_chart_changed (self, LAB_CHART_CHANGE_RANGES | LAB_CHART_CHANGE_STYLE | LAB_CHART_CHANGE_LAYOUT);
}

LabChartXMode
lab_chart_get_x_mode (LabChart *self)
{
  g_return_val_if_fail (LAB_IS_CHART (self), LAB_CHART_X_EPOCH);
  return self->model.x_mode;
}

void
lab_chart_set_show_batches (LabChart *self,
                            gboolean  show_batches)
{
  g_return_if_fail (LAB_IS_CHART (self));

  set_data_flag (self, &self->model.show_batches, show_batches, PROP_SHOW_BATCHES);
}

gboolean
lab_chart_get_show_batches (LabChart *self)
{
  g_return_val_if_fail (LAB_IS_CHART (self), FALSE);
  return self->model.show_batches;
}

void
lab_chart_set_legend_visible (LabChart *self,
                              gboolean  visible)
{
  g_return_if_fail (LAB_IS_CHART (self));

  if (self->model.hide_legend == !visible)
    return;
  self->model.hide_legend = !visible;
  lab_chart_changed (self, LAB_CHART_CHANGE_LAYOUT | LAB_CHART_CHANGE_STYLE);
}

void
lab_chart_set_y_limits (LabChart *self,
                        double    min,
                        double    max)
{
  g_return_if_fail (LAB_IS_CHART (self));

  self->model.y_limit_min = min;
  self->model.y_limit_max = max;
  lab_chart_changed (self, LAB_CHART_CHANGE_RANGES | LAB_CHART_CHANGE_STYLE);
}
