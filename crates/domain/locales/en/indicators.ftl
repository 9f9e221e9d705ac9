## School data and indicators

problem-indicator-parse = the expression does not read at character { $position }: { $detail }
problem-indicator-unknown-measure = { $value } is not a measure; measures: { $allowed }
problem-indicator-unknown-dimension = { $measure } has no dimension { $value }; its dimensions: { $allowed }
problem-indicator-unknown-value = { $value } is not a value of { $dimension }; values: { $allowed }
problem-indicator-disaggregation-not-carried = { $measure } cannot be split by { $value }
problem-indicator-disaggregation-not-allowed = the indicator cannot be split by { $value }; it allows: { $allowed }
problem-indicator-divides-by-empty-set = the denominator can be empty or zero where the numerator is not: { $reason ->
    [difference] a difference can be zero
    [constant] it is the constant { $value }
    [contradiction] its conditions on { $value } contradict each other
   *[disaggregated] it is filtered on { $value }, which the indicator is split by
}
problem-indicator-bad-scale = { $value } is not a scale: give a number above zero (100 for a percentage)
problem-duplicate-in-list = { $value } is in the list twice
problem-bad-term = { $value } is not a term: give 1, 2, 3 or 4, or leave it empty for the whole year
problem-unknown-grade = no grade has the code { $value }
problem-unknown-group = no learner group has the code { $value }
problem-more-repeaters-than-enrolled = { $value } repeaters is more than the { $enrolled } enrolled
problem-more-than-enrolled = { $value } is more than the { $enrolled } enrolled
problem-bands-above-assessed = the proficiency bands add up to { $total }, more than the { $assessed } assessed
problem-score-above-maximum = the mean score { $value } is above { $subject }'s maximum of { $max }
problem-score-needs-subject = a mean score needs its subject
problem-bad-max-score = { $value } is not a maximum score: give a number above zero
problem-target-category = give a disaggregation and one of its categories together, or neither
problem-bad-kirkpatrick-level = { $value } is not a Kirkpatrick level: give 1, 2, 3 or 4
problem-dhis2-unmapped = { $value } has no DHIS2 code (mapping kind { $kind })
problem-dhis2-bad-attribute = { $value } cannot be an ADX category attribute: use letters, digits, _ - . and start with a letter
problem-dhis2-period = { $value } is not a yearly DHIS2 period such as 2025
problem-dhis2-no-values = { $value } has no value to send: every one is missing or suppressed for your role (an ADX message needs at least one)
kind-outcomes = Learner outcomes
data-title = Learners' data: { $place }
data-link = Learners' data: scores, flows and gaps
data-trend = Mean score by subject
data-trend-caption = Learners' mean score (% of the maximum), every grade, by year
data-subject = Subject
data-year = Year
data-assessed = Assessed
data-mean = Mean score
data-none = No learner outcomes for this place yet.
data-flows = Flows from { $year } to { $next }
data-grade = Grade
data-enrolled = Enrolled
data-promotion = Promotion
data-repetition = Repetition
data-dropout = Drop-out
data-survival = Survival to the grade
data-parity = Parity (promotion, adjusted)
data-suppressed = Counts below { $threshold } and the rates made from them are hidden.
data-gaps = Proficient or better, girls and boys, { $year }
data-flows-caption = Of those enrolled in each grade: promoted, repeating the grade, and dropped out by the next year (UIS rates)
data-gaps-caption = Share proficient or better, girls and boys, by grade; the figure on the right is the gap in percentage points (girls minus boys)
data-girls = Girls
data-boys = Boys
data-targets = Targets and what is achieved
data-targets-caption = Each target (dark tick) against what is achieved (bar) and its baseline (grey tick), each on its own scale
data-target-indicator = Indicator
data-baseline = Baseline
data-target = Target
data-achieved = Achieved
data-parts = Within this place, { $year }
data-part = Place
data-proficient = Proficient or better
data-gap = Gap (points, girls − boys)
data-group-gaps = Proficient or better, { $group } and other learners, { $year }
data-group-gaps-caption = Share proficient or better, { $group } and the other learners, by grade; the figure on the right is the gap in percentage points
data-group-gap = Gap (points, { $group } − others)
data-others = Other learners

