//! The offline question bank for mock-interview practice sessions.
//!
//! When no model endpoint is configured, practice questions come from here:
//! curated questions per role family and per category, plus templates filled
//! with the skills named in the job description ("Walk me through a project
//! where you worked with Kubernetes…"), and drills that train one answering
//! skill (STAR storytelling, quantified impact, conciseness…).
//!
//! Everything is deterministic: the same inputs always give the same
//! questions, in the same order, with no duplicate texts. Variety between
//! roles comes from the role family, the extracted skills and a rotation of
//! the generic banks keyed on a hash of the job title.
//!
//! Skill matching is whole-word and case-insensitive ("go" is not found in
//! "good", "java" not in "javascript"), except that the few skills which are
//! also everyday English words ("Go", "R", "C", "React", "Excel", "Swift"…)
//! only count when written with a capital letter.

use std::collections::{HashSet, VecDeque};

use protocol::interview::InterviewType;

/// Where a generated question came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The curated bank (generic or role-family questions).
    Bank,
    /// A template filled with a skill found in the job description.
    JobDescription,
    /// A drill that trains one answering skill.
    Drill,
}

impl Source {
    /// The wire name: "bank", "job_description" or "drill".
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bank => "bank",
            Self::JobDescription => "job_description",
            Self::Drill => "drill",
        }
    }
}

/// One practice question.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratedQuestion {
    /// The question as the interviewer asks it.
    pub text: String,
    /// One of CATEGORIES.
    pub category: &'static str,
    /// Where the question came from.
    pub source: Source,
    /// The role skill or drill skill it probes, if any (e.g. "kubernetes", "storytelling").
    pub skill: Option<String>,
}

const BEHAVIORAL: &str = "behavioral";
const TECHNICAL: &str = "technical";
const SITUATIONAL: &str = "situational";
const MOTIVATION: &str = "motivation";
const ROLE_SPECIFIC: &str = "role_specific";

/// Question categories: "behavioral", "technical", "situational", "motivation", "role_specific".
pub const CATEGORIES: &[&str] = &[
    BEHAVIORAL,
    TECHNICAL,
    SITUATIONAL,
    MOTIVATION,
    ROLE_SPECIFIC,
];

/// Drill skills: "storytelling" (STAR structure), "impact" (results, numbers), "conciseness",
/// "confidence" (no hedging), "technical_depth", "relevance" (tying answers to the role),
/// "delivery" (said out loud: steady pace, pauses instead of fillers).
pub const DRILL_SKILLS: &[&str] = &[
    "storytelling",
    "impact",
    "conciseness",
    "confidence",
    "technical_depth",
    "relevance",
    "delivery",
];

/// Most questions in one session or drill.
const MAX_QUESTIONS: usize = 30;
/// Every question is shorter than this many characters.
const MAX_CHARS: usize = 240;
/// Most job-description skills that get templated questions.
const MAX_SKILLS: usize = 8;

// ---------------------------------------------------------------- role families

const SE: &str = "software engineering";
const PM: &str = "product management";
const SALES: &str = "sales";
const NURSING: &str = "nursing";
const DS: &str = "data science";
const DESIGN: &str = "design";
const MKT: &str = "marketing";
const SUPPORT: &str = "customer support";
const PROJ: &str = "project management";
const TEACH: &str = "teaching";
const FIN: &str = "finance";

/// A role family: the title cues that recognise it and its curated questions.
struct Family {
    name: &'static str,
    /// Whole-word phrases in a job title (or description) that name the family.
    cues: &'static [&'static str],
    /// Craft questions (category "technical").
    technical: &'static [&'static str],
    /// Situations particular to the role (category "role_specific").
    role: &'static [&'static str],
}

/// In priority order: the first family with a cue in the title wins.
#[rustfmt::skip]
const FAMILIES: &[Family] = &[
    Family { name: PM, cues: &["product manager", "product owner", "product management", "head of product", "product lead", "vp of product"],
        technical: &["How would you prioritise a backlog where sales, support and engineering all want different things?", "Which metrics would you track to tell whether a new onboarding flow is working?", "Walk me through how you would decide whether to build, buy or partner for a new capability.", "Pick a product you use every day. How would you improve it, and how would you know it worked?"],
        role: &["How do you say no to a stakeholder whose request does not fit the roadmap?", "How do you work with engineering and design to turn a customer problem into a shipped feature?", "How do you validate that a problem is worth solving before anything gets built?"] },
    Family { name: PROJ, cues: &["project manager", "program manager", "programme manager", "scrum master", "project coordinator", "delivery manager", "project management", "pmo"],
        technical: &["How do you build a project plan, and how do you decide what sits on the critical path?", "How do you track risks, and at what point do you escalate one?", "When would you choose an agile approach over a more traditional plan, and why?", "How do you report progress to executives who only have five minutes for it?"],
        role: &["What would you do if a key team member left halfway through a project?", "How do you handle scope creep when a sponsor keeps adding requirements?", "How do you keep a team motivated on a long project with a distant deadline?"] },
    Family { name: DS, cues: &["data scientist", "data science", "data analyst", "machine learning", "ml engineer", "analytics", "business intelligence", "bi analyst", "statistician"],
        technical: &["How would you explain the difference between correlation and causation to a non-technical stakeholder?", "Walk me through how you would build a model to predict customer churn, from raw data to deployment.", "How do you handle missing or messy data before an analysis?", "How do you decide whether an experiment's result is trustworthy enough to act on?"],
        role: &["Tell me about an analysis that changed a business decision. How did you communicate it?", "How do you decide when a simple model is good enough?", "What would you do if the data contradicted what a senior stakeholder firmly believed?"] },
    Family { name: NURSING, cues: &["nurse", "nursing", "rn", "lpn", "lvn", "cna", "midwife"],
        technical: &["How do you prioritise care when several patients need you at the same time?", "Walk me through how you would respond to a patient whose condition suddenly deteriorates.", "How do you make sure medication is given safely, especially during a busy shift?", "What does a good shift handover look like to you, and what must never be left out?"],
        role: &["How would you care for a patient or relative who is angry or distressed?", "What would you do if you believed a doctor's order was unsafe for your patient?", "How do you look after your own wellbeing through long or emotionally hard shifts?"] },
    Family { name: TEACH, cues: &["teacher", "teaching", "tutor", "instructor", "educator", "lecturer", "professor"],
        technical: &["How do you plan a lesson so that students at different levels can all make progress?", "How do you check that students have actually understood, not just finished the work?", "Walk me through how you would teach a topic students usually find hard.", "How do you use assessment results to adjust your teaching?"],
        role: &["How do you handle a student who is regularly disruptive in class?", "How do you respond to a parent who disagrees with how you handled their child?", "How do you support a student who is falling behind without singling them out?"] },
    Family { name: DESIGN, cues: &["designer", "ux", "ui", "user experience", "user researcher", "design lead", "head of design"],
        technical: &["Walk me through a project in your portfolio, from the problem to the final design.", "How do you run usability testing, and how do you decide which findings to act on?", "How do you keep a design system consistent as more teams contribute to it?", "How do you build accessibility into a design from the start rather than at the end?"],
        role: &["How do you handle a stakeholder who wants a design change you disagree with?", "How do you work with engineers when a design turns out to be hard to build?", "How do you balance user needs against business goals when they pull in different directions?"] },
    Family { name: SUPPORT, cues: &["customer support", "customer service", "customer success", "customer care", "support specialist", "support agent", "support engineer", "technical support", "help desk", "helpdesk", "call center", "call centre"],
        technical: &["How do you troubleshoot an issue when the customer cannot clearly describe what is wrong?", "How do you prioritise your queue when several urgent tickets arrive at once?", "How do you write a help article or saved reply that actually reduces repeat contacts?", "Which support metrics matter most to you, and how have you improved them?"],
        role: &["How would you handle an angry customer who demands a refund we cannot give?", "What do you do when you do not know the answer to a customer's question?", "How do you pass customer feedback to the product team so that it gets acted on?"] },
    Family { name: MKT, cues: &["marketing", "marketer", "seo", "content strategist", "brand manager", "copywriter", "growth marketing", "social media manager"],
        technical: &["How would you plan the launch campaign for a new product on a limited budget?", "Which metrics would you use to judge whether a campaign worked, and why those?", "How do you decide how to split a budget between channels?", "Walk me through how you would build a clear picture of our target customer."],
        role: &["Tell me about a campaign that underperformed. What did you change?", "How do you keep a brand's voice consistent across channels and teams?", "How would you work with sales to improve the quality of the leads marketing passes on?"] },
    Family { name: SALES, cues: &["sales", "account executive", "business development", "account manager", "sdr", "bdr", "salesperson"],
        technical: &["Walk me through your sales process from first contact to a closed deal.", "How do you qualify a lead, and when do you decide to walk away?", "Sell me something you use every day, starting with the questions you would ask me first.", "How do you build and manage your pipeline to hit a quarterly quota?"],
        role: &["How would you handle a prospect who tells you our price is too high?", "Tell me about the largest deal you closed and what made it work.", "How do you keep an account growing after the first sale?"] },
    Family { name: FIN, cues: &["finance", "financial", "accountant", "accounting", "controller", "auditor", "bookkeeper", "treasury", "fp&a", "investment", "actuary", "cfo"],
        technical: &["Walk me through how the three financial statements connect.", "How would you build a forecast for a business with seasonal revenue?", "How do you check a financial model for errors before it reaches decision makers?", "How would you value a company, and which assumptions matter most?"],
        role: &["How would you explain a budget variance to a manager with no finance background?", "What would you do if you found an error in numbers that had already been reported?", "How do you handle month-end close when deadlines are tight and data arrives late?"] },
    Family { name: SE, cues: &["software", "developer", "programmer", "backend", "back-end", "frontend", "front-end", "full stack", "full-stack", "devops", "sre", "site reliability", "engineering manager", "platform engineer", "cloud engineer", "data engineer", "security engineer", "qa engineer", "test engineer", "mobile engineer", "ios", "android"],
        technical: &["How would you design a URL shortener that handles millions of requests a day? Walk me through the main components.", "How do you approach debugging a production issue you cannot reproduce locally?", "What makes code easy to review and maintain? Give me an example from your own work.", "How do you decide between a relational database and a document store for a new service?"],
        role: &["How do you balance shipping quickly against paying down technical debt?", "Tell me about a code review where you and the author disagreed. How was it resolved?", "How do you make sure a change you deploy is safe, and what do you do when it is not?"] },
];

