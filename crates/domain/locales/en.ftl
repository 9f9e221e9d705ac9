## Where a problem is
at-row = row { $row }
at-column = column { $column }

## Problems with input (problem-<code>)
problem-required = a value is required
problem-bad-choice = { $value } is not one of: { $allowed }
problem-bad-code = { $value } is not a valid code (letters, digits, - _ / . and no spaces, at most 40)
problem-too-long = the value is too long (at most { $max } characters)
problem-unknown-subject = no subject has the code { $value }
problem-password-common = this password is among those people choose most often: choose another
problem-password-is-name = the password must not be the account's name
problem-password-wrong = the current password is not right
problem-token-expiry = give a number of days from 1 to { $max }, or none for a token that does not expire
problem-bad-character = the text holds the character { $character } (a control character or one that changes the direction of text), which names and titles may not hold
problem-nul-character = the text holds a NUL character (U+0000), which no text may hold
problem-invisible-only = the text holds only invisible characters (such as zero-width spaces)
problem-bad-date = { $value } is not a date written YYYY-MM-DD
problem-bad-coordinate = { $value } is not a coordinate between -{ $limit } and { $limit }
problem-bad-email = { $value } is not an e-mail address
problem-bad-phone = { $value } is not a phone number
problem-bad-year = { $value } is not a year between 1900 and 2100
problem-bad-country = { $value } is not a two-letter country code such as RW or CM
problem-bad-number = { $value } is not a number
problem-duplicate-column = the column appears twice
problem-unknown-column = unknown column; expected: { $expected }
problem-missing-column = the column is missing
problem-no-rows = the file has a header but no data rows
problem-too-many-problems = { $total } problems found; the first { $max } are listed
problem-duplicate-in-file = { $value } is already on row { $first } of this file
problem-own-parent = a unit cannot be its own parent
problem-both-coordinates = give both latitude and longitude, or neither
problem-school-or-unit = give a school_code or a unit_code, not both and not neither
problem-role-needs-school = the role { $role } is held at a school: give a school_code
problem-ends-before-start = the position ends before it starts ({ $start })
problem-empty-file = the file is empty (0 bytes)
problem-not-a-table = the file is not a CSV or XLSX table: { $detail }
problem-too-many-columns = the row has { $count } columns; at most { $max } are read
problem-line-too-long = a line of the file is longer than { $max }, which no table has
problem-too-many-rows = the file has more than { $max } rows
problem-too-many-cells = the file has more than { $max } cells
problem-sheet-too-many-columns = sheet { $sheet } has a cell in column { $value }; at most { $max } columns are read
problem-sheet-too-many-rows = sheet { $sheet } has more than { $max } rows
problem-sheet-too-many-cells = the workbook has more than { $max } cells (sheet { $sheet })
problem-workbook-too-large = the workbook unpacks to more than { $max } MB
problem-workbook-file-too-large = the workbook is larger than { $max } MB
problem-workbook-grid-too-large = the sheets of this .xls workbook span { $cells } cells from their first to their last; at most { $max } are read; save it as .xlsx
problem-workbook-shared-strings-too-large = the workbook's shared texts unpack to more than { $max } MB
problem-workbook-compression-ratio = the part { $value } of the workbook unpacks to { $ratio } times its packed size (at most { $max }): it is refused as a zip bomb
problem-bad-encoding = the file is not UTF-8 text; save it as "CSV UTF-8"
problem-unsupported-format = files ending in .{ $value } cannot be imported; use .csv or .xlsx
problem-ragged-row = the row has { $found } cells but the header has { $expected }
problem-unknown-unit = no unit has the code { $value }
problem-unknown-parent = no unit has the code { $value }, in the database or earlier in this file
problem-unknown-level = { $value } is not a level of { $country }; levels: { $allowed }
problem-wrong-level = a { $level } unit must be under a { $expected } unit
problem-unknown-school = no school has the code { $value }
problem-unknown-person = no person has the staff number { $value }
problem-exists = { $value } already exists
problem-no-update = { $kind } files only add records: they cannot update them
problem-unit-moved = the unit has { $was } here: an update does not move a unit or change its level (edit the unit for that)
problem-out-of-scope = { $value } is outside your scope
problem-not-found = not found
problem-forbidden = you are not allowed to do this
problem-row-level-export = row-level exports are for system administrators and national officers; read the per-question summary instead: { $summary }
problem-export-unknown-language = { $value } is not a language of this form; it has: { $languages }
problem-bad-request = the request is not valid: { $detail }
problem-unknown-field = { $value } is not a field of this request
problem-bad-credentials = wrong user name or password
problem-throttled = too many failed attempts; wait { $seconds } seconds
problem-csrf = the form has expired; reload the page and try again
problem-login-required = please log in
problem-body-too-large = the request body is larger than this address takes ({ $limit })
problem-busy = the server is reading too many large requests; try again in { $seconds } seconds
problem-too-short = too short (at least { $min } characters)
problem-conflict = this conflicts with existing data: { $detail }
problem-no-database = there is no database at { $database }; give the right --db (or OPENCPD_DB), or create one with opencpd serve, opencpd demo or opencpd restore
problem-not-a-database = { $database } is not an OpenCPD database (not a SQLite file); give the right --db (or OPENCPD_DB)
problem-no-file = there is no file { $file }
problem-file-exists = { $file } exists already; choose a new file name
problem-not-a-backup = { $file } is not an OpenCPD backup
problem-backup-damaged = { $file } fails SQLite's integrity check: { $detail }
problem-backup-file-damaged = the backup { $file } holds a damaged copy of the file { $sha256 } ({ $detail }); nothing was changed
problem-database-in-use = { $database } is in use by a running OpenCPD server or command (lock file { $lock }, last taken by process { $process }); stop it, then try again
problem-database-being-restored = { $database } is being restored by process { $process } (lock file { $lock }); try again once the restore is done
problem-database-connected = the PostgreSQL database { $database } has { $count } other connections (processes { $processes }); stop the servers and commands using it, then restore
problem-log-left = the write-ahead log of { $database } could not be copied back into it; is another program using the database?

