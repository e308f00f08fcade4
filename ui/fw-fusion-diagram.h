/* fw-fusion-diagram.h — a drawing of the model an FwConfig describes:
 * the two inputs, their encoders, the ⊕ where fusion happens, the head and
 * the prediction.  It redraws whenever it is given a new configuration.
 * Given the data's vocabulary and class count it also writes the tensor
 * shapes at the inputs and output and each block's parameter count. */
#pragma once

#include <gtk/gtk.h>

#include "fw-config.h"
#include "fw-model.h"

G_BEGIN_DECLS

#define FW_TYPE_FUSION_DIAGRAM (fw_fusion_diagram_get_type ())
G_DECLARE_FINAL_TYPE (FwFusionDiagram, fw_fusion_diagram, FW, FUSION_DIAGRAM, GtkWidget)

GtkWidget *fw_fusion_diagram_new (void);
void fw_fusion_diagram_set_config (FwFusionDiagram *self, const FwConfig *config);
/* vocab (pad and unknown included) and classes of the open data; 0 when
 * no data is open (then no shapes or counts are shown) */
void fw_fusion_diagram_set_data (FwFusionDiagram *self, int vocab, int classes);
/* widths of the open dataset's precomputed vectors (0: none), drawn [N, D] */
void fw_fusion_diagram_set_features (FwFusionDiagram *self, int image_dim, int text_dim);
/* The parameters of one block of the drawn model (a name of
 * fw_model_count_block_params), 0 when it has none or no data is open. */
gsize fw_fusion_diagram_get_block_params (FwFusionDiagram *self, const char *block);
void fw_fusion_diagram_draw (FwFusionDiagram *self, cairo_t *cr, int width, int height,
                             const GdkRGBA *fg, const GdkRGBA *accent);

G_END_DECLS
