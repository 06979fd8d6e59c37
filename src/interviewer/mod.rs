//! The guided Career Interviewer: the server, not the model, decides what to
//! ask. Each turn it
//! 1. reads the user's career record and story plan (one per user, kept across
//!    conversations and visits);
//! 2. tells what the message is ([`intent`]: an answer, a greeting, a question
//!    about what the user said before ([`recall`]), another language…) and
//!    takes the facts of an answer into the record ([`extract`]), never the
//!    interviewer's words;
//! 3. moves the plan on (situation → task → actions → result → reflection,
//!    then the next story, [`plan`]) and picks the next question ([`compose`]);
//! 4. writes the reply: offline by rules (an acknowledgement of one concrete
//!    detail, found by [`phrases`], plus the planned question, checked by
//!    [`check`]) or with the local model's acknowledgement ([`local`]); with an
//!    OpenAI-compatible endpoint, the model writes freely with the record and
//!    plan as context.
//!
//! [`decide`] is the pure part (also run by the evaluation bench); the
//! [`GuidedInterviewer`] adds the store and the models.

pub mod check;
pub mod compose;
pub mod extract;
pub mod intent;
pub mod local;
pub mod phrases;
pub mod plan;
pub mod recall;
pub mod words;

use std::sync::Arc;

use async_trait::async_trait;
use futures_util::stream;
use protocol::career::{ItemKind, RecordItem, StoryPart};

use actors::chat_ports::{Interviewer, ModelError, ReplyRequest, ReplyStream, Turn, TurnRole};
use actors::context::{build_context, estimate_tokens};

use crate::llm::ChatChoice;
use crate::store::Store;
use crate::store::career::NewItem;

use compose::Domain;
use intent::Intent;
use extract::Fact;
use plan::Plan;

/// What the interviewer knows about a user: the record and the plan.
#[derive(Debug, Clone, Default)]
pub struct Memory {
    pub items: Vec<RecordItem>,
    pub plan: Plan,
}

impl Memory {
    /// Adds facts as unsaved items (the evaluation bench; the server stores them).
    pub fn remember(&mut self, facts: &[Fact], message_id: &str) {
        let now = chrono::Utc::now();
        for (index, fact) in facts.iter().enumerate() {
            self.items.push(RecordItem {
                id: format!("{message_id}-{index}"),
                kind: fact.kind,
                text: fact.text.clone(),
                message_id: Some(message_id.to_owned()),
                story: self.plan.story,
                edited: false,
                created_at: now + chrono::Duration::microseconds(self.items.len() as i64),
                updated_at: now,
            });
        }
    }
}

/// What one turn decided.
#[derive(Debug, Clone)]
pub struct Decision {
    pub intent: Intent,
    /// Facts of the message not in the record yet.
    pub new_facts: Vec<Fact>,
    /// The acknowledgement, or the answer to the user's question.
    pub opening: String,
    /// The planned question.
    pub question: String,
    /// The story part the question asks for.
    pub part: Option<StoryPart>,
    /// A title for a conversation still titled by its date, once its subject is known.
    pub title: Option<String>,
    /// What the checks found wrong with the rules' first reply (then replaced).
    pub flaws: Vec<check::Flaw>,
}

impl Decision {
    /// The rules' reply.
    pub fn reply(&self) -> String {
        format!("{} {}", self.opening, self.question).trim().to_owned()
    }
}

