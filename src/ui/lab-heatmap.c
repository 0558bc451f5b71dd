/* LabHeatmaps: the job copies its inputs (the set is immutable and shared by reference),
 * loads the model in its own thread and hands the maps back through GTask; the result of a
 * job that was dropped (reset, out of date) never reaches the kept maps. */
#include "config.h"

#include "lab-heatmap.h"
#include "train_predictor.h"

/* Images per Grad-CAM pass (and occluded copies per forward pass): the galleries ask for
 * up to a few hundred at a time. */
#define HEATMAP_BATCH 32
/* Pixels per occlusion job: four 64x64 chips. Occlusion makes the same number of patches
 * at any size (the patch is an eighth of the side), so a chip costs about its pixels'
 * worth of forward passes: ~0.5 s for a 64x64 chip on the small preset, ~6 s for a
 * 384x384 one on the paper network (225 passes of 28 ms; bench/gradcam_hits.c). Jobs of
 * a few seconds let the maps appear as they come instead of all after minutes. */
#define OCCLUSION_PIXELS_PER_JOB (4 * 64 * 64)

struct _LabHeatmaps
{
  GObject       parent_instance;

  GHashTable   *maps;          /* GINT_TO_POINTER (image + 1) -> float (h, w) */
  LabHeatmapMethod method;
  gboolean      target_true;
  int           best_epoch;
  int           model_epoch;
  GCancellable *job;           /* the job under way, or NULL */
  char         *error;
};

G_DEFINE_FINAL_TYPE (LabHeatmaps, lab_heatmaps, G_TYPE_OBJECT)

enum { CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

typedef struct
{
  char    *model_path;
  DataSet *set;
  int     *images, *classes;
  int      n;
  LabHeatmapMethod method;
  int      model_epoch;
} HeatmapJob;

static void
heatmap_job_free (gpointer data)
{
  HeatmapJob *job = data;

  g_free (job->model_path);
  data_set_unref (job->set);
  g_free (job->images);
  g_free (job->classes);
  g_free (job);
}

static void
compute_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  HeatmapJob *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TrainPredictor) predictor = train_predictor_new (job->model_path, HEATMAP_BATCH, &error);
  g_autofree const guint8 **pixels = NULL;
  float *maps;

  if (predictor == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (predictor->size != job->set->width || predictor->size != job->set->height)
    {
      g_autofree char *shown = g_filename_display_name (job->model_path);

      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               "%s takes %dx%d images, these are %dx%d", shown,
                               predictor->size, predictor->size, job->set->width, job->set->height);
      return;
    }
  pixels = g_new (const guint8 *, MAX (job->n, 1));
  for (int k = 0; k < job->n; k++)
    pixels[k] = data_set_image (job->set, job->images[k]);
  maps = g_new (float, (gsize) MAX (job->n, 1) * predictor->size * predictor->size);
  if (job->method == LAB_HEATMAP_OCCLUSION
      ? !train_predictor_occlusion (predictor, pixels, job->n, job->classes, 0, maps, NULL, cancellable, &error)
      : !train_predictor_gradcam (predictor, pixels, job->n, job->classes, maps, NULL, NULL, &error))
    {
      g_free (maps);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  job->model_epoch = predictor->info.epoch;
  g_task_return_pointer (task, maps, g_free);
}

