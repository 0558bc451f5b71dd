/* LabRun: the main-loop side of a TrainRun. The worker's notify (at most one pending) lands
 * here; the run copies what is new (epochs and batches from where it stopped, progress)
 * and emits "updated" once, so every view redraws from the same snapshot. A notify costs
 * what arrived since the last one, whatever the length of the run. */
#include "config.h"

#include <glib/gi18n.h>

#include "lab-run.h"

struct _LabRun
{
  GObject        parent_instance;

  TrainRun      *train_run;
  GdkRGBA        color;
  char          *name;
  char          *label;
  gboolean       shown;
  TrainProgress  progress;
  GArray        *epochs;         /* of TrainEpoch */
  GArray        *batches;        /* of TrainBatchPoint */
  guint          chart_ids[LAB_RUN_MAX_CHARTS];
  guint          group;          /* 0: none */
  char          *group_label;
};

enum {
  PROP_0,
  PROP_NAME,
  PROP_LABEL,
  PROP_SHOWN,
  PROP_STATUS_TEXT,
  N_PROPS
};

enum {
  UPDATED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (LabRun, lab_run, G_TYPE_OBJECT)

void
lab_run_refresh (LabRun *self)
{
  TrainStatus old_status;
  g_autoptr(GArray) epochs = NULL;
  g_autoptr(GArray) batches = NULL;

  g_return_if_fail (LAB_IS_RUN (self));

  /* Only what is new: a run's record only grows, and a 2000-epoch run of 50 batches an
   * epoch would otherwise copy its whole history at every notify. */
  old_status = self->progress.status;
  self->progress = train_run_get_progress (self->train_run);
  epochs = train_run_dup_epochs_from (self->train_run, self->epochs->len);
  if (epochs != NULL && epochs->len > 0)
    g_array_append_vals (self->epochs, epochs->data, epochs->len);
  batches = train_run_dup_batches (self->train_run, self->batches->len);
  if (batches != NULL && batches->len > 0)
    g_array_append_vals (self->batches, batches->data, batches->len);

  if (old_status != self->progress.status)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS_TEXT]);
  g_signal_emit (self, signals[UPDATED], 0);
}

static void
on_train_run_notify (TrainRun *train_run,
                     gpointer  user_data)
{
  LabRun *self = user_data;

  g_assert (LAB_IS_RUN (self));

  lab_run_refresh (self);
}

LabRun *
lab_run_new (TrainRun      *train_run,
             const GdkRGBA *color)
{
  LabRun *self;

  g_return_val_if_fail (train_run != NULL, NULL);
  g_return_val_if_fail (color != NULL, NULL);

  self = g_object_new (LAB_TYPE_RUN, NULL);
  self->train_run = train_run_ref (train_run);
  self->color = *color;
  self->name = train_run_dup_name (train_run);
  /* The notify holds a weak pointer's worth: the run outlives its listener only until
   * dispose removes it. */
  train_run_set_notify (train_run, NULL, on_train_run_notify, self, NULL);
  self->progress = train_run_get_progress (train_run);
  return self;
}

TrainRun *
lab_run_get_train_run (LabRun *self)
{
  g_return_val_if_fail (LAB_IS_RUN (self), NULL);

  return self->train_run;
}

const GdkRGBA *
lab_run_get_color (LabRun *self)
{
  g_return_val_if_fail (LAB_IS_RUN (self), NULL);

  return &self->color;
}

static void
draw_swatch (GtkDrawingArea *area,
             cairo_t        *cr,
             int             width,
             int             height,
             gpointer        user_data)
{
  LabRun *self = user_data;

  g_assert (LAB_IS_RUN (self));

  gdk_cairo_set_source_rgba (cr, &self->color);
  cairo_arc (cr, width / 2.0, height / 2.0, MIN (width, height) / 2.0, 0, 2 * G_PI);
  cairo_fill (cr);
}

void
lab_run_show_swatch (LabRun         *self,
                     GtkDrawingArea *area)
{
  g_return_if_fail (self == NULL || LAB_IS_RUN (self));
  g_return_if_fail (GTK_IS_DRAWING_AREA (area));

  /* The area keeps the run it shows: its draw func never sees a run that went away. */
  if (self != NULL)
    gtk_drawing_area_set_draw_func (area, draw_swatch, g_object_ref (self), g_object_unref);
  else
    gtk_drawing_area_set_draw_func (area, NULL, NULL, NULL);
}

const char *
lab_run_get_name (LabRun *self)
{
  g_return_val_if_fail (LAB_IS_RUN (self), NULL);

  return self->name;
}

void
lab_run_set_name (LabRun     *self,
                  const char *name)
{
  g_return_if_fail (LAB_IS_RUN (self));

  if (name == NULL || name[0] == '\0' || g_strcmp0 (name, self->name) == 0)
    return;
  g_free (self->name);
  self->name = g_strdup (name);
  train_run_set_name (self->train_run, name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}

const char *
lab_run_get_label (LabRun *self)
{
  g_return_val_if_fail (LAB_IS_RUN (self), NULL);

  return self->label ? self->label : "";
}

void
lab_run_set_label (LabRun     *self,
                   const char *label)
{
  g_return_if_fail (LAB_IS_RUN (self));

  if (g_strcmp0 (label, self->label) == 0)
    return;
  g_free (self->label);
  self->label = g_strdup (label);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LABEL]);
}

gboolean
lab_run_get_shown (LabRun *self)
{
  g_return_val_if_fail (LAB_IS_RUN (self), FALSE);

  return self->shown;
}