## The lists outcome rows refer to, and entry for one school
lists-title = Grades, subjects and learner groups
lists-link = Grades, subjects and learner groups
lists-hint = Outcome rows, imported or entered, name a grade, a subject and a learner group by its code; a row naming a code not listed here is refused.
lists-read-only = Only the deployment's administrators add to these lists and edit them: every country of the deployment shares them.
lists-grades = Grades
lists-subjects = Subjects
lists-groups = Learner groups
lists-code = Code
lists-name = Name
lists-position = Position
lists-position-hint = The grades' order, which flows read (the next one when empty)
lists-max-score = Maximum score
lists-none = None yet.
lists-add-grade = Add a grade
lists-add-subject = Add a subject
lists-add-group = Add a learner group
lists-added = { $code } added.
lists-edit = Edit
lists-edit-item = Edit { $code }
lists-save = Save
lists-saved = { $code } saved.
lists-max-score-hint = Not below a score stored for the subject
problem-max-score-below-stored = { $subject }'s maximum score cannot be lowered to { $value }: { $rows ->
    [0] no outcome row
    [one] one outcome row
   *[other] { $rows } outcome rows
} and { $learners ->
    [0] no learner's record
    [one] one learner's record
   *[other] { $learners } learners' records
} stored for it have a score above { $value } (the highest is { $highest }); correct those scores first, or keep a maximum of at least { $highest }
problem-position-taken = position { $value } is already another grade's
problem-bad-position = { $value } is not a position: give a whole number from 1
problem-reference-not-taken = { $kind ->
    [grade] a grade
    [subject] a subject
   *[group] a learner group
} has no { $value }
entry-link = Enter learner outcomes
entry-title = Learner outcomes: { $school }
entry-hint = One line per sex, and per learner group when the deployment has groups; a line left empty is skipped. What is saved replaces what was held for the same year, term, grade, subject, sex and group.
entry-year = Year
entry-term = Term
entry-whole-year = Whole year
entry-term-n = Term { $n }
entry-grade = Grade
entry-subject = Subject
entry-every-subject = Every subject (enrolment and flows)
entry-choose = — choose —
entry-learners = Learners
entry-all-learners = all learners
entry-enrolled = Enrolled
entry-assessed = Assessed
entry-mean-score = Mean score
entry-below-basic = Below basic
entry-basic = Basic
entry-proficient = Proficient
entry-advanced = Advanced
entry-promoted = Promoted
entry-repeating = Repeating
entry-dropped-out = Dropped out
entry-save = Save
entry-saved = { $rows ->
    [one] One line saved.
   *[other] { $rows } lines saved.
}
entry-no-grades = No grade is defined yet, so nothing can be entered: the deployment's administrators add grades on the lists page.
entry-problems = Nothing was saved:
problem-nothing-entered = nothing is entered: fill in at least one line

