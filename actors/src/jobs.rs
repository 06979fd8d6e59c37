//! Background jobs: the `JobSupervisor` (one per node) and one `Job` actor per
//! running job.
//!
//! Jobs live in the database ([`JobQueue`]): the supervisor claims due jobs
//! with a lease, up to its concurrency, and starts a `Job` actor for each. The
//! Job runs the work ([`JobRunner`], the recording pipeline) and renews its
//! lease while it runs; when the lease cannot be renewed (the interview was
//! deleted, or another node took the job over) the Job stops, which drops the
//! work in flight. The supervisor applies the policy when a Job ends: done, or
//! another attempt after an exponential backoff, or — after the last attempt
//! or on an error that no retry can fix — the dead-letter state, and the
//! runner tells the user why. A panic in the work is caught and counted as a
//! failed attempt.
//!
//! Nothing here is lost in a crash: a job whose node died keeps its expired
//! lease and is claimed again (by any node); the runner's stages are
//! idempotent, so a re-run never duplicates results or notifications.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use async_trait::async_trait;
use futures_util::FutureExt as _;

/// A job this node holds the lease of.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedJob {
    /// The job's id (the same as its interview's).
    pub id: String,
    pub owner: String,
    pub interview_id: String,
    /// How many times this job has been run for its user (a re-analysis is run 2…).
    pub run: u32,
    /// Attempts so far, this one included.
    pub attempts: u32,
}

/// Why an attempt failed.
#[derive(Debug, Clone, PartialEq)]
pub struct JobFailure {
    /// For the user: what went wrong and, when they can, what to do.
    pub message: String,
    /// Whether another attempt could succeed (a network error may; a video
    /// without sound will not).
    pub retryable: bool,
}

impl JobFailure {
    pub fn permanent(message: impl Into<String>) -> Self {
        Self { message: message.into(), retryable: false }
    }

    pub fn transient(message: impl Into<String>) -> Self {
        Self { message: message.into(), retryable: true }
    }
}

/// The durable queue.
#[async_trait]
pub trait JobQueue: Send + Sync + 'static {
    /// Claims up to `limit` due jobs (queued and due, or running with an
    /// expired lease) for `worker`, leased until now + `lease`.
    async fn claim(&self, worker: &str, limit: usize, lease: Duration) -> anyhow::Result<Vec<ClaimedJob>>;
    /// Extends the lease; `false` when `worker` no longer holds it (or the job is gone).
    async fn renew(&self, job: &ClaimedJob, worker: &str, lease: Duration) -> anyhow::Result<bool>;
    async fn finish(&self, job: &ClaimedJob, worker: &str) -> anyhow::Result<()>;
    /// Puts the job back, due after `delay`.
    async fn retry(&self, job: &ClaimedJob, worker: &str, error: &str, delay: Duration) -> anyhow::Result<()>;
    /// Moves the job to the dead-letter state with its last error.
    async fn bury(&self, job: &ClaimedJob, worker: &str, error: &str) -> anyhow::Result<()>;
    /// Lets go of a lease without counting the attempt (the node is shutting down).
    async fn release(&self, job: &ClaimedJob, worker: &str) -> anyhow::Result<()>;
}

/// The work of a job.
#[async_trait]
pub trait JobRunner: Send + Sync + 'static {
    async fn run(&self, job: ClaimedJob) -> Result<(), JobFailure>;
    /// The job has failed for good: tell the user.
    async fn failed(&self, job: &ClaimedJob, failure: &JobFailure);
    /// Another attempt will follow after `delay` (for the status shown meanwhile).
    async fn retrying(&self, job: &ClaimedJob, failure: &JobFailure, delay: Duration);
}

/// The supervisor's settings.
#[derive(Debug, Clone)]
pub struct JobConfig {
    /// Jobs run at once on this node.
    pub concurrency: usize,
    pub lease: Duration,
    pub max_attempts: u32,
    /// Delay before the second attempt; doubles for each further one.
    pub backoff_base: Duration,
    /// How often the queue is checked when nothing woke the supervisor.
    pub poll_interval: Duration,
}

/// Claims and runs jobs, and decides what happens when one ends.
pub struct JobSupervisor {
    worker: String,
    queue: Arc<dyn JobQueue>,
    runner: Arc<dyn JobRunner>,
    config: JobConfig,
    running: HashMap<String, (ClaimedJob, Addr<Job>)>,
    claiming: bool,
    /// Set by [`Shutdown`]: claim nothing more.
    stopping: bool,
}

