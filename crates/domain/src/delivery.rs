//! CPD delivery's words: the kinds of course and how they are delivered, what a
//! programme's target measures, how a person came to be enrolled, an application's
//! decision and status, a certificate's status. Each is stored and sent by its key; the
//! API and files keep the keys they always had.

use crate::vocabulary::vocabulary;

vocabulary!(
    /// What a course leads to.
    CourseKind {
        Diploma => "diploma" | "diplôme",
        Certificate => "certificate" | "certificat",
        ShortTraining => "short_training" | "formation courte",
    }
);

vocabulary!(
    /// How a course or a session is delivered.
    Modality {
        FaceToFace => "face_to_face" | "présentiel" | "presentiel",
        Online => "online" | "en ligne",
        Blended => "blended" | "hybride",
    }
);

vocabulary!(
    /// What a programme's target counts.
    Measure {
        Enrolled => "enrolled",
        Completed => "completed",
        Certified => "certified",
        OutreachParticipants => "outreach_participants",
        SchoolsReached => "schools_reached",
    }
);

impl Measure {
    /// Counted from outreach's records (events and the schools they reached), not from
    /// enrolments.
    pub fn is_outreach(self) -> bool {
        matches!(self, Measure::OutreachParticipants | Measure::SchoolsReached)
    }
}

vocabulary!(
    /// How a person came to be enrolled in a cohort.
    EnrolmentSource {
        Single => "single",
        Import => "import",
        Criteria => "criteria",
        Application => "application",
    }
);

vocabulary!(
    /// What is decided about an application.
    Decision {
        Approve => "approve",
        Reject => "reject",
    }
);

vocabulary!(
    /// Where an application stands.
    ApplicationStatus {
        Pending => "pending",
        Approved => "approved",
        Rejected => "rejected",
    }
);

impl Decision {
    /// The status an application takes when this is decided.
    pub fn status(self) -> ApplicationStatus {
        match self {
            Decision::Approve => ApplicationStatus::Approved,
            Decision::Reject => ApplicationStatus::Rejected,
        }
    }
}

vocabulary!(
    /// A certificate on a given day.
    CertificateStatus {
        Valid => "valid",
        Expired => "expired",
        Revoked => "revoked",
    }
);

impl CertificateStatus {
    /// Revoked first (a revocation stands whatever the dates), then expired after the
    /// expiry day, else valid.
    pub fn on(day: chrono::NaiveDate, revoked: bool, expires_on: Option<chrono::NaiveDate>) -> CertificateStatus {
        if revoked {
            CertificateStatus::Revoked
        } else if expires_on.is_some_and(|e| e < day) {
            CertificateStatus::Expired
        } else {
            CertificateStatus::Valid
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn french_spellings_are_read_as_the_keys() {
        assert_eq!(CourseKind::parse("Diplôme").unwrap(), CourseKind::Diploma);
        assert_eq!(Modality::parse("présentiel").unwrap(), Modality::FaceToFace);
        assert_eq!(Modality::parse("face-to-face").unwrap(), Modality::FaceToFace);
        assert_eq!(Measure::parse("Schools reached").unwrap(), Measure::SchoolsReached);
        assert!(Measure::SchoolsReached.is_outreach() && !Measure::Certified.is_outreach());
        assert_eq!(
            Measure::parse("reached").unwrap_err().args[0].1,
            "enrolled, completed, certified, outreach_participants, schools_reached"
        );
    }

    #[test]
    fn a_certificate_is_revoked_before_it_is_expired() {
        let day = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let before = day.pred_opt();
        assert_eq!(CertificateStatus::on(day, true, before), CertificateStatus::Revoked);
        assert_eq!(CertificateStatus::on(day, false, before), CertificateStatus::Expired);
        assert_eq!(CertificateStatus::on(day, false, Some(day)), CertificateStatus::Valid);
        assert_eq!(CertificateStatus::on(day, false, None), CertificateStatus::Valid);
        assert_eq!(Decision::Reject.status(), ApplicationStatus::Rejected);
    }
}
