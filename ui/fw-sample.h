/* fw-sample.h — what the Sample inspector shows of one input: the image,
 * its integrated-gradients map, the caption's tokens and scores, and the
 * predicted probabilities.  Numbers only; the panel's worker fills them,
 * FwSampleChart draws them. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef struct {
  int row;                   /* dataset row, -1 when none is open */
  int label;                 /* its class, -1 unknown */
  int n_classes;
  char **classes;            /* (n_classes) */
  float *probs;              /* (n_classes) or NULL before the first prediction */
  int predicted;
  int channels, size;
  guint8 *pixels;            /* (channels, size, size) or NULL: no image (hidden or missing) */
  float *heat;               /* (channels, size, size) IG per pixel, or NULL */
  char *caption;             /* the caption predicted on (NULL: none or hidden) */
  char **tokens;             /* the caption's tokens with their IG scores, or NULL */
  float *scores;             /* (g_strv_length (tokens)) */
  gboolean text_hidden;
} FwSampleData;

#define FW_TYPE_SAMPLE (fw_sample_get_type ())
G_DECLARE_FINAL_TYPE (FwSample, fw_sample, FW, SAMPLE, GObject)

FwSample *fw_sample_new (void);
/* Edit the fields in place, then call fw_sample_changed. */
FwSampleData *fw_sample_get_data (FwSample *self);
void fw_sample_changed (FwSample *self);
void fw_sample_clear (FwSample *self);
void fw_sample_clear_explanation (FwSample *self);   /* heat, tokens, scores */

G_END_DECLS
