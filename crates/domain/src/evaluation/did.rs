//! Difference-in-differences with unit and round fixed effects, standard errors clustered
//! by unit of assignment.
//!
//! The model, for observation i of unit u(i) in round r(i):
//!
//! y_i = α_u + γ_r + Σ_a β_a · [arm(u) = a]·[r is post-treatment] + e_i
//!
//! with one β per arm other than the comparison ([`Spec::Pooled`]), or, to see the
//! pre-trends, one β per arm and round but a reference round, the last one before
//! treatment ([`Spec::EventStudy`]): its pre-treatment β should be near zero if the arms
//! moved in parallel before the programme.
//!
//! The unit effects are absorbed by subtracting each unit's mean from the outcome and from
//! every other column. By Frisch–Waugh–Lovell this gives exactly the β of the regression
//! with one dummy per unit, on balanced and unbalanced panels alike (a unit missing a round
//! is fine: the round dummies are regressors of their own and are demeaned too). What
//! remains is p × p normal equations, p being the round and treatment columns.
//!
//! Standard errors are cluster-robust (CR1) exactly as statsmodels computes them for
//! `ols('y ~ C(unit) + C(round) + treat').fit(cov_type='cluster', use_t=True)`:
//! V = c · (X'X)⁻¹ (Σ_g X_g'e_g e_g'X_g) (X'X)⁻¹ with c = G/(G−1) · (N−1)/(N−K), K counting
//! every column of that regression (one per unit, the intercept among them, R − 1 rounds,
//! the treatment columns), and t intervals on G − 1 degrees of freedom. Computing them on
//! the demeaned columns is exact only when every unit lies inside one cluster (the unit
//! dummies' scores then sum to zero within each cluster), which is checked: units of
//! assignment are schools or people, clusters are the units of assignment or larger.

use super::dist::{t_quantile, t_two_sided};
use super::linalg::spd_inverse;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

/// Below this many clusters, cluster-robust t intervals can be too narrow (Cameron, Gelbach
/// and Miller 2008; MacKinnon and Webb 2017): the estimate says so and a wild cluster
/// bootstrap interval ([`super::bootstrap`]) should be shown beside it.
pub const FEW_CLUSTERS: usize = 40;

/// The floor under which no estimate is given: 4 clusters in all, and 2 in every arm, the
/// comparison included. With one cluster in an arm, that arm's effect cannot be told apart
/// from whatever else happened to that one cluster, and the cluster-robust variance, built
/// from the clusters' own residuals, has nothing to measure it with (it is then known to be
/// far too small, and no bootstrap repairs it). Fewer than 4 clusters leave the t reference
/// distribution on G − 1 degrees of freedom with 1 or 2, where any interval is
/// meaningless.
pub const MIN_CLUSTERS: usize = 4;
/// See [`MIN_CLUSTERS`].
pub const MIN_CLUSTERS_PER_ARM: usize = 2;

/// The confidence level of the intervals given with an estimate.
pub const LEVEL: f64 = 0.95;

/// One measurement of the outcome.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// The unit whose fixed effect absorbs its level: a school, or a person.
    pub unit: i64,
    /// The unit of assignment (or a larger group) the standard errors are clustered by.
    pub cluster: i64,
    /// Index into [`Design::rounds`].
    pub round: usize,
    /// Index into [`Design::arms`]: the arm the unit was assigned to.
    pub arm: usize,
    pub y: f64,
}

/// A round of data collection (baseline, midline, endline, or as a deployment names them),
/// in the order they took place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Round {
    pub name: String,
    /// After the programme started in the treated arms.
    pub post: bool,
}

/// How arms were given to units: this decides what an estimate may be read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Assignment {
    /// Drawn at random (by OpenCPD or recorded from the evaluators' draw).
    Randomised,
    /// Not at random: schools chose, or were chosen.
    Observational,
}

/// An evaluation design: its rounds, its arms and which arm is the comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Design {
    pub rounds: Vec<Round>,
    /// Training, coaching, both, comparison; or any the deployment names.
    pub arms: Vec<String>,
    /// Index into `arms`.
    pub comparison: usize,
    pub assignment: Assignment,
}

/// Which coefficients to estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Spec {
    /// One effect per arm, after against before.
    Pooled,
    /// One coefficient per arm and round, against the last pre-treatment round.
    EventStudy,
}

