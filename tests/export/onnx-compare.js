// onnx-compare.js (MODEL.onnx INPUTS.safetensors PRED.csv)...
// Runs an exported model in ONNX Runtime (npm onnxruntime-node, found via
// NODE_PATH) on the tensors `predict --save-inputs` wrote and compares the
// probabilities with `predict --out`: exit 1 when any differs by more than
// 1e-4 or the shapes disagree.  Prints the largest difference.
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

function readSafetensors (path) {
  const buf = fs.readFileSync(path);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  const base = 8 + n;
  const out = {};
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [a, b] = t.data_offsets;
    const bytes = buf.subarray(base + a, base + b);
    const copy = new Uint8Array(bytes).buffer;   // aligned
    const data = t.dtype === 'F32' ? new Float32Array(copy) : new BigInt64Array(copy);
    out[name] = new ort.Tensor(t.dtype === 'F32' ? 'float32' : 'int64', data, t.shape);
  }
  return out;
}

function readCsv (path) {
  // labels never hold commas in the test datasets; quoted fields are not needed here
  const lines = fs.readFileSync(path, 'utf8').trim().split('\n');
  const header = lines[0].split(',');
  return { header, rows: lines.slice(1).map((l) => l.split(',')) };
}

async function compare (modelPath, inputsPath, csvPath) {
  const inputs = readSafetensors(inputsPath);
  const csv = readCsv(csvPath);
  const session = await ort.InferenceSession.create(modelPath);
  const res = await session.run({ image: inputs.image, text: inputs.text });
  const probs = res.probabilities;
  const logits = res.logits;
  const [N, K] = probs.dims;
  if (N !== csv.rows.length || K !== csv.header.length - 3 || logits.dims[1] !== K) {
    console.error(`${modelPath}: shape mismatch: onnx ${probs.dims} vs csv ${csv.rows.length}x${csv.header.length - 3}`);
    return false;
  }
  // a model whose outputs hardly vary would make the comparison vacuous
  let lo = Infinity, hi = -Infinity;
  for (const v of probs.data) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (!(hi - lo > 0.05)) {
    console.error(`${modelPath}: probabilities only span [${lo}, ${hi}]: train the test model longer`);
    return false;
  }
  let worst = 0;
  for (let i = 0; i < N; i++)
    for (let k = 0; k < K; k++) {
      const d = Math.abs(probs.data[i * K + k] - Number(csv.rows[i][3 + k]));
      if (!(d <= worst)) worst = d;   // NaN counts as worst
    }
  console.log(`${modelPath}: ${N} rows, ${K} classes, max |p_onnx - p_predict| = ${worst}`);
  return worst <= 1e-4;
}

async function main () {
  const args = process.argv.slice(2);
  let ok = args.length >= 3;
  for (let i = 0; i + 2 < args.length; i += 3) {
    try {
      if (!(await compare(args[i], args[i + 1], args[i + 2]))) ok = false;
    } catch (e) {
      console.error(`${args[i]}: ${e}`);
      ok = false;
    }
  }
  process.exit(ok ? 0 : 1);
}

main();
