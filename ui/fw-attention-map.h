/* fw-attention-map.h — the attention of a cross-modal attention model on
 * one input: the image with a heatmap over its token regions and the
 * caption's words as chips.  Pointing at or selecting a word (click, or
 * arrow keys and Return) shows the regions it attends to; selecting a
 * region shades the words it attends to; a head selector shows one head
 * or their mean.  Numbers in, pictures out: running the model is the
 * caller's business. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define FW_TYPE_ATTENTION_MAP (fw_attention_map_get_type ())
G_DECLARE_FINAL_TYPE (FwAttentionMap, fw_attention_map, FW, ATTENTION_MAP, GtkWidget)

/* Regions are the image's token grid: region r covers the cell × cell
 * pixels at column r % grid_w, row r / grid_w from the top left. */
typedef struct {
  int channels, size;
  const guint8 *pixels;          /* (channels, size, size), or NULL: no image */
  int grid_w, grid_h, cell;
  const char *const *words;      /* (n_words) NULL-terminated; may be empty */
  int heads;
  const float *text_to_image;    /* (heads, n_words, grid_w · grid_h), rows sum to 1 */
  const float *image_to_text;    /* (heads, grid_w · grid_h, n_words), or NULL */
} FwAttentionInput;

GtkWidget *fw_attention_map_new (void);
/* Copies everything; keeps the selected word and head where they still
 * exist (an edited caption re-predicts without losing the place). */
void fw_attention_map_set_input (FwAttentionMap *self, const FwAttentionInput *input);
void fw_attention_map_clear (FwAttentionMap *self);
gboolean fw_attention_map_has_input (FwAttentionMap *self);

int fw_attention_map_get_n_words (FwAttentionMap *self);
int fw_attention_map_get_n_regions (FwAttentionMap *self);
int fw_attention_map_get_heads (FwAttentionMap *self);

/* head: 0 = the mean over the heads, 1…heads = that head. */
void fw_attention_map_set_head (FwAttentionMap *self, int head);
int fw_attention_map_get_head (FwAttentionMap *self);
/* -1 clears.  Selecting a word clears the selected region and back. */
void fw_attention_map_select_word (FwAttentionMap *self, int word);
int fw_attention_map_get_selected_word (FwAttentionMap *self);
void fw_attention_map_select_region (FwAttentionMap *self, int region);
int fw_attention_map_get_selected_region (FwAttentionMap *self);

/* How word attends to each region (out: n_regions), and how region
 * attends to each word (out: n_words), under head.  FALSE when out of
 * range or (for regions) the model gave no image→text weights. */
gboolean fw_attention_map_get_region_weights (FwAttentionMap *self, int word, int head, float *out);
gboolean fw_attention_map_get_word_weights (FwAttentionMap *self, int region, int head, float *out);
/* What the image shows now (out: n_regions): the weights of the word
 * pointed at, else of the selected word, under the current head.  FALSE
 * when the image shows no word's attention. */
gboolean fw_attention_map_get_heatmap (FwAttentionMap *self, float *out);
/* What the chips show now (out: n_words): the weights of the region
 * pointed at, else of the selected one.  FALSE when no region's. */
gboolean fw_attention_map_get_word_shading (FwAttentionMap *self, float *out);
/* The accessible name of word's chip: "word ‘red’ attends most to region
 * (2, 3), 41%" (column, row from the top left, from 1). g_free. */
char *fw_attention_map_describe_word (FwAttentionMap *self, int word);
char *fw_attention_map_describe_region (FwAttentionMap *self, int region);

G_END_DECLS