/// Decides one turn: updates `memory.plan` (the record's new facts are in the
/// decision, for the caller to store) and composes the rules' reply.
/// `user_turns` and `earlier_replies` are the conversation so far (oldest
/// first, `user_turns` ending with `message`).
pub fn decide(memory: &mut Memory, message: &str, user_turns: &[&str], earlier_replies: &[&str]) -> Decision {
    let intent = intent::classify(message);
    let facts = match intent {
        Intent::Answer | Intent::Stuck => extract::facts(message),
        _ => Vec::new(),
    };
    let new_facts: Vec<Fact> = facts
        .iter()
        .filter(|f| !memory.items.iter().any(|i| i.kind == f.kind && i.text.eq_ignore_ascii_case(&f.text)))
        .cloned()
        .collect();
    let turn = memory.plan.asked.len();
    let had_subject = memory.plan.subject.is_some();
    let plan = &mut memory.plan;
    let opening = match intent {
        Intent::Greeting => compose::greeting(&memory.items, plan),
        Intent::Recall => recall::recall(message, &memory.items, user_turns.split_last().map_or(&[], |(_, before)| before)),
        Intent::Question => String::from(intent::explain(message)),
        Intent::OtherLanguage => String::from(intent::ENGLISH_ONLY),
        Intent::Stuck => String::from("No problem, take your time."),
        Intent::Answer => {
            // No project named: the story's telling words are its subject ("the nightly settlement batch").
            let project = compose::subject(&facts);
            let named = project.is_some();
            let subject = project.or_else(|| phrases::story_subject(message));
            plan.take_answer(message, &facts, subject, named);
            compose::acknowledgement(message, &facts, &memory.items, turn)
        }
    };
    let domain = Domain::of(&memory.items);
    let (mut part, mut question) = match intent {
        Intent::OtherLanguage => (plan.asking, String::from(intent::ENGLISH_QUESTION)),
        Intent::Greeting if memory.items.is_empty() && plan.asked.is_empty() => {
            (Some(StoryPart::Situation), String::from(compose::FIRST_QUESTION))
        }
        // Not an answer: the part just asked for is asked again, in other words.
        Intent::Question | Intent::Stuck | Intent::Recall | Intent::Greeting => {
            compose::question_about(plan, domain, intent == Intent::Stuck, plan.asking)
        }
        Intent::Answer => compose::question(plan, domain, false),
    };
    if part.is_none() {
        // A new story: its opening question asks for the situation.
        plan.next_story();
        part = Some(StoryPart::Situation);
    }
    let mut decision = Decision {
        intent,
        title: None,
        new_facts,
        opening,
        question: question.clone(),
        part,
        flaws: Vec::new(),
    };
    let found = check::flaws(&decision.reply(), user_turns, earlier_replies);
    if !found.is_empty() {
        // A plainer opening (an answer from the record stays, cut to its first
        // part), then a question not asked in this conversation.
        decision.opening = match intent {
            Intent::Recall => decision.opening.split(", and ").next().map(|first| format!("{}.", first.trim_end_matches('.'))).unwrap_or_default(),
            _ => phrases::keyphrase(message).map_or_else(|| String::from("Thanks."), |k| format!("Noted: {k}.")),
        };
        if intent != Intent::Recall && !check::flaws(&decision.reply(), user_turns, earlier_replies).is_empty() {
            decision.opening = String::from("Thanks.");
        }
        if check::flaws(&decision.reply(), user_turns, earlier_replies).contains(&check::Flaw::Repeats) {
            plan.ask(part, &question);
            (part, question) = compose::question(plan, domain, false);
            decision.question = question.clone();
            decision.part = part.or(decision.part);
        }
        decision.flaws = found;
    }
    plan.ask(decision.part, &question);
    if !had_subject {
        decision.title = decision
            .new_facts
            .iter()
            .chain(facts.iter())
            .find(|f| f.kind == ItemKind::Project)
            .map(|f| words::capitalise(&f.text));
    }
    decision
}

/// Settings of the interviewer, from `[chat]`.
#[derive(Debug, Clone)]
pub struct InterviewerSettings {
    /// The persona, the system prompt of a model-written reply.
    pub system_prompt: Arc<str>,
    /// Token budget of a model's context.
    pub context_tokens: usize,
    /// Longest model-written reply, in tokens.
    pub max_reply_tokens: u32,
    /// Record items read for a turn (the newest).
    pub max_record_items: usize,
    /// Time the local model has to write an acknowledgement before the
    /// rules' one is used.
    pub local_ack_budget: std::time::Duration,
}

/// The Career Interviewer of the chat actors.
pub struct GuidedInterviewer {
    store: Store,
    writer: ChatChoice,
    settings: InterviewerSettings,
}

impl GuidedInterviewer {
    pub fn new(store: Store, writer: ChatChoice, settings: InterviewerSettings) -> Self {
        Self { store, writer, settings }
    }

    async fn memory(&self, owner: &str) -> anyhow::Result<Memory> {
        let items = self.store.career_items(owner, self.settings.max_record_items).await?;
        let plan = Plan::from_stored(self.store.career_plan(owner).await?.as_deref());
        Ok(Memory { items, plan })
    }