void
lab_run_set_shown (LabRun   *self,
                   gboolean  shown)
{
  g_return_if_fail (LAB_IS_RUN (self));

  shown = !!shown;
  if (shown == self->shown)
    return;
  self->shown = shown;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOWN]);
}

TrainProgress
lab_run_get_progress (LabRun *self)
{
  TrainProgress none = { 0 };

  g_return_val_if_fail (LAB_IS_RUN (self), none);

  return self->progress;
}

const TrainEpoch *
lab_run_get_epochs (LabRun *self,
                    guint  *n_epochs)
{
  g_return_val_if_fail (LAB_IS_RUN (self), NULL);

  if (n_epochs)
    *n_epochs = self->epochs->len;
  return (const TrainEpoch *) self->epochs->data;
}

const TrainBatchPoint *
lab_run_get_batches (LabRun *self,
                     guint  *n_batches)
{
  g_return_val_if_fail (LAB_IS_RUN (self), NULL);

  if (n_batches)
    *n_batches = self->batches->len;
  return (const TrainBatchPoint *) self->batches->data;
}

const char *
lab_run_get_status_text (LabRun *self)
{
  g_return_val_if_fail (LAB_IS_RUN (self), NULL);

  switch (self->progress.status)
    {
    case TRAIN_STATUS_READY: return _("ready");
    case TRAIN_STATUS_LOADING: return _("loading");
    case TRAIN_STATUS_RUNNING: return _("running");
    case TRAIN_STATUS_PAUSED: return _("paused");
    case TRAIN_STATUS_FINISHED: return _("finished");
    case TRAIN_STATUS_STOPPED: return _("stopped");
    case TRAIN_STATUS_EARLY_STOPPED: return _("early-stopped");
    case TRAIN_STATUS_DIVERGED: return _("diverged");
    case TRAIN_STATUS_FAILED: return _("failed");
    default: return "";
    }
}

guint
lab_run_get_group (LabRun *self)
{
  g_return_val_if_fail (LAB_IS_RUN (self), 0);

  return self->group;
}

const char *
lab_run_get_group_label (LabRun *self)
{
  g_return_val_if_fail (LAB_IS_RUN (self), NULL);

  return self->group_label;
}

void
lab_run_set_group (LabRun     *self,
                   guint       group,
                   const char *label)
{
  g_return_if_fail (LAB_IS_RUN (self));

  self->group = group;
  g_free (self->group_label);
  self->group_label = g_strdup (label);
}

guint
lab_run_get_chart_id (LabRun *self,
                      guint   chart)
{
  g_return_val_if_fail (LAB_IS_RUN (self), 0);
  g_return_val_if_fail (chart < LAB_RUN_MAX_CHARTS, 0);

  return self->chart_ids[chart];
}

void
lab_run_set_chart_id (LabRun *self,
                      guint   chart,
                      guint   id)
{
  g_return_if_fail (LAB_IS_RUN (self));
  g_return_if_fail (chart < LAB_RUN_MAX_CHARTS);

  self->chart_ids[chart] = id;
}

static void
lab_run_dispose (GObject *object)
{
  LabRun *self = (LabRun *) object;

  /* No news may reach a disposed run. */
  if (self->train_run)
    train_run_set_notify (self->train_run, NULL, NULL, NULL, NULL);
  g_clear_pointer (&self->train_run, train_run_unref);

  G_OBJECT_CLASS (lab_run_parent_class)->dispose (object);
}

static void
lab_run_finalize (GObject *object)
{
  LabRun *self = (LabRun *) object;

  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->label, g_free);
  g_clear_pointer (&self->group_label, g_free);
  g_clear_pointer (&self->epochs, g_array_unref);
  g_clear_pointer (&self->batches, g_array_unref);

  G_OBJECT_CLASS (lab_run_parent_class)->finalize (object);
}

static void
lab_run_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  LabRun *self = LAB_RUN (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;

    case PROP_LABEL:
      g_value_set_string (value, lab_run_get_label (self));
      break;

    case PROP_SHOWN:
      g_value_set_boolean (value, self->shown);
      break;

    case PROP_STATUS_TEXT:
      g_value_set_string (value, lab_run_get_status_text (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lab_run_set_property (GObject      *object,
                      guint         prop_id,
                      const GValue *value,
                      GParamSpec   *pspec)
{
  LabRun *self = LAB_RUN (object);

  switch (prop_id)
    {
    case PROP_NAME:
      lab_run_set_name (self, g_value_get_string (value));
      break;

    case PROP_LABEL:
      lab_run_set_label (self, g_value_get_string (value));
      break;

    case PROP_SHOWN:
      lab_run_set_shown (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lab_run_class_init (LabRunClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = lab_run_dispose;
  object_class->finalize = lab_run_finalize;
  object_class->get_property = lab_run_get_property;
  object_class->set_property = lab_run_set_property;

  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_LABEL] =
    g_param_spec_string ("label", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_SHOWN] =
    g_param_spec_boolean ("shown", NULL, NULL, TRUE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_STATUS_TEXT] =
    g_param_spec_string ("status-text", NULL, NULL, NULL,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* New epochs, batches or progress: one emission per notify from the worker. */
  signals[UPDATED] = g_signal_new ("updated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
lab_run_init (LabRun *self)
{
  self->shown = TRUE;
  self->epochs = g_array_new (FALSE, FALSE, sizeof (TrainEpoch));
  self->batches = g_array_new (FALSE, FALSE, sizeof (TrainBatchPoint));
}