/// Which K the small-sample factor c = G/(G−1) · (N−1)/(N−K) counts.
///
/// The two differ only in (N−1)/(N−K), and much on short panels: schools observed in 3
/// rounds give N ≈ 3·units and K ≈ units with every unit dummy counted, so c is about 1.5
/// and the intervals about 22% wider than needed (95% intervals then cover the true effect
/// about 98% of the time in simulations). Both are exact formulas; the first is the one the
/// statsmodels reference computes and is the default, the second is the one a panel
/// estimator that absorbs effects nested in clusters uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Correction {
    /// K counts every column of the regression with a dummy per unit: what statsmodels
    /// computes for `ols('y ~ C(unit) + C(round) + treat')`.
    #[default]
    EveryColumn,
    /// K counts the round and treatment columns and one for the level; the unit dummies,
    /// nested in clusters, are not counted (they cost no cluster-level degree of freedom).
    NestedNotCounted,
}

/// Why an estimate is not given. Each names what is missing or wrong, so that the person
/// asking can fix the data or the design; an estimate refused is never printed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Refusal {
    #[error("the comparison arm (number {comparison}) is not one of the design's {arms} arms")]
    ComparisonNotAnArm { comparison: usize, arms: usize },
    #[error("the design has no arm besides the comparison '{comparison}': there is nothing to compare")]
    NothingToCompare { comparison: String },
    #[error("the design has no round before the programme (baseline): a difference-in-differences needs one")]
    NoPreRound,
    #[error("the design has no round after the programme started: a difference-in-differences needs one")]
    NoPostRound,
    #[error("an observation names round number {round}, but the design has {rounds} rounds")]
    UnknownRound { round: usize, rounds: usize },
    #[error("an observation names arm number {arm}, but the design has {arms} arms")]
    UnknownArm { arm: usize, arms: usize },
    #[error("unit {unit} has an outcome that is not a number in round '{round}'")]
    NotANumber { unit: i64, round: String },
    #[error("unit {unit} is in arm '{first}' in one observation and in arm '{second}' in another")]
    UnitChangesArm { unit: i64, first: String, second: String },
    #[error(
        "unit {unit} is in cluster {first} in one observation and in cluster {second} in another: \
         units must be nested in clusters"
    )]
    UnitInTwoClusters { unit: i64, first: i64, second: i64 },
    #[error("round '{round}' has no data")]
    RoundWithoutData { round: String },
    #[error("the comparison arm '{arm}' has no units with data: arms cannot be compared without it")]
    NoComparison { arm: String },
    #[error("arm '{arm}' has no units with data")]
    ArmWithoutUnits { arm: String },
    #[error("the outcome has no variance: every observation is {value}")]
    NoVariance { value: f64 },
    #[error("too few clusters: {found} in all, at least {needed} are needed for a cluster-robust estimate")]
    TooFewClusters { found: usize, needed: usize },
    #[error(
        "too few clusters in arm '{arm}': {found}, at least {needed} are needed \
         (with one, the arm's effect cannot be told from that cluster's own changes)"
    )]
    TooFewClustersInArm { arm: String, found: usize, needed: usize },
    #[error("too few observations: {observations} for {parameters} parameters")]
    TooFewObservations { observations: usize, parameters: usize },
    #[error(
        "the design cannot separate '{column}' from the unit and round effects and the other columns \
         (for example an arm with no data in any round after the programme, or in the round it is compared at)"
    )]
    Collinear { column: String },
}

/// What a coefficient is the effect of.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Term {
    /// Index into [`Design::arms`].
    pub arm: usize,
    pub arm_name: String,
    /// The round of an event-study coefficient; none for a pooled effect.
    pub round: Option<usize>,
    pub round_name: Option<String>,
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.round_name {
            Some(r) => write!(f, "{} × {}", self.arm_name, r),
            None => f.write_str(&self.arm_name),
        }
    }
}

/// One estimated effect with its inference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coefficient {
    pub term: Term,
    pub estimate: f64,
    /// Cluster-robust (CR1) standard error.
    pub se: f64,
    pub t: f64,
    /// Two-sided, Student t on G − 1 degrees of freedom.
    pub p_value: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// Units, clusters and observations of one arm, shown beside the estimate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArmCount {
    pub arm: String,
    pub units: usize,
    pub clusters: usize,
    pub observations: usize,
}

