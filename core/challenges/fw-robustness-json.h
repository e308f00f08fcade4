/* fw-robustness-json.h — the JSON of `fusion-workbench robustness`
 * (R.json), shared by the command and the window's export:
 *   {"split": "test", "n": 2000, "seed": 1, "model": {config},
 *    ["baseline": {config},]
 *    "curves": {"missing_image": {"levels": [...], "accuracy": [...],
 *               "loss": [...], "auc": …, "relative_robustness": …
 *               [, "effective_robustness": …]}, …}}
 * Curves appear in the order given; non-finite numbers are null. */
#pragma once

#include <json-glib/json-glib.h>

#include "fw-config.h"
#include "fw-robustness.h"

G_BEGIN_DECLS

JsonNode *fw_robustness_curve_to_json (const FwRobustnessCurve *curve);
/* baseline may be NULL. (json_node_unref) */
JsonNode *fw_robustness_report_json (const char *split, int n, guint64 seed,
                                     const FwConfig *model, const FwConfig *baseline,
                                     FwRobustnessCurve *const *curves, int n_curves);
/* Pretty-printed JSON text of a node, ending in a newline (g_free). */
char *fw_json_to_text (JsonNode *node);

G_END_DECLS