// ---------------------------------------------------------------- skill lexicon

/// How a skill is asked about: a tool you work with, or a practice you do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Tool,
    Practice,
}
const TOOL: Kind = Kind::Tool;
const PRAC: Kind = Kind::Practice;

/// A lexicon entry: the display name (its lower case is the skill's name), kind, role family.
type Entry = (&'static str, Kind, &'static str);

/// The curated skill lexicon.
#[rustfmt::skip]
const LEXICON: &[Entry] = &[
    ("Python", TOOL, SE), ("Rust", TOOL, SE), ("Go", TOOL, SE), ("Java", TOOL, SE), ("JavaScript", TOOL, SE), ("TypeScript", TOOL, SE),
    ("C++", TOOL, SE), ("C#", TOOL, SE), ("C", TOOL, SE), ("Ruby", TOOL, SE), ("PHP", TOOL, SE), ("Kotlin", TOOL, SE), ("Swift", TOOL, SE),
    ("Scala", TOOL, SE), ("SQL", TOOL, SE), ("PostgreSQL", TOOL, SE), ("MySQL", TOOL, SE), ("MongoDB", TOOL, SE), ("Redis", TOOL, SE),
    ("Kafka", TOOL, SE), ("Kubernetes", TOOL, SE), ("Docker", TOOL, SE), ("Terraform", TOOL, SE), ("AWS", TOOL, SE), ("GCP", TOOL, SE),
    ("Azure", TOOL, SE), ("Linux", TOOL, SE), ("React", TOOL, SE), ("Angular", TOOL, SE), ("Vue", TOOL, SE), ("Node.js", TOOL, SE),
    ("Django", TOOL, SE), ("Spring", TOOL, SE), ("GraphQL", TOOL, SE), ("REST APIs", TOOL, SE), ("microservices", TOOL, SE), ("CI/CD", TOOL, SE),
    ("Git", TOOL, SE), ("distributed systems", TOOL, SE), ("system design", PRAC, SE), ("test automation", TOOL, SE), ("code review", PRAC, SE),
    ("pandas", TOOL, DS), ("PyTorch", TOOL, DS), ("TensorFlow", TOOL, DS), ("scikit-learn", TOOL, DS), ("Spark", TOOL, DS), ("Airflow", TOOL, DS),
    ("dbt", TOOL, DS), ("Snowflake", TOOL, DS), ("Tableau", TOOL, DS), ("Power BI", TOOL, DS), ("Looker", TOOL, DS), ("R", TOOL, DS),
    ("machine learning", TOOL, DS), ("deep learning", TOOL, DS), ("statistics", PRAC, DS), ("A/B testing", PRAC, DS), ("data visualization", PRAC, DS),
    ("Figma", TOOL, DESIGN), ("Sketch", TOOL, DESIGN), ("Adobe XD", TOOL, DESIGN), ("Photoshop", TOOL, DESIGN), ("Illustrator", TOOL, DESIGN),
    ("user research", PRAC, DESIGN), ("prototyping", PRAC, DESIGN), ("wireframing", PRAC, DESIGN), ("usability testing", PRAC, DESIGN),
    ("design systems", PRAC, DESIGN), ("accessibility", PRAC, DESIGN), ("interaction design", PRAC, DESIGN),
    ("roadmapping", PRAC, PM), ("product strategy", PRAC, PM), ("stakeholder management", PRAC, PM), ("user stories", PRAC, PM), ("OKRs", PRAC, PM),
    ("go-to-market", PRAC, PM), ("Jira", TOOL, PROJ), ("project management", PRAC, PROJ), ("Agile", PRAC, PROJ), ("Scrum", PRAC, PROJ),
    ("Kanban", PRAC, PROJ), ("risk management", PRAC, PROJ), ("Asana", TOOL, PROJ), ("Microsoft Project", TOOL, PROJ), ("resource planning", PRAC, PROJ),
    ("negotiation", PRAC, SALES), ("Salesforce", TOOL, SALES), ("HubSpot", TOOL, SALES), ("prospecting", PRAC, SALES), ("cold calling", PRAC, SALES),
    ("account management", PRAC, SALES), ("lead generation", PRAC, SALES), ("CRM", TOOL, SALES), ("pipeline management", PRAC, SALES), ("consultative selling", PRAC, SALES),
    ("SEO", PRAC, MKT), ("content marketing", PRAC, MKT), ("social media", PRAC, MKT), ("email marketing", PRAC, MKT), ("Google Analytics", TOOL, MKT),
    ("copywriting", PRAC, MKT), ("brand strategy", PRAC, MKT), ("paid search", PRAC, MKT), ("marketing automation", TOOL, MKT),
    ("patient care", PRAC, NURSING), ("medication administration", PRAC, NURSING), ("triage", PRAC, NURSING), ("wound care", PRAC, NURSING),
    ("patient education", PRAC, NURSING), ("electronic health records", TOOL, NURSING), ("infection control", PRAC, NURSING), ("IV therapy", PRAC, NURSING),
    ("care planning", PRAC, NURSING), ("critical care", PRAC, NURSING),
    ("customer service", PRAC, SUPPORT), ("troubleshooting", PRAC, SUPPORT), ("Zendesk", TOOL, SUPPORT), ("de-escalation", PRAC, SUPPORT), ("conflict resolution", PRAC, SUPPORT),
    ("lesson planning", PRAC, TEACH), ("classroom management", PRAC, TEACH), ("curriculum development", PRAC, TEACH), ("differentiated instruction", PRAC, TEACH),
    ("special education", PRAC, TEACH), ("Google Classroom", TOOL, TEACH), ("student engagement", PRAC, TEACH),
    ("financial modeling", PRAC, FIN), ("forecasting", PRAC, FIN), ("budgeting", PRAC, FIN), ("financial reporting", PRAC, FIN), ("variance analysis", PRAC, FIN),
    ("account reconciliation", PRAC, FIN), ("valuation", PRAC, FIN), ("auditing", PRAC, FIN), ("FP&A", PRAC, FIN), ("QuickBooks", TOOL, FIN), ("SAP", TOOL, FIN), ("Excel", TOOL, FIN),
    ("people management", PRAC, ""), ("mentoring", PRAC, ""), ("public speaking", PRAC, ""),
];

