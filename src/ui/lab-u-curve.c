/* LabUCurve: a sweep's losses and accuracy against the rate. The axes are LabAxis (the
 * chart's own arithmetic: a log x over the rates, round linear y ranges and their ticks);
 * one function places every point, so drawing and picking under the pointer agree. */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "lab-axis.h"
#include "lab-text.h"
#include "lab-u-curve.h"
#include "train_format.h"

/* Room around each plot: tick labels left, the hover line, title and key above, the rate
 * labels and the axis' name below. */
#define PAD_LEFT   40
#define PAD_RIGHT  10
#define PAD_TOP    60
#define PAD_BOTTOM 34
#define GAP        18
#define PICK_RADIUS 9

enum {
  HOVER_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

struct _LabUCurve
{
  GtkWidget  parent_instance;

  GArray    *points;    /* LabUCurvePoint, sorted by rate */
  int        hover;
  LabAxis   *x_axis;
  LabAxis   *loss_axis;
  LabAxis   *accuracy_axis;
};

G_DEFINE_FINAL_TYPE (LabUCurve, lab_u_curve, GTK_TYPE_WIDGET)

/* The two plots. */
typedef enum { PLOT_LOSS, PLOT_ACCURACY, N_PLOTS } Plot;

typedef struct {
  double x, y, w, h;
} Box;

static Box
plot_box (int  width,
          int  height,
          Plot plot)
{
  double w = (width - 2 * PAD_LEFT - 2 * PAD_RIGHT - GAP) / 2.0;

  return (Box) { PAD_LEFT + plot * (w + PAD_RIGHT + GAP + PAD_LEFT), PAD_TOP, MAX (w, 1),
                 MAX (height - PAD_TOP - PAD_BOTTOM, 1) };
}

int
lab_u_curve_point_compare (gconstpointer a,
                           gconstpointer b)
{
  double x = ((const LabUCurvePoint *) a)->lr, y = ((const LabUCurvePoint *) b)->lr;
  return (x > y) - (x < y);
}

/* Fits the axes to the points: every rate, and every value with its bar. */
static void
fit_axes (LabUCurve *self)
{
  double x_lo = INFINITY, x_hi = -INFINITY, y_lo = 0, y_hi = 1;
  g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (double));

  for (guint i = 0; i < self->points->len; i++)
    {
      const LabUCurvePoint *p = &g_array_index (self->points, LabUCurvePoint, i);
      const double v[] = { p->best_val_loss + p->best_val_loss_std, p->final_loss + p->final_loss_std };

      x_lo = MIN (x_lo, p->lr);
      x_hi = MAX (x_hi, p->lr);
      g_array_append_vals (values, v, G_N_ELEMENTS (v));
    }
  /* Half a decade of room on either side, so the end points are not on the frame. */
  lab_axis_fit (self->x_axis, x_lo / 3, x_hi * 3);
  /* An exploded but finite loss (90 at 1e-1) would flatten the U to the floor: the chart's
   * own outlier fence leaves it out, and its point is pinned to the top edge. */
  lab_axis_robust_range ((const double *) (gpointer) values->data, values->len, NULL, 0, FALSE, &y_lo, &y_hi);
  lab_axis_set_limits (self->loss_axis, 0, NAN);
  lab_axis_fit (self->loss_axis, 0, y_hi);
  lab_axis_set_limits (self->accuracy_axis, 0, 1);
  lab_axis_fit (self->accuracy_axis, 0, 1);
}

/* Where value sits in plot; a diverged point (no value) sits at the top edge. */
static void
place (LabUCurve *self,
       Box        box,
       LabAxis   *axis,
       double     lr,
       double     value,
       double    *x,
       double    *y)
{
  *x = box.x + box.w * lab_axis_normalize (self->x_axis, lr);
  *y = isfinite (value) ? box.y + box.h * (1 - CLAMP (lab_axis_normalize (axis, value), 0, 1)) : box.y;
}

static gboolean
all_diverged (const LabUCurvePoint *p)
{
  return p->diverged > 0 && p->diverged >= p->seeds;
}

