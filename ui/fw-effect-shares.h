/* fw-effect-shares.h — the one-line reading of mean Shapley effects that
 * the Contributions view shows: each part's share of the whole effect,
 * interaction included, or that there is hardly any effect to share. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Below this (a change of one hundredth in the true class's probability)
 * shares are noise: a percentage of ±0.001 would be meaningless. */
#define FW_EFFECT_NEGLIGIBLE 0.01

char *fw_effect_shares_describe (double image, double text, double interaction);

G_END_DECLS