impl JobSupervisor {
    pub fn new(queue: Arc<dyn JobQueue>, runner: Arc<dyn JobRunner>, config: JobConfig) -> Self {
        Self {
            worker: format!("node-{}", uuid::Uuid::new_v4()),
            queue,
            runner,
            config,
            running: HashMap::new(),
            claiming: false,
            stopping: false,
        }
    }

    fn claim(&mut self, ctx: &mut Context<Self>) {
        let free = self.config.concurrency.saturating_sub(self.running.len());
        if self.claiming || self.stopping || free == 0 {
            return;
        }
        self.claiming = true;
        let queue = Arc::clone(&self.queue);
        let worker = self.worker.clone();
        let lease = self.config.lease;
        async move { queue.claim(&worker, free, lease).await }
            .into_actor(self)
            .map(|claimed, this, ctx| {
                this.claiming = false;
                match claimed {
                    Ok(jobs) => {
                        let any = !jobs.is_empty();
                        for job in jobs {
                            this.start_job(job, ctx);
                        }
                        // There may be more due than this claim took.
                        if any {
                            ctx.notify(Wake);
                        }
                    }
                    Err(error) => tracing::warn!(error = format!("{error:#}"), "claiming jobs failed"),
                }
            })
            .spawn(ctx);
    }

    fn start_job(&mut self, job: ClaimedJob, ctx: &mut Context<Self>) {
        metrics::counter!("debrief_jobs_started_total").increment(1);
        if job.attempts > self.config.max_attempts {
            // Claimed again after its node died on the last attempt: no more tries.
            let failure = JobFailure::permanent("processing stopped unexpectedly several times; please try again later");
            self.conclude(job, Err(failure), ctx);
            return;
        }
        let addr = Job {
            job: job.clone(),
            worker: self.worker.clone(),
            queue: Arc::clone(&self.queue),
            runner: Arc::clone(&self.runner),
            supervisor: ctx.address(),
            lease: self.config.lease,
            done: false,
        }
        .start();
        self.running.insert(job.id.clone(), (job, addr));
        metrics::gauge!("debrief_jobs_running").set(self.running.len() as f64);
    }

    /// Applies the retry policy to an ended attempt.
    fn conclude(&mut self, job: ClaimedJob, outcome: Result<(), JobFailure>, ctx: &mut Context<Self>) {
        let queue = Arc::clone(&self.queue);
        let runner = Arc::clone(&self.runner);
        let worker = self.worker.clone();
        let config = self.config.clone();
        async move {
            let result = match outcome {
                Ok(()) => {
                    metrics::counter!("debrief_jobs_completed_total").increment(1);
                    queue.finish(&job, &worker).await
                }
                Err(failure) if failure.retryable && job.attempts < config.max_attempts => {
                    metrics::counter!("debrief_jobs_retried_total").increment(1);
                    let delay = config.backoff_base * 2u32.saturating_pow(job.attempts.saturating_sub(1));
                    runner.retrying(&job, &failure, delay).await;
                    queue.retry(&job, &worker, &failure.message, delay).await
                }
                Err(failure) => {
                    metrics::counter!("debrief_jobs_failed_total").increment(1);
                    runner.failed(&job, &failure).await;
                    queue.bury(&job, &worker, &failure.message).await
                }
            };
            if let Err(error) = result {
                tracing::warn!(job = %job.id, error = format!("{error:#}"), "recording a job's outcome failed");
            }
        }
        .into_actor(self)
        .map(|(), _, ctx| ctx.notify(Wake))
        .spawn(ctx);
    }
}

impl Actor for JobSupervisor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.run_interval(self.config.poll_interval, |this, ctx| this.claim(ctx));
        self.claim(ctx);
    }
}

/// New work may be due: check the queue now.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Wake;

impl Handler<Wake> for JobSupervisor {
    type Result = ();

    fn handle(&mut self, _: Wake, ctx: &mut Context<Self>) {
        self.claim(ctx);
    }
}

/// A Job actor's attempt ended (or the Job lost its lease: `outcome` is `None`).
#[derive(Message)]
#[rtype(result = "()")]
struct Ended {
    job_id: String,
    outcome: Option<Result<(), JobFailure>>,
}

impl Handler<Ended> for JobSupervisor {
    type Result = ();

