/* test_parity: LR Lab's engine against PyTorch on the same weights, batch and dropout
 * masks. Each case trains the same network for a few steps in both (parity_torch.py is
 * the torch half) and compares the loss at every step, the last step's gradients and the
 * final parameters. This is the test that says "our numbers are torch's numbers". */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "nn_model.h"
#include "nn_optim.h"
#include "nn_rng.h"
#include "nn_spec.h"
#include "nn_threads.h"
#include "nn_winograd.h"

#ifndef PARITY_STEPS /* -DPARITY_STEPS=1 isolates one step when hunting a difference */
#define PARITY_STEPS 10
#endif
#define PARITY_BATCH 8
#define PARITY_SIZE 64
#define PARITY_CHANNELS 3

/* float32 in both, summed in different orders: the loss within LOSS_RTOL relative at
 * every step, each gradient and parameter tensor within TENSOR_RTOL as max|a-b| / max|b|.
 * Where torch's own float32 run is further than that from its float64 run (Adam makes
 * a gradient that is zero up to rounding into a full +-lr step, and that compounds over
 * the steps), LR Lab passes if it is no further from float64 than ROUNDING_FACTOR times
 * torch's float32 distance: as exact as PyTorch, which is all float32 allows. */
#define LOSS_RTOL 1e-5
#define TENSOR_RTOL 1e-4
#define ROUNDING_FACTOR 10.0

typedef struct {
  const char *path;           /* GTest path */
  const char *model;          /* preset name */
  nn_optimizer_config config;
} ParityCase;

static const char *python_path = "/usr/bin/python3";
static char *script_path;

static nn_optimizer_config
adam_config (double weight_decay, int decoupled)
{
  nn_optimizer_config c = nn_optimizer_config_default (NN_OPTIMIZER_ADAM);
  c.lr = 1e-3;
  c.weight_decay = weight_decay;
  c.decoupled = decoupled;
  return c;
}

static nn_optimizer_config
sgd_config (double weight_decay, int nesterov)
{
  nn_optimizer_config c = nn_optimizer_config_default (NN_OPTIMIZER_SGD);
  c.lr = 1e-2;
  c.momentum = 0.9;
  c.nesterov = nesterov;
  c.weight_decay = weight_decay;
  c.decoupled = 0;
  return c;
}

static void
write_file (const char *dir, const char *name, const void *data, size_t bytes)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  if (!g_file_set_contents (path, data, (gssize) bytes, &error))
    g_error ("%s", error->message);
}

/* Reads exactly `count` floats, so a short write on the torch side fails loudly. */
static float *
read_floats (const char *dir, const char *name, size_t count)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;
  char *data = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &data, &len, &error))
    g_error ("%s", error->message);
  if (len != count * sizeof (float))
    g_error ("%s: %" G_GSIZE_FORMAT " bytes, expected %zu", path, len,
             count * sizeof (float));
  return (float *) data;
}

/* Features each dropout layer sees, (H*W*C) before a flatten, units after: the size of
 * its (B, features) mask. Returns the number of dropout layers. */
static int
dropout_features (const nn_spec *spec, int h, int w, int c, size_t *features, int max)
{
  int n = 0;

  for (int i = 0; i < spec->n_layers; i++)
    {
      const nn_spec_layer *l = &spec->layers[i];
      switch (l->kind)
        {
        case NN_LAYER_CONV: c = l->units; break;
        case NN_LAYER_POOL: h /= 2; w /= 2; break;
        case NN_LAYER_DENSE: c = l->units; h = w = 1; break;
        case NN_LAYER_DROPOUT:
          g_assert_cmpint (n, <, max);
          features[n++] = (size_t) h * w * c;
          break;
        default: g_assert_not_reached ();
        }
    }
  return n;
}