    /// Decides the turn and stores what it learned.
    async fn take_in(&self, request: &ReplyRequest) -> anyhow::Result<(Memory, Decision)> {
        let owner = &request.owner;
        let mut memory = self.memory(owner).await?;
        let (user_turns, earlier) = said_so_far(&request.history);
        // The facts belong to the story being told, even when this turn ends it.
        let story = memory.plan.story;
        let decision = decide(&mut memory, &request.user_message.content, &user_turns, &earlier);
        let items: Vec<NewItem<'_>> = decision.new_facts.iter().map(|f| NewItem { kind: f.kind, text: &f.text }).collect();
        let added = self.store.add_career_items(owner, &items, &request.user_message.id, story).await?;
        memory.items.extend(added);
        self.store.save_career_plan(owner, &serde_json::to_string(&memory.plan)?).await?;
        if let Some(title) = &decision.title {
            self.store.title_dated_conversation(owner, &request.conversation_id, title).await?;
        }
        for flaw in &decision.flaws {
            metrics::counter!("debrief_interviewer_check_failures_total", "flaw" => flaw.as_str()).increment(1);
        }
        Ok((memory, decision))
    }

    /// The context of a model-written reply: the persona, what the
    /// interviewer knows and plans, and the conversation's recent turns.
    fn model_context(&self, request: &ReplyRequest, memory: &Memory, decision: &Decision) -> Vec<Turn> {
        let mut context = build_context(&self.settings.system_prompt, &request.history, self.settings.context_tokens);
        let briefing = briefing(memory, decision);
        context.insert(1, Turn { role: TurnRole::System, content: briefing });
        context
    }
}

/// The user's messages and the interviewer's replies (after its
/// introduction) of a conversation, oldest first.
fn said_so_far(history: &[protocol::chat::ChatMessage]) -> (Vec<&str>, Vec<&str>) {
    use protocol::chat::Role;
    let user = history.iter().filter(|m| m.role == Role::User).map(|m| m.content.as_str()).collect();
    let replies =
        history.iter().filter(|m| m.role == Role::Assistant && m.position > 1).map(|m| m.content.as_str()).collect();
    (user, replies)
}

/// What a model is told of the record and the plan.
fn briefing(memory: &Memory, decision: &Decision) -> String {
    let mut text = String::from("What the user has told you so far (their own words; never invent more):");
    if memory.items.is_empty() {
        text.push_str("\n- nothing yet");
    }
    for kind in ItemKind::ALL {
        let facts: Vec<&str> =
            memory.items.iter().rev().filter(|i| i.kind == kind).take(6).map(|i| i.text.as_str()).collect();
        if !facts.is_empty() {
            text.push_str(&format!("\n- {}: {}", kind.as_str(), facts.join("; ")));
        }
    }
    let plan = memory.plan.view();
    let told: Vec<&str> = plan.told.iter().map(|p| p.as_str()).collect();
    text.push_str(&format!(
        "\nThe story being told (story {}){}: told so far: {}.",
        plan.story,
        plan.subject.as_deref().map(|s| format!(", about {s}")).unwrap_or_default(),
        if told.is_empty() { String::from("nothing") } else { told.join(", ") },
    ));
    text.push_str(&format!(
        "\nAcknowledge one concrete detail of the user's last message in a few words, then ask about {}. \
         For example: \"{}\" Ask exactly one question, in the second person.",
        decision.part.map_or("a new story", StoryPart::as_str),
        decision.question,
    ));
    if decision.intent == Intent::Recall {
        text.push_str(&format!("\nThe user asked about something they told you; answer from the record: {}", decision.opening));
    }
    text
}

/// A whole text as a stream of word pieces.
fn words_stream(text: String) -> ReplyStream {
    let pieces: Vec<Result<String, ModelError>> = text.split_inclusive(' ').map(|w| Ok(w.to_owned())).collect();
    Box::pin(stream::iter(pieces))
}

