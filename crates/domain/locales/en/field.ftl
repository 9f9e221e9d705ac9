# The offline field app (crates/instruments/static/field): every text it shows. The app
# receives these, with the problem-<code> messages, from GET /field/messages.json.
field-app-title = OpenCPD field
field-language = Language
field-package = Package
field-download = Download package
field-downloading = Downloading…
field-no-package = No package on this device yet. Download it while you have a connection.
field-package-info = Package of { $date }: { $schools ->
    [one] { $schools } school
   *[other] { $schools } schools
}, { $people ->
    [one] { $people } person
   *[other] { $people } people
}, { $instruments ->
    [one] { $instruments } instrument
   *[other] { $instruments } instruments
}.
field-signed-in-as = Signed in as { $name }
field-sign-in-title = Sign in
field-sign-in-intro = Sign in to download the forms and the schools and people of your work.
field-session-ended = Your session has ended: sign in again to send what waits in the outbox.
field-username = User name
field-password = Password
field-sign-in = Sign in
field-signing-in = Signing in…
field-sign-in-offline = Signing in needs a connection to the server.
field-sign-in-failed = Signing in failed ({ $error }).
field-download-failed = The package could not be downloaded ({ $error }).
field-offline = You are offline.
field-instruments = Instruments
field-no-instruments = No instruments in the package.
field-attachments-missing = Not collected until its files are uploaded on the server: { $files }
field-drafts = Drafts
field-resume = Resume
field-delete = Delete
field-subject = What the form is about
field-cohorts = Cohorts
field-sessions-of = Sessions of { $cohort }
field-choose = — choose —
field-schools = Schools
field-people = People
field-save = Save to outbox
field-contacts = Correct a person's details
field-contact-person = Person
field-contact-given_name = Given name
field-contact-family_name = Family name
field-contact-birth_year = Year of birth
field-contact-phone = Phone number
field-contact-email = E-mail
field-contact-unchanged = Nothing was changed.
field-contact-problem-required = { $field }: a value that was there cannot be emptied here.
field-contact-problem-year = { $field }: a year between 1900 and 2100.
field-contact-problem-phone = { $field }: 6 to 15 digits, with an optional leading +.
field-contact-problem-email = { $field }: not an e-mail address.
field-contact-save = Save the change
field-contact-saved = Saved to the outbox: it is sent with the forms.
field-contact-missing = Choose a person first.
field-contact-title = Details of { $name }
field-conflict-kept = changed meanwhile on the server: kept for a person to decide
field-cancel = Close
field-add = Add
field-remove = Remove
field-entry = Entry { $n }
field-confirm = Confirm
field-locate = Use my location
field-locate-add = Add my location
field-locating = Finding the location…
field-located = Location found, to within { $metres } m.
field-locate-failed = No location from this device ({ $reason }); type it: latitude longitude.
field-location-hint = Latitude and longitude in degrees; then altitude and accuracy in metres if known.
field-choose-subject = Choose what the form is about: a school, a person, a cohort or a session.
field-fix-problems = Please correct these before saving:
field-saved = Saved to the outbox.
field-file-kept = Kept on this device: { $name }
field-file-lost = The file { $name } is no longer on this device: take it again and save the form anew
field-outbox = Outbox
field-sync = Sync now
field-clear-sent = Remove sent
field-counts = { $sent } sent, { $waiting } waiting, { $rejected } rejected
field-syncing = Sending…
field-all-sent = Nothing is waiting.
field-will-send = Waiting submissions are sent when the connection returns.
field-stopped = Sending stopped: { $error }. It will be tried again.
field-network-error = no connection to the server
field-server-error = server error { $status }
field-unexpected = unexpected answer from the server
field-auth-error = the session has ended; sign in again
field-status-waiting = waiting
field-status-sending = sending
field-status-sent = sent
field-status-rejected = rejected
field-attempts = { $n ->
    [one] { $n } attempt
   *[other] { $n } attempts
}
field-edit = Correct and resend
field-unknown-instrument = This instrument is no longer in the package.
field-confirm-delete = Delete this? It has not been sent.
field-duplicate = already on the server
field-visits = Coaching visit
field-visit-intro = Record a visit to someone you coach; it is sent with the forms, and the feedback of its observation shows here once sent.
field-visit-coachee = Coachee
field-visit-date = Date of the visit
field-visit-focus = Focus (standards)
field-visit-observation = Observation made in this app
field-visit-no-observation = None
field-visit-actions = Agreed actions
field-visit-next = Next visit
field-visit-save = Save the visit
field-visit-saved = Visit saved to the outbox: it is sent with the forms.
field-visit-title = Coaching visit: { $name }
field-visit-feedback = Feedback
field-visit-no-feedback = No observation linked: no feedback.
field-visit-problem-required = { $field }: required.
field-visit-problem-date = { $field }: not a date.
field-visit-problem-future = { $field }: cannot be in the future.
field-visit-problem-before-visit = { $field }: cannot be before the visit.
field-visit-plan = Visit plan
field-visit-plan-term = Term { $term }: those not visited this term first, then overdue follow-ups.
field-visit-plan-unvisited = Not visited this term
field-visit-plan-visits = { $n ->
    [one] { $n } visit this term
   *[other] { $n } visits this term
}
field-visit-plan-last = last visit { $date }
field-visit-plan-next = next visit { $date }
field-visit-plan-overdue = Follow-up overdue
field-visit-plan-recorded = Visit recorded on this device
field-visit-plan-record = Record a visit
field-resent = Corrected: it is sent again with the forms.
field-stop-correcting = Record a new one instead
field-correcting-visit = Correcting a refused visit: saving sends it again.
field-correcting-meeting = Correcting a refused meeting: saving sends it again.
field-meetings = PLC meeting
field-meeting-intro = Record a meeting of a PLC you facilitate or support; it is sent with the forms.
field-meeting-plc = PLC
field-meeting-date = Date of the meeting
field-meeting-topics = Topics (standards)
field-meeting-attendance = Attendance
field-meeting-guest = Add a guest
field-meeting-add-guest = Add
field-meeting-guest-mark = guest
field-meeting-carried = Action points carried over
field-meeting-carried-point = Action point “{ $title }”
field-meeting-points = New action points
field-meeting-add-point = Add an action point
field-meeting-notes = Notes
field-meeting-save = Save the meeting
field-meeting-saved = Meeting saved to the outbox: it is sent with the forms.
field-meeting-title = PLC meeting: { $plc }
field-meeting-present = { $n } present
field-meeting-open = See the meeting
field-meeting-due = due { $date }
field-meeting-point-status = At this meeting
field-meeting-still-open = Still open
field-meeting-closed = Closed
field-meeting-none-carried = No action point open from earlier meetings.
field-meeting-point-n = Action point { $n }
field-meeting-point-title = What is to be done
field-meeting-point-owner = Owner
field-meeting-point-due = Due date
field-meeting-problem-required = { $field }: required.
field-meeting-problem-date = { $field }: not a date.
field-meeting-problem-future = { $field }: cannot be in the future.
field-meeting-problem-owner = { $field }: choose who will do it.
field-meeting-role-facilitator = facilitator
field-meeting-role-supporting_officer = supporting officer
field-meeting-role-member = member