/// What an estimate may be read as, in words for the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Caveat {
    Randomised,
    Observational,
    FewClusters { clusters: usize },
}

impl fmt::Display for Caveat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Caveat::Randomised => f.write_str(
                "Arms were assigned at random: the difference-in-differences estimates the programme's effect, \
                 assuming, as randomisation makes likely, that the arms would have moved in parallel without it.",
            ),
            Caveat::Observational => f.write_str(
                "Arms were not assigned at random: the estimate is the programme's effect only if the arms would \
                 have moved in parallel without it (parallel trends), which the data cannot prove; the \
                 pre-treatment coefficients of an event study can only show whether they did so before.",
            ),
            Caveat::FewClusters { clusters } => write!(
                f,
                "Only {clusters} clusters (fewer than {FEW_CLUSTERS}): cluster-robust intervals can be too narrow; \
                 read the wild cluster bootstrap interval."
            ),
        }
    }
}

/// An impact estimate: the coefficients and, beside every number, what it rests on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    pub spec: Spec,
    pub coefficients: Vec<Coefficient>,
    /// N.
    pub observations: usize,
    /// G.
    pub clusters: usize,
    pub units: usize,
    /// K as [`Estimate::correction`] counts it (by default, every column of the
    /// regression with one dummy per unit).
    pub parameters: usize,
    /// G − 1: the degrees of freedom of the t intervals.
    pub df: usize,
    /// c = G/(G−1) · (N−1)/(N−K).
    pub small_sample_factor: f64,
    pub level: f64,
    pub per_arm: Vec<ArmCount>,
    /// The event study's reference round (its coefficients are zero by construction).
    pub reference_round: Option<usize>,
    pub correction: Correction,
    pub caveats: Vec<Caveat>,
}

impl Estimate {
    /// Whether there are fewer than [`FEW_CLUSTERS`] clusters.
    pub fn few_clusters(&self) -> bool {
        self.clusters < FEW_CLUSTERS
    }

    /// The points of an event-study chart for one arm, in round order: (round, estimate,
    /// low, high), the reference round at zero with no interval of its own.
    pub fn event_points(&self, arm: usize) -> Vec<(usize, f64, f64, f64)> {
        let mut points: Vec<(usize, f64, f64, f64)> = self
            .coefficients
            .iter()
            .filter(|c| c.term.arm == arm)
            .filter_map(|c| c.term.round.map(|r| (r, c.estimate, c.ci_low, c.ci_high)))
            .collect();
        if let Some(r) = self.reference_round {
            points.push((r, 0.0, 0.0, 0.0));
        }
        points.sort_by_key(|p| p.0);
        points
    }
}

/// A design and its observations made ready to fit: the demeaned columns ordered by
/// cluster, the inverse of X'X, the counts. Built once, fitted once, and shared with the
/// wild bootstrap.
#[derive(Debug, Clone)]
pub struct Model {
    pub(crate) spec: Spec,
    /// N × p, row-major, demeaned within unit, rows grouped by cluster.
    pub(crate) x: Vec<f64>,
    pub(crate) y: Vec<f64>,
    pub(crate) p: usize,
    /// Rows of cluster g: `starts[g]..starts[g + 1]`.
    pub(crate) starts: Vec<usize>,
    /// Cluster ids in ascending order: the order of the bootstrap's weights.
    pub(crate) cluster_ids: Vec<i64>,
    /// Index of the first treatment column (the round dummies come first).
    pub(crate) first_term: usize,
    pub(crate) terms: Vec<Term>,
    pub(crate) xtx_inv: Vec<f64>,
    pub(crate) k: usize,
    correction: Correction,
    units: usize,
    per_arm: Vec<ArmCount>,
    reference_round: Option<usize>,
    assignment: Assignment,
}

/// The pooled difference-in-differences: one effect per arm.
pub fn estimate(design: &Design, observations: &[Observation]) -> Result<Estimate, Refusal> {
    Ok(Model::new(design, observations, Spec::Pooled)?.fit())
}

