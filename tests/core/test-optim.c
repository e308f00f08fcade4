/* test-optim.c — SGD's momentum option: 0 is plain SGD (what train.py's
 * equivalence check with the workbench needs), 0.9 stays the default, and
 * model files written before the option read as 0.9. */
#include <json-glib/json-glib.h>
#include <math.h>

#include "fw-config.h"
#include "fw-optim.h"

/* two SGD steps of the same gradient on p = (1, 2), g = (0.5, -1), lr 0.1 */
static void
two_steps (FwOptim *o, float *p)
{
  const float g[2] = { 0.5f, -1.0f };
  p[0] = 1.0f;
  p[1] = 2.0f;
  fw_optim_step (o, p, g);
  fw_optim_step (o, p, g);
}

static void
test_sgd_momentum (void)
{
  float p[2];
  g_autoptr (FwOptim) plain = fw_optim_new (FW_OPTIM_SGD, 2, 0.1, 0);
  g_autoptr (FwOptim) heavy = fw_optim_new (FW_OPTIM_SGD, 2, 0.1, 0);

  /* plain SGD: each step is lr · g */
  plain->momentum = 0;
  two_steps (plain, p);
  g_assert_cmpfloat_with_epsilon (p[0], 1.0 - 2 * 0.1 * 0.5, 1e-6);
  g_assert_cmpfloat_with_epsilon (p[1], 2.0 + 2 * 0.1 * 1.0, 1e-6);
  /* the default momentum 0.9: the second step is lr · (0.9 g + g) */
  two_steps (heavy, p);
  g_assert_cmpfloat_with_epsilon (p[0], 1.0 - 0.1 * 0.5 - 0.1 * 1.9 * 0.5, 1e-6);
  g_assert_cmpfloat_with_epsilon (p[1], 2.0 + 0.1 + 0.1 * 1.9, 1e-6);
}

static void
test_momentum_option (void)
{
  FwConfig c;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;

  fw_config_init (&c);
  g_assert_cmpfloat (c.momentum, ==, 0.9);
  g_assert_true (fw_config_set (&c, "momentum", "0", &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (c.momentum, ==, 0);
  text = fw_config_get (&c, "momentum");
  g_assert_cmpstr (text, ==, "0");
  g_assert_false (fw_config_set (&c, "momentum", "1.5", &error));
  g_assert_error (error, FW_CONFIG_ERROR, FW_CONFIG_ERROR_INVALID);
  g_assert_cmpfloat (c.momentum, ==, 0);

  /* round trip through a model file's config, and a file from before the option */
  {
    g_autoptr (JsonNode) node = fw_config_to_json (&c);
    FwConfig back;
    g_assert_true (fw_config_from_json (&back, node, NULL));
    g_assert_cmpfloat (back.momentum, ==, 0);
    json_object_remove_member (json_node_get_object (node), "momentum");
    g_assert_true (fw_config_from_json (&back, node, NULL));
    g_assert_cmpfloat (back.momentum, ==, 0.9);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/optim/sgd-momentum", test_sgd_momentum);
  g_test_add_func ("/core/optim/momentum-option", test_momentum_option);
  return g_test_run ();
}