int
lab_u_curve_pick (LabUCurve *self,
                  double     px,
                  double     py,
                  int        width,
                  int        height)
{
  double best = PICK_RADIUS * PICK_RADIUS;
  int found = -1;

  g_return_val_if_fail (LAB_IS_U_CURVE (self), -1);

  fit_axes (self);
  for (guint i = 0; i < self->points->len; i++)
    {
      const LabUCurvePoint *p = &g_array_index (self->points, LabUCurvePoint, i);
      const struct { Plot plot; LabAxis *axis; double value; } marks[] = {
        { PLOT_LOSS, self->loss_axis, all_diverged (p) ? NAN : p->best_val_loss },
        { PLOT_LOSS, self->loss_axis, all_diverged (p) ? NAN : p->final_loss },
        { PLOT_ACCURACY, self->accuracy_axis, all_diverged (p) ? NAN : p->best_val_accuracy },
      };
      for (guint k = 0; k < G_N_ELEMENTS (marks); k++)
        {
          double x, y;
          place (self, plot_box (width, height, marks[k].plot), marks[k].axis, p->lr, marks[k].value, &x, &y);
          if ((x - px) * (x - px) + (y - py) * (y - py) < best)
            {
              best = (x - px) * (x - px) + (y - py) * (y - py);
              found = (int) i;
            }
        }
    }
  return found;
}

static void
text (cairo_t    *cr,
      const char *s,
      double      x,
      double      y,
      double      xalign,
      double      yalign,
      gboolean    bold)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoFontDescription *font = pango_font_description_from_string (bold ? "Sans Bold 9" : "Sans 8");

  pango_layout_set_font_description (layout, font);
  pango_layout_set_text (layout, s, -1);
  lab_text_show (cr, layout, x, y, xalign, yalign);
  pango_font_description_free (font);
  g_object_unref (layout);
}

static void
draw_frame (LabUCurve     *self,
            cairo_t       *cr,
            Box            box,
            LabAxis       *axis,
            const char    *title,
            const GdkRGBA *ink)
{
  g_autoptr(GArray) x_ticks = lab_axis_get_ticks (self->x_axis);
  g_autoptr(GArray) y_ticks = lab_axis_get_ticks (axis);

  cairo_set_line_width (cr, 1);
  for (guint i = 0; i < y_ticks->len; i++)
    {
      const LabAxisTick *t = &g_array_index (y_ticks, LabAxisTick, i);
      double y = round (box.y + box.h * (1 - lab_axis_normalize (axis, t->value))) + 0.5;

      cairo_set_source_rgba (cr, ink->red, ink->green, ink->blue, 0.08);
      cairo_move_to (cr, box.x, y);
      cairo_line_to (cr, box.x + box.w, y);
      cairo_stroke (cr);
      cairo_set_source_rgba (cr, ink->red, ink->green, ink->blue, 0.7);
      text (cr, t->label, box.x - 5, y, 1, 0.5, FALSE);
    }
  /* Decades a label apart at most every 36 px: every other one on a narrow plot. */
  int n_major = 0, every, k = 0;
  for (guint i = 0; i < x_ticks->len; i++)
    n_major += g_array_index (x_ticks, LabAxisTick, i).major;
  every = n_major > 0 && box.w / n_major < 36 ? 2 : 1;
  for (guint i = 0; i < x_ticks->len; i++)
    {
      const LabAxisTick *t = &g_array_index (x_ticks, LabAxisTick, i);
      double x = round (box.x + box.w * lab_axis_normalize (self->x_axis, t->value)) + 0.5;

      if (!t->major)
        continue;
      if (k++ % every != 0)
        continue;
      cairo_set_source_rgba (cr, ink->red, ink->green, ink->blue, 0.08);
      cairo_move_to (cr, x, box.y);
      cairo_line_to (cr, x, box.y + box.h);
      cairo_stroke (cr);
      {
        g_autofree char *label = train_format_lr (t->value);
        cairo_set_source_rgba (cr, ink->red, ink->green, ink->blue, 0.7);
        text (cr, label, x, box.y + box.h + 3, 0.5, 0, FALSE);
      }
    }
  cairo_set_source_rgba (cr, ink->red, ink->green, ink->blue, 0.35);
  cairo_rectangle (cr, box.x + 0.5, box.y + 0.5, box.w - 1, box.h - 1);
  cairo_stroke (cr);
  cairo_set_source_rgba (cr, ink->red, ink->green, ink->blue, 0.9);
  text (cr, title, box.x - PAD_LEFT + 4, 20, 0, 0, TRUE);
  cairo_set_source_rgba (cr, ink->red, ink->green, ink->blue, 0.6);
  text (cr, _("learning rate"), box.x + box.w / 2, box.y + box.h + 17, 0.5, 0, FALSE);
}