/// The event study: one coefficient per arm and round, the last pre-treatment round the
/// reference.
pub fn event_study(design: &Design, observations: &[Observation]) -> Result<Estimate, Refusal> {
    Ok(Model::new(design, observations, Spec::EventStudy)?.fit())
}

impl Model {
    /// Checks the design and the data and builds the regression, or says why not.
    pub fn new(design: &Design, observations: &[Observation], spec: Spec) -> Result<Model, Refusal> {
        let arms = design.arms.len();
        let rounds = design.rounds.len();
        if design.comparison >= arms {
            return Err(Refusal::ComparisonNotAnArm { comparison: design.comparison, arms });
        }
        let comparison_name = design.arms[design.comparison].clone();
        if arms < 2 {
            return Err(Refusal::NothingToCompare { comparison: comparison_name });
        }
        let reference_round = design.rounds.iter().rposition(|r| !r.post).ok_or(Refusal::NoPreRound)?;
        if !design.rounds.iter().any(|r| r.post) {
            return Err(Refusal::NoPostRound);
        }

        // Each unit: its index, arm and cluster, as first seen; every observation must agree.
        let mut unit_index: HashMap<i64, usize> = HashMap::new();
        let mut unit_arm: Vec<usize> = Vec::new();
        let mut unit_cluster: Vec<i64> = Vec::new();
        let mut unit_of = Vec::with_capacity(observations.len());
        let mut round_seen = vec![0usize; rounds];
        for o in observations {
            if o.round >= rounds {
                return Err(Refusal::UnknownRound { round: o.round, rounds });
            }
            if o.arm >= arms {
                return Err(Refusal::UnknownArm { arm: o.arm, arms });
            }
            if !o.y.is_finite() {
                return Err(Refusal::NotANumber { unit: o.unit, round: design.rounds[o.round].name.clone() });
            }
            let next = unit_index.len();
            let u = *unit_index.entry(o.unit).or_insert(next);
            if u == next {
                unit_arm.push(o.arm);
                unit_cluster.push(o.cluster);
            } else if unit_arm[u] != o.arm {
                return Err(Refusal::UnitChangesArm {
                    unit: o.unit,
                    first: design.arms[unit_arm[u]].clone(),
                    second: design.arms[o.arm].clone(),
                });
            } else if unit_cluster[u] != o.cluster {
                return Err(Refusal::UnitInTwoClusters { unit: o.unit, first: unit_cluster[u], second: o.cluster });
            }
            unit_of.push(u);
            round_seen[o.round] += 1;
        }
        if let Some(r) = round_seen.iter().position(|&n| n == 0) {
            return Err(Refusal::RoundWithoutData { round: design.rounds[r].name.clone() });
        }

        let mut per_arm: Vec<ArmCount> =
            design.arms.iter().map(|a| ArmCount { arm: a.clone(), units: 0, clusters: 0, observations: 0 }).collect();
        let mut arm_clusters: Vec<BTreeSet<i64>> = vec![BTreeSet::new(); arms];
        for (u, &a) in unit_arm.iter().enumerate() {
            per_arm[a].units += 1;
            arm_clusters[a].insert(unit_cluster[u]);
        }
        for o in observations {
            per_arm[o.arm].observations += 1;
        }
        for (count, clusters) in per_arm.iter_mut().zip(&arm_clusters) {
            count.clusters = clusters.len();
        }
        if per_arm[design.comparison].units == 0 {
            return Err(Refusal::NoComparison { arm: comparison_name });
        }
        if let Some(empty) = per_arm.iter().find(|a| a.units == 0) {
            return Err(Refusal::ArmWithoutUnits { arm: empty.arm.clone() });
        }

        let first = observations[0].y;
        if observations.iter().all(|o| o.y == first) {
            return Err(Refusal::NoVariance { value: first });
        }

        let cluster_ids: Vec<i64> = unit_cluster.iter().copied().collect::<BTreeSet<i64>>().into_iter().collect();
        let g = cluster_ids.len();
        if g < MIN_CLUSTERS {
            return Err(Refusal::TooFewClusters { found: g, needed: MIN_CLUSTERS });
        }
        // The comparison first: its message is the one to read when it is short.
        let order = std::iter::once(design.comparison).chain((0..arms).filter(|&a| a != design.comparison));
        for a in order {
            if per_arm[a].clusters < MIN_CLUSTERS_PER_ARM {
                return Err(Refusal::TooFewClustersInArm {
                    arm: per_arm[a].arm.clone(),
                    found: per_arm[a].clusters,
                    needed: MIN_CLUSTERS_PER_ARM,
                });
            }
        }

        // The columns: a dummy per round but the first, then the treatment terms.
        let treated_arms: Vec<usize> = (0..arms).filter(|&a| a != design.comparison).collect();
        let mut terms = Vec::new();
        for &a in &treated_arms {
            match spec {
                Spec::Pooled => {
                    terms.push(Term { arm: a, arm_name: design.arms[a].clone(), round: None, round_name: None })
                }
                Spec::EventStudy => {
                    for r in (0..rounds).filter(|&r| r != reference_round) {
                        terms.push(Term {
                            arm: a,
                            arm_name: design.arms[a].clone(),
                            round: Some(r),
                            round_name: Some(design.rounds[r].name.clone()),
                        });
                    }
                }
            }
        }
        let first_term = rounds - 1;
        let p = first_term + terms.len();
        let n = observations.len();
        let units = unit_index.len();
        let k = units + p;
        if n <= k {
            return Err(Refusal::TooFewObservations { observations: n, parameters: k });
        }

        // Rows grouped by cluster (then unit, round), so that per-cluster sums are slices.
        let cluster_pos: BTreeMap<i64, usize> = cluster_ids.iter().enumerate().map(|(i, &c)| (c, i)).collect();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&i| (cluster_pos[&observations[i].cluster], unit_of[i], observations[i].round, i));
        let mut starts = vec![0usize; g + 1];
        for &i in &order {
            starts[cluster_pos[&observations[i].cluster] + 1] += 1;
        }
        for c in 0..g {
            starts[c + 1] += starts[c];
        }