static void
write_manifest (const char *dir, nn_model *model, const nn_optimizer_config *o)
{
  const nn_spec *spec = nn_model_spec (model);
  g_autoptr(GString) s = g_string_new (NULL);
  int h, w, c;

  nn_model_input_shape (model, &h, &w, &c);
  g_string_append_printf (s, "input %d %d %d\nbatch %d\nsteps %d\nclasses %d\n", h, w, c,
                          PARITY_BATCH, PARITY_STEPS, nn_model_num_classes (model));
  /* %.17g round-trips a double, so torch gets the very same hyper-parameters. */
  g_string_append_printf (s, "optimizer %s %.17g %.17g %d %.17g %.17g %.17g %.17g %d\n",
                          o->kind == NN_OPTIMIZER_ADAM ? "adam" : "sgd", o->lr, o->momentum,
                          o->nesterov, o->beta1, o->beta2, o->eps, o->weight_decay,
                          o->decoupled);
  for (int i = 0; i < spec->n_layers; i++)
    {
      const nn_spec_layer *l = &spec->layers[i];
      switch (l->kind)
        {
        case NN_LAYER_CONV: g_string_append_printf (s, "layer conv %d %d\n", l->units, l->kernel); break;
        case NN_LAYER_POOL: g_string_append (s, "layer pool\n"); break;
        case NN_LAYER_DENSE: g_string_append_printf (s, "layer dense %d\n", l->units); break;
        case NN_LAYER_DROPOUT: g_string_append_printf (s, "layer dropout %.9g\n", l->rate); break;
        default: g_assert_not_reached ();
        }
    }
  for (int i = 0; i < nn_model_num_tensors (model); i++)
    {
      const nn_tensor_info *t = nn_model_tensor (model, i);
      g_string_append_printf (s, "tensor %s %zu %zu %d", t->name, t->offset, t->size, t->ndim);
      for (int d = 0; d < t->ndim; d++)
        g_string_append_printf (s, " %d", t->shape[d]);
      g_string_append_c (s, '\n');
    }
  write_file (dir, "manifest.txt", s->str, s->len);
}

/* Runs parity_torch.py on dir in dtype ("float32" or "float64"). A missing python or
 * torch is a failure, not a skip: CI installs them (tools/install-deps), so their absence
 * means a broken machine. */
static gboolean
run_torch (const char *dir, const char *dtype)
{
  const char *argv[] = { python_path, script_path, dir, dtype, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  if (!g_file_test (python_path, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_fail_printf ("no Python at '%s': run tools/install-deps (it installs "
                          "python3-torch)", python_path);
      return FALSE;
    }
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                     &status, &error))
    {
      g_test_fail_printf ("could not run %s %s: %s; run tools/install-deps", python_path,
                          script_path, error->message);
      return FALSE;
    }
  if (!g_spawn_check_wait_status (status, &error))
    {
      g_test_fail_printf ("parity_torch.py failed (%s):\n%s%s\n(if torch is missing, "
                          "run tools/install-deps)", error->message, out, err);
      return FALSE;
    }
  return TRUE;
}

/* max|a-b| / max|b| over one tensor: relative to the tensor's scale, so an element near
 * zero does not blow up the ratio. */
static double
tensor_rel_error (const float *a, const float *b, size_t n)
{
  double diff = 0, scale = 0;

  for (size_t i = 0; i < n; i++)
    {
      diff = MAX (diff, fabs ((double) a[i] - b[i]));
      scale = MAX (scale, fabs ((double) b[i]));
    }
  return scale > 0 ? diff / scale : diff;
}

/* Compares every named tensor, prints the worst of each, and returns how many fail.
 * t64 (torch's float64 replay) may be NULL: then only the float32 tolerance counts. */
