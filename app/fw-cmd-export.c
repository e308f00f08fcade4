/* fw-cmd-export.c — `fusion-workbench export`: a saved model as an ONNX
 * file (fw-onnx.c) or as a PyTorch folder (fw-torch-export.c: model.py,
 * model.safetensors, predict.py). */
#include <glib/gi18n.h>
#include <stdio.h>

#include "fw-cli.h"
#include "fw-commands.h"
#include "fw-model-file.h"
#include "fw-onnx.h"
#include "fw-torch-export.h"

int
fw_cmd_export (int argc, char **argv)
{
  const char *model_path = NULL, *onnx = NULL, *torch = NULL;
  const FwCliFlag flags[] = {
    { "model", "MODEL", N_("a model file written by train --save"), &model_path, NULL },
    { "onnx", "FILE.onnx", N_("write an ONNX model (opset 13)"), &onnx, NULL },
    { "torch", "DIR", N_("write DIR/model.py, DIR/model.safetensors and DIR/predict.py"), &torch, NULL },
  };
  switch (fw_cli_parse ("export", "--model MODEL (--onnx FILE.onnx | --torch DIR)", argc, argv,
                        flags, G_N_ELEMENTS (flags), NULL))
    {
    case FW_CLI_HELP: return 0;
    case FW_CLI_USAGE: return 2;
    case FW_CLI_OK: break;
    }
  if (!model_path || (!onnx && !torch))
    {
      g_printerr (_("fusion-workbench export: --model MODEL and --onnx FILE.onnx or --torch DIR "
                    "are required (see --help)\n"));
      return 2;
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (FwSavedModel) saved = fw_model_load (model_path, 1, &error);
  if (!saved)
    {
      g_printerr ("fusion-workbench export: %s\n", error->message);
      return 1;
    }
  const char *const *classes = (const char *const *) saved->classes;
  if (onnx && !fw_onnx_export (saved->model, saved->vocab, classes, onnx, &error))
    {
      g_printerr ("fusion-workbench export: %s\n", error->message);
      return 1;
    }
  if (torch && !fw_torch_export (saved->model, saved->vocab, classes, torch, &error))
    {
      g_printerr ("fusion-workbench export: %s\n", error->message);
      return 1;
    }
  return 0;
}