/// Other spellings: (alias, display name of the lexicon entry).
#[rustfmt::skip]
const ALIASES: &[(&str, &str)] = &[
    ("postgres", "PostgreSQL"), ("k8s", "Kubernetes"), ("golang", "Go"), ("nodejs", "Node.js"), ("amazon web services", "AWS"), ("google cloud", "GCP"),
    ("rest api", "REST APIs"), ("restful", "REST APIs"), ("ml", "machine learning"), ("ab testing", "A/B testing"), ("a/b tests", "A/B testing"),
    ("sklearn", "scikit-learn"), ("ehr", "electronic health records"), ("financial modelling", "financial modeling"), ("data visualisation", "data visualization"),
    ("customer relationship management", "CRM"),
];

/// Skills that are also everyday words: they only count when written with a capital letter.
#[rustfmt::skip]
const CAPITALISED_ONLY: &[&str] = &["go", "r", "c", "react", "excel", "swift", "spark", "spring", "sketch", "rust"];

// ---------------------------------------------------------------- generic banks and templates

const OPENER: &str = "Tell me about yourself and why this {title} role at {company} interests you.";

const BEHAVIORAL_BANK: &[&str] = &[
    "Tell me about a time you had to deliver under a tight deadline. What did you do, and what was the result?",
    "Describe a time you disagreed with a colleague or manager. How did you handle it?",
    "Tell me about a mistake you made at work. What happened, and what did you learn from it?",
    "Give me an example of a time you took ownership of a problem nobody else wanted.",
    "Tell me about a time you had to influence someone without having authority over them.",
    "Describe a situation where you had to learn something new quickly to get the job done.",
    "Tell me about a time you received difficult feedback. How did you respond?",
    "Give me an example of a goal you set yourself and how you made sure you reached it.",
    "Tell me about a time you had to juggle competing priorities. How did you decide what came first?",
    "Describe a time you worked with someone who was hard to work with. What did you do?",
    "Tell me about the accomplishment you are most proud of and the part you personally played.",
    "Tell me about a time you fell short of an expectation. What did you do next?",
    "Give me an example of a time you improved the way your team worked.",
    "Tell me about a time you had to make a decision without all the information you wanted.",
];

const SITUATIONAL_BANK: &[&str] = &[
    "What would you do if you realised halfway through a project that the deadline could not be met?",
    "How would you handle a teammate who keeps missing commitments that affect your work?",
    "Imagine two senior stakeholders ask you for conflicting things on the same day. What would you do?",
    "If you joined us and found an existing process clearly inefficient, how would you go about changing it?",
    "What would you do if you were asked to do something you believed was not in the customer's interest?",
    "How would you approach your first week if your manager was away and you had no clear brief?",
    "Suppose you discover a mistake of yours after the work has been delivered. What do you do?",
    "How would you respond if a decision you argued against was made anyway?",
];

const MOTIVATION_BANK: &[&str] = &[
    "Walk me through your background and what led you to apply for this {title} role.",
    "What do you know about {company}, and what made you want to work here?",
    "What are you looking for in your next role that you are not getting today?",
    "Why are you thinking about leaving your current position?",
    "What kind of team and manager help you do your best work?",
    "Where do you see your career going over the next three to five years?",
    "What salary range are you expecting for this {title} role?",
    "When would you be able to start, and is there anything about timing we should know?",
    "What other opportunities are you considering, and how does this one compare?",
    "What would make you say yes to an offer from {company}?",
];

/// Craft questions for any role (used after the family's, or alone when the role is unknown).
const GENERIC_TECHNICAL: &[&str] = &[
    "What tools and methods do you rely on most in your work, and why those?",
    "Walk me through the most complex piece of work you have delivered, step by step.",
    "How do you check the quality of your own work before anyone else sees it?",
    "Describe a process you improved. What did you measure before and after?",
    "How do you keep your professional skills current, and what have you learned recently?",
    "How do you break a large, ambiguous task down into something you can start on today?",
    "What is a common mistake people make in your field, and how do you avoid it?",
    "How do you decide when a piece of work is good enough to hand over?",
];

const GENERIC_ROLE: &[&str] = &[
    "What separates someone who is good in this {title} role from someone who is great?",
    "What would you focus on in your first 90 days in this {title} role?",
    "Which part of this {title} role do you expect to find hardest, and how would you prepare for it?",
    "How would your last manager describe the strengths you would bring to this {title} role?",
];

const TOOL_TECHNICAL: &[&str] = &[
    "Walk me through a project where you worked with {skill}. What was your part, and what would you do differently now?",
    "What is the hardest problem you have solved with {skill}, and how did you approach it?",
    "What are the strengths and weaknesses of {skill}, and when would you choose something else?",
    "Tell me about a time {skill} did not behave the way you expected. How did you work out why?",
    "How would you explain how {skill} works to a colleague who has never used it?",
];
const TOOL_BEHAVIORAL: &[&str] = &[
    "Tell me about a time you had to deliver something important with {skill} under pressure. What did you do, and what was the result?",
    "Describe a time you had to learn {skill} quickly for a project. How did you go about it, and how did it turn out?",
    "Give me an example of a time you helped a teammate get better with {skill}. What did you do, and what changed?",
];
const PRACTICE_ROLE: &[&str] = &[
    "How do you approach {skill} in your day-to-day work, and how has your approach changed over time?",
    "Walk me through a situation where {skill} was the hardest part of the job. What did you do?",
    "What does excellent {skill} look like to you, and how would we see it in your first 90 days?",
    "What is a common mistake people make with {skill}, and how do you avoid it?",
];
const PRACTICE_BEHAVIORAL: &[&str] = &[
    "Tell me about a time when {skill} was central to your success. What was the situation, what did you do, and what was the result?",
    "Describe a time you had to get better at {skill} quickly. What did you do, and how did it turn out?",
    "Give me an example of a difficult situation involving {skill}. How did you handle it, and what was the result?",
];

// ---------------------------------------------------------------- drills