static int
check_tensors (nn_model *model, const char *what, const float *ours, const float *t32,
               const float *t64)
{
  int bad = 0;

  for (int i = 0; i < nn_model_num_tensors (model); i++)
    {
      const nn_tensor_info *t = nn_model_tensor (model, i);
      double vs32 = tensor_rel_error (ours + t->offset, t32 + t->offset, t->size);
      gboolean ok = vs32 <= TENSOR_RTOL;

      if (t64 == NULL)
        {
          g_test_message ("%-5s %-13s max|a-b|/max|b| vs torch %.2e%s", what, t->name, vs32,
                          ok ? "" : "   <-- over");
          bad += !ok;
          continue;
        }
      double vs64 = tensor_rel_error (ours + t->offset, t64 + t->offset, t->size);
      double torch_rounding = tensor_rel_error (t32 + t->offset, t64 + t->offset, t->size);
      ok = ok || vs64 <= ROUNDING_FACTOR * torch_rounding;
      g_test_message ("%-5s %-13s vs torch %.2e | vs float64: lrlab %.2e, torch %.2e%s",
                      what, t->name, vs32, vs64, torch_rounding, ok ? "" : "   <-- FAIL");
      bad += !ok;

      /* The usual way Adam runs apart: a gradient torch computes as exactly 0 (a weight
       * no data reaches) that comes out as rounding residue here. Adam scales the
       * residue up to a step of up to lr, so a weight torch leaves alone moves. */
      size_t residue = 0;
      double largest = 0;
      for (size_t j = 0; j < t->size; j++)
        if (t64[t->offset + j] == 0.0f && ours[t->offset + j] != 0.0f)
          {
            residue++;
            largest = MAX (largest, fabs (ours[t->offset + j]));
          }
      if (residue > 0 && !ok)
        g_test_message ("      %zu values are exactly 0 in torch but not here (largest %.2e): "
                        "Adam turns such residue into steps of up to lr", residue, largest);
    }
  return bad;
}

static void
remove_case_dir (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_unlink (path);
    }
  g_dir_close (d);
  g_rmdir (dir);
}

/* Reads torch's results from dir and compares them with LR Lab's state after the run:
 * losses per step, the last step's gradients, the final parameters; with_reference also
 * reads the float64 replay and lets rounding explain a difference. Returns how many
 * comparisons fail. */
static int
compare_with_torch (const char *dir, nn_model *model, const float *losses, int n_dropout,
                    const size_t *features, gboolean with_reference)
{
  size_t n_params = nn_model_num_parameters (model);
  const float *params = nn_model_params (model);
  const float *grads = nn_model_grads (model);
  int bad = 0;

  g_autofree float *t_losses = read_floats (dir, "torch_losses.bin", PARITY_STEPS);
  g_autofree float *t_grads = read_floats (dir, "torch_grads.bin", n_params);
  g_autofree float *t_params = read_floats (dir, "torch_params.bin", n_params);
  g_autofree float *r_losses = NULL;
  g_autofree float *r_grads = NULL;
  g_autofree float *r_params = NULL;
  g_autofree float *t_nomask = read_floats (dir, "torch_loss_nomask.bin", 1);

  if (with_reference)
    {
      r_losses = read_floats (dir, "torch64_losses.bin", PARITY_STEPS);
      r_grads = read_floats (dir, "torch64_grads.bin", n_params);
      r_params = read_floats (dir, "torch64_params.bin", n_params);
    }

  for (int step = 0; step < PARITY_STEPS; step++)
    {
      double vs32 = fabs ((double) losses[step] - t_losses[step]) / fabs ((double) t_losses[step]);
      gboolean ok = vs32 <= LOSS_RTOL;
      double ref = with_reference ? r_losses[step] : NAN;
      if (with_reference)
        ok = ok || fabs ((double) losses[step] - ref) <=
                   ROUNDING_FACTOR * fabs ((double) t_losses[step] - ref);
      g_autofree char *f64 = with_reference ? g_strdup_printf (" (float64 %.8f)", ref)
                                            : g_strdup ("");
      g_test_message ("step %2d loss lrlab %.8f torch %.8f%s rel %.2e%s", step + 1,
                      losses[step], t_losses[step], f64, vs32, ok ? "" : "   <-- over");
      bad += !ok;
    }
  bad += check_tensors (model, "grad", grads, t_grads, r_grads);
  bad += check_tensors (model, "param", params, t_params, r_params);

  g_assert_true (isfinite (losses[PARITY_STEPS - 1]));
  /* The steps must move the loss an order of magnitude beyond the tolerance, else
   * matching losses would say little. (The paper network at torch's default init learns
   * slowly: seven ReLU convolutions shrink the signal, so SGD at lr 1e-2 moves its loss
   * by ~1e-3 in ten steps; a larger lr makes its trajectory chaotic in float32.) */
  if (PARITY_STEPS > 1)
    g_assert_cmpfloat (fabs (losses[PARITY_STEPS - 1] - losses[0]), >,
                       10 * LOSS_RTOL * losses[0]);

  if (n_dropout > 0)
    {
      /* The masks must reach torch and matter: without them torch's first loss is
       * clearly another number, and the masks really drop about `rate` of the units. */
      double rel = fabs ((double) t_nomask[0] - losses[0]) / fabs ((double) losses[0]);
      g_test_message ("step 1 loss with all-ones masks in torch: %.8f (rel %.3g)",
                      t_nomask[0], rel);
      g_assert_cmpfloat (rel, >, 100 * LOSS_RTOL);
      const float *mask = nn_model_dropout_mask (model, 0);
      size_t n = PARITY_BATCH * features[0], dropped = 0;
      for (size_t i = 0; i < n; i++)
        dropped += mask[i] == 0.0f;
      g_assert_cmpuint (dropped, >, 0);
      g_assert_cmpuint (dropped, <, n);
    }

  return bad;
}

