/* fw-robustness-json.c — R.json from robustness curves (keys in
 * fw-robustness-json.h), built with json-glib like the contributions JSON. */
#include "fw-robustness-json.h"

#include <math.h>

static void
add_number (JsonBuilder *b, const char *key, double v)
{
  json_builder_set_member_name (b, key);
  if (isfinite (v))
    json_builder_add_double_value (b, v);
  else
    json_builder_add_null_value (b);
}

static void
add_array (JsonBuilder *b, const char *key, const double *v, int n)
{
  json_builder_set_member_name (b, key);
  json_builder_begin_array (b);
  for (int i = 0; i < n; i++)
    if (isfinite (v[i]))
      json_builder_add_double_value (b, v[i]);
    else
      json_builder_add_null_value (b);
  json_builder_end_array (b);
}

JsonNode *
fw_robustness_curve_to_json (const FwRobustnessCurve *c)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  add_array (b, "levels", c->levels, c->n_levels);
  add_array (b, "accuracy", c->accuracy, c->n_levels);
  add_array (b, "loss", c->loss, c->n_levels);
  add_number (b, "auc", c->auc);
  add_number (b, "relative_robustness", c->relative_robustness);
  if (!isnan (c->effective_robustness))
    add_number (b, "effective_robustness", c->effective_robustness);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

JsonNode *
fw_robustness_report_json (const char *split, int n, guint64 seed, const FwConfig *model,
                           const FwConfig *baseline, FwRobustnessCurve *const *curves,
                           int n_curves)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "split");
  json_builder_add_string_value (b, split);
  json_builder_set_member_name (b, "n");
  json_builder_add_int_value (b, n);
  json_builder_set_member_name (b, "seed");
  json_builder_add_int_value (b, (gint64) seed);
  json_builder_set_member_name (b, "model");
  json_builder_add_value (b, fw_config_to_json (model));
  if (baseline)
    {
      json_builder_set_member_name (b, "baseline");
      json_builder_add_value (b, fw_config_to_json (baseline));
    }
  json_builder_set_member_name (b, "curves");
  json_builder_begin_object (b);
  for (int i = 0; i < n_curves; i++)
    {
      json_builder_set_member_name (b, fw_perturbation_name (curves[i]->kind));
      json_builder_add_value (b, fw_robustness_curve_to_json (curves[i]));
    }
  json_builder_end_object (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

char *
fw_json_to_text (JsonNode *node)
{
  g_autoptr (JsonGenerator) g = json_generator_new ();
  json_generator_set_root (g, node);
  json_generator_set_pretty (g, TRUE);
  g_autofree char *text = json_generator_to_data (g, NULL);
  return g_strconcat (text, "\n", NULL);
}