## School improvement plans
plans-title = Improvement plans
plans-none = No improvement plan yet.
plans-year = Year
plans-plan = Plan
plans-priorities = Priorities
plans-actions = Actions
plan-title = Improvement plan { $year }: { $school }
plan-version = Version { $version }, written by { $by } on { $at }
plan-read-only = You can read this plan; only the school's leader edits it.
plan-priority = Priority
plan-indicator = Indicator
plan-baseline = Baseline ({ $year })
plan-now = Now
plan-target = Target
plan-due = Due
plan-progress = Progress
plan-chart-caption = { $indicator } by year: the line is the school's value, the circle the baseline, the dashed line the target.
plan-action = Action
plan-owner = Owner
plan-status = Status
plan-review = Review note
plan-status-planned = Planned
plan-status-in_progress = In progress
plan-status-done = Done
plan-status-dropped = Dropped
plan-no-actions = No actions yet.
problem-plan-unknown-indicator = no indicator has the code { $value }
problem-plan-baseline-year = { $value } cannot be the baseline year: give a year up to the plan's
problem-plan-due-before-year = { $value } is before the plan's year
problem-plan-no-such-priority = the plan has no priority { $value }
problem-plan-owner-not-at-school = person { $value } does not work at this school
problem-plan-bad-note = the review note is too long or holds control characters
problem-plan-bad-reason = the reason is too long or holds control characters
problem-plan-reason-needed = say why the plan is returned
problem-plan-step-not-now = the plan cannot be { $step ->
    [submit] submitted
    [approve] approved
   *[return] returned
} now: it is { $state ->
    [draft] a draft
    [submitted] submitted
    [approved] approved
   *[returned] returned
}
problem-plan-under-review = the plan is submitted for sign-off: it can be edited once the officer returns it
plan-state = State
plan-state-draft = Draft
plan-state-submitted = Submitted
plan-state-approved = Approved
plan-state-returned = Returned
plan-approved-version = Version { $version } is the one approved.
plan-returned-because = Returned: { $reason }
plan-under-review = Submitted for sign-off: it is not edited until the officer approves or returns it.
plan-awaiting-leader = The school's leader submits the plan when it is ready.
plan-submit = Submit for sign-off
plan-approve = Approve
plan-return = Return to the school
plan-reason = Reason for returning it
plan-history = History
plan-event = Event
plan-event-saved = Version { $version } saved
plan-event-submitted = Version { $version } submitted
plan-event-approved = Version { $version } approved
plan-event-returned = Version { $version } returned
plan-at = When
plan-by = By
plan-versions = Versions kept
plan-version-saved = Version { $version }, saved by { $by } on { $at }
plan-edit = Edit the plan
plan-new = Write the plan for { $year }
plan-save = Save
plan-edit-hint = Clear every field of a row to remove it; save to get more blank rows.
plan-edit-approved = Updating the actions' status and review notes keeps the plan approved; changing its title, priorities, targets, dates, actions or owners makes a new draft to submit again.
plan-plan-title = Title of the plan
plan-baseline-year = Baseline year
plan-choose = — choose —
plan-none = —
data-report-title = Learner outcomes: { $place }
data-report-issued = Issued on { $date }
data-report-page = Page { $page } of { $pages }
data-report-suppression = Small cells: a count below { $threshold } is shown as <{ $threshold }, and anything derived from it (a rate, a mean, a total it could be subtracted back from) is hidden too, unless the reader may see row-level data.
data-report-definitions = Definitions
data-report-def-mean = Mean score: the learners' mean score as a percentage of the subject's maximum, weighted by the learners assessed, every grade together.
data-report-def-flows = Flow rates as UNESCO's UIS defines them: repetition rate RR(g,t) = R(g,t+1) / E(g,t); promotion rate PR(g,t) = (E(g+1,t+1) − R(g+1,t+1)) / E(g,t); drop-out rate = 1 − PR − RR; E is enrolment and R repeaters. Survival to a grade is the share of a cohort of entrants reaching it, by the reconstructed cohort method (the year's promotion and repetition rates applied, year after year, to a cohort entering the first grade).
data-report-def-parity = Gender parity index: girls' rate over boys'; adjusted (2 − boys' over girls') when above 1, so that it reads the same either way.
data-report-def-gap = Gap: girls' share proficient or better minus boys', in percentage points, with the number of learners behind each share. A group of learners is compared in the same way with the other learners: every learner but the group's.
data-report = Report (PDF)
data-report-fr = Rapport en français (PDF)
problem-learner-score-above-maximum = the score { $value } is above { $subject }'s maximum of { $max }
problem-learner-not-pseudonymous = { $value } is not a pseudonymous learner id: give the id the school keeps for the learner (letters and digits with - _ . /, no spaces, at least one digit, at most { $max } characters), never a name
kind-learner-scores = Learner scores (one row per learner)
data-report-targets-caption = Each target: what is achieved as a share of the target (a full bar is the target met), then its baseline, the target and what is achieved.
data-report-flows-caption = Promotion rate by grade (% of those enrolled who are in the next grade the next year)
data-report-of-target = { $share } % of the target

indicators-title = Indicators
indicators-intro = Every figure on the dashboards, targets, reports and exports is one of these indicators, defined once: a numerator, a denominator, the scale, and the disaggregations it may be split by.
indicators-code = Code
indicators-name = Name
indicators-name-en = Name in English
indicators-name-fr = Name in French
indicators-definition = Definition
indicators-disaggregations = Disaggregations
indicators-level = Kirkpatrick level
indicators-own = this deployment's
indicators-add = Add an indicator
indicators-numerator = Numerator
indicators-denominator = Denominator (empty: a count or sum)
indicators-scale = Scale (100 for a percentage)
indicators-description-en = What it counts, in English
indicators-description-fr = What it counts, in French
indicators-save = Check and save
indicators-measures = Measures a definition may use
indicators-language = A definition sums measures, filtered or not: sum(proficient) + sum(advanced), sum(assessed) where sex = 'F', count(participants). A measure may be split only by the disaggregations listed beside it; the definition is checked when saved.
indicators-measure = Measure
