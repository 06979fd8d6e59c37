//! The words STAR reading relies on ([`super::star`]): phrases that mark a
//! task, a result or a setting, the verbs that tell a deed from a state or an
//! outcome, and the words that open a clause. Lower case, as tokens are.

/// Task phrases.
pub const TASK_CUES: &[&str] = &[
    "i had to", "we had to", "i have to", "we have to", "i needed to", "we needed to", "i need to",
    "we need to", "was supposed to", "were supposed to", "was on me", "on me to", "my call", "put it to me",
    "the ask", "it was up to me", "fell on me", "down to me", "my task", "our task", "the task",
    "was due", "were due", "due in", "due by", "due on", "had promised", "we'd promised", "i'd promised",
    "had to be", "has to be", "needed to be", "had to get",
    "my goal", "our goal", "the goal", "goal was", "my target", "our target", "the target was", "deadline was", "responsible for", "i was responsible", "my responsibility", "my job",
    "my role was", "our job was", "asked me to", "asked us to", "wanted me to", "wanted us to",
    "expected me to", "expected us to", "needed me to", "told me to", "landed on me",
    "fell to me", "was up to me", "it was on me", "tasked", "in charge of", "the brief", "objective",
    "the aim", "my aim", "our aim", "my mission", "assigned me", "i was assigned", "we were assigned",
    "i was brought in", "brought me in", "my part was", "the plan was to", "make sure", "the ask was",
    "i was asked", "we were asked", "i volunteered to", "it was my job", "we had until", "i had until",
    "i had two weeks", "we had two weeks", "i had a week", "we had a week",
];

/// Result phrases (markers of an outcome or a lesson).
pub const RESULT_CUES: &[&str] = &[
    "as a result", "in the end", "ended up", "end result", "which meant", "that meant", "this meant",
    "led to", "lead to", "resulted in", "result was", "the result", "the outcome", "outcome was",
    "after that", "afterwards", "afterward", "since then", "ever since", "from then on", "by the end",
    "to this day", "these days", "now we", "now i", "now the", "now our", "now it", "nowadays",
    "paid off", "it worked", "that worked", "which worked", "the impact", "i learned", "i learnt",
    "we learned", "we learnt", "learned that", "the lesson", "lesson i", "lesson was", "taught me",
    "i realised", "i realized", "next time", "took from it", "took away", "what i took",
    "the following week", "the following day", "the following month", "weeks later", "days later",
    "months later", "a year later", "later that", "now it's", "now they", "do differently", "would do it differently",
    "i now", "on time", "under budget", "ahead of schedule", "no more", "never again",
    "went down", "went up", "came down", "dropped to", "fell to", "went from", "got better",
    "got promoted", "was promoted", "thanked me", "thanked us", "praised", "renewed", "signed",
    "took that", "stuck with me", "we were able to", "i was able to", "we managed to", "i managed to",
    "zero", "didn't happen again", "never happened again", "hasn't happened", "haven't had",
];

/// Verbs that state an outcome whoever their subject ("errors dropped").
pub const OUTCOME_VERBS: &[&str] = &[
    "reduced", "cut", "dropped", "fell", "rose", "grew", "increased", "improved", "saved", "halved",
    "doubled", "tripled", "quadrupled", "stopped", "decreased", "shrank", "disappeared", "vanished",
    "recovered", "resolved", "won", "passed", "shipped", "launched", "finished", "hit", "met",
    "exceeded", "beat", "delivered", "completed", "succeeded", "worked", "returned", "closed",
    "became", "adopted", "reached", "landed", "boosted", "lowered", "raised", "eliminated",
    "stabilised", "stabilized", "recouped", "retained", "calmed", "settled", "healed", "accepted",
    "agreed", "held",
    "scored", "topped", "cleared", "thanked", "apologised", "apologized",
];

/// Past-tense verbs that state a condition, a thought or a feeling, not a deed.
pub const STATE_VERBS: &[&str] = &[
    "was", "were", "had", "felt", "thought", "believed", "knew", "wanted", "needed", "seemed", "hoped",
    "expected", "worried", "wished", "loved", "liked", "hated", "enjoyed", "learned", "learnt", "became",
    "got", "used", "didn't", "could", "couldn't", "wasn't", "weren't", "hadn't", "realised",
    "realized", "noticed", "saw", "heard", "meant", "missed", "forgot", "assumed", "underestimated",
    "panicked", "struggled", "inherited", "joined", "lived", "lost",
];

