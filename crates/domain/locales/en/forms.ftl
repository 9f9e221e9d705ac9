# Instruments (crates/forms): answers to the question types taken from ODK.
problem-form-bad-geopoint = { $value } is not a location: a latitude (-90 to 90) and a longitude (-180 to 180) in degrees, then the altitude and the accuracy in metres if known
problem-form-bad-geotrace = { $value } is not a line: two or more locations separated by ";"
problem-form-bad-geoshape = { $value } is not an area: four or more locations separated by ";", the last one the first
problem-form-bad-file-name = { $value } is not the name of a file sent with the submission
problem-form-bad-rank = { $value } is ranked twice
problem-form-calculation-cycle = this calculation depends on itself ({ $names }): { $value }

# A form's files (its attachments) and the files answers name.
problem-form-file-column = the file { $value } has no column { $column }, which the question { $question } reads
problem-form-attachments-missing = this form cannot be collected until its files are uploaded; missing: { $files }
problem-form-not-attachment = { $value } is not a file this form names; it names: { $allowed }
problem-form-attachment-twice = { $value } is sent twice; send each file once
problem-form-file-not-sent = the file { $value } this answer names was not sent with the submission
problem-form-file-unknown = no file with the digest { $value } was uploaded; upload it first
problem-file-digest = the file's content does not have the digest { $value } (it has { $sha256 })
problem-file-offset = the file { $sha256 } is received up to byte { $received }; a part starting at { $value } does not follow on (send the rest from byte { $received })
problem-file-range = { $value } is not a part of a file: bytes FIRST-LAST/SIZE, FIRST at most LAST, LAST below SIZE
problem-file-range-length = more bytes were sent than the part { $value } holds ({ $size })
problem-files-bucket = { $value } is not a bucket: write s3://bucket/prefix, the bucket's name in lower-case letters, digits, dots and hyphens

# A submission's page.
submission-about = About
submission-subject-school = School
submission-subject-person = Person
submission-subject-cohort = Cohort
submission-subject-session = Session
submission-collected = Collected
submission-version = Form and version
submission-answers = Answers
submission-question = Question
submission-answer = Answer
submission-no-answers = No question of this form was answered.
submission-scores = Scores
submission-domain = Domain
submission-score = Score
submission-repeat = { $count ->
    [one] filled once
   *[other] filled { $count } times
}
problem-form-unknown-algorithm = { $function }() does not know the algorithm { $algorithm }, in { $value }
problem-form-unknown-path = the path { $path } names no question of this form, in { $value }; a path starts from the question it is written for (../x), from current(), or from the root (/{ $root }/x)
problem-form-unknown-namespace = the namespace { $prefix } of this column is not declared, so ODK Validate refuses the form: XForms declare h, ev, xsd, jr, orx and odk; declare { $prefix } in the settings' namespaces column ({ $prefix }="http://…") or rename the column ({ $value })
problem-form-bad-attribute = { $value } is not a positive number, which this attribute takes
problem-form-bad-trigger = { $value } is not a trigger: name the questions whose change sets this one as ${"{"}name{"}"}, several separated by commas
problem-form-trigger-not-shown = { $name } is not shown to the respondent (a calculation, a hidden or metadata item, a group, or a computed question without a label), so its change cannot set { $question }: { $value }
problem-form-audit-bad-parameter = the audit's { $parameter } takes { $allowed }, not { $given } ({ $value })
problem-form-audit-location-incomplete = the audit tracks the location with location-priority, location-min-interval and location-max-age given together, or none of them ({ $value })
problem-form-audit-max-age = the audit's location-max-age ({ $max } s) must be at least its location-min-interval ({ $min } s) ({ $value })
problem-form-audit-column-missing = the audit log { $value } has no { $heading } column: this form's audit parameters make its header { $expected }
problem-form-audit-column-unexpected = the audit log { $value } has a { $heading } column this form's audit parameters do not ask for: its header must be { $expected }
