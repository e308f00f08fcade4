/* fw-cmd-predict.c — `fusion-workbench predict`: a saved model's class
 * probabilities for every row of one split, as CSV, and optionally the
 * preprocessed inputs of those rows as safetensors (exactly what exported
 * ONNX and PyTorch models take), and for attention fusion the attention
 * weights of those rows.  Outputs are written to a temporary file
 * and renamed into place; no partial file is left behind. */
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "fw-file.h"
#include "fw-cli.h"
#include "fw-commands.h"
#include "fw-model-file.h"
#include "fw-safetensors.h"

/* RFC 4180: quote a field holding a comma, quote, CR or LF */
static void
csv_field (GString *out, const char *s)
{
  if (!strpbrk (s, ",\"\r\n"))
    {
      g_string_append (out, s);
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = s; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

int
fw_cmd_predict (int argc, char **argv)
{
  const char *model_path = NULL, *data = NULL, *split = "test", *out_path = NULL;
  const char *inputs_path = NULL, *attention_path = NULL;
  gboolean skip_bad = FALSE;
  const FwCliFlag flags[] = {
    { "model", "MODEL", N_("a model file written by train --save"), &model_path, NULL },
    { "data", "SPEC", N_("dataset: a CSV or JSON Lines manifest, a folder, or builtin:NAME"), &data, NULL },
    FW_CLI_FEATURES_FLAGS,
    { "split", "SPLIT", N_("train, val, test or all [test]"), &split, NULL },
    { "out", "PRED.csv", N_("write index,label,predicted,p_<class>… here"), &out_path, NULL },
    { "save-inputs", "FILE", N_("also write the preprocessed model inputs (image, text)"), &inputs_path, NULL },
    { "attention", "FILE", N_("also write the attention weights of the rows (attention fusion models)"), &attention_path, NULL },
    { "skip-bad-rows", NULL, N_("load the rest of the dataset when rows are bad, and report them"), NULL, &skip_bad },
  };
  switch (fw_cli_parse ("predict",
                        "--model MODEL --data SPEC [--split test] --out PRED.csv "
                        "[--save-inputs INPUTS.safetensors] [--attention ATT.safetensors]",
                        argc, argv, flags, G_N_ELEMENTS (flags), NULL))
    {
    case FW_CLI_HELP: return 0;
    case FW_CLI_USAGE: return 2;
    case FW_CLI_OK: break;
    }
  if (!model_path || !data || !out_path)
    {
      g_printerr (_("fusion-workbench predict: --model MODEL, --data SPEC and --out PRED.csv are "
                    "required (see --help)\n"));
      return 2;
    }
  if (!fw_cli_check_split ("predict", split))
    return 2;
  g_autoptr (GError) error = NULL;
  g_autoptr (FwSavedModel) saved = fw_model_load (model_path, 256, &error);
  if (!saved)
    {
      g_printerr ("fusion-workbench predict: %s\n", error->message);
      return 1;
    }
  FwModel *model = saved->model;
  const FwConfig *config = fw_model_get_config (model);
  const FwShape *shape = fw_model_get_shape (model);
  int grid = 0, cell = 0;
  if (attention_path && !fw_model_image_token_grid (model, &grid, &cell))
    {
      g_autofree char *kind = fw_config_describe (config);
      g_autofree char *shown = g_filename_display_name (model_path);
      g_printerr (_("fusion-workbench predict: --attention: %s is a %s model, which has no "
                    "attention weights; they exist only with --fusion-op attention\n"),
                  shown, kind);
      return 1;
    }
  g_autoptr (FwDataset) ds = fw_cli_load_dataset ("predict", data, config, FALSE, skip_bad, NULL);
  if (!ds)
    return 1;
  if (!fw_cli_check_dataset ("predict", saved->model, ds))
    return 1;
  int n = 0;
  g_autofree int *rows = fw_cli_split_rows ("predict", ds, split, &n);
  if (!rows)
    return 2;
  g_autofree int *labels = fw_cli_map_labels ("predict", ds, (const char *const *) saved->classes,
                                              saved->n_classes, skip_bad, rows, &n);
  if (!labels)
    return 1;
  fw_cli_report_overlap ("predict", saved->model, ds, rows, n);
  g_autofree int *lexmap = fw_vocab_map_lexicon (saved->vocab, ds);

  /* features models read (n, D) vectors: P and T are their widths */
  gboolean image_vectors = fw_model_image_is_features (model);
  int K = shape->classes;
  int P = image_vectors ? shape->image_features : shape->channels * shape->size * shape->size;
  gboolean tokens = fw_model_uses_tokens (model);
  int T = tokens ? FW_MAX_TOKENS : fw_model_text_width (model);
  g_autofree float *images = NULL;      /* (n, C, S, S) or (n, D) */
  g_autofree float *counts = NULL;      /* bow: (n, V); features: (n, D) */
  g_autofree gint64 *ids = NULL;        /* embed, gru: (n, L) */
  if (inputs_path)
    {
      images = g_new0 (float, MAX ((gsize) n * P, 1));
      if (tokens)
        ids = g_new0 (gint64, MAX ((gsize) n * T, 1));
      else
        counts = g_new0 (float, MAX ((gsize) n * T, 1));
    }

  /* attention: (n, heads, L, grid²) and (n, heads, grid², L) */
  int heads = config->heads, Li = grid * grid, L = FW_MAX_TOKENS;
  gsize per_row = (gsize) heads * L * Li;
  g_autofree float *t2i = NULL, *i2t = NULL;
  g_autofree gint64 *text_lens = NULL;
  if (attention_path)
    {
      t2i = g_new0 (float, MAX ((gsize) n * per_row, 1));
      i2t = g_new0 (float, MAX ((gsize) n * per_row, 1));
      text_lens = g_new0 (gint64, MAX (n, 1));
    }

  GString *csv = g_string_new ("index,label,predicted");
  for (int k = 0; k < K; k++)
    {
      g_autofree char *col = g_strdup_printf ("p_%s", saved->classes[k]);
      g_string_append_c (csv, ',');
      csv_field (csv, col);
    }
  g_string_append_c (csv, '\n');
  int max_batch = fw_model_max_batch (model);
  for (int start = 0; start < n; start += max_batch)
    {
      int B = MIN (max_batch, n - start);
      fw_model_set_rows (model, ds, lexmap, labels, rows + start, B, NULL, 0);
      if (inputs_path)
        {
          memcpy (images + (gsize) start * P, fw_model_input_image (model),
                  sizeof (float) * B * P);
          if (tokens)
            for (gsize i = 0; i < (gsize) B * T; i++)
              ids[(gsize) start * T + i] = fw_model_input_tokens (model)[i];
          else
            memcpy (counts + (gsize) start * T, fw_model_input_counts (model),
                    sizeof (float) * B * T);
        }
      fw_model_forward (model, B);
      for (int b = 0; attention_path && b < B; b++)
        {
          gsize at = (gsize) (start + b) * per_row;
          fw_model_row_attention (model, FW_ATTENTION_TEXT_TO_IMAGE, b, t2i + at);
          fw_model_row_attention (model, FW_ATTENTION_IMAGE_TO_TEXT, b, i2t + at);
          text_lens[start + b] = MIN (fw_model_input_lens (model)[b], L);
        }
      const float *probs = fw_model_probs (model);
      for (int b = 0; b < B; b++)
        {
          const float *p = probs + (gsize) b * K;
          int r = rows[start + b];
          /* the manifest's row, whatever rows loading skipped */
          g_string_append_printf (csv, "%d,", fw_dataset_source_row (ds, r));
          csv_field (csv, saved->classes[labels[r]]);
          g_string_append_c (csv, ',');
          csv_field (csv, saved->classes[fw_argmax (p, K)]);
          for (int k = 0; k < K; k++)
            {
              char buf[G_ASCII_DTOSTR_BUF_SIZE];
              g_string_append_c (csv, ',');
              g_string_append (csv, g_ascii_formatd (buf, sizeof buf, "%.9g", p[k]));
            }
          g_string_append_c (csv, '\n');
        }
    }

  if (inputs_path)
    {
      g_autoptr (FwSafetensorsWriter) w = fw_safetensors_writer_new ();
      gint64 ishape[4] = { n, shape->channels, shape->size, shape->size };
      gint64 vshape[2] = { n, P };
      gint64 tshape[2] = { n, T };
      if (image_vectors)
        fw_safetensors_writer_add (w, "image", FW_DTYPE_F32, 2, vshape, images);
      else
        fw_safetensors_writer_add (w, "image", FW_DTYPE_F32, 4, ishape, images);
      if (tokens)
        fw_safetensors_writer_add (w, "text", FW_DTYPE_I64, 2, tshape, ids);
      else
        fw_safetensors_writer_add (w, "text", FW_DTYPE_F32, 2, tshape, counts);
      g_autofree char *row_list = NULL;
      {
        GString *s = g_string_new ("[");
        for (int i = 0; i < n; i++)
          g_string_append_printf (s, "%s%d", i ? "," : "", fw_dataset_source_row (ds, rows[i]));
        g_string_append_c (s, ']');
        row_list = g_string_free (s, FALSE);
      }
      fw_safetensors_writer_add_metadata (w, "rows", row_list);
      fw_safetensors_writer_add_metadata (w, "split", split);
      if (!fw_safetensors_writer_save (w, inputs_path, &error))
        {
          g_printerr ("fusion-workbench predict: %s\n", error->message);
          g_string_free (csv, TRUE);
          return 1;
        }
    }
  if (attention_path)
    {
      g_autoptr (FwSafetensorsWriter) w = fw_safetensors_writer_new ();
      gint64 tshape[4] = { n, heads, L, Li };
      gint64 ishape[4] = { n, heads, Li, L };
      gint64 lshape[1] = { n };
      fw_safetensors_writer_add (w, "text_to_image", FW_DTYPE_F32, 4, tshape, t2i);
      fw_safetensors_writer_add (w, "image_to_text", FW_DTYPE_F32, 4, ishape, i2t);
      fw_safetensors_writer_add (w, "text_lens", FW_DTYPE_I64, 1, lshape, text_lens);
      GString *row_list = g_string_new ("[");
      for (int i = 0; i < n; i++)
        g_string_append_printf (row_list, "%s%d", i ? "," : "", fw_dataset_source_row (ds, rows[i]));
      g_string_append_c (row_list, ']');
      g_autofree char *geometry = g_strdup_printf (
        "{\"grid\": %d, \"cell\": %d, \"image_size\": %d, \"heads\": %d, \"max_tokens\": %d}",
        grid, cell, shape->size, heads, L);
      fw_safetensors_writer_add_metadata (w, "rows", row_list->str);
      fw_safetensors_writer_add_metadata (w, "split", split);
      fw_safetensors_writer_add_metadata (w, "image_tokens", geometry);
      g_string_free (row_list, TRUE);
      if (!fw_safetensors_writer_save (w, attention_path, &error))
        {
          g_printerr ("fusion-workbench predict: %s\n", error->message);
          g_string_free (csv, TRUE);
          if (inputs_path)
            g_unlink (inputs_path);
          return 1;
        }
    }
  /* durably, through a temporary file renamed into place */
  gboolean ok = fw_file_write (out_path, csv->str, csv->len, 0666, &error);
  g_string_free (csv, TRUE);
  if (!ok)
    {
      g_printerr ("fusion-workbench predict: %s\n", error->message);
      if (inputs_path)
        g_unlink (inputs_path);
      if (attention_path)
        g_unlink (attention_path);
      return 1;
    }
  return 0;
}
