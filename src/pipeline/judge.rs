//! The model's judgement of a recorded interview, when a model endpoint is
//! configured: how relevant each answer is to its question (and the job), and
//! a short assessment in a coach's words. The model is asked for JSON; the
//! answer is validated (indices in range, relevance 0–100). Any failure leaves
//! the measured analysis whole and is reported as missing.

use actors::chat_ports::{ChatModel, Turn, TurnRole};
use anyhow::Context as _;
use futures_util::StreamExt as _;
use protocol::analysis::{Analysis, AnswerJudgement, Judgement};
use protocol::interview::InterviewContext;
use protocol::transcript::Transcript;
use serde::Deserialize;

/// Characters of an answer shown to the model (long answers are cut).
const ANSWER_CHARS: usize = 1200;
/// Longest reply asked for.
const MAX_TOKENS: u32 = 700;

#[derive(Deserialize)]
struct Reply {
    summary: String,
    #[serde(default)]
    answers: Vec<ReplyAnswer>,
}

#[derive(Deserialize)]
struct ReplyAnswer {
    answer_index: usize,
    relevance: f64,
    #[serde(default)]
    comment: String,
}

/// Asks `model` to judge the answers of `analysis`.
pub async fn judge(model: &dyn ChatModel, transcript: &Transcript, analysis: &Analysis, context: &InterviewContext) -> anyhow::Result<Judgement> {
    let mut prompt = String::from(
        "You are an interview coach. Judge each answer of this recorded job interview. Reply with JSON only: \
         {\"summary\": \"two or three sentences of feedback\", \"answers\": [{\"answer_index\": 0, \"relevance\": 0-100, \"comment\": \"one sentence\"}]}.\n",
    );
    if let Some(title) = &context.job_title {
        prompt.push_str(&format!("Role: {title}\n"));
    }
    if let Some(description) = &context.job_description {
        prompt.push_str(&format!("Job description: {}\n", description.chars().take(2000).collect::<String>()));
    }
    let words: Vec<&protocol::transcript::Word> = transcript.words().collect();
    for (index, answer) in analysis.structure.answers.iter().enumerate() {
        let question = answer
            .question_index
            .and_then(|q| analysis.structure.questions.get(q))
            .map_or("(no question detected)", |q| q.text.as_str());
        let text: String = if words.is_empty() {
            answer.excerpt.clone()
        } else {
            words.iter().filter(|w| w.start >= answer.start && w.start < answer.end).map(|w| w.word.as_str()).collect()
        };
        prompt.push_str(&format!(
            "\nAnswer {index} to \"{question}\":\n{}\n",
            text.trim().chars().take(ANSWER_CHARS).collect::<String>()
        ));
    }
    let context = vec![Turn { role: TurnRole::User, content: prompt }];
    let mut stream = model.stream(context, MAX_TOKENS).await.context("the model refused the request")?;
    let mut reply = String::new();
    while let Some(piece) = stream.next().await {
        reply.push_str(&piece.context("the model's reply broke off")?);
    }
    let json = reply
        .find('{')
        .and_then(|start| reply.rfind('}').map(|end| &reply[start..=end]))
        .context("the model did not answer with JSON")?;
    let parsed: Reply = serde_json::from_str(json).context("the model's JSON does not have the asked shape")?;
    let answers = parsed
        .answers
        .into_iter()
        .filter(|a| a.answer_index < analysis.structure.answers.len())
        .map(|a| AnswerJudgement {
            answer_index: a.answer_index,
            relevance: a.relevance.clamp(0.0, 100.0).round() as u32,
            comment: a.comment.chars().take(500).collect(),
        })
        .collect();
    Ok(Judgement { engine: model.describe(), summary: parsed.summary.chars().take(2000).collect(), answers })
}
