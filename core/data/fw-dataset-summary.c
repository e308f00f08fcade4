/* fw-dataset-summary.c — fw_dataset_summary: a JSON description of a loaded
 * dataset (counts per split, class and modality, a few rows) for the GUI's
 * dataset view and for tools.  It only reads the dataset. */
#include "fw-dataset.h"

#define FW_SUMMARY_EXAMPLES 5

JsonNode *
fw_dataset_summary (const FwDataset *ds)
{
  g_return_val_if_fail (ds != NULL, NULL);

  int n_classes = MAX (ds->n_classes, 0);
  g_autofree int *count = g_new0 (int, (gsize) MAX (n_classes, 1) * FW_SPLIT_N_KINDS);
  int split_total[FW_SPLIT_N_KINDS] = { 0 };
  int no_image = 0, no_text = 0;
  for (int r = 0; r < ds->n; r++)
    {
      int s = ds->split[r] < FW_SPLIT_N_KINDS ? ds->split[r] : FW_SPLIT_TRAIN;
      split_total[s]++;
      if (ds->label[r] >= 0 && ds->label[r] < n_classes)
        count[ds->label[r] * FW_SPLIT_N_KINDS + s]++;
      no_image += !ds->has_image[r];
      no_text += !ds->has_text[r];
    }

  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, ds->name ? ds->name : "");
  json_builder_set_member_name (b, "source");
  /* JSON strings are UTF-8; a path need not be */
  g_autofree char *source = g_filename_display_name (ds->source ? ds->source : "");
  json_builder_add_string_value (b, source);
  json_builder_set_member_name (b, "rows");
  json_builder_add_int_value (b, ds->n);
  json_builder_set_member_name (b, "image_size");
  json_builder_add_int_value (b, ds->size);
  json_builder_set_member_name (b, "channels");
  json_builder_add_int_value (b, ds->channels);

  json_builder_set_member_name (b, "classes");
  json_builder_begin_array (b);
  for (int c = 0; c < n_classes; c++)
    json_builder_add_string_value (b, ds->classes[c]);
  json_builder_end_array (b);

  json_builder_set_member_name (b, "splits");
  json_builder_begin_object (b);
  for (int s = 0; s < FW_SPLIT_N_KINDS; s++)
    {
      json_builder_set_member_name (b, fw_split_name (s));
      json_builder_add_int_value (b, split_total[s]);
    }
  json_builder_end_object (b);

  json_builder_set_member_name (b, "per_class");
  json_builder_begin_array (b);
  for (int c = 0; c < n_classes; c++)
    {
      int total = 0;
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "label");
      json_builder_add_string_value (b, ds->classes[c]);
      for (int s = 0; s < FW_SPLIT_N_KINDS; s++)
        {
          json_builder_set_member_name (b, fw_split_name (s));
          json_builder_add_int_value (b, count[c * FW_SPLIT_N_KINDS + s]);
          total += count[c * FW_SPLIT_N_KINDS + s];
        }
      json_builder_set_member_name (b, "total");
      json_builder_add_int_value (b, total);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "missing");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "image");
  json_builder_add_int_value (b, no_image);
  json_builder_set_member_name (b, "text");
  json_builder_add_int_value (b, no_text);
  json_builder_end_object (b);

  int with_text = ds->n - no_text;
  json_builder_set_member_name (b, "lexicon_size");
  json_builder_add_int_value (b, ds->lexicon ? ds->lexicon->len : 0);
  json_builder_set_member_name (b, "mean_tokens");
  json_builder_add_double_value (b, with_text > 0 && ds->word_start
                                 ? (double) ds->word_start[ds->n] / with_text : 0.0);

  json_builder_set_member_name (b, "skipped");
  json_builder_add_int_value (b, ds->n_skipped);
  json_builder_set_member_name (b, "skipped_reasons");
  json_builder_begin_array (b);
  for (guint i = 0; ds->skipped && i < ds->skipped->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (ds->skipped, i));
  json_builder_end_array (b);

  json_builder_set_member_name (b, "examples");
  json_builder_begin_array (b);
  for (int r = 0; r < ds->n && r < FW_SUMMARY_EXAMPLES; r++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "row");
      json_builder_add_int_value (b, r);
      json_builder_set_member_name (b, "split");
      json_builder_add_string_value (b, fw_split_name (ds->split[r] < FW_SPLIT_N_KINDS ? ds->split[r] : 0));
      json_builder_set_member_name (b, "label");
      json_builder_add_string_value (b, ds->classes[ds->label[r]]);
      json_builder_set_member_name (b, "text");
      if (ds->has_text[r])
        json_builder_add_string_value (b, ds->text[r]);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "has_image");
      json_builder_add_boolean_value (b, ds->has_image[r]);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_end_object (b);
  return json_builder_get_root (b);
}