static void
test_parity (gconstpointer data)
{
  const ParityCase *pc = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("lrlab-parity-XXXXXX", &error);
  nn_spec spec;
  nn_error err;
  nn_model *model = NULL;
  nn_optimizer opt;
  size_t features[NN_SPEC_MAX_LAYERS];
  float losses[PARITY_STEPS];
  int n_dropout;

  g_assert_no_error (error);
  nn_set_threads (2);
  /* Ten Adam steps on 8 images amplify any rounding difference chaotically, so the Adam
   * trajectories run the im2col convolutions, whose float32 sums are as exact as torch's.
   * Winograd's (a few ulps more per output) is checked against im2col at one step, where
   * nothing amplifies it, in test_winograd's /nn/winograd/model. SGD does not amplify
   * rounding, so its cases run the convolutions training uses (Winograd where the rule
   * picks it) against torch step by step. */
  nn_winograd_set_tile (pc->config.kind == NN_OPTIMIZER_ADAM ? 0 : -1);
  g_assert_cmpint (nn_spec_parse (&spec, pc->model, &err), ==, NN_OK);
  g_assert_cmpint (nn_model_create (&model, &spec, PARITY_SIZE, PARITY_SIZE, PARITY_CHANNELS,
                                    PARITY_BATCH, 42, 0, pc->config.kind, &err), ==, NN_OK);
  g_assert_cmpint (nn_optimizer_init (&opt, &pc->config, nn_model_num_parameters (model),
                                      &err), ==, NN_OK);

  size_t n_params = nn_model_num_parameters (model);
  size_t n_input = (size_t) PARITY_BATCH * PARITY_SIZE * PARITY_SIZE * PARITY_CHANNELS;
  int n_classes = nn_model_num_classes (model);
  float *params = nn_model_params (model);
  const float *grads = nn_model_grads (model);
  g_autofree float *input = g_new (float, n_input);
  int labels[PARITY_BATCH];
  nn_rng rng;

  /* Zero-mean pixels (as after normalisation) whose contrast grows with the label, so
   * the batch has something to learn. Pure noise would leave the loss at ln(K) and the
   * gradients at rounding level; a mean far from 0 makes the first convolution's weight
   * gradient a sum of 32768 nearly cancelling terms, which float32 gets right to only
   * ~1e-3 (torch's own float32 against float64 shows it). */
  nn_rng_seed (&rng, 7);
  for (int b = 0; b < PARITY_BATCH; b++)
    labels[b] = b % n_classes;
  size_t image = n_input / PARITY_BATCH;
  for (size_t i = 0; i < n_input; i++)
    input[i] = (nn_rng_uniform (&rng) - 0.5f) * (1 + labels[i / image]);

  n_dropout = dropout_features (&spec, PARITY_SIZE, PARITY_SIZE, PARITY_CHANNELS, features,
                                NN_SPEC_MAX_LAYERS);
  write_manifest (dir, model, &pc->config);
  write_file (dir, "params0.bin", params, n_params * sizeof (float));
  write_file (dir, "inputs.bin", input, n_input * sizeof (float));
  write_file (dir, "labels.bin", labels, sizeof labels);

  for (int step = 0; step < PARITY_STEPS; step++)
    {
      g_autoptr(GByteArray) masks = g_byte_array_new ();

      nn_model_zero_grad (model);
      losses[step] = nn_model_forward (model, input, labels, PARITY_BATCH, 1);
      nn_model_backward (model);
      for (int d = 0; d < n_dropout; d++)
        {
          const float *mask = nn_model_dropout_mask (model, d);
          g_assert_nonnull (mask);
          g_byte_array_append (masks, (const guint8 *) mask,
                               (guint) (PARITY_BATCH * features[d] * sizeof (float)));
        }
      g_autofree char *name = g_strdup_printf ("masks_%d.bin", step);
      write_file (dir, name, masks->data, masks->len);
      nn_optimizer_step (&opt, params, grads);
    }

  /* LR Lab's side of the comparison, beside torch's, for whoever inspects a kept dir. */
  write_file (dir, "lrlab_grads.bin", grads, n_params * sizeof (float));
  write_file (dir, "lrlab_params.bin", params, n_params * sizeof (float));
  write_file (dir, "lrlab_losses.bin", losses, sizeof losses);

  /* float32 first, as the comparison asks; only when something is over the tolerance
   * is the float64 replay run (it doubles torch's time) to tell rounding from a bug. */
  if (run_torch (dir, "float32"))
    {
      int bad = compare_with_torch (dir, model, losses, n_dropout, features, FALSE);
      if (bad > 0)
        {
          g_test_message ("%d comparison(s) over tolerance against torch float32: "
                          "replaying in float64 to tell rounding from a bug", bad);
          if (run_torch (dir, "float64"))
            bad = compare_with_torch (dir, model, losses, n_dropout, features, TRUE);
        }
      if (bad > 0)
        g_test_fail_printf ("%d comparison(s) over tolerance, beyond what float32 rounding "
                            "explains; inputs kept in %s", bad, dir);
    }

  if (!g_test_failed ())
    remove_case_dir (dir);
  nn_optimizer_free (&opt);
  nn_model_free (model);
}