/* One value of every rate: a grey line through them in rate order, then the points (a
 * dot, or a ring), their bars, and a cross at the top for a rate whose runs diverged. */
static void
draw_series (LabUCurve     *self,
             cairo_t       *cr,
             Box            box,
             LabAxis       *axis,
             gsize          value_offset,
             gsize          std_offset,
             gboolean       ring,
             const GdkRGBA *ink)
{
  const guint n = self->points->len;
  gboolean pen_down = FALSE;

  cairo_save (cr);
  cairo_set_source_rgba (cr, ink->red, ink->green, ink->blue, 0.3);
  cairo_set_line_width (cr, 1.5);
  if (ring)
    {
      static const double dash[] = { 4, 3 };
      cairo_set_dash (cr, dash, 2, 0);
    }
  for (guint i = 0; i < n; i++)
    {
      const LabUCurvePoint *p = &g_array_index (self->points, LabUCurvePoint, i);
      double value = G_STRUCT_MEMBER (double, p, value_offset), x, y;

      if (all_diverged (p) || !isfinite (value))
        {
          pen_down = FALSE;
          continue;
        }
      place (self, box, axis, p->lr, value, &x, &y);
      if (pen_down)
        cairo_line_to (cr, x, y);
      else
        cairo_move_to (cr, x, y);
      pen_down = TRUE;
    }
  cairo_stroke (cr);
  cairo_restore (cr);

  for (guint i = 0; i < n; i++)
    {
      const LabUCurvePoint *p = &g_array_index (self->points, LabUCurvePoint, i);
      double value = G_STRUCT_MEMBER (double, p, value_offset);
      double std = G_STRUCT_MEMBER (double, p, std_offset);
      double r = (int) i == self->hover ? 7 : 5, x, y;

      place (self, box, axis, p->lr, all_diverged (p) ? NAN : value, &x, &y);
      gdk_cairo_set_source_rgba (cr, &p->color);
      if (all_diverged (p))
        {
          y += 9;
          cairo_set_line_width (cr, 3);
          cairo_move_to (cr, x - 6, y - 6);
          cairo_line_to (cr, x + 6, y + 6);
          cairo_move_to (cr, x + 6, y - 6);
          cairo_line_to (cr, x - 6, y + 6);
          cairo_stroke (cr);
          if (!ring)
            text (cr, _("diverged"), x, y + 9, 0.5, 0, FALSE);
          continue;
        }
      if (!isfinite (value))
        continue;
      if (p->seeds > 1 && std > 0)
        {
          double x0, y_lo, y_hi;
          place (self, box, axis, p->lr, value - std, &x0, &y_lo);
          place (self, box, axis, p->lr, value + std, &x0, &y_hi);
          cairo_set_line_width (cr, 2);
          cairo_move_to (cr, x, y_lo);
          cairo_line_to (cr, x, y_hi);
          cairo_move_to (cr, x - 4, y_lo);
          cairo_line_to (cr, x + 4, y_lo);
          cairo_move_to (cr, x - 4, y_hi);
          cairo_line_to (cr, x + 4, y_hi);
          cairo_stroke (cr);
        }
      cairo_new_sub_path (cr);
      cairo_arc (cr, x, y, r, 0, 2 * G_PI);
      if (ring)
        {
          cairo_set_line_width (cr, 2.5);
          cairo_stroke (cr);
        }
      else
        cairo_fill (cr);
      /* Some seeds diverged: a small cross above the point says so. */
      if (p->diverged > 0 && !ring)
        {
          cairo_set_line_width (cr, 2);
          cairo_move_to (cr, x - 3, y - r - 9);
          cairo_line_to (cr, x + 3, y - r - 3);
          cairo_move_to (cr, x + 3, y - r - 9);
          cairo_line_to (cr, x - 3, y - r - 3);
          cairo_stroke (cr);
        }
    }
}

