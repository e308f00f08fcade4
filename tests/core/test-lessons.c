/* test-lessons.c — each built-in teaching dataset must teach its lesson
 * when trained through the real trainer: XOR defeats late fusion but not
 * intermediate fusion, complementary data needs both modalities, noisy
 * captions leave the image to carry the load. */
#include <math.h>

#include "fw-builtin.h"
#include "fw-trainer.h"

static double
test_accuracy (const char *dataset, const char *fusion, int epochs)
{
  FwLoadOptions options = FW_LOAD_OPTIONS_INIT;
  g_autoptr (GError) error = NULL;
  g_autofree char *spec = g_strconcat ("builtin:", dataset, NULL);
  g_autoptr (FwDataset) ds = fw_dataset_load (spec, &options, NULL, &error);
  g_assert_no_error (error);
  FwConfig c;
  fw_config_init (&c);
  if (epochs > 0)
    c.epochs = epochs;
  else
    {
      /* what the window applies when the dataset is chosen */
      g_assert_nonnull (fw_builtin_find (dataset));
      g_assert_true (fw_config_set_options (&c, fw_builtin_find (dataset)->recommended, &error));
      epochs = c.epochs;
    }
  g_assert_true (fw_config_set (&c, "fusion", fusion, NULL));
  g_autoptr (FwTrainer) t = fw_trainer_new (&c, ds, &error);
  g_assert_no_error (error);
  fw_trainer_start (t);
  FwEvent e;
  do
    fw_trainer_wait_event (t, &e);
  while (e.kind == FW_EVENT_STEP || e.kind == FW_EVENT_EPOCH);
  g_assert_cmpint (e.kind, ==, FW_EVENT_FINISHED);
  g_test_message ("%s %s, %d epochs: test accuracy %.3f", dataset, fusion, epochs, e.test_accuracy);
  return e.test_accuracy;
}

static void
test_xor (void)
{
  /* at its recommended settings (the window's when it is chosen) */
  g_assert_cmpfloat (test_accuracy ("shapes-xor", "intermediate", -1), >, 0.9);
  g_assert_cmpfloat (test_accuracy ("shapes-xor", "late", -1), <, 0.65);
  g_assert_cmpfloat (test_accuracy ("shapes-xor", "image", 15), <, 0.65);
  g_assert_cmpfloat (test_accuracy ("shapes-xor", "text", 15), <, 0.65);
}

static void
test_complementary (void)
{
  double both = test_accuracy ("shapes-complementary", "intermediate", 10);
  double image = test_accuracy ("shapes-complementary", "image", 10);
  double text = test_accuracy ("shapes-complementary", "text", 10);
  g_assert_cmpfloat (both, >, 0.75);
  g_assert_cmpfloat (both, >, image + 0.2);
  g_assert_cmpfloat (both, >, text + 0.2);
}

static void
test_noisy_text (void)
{
  double image = test_accuracy ("shapes-noisy-text", "image", 10);
  double text = test_accuracy ("shapes-noisy-text", "text", 10);
  double both = test_accuracy ("shapes-noisy-text", "intermediate", 10);
  g_assert_cmpfloat (image, >, text + 0.2);
  g_assert_cmpfloat (both, >=, image - 0.05);
}

static void
test_shapes (void)
{
  g_assert_cmpfloat (test_accuracy ("shapes", "image", 10), >, 0.85);
  g_assert_cmpfloat (test_accuracy ("shapes", "text", 10), >, 0.85);
  g_assert_cmpfloat (test_accuracy ("shapes-missing", "intermediate", 10), >, 0.8);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/lessons/shapes", test_shapes);
  g_test_add_func ("/lessons/xor", test_xor);
  g_test_add_func ("/lessons/complementary", test_complementary);
  g_test_add_func ("/lessons/noisy-text", test_noisy_text);
  return g_test_run ();
}
