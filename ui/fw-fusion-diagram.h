/* fw-fusion-diagram.h — a drawing of the model an FwConfig describes:
 * the two inputs, their encoders, the ⊕ where fusion happens, the head and
 * the prediction.  It redraws whenever it is given a new configuration. */
#pragma once

#include <gtk/gtk.h>

#include "fw-config.h"

G_BEGIN_DECLS

#define FW_TYPE_FUSION_DIAGRAM (fw_fusion_diagram_get_type ())
G_DECLARE_FINAL_TYPE (FwFusionDiagram, fw_fusion_diagram, FW, FUSION_DIAGRAM, GtkWidget)

GtkWidget *fw_fusion_diagram_new (void);
void fw_fusion_diagram_set_config (FwFusionDiagram *self, const FwConfig *config);
void fw_fusion_diagram_draw (FwFusionDiagram *self, cairo_t *cr, int width, int height,
                             const GdkRGBA *fg, const GdkRGBA *accent);

G_END_DECLS
