/* LabSchedulePreview: the rate of every batch of a run, drawn on a log axis (LabAxis does
 * the mapping and the round range) in the accent colour, before the run starts. */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "lab-axis.h"
#include "lab-text.h"
#include "lab-schedule-preview.h"
#include "train_format.h"

/* A preview of more batches than this is thinned: a line of 3000 px is plenty. */
#define MAX_DRAWN 3000

struct _LabSchedulePreview
{
  GtkWidget     parent_instance;

  TrainSchedule schedule;
  double        lr;
  int           epochs;
  GArray       *rates;     /* double, one per batch; empty when the schedule is invalid */
  LabAxis      *axis;
};

G_DEFINE_FINAL_TYPE (LabSchedulePreview, lab_schedule_preview, GTK_TYPE_WIDGET)

void
lab_schedule_preview_set (LabSchedulePreview  *self,
                          const TrainSchedule *schedule,
                          double               lr,
                          int                  epochs,
                          int                  batches_per_epoch)
{
  g_return_if_fail (LAB_IS_SCHEDULE_PREVIEW (self));
  g_return_if_fail (schedule != NULL);

  self->schedule = *schedule;
  self->lr = lr;
  self->epochs = MAX (epochs, 1);
  batches_per_epoch = MAX (batches_per_epoch, 1);
  /* Thin the batches of a long run; the shape is per epoch at worst. */
  while ((gint64) self->epochs * batches_per_epoch > MAX_DRAWN && batches_per_epoch > 1)
    batches_per_epoch = (batches_per_epoch + 1) / 2;
  g_array_set_size (self->rates, 0);
  if (lr > 0 && train_schedule_validate (schedule, lr, NULL) && (gint64) self->epochs * batches_per_epoch <= 10 * MAX_DRAWN)
    {
      g_array_set_size (self->rates, (guint) (self->epochs * batches_per_epoch));
      train_schedule_preview (schedule, lr, self->epochs, batches_per_epoch, (double *) (gpointer) self->rates->data);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const double *
lab_schedule_preview_get_rates (LabSchedulePreview *self,
                                guint              *n_rates)
{
  g_return_val_if_fail (LAB_IS_SCHEDULE_PREVIEW (self), NULL);

  if (n_rates)
    *n_rates = self->rates->len;
  return (const double *) (gpointer) self->rates->data;
}

static void
show_text (GtkWidget  *widget,
           cairo_t    *cr,
           const char *text,
           double      x,
           double      y,
           double      xalign)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, text);

  lab_text_show (cr, layout, x, y, xalign, 0.5);
  g_object_unref (layout);
}

static void
lab_schedule_preview_snapshot (GtkWidget   *widget,
                               GtkSnapshot *snapshot)
{
  LabSchedulePreview *self = LAB_SCHEDULE_PREVIEW (widget);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  const double *r = (const double *) (gpointer) self->rates->data;
  const guint n = self->rates->len;
  GdkRGBA ink, accent = { 0.21, 0.52, 0.89, 1 };
  double lo = INFINITY, hi = -INFINITY;
  const double left = 52, right = 8, top = 8, bottom = 18;
  cairo_t *cr;

  if (width <= left + right || height <= top + bottom)
    return;
  /* gtk_widget_get_color() is GTK 4.10; in 4.8 the style context is the way. */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &ink);
  G_GNUC_END_IGNORE_DEPRECATIONS
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));

  /* The frame, faint. */
  cairo_set_source_rgba (cr, ink.red, ink.green, ink.blue, 0.15);
  cairo_rectangle (cr, left + 0.5, top + 0.5, width - left - right - 1, height - top - bottom - 1);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);

  for (guint i = 0; i < n; i++)
    if (r[i] > 0)
      {
        lo = MIN (lo, r[i]);
        hi = MAX (hi, r[i]);
      }
  if (n > 0 && isfinite (lo))
    {
      LabAxisMap map;
      const double plot_w = width - left - right, plot_h = height - top - bottom;
      g_autofree char *top_text = train_format_lr (hi);
      g_autofree char *low_text = train_format_lr (lo);

      lab_axis_fit (self->axis, lo, hi);
      lab_axis_get_map (self->axis, &map);
      cairo_save (cr);
      cairo_rectangle (cr, left, top, plot_w, plot_h);
      cairo_clip (cr);
      gdk_cairo_set_source_rgba (cr, &accent);
      cairo_set_line_width (cr, 2);
      for (guint i = 0; i < n; i++)
        {
          double x = left + plot_w * (i + 0.5) / n;
          double y = top + plot_h * (1 - lab_axis_map_normalize (&map, MAX (r[i], lo)));
          if (i == 0)
            cairo_move_to (cr, x, y);
          else
            cairo_line_to (cr, x, y);
        }
      cairo_stroke (cr);
      cairo_restore (cr);

      cairo_set_source_rgba (cr, ink.red, ink.green, ink.blue, 0.7);
      show_text (widget, cr, top_text, left - 4, top + plot_h * (1 - lab_axis_map_normalize (&map, hi)), 1);
      if (lo < hi)
        show_text (widget, cr, low_text, left - 4, top + plot_h * (1 - lab_axis_map_normalize (&map, lo)), 1);
      {
        g_autofree char *end = g_strdup_printf (_("epoch %d"), self->epochs);
        show_text (widget, cr, _("epoch 1"), left, height - bottom / 2.0, 0);
        show_text (widget, cr, end, width - right, height - bottom / 2.0, 1);
      }
      if (self->schedule.kind == TRAIN_SCHEDULE_PLATEAU)
        show_text (widget, cr, _("drops when the validation loss stalls"), left + plot_w / 2, top + plot_h / 3, 0.5);
    }
  cairo_destroy (cr);
}

static void
lab_schedule_preview_finalize (GObject *object)
{
  LabSchedulePreview *self = (LabSchedulePreview *) object;

  g_clear_pointer (&self->rates, g_array_unref);
  g_clear_object (&self->axis);

  G_OBJECT_CLASS (lab_schedule_preview_parent_class)->finalize (object);
}

static void
lab_schedule_preview_class_init (LabSchedulePreviewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = lab_schedule_preview_finalize;
  widget_class->snapshot = lab_schedule_preview_snapshot;
  gtk_widget_class_set_css_name (widget_class, "schedulepreview");
}

static void
lab_schedule_preview_init (LabSchedulePreview *self)
{
  self->rates = g_array_new (FALSE, FALSE, sizeof (double));
  self->axis = lab_axis_new ();
  lab_axis_set_log (self->axis, TRUE);
  train_schedule_init (&self->schedule);
}

GtkWidget *
lab_schedule_preview_new (void)
{
  return g_object_new (LAB_TYPE_SCHEDULE_PREVIEW, NULL);
}