#[async_trait]
impl Interviewer for GuidedInterviewer {
    async fn reply(&self, request: ReplyRequest) -> Result<ReplyStream, ModelError> {
        let (memory, decision) = self.take_in(&request).await.map_err(|error| {
            tracing::error!(error = format!("{error:#}"), "the interviewer could not read or store the record");
            ModelError::Unavailable(String::from("the interviewer's memory is unavailable"))
        })?;
        match &self.writer {
            ChatChoice::Remote(model) => {
                let context = self.model_context(&request, &memory, &decision);
                let tokens: usize = context.iter().map(|t| estimate_tokens(&t.content)).sum();
                metrics::counter!("debrief_chat_tokens_in_total").increment(tokens as u64);
                metrics::counter!("debrief_interviewer_replies_total", "writer" => "remote").increment(1);
                model.stream(context, self.settings.max_reply_tokens).await
            }
            ChatChoice::Offline(offline) => {
                let mut reply = decision.reply();
                let mut writer = "rules";
                // The local model writes the acknowledgement of an answer;
                // everything else (recall answers above all) stays the rules'.
                if offline.is_local() && decision.intent == Intent::Answer && !self.settings.local_ack_budget.is_zero() {
                    let (user_turns, earlier) = said_so_far(&request.history);
                    let written = local::acknowledge(
                        offline.as_ref(),
                        &request.user_message.content,
                        &decision.question,
                        &user_turns,
                        &earlier,
                        self.settings.local_ack_budget,
                    )
                    .await;
                    if let Some(acknowledgement) = written.acknowledgement {
                        reply = format!("{acknowledgement} {}", decision.question);
                        writer = "local";
                    }
                }
                metrics::counter!("debrief_interviewer_replies_total", "writer" => writer).increment(1);
                Ok(words_stream(reply))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(memory: &mut Memory, turns: &[&str]) -> Vec<String> {
        let mut replies: Vec<String> = Vec::new();
        for (index, message) in turns.iter().enumerate() {
            let earlier: Vec<&str> = replies.iter().map(String::as_str).collect();
            let decision = decide(memory, message, &turns[..=index], &earlier);
            memory.remember(&decision.new_facts, &format!("m{index}"));
            replies.push(decision.reply());
        }
        replies
    }

    #[test]
    fn a_story_is_drawn_out_part_by_part_and_remembered() {
        let mut memory = Memory { plan: Plan::new(), ..Memory::default() };
        let replies = run(
            &mut memory,
            &[
                "I'm a senior backend engineer at Acme Payments. Lately I led the migration of our billing system to Kubernetes.",
                "I was responsible for the cutover plan and my goal was zero downtime.",
                "I wrote the runbook, rehearsed the cutover twice and moved the services one by one.",
                "Deploys went from 40 minutes to 6 minutes and we had no outage.",
                "I learned to rehearse risky changes early.",
                "Do you remember where I work?",
            ],
        );
        for reply in &replies {
            assert_eq!(reply.matches('?').count(), 1, "{reply}");
            assert!(check::flaws(reply, &[], &[]).is_empty(), "{reply}");
        }
        assert!(replies[0].contains("senior backend engineer"), "{}", replies[0]);
        assert!(replies[1].contains("migration of your billing system"), "{}", replies[1]);
        assert!(replies[5].contains("Acme Payments"), "{}", replies[5]);
        assert!(memory.items.iter().any(|i| i.kind == ItemKind::Employer && i.text == "Acme Payments"));
        assert_eq!(memory.plan.story, 2, "a told story gives way to the next");
    }

    #[test]
    fn a_reply_that_fails_the_checks_is_rewritten() {
        let message = "I'm a staff nurse and I led the move to electronic handovers on our ward.";
        let first = decide(&mut Memory { plan: Plan::new(), ..Memory::default() }, message, &[message], &[]);
        assert!(first.flaws.is_empty(), "{:?}", first.flaws);
        // The same turn again, after a conversation in which that very reply was already sent.
        let earlier = first.reply();
        let again = decide(&mut Memory { plan: Plan::new(), ..Memory::default() }, message, &[message], &[&earlier]);
        assert!(again.flaws.contains(&check::Flaw::Repeats), "{:?}", again.flaws);
        assert_ne!(again.reply(), earlier);
        assert!(check::flaws(&again.reply(), &[message], &[&earlier]).is_empty(), "{}", again.reply());
    }

    #[test]
    fn the_interviewer_s_words_never_enter_the_record() {
        let mut memory = Memory { plan: Plan::new(), ..Memory::default() };
        let decision = decide(&mut memory, "hi", &["hi"], &[]);
        assert!(decision.new_facts.is_empty());
        assert!(decision.reply().ends_with('?'));
        let question = decide(&mut memory, "What do you mean by a story?", &["hi", "What do you mean by a story?"], &[]);
        assert!(question.new_facts.is_empty());
    }
}
