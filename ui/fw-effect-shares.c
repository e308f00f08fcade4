/* fw-effect-shares.c — turns the mean Shapley values (image, text,
 * interaction) into a sentence.  The shares are of the sum of the three
 * magnitudes, so an interaction-driven model does not read as "image 95%". */
#include <glib/gi18n.h>
#include <math.h>

#include "fw-effect-shares.h"

char *
fw_effect_shares_describe (double image, double text, double interaction)
{
  double a = fabs (image), b = fabs (text), c = fabs (interaction);
  double total = a + b + (isfinite (c) ? c : 0);

  if (!isfinite (a) || !isfinite (b))
    return g_strdup (_("No effects measured"));
  if (MAX (MAX (a, b), isfinite (c) ? c : 0) < FW_EFFECT_NEGLIGIBLE)
    return g_strdup_printf (_("Neither input moves the prediction: every effect is below %.2f"),
                            FW_EFFECT_NEGLIGIBLE);
  if (!isfinite (c))
    return g_strdup_printf (_("Image %.0f%% · text %.0f%% of the effect"), 100 * a / total, 100 * b / total);
  return g_strdup_printf (_("Image %.0f%% · text %.0f%% · interaction %.0f%% of the effect"),
                          100 * a / total, 100 * b / total, 100 * c / total);
}