        let mut x = vec![0.0; n * p];
        let mut y = vec![0.0; n];
        for (row, &i) in order.iter().enumerate() {
            let o = &observations[i];
            let cols = &mut x[row * p..(row + 1) * p];
            if o.round > 0 {
                cols[o.round - 1] = 1.0;
            }
            for (t, term) in terms.iter().enumerate() {
                let on = term.arm == o.arm
                    && match term.round {
                        None => design.rounds[o.round].post,
                        Some(r) => r == o.round,
                    };
                if on {
                    cols[first_term + t] = 1.0;
                }
            }
            y[row] = o.y;
        }
        // Subtract each unit's means (the rows of a unit are contiguous).
        let mut row = 0;
        while row < n {
            let u = unit_of[order[row]];
            let mut end = row;
            while end < n && unit_of[order[end]] == u {
                end += 1;
            }
            let m = (end - row) as f64;
            let mean_y = y[row..end].iter().sum::<f64>() / m;
            y[row..end].iter_mut().for_each(|v| *v -= mean_y);
            for j in 0..p {
                let mean = (row..end).map(|i| x[i * p + j]).sum::<f64>() / m;
                (row..end).for_each(|i| x[i * p + j] -= mean);
            }
            row = end;
        }

        let mut xtx = vec![0.0; p * p];
        for r in x.chunks_exact(p) {
            for a in 0..p {
                if r[a] != 0.0 {
                    for b in 0..p {
                        xtx[a * p + b] += r[a] * r[b];
                    }
                }
            }
        }
        let xtx_inv = spd_inverse(&xtx, p).map_err(|j| Refusal::Collinear {
            column: if j < first_term {
                format!("round '{}'", design.rounds[j + 1].name)
            } else {
                terms[j - first_term].to_string()
            },
        })?;