## Navigation and pages
people-title = People
schools-title = Schools
nav-registry = Schools and people
nav-home = Home
nav-indicators = Indicators
nav-import = Import
nav-users = Users
nav-audit = Audit trail
nav-logout = Log out
error-title = Something is not right
login-title = Log in to OpenCPD
login-username = User name
login-password = Password
login-submit = Log in
home-title = Home
home-welcome = Welcome, { $name }
home-roles = Your roles
home-browse = Browse
home-my-cpd = My CPD in { $year }
home-hours-of = hours of { $threshold } expected
home-credits-of = credits of { $threshold } expected
home-certificates = { $count ->
    [one] certificate
   *[other] certificates
  }
home-below-threshold = Your CPD this year is below the threshold of your role.
home-open-record = My full CPD record
home-open-field = Surveys and forms to fill in (field app)
home-next-sessions = My next sessions
home-no-sessions = No session is planned for you.
home-school-data = The school's learner data
home-staff-cpd = Staff and their CPD in { $year }
home-staff-below = { $below } of { $total } below the threshold of their role
home-below = Below the threshold
home-on-track = On track
home-to-answer = Surveys to answer
home-survey = Survey
home-survey-about = About
home-answer = Answer in the field app
home-nothing-to-answer = Nothing to answer now.
home-plan = Improvement plan
home-no-plan = No improvement plan yet.
home-write-plan = Write this year's plan
home-visits-term = Coaching visits this term ({ $term })
home-visits-year = Coaching visits in { $year }
home-next-visit = Next visit planned: { $date } ({ $name })
home-no-next-visit = No visit planned yet.
home-visit-coachee = Visited
home-visit-coach = Coach
home-visit-next = Next visit
home-no-visits = No visit yet.
count-schools = schools
count-staff = staff in post
count-units = administrative units
unit-schools = Schools
unit-search = Search by name or code
unit-search-go = Search
unit-no-schools = No schools here.
school-staff = Staff
school-women = { $n ->
    [one] one woman
   *[other] { $n } women
}
school-no-staff = No staff recorded.
person-positions = Positions
person-current = now
pager-previous = Previous
pager-next = Next
pager-page = page { $page }
import-title = Import
import-intro = Upload a CSV or XLSX file. An import is all or nothing: if any row has a problem, nothing is written and every problem is listed with its row and column.
import-kind = What the file holds
import-file = File
import-dry-run = Check only (dry run): write nothing
import-submit = Upload
import-templates = Templates
import-report = Import report
import-done = Imported { $created } records.
import-dry-ok = All { $rows } rows are valid. Nothing was written (dry run).
import-failed = { $problems ->
    [one] One problem
   *[other] { $problems } problems
} in { $rows ->
    [one] one row
   *[other] { $rows } rows
}. Nothing was written.
import-update = Update the records that exist (same code or staff number): an empty cell leaves a value as it is
import-update-done = { $added ->
    [0] No record added
    [one] One record added
   *[other] { $added } records added
}, { $updated ->
    [0] none updated
    [one] one updated
   *[other] { $updated } updated
}, { $unchanged ->
    [0] none unchanged
    [one] one unchanged
   *[other] { $unchanged } unchanged
}.
import-update-dry-ok = Every row is valid: { $added ->
    [0] no record would be added
    [one] one record would be added
   *[other] { $added } records would be added
}, { $updated ->
    [0] none updated
    [one] one updated
   *[other] { $updated } updated
}, { $unchanged ->
    [0] none left unchanged
    [one] one left unchanged
   *[other] { $unchanged } left unchanged
}. Nothing was written (dry run).
import-changes = Changes
import-change = row { $row }, { $key }: { $field } { $before } → { $after }
import-more-changes = { $total } changes; the first { $max } are listed
users-title = Users
users-add = Add a user
users-created = User { $username } created.
users-password-reset = The password of { $username } was set; their sessions ended.
users-reset-password = Set a new password
nav-account = My account
account-title = My account
account-password = Password
account-current-password = Current password
account-new-password = New password
account-change-password = Change password
account-password-rule = At least { $min } characters, not a common password and not your account name. Your other sessions end when you change it.
account-password-changed = Your password was changed; your other sessions ended.
account-tokens = API tokens
account-tokens-help = A token lets a script or another system act as you through the API. Give each its own name and revoke it when it is no longer needed.
account-no-tokens = You have no API token.
account-token-created = Created
account-token-expires = Expires
account-token-never = never
account-token-active = active
account-token-expired = expired
account-token-revoked = revoked
account-token-revoke = Revoke
account-token-name-hint = e.g. weekly export to the EMIS
account-token-days = Valid for how many days (1 to { $max }; empty: until revoked)
account-token-create = Create a token
account-token-secret = Your new token is below. Copy it now: it is shown only this once.
account-token-revoked-done = The token was revoked.
users-active = active
users-disabled = disabled
users-disable = Disable
users-enable = Enable
users-language = Language
users-scope = Scope (unit code, school code or staff number)
users-scope-hint = Type part of a name: a unit for officers, facilitators and evaluators, a school for head teachers and mentors, a person for teachers. Leave it empty for the whole deployment.
audit-title = Audit trail
audit-when = When
audit-actor = Who
audit-action = Action
audit-entity = What
audit-summary = Change
audit-filter = Filter
audit-details = Before and after
audit-before = Before
audit-after = After

