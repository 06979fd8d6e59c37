//! GGUF files for candle: re-encoding the quantizations candle has no fast
//! kernels for (Q4_1, Q5_0, Q5_1) to Q8_0, once, at fetch time.

use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;
use candle_core::quantized::{GgmlDType, QTensor, gguf_file};

/// `general.file_type` of a mostly-Q8_0 file (llama.cpp's numbering).
const FILE_TYPE_Q8_0: u32 = 7;

/// Writes `dst`: `src` with its slow-kernel tensors re-encoded to Q8_0.
pub fn reencode_q8(src: &Path, dst: &Path) -> anyhow::Result<()> {
    let device = candle_core::Device::Cpu;
    let mut file = std::fs::File::open(src).context("cannot open the joined weights")?;
    let content = gguf_file::Content::read(&mut file).context("the weights are not a GGUF file")?;
    let mut names: Vec<&String> = content.tensor_infos.keys().collect();
    names.sort();
    let mut tensors: Vec<(&str, QTensor)> = Vec::with_capacity(names.len());
    for name in names {
        let tensor = content.tensor(&mut file, name, &device)?;
        let tensor = match tensor.dtype() {
            GgmlDType::Q4_1 | GgmlDType::Q5_0 | GgmlDType::Q5_1 => {
                QTensor::quantize(&tensor.dequantize(&device)?, GgmlDType::Q8_0)?
            }
            _ => tensor,
        };
        tensors.push((name.as_str(), tensor));
    }
    let file_type = gguf_file::Value::U32(FILE_TYPE_Q8_0);
    // Sorted keys (and tensor names, above): the same input gives the same file.
    let mut metadata: Vec<(&str, &gguf_file::Value)> = content
        .metadata
        .iter()
        .map(|(key, value)| (key.as_str(), if key == "general.file_type" { &file_type } else { value }))
        .collect();
    metadata.sort_by_key(|(key, _)| *key);
    let tensors: Vec<(&str, &QTensor)> = tensors.iter().map(|(name, tensor)| (*name, tensor)).collect();
    let mut out = std::io::BufWriter::new(std::fs::File::create(dst).context("cannot write the re-encoded weights")?);
    gguf_file::write(&mut out, &metadata, &tensors)?;
    out.flush()?;
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    Ok(())
}