/// Which curated questions a drill wraps with its coaching instruction.
#[derive(Debug, Clone, Copy)]
enum Bases {
    /// Story questions (behavioral bank).
    Stories,
    /// Stories and hypotheticals.
    Broad,
    /// Craft questions, then hypotheticals.
    Craft,
}

/// One drill skill: stand-alone prompts, and coaching appended to curated questions.
struct Drill {
    name: &'static str,
    category: &'static str,
    prompts: &'static [&'static str],
    coaching: &'static [&'static str],
    bases: Bases,
}

/// One entry per DRILL_SKILLS name, in the same order.
#[rustfmt::skip]
const DRILLS: &[Drill] = &[
    Drill { name: "storytelling", category: BEHAVIORAL, bases: Bases::Stories,
        prompts: &["Tell me about a challenge you overcame at work, using the STAR structure: situation, task, action, result.", "Describe a project you are proud of. Set the scene in one sentence, then spend most of your answer on what you did.", "Tell me about a time a plan changed at the last minute. Make the situation, your task, your actions and the result each clear.", "Walk me through a decision you made at work as a story with a clear beginning, middle and end."],
        coaching: &["Answer with one real example, told as situation, task, action and result.", "Keep the situation brief and make your own actions the centre of the story."] },
    Drill { name: "impact", category: BEHAVIORAL, bases: Bases::Stories,
        prompts: &["Tell me about your biggest professional achievement. Put at least one number on the result.", "Describe a time you saved your team time or money. How much, and how do you know?", "What result from the past year would you put at the top of your resume, and what changed because of it?", "Tell me about a time your work made a measurable difference to a customer or colleague."],
        coaching: &["Use a real example and finish with the result, with a number on it.", "Make clear what changed because of you, with a before and after."] },
    Drill { name: "conciseness", category: MOTIVATION, bases: Bases::Broad,
        prompts: &["In under a minute, tell me what you do and what you are best at.", "Summarise your last role in three sentences.", "In two sentences, why should we hire you for this {title} role?", "Explain the most complex thing you work on as you would to a new colleague, in under a minute."],
        coaching: &["Answer in under a minute and lead with your main point.", "Give your answer in three sentences or fewer."] },
    Drill { name: "confidence", category: MOTIVATION, bases: Bases::Broad,
        prompts: &["What is your greatest strength, and how has it shown up in your work? Answer without hedging.", "Tell me why you are a strong fit for this {title} role. State your case plainly.", "Describe a decision you made that others doubted. Explain it with conviction.", "What would you push back on in your first month here, and why?"],
        coaching: &["Answer without hedges such as \"I think\", \"maybe\" or \"sort of\".", "Own your part: say \"I\", not \"we\", and state the results plainly."] },
    Drill { name: "technical_depth", category: TECHNICAL, bases: Bases::Craft,
        prompts: &["Pick a technical problem you solved recently and take me one level deeper than you normally would.", "Explain a trade-off you made in your work: what were the options, and why did you choose the one you did?", "What is a tool or method you know really well? Tell me something about it most people get wrong.", "Walk me through how you would diagnose a problem in a system or process you know well."],
        coaching: &["Go one level deeper: explain how it works and why you would choose that approach.", "Name the trade-offs and the alternatives you would weigh."] },
    Drill { name: "relevance", category: ROLE_SPECIFIC, bases: Bases::Broad,
        prompts: &["How does your most recent experience prepare you for this {title} role?", "Which of your past achievements is most relevant to this {title} role, and why?", "What is one skill you would bring to this {title} role from day one?", "Tell me about a problem you solved that is like the ones you would face in this {title} role."],
        coaching: &["Tie your answer back to what this {title} role needs.", "End by saying why it matters for this {title} role."] },
    Drill { name: "delivery", category: BEHAVIORAL, bases: Bases::Broad,
        prompts: &["Answer out loud: tell me about a project you are proud of. Where you would say \"um\", pause instead.", "Say out loud, in about a minute, what you did in your last role, at a steady pace.", "Answer out loud: describe a problem you solved recently. Slow down on the result and let it land.", "Tell me out loud about a time you worked under pressure, in under two minutes, without filler words."],
        coaching: &["Answer out loud at a steady pace, and pause instead of saying \"um\" or \"like\".", "Say it out loud; keep to the length a real answer takes and slow down on the result."] },
];

// ---------------------------------------------------------------- matching

/// Characters that continue a word: "go" is not whole in "go-to", "c" not in "c++".
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '+' | '#' | '&' | '-' | '_')
}

/// Byte ranges where `needle` (lower-case ASCII) occurs in `text` as a whole word or phrase.
/// `lower` is `text` with ASCII letters lower-cased, so the offsets agree.
fn spans(text: &str, lower: &str, needle: &str, capitalised: bool) -> Vec<(usize, usize)> {
    lower
        .match_indices(needle)
        .map(|(start, m)| (start, start + m.len()))
        .filter(|&(start, end)| {
            let before = text.get(..start).and_then(|s| s.chars().next_back());
            let after = text.get(end..).and_then(|s| s.chars().next());
            !before.is_some_and(is_word_char)
                && !after.is_some_and(is_word_char)
                && (!capitalised
                    || text
                        .as_bytes()
                        .get(start)
                        .is_some_and(u8::is_ascii_uppercase))
        })
        .collect()
}

/// Lexicon entries found in the title and description, in order of first appearance.
/// Overlapping matches keep the earliest, then the longest ("a/b testing" over "testing").
fn found_skills(job_title: &str, job_description: Option<&str>) -> Vec<&'static Entry> {
    let text = format!("{job_title}\n{}", job_description.unwrap_or(""));
    let lower = text.to_ascii_lowercase();
    let mut hits = Vec::new();
    for (index, entry) in LEXICON.iter().enumerate() {
        let key = entry.0.to_ascii_lowercase();
        let strict = CAPITALISED_ONLY.contains(&key.as_str());
        for (start, end) in spans(&text, &lower, &key, strict) {
            hits.push((start, end, index));
        }
        for (alias, _) in ALIASES.iter().filter(|(_, to)| *to == entry.0) {
            for (start, end) in spans(&text, &lower, alias, false) {
                hits.push((start, end, index));
            }
        }
    }
    hits.sort_by_key(|&(start, end, _)| (start, std::cmp::Reverse(end)));
    let mut taken_to = 0;
    let mut found: Vec<&'static Entry> = Vec::new();
    for (start, end, index) in hits {
        if start < taken_to {
            continue;
        }
        taken_to = end;
        if let Some(entry) = LEXICON.get(index)
            && !found.iter().any(|f| f.0 == entry.0)
        {
            found.push(entry);
        }
    }
    found
}

/// The family named in the title; failing that, the one the description points to most
/// (cues plus lexicon skills of the family, at least two).
fn family_of(job_title: &str, job_description: Option<&str>) -> Option<&'static Family> {
    let title_lower = job_title.to_ascii_lowercase();
    let named = |text: &str, lower: &str, cue: &str| !spans(text, lower, cue, false).is_empty();
    if let Some(family) = FAMILIES
        .iter()
        .find(|f| f.cues.iter().any(|cue| named(job_title, &title_lower, cue)))
    {
        return Some(family);
    }
    let description = job_description?;
    let lower = description.to_ascii_lowercase();
    let skills = found_skills("", Some(description));
    let mut best: Option<(&'static Family, usize)> = None;
    for family in FAMILIES {
        let cues = family
            .cues
            .iter()
            .filter(|cue| named(description, &lower, cue))
            .count();
        let score = cues + skills.iter().filter(|s| s.2 == family.name).count();
        if score >= 2 && best.is_none_or(|(_, top)| score > top) {
            best = Some((family, score));
        }
    }
    best.map(|(family, _)| family)
}