        Ok(Model {
            spec,
            x,
            y,
            p,
            starts,
            cluster_ids,
            first_term,
            terms,
            xtx_inv,
            k,
            correction: Correction::default(),
            units,
            per_arm,
            reference_round: (spec == Spec::EventStudy).then_some(reference_round),
            assignment: design.assignment,
        })
    }

    /// N.
    pub fn observations(&self) -> usize {
        self.y.len()
    }

    /// G.
    pub fn clusters(&self) -> usize {
        self.cluster_ids.len()
    }

    /// The terms estimated, in the order of [`Estimate::coefficients`].
    pub fn terms(&self) -> &[Term] {
        &self.terms
    }

    /// The same model with another small-sample factor (the default is
    /// [`Correction::EveryColumn`]).
    pub fn with_correction(mut self, correction: Correction) -> Model {
        self.correction = correction;
        self
    }

    /// K as the chosen correction counts it.
    pub fn parameters(&self) -> usize {
        match self.correction {
            Correction::EveryColumn => self.k,
            Correction::NestedNotCounted => self.p + 1,
        }
    }

    /// c = G/(G−1) · (N−1)/(N−K).
    pub fn small_sample_factor(&self) -> f64 {
        let (n, g) = (self.observations() as f64, self.clusters() as f64);
        g / (g - 1.0) * (n - 1.0) / (n - self.parameters() as f64)
    }

    /// β for a given outcome vector (demeaned, in the model's row order).
    pub(crate) fn solve(&self, y: &[f64]) -> Vec<f64> {
        let p = self.p;
        let mut xty = vec![0.0; p];
        for (r, v) in self.x.chunks_exact(p).zip(y) {
            for j in 0..p {
                xty[j] += r[j] * v;
            }
        }
        super::linalg::mat_vec(&self.xtx_inv, &xty, p)
    }

    /// The full CR1 covariance of every column, with the coefficients.
    fn covariance(&self) -> (Vec<f64>, Vec<f64>) {
        let p = self.p;
        let beta = self.solve(&self.y);
        let mut meat = vec![0.0; p * p];
        let mut score = vec![0.0; p];
        for w in self.starts.windows(2) {
            score.iter_mut().for_each(|s| *s = 0.0);
            for i in w[0]..w[1] {
                let r = &self.x[i * p..(i + 1) * p];
                let e = self.y[i] - r.iter().zip(&beta).map(|(a, b)| a * b).sum::<f64>();
                for j in 0..p {
                    score[j] += r[j] * e;
                }
            }
            for a in 0..p {
                for b in 0..p {
                    meat[a * p + b] += score[a] * score[b];
                }
            }
        }
        let m = &self.xtx_inv;
        let mut tmp = vec![0.0; p * p];
        for a in 0..p {
            for b in 0..p {
                tmp[a * p + b] = (0..p).map(|k| m[a * p + k] * meat[k * p + b]).sum();
            }
        }
        let c = self.small_sample_factor();
        let mut v = vec![0.0; p * p];
        for a in 0..p {
            for b in 0..p {
                v[a * p + b] = c * (0..p).map(|k| tmp[a * p + k] * m[k * p + b]).sum::<f64>();
            }
        }
        (beta, v)
    }

    /// The estimate at the usual 95% level.
    pub fn fit(&self) -> Estimate {
        self.fit_at(LEVEL)
    }

    /// The estimate with intervals at `level` (0 < level < 1).
    pub fn fit_at(&self, level: f64) -> Estimate {
        let (beta, v) = self.covariance();
        let p = self.p;
        let df = self.clusters() - 1;
        let q = t_quantile(0.5 + level / 2.0, df as u64);
        let coefficients = self
            .terms
            .iter()
            .enumerate()
            .map(|(t, term)| {
                let j = self.first_term + t;
                let estimate = beta[j];
                let se = v[j * p + j].max(0.0).sqrt();
                let tstat = estimate / se;
                Coefficient {
                    term: term.clone(),
                    estimate,
                    se,
                    t: tstat,
                    p_value: t_two_sided(tstat, df as u64),
                    ci_low: estimate - q * se,
                    ci_high: estimate + q * se,
                }
            })
            .collect();
        let mut caveats = vec![match self.assignment {
            Assignment::Randomised => Caveat::Randomised,
            Assignment::Observational => Caveat::Observational,
        }];
        if self.clusters() < FEW_CLUSTERS {
            caveats.push(Caveat::FewClusters { clusters: self.clusters() });
        }
        Estimate {
            spec: self.spec,
            coefficients,
            observations: self.observations(),
            clusters: self.clusters(),
            units: self.units,
            parameters: self.parameters(),
            df,
            small_sample_factor: self.small_sample_factor(),
            level,
            per_arm: self.per_arm.clone(),
            reference_round: self.reference_round,
            correction: self.correction,
            caveats,
        }
    }
}
