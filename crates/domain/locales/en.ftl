## Where a problem is
at-row = row { $row }
at-column = column { $column }

## Problems with input (problem-<code>)
problem-required = a value is required
problem-bad-choice = { $value } is not one of: { $allowed }
problem-bad-code = { $value } is not a valid code (letters, digits, - _ / . and no spaces, at most 40)
problem-too-long = the value is too long (at most { $max } characters)
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
problem-too-many-problems = stopped after { $max } problems
problem-duplicate-in-file = { $value } is already on row { $first } of this file
problem-own-parent = a unit cannot be its own parent
problem-both-coordinates = give both latitude and longitude, or neither
problem-school-or-unit = give a school_code or a unit_code, not both and not neither
problem-role-needs-school = the role { $role } is held at a school: give a school_code
problem-ends-before-start = the position ends before it starts ({ $start })
problem-empty-file = the file is empty (0 bytes)
problem-not-a-table = the file is not a CSV or XLSX table: { $detail }
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
problem-out-of-scope = { $value } is outside your scope
problem-not-found = not found
problem-forbidden = you are not allowed to do this
problem-bad-request = the request is not valid: { $detail }
problem-bad-credentials = wrong user name or password
problem-throttled = too many failed attempts; wait { $seconds } seconds
problem-csrf = the form has expired; reload the page and try again
problem-login-required = please log in
problem-too-short = too short (at least { $min } characters)
problem-conflict = this conflicts with existing data: { $detail }

## Navigation and pages
nav-home = Home
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
home-my-schools = My school
home-my-record = My CPD record
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
} in { $rows } rows. Nothing was written.
users-title = Users
users-add = Add a user
users-created = User { $username } created.
users-active = active
users-disabled = disabled
users-disable = Disable
users-enable = Enable
users-language = Language
users-scope = Scope (unit code, school code or staff number)
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
problem-form-unsupported-media = images, audio and video are not supported: { $value }
problem-form-unsupported-column = this column is not supported here; leave it empty ({ $value })
problem-form-unsupported-type = { $value } is not a question type OpenCPD supports
problem-form-unsupported-or-other = { $value }: "or_other" is not supported; add an "other" choice and a text question
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
problem-form-unknown-choice-column = the choice filter reads the column { $name }, which the choices sheet does not have, in { $value }
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
instruments-published = Published { $name }.
instruments-refused = { $problems ->
    [one] One problem: nothing was published.
   *[other] { $problems } problems: nothing was published.
}
instruments-languages = Languages
instruments-export = Export the submissions
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
instrument-kind-survey = Survey
instrument-kind-test = Test
instrument-kind-observation = Observation
instrument-kind-needs_assessment = Needs assessment
instrument-kind-checklist = Checklist
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