/// The role family recognised from a job title (and description), e.g. "software engineering",
/// "product management", "sales", "nursing", "data science", "design", "marketing",
/// "customer support", "project management", "teaching", "finance"; None when unknown.
///
/// A family named in the title wins (in a fixed priority order, so "Sales Engineer" is sales);
/// otherwise the description decides when it names the family at least twice.
pub fn role_family(job_title: &str, job_description: Option<&str>) -> Option<&'static str> {
    family_of(job_title, job_description).map(|f| f.name)
}

/// Skills named in the job description (and title) found in a curated skill lexicon
/// (e.g. "python", "kubernetes", "sql", "stakeholder management", "negotiation", "patient care",
/// "figma", "a/b testing", "forecasting"...; ≥ 80 entries across the role families), in order of
/// first appearance, de-duplicated, case-insensitive, whole-word matching (so "go" does not match
/// "good", "java" does not match "javascript"; multi-word skills matched as phrases).
///
/// Common spellings are folded ("Postgres" → "postgresql", "k8s" → "kubernetes"); skills that are
/// also everyday words ("Go", "React", "Excel"…) count only when capitalised ("we write Go").
pub fn extract_skills(job_title: &str, job_description: Option<&str>) -> Vec<String> {
    found_skills(job_title, job_description)
        .into_iter()
        .map(|e| e.0.to_lowercase())
        .collect()
}

// ---------------------------------------------------------------- assembly

/// Whitespace collapsed, trailing punctuation dropped, cut at a word to at most `max` chars.
fn tidy(raw: &str, max: usize) -> String {
    let mut out = String::new();
    for word in raw.split_whitespace() {
        let len = out.chars().count();
        if len == 0 && word.chars().count() > max {
            out = word.chars().take(max).collect();
            break;
        }
        if len + 1 + word.chars().count() > max {
            break;
        }
        if len > 0 {
            out.push(' ');
        }
        out.push_str(word);
    }
    out.trim_end_matches(['.', ',', ';', ':', '!', '?', '-'])
        .to_string()
}

/// Values substituted into templates.
struct Vars {
    title: String,
    company: String,
}

impl Vars {
    fn new(job_title: &str, company: Option<&str>) -> Self {
        let company = company.map(|c| tidy(c, 50)).filter(|c| !c.is_empty());
        Self {
            title: tidy(job_title, 60),
            company: company.unwrap_or_else(|| "our company".to_string()),
        }
    }

    /// Fills `{title}` ("this {title} role" becomes "this role" without a title), `{company}`, `{skill}`.
    fn fill(&self, template: &str, skill: &str) -> String {
        let text = if self.title.is_empty() {
            template.replace("{title} ", "")
        } else {
            template.replace("{title}", &self.title)
        };
        text.replace("{company}", &self.company)
            .replace("{skill}", skill)
    }
}

/// The questions chosen so far, with their texts for de-duplication.
#[derive(Default)]
struct Session {
    questions: Vec<GeneratedQuestion>,
    seen: HashSet<String>,
}

impl Session {
    /// Adds the question unless it is too long or its text was already asked.
    fn offer(&mut self, question: GeneratedQuestion) -> bool {
        if question.text.chars().count() >= MAX_CHARS
            || !self.seen.insert(question.text.to_lowercase())
        {
            return false;
        }
        self.questions.push(question);
        true
    }

    /// Takes the first acceptable question from `pool`.
    fn take(&mut self, pool: &mut VecDeque<GeneratedQuestion>) -> bool {
        while let Some(question) = pool.pop_front() {
            if self.offer(question) {
                return true;
            }
        }
        false
    }
}

/// FNV-1a: a stable hash (std's hasher may change between releases).
fn stable_hash(text: &str) -> usize {
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    (hash % 1_000_003) as usize
}

/// `list` starting at `by` (modulo its length) and wrapping around.
fn rotated(list: &'static [&'static str], by: usize) -> impl Iterator<Item = &'static str> {
    let skip = by.checked_rem(list.len()).unwrap_or(0);
    list.iter().copied().cycle().skip(skip).take(list.len())
}

/// Which pool a pattern slot draws from.
#[derive(Debug, Clone, Copy)]
enum Slot {
    /// Behavioral (STAR) questions.
    B,
    /// Job-description skill templates.
    J,
    /// Craft questions of the family, then generic ones.
    T,
    /// Role situations of the family, then generic ones about the role.
    R,
    /// Hypotheticals.
    S,
    /// Motivation and background.
    M,
}

/// The repeating slot pattern after the opener, and the pool to fall back on first.
fn plan(interview_type: InterviewType) -> (&'static [Slot], Slot) {
    use Slot::{B, J, M, R, S, T};
    match interview_type {
        InterviewType::Behavioral => (&[B, J, B, R, B, J, S, B, B, M, J, B], B),
        InterviewType::Technical => (&[T, J, T, J, R, B, T, J, S, T, R, J, T, B, M], T),
        InterviewType::Phone => (&[M, M, J, M, R, M, B, M, T, M, S, J], M),
        InterviewType::Panel => (&[B, J, T, S, R, M, B, J, T, R, S, B], B),
    }
}

/// Templates for one skill kind in one interview type, with the category they give.
fn skill_templates(interview_type: InterviewType, kind: Kind) -> Vec<(&'static str, &'static str)> {
    let (craft, craft_category, story) = match kind {
        Kind::Tool => (TOOL_TECHNICAL, TECHNICAL, TOOL_BEHAVIORAL),
        Kind::Practice => (PRACTICE_ROLE, ROLE_SPECIFIC, PRACTICE_BEHAVIORAL),
    };
    let craft = craft.iter().map(|t| (*t, craft_category));
    let story = story.iter().map(|t| (*t, BEHAVIORAL));
    match interview_type {
        InterviewType::Behavioral => story.collect(),
        InterviewType::Technical | InterviewType::Phone => craft.collect(),
        InterviewType::Panel => {
            let (mut craft, mut story) = (craft.peekable(), story.peekable());
            let mut mixed = Vec::new();
            while craft.peek().is_some() || story.peek().is_some() {
                mixed.extend(craft.next());
                mixed.extend(story.next());
            }
            mixed
        }
    }
}