## Column names
col-name = Name
col-code = Code
col-level = Level
col-ownership = Ownership
col-subsystem = Sub-system
col-place = Place
col-location = Location
col-staff-number = Staff number
col-sex = Sex
col-role = Role
col-since = Since
col-from = From
col-to = To
col-birth-year = Year of birth
col-phone = Phone
col-email = E-mail
col-row = Row
col-column = Column
col-value = Value
col-problem = Problem
col-key = Key
col-field = Field
col-before = Before
col-after = After
col-clusters = Clusters
col-state = State

## Vocabulary
kind-units = Administrative units
kind-schools = Schools
kind-people = People
kind-positions = Positions
sex-F = Female
sex-M = Male
level-pre_primary = Pre-primary
level-primary = Primary
level-secondary = Secondary
level-basic = Basic (12YBE)
level-tvet = TVET
level-ttc = Teacher training college
ownership-public = Public
ownership-government_aided = Government-aided
ownership-private = Private
subsystem-anglophone = Anglophone
subsystem-francophone = Francophone
subsystem-bilingual = Bilingual
role-system_admin = System administrator
role-national_officer = National officer
role-district_officer = District officer
role-sector_officer = Sector officer
role-school_leader = School leader
role-mentor = Mentor
role-teacher = Teacher
role-facilitator = Facilitator
role-evaluator = Evaluator
position-teacher = Teacher
position-head_teacher = Head teacher
position-deputy_head = Deputy head teacher
position-school_based_mentor = School-based mentor
position-subject_leader = Subject leader
position-cluster_lead = Cluster lead
position-sector_education_officer = Sector education officer
position-district_education_officer = District education officer
position-national_leader_of_learning = National leader of learning
position-local_leader_of_learning = Local leader of learning
position-master_trainer = Master trainer
position-facilitator = Facilitator
position-tutor = Tutor

## Registry configuration
problem-bad-level = { $value } is not a level written key:English name:French name
problem-levels-in-use = units already go { $depth } levels deep; give at least that many levels

## Forms
problem-form-not-a-workbook = { $value } is not an Excel workbook; upload the XLSForm as .xlsx or .xls
problem-form-unreadable = the workbook cannot be read: { $detail }
problem-form-missing-sheet = the workbook has no { $value } sheet
problem-form-no-questions = the survey sheet has no questions
problem-form-unsupported-setting = the setting { $column } is not supported; leave it empty
problem-form-unsupported-column = this column is not supported here; leave it empty ({ $value })
problem-form-unsupported-type = { $value } is not a question type OpenCPD supports
problem-form-unsupported-appearance = the appearance { $value } needs a device feature or plug-in OpenCPD does not support
problem-form-unsupported-function = { $function }() is not supported, in { $value }
problem-form-unsupported-path = the path { $path } is not supported, in { $value }; refer to a question by its name with the dollar-and-braces form
problem-form-bad-expression = { $value } is not a valid expression (the problem is at character { $position })
problem-form-bad-arguments = { $function }() is given the wrong number of arguments, in { $value }
problem-form-bad-pattern = { $pattern } is not a valid regular expression, in { $value }
problem-form-duplicate-choice = the choice { $value } is already in this list on row { $first }
problem-form-duplicate-name = the name { $value } is already used on row { $first }
problem-form-mismatched-end = { $value } does not close the group or repeat begun on row { $begin }
problem-form-unexpected-end = { $value } has no group or repeat to close
problem-form-unclosed-group = { $value } { $name } is never closed
problem-form-bad-name = { $value } is not a valid name: start with a letter or _, then use letters, digits, _ - or .
problem-form-bad-parameters = { $value } are not valid range parameters: write start=… end=… step=… with start below end and a positive step
problem-form-not-scorable = only select, integer, decimal and range questions can be scored ({ $value })
problem-form-missing-max-score = this question scores into { $value }: give it a max_score
problem-form-unknown-reference = { $name } is not the name of an item in this form, in { $value }
problem-form-missing-choices = the choice list { $value } is not on the choices sheet
problem-form-no-scores = this question scores into { $value } but no choice of the list { $list } has a score
problem-form-bad-answers = the answers must be a JSON object of names and values, not { $value }
problem-form-unknown-answer = the form has no item with this name
problem-form-bad-repeat = a repeat is answered with a list of objects, not { $value }
problem-form-bad-answer = { $value } is not a valid answer to this question
problem-form-bad-integer = { $value } is not a whole number
problem-form-bad-time = { $value } is not a time written HH:MM or HH:MM:SS
problem-form-bad-datetime = { $value } is not a date and time written YYYY-MM-DDTHH:MM:SS
problem-form-no-answer-expected = this item is shown or computed by the form and takes no answer
problem-form-not-relevant = this question does not apply here, so it cannot have an answer ({ $value })
problem-form-repeat-count = { $value } entries given, { $expected } expected
problem-form-required = { $message }
problem-form-constraint = { $value } does not satisfy the condition { $constraint }
problem-form-constraint-message = { $message } ({ $value })
problem-form-out-of-range = { $value } is not between { $start } and { $end } in steps of { $step }
problem-form-score-out-of-range = { $value } is not a score between 0 and { $max }
problem-form-filtered-choice = { $value } is not offered here (choice filter { $filter })
unit-search-hint = { $n ->
    [one] One school lies below: search for it, or open a unit above.
   *[other] { $n } schools lie below: search for one, or open a unit above.
}
problem-form-bad-default = the default { $value } is not a valid answer to this question