/* The hovered rate's numbers, in a box at the plot's top right. */
static void
draw_hover (LabUCurve     *self,
            cairo_t       *cr,
            Box            box,
            const GdkRGBA *ink)
{
  const LabUCurvePoint *p;
  g_autofree char *lr = NULL;
  g_autofree char *line = NULL;

  if (self->hover < 0 || self->hover >= (int) self->points->len)
    return;
  p = &g_array_index (self->points, LabUCurvePoint, self->hover);
  lr = train_format_lr (p->lr);
  if (all_diverged (p))
    line = g_strdup_printf (_("lr %s: diverged"), lr);
  else if (p->seeds > 1)
    line = g_strdup_printf (_("lr %s, %d seeds: best val loss %.3f ± %.3f, accuracy %.3f ± %.3f"), lr, p->seeds,
                            p->best_val_loss, p->best_val_loss_std, p->best_val_accuracy, p->best_val_accuracy_std);
  else
    line = g_strdup_printf (_("lr %s: best val loss %.3f, final train loss %.3f, accuracy %.3f"), lr,
                            p->best_val_loss, p->final_loss, p->best_val_accuracy);
  gdk_cairo_set_source_rgba (cr, &p->color);
  text (cr, line, 4, 2, 0, 0, TRUE);
}

void
lab_u_curve_draw (LabUCurve *self,
                  cairo_t   *cr,
                  int        width,
                  int        height)
{
  GdkRGBA ink;
  Box loss = plot_box (width, height, PLOT_LOSS);
  Box accuracy = plot_box (width, height, PLOT_ACCURACY);

  g_return_if_fail (LAB_IS_U_CURVE (self));

  /* gtk_widget_get_color() is GTK 4.10; in 4.8 the style context is the way. */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), &ink);
  G_GNUC_END_IGNORE_DEPRECATIONS
  fit_axes (self);
  draw_frame (self, cr, loss, self->loss_axis, _("Sweep: loss by learning rate"), &ink);
  draw_frame (self, cr, accuracy, self->accuracy_axis, _("Best validation accuracy"), &ink);
  if (self->hover < 0)
    {
      cairo_set_source_rgba (cr, ink.red, ink.green, ink.blue, 0.6);
      text (cr, self->points->len ? _("Point at a rate to see its curves.") : _("The rates appear here as their runs end."),
            4, 2, 0, 0, FALSE);
    }
  if (self->points->len == 0)
    return;
  draw_series (self, cr, loss, self->loss_axis, G_STRUCT_OFFSET (LabUCurvePoint, final_loss),
               G_STRUCT_OFFSET (LabUCurvePoint, final_loss_std), TRUE, &ink);
  draw_series (self, cr, loss, self->loss_axis, G_STRUCT_OFFSET (LabUCurvePoint, best_val_loss),
               G_STRUCT_OFFSET (LabUCurvePoint, best_val_loss_std), FALSE, &ink);
  draw_series (self, cr, accuracy, self->accuracy_axis, G_STRUCT_OFFSET (LabUCurvePoint, best_val_accuracy),
               G_STRUCT_OFFSET (LabUCurvePoint, best_val_accuracy_std), FALSE, &ink);

  /* The key: which mark is which loss. */
  cairo_set_source_rgba (cr, ink.red, ink.green, ink.blue, 0.75);
  cairo_new_sub_path (cr);
  cairo_arc (cr, loss.x - PAD_LEFT + 8, loss.y - 9, 3.5, 0, 2 * G_PI);
  cairo_fill (cr);
  text (cr, _("best validation"), loss.x - PAD_LEFT + 15, loss.y - 9, 0, 0.5, FALSE);
  cairo_set_line_width (cr, 1.5);
  cairo_new_sub_path (cr);
  cairo_arc (cr, loss.x - PAD_LEFT + 110, loss.y - 9, 3.5, 0, 2 * G_PI);
  cairo_stroke (cr);
  text (cr, _("final training"), loss.x - PAD_LEFT + 117, loss.y - 9, 0, 0.5, FALSE);
  draw_hover (self, cr, accuracy, &ink);
}