static void
on_computed (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(LabHeatmaps) self = user_data;
  HeatmapJob *job = g_task_get_task_data (G_TASK (result));
  GCancellable *cancellable = g_task_get_cancellable (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autofree float *maps = g_task_propagate_pointer (G_TASK (result), &error);
  gsize side = (gsize) job->set->width * job->set->height;

  if (cancellable != self->job)
    return;   /* dropped: its maps are out of date */
  g_clear_object (&self->job);
  if (maps == NULL)
    self->error = g_strdup (error->message);
  for (int k = 0; maps && k < job->n; k++)
    g_hash_table_insert (self->maps, GINT_TO_POINTER (job->images[k] + 1),
                         g_memdup2 (maps + k * side, side * sizeof (float)));
  if (maps)
    self->model_epoch = job->model_epoch;
  g_signal_emit (self, signals[CHANGED], 0);
}

void
lab_heatmaps_reset (LabHeatmaps *self)
{
  g_return_if_fail (LAB_IS_HEATMAPS (self));

  g_cancellable_cancel (self->job);
  g_clear_object (&self->job);
  g_hash_table_remove_all (self->maps);
  g_clear_pointer (&self->error, g_free);
  self->model_epoch = self->best_epoch = -1;
}

void
lab_heatmaps_request (LabHeatmaps      *self,
                      const char       *model_path,
                      DataSet          *set,
                      const int        *images,
                      const int        *truths,
                      int               n,
                      LabHeatmapMethod  method,
                      gboolean          target_true,
                      int               best_epoch)
{
  g_autoptr(GTask) task = NULL;
  HeatmapJob *job;
  int limit;

  g_return_if_fail (LAB_IS_HEATMAPS (self));
  g_return_if_fail (set != NULL && n >= 0);

  limit = method == LAB_HEATMAP_OCCLUSION ? MAX (1, OCCLUSION_PIXELS_PER_JOB / MAX (set->width * set->height, 1))
                                          : G_MAXINT;

  if (method != self->method || target_true != self->target_true || best_epoch != self->best_epoch)
    {
      lab_heatmaps_reset (self);
      self->method = method;
      self->target_true = target_true;
      self->best_epoch = best_epoch;
    }
  if (self->job || self->error || model_path == NULL)
    return;
  job = g_new0 (HeatmapJob, 1);
  job->images = g_new (int, MAX (n, 1));
  job->classes = g_new (int, MAX (n, 1));
  for (int k = 0; k < n && job->n < limit; k++)
    if (!g_hash_table_contains (self->maps, GINT_TO_POINTER (images[k] + 1)))
      {
        job->images[job->n] = images[k];
        job->classes[job->n++] = target_true ? truths[k] : -1;
      }
  job->model_path = g_strdup (model_path);
  job->set = data_set_ref (set);
  job->method = method;
  job->model_epoch = -1;
  if (job->n == 0)
    {
      heatmap_job_free (job);
      return;
    }
  self->job = g_cancellable_new ();
  task = g_task_new (NULL, self->job, on_computed, g_object_ref (self));
  g_task_set_source_tag (task, lab_heatmaps_request);
  g_task_set_name (task, method == LAB_HEATMAP_OCCLUSION ? "[lrlab] occlusion maps" : "[lrlab] Grad-CAM maps");
  g_task_set_task_data (task, job, heatmap_job_free);
  g_task_run_in_thread (task, compute_thread);
}

const float *
lab_heatmaps_lookup (LabHeatmaps *self,
                     int          image)
{
  g_return_val_if_fail (LAB_IS_HEATMAPS (self), NULL);

  return g_hash_table_lookup (self->maps, GINT_TO_POINTER (image + 1));
}

guint
lab_heatmaps_get_n (LabHeatmaps *self)
{
  g_return_val_if_fail (LAB_IS_HEATMAPS (self), 0);

  return g_hash_table_size (self->maps);
}

gboolean
lab_heatmaps_is_busy (LabHeatmaps *self)
{
  g_return_val_if_fail (LAB_IS_HEATMAPS (self), FALSE);

  return self->job != NULL;
}

int
lab_heatmaps_get_epoch (LabHeatmaps *self)
{
  g_return_val_if_fail (LAB_IS_HEATMAPS (self), -1);

  return self->model_epoch;
}

const char *
lab_heatmaps_get_error (LabHeatmaps *self)
{
  g_return_val_if_fail (LAB_IS_HEATMAPS (self), NULL);

  return self->error;
}

LabHeatmaps *
lab_heatmaps_new (void)
{
  return g_object_new (LAB_TYPE_HEATMAPS, NULL);
}

static void
lab_heatmaps_finalize (GObject *object)
{
  LabHeatmaps *self = (LabHeatmaps *) object;

  g_cancellable_cancel (self->job);
  g_clear_object (&self->job);
  g_clear_pointer (&self->maps, g_hash_table_unref);
  g_clear_pointer (&self->error, g_free);

  G_OBJECT_CLASS (lab_heatmaps_parent_class)->finalize (object);
}

static void
lab_heatmaps_class_init (LabHeatmapsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lab_heatmaps_finalize;
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
lab_heatmaps_init (LabHeatmaps *self)
{
  self->maps = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->model_epoch = self->best_epoch = -1;
}