## Instruments and submissions
problem-bad-uuid = { $value } is not a UUID
problem-unknown-instrument = no instrument has the id { $value }
problem-retired-instrument = the instrument { $value } is retired and takes no new submissions
nav-instruments = Instruments
nav-field = Field app
instruments-title = Instruments
instruments-version = Version
instruments-kind = Kind
instruments-submissions = Submissions
instruments-retired = retired
instruments-in-use = in use
instruments-none = No instrument yet.
instruments-publish = Publish an instrument
instruments-publish-intro = Upload an XLSForm (.xlsx or .xls) as written for ODK, Kobo or SurveyCTO. A form with any unsupported feature is refused, and every problem is listed with its sheet, row and column.
instruments-publish-attachments = Files the form names (CSV, images, sounds), if you have them now; others can be uploaded after
instruments-published = Published { $name }.
instruments-refused = { $problems ->
    [one] One problem: nothing was published.
   *[other] { $problems } problems: nothing was published.
}
instruments-languages = Languages
instruments-export = Export the submissions
instruments-export-labels = Labels in
instruments-export-names = names (XML)
instruments-export-format = Format
instruments-export-csv = CSV (a zip of one file a table when the form has repeats)
instruments-export-tables = Each repeat is a table of its own, joined to its submission by _uuid and to its parent by _index.
instruments-items = Items
instruments-question = Question
instruments-type = Type
instruments-domain = Domain
instruments-rules = Rules
instruments-required = required
instruments-relevant = asked when
instruments-constraint = valid when
instruments-retire = Retire this version
instruments-retire-intro = A retired version takes no new submissions; those stored stay.
instruments-attachments = Files of the form
instruments-attachments-missing = This form is published but cannot be collected until these files are uploaded: { $files }
instruments-attachment-size = Size (bytes)
instruments-attachment-present = Uploaded
instruments-attachment-missing = Missing
instruments-attachment-name = File the form names
instruments-attachment-upload = Upload the file
instrument-kind-survey = Survey
instrument-kind-test = Test
instrument-kind-observation = Observation
instrument-kind-needs_assessment = Needs assessment
instrument-kind-checklist = Checklist

