/* fw-model-panel.h — the Model panel: fusion type toggles, the live fusion
 * diagram, the teaching text of the chosen type and every model and
 * training option, each with a one-sentence tooltip.  It owns an FwConfig
 * and says "changed" whenever the user edits it. */
#pragma once

#include <gtk/gtk.h>

#include "fw-config.h"
#include "fw-fusion-diagram.h"

G_BEGIN_DECLS

#define FW_TYPE_MODEL_PANEL (fw_model_panel_get_type ())
G_DECLARE_FINAL_TYPE (FwModelPanel, fw_model_panel, FW, MODEL_PANEL, GtkWidget)

GtkWidget *fw_model_panel_new (void);
const FwConfig *fw_model_panel_get_config (FwModelPanel *self);
void fw_model_panel_set_config (FwModelPanel *self, const FwConfig *config);
void fw_model_panel_set_fusion (FwModelPanel *self, FwFusion fusion);
/* Options that cannot change while a model trains; the learning rate can. */
void fw_model_panel_set_training (FwModelPanel *self, gboolean training);
/* the open data's vocabulary and class count, for the diagram's shapes and
 * parameter counts (0, 0 when none is open) */
void fw_model_panel_set_data (FwModelPanel *self, int vocab, int classes);
FwFusionDiagram *fw_model_panel_get_diagram (FwModelPanel *self);
/* The widths of the open dataset's precomputed vectors (0: none): the
 * encoders offer "features (D)" and switch to it when D > 0, back to mlp
 * and bow when the vectors go. */
void fw_model_panel_set_features (FwModelPanel *self, int image_dim, int text_dim);

G_END_DECLS