    fn handle(&mut self, msg: Ended, ctx: &mut Context<Self>) {
        let Some((job, _)) = self.running.remove(&msg.job_id) else {
            return;
        };
        metrics::gauge!("debrief_jobs_running").set(self.running.len() as f64);
        match msg.outcome {
            Some(outcome) => self.conclude(job, outcome, ctx),
            None => ctx.notify(Wake),
        }
    }
}

/// The interview is being deleted: stop its job here, if it runs here.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Cancel {
    pub interview_id: String,
}

impl Handler<Cancel> for JobSupervisor {
    type Result = ();

    fn handle(&mut self, msg: Cancel, _: &mut Context<Self>) {
        let ids: Vec<String> = self
            .running
            .iter()
            .filter(|(_, (job, _))| job.interview_id == msg.interview_id)
            .map(|(id, _)| id.clone())
            .collect();
        for id in ids {
            if let Some((_, addr)) = self.running.remove(&id) {
                metrics::counter!("debrief_jobs_cancelled_total").increment(1);
                addr.do_send(StopJob);
            }
        }
        metrics::gauge!("debrief_jobs_running").set(self.running.len() as f64);
    }
}

/// The node is shutting down: stop every Job and hand their leases back so
/// the next node (or this one, restarted) picks them up at once.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Shutdown;

impl Handler<Shutdown> for JobSupervisor {
    type Result = ResponseFuture<()>;

    fn handle(&mut self, _: Shutdown, _: &mut Context<Self>) -> Self::Result {
        self.stopping = true;
        let running: Vec<_> = self.running.drain().map(|(_, pair)| pair).collect();
        let queue = Arc::clone(&self.queue);
        let worker = self.worker.clone();
        Box::pin(async move {
            for (job, addr) in running {
                addr.do_send(StopJob);
                if let Err(error) = queue.release(&job, &worker).await {
                    tracing::warn!(job = %job.id, error = format!("{error:#}"), "releasing a job failed");
                }
            }
        })
    }
}

/// How many jobs run on this node (for tests and diagnostics).
#[derive(Message)]
#[rtype(result = "usize")]
pub struct RunningCount;

impl Handler<RunningCount> for JobSupervisor {
    type Result = usize;

    fn handle(&mut self, _: RunningCount, _: &mut Context<Self>) -> usize {
        self.running.len()
    }
}

/// One running attempt of a job.
pub struct Job {
    job: ClaimedJob,
    worker: String,
    queue: Arc<dyn JobQueue>,
    runner: Arc<dyn JobRunner>,
    supervisor: Addr<JobSupervisor>,
    lease: Duration,
    done: bool,
}

impl Actor for Job {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        let runner = Arc::clone(&self.runner);
        let job = self.job.clone();
        AssertUnwindSafe(async move { runner.run(job).await })
            .catch_unwind()
            .into_actor(self)
            .map(|result, this, ctx| {
                let outcome = result.unwrap_or_else(|_| {
                    tracing::error!(job = %this.job.id, "a job panicked");
                    Err(JobFailure::transient("processing failed unexpectedly"))
                });
                this.done = true;
                this.supervisor.do_send(Ended { job_id: this.job.id.clone(), outcome: Some(outcome) });
                ctx.stop();
            })
            .spawn(ctx);
        ctx.run_interval(self.lease / 3, |this, ctx| this.renew(ctx));
    }

    fn stopped(&mut self, _: &mut Context<Self>) {
        if !self.done {
            tracing::info!(job = %self.job.id, "job stopped before it finished");
        }
    }
}

impl Job {
    fn renew(&mut self, ctx: &mut Context<Self>) {
        let queue = Arc::clone(&self.queue);
        let job = self.job.clone();
        let worker = self.worker.clone();
        let lease = self.lease;
        async move { queue.renew(&job, &worker, lease).await }
            .into_actor(self)
            .map(|renewed, this, ctx| match renewed {
                Ok(true) => {}
                Ok(false) => {
                    // Deleted, or taken over after a missed renewal: stop the work.
                    tracing::info!(job = %this.job.id, "job lease lost; stopping");
                    this.done = true;
                    this.supervisor.do_send(Ended { job_id: this.job.id.clone(), outcome: None });
                    ctx.stop();
                }
                Err(error) => tracing::warn!(job = %this.job.id, error = format!("{error:#}"), "renewing a job lease failed"),
            })
            .spawn(ctx);
    }
}

/// Stop the work now.
#[derive(Message)]
#[rtype(result = "()")]
struct StopJob;

impl Handler<StopJob> for Job {
    type Result = ();

    fn handle(&mut self, _: StopJob, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}