## CPD delivery: programmes, courses, cohorts, attendance, certificates, CPD records
problem-already-applied = this person has already applied to { $cohort } and awaits a decision
problem-already-certified = a valid certificate ({ $value }) has already been issued for this enrolment
problem-already-decided = this application has already been decided ({ $value })
problem-already-enrolled = { $value } is already enrolled in { $cohort }
problem-already-revoked = the certificate { $value } is already revoked
problem-bad-currency = { $value } is not a three-letter currency code such as RWF, XAF or USD
problem-bad-score = { $value } is not a score between 0 and { $max }
problem-duplicate-mark = { $value } is given twice (first at position { $first })
problem-missing-prerequisite = { $value } has not completed the prerequisite course { $courses }
problem-not-completed = { $value } has not completed the course, so no certificate can be issued
problem-not-enrolled = { $value } is not enrolled in { $cohort }
problem-not-positive = { $value } must be greater than zero
problem-out-of-range = { $value } is not between 0 and { $max }
problem-outside-cohort-dates = { $value } is outside the cohort's dates ({ $start } to { $end })
problem-over-capacity = { $value } has { $capacity } places and { $enrolled } taken: { $adding } more do not fit
problem-reason-required = give a reason
problem-score-above-max = { $value } is above the maximum score of { $max }
problem-session-in-future = this session is in the future ({ $value }): attendance can be taken on the day or after
problem-unknown-assessment = the course has no assessment { $value }; assessments: { $allowed }
problem-unknown-certificate = no certificate has this code; check it and try again
problem-unknown-course = no course has the code { $value }
problem-unknown-module = the course has no module { $value }
problem-unknown-programme = no programme has the code { $value }
problem-unknown-event = no outreach event you can read has the id { $value }
problem-unknown-session = the cohort { $cohort } has no session on { $value }
problem-unknown-standard = { $value } is not a professional standard (SL1 to SL5, or framework:code)
nav-delivery = Programmes
col-date = Date
delivery-programmes = Programmes
delivery-courses = Courses
delivery-course = Course
delivery-cohorts = Cohorts
delivery-none = None yet.
delivery-funder = Funder
delivery-budget = Budget
delivery-period = Period
delivery-pillars = Pillars
delivery-targets = Targets
delivery-target = Target
delivery-measure = Counts
delivery-target-value = Target
delivery-achieved = Achieved
delivery-due = By
delivery-reach = Reach
delivery-split-by = Split by
delivery-level = Unit level
delivery-show = Show
delivery-total = Total
delivery-kind = Kind
delivery-modality = Modality
delivery-hours = Hours
delivery-credits = Credits
delivery-accrediting-body = Accrediting body
delivery-prerequisites = Prerequisites
delivery-completion-rule = Completion rule
delivery-rule = at least { $pct }% of sessions attended
delivery-rule-passed = every assessment passed
delivery-rule-grade = final grade at least { $grade }
delivery-modules = Modules
delivery-module = Module
delivery-standards = Professional standards
delivery-assessments = Assessments
delivery-assessment = Assessment
delivery-max-score = Maximum
delivery-pass-score = Pass mark
delivery-enrolled-of = Enrolled / places
delivery-capacity = Places taken
delivery-facilitators = Facilitators
delivery-funnel = Completion funnel
delivery-attended-enough = attended at least { $pct }%
delivery-sessions = Sessions
delivery-session = Session
delivery-marked = Marked
delivery-mark = Take attendance
delivery-add-session = Add a session
delivery-session-added = Session of { $date } added.
delivery-participants = Participants
delivery-attendance = Attendance %
delivery-grade = Final grade
delivery-completed = Completed
delivery-enrol = Enrol
delivery-enrol-file = Enrol from a file of staff numbers (CSV or XLSX, column staff_number)
delivery-enrolled-one = { $name } is enrolled.
delivery-applications = Applications
delivery-status = Status
delivery-reason = Reason
delivery-approve = Approve
delivery-reject = Reject
delivery-certificates = Certificates
delivery-serial = Serial number
delivery-issued = Issued
delivery-expires = Expires
delivery-revoked-on = Revoked on
delivery-holder = Holder
delivery-issue-certificates = Issue certificates to everyone who completed
delivery-certificates-issued = { $n ->
    [one] One certificate issued.
   *[other] { $n } certificates issued.
}
delivery-marked-one = marked
delivery-marked-summary = { $n } marked
delivery-save-marks = Save attendance of { $n }
delivery-markok = { $n } marks saved; { $attended } attended.
application-pending = Pending
application-approved = Approved
application-rejected = Rejected
certificate-issued = Issued
certificate-valid = Valid certificate
certificate-expired = Expired certificate
certificate-revoked = Revoked certificate
course-kind-diploma = Diploma
course-kind-certificate = Certificate
course-kind-short_training = Short training
modality-face_to_face = Face-to-face
modality-online = Online
modality-blended = Blended
measure-enrolled = Enrolled
measure-completed = Completed
measure-certified = Certified
dimension-sex = Sex
dimension-role = Role
dimension-unit = Unit
dimension-ownership = School ownership
dimension-subsystem = Sub-system
verify-title = Verify a certificate
verify-code = Verification code
verify-check = Check
record-title = CPD record
record-years = Per year
record-year = Year
record-below = Below the threshold in { $year }: { $hours } hours and { $credits } credits a year are expected.
record-meets = Threshold met in { $year } ({ $hours } hours and { $credits } credits a year).
problem-unknown-cohort = no cohort has the code { $value }
delivery-new-cohort = Open a cohort
delivery-unit-code = Unit code (the venue's unit)
delivery-venue = Venue
delivery-places = Places
delivery-open-cohort = Open the cohort
delivery-revoke = Revoke
delivery-reissue = Re-issue
delivery-revoked = Certificate { $serial } revoked.
delivery-reissued = Certificate re-issued as { $serial }.
delivery-applied = Application to { $cohort } sent.
apply-title = Apply for a course
apply-cohort-code = Cohort code
apply-motivation = Why this course (optional)
apply-submit = Apply
delivery-funnels = Completion funnel of each cohort
delivery-funnels-shown = The first { $shown } cohorts of { $total }, by code: the CSV and XLSX files hold every one.
delivery-attended = Attended enough
below-title = Below the CPD threshold in { $year }
below-threshold = { $hours } hours and { $credits } credits a year
below-no-thresholds = No CPD threshold is set for any role.
below-first = The first { $n } are shown.
nav-conflicts = Conflicts
conflicts-title = Conflicting edits
conflicts-intro = Changes made offline to records that someone else changed in the meantime. Nothing was overwritten: decide which value stands.
conflicts-field = Field
conflicts-when-read = When the device read it
conflicts-now = Now
conflicts-proposed = Proposed from the field
conflicts-apply = Use the proposed value
conflicts-discard = Keep the current value
conflicts-none = No conflicting edits are waiting.

# Submissions about sessions and cohorts; field edits beyond the phone
problem-not-participant = { $kind ->
    [session] no session { $value } that you facilitate or are enrolled in
   *[other] no cohort { $value } that you facilitate or are enrolled in
}
col-given-name = Given name
col-family-name = Family name

# Outreach events, resources, awards, cohort edits and withdrawals, small-cell suppression
problem-negative = { $value } is below zero
problem-school-not-in-unit = the school { $value } is not in the unit { $unit }
problem-place-or-medium = give a place (a school_code or unit_code) or, for a broadcast, a medium
problem-national-event = an event with no place belongs to the whole deployment: only those who manage programmes record it; give a school_code or unit_code
problem-in-future = { $value } is in the future
problem-before-from = { $value } is before { $from }, the start of the range
problem-check-before-delivery = the check ({ $value }) is dated before the delivery ({ $delivered })
problem-capacity-below-enrolled = { $value } places is fewer than the { $enrolled } people enrolled; withdraw people first or keep at least { $enrolled } places
problem-already-withdrawn = { $value } was already withdrawn on { $date }
problem-withdrawn-before-enrolment = { $value } is before the enrolment ({ $enrolled })
problem-not-withdrawn = { $value } is not withdrawn
delivery-programme = Programme
measure-outreach_participants = Outreach participants
measure-schools_reached = Schools reached
outreach-title-page = Outreach events
outreach-list = All outreach events of this programme
outreach-kind = Kind of event
outreach-title = Title
outreach-place = Place or medium
outreach-school-code = School code
outreach-unit-code = Unit code
outreach-medium = Broadcast medium
medium-radio = Radio
medium-tv = Television
medium-online = Online
outreach-audience = Estimated audience
outreach-participants = Participants
outreach-learners = Learners
outreach-teachers = Teachers
outreach-parents = Parents
outreach-officials = Officials
outreach-others = Others
outreach-schools-reached = Schools reached
outreach-schools-hint = School codes, separated by spaces or commas
outreach-schools = Schools
outreach-notes = Notes
outreach-events = events
outreach-national = Whole deployment
outreach-new = Record an outreach event
outreach-record = Record the event
outreach-edit = Edit the event
outreach-save = Save the event
outreach-saved = { $title } saved.
outreach-kind-line = { $events } events, { $participants } participants
resource-title = Resources delivered
resource-kind = Resource
resource-quantity = Quantity
resource-description = Description
resource-delivered = Delivered on
resource-state = State
resource-checks = Later checks
resource-checked-by = Checked by
resource-never-checked = Not checked yet
resource-record = Record the delivery
resource-record-title = Record a delivery to this school
resource-record-check = Record the check
resource-check-recorded = Check recorded.
resource-smart_classroom = Smart classroom
resource-science_kit = Science kit
resource-maths_kit = Mathematics kit
resource-tablets = Tablets
resource-laptops = Laptops
resource-projector = Projector
resource-library_books = Library books
resource-textbooks = Textbooks
resource-lab_equipment = Laboratory equipment
resource-solar_power = Solar power
resource-other = Other
delivery-state-complete = complete
delivery-state-incomplete = incomplete
delivery-state-damaged = damaged
check-state-in_use = In use
check-state-partly_in_use = Partly in use
check-state-not_in_use = Not in use
check-state-broken = Broken
check-state-missing = Missing
award-title = Awards
award-name = Award
award-category = Category
award-body = Awarding body
award-record = Record the award
award-recorded = Award "{ $name }" recorded.
report-suppression = Counts from 1 to below { $n } are shown as "<{ $n }", and one more count is hidden ("x") where it would reveal them; totals are exact unless they are themselves below { $n }.
summary-title = Summary of answers
summary-link = Summary per question
summary-submissions = Submissions
summary-answered = Answered
summary-choice = Choice
summary-overall = All
summary-by-sex = By sex
summary-by-unit = By unit
summary-none = No select question has been answered yet.
summary-respondent = Sex is the respondent's: the subject when it is a person, else the collector. Units are the subject's place.
cohort-edit = Edit the cohort
cohort-save = Save the cohort
cohort-saved = Cohort { $code } saved.
cohort-facilitator-add = Add a facilitator (type part of a name or a staff number)
enrolment-withdraw = Withdraw
enrolment-reinstate = Reinstate
enrolment-withdrawn = { $name } withdrawn.
enrolment-reinstated = { $name } reinstated.
enrolment-withdrawn-on = withdrawn on { $date }
enrolment-withdrawn-count = Withdrawn
catalogue-new-programme = Set up a programme
catalogue-new-course = Set up a course
catalogue-create-programme = Create the programme
catalogue-create-course = Create the course
catalogue-currency = Currency (RWF, XAF, USD…)
catalogue-one-per-line = One per line
catalogue-accrediting-body = Accrediting body
catalogue-target-roles = Meant for
catalogue-target-roles-hint = Roles counted together (each person once); none counts every role
catalogue-completion-rule = Completion rule
catalogue-min-attendance = Sessions attended at least (%)
catalogue-require-passed = Every assessment passed
catalogue-min-grade = Final grade at least (0–100)
catalogue-certificate-months = Certificate valid for (months)
catalogue-prerequisites = Prerequisite courses
catalogue-codes-hint = Course codes, separated by spaces
catalogue-modules = Modules and the standards they serve
catalogue-module = Module
catalogue-assessments = Assessments
catalogue-max-score = Maximum
catalogue-pass-score = Pass mark
catalogue-weight = Weight

# Certificates on paper, sign-in sheets and QR check-in
certificate-default-title = Certificate of Completion
certificate-default-certify = This is to certify that
certificate-default-completed = has successfully completed the course
certificate-default-details = { $hours } hours of professional development · { $credits } credits
certificate-default-programme = Programme: { $programme }
certificate-default-signatory = Course facilitator
certificate-default-signatory-issuer = For { $issuer }
certificate-serial = Serial number { $serial }
certificate-issued-on = Issued on { $issued }
certificate-expires = valid until { $expires }
certificate-code = Verification code { $code }
certificate-qr-caption = Scan to verify, or visit { $url }
certificate-pdf = PDF
certificate-qr = QR code of the verification address
problem-unknown-placeholder = unknown placeholder { $value }; the known ones are { $allowed }
problem-bad-row-range = "{ $value }" is not a row number or a range like 3-7
problem-row-out-of-range = row { $value } is not on the sheet (rows 1 to { $max })
problem-row-twice = row { $value } is typed for two statuses ({ $first } and { $column })
problem-checkin-not-today = check-in is open only on the day of the session ({ $value })
problem-checkin-expired = this code has expired: scan the code on the screen now
problem-checkin-other-session = this code is for another session (cohort { $cohort }), not this one
problem-checkin-bad-code = this is not a check-in code for this session
problem-checkin-no-person = the account { $value } does not stand for a person: sign in with your own account to check in
problem-checkin-no-present-status = the deployment has no attendance status that counts as present
sheet-title = Sign-in sheet
sheet-course = Course: { $course }
sheet-cohort = Cohort: { $cohort }
sheet-session = Session: { $title }, { $date }
sheet-venue = Venue: { $venue }
sheet-number = No.
sheet-name = Name
sheet-staff-number = Staff no.
sheet-school = School
sheet-signature = Signature
sheet-status = Status
sheet-page = Page { $page } of { $pages }
sheet-legend = Status: { $statuses }
sheet-download = Sign-in sheet (PDF)
typed-title = Type back the sign-in sheet
typed-intro = Type the row numbers from the paper sheet for each status, e.g. 1-14, 16, 18-60. Check the names, then save.
typed-rows-for = Rows { $status }
typed-others = Everyone else
typed-others-leave = leave as they are
typed-preview = Show the names
typed-save = Save these marks
typed-check = Check the list below, then save.
typed-saved = { $n } marks saved; { $attended } attending.
typed-link = Type back a paper sheet
checkin-title = Check-in
checkin-show = Show the check-in QR code
checkin-screen-intro = Participants scan this code with their phone and sign in. It changes every minute.
checkin-or-type = Or open { $url }
checkin-confirm = Check in to { $title } ({ $cohort }) as { $name }?
checkin-button = Check me in
checkin-done = { $name }, you are checked in ({ $status }).
checkin-already = { $name }, you were already marked ({ $status }) for this session: nothing changed.
templates-title = Certificate wording
templates-intro = The text printed on certificates, per language, for the whole deployment or one course. Placeholders: { $placeholders }. A body line that is only {"{"}name{"}"} is printed large.
templates-course = Course (empty for all courses)
templates-lang = Language
templates-issuer = Issuing body
templates-title-field = Title
templates-body = Body (one line a line)
templates-signatories = Signatories (one a line: Name, role)
templates-save = Save the wording
templates-saved = Wording saved.
templates-builtin = built-in
templates-default = all courses
templates-link = Certificate wording
catalogue-save = Save the changes
catalogue-edit = Edit
catalogue-edit-title = Edit { $name }
catalogue-edit-programme-hint = Clear a target's name and value to remove it. Reach reports follow the changes at once.
catalogue-edit-course-hint = Modules and assessments are matched by code: change a code to add a new one, clear a row to remove it. Completion is computed again for every cohort of the course. An assessment with grades cannot be removed, nor its maximum set below its best grade.
problem-unknown-target = the programme has no target { $value }
problem-prerequisite-cycle = { $value } already requires this course: prerequisites cannot go round in a circle
problem-max-below-grades = { $value } is below a grade already given ({ $best })
problem-assessment-graded = assessment { $value } has grades and cannot be removed
delete = Delete
delete-hint = Deleting cannot be undone; the audit log keeps what was recorded.
resource-delete = Delete this delivery and its checks
outreach-delete = Delete this event
outreach-kinds = Kinds of outreach event
outreach-kinds-hint = The kinds offered when an event is recorded. Give a new code to add one; give an existing code to rename it.
outreach-kind-position = Order
outreach-kind-set = Add or rename a kind
outreach-kind-save = Save the kind
outreach-import = Record events from a file
outreach-import-hint = A CSV or XLSX file, one event a row; every row is recorded or none. Columns:

## The command line: restore and demo
restore-confirm = Restoring replaces the database { $database } with { $file } (the current contents are kept aside). Type { restore-confirm-word } to go on:
restore-confirm-word = yes
restore-needs-yes = restoring replaces the database { $database }, and there is no terminal to ask on: pass --yes to confirm. Nothing was changed.
restore-cancelled = Nothing was changed.
restore-done = Restored { $database } from { $file }.
restore-kept = The previous database is kept as { $kept }.
restore-nothing-kept = The database held no data before; nothing was kept aside.
restore-files = { $count } { $count ->
    [one] file
   *[other] files
  } of the backup in { $files } ({ $added } put back that were not there).
demo-has-data = { $database } already holds data: opencpd serve serves it; opencpd demo --replace builds the demo afresh and keeps the current file aside.
demo-kept = The previous database is kept as { $kept }.

## The command line: summaries
cli-demo-built = Demo built in { $seconds } s: { $units } units, { $schools } schools, { $people } people, { $positions } positions.
cli-demo-database = Database { $database }: { $megabytes } MB
cli-demo-delivery = Delivery: { $programmes } programmes, { $courses } courses, { $cohorts } cohorts, { $enrolments } enrolments, { $marks } attendance marks, { $certificates } certificates, { $costs } programme costs.
cli-demo-outreach = Outreach: { $events } events, { $resources } resources delivered to schools ({ $checks } checks), { $awards } teacher awards.
cli-demo-evaluation = Evaluation { $code }: { $schools } schools drawn into 3 arms; { $rows } learner-outcome rows (2022 to 2025).
cli-demo-funnel = Kirkpatrick levels of { $programme }: { $surveys } satisfaction surveys, { $tests } pre- and post-tests, { $observations } lesson observations, { $culture } school culture surveys.
cli-demo-peer = Peer learning: { $plcs } PLCs, { $meetings } meetings, { $points } action points; coaching: { $relations } relations, { $visits } visits.
cli-demo-plans = Improvement plans 2025 in Gitega: { $approved } approved, { $submitted } submitted, { $returned } returned, { $draft } draft.
cli-demo-accounts = Accounts (password: { $password }):
cli-demo-login = Log in as admin / { $password }
cli-serving = Serving on { $address } (Ctrl-C to stop)
cli-exported-units = Exported { $count } { $count ->
    [one] unit
   *[other] units
  }.
cli-exported-schools = Exported { $count } { $count ->
    [one] school
   *[other] schools
  }.
cli-exported-people = Exported { $count } { $count ->
    [one] person
   *[other] people
  }.
cli-exported-positions = Exported { $count } { $count ->
    [one] position
   *[other] positions
  }.
cli-exported-to = Exported { $count } { $count ->
    [one] submission
   *[other] submissions
  } to { $file }.
cli-files-none = There is no folder of files at { $files }: nothing to remove.
cli-file-undescribed = never described
cli-file-pruned = { $sha256 }: { $size } bytes, { $type }, unused since { $since }
cli-files-pruned = Removed { $count } { $count ->
    [one] file
   *[other] files
  } no row refers to, unused for { $hours } hours, and { $spooled } { $spooled ->
    [one] upload
   *[other] uploads
  } cut off: { $megabytes } MB.
cli-files-would-prune = Would remove { $count } { $count ->
    [one] file
   *[other] files
  } no row refers to, unused for { $hours } hours, and { $spooled } { $spooled ->
    [one] upload
   *[other] uploads
  } cut off: { $megabytes } MB. Nothing was removed (--dry-run).
cli-backed-up = Backed up to { $file }
cli-backed-up-files = { $count } { $count ->
    [one] file
   *[other] files
  } ({ $megabytes } MB) the database refers to are in the backup with it.
cli-backup-files-missing = { $count } { $count ->
    [one] file
   *[other] files
  } the database refers to are not in { $files }, so not in the backup: { $list }
cli-backup-no-files = There is no folder of files at { $files }: the backup holds the database alone.
cli-published = Published { $code } version { $version } ({ $title }) as instrument { $id }.
cli-form-refused = { $file }: { $count } { $count ->
    [one] problem
   *[other] problems
  }; nothing was stored.
cli-user-created = Created { $username } ({ $role }).
cli-user-active = { $username } is now active.
cli-user-disabled = { $username } is now disabled.
cli-token-revoked = Token { $id } ({ $name }) of { $username } is revoked.
cli-password-set = The password of { $username } is set; their sessions ended.
cli-wrote = Wrote { $file }
cli-stdout = standard output
cli-xlsx-needs-out = XLSX needs --out FILE
cli-zip-needs-out = a form with repeats exports as a zip of CSV files, which needs --out FILE

# Lists: paging, sorting, search
list-search = Search by name or code
list-pages = Pages
list-showing = { $first }–{ $last } of { $total }
list-previous = Previous
list-next = Next
problem-bad-page = { $value } is not a page: pages are numbered from 1
problem-page-too-far = { $value } is past the furthest page a list may be asked for ({ $max })
problem-bad-per-page = { $value } rows a page is not possible: from 1 to { $max }
enrol-search = Find a person by name or staff number
enrol-search-none = Nobody you may enrol matches this search.
enrol-button = Enrol

# A template file's notes (the second sheet of a workbook, comment lines of a CSV file).
template-column = column
template-required = required
template-allowed = allowed values
template-yes = yes
template-no = no
template-allowed-line = { $column }: one of { $values }
template-update-key = On an update (--update, or “Update the records that exist” ticked on the import page), { $count ->
    [one] the column { $columns } names the record
   *[other] the columns { $columns } name the record
  } a row changes; a row naming no record adds one.
template-update-empty = On an update, an empty optional cell leaves the record's value as it is.
