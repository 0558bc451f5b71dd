/* test_plan: a run's memory is counted before anything is allocated, the network and the
 * batchers' buffers together (4 slots of batch x size^2 x 3 floats), the same sum for the
 * worker, the settings panel and lrlab-train. Over the limit, a run fails in words
 * instead of aborting in g_malloc with its status left at "ready". */
#include <gio/gio.h>
#include <string.h>

#include "data_batcher.h"
#include "train_plan.h"
#include "train_record.h"
#include "train_test_util.h"

static void
plan_ok(const TrainConfig *c, TrainPlan *plan)
{
    nn_spec spec;
    g_autoptr(GError) error = NULL;
    g_assert_true(train_config_build_spec(c, 2, &spec, &error));
    g_assert_true(train_plan_memory(c, &spec, plan, &error));
    g_assert_no_error(error);
}

/* The batchers' bytes are what they allocate: two batchers of two slots of (batch, H, W,
 * 3) floats with their labels and indices, and an image of scratch each. */
static void
test_counts_the_batchers(void)
{
    TrainConfig c;
    TrainPlan plan;
    test_config_init(&c, "c4-p-f2", 1);
    c.size = 32;
    c.batch_size = 8;
    plan_ok(&c, &plan);
    gsize slot = (gsize) 8 * 32 * 32 * 3 * sizeof(float) + 2 * 8 * sizeof(int);
    g_assert_cmpuint(data_batcher_bytes(32, 32, 8), ==, 2 * slot + 32 * 32 * 3);
    g_assert_cmpuint(plan.batcher_bytes, ==, 2 * data_batcher_bytes(32, 32, 8));
    g_assert_cmpuint(plan.total_bytes, ==, plan.model.total_bytes + plan.batcher_bytes);
    g_assert_cmpuint(plan.model.num_parameters, >, 0);
    g_assert_cmpuint(plan.limit_bytes, ==, train_config_memory_limit(&c));

    /* The case: 384 px at batch 4096 needs 29 GB of batches alone. */
    c.size = 384;
    c.batch_size = 4096;
    c.memory_limit = (gsize) 1 << 40;
    plan_ok(&c, &plan);
    g_assert_cmpuint(plan.batcher_bytes, >, (gsize) 4 * 4096 * 384 * 384 * 3 * sizeof(float));
    train_config_clear(&c);
}

/* A run at 64 px and batch 256 with a memory limit its network fits in but not the
 * network and its batches together. */
static void
config_just_too_big(TrainConfig *c)
{
    TrainPlan plan;
    test_config_init(c, "c4-p-f2", 1);
    c->size = 64;
    c->batch_size = 256;
    plan_ok(c, &plan);
    c->memory_limit = plan.model.total_bytes + plan.batcher_bytes / 2;
}

/* Refused, with the usual words and both parts named. */
static void
test_refuses_over_the_limit(void)
{
    TrainConfig c;
    TrainPlan plan;
    nn_spec spec;
    g_autoptr(GError) error = NULL;
    config_just_too_big(&c);
    g_assert_true(train_config_build_spec(&c, 2, &spec, NULL));
    g_assert_false(train_plan_memory(&c, &spec, &plan, &error));
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
    g_test_message("%s", error->message);
    g_assert_nonnull(strstr(error->message, "Too big for this computer"));
    g_assert_nonnull(strstr(error->message, "batch size 256"));
    g_assert_nonnull(strstr(error->message, "its batches"));
    g_assert_cmpuint(plan.limit_bytes, ==, c.memory_limit);   /* filled for the panel */
    g_clear_error(&error);

    /* A spec that does not fit the input is the engine's message. */
    c.size = 16;
    g_assert_true(nn_spec_parse(&spec, "c4-p-p-p-p-p-f2", NULL) == NN_OK);
    g_assert_false(train_plan_memory(&c, &spec, &plan, &error));
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull(strstr(error->message, "token"));
    train_config_clear(&c);
}

/* The worker plans the same way: the run fails with that message, and its folder says
 * "failed", not "ready". */
static void
test_run_refuses_before_allocating(void)
{
    g_autofree char *dir = test_tmpdir();
    g_autoptr(DataSet) set = test_dataset_new(64, 64, 2, 1);
    TrainConfig c;
    config_just_too_big(&c);
    g_autoptr(TrainRun) run = train_run_new(&c, set);
    train_run_set_output_dir(run, dir);
    test_run_to_end(run);
    g_assert_cmpint(train_run_get_status(run), ==, TRAIN_STATUS_FAILED);
    g_autofree char *message = train_run_dup_message(run);
    g_assert_nonnull(strstr(message, "Too big for this computer"));

    TrainRecordFolder folder;
    GError *error = NULL;
    g_assert_true(train_record_read(dir, &folder, &error));
    g_assert_no_error(error);
    g_assert_cmpint(folder.status, ==, TRAIN_STATUS_FAILED);
    g_assert_cmpstr(folder.message, ==, message);
    train_record_folder_clear(&folder);
    train_config_clear(&c);
    test_rmdir_recursive(dir);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/train/plan/counts-the-batchers", test_counts_the_batchers);
    g_test_add_func("/train/plan/refuses-over-the-limit", test_refuses_over_the_limit);
    g_test_add_func("/train/plan/run-refuses-before-allocating", test_run_refuses_before_allocating);
    return g_test_run();
}