/// Irregular past tenses of deeds ("I built", "we ran").
pub const IRREGULAR_DEEDS: &[&str] = &[
    "built", "led", "wrote", "rewrote", "made", "took", "ran", "set", "put", "sent", "brought", "found",
    "gave", "met", "spoke", "sat", "began", "chose", "drew", "drove", "held", "left", "let", "paid",
    "read", "rebuilt", "sold", "shut", "split", "spent", "stood", "taught", "broke", "caught", "cut",
    "dug", "fought", "flew", "hung", "hid", "laid", "lent", "sought", "shot", "showed", "swept",
    "threw", "told", "undid", "withdrew", "won", "went", "came", "did", "got", "struck", "tore",
    "stepped", "pulled", "pushed", "called", "rang", "owned", "dove", "dived", "grabbed", "flagged",
];

/// Words that may sit between a subject and its verb ("I then quickly wrote").
pub const ADVERBS: &[&str] = &[
    "then", "also", "quickly", "finally", "immediately", "just", "actually", "eventually", "basically",
    "personally", "first", "really", "still", "even", "right", "away", "instead", "initially", "later",
    "ultimately", "myself", "ourselves", "both", "all", "together", "literally", "calmly", "carefully",
    "simply", "specifically", "directly", "gradually", "soon", "again", "once", "sort", "kind", "of",
    "mostly", "probably", "manually", "personally", "properly", "first", "honestly",
];

/// Subjects that are the candidate or their team.
pub const AGENTS: &[&str] = &["i", "we"];

/// Words that make what follows a habit or a hypothetical, not a deed.
pub const NOT_DEEDS: &[&str] = &[
    "would", "usually", "always", "normally", "generally", "tend", "try", "like", "think", "believe",
    "will", "can", "could", "should", "might", "may", "typically", "often", "sometimes", "never",
    "don't", "do", "am", "i'm", "'d", "love", "enjoy", "prefer", "feel", "have", "make", "want",
];

/// Setting phrases (time, place, a state of affairs).
pub const SITUATION_CUES: &[&str] = &[
    "last year", "last month", "last week", "last spring", "last summer", "last autumn", "last fall",
    "last winter", "last quarter", "last term", "last semester", "a few years ago", "years ago",
    "months ago", "weeks ago", "a year ago", "a while ago", "back in", "at the time", "at that time",
    "when i was", "when i joined", "when i started", "when we", "one day", "one time", "one night",
    "one morning", "one evening", "early on", "during", "at my last", "at my previous", "at my current",
    "at my old", "at my first", "in my last", "in my previous", "in my current", "in my old",
    "in my first", "in my role", "in my second", "in my third", "i was working", "i worked at",
    "i worked as", "i was a", "i was the", "i was on", "we were", "there was", "there were", "we had a",
    "we had an", "we had this", "we had some", "we had two", "we had three", "had this", "our team",
    "the team was", "the company", "our company", "our client", "a client", "a customer", "a patient",
    "a student", "a parent", "a colleague", "my manager", "my previous", "the project", "we were building",
    "we were running", "it was", "they were", "he was", "she was", "this was", "that was",
];

/// Words that make a deed the mistake a story is about, not the response to it.
pub const SLIPS: &[&str] = &[
    "without", "didn't", "forgot", "wrong", "mistake", "accidentally", "mistakenly", "never", "missed",
    "failed", "overlooked", "late",
];

/// Phrases that step back to the set-up wherever they come ("before that, it
/// took a morning").
pub const BACK_THEN: &[&str] = &["before that", "back then", "at that point", "used to", "previously", "up to then", "until then"];

/// A discovery that sets the scene rather than acting on it ("we found out on
/// a Tuesday that…").
pub const DISCOVERY: &[&str] = &[
    "found out", "we found out", "i noticed", "we noticed", "i discovered", "we discovered", "i heard",
    "we heard", "i got a call", "we got a call", "i received", "we received", "i inherited", "we inherited",
    "i joined", "we lost", "i lost", "we launched",
];

/// Irregular past tenses that are not deeds of the candidate's (for telling a
/// past state of affairs: "another rep kept taking my leads").
pub const IRREGULAR_PAST: &[&str] = &[
    "kept", "lost", "fell", "rose", "grew", "knew", "thought", "felt", "heard", "saw", "came", "went",
    "became", "began", "broke", "brought", "froze", "hurt", "meant", "sank", "shook", "slid", "stole",
    "stuck", "swore", "understood", "woke", "wore", "won", "took", "left", "said", "told", "ran", "sat",
];

/// Words after which a comma or plain word may start a new clause.
pub const CLAUSE_OPENERS: &[&str] = &[
    "and", "but", "so", "then", "which", "because", "after", "when", "until", "while", "although",
    "though", "once", "since", "before", "afterwards", "eventually", "finally", "now", "plus",
];

/// Subjects that, after an opener, start a clause ("…and we…").
pub const SUBJECTS: &[&str] = &[
    "i", "we", "they", "he", "she", "it", "that", "this", "the", "our", "my", "their", "there", "nobody",
    "everyone", "everybody", "someone", "people", "errors", "costs", "sales",
];