int
main (int argc, char **argv)
{
  static ParityCase cases[] = {
    { "/nn/parity/small/adam", "small", { 0 } },
    { "/nn/parity/small/adam-l2", "small", { 0 } },
    { "/nn/parity/small/adamw", "small", { 0 } },
    { "/nn/parity/small/sgd-momentum", "small", { 0 } },
    { "/nn/parity/small/sgd-nesterov", "small", { 0 } },
    /* The optimizers do not depend on the network, so the paper network (8x the work,
     * and the one with dropout) runs one Adam and one SGD case to keep the test short. */
    { "/nn/parity/paper/adam", "paper", { 0 } },
    { "/nn/parity/paper/sgd-momentum", "paper", { 0 } },
  };

  g_test_init (&argc, &argv, NULL);

  /* meson passes --python=PATH (its python3) and --script=PATH; by hand the defaults
   * are Debian's python and the script beside this file in G_TEST_SRCDIR. */
  for (int i = 1; i < argc; i++)
    {
      if (g_str_has_prefix (argv[i], "--python="))
        python_path = argv[i] + strlen ("--python=");
      else if (g_str_has_prefix (argv[i], "--script="))
        script_path = g_strdup (argv[i] + strlen ("--script="));
    }
  if (script_path == NULL)
    script_path = g_test_build_filename (G_TEST_DIST, "nn", "parity_torch.py", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gboolean small = strcmp (cases[i].model, "small") == 0;
      const char *variant = strrchr (cases[i].path, '/') + 1;

      if (strcmp (variant, "adam") == 0)
        cases[i].config = adam_config (0, 0);
      else if (strcmp (variant, "adam-l2") == 0)
        cases[i].config = adam_config (0.05, 0);
      else if (strcmp (variant, "adamw") == 0)
        cases[i].config = adam_config (0.1, 1);
      else if (strcmp (variant, "sgd-momentum") == 0)
        cases[i].config = sgd_config (small ? 1e-3 : 0, 0);
      else
        cases[i].config = sgd_config (0, 1);
      g_test_add_data_func (cases[i].path, &cases[i], test_parity);
    }

  int ret = g_test_run ();
  g_free (script_path);
  return ret;
}