static void
lab_u_curve_snapshot (GtkWidget   *widget,
                      GtkSnapshot *snapshot)
{
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));

  lab_u_curve_draw (LAB_U_CURVE (widget), cr, width, height);
  cairo_destroy (cr);
}

void
lab_u_curve_set_hover (LabUCurve *self,
                       int        index)
{
  g_return_if_fail (LAB_IS_U_CURVE (self));

  if (index >= (int) self->points->len)
    index = -1;
  if (index == self->hover)
    return;
  self->hover = index;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[HOVER_CHANGED], 0);
}

static void
on_motion (GtkEventControllerMotion *motion,
           double                    x,
           double                    y,
           LabUCurve                *self)
{
  GtkWidget *widget = GTK_WIDGET (self);

  lab_u_curve_set_hover (self, lab_u_curve_pick (self, x, y, gtk_widget_get_width (widget),
                                                 gtk_widget_get_height (widget)));
}

static void
on_leave (GtkEventControllerMotion *motion,
          LabUCurve                *self)
{
  lab_u_curve_set_hover (self, -1);
}

void
lab_u_curve_set_points (LabUCurve            *self,
                        const LabUCurvePoint *points,
                        guint                 n_points)
{
  g_return_if_fail (LAB_IS_U_CURVE (self));
  g_return_if_fail (points != NULL || n_points == 0);

  g_array_set_size (self->points, 0);
  g_array_append_vals (self->points, points, n_points);
  g_array_sort (self->points, lab_u_curve_point_compare);
  if (self->hover >= (int) n_points)
    lab_u_curve_set_hover (self, -1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
lab_u_curve_get_n_points (LabUCurve *self)
{
  g_return_val_if_fail (LAB_IS_U_CURVE (self), 0);
  return self->points->len;
}

int
lab_u_curve_get_hover (LabUCurve *self)
{
  g_return_val_if_fail (LAB_IS_U_CURVE (self), -1);
  return self->hover;
}

static void
lab_u_curve_finalize (GObject *object)
{
  LabUCurve *self = (LabUCurve *) object;

  g_clear_pointer (&self->points, g_array_unref);
  g_clear_object (&self->x_axis);
  g_clear_object (&self->loss_axis);
  g_clear_object (&self->accuracy_axis);

  G_OBJECT_CLASS (lab_u_curve_parent_class)->finalize (object);
}

static void
lab_u_curve_class_init (LabUCurveClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = lab_u_curve_finalize;
  widget_class->snapshot = lab_u_curve_snapshot;
  gtk_widget_class_set_css_name (widget_class, "ucurve");

  /* The hovered point changed (lab_u_curve_get_hover). */
  signals[HOVER_CHANGED] = g_signal_new ("hover-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
lab_u_curve_init (LabUCurve *self)
{
  GtkEventController *motion = gtk_event_controller_motion_new ();

  self->points = g_array_new (FALSE, FALSE, sizeof (LabUCurvePoint));
  self->hover = -1;
  self->x_axis = lab_axis_new ();
  lab_axis_set_log (self->x_axis, TRUE);
  self->loss_axis = lab_axis_new ();
  self->accuracy_axis = lab_axis_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
}

GtkWidget *
lab_u_curve_new (void)
{
  return g_object_new (LAB_TYPE_U_CURVE, NULL);
}