/// Skill questions round by round: every skill once, then every skill again with the next template.
fn skill_questions(
    skills: &[&'static Entry],
    interview_type: InterviewType,
    vars: &Vars,
) -> VecDeque<GeneratedQuestion> {
    let tool = skill_templates(interview_type, Kind::Tool);
    let practice = skill_templates(interview_type, Kind::Practice);
    let mut out = VecDeque::new();
    for round in 0..tool.len().max(practice.len()) {
        for (i, entry) in skills.iter().enumerate() {
            let templates = if entry.1 == Kind::Tool {
                &tool
            } else {
                &practice
            };
            let Some(&(template, category)) = (i + round)
                .checked_rem(templates.len())
                .and_then(|at| templates.get(at))
            else {
                continue;
            };
            let text = vars.fill(template, entry.0);
            let skill = Some(entry.0.to_lowercase());
            out.push_back(GeneratedQuestion {
                text,
                category,
                source: Source::JobDescription,
                skill,
            });
        }
    }
    out
}

/// `count` questions (1..=30; clamp) for a practice session: a sensible mix for the interview type
/// (behavioral → mostly STAR story questions; technical → role technical questions plus one or two
/// behavioral; phone → motivation/background screening questions; panel → a mix across categories),
/// made role-specific by the role family (each family has its own curated questions, ≥ 6 each) and by
/// the extracted skills (template questions such as "Walk me through a project where you used {skill}."
/// with source JobDescription and skill Some(..)), always starting with an opener ("Tell me about yourself
/// and why this {job_title} role at {company or 'our company'} interests you." style — include company when given).
/// Deterministic (no randomness): same inputs → same output. No duplicate texts. Never empty.
pub fn generate(
    job_title: &str,
    company: Option<&str>,
    interview_type: InterviewType,
    job_description: Option<&str>,
    count: usize,
) -> Vec<GeneratedQuestion> {
    let count = count.clamp(1, MAX_QUESTIONS);
    let vars = Vars::new(job_title, company);
    let family = family_of(job_title, job_description);
    let skills: Vec<_> = found_skills(job_title, job_description)
        .into_iter()
        .take(MAX_SKILLS)
        .collect();
    let seed = stable_hash(&vars.title.to_lowercase());
    let bank = |template: &str, category| GeneratedQuestion {
        text: vars.fill(template, ""),
        category,
        source: Source::Bank,
        skill: None,
    };

    let (technical, role) = family.map_or((&[][..], &[][..]), |f| (f.technical, f.role));
    let mut pools: [VecDeque<GeneratedQuestion>; 6] = Default::default();
    pools[Slot::B as usize] = rotated(BEHAVIORAL_BANK, seed)
        .map(|t| bank(t, BEHAVIORAL))
        .collect();
    pools[Slot::J as usize] = skill_questions(&skills, interview_type, &vars);
    pools[Slot::T as usize] = technical
        .iter()
        .chain(GENERIC_TECHNICAL)
        .map(|t| bank(t, TECHNICAL))
        .collect();
    pools[Slot::R as usize] = role
        .iter()
        .chain(GENERIC_ROLE)
        .map(|t| bank(t, ROLE_SPECIFIC))
        .collect();
    pools[Slot::S as usize] = rotated(SITUATIONAL_BANK, seed / 7)
        .map(|t| bank(t, SITUATIONAL))
        .collect();
    pools[Slot::M as usize] = MOTIVATION_BANK
        .iter()
        .map(|t| bank(t, MOTIVATION))
        .collect();

    let mut session = Session::default();
    session.offer(bank(OPENER, MOTIVATION));
    let (pattern, primary) = plan(interview_type);
    for &slot in pattern.iter().cycle() {
        if session.questions.len() >= count {
            break;
        }
        let order = [
            slot,
            primary,
            Slot::B,
            Slot::S,
            Slot::R,
            Slot::T,
            Slot::M,
            Slot::J,
        ];
        if !order.iter().any(|&s| session.take(&mut pools[s as usize])) {
            break; // every pool is spent
        }
    }
    session.questions
}

/// Progress of one drill skill within a drill session.
struct DrillState {
    drill: &'static Drill,
    /// Curated questions this drill may wrap with its coaching, with their categories.
    bases: Vec<(&'static str, &'static str)>,
    prompts_used: usize,
    combos: usize,
    turns: usize,
    done: bool,
}

impl DrillState {
    fn new(drill: &'static Drill, family: Option<&'static Family>) -> Self {
        let (technical, role) = family.map_or((&[][..], &[][..]), |f| (f.technical, f.role));
        let tag = |category| move |t: &&'static str| (*t, category);
        let role = role.iter().map(tag(ROLE_SPECIFIC));
        let stories = BEHAVIORAL_BANK.iter().map(tag(BEHAVIORAL));
        let situational = SITUATIONAL_BANK.iter().map(tag(SITUATIONAL));
        let bases = match drill.bases {
            Bases::Craft => {
                let craft = technical.iter().chain(GENERIC_TECHNICAL);
                craft.map(tag(TECHNICAL)).chain(situational).collect()
            }
            Bases::Stories => role.chain(stories).collect(),
            Bases::Broad => role.chain(stories).chain(situational).collect(),
        };
        Self {
            drill,
            bases,
            prompts_used: 0,
            combos: 0,
            turns: 0,
            done: false,
        }
    }

    fn question(&self, text: String, category: &'static str) -> GeneratedQuestion {
        let skill = Some(self.drill.name.to_string());
        GeneratedQuestion {
            text,
            category,
            source: Source::Drill,
            skill,
        }
    }

    /// `base` followed by the drill's `n`th coaching instruction (cycling).
    fn coached(&self, base: &str, n: usize, vars: &Vars) -> String {
        let coaching = self.drill.coaching;
        let tip = n.checked_rem(coaching.len()).and_then(|i| coaching.get(i));
        format!(
            "{} {}",
            vars.fill(base, ""),
            vars.fill(tip.copied().unwrap_or(""), "")
        )
    }

    /// Adds this skill's next question to `session`; false when the skill has nothing left.
    /// Alternates stand-alone prompts with coached curated questions (the coached one first
    /// when `role_first`), using each curated question once per session while fresh ones remain.
    fn next(
        &mut self,
        session: &mut Session,
        used: &mut HashSet<&'static str>,
        vars: &Vars,
        role_first: bool,
    ) -> bool {
        let prompt_turn = (self.turns + usize::from(role_first)).is_multiple_of(2);
        self.turns += 1;
        if prompt_turn && self.next_prompt(session, vars) {
            return true;
        }
        for &(base, category) in &self.bases {
            if used.insert(base)
                && session.offer(self.question(self.coached(base, self.combos, vars), category))
            {
                self.combos += 1;
                return true;
            }
        }
        for &(base, category) in &self.bases {
            for n in 0..self.drill.coaching.len() {
                if session.offer(self.question(self.coached(base, n, vars), category)) {
                    return true;
                }
            }
        }
        self.next_prompt(session, vars)
    }

    fn next_prompt(&mut self, session: &mut Session, vars: &Vars) -> bool {
        while let Some(prompt) = self.drill.prompts.get(self.prompts_used) {
            self.prompts_used += 1;
            if session.offer(self.question(vars.fill(prompt, ""), self.drill.category)) {
                return true;
            }
        }
        false
    }
}

/// `count` drill questions (clamp 1..=30) targeting `skills` (names from DRILL_SKILLS; unknown names
/// ignored; if none known, use "storytelling"), spread round-robin across the skills, source Drill,
/// skill Some(skill), role-flavoured by `job_title` when a role family is recognised. Deterministic, no duplicates.
///
/// Names are matched after trimming and lower-casing, with spaces or hyphens read as underscores
/// ("Technical depth" → "technical_depth").
pub fn drill(skills: &[String], job_title: &str, count: usize) -> Vec<GeneratedQuestion> {
    let count = count.clamp(1, MAX_QUESTIONS);
    let mut chosen: Vec<&'static Drill> = Vec::new();
    for name in skills {
        let key = name.trim().to_lowercase().replace([' ', '-'], "_");
        if let Some(d) = DRILLS.iter().find(|d| d.name == key)
            && !chosen.iter().any(|c| c.name == d.name)
        {
            chosen.push(d);
        }
    }
    if chosen.is_empty() {
        chosen.extend(DRILLS.first());
    }
    let family = family_of(job_title, None);
    let vars = Vars::new(job_title, None);
    let mut states: Vec<DrillState> = chosen
        .into_iter()
        .map(|d| DrillState::new(d, family))
        .collect();
    let mut used = HashSet::new();
    let mut session = Session::default();
    while session.questions.len() < count && states.iter().any(|s| !s.done) {
        for state in states.iter_mut().filter(|s| !s.done) {
            if session.questions.len() >= count {
                break;
            }
            state.done = !state.next(&mut session, &mut used, &vars, family.is_some());
        }
    }
    session.questions
}

#[cfg(test)]
mod tests {
    use super::*;

    const TYPES: [InterviewType; 4] = [
        InterviewType::Behavioral,
        InterviewType::Technical,
        InterviewType::Phone,
        InterviewType::Panel,
    ];
    const SE_JD: &str =
        "We build backend services in Rust, deployed on Kubernetes, with PostgreSQL for storage.";
    const TITLES: &[&str] = &[
        "Senior Software Engineer",
        "Product Manager",
        "Registered Nurse",
        "Account Executive",
        "Data Scientist",
        "Product Designer",
        "Marketing Manager",
        "Customer Support Specialist",
        "Project Manager",
        "High School Teacher",
        "Financial Analyst",
        "Chief Vibes Officer",
        "",
    ];

    fn texts(questions: &[GeneratedQuestion]) -> Vec<&str> {
        questions.iter().map(|q| q.text.as_str()).collect()
    }

    fn share(questions: &[GeneratedQuestion], category: &str) -> f64 {
        questions.iter().filter(|q| q.category == category).count() as f64 / questions.len() as f64
    }

    #[test]
    fn three_roles_get_different_role_specific_questions_with_their_jd_skills() {
        let se = generate(
            "Senior Software Engineer",
            Some("Acme"),
            InterviewType::Technical,
            Some(SE_JD),
            10,
        );
        let pm = generate(
            "Product Manager",
            Some("Acme"),
            InterviewType::Technical,
            Some("You will own the roadmap and stakeholder management."),
            10,
        );
        let rn = generate(
            "Registered Nurse",
            Some("Acme"),
            InterviewType::Technical,
            Some("Patient care and medication administration on a busy ward."),
            10,
        );
        let all = se
            .iter()
            .chain(&pm)
            .chain(&rn)
            .map(|q| q.text.to_lowercase())
            .collect::<Vec<_>>()
            .join("\n");
        for skill in [
            "rust",
            "kubernetes",
            "postgresql",
            "stakeholder management",
            "patient care",
            "medication administration",
        ] {
            assert!(all.contains(skill), "{skill} missing");
        }
        let skilled: Vec<_> = se
            .iter()
            .filter(|q| q.source == Source::JobDescription)
            .collect();
        assert!(skilled.len() >= 3);
        assert!(skilled.iter().all(|q| {
            q.skill
                .as_deref()
                .is_some_and(|s| q.text.to_lowercase().contains(s))
        }));
        assert!(se.iter().any(|q| q.text.contains("URL shortener")));
        assert!(pm.iter().any(|q| q.text.contains("backlog")));
        assert!(rn.iter().any(|q| q.text.contains("several patients")));
        let role_specific = |qs: &[GeneratedQuestion]| -> HashSet<String> {
            qs.iter()
                .filter(|q| q.source == Source::Bank && q.category != BEHAVIORAL)
                .skip(1)
                .map(|q| q.text.clone())
                .collect()
        };
        assert!(role_specific(&se).is_disjoint(&role_specific(&pm)));
        assert!(role_specific(&pm).is_disjoint(&role_specific(&rn)));
    }

    #[test]
    fn behavioral_sessions_are_mostly_behavioral_questions() {
        for title in TITLES {
            let qs = generate(title, None, InterviewType::Behavioral, Some(SE_JD), 10);
            assert!(share(&qs, BEHAVIORAL) > 0.5, "{title}: {:?}", texts(&qs));
        }
        let qs = generate(
            "Senior Software Engineer",
            None,
            InterviewType::Behavioral,
            Some(SE_JD),
            8,
        );
        assert!(
            qs.iter()
                .any(|q| q.source == Source::JobDescription && q.category == BEHAVIORAL)
        );
    }

    #[test]
    fn technical_sessions_are_craft_questions_with_one_or_two_behavioral() {
        let qs = generate(
            "Senior Software Engineer",
            None,
            InterviewType::Technical,
            Some(SE_JD),
            12,
        );
        let behavioral = qs.iter().filter(|q| q.category == BEHAVIORAL).count();
        assert!((1..=2).contains(&behavioral), "{behavioral}");
        assert!(share(&qs, TECHNICAL) >= 0.5);
    }

    #[test]
    fn phone_screens_are_mostly_motivation_and_panels_mix_categories() {
        let phone = generate("Account Executive", None, InterviewType::Phone, None, 8);
        assert!(share(&phone, MOTIVATION) >= 0.5, "{:?}", texts(&phone));
        let panel = generate(
            "Data Scientist",
            None,
            InterviewType::Panel,
            Some("Python and SQL."),
            12,
        );
        let categories: HashSet<_> = panel.iter().map(|q| q.category).collect();
        assert_eq!(categories.len(), CATEGORIES.len());
    }

    #[test]
    fn same_inputs_give_the_same_questions() {
        for t in TYPES {
            assert_eq!(
                generate(
                    "Product Manager",
                    Some("Acme"),
                    t,
                    Some("SQL, roadmapping"),
                    15
                ),
                generate(
                    "Product Manager",
                    Some("Acme"),
                    t,
                    Some("SQL, roadmapping"),
                    15
                )
            );
        }
        let skills = vec!["impact".to_string(), "relevance".to_string()];
        assert_eq!(
            drill(&skills, "Registered Nurse", 12),
            drill(&skills, "Registered Nurse", 12)
        );
    }

    #[test]
    fn sessions_never_repeat_a_question_and_always_fill_thirty() {
        for title in TITLES {
            for t in TYPES {
                for jd in [
                    None,
                    Some(SE_JD),
                    Some("Negotiation, Salesforce, forecasting, Figma and patient care."),
                ] {
                    let qs = generate(title, Some("Acme"), t, jd, 30);
                    assert_eq!(qs.len(), 30, "{title} {t:?}");
                    let unique: HashSet<_> = qs.iter().map(|q| q.text.to_lowercase()).collect();
                    assert_eq!(unique.len(), qs.len(), "{title} {t:?}");
                }
            }
        }
    }

    #[test]
    fn count_is_respected_and_clamped() {
        for t in TYPES {
            assert_eq!(generate("Nurse", None, t, None, 0).len(), 1);
            assert_eq!(generate("Nurse", None, t, None, 7).len(), 7);
            assert_eq!(generate("Nurse", None, t, None, 31).len(), 30);
            assert_eq!(generate("", None, t, None, 1000).len(), 30);
        }
        let storytelling = vec!["storytelling".to_string()];
        assert_eq!(drill(&storytelling, "", 0).len(), 1);
        assert_eq!(drill(&storytelling, "", 99).len(), 30);
    }

    #[test]
    fn the_opener_comes_first_and_names_the_role_and_company() {
        let qs = generate(
            "Senior Software Engineer",
            Some("Acme Corp"),
            InterviewType::Panel,
            None,
            5,
        );
        assert_eq!(
            qs[0].text,
            "Tell me about yourself and why this Senior Software Engineer role at Acme Corp interests you."
        );
        assert_eq!(qs[0].category, MOTIVATION);
        let anonymous = generate("Teacher", Some("  "), InterviewType::Phone, None, 1);
        assert_eq!(
            anonymous[0].text,
            "Tell me about yourself and why this Teacher role at our company interests you."
        );
        let untitled = generate("  ", None, InterviewType::Behavioral, None, 1);
        assert_eq!(
            untitled[0].text,
            "Tell me about yourself and why this role at our company interests you."
        );
    }

    #[test]
    fn skills_match_whole_words_only() {
        assert!(
            !extract_skills("Manager", Some("Good communication is a must."))
                .contains(&"go".to_string())
        );
        assert_eq!(
            extract_skills("", Some("we write Go and Python")),
            ["go", "python"]
        );
        assert_eq!(
            extract_skills("", Some("Modern JavaScript; no Java.")),
            ["javascript", "java"]
        );
        assert!(
            extract_skills(
                "",
                Some("We go the extra mile, react quickly and excel at C-suite R&D.")
            )
            .is_empty()
        );
        assert_eq!(
            extract_skills("", Some("C++ and C# and C.")),
            ["c++", "c#", "c"]
        );
        assert_eq!(
            extract_skills("Ingénieur", Some("Expérience: Python — Kubernetes…")),
            ["python", "kubernetes"]
        );
    }

    #[test]
    fn skills_come_in_order_of_appearance_deduplicated_with_phrases_and_aliases() {
        let found = extract_skills(
            "Python Developer",
            Some(
                "KUBERNETES (k8s), Postgres, python, A/B testing and stakeholder management; go-to-market.",
            ),
        );
        assert_eq!(
            found,
            [
                "python",
                "kubernetes",
                "postgresql",
                "a/b testing",
                "stakeholder management",
                "go-to-market"
            ]
        );
        assert!(extract_skills("", None).is_empty());
    }

    #[test]
    fn role_families_come_from_the_title_then_the_description() {
        let cases = [
            ("Senior Software Engineer", SE),
            ("Product Manager", PM),
            ("Registered Nurse", NURSING),
            ("Sales Engineer", SALES),
            ("Data Scientist", DS),
            ("UX Designer", DESIGN),
            ("Marketing Manager", MKT),
            ("Customer Support Specialist", SUPPORT),
            ("Project Manager", PROJ),
            ("Maths Teacher", TEACH),
            ("Financial Analyst", FIN),
        ];
        for (title, family) in cases {
            assert_eq!(role_family(title, None), Some(family), "{title}");
        }
        assert_eq!(role_family("Chief Vibes Officer", None), None);
        assert_eq!(
            role_family(
                "Associate",
                Some("You will write Python and deploy with Docker.")
            ),
            Some(SE)
        );
        assert_eq!(role_family("Associate", Some("A good team.")), None);
    }

    #[test]
    fn drills_spread_round_robin_and_ignore_unknown_skills() {
        let skills = [
            "impact",
            "juggling",
            "Technical depth",
            "impact",
            "conciseness",
        ]
        .map(String::from);
        let qs = drill(&skills, "Senior Software Engineer", 9);
        assert_eq!(qs.len(), 9);
        let names: Vec<_> = qs
            .iter()
            .map(|q| q.skill.as_deref().unwrap_or(""))
            .collect();
        assert_eq!(names[..3], ["impact", "technical_depth", "conciseness"]);
        for skill in ["impact", "technical_depth", "conciseness"] {
            assert_eq!(names.iter().filter(|n| **n == skill).count(), 3);
        }
        assert!(qs.iter().all(|q| q.source == Source::Drill));
        let fallback = drill(&["juggling".to_string()], "", 4);
        assert!(
            fallback
                .iter()
                .all(|q| q.skill.as_deref() == Some("storytelling"))
        );
        assert!(
            drill(&[], "", 2)
                .iter()
                .all(|q| q.skill.as_deref() == Some("storytelling"))
        );
    }

    #[test]
    fn drills_are_role_flavoured_when_the_family_is_known() {
        let nurse = drill(&["storytelling".to_string()], "Registered Nurse", 3);
        let role = FAMILIES
            .iter()
            .find(|f| f.name == NURSING)
            .map(|f| f.role)
            .unwrap();
        assert!(
            nurse
                .iter()
                .any(|q| role.iter().any(|r| q.text.starts_with(r))),
            "{:?}",
            texts(&nurse)
        );
        let relevance = drill(&["relevance".to_string()], "Registered Nurse", 4);
        assert!(
            relevance
                .iter()
                .all(|q| q.text.contains("Registered Nurse")),
            "{:?}",
            texts(&relevance)
        );
    }

    #[test]
    fn every_drill_fills_thirty_without_repeats() {
        for name in DRILL_SKILLS {
            for title in ["Registered Nurse", "Chief Vibes Officer"] {
                let qs = drill(&[name.to_string()], title, 30);
                assert_eq!(qs.len(), 30, "{name} {title}");
                assert_eq!(qs.iter().map(|q| &q.text).collect::<HashSet<_>>().len(), 30);
            }
        }
        let all: Vec<String> = DRILL_SKILLS.iter().map(|s| s.to_string()).collect();
        assert_eq!(drill(&all, "Data Scientist", 30).len(), 30);
    }

    #[test]
    fn unknown_roles_still_get_sensible_generic_questions() {
        let qs = generate(
            "Chief Vibes Officer",
            None,
            InterviewType::Technical,
            None,
            10,
        );
        assert_eq!(qs.len(), 10);
        assert!(
            qs.iter()
                .all(|q| q.source == Source::Bank && q.skill.is_none())
        );
        assert!(
            qs.iter()
                .any(|q| GENERIC_TECHNICAL.contains(&q.text.as_str()))
        );
        assert!(
            qs.iter()
                .any(|q| q.text.contains("this Chief Vibes Officer role"))
        );
    }

    #[test]
    fn every_question_reads_like_an_interviewer_wrote_it() {
        let long_title = "Principal Staff Distinguished Senior Lead Software Engineer for Platform Infrastructure and Developer Experience";
        let mut all = Vec::new();
        for title in TITLES.iter().chain([&long_title]) {
            for t in TYPES {
                all.extend(generate(
                    title,
                    Some("Acme Corporation International Holdings"),
                    t,
                    Some(SE_JD),
                    30,
                ));
                all.extend(generate(
                    title,
                    None,
                    t,
                    Some("Negotiation, CRM, usability testing, FP&A, IV therapy, REST APIs."),
                    30,
                ));
            }
            let skills: Vec<String> = DRILL_SKILLS.iter().map(|s| s.to_string()).collect();
            all.extend(drill(&skills, title, 30));
        }
        for q in &all {
            let t = &q.text;
            assert!(t.chars().count() < MAX_CHARS, "{t}");
            assert!(t.ends_with('?') || t.ends_with('.'), "{t}");
            assert!(t.starts_with(|c: char| c.is_uppercase()), "{t}");
            assert!(
                !t.contains('{') && !t.contains("  ") && !t.contains(" ."),
                "{t}"
            );
            assert!(CATEGORIES.contains(&q.category));
        }
    }

    #[test]
    fn the_curated_data_is_complete() {
        assert!(LEXICON.len() >= 80);
        assert_eq!(FAMILIES.len(), 11);
        for f in FAMILIES {
            assert!(f.technical.len() + f.role.len() >= 6, "{}", f.name);
        }
        assert!(
            LEXICON
                .iter()
                .all(|e| e.2.is_empty() || FAMILIES.iter().any(|f| f.name == e.2))
        );
        assert!(
            ALIASES
                .iter()
                .all(|(_, to)| LEXICON.iter().any(|e| e.0 == *to))
        );
        assert_eq!(
            DRILLS.iter().map(|d| d.name).collect::<Vec<_>>(),
            DRILL_SKILLS
        );
        let keys: HashSet<_> = LEXICON.iter().map(|e| e.0.to_lowercase()).collect();
        assert_eq!(keys.len(), LEXICON.len());
        assert_eq!(
            [Source::Bank, Source::JobDescription, Source::Drill].map(Source::as_str),
            ["bank", "job_description", "drill"]
        );
    }
}
