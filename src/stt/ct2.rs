//! Reads a CTranslate2 model file (`model.bin`, format version 6), the form
//! the registry's Whisper packages carry, into named candle tensors. No
//! conversion at fetch time: the file is read as is and float16 weights are
//! widened to float32 on load (candle's fast CPU path).
//!
//! Layout: `u32 version`, `str spec`, `u32 revision`, `u32 count`, then per
//! variable `str name`, `u8 rank`, `u32 dims[rank]`, `u8 dtype`, `u32 bytes`,
//! the bytes; then `u32 aliases` and `str alias`, `str target` pairs. A `str`
//! is a `u16` length (including a trailing NUL) and the bytes.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context as _, bail};
use candle_core::{DType, Device, Tensor};

/// The variables of a model file, by name (aliases resolved), as float32.
pub struct Variables {
    pub tensors: HashMap<String, Tensor>,
    /// Integer scalars (`decoder/num_heads`…).
    pub scalars: HashMap<String, i64>,
}

impl Variables {
    pub fn get(&self, name: &str) -> anyhow::Result<&Tensor> {
        self.tensors.get(name).with_context(|| format!("the model file has no variable {name}"))
    }

    pub fn scalar(&self, name: &str) -> anyhow::Result<i64> {
        self.scalars.get(name).copied().with_context(|| format!("the model file has no scalar {name}"))
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> anyhow::Result<&'a [u8]> {
        let end = self.at.checked_add(n).filter(|&end| end <= self.bytes.len()).context("the model file is truncated")?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn u8(&mut self) -> anyhow::Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> anyhow::Result<u16> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> anyhow::Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn string(&mut self) -> anyhow::Result<String> {
        let len = usize::from(self.u16()?);
        let raw = self.take(len)?;
        let raw = raw.strip_suffix(&[0]).unwrap_or(raw);
        Ok(String::from_utf8(raw.to_vec())?)
    }
}

/// Reads `path`; float tensors land on `device` as float32.
pub fn read(path: &Path, device: &Device) -> anyhow::Result<Variables> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    parse(&bytes, device)
}

fn parse(bytes: &[u8], device: &Device) -> anyhow::Result<Variables> {
    let mut r = Reader { bytes, at: 0 };
    let version = r.u32()?;
    if !(5..=6).contains(&version) {
        bail!("unsupported CTranslate2 model version {version}");
    }
    let _spec = r.string()?;
    let _revision = r.u32()?;
    let count = r.u32()?;
    let mut tensors = HashMap::new();
    let mut scalars = HashMap::new();
    for _ in 0..count {
        let name = r.string()?;
        let rank = usize::from(r.u8()?);
        let dims = (0..rank).map(|_| r.u32().map(|d| d as usize)).collect::<anyhow::Result<Vec<_>>>()?;
        let dtype = r.u8()?;
        let len = r.u32()? as usize;
        let data = r.take(len)?;
        if rank == 0 {
            let value = match (dtype, data) {
                (1, [a]) => i64::from(*a as i8),
                (2, [a, b]) => i64::from(i16::from_le_bytes([*a, *b])),
                (3, [a, b, c, d]) => i64::from(i32::from_le_bytes([*a, *b, *c, *d])),
                _ => continue,
            };
            scalars.insert(name, value);
            continue;
        }
        let source = match dtype {
            0 => DType::F32,
            4 => DType::F16,
            5 => DType::BF16,
            // Integer tensors (quantized weights) are not used by the float models we pin.
            _ => continue,
        };
        let tensor = Tensor::from_raw_buffer(data, source, &dims, device)
            .and_then(|t| t.to_dtype(DType::F32))
            .with_context(|| format!("cannot load {name}"))?;
        tensors.insert(name, tensor);
    }
    let aliases = r.u32()?;
    for _ in 0..aliases {
        let alias = r.string()?;
        let target = r.string()?;
        if let Some(tensor) = tensors.get(&target).cloned() {
            tensors.insert(alias, tensor);
        }
    }
    Ok(Variables { tensors, scalars })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string(out: &mut Vec<u8>, s: &str) {
        out.extend_from_slice(&((s.len() + 1) as u16).to_le_bytes());
        out.extend_from_slice(s.as_bytes());
        out.push(0);
    }

    #[test]
    fn reads_tensors_scalars_and_aliases() -> anyhow::Result<()> {
        let mut file = Vec::new();
        file.extend_from_slice(&6u32.to_le_bytes());
        string(&mut file, "WhisperSpec");
        file.extend_from_slice(&3u32.to_le_bytes());
        file.extend_from_slice(&2u32.to_le_bytes());
        string(&mut file, "w");
        file.push(2);
        file.extend_from_slice(&1u32.to_le_bytes());
        file.extend_from_slice(&2u32.to_le_bytes());
        file.push(0);
        file.extend_from_slice(&8u32.to_le_bytes());
        file.extend_from_slice(&1.5f32.to_le_bytes());
        file.extend_from_slice(&(-2f32).to_le_bytes());
        string(&mut file, "heads");
        file.push(0);
        file.push(2);
        file.extend_from_slice(&2u32.to_le_bytes());
        file.extend_from_slice(&8i16.to_le_bytes());
        file.extend_from_slice(&1u32.to_le_bytes());
        string(&mut file, "alias");
        string(&mut file, "w");
        let vars = parse(&file, &Device::Cpu)?;
        assert_eq!(vars.get("alias")?.to_vec2::<f32>()?, vec![vec![1.5, -2.0]]);
        assert_eq!(vars.scalar("heads")?, 8);
        assert!(parse(&file[..file.len() - 3], &Device::Cpu).is_err(), "a truncated file is an error");
        Ok(())
    }
}
