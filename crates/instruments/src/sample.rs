//! A lesson-observation rubric to start from, as an XLSForm: what `opencpd instrument
//! sample` writes and the demo publishes.

/// A lesson-observation rubric as an XLSForm: the five-level rubric scores items
/// into two of Rwanda's school-leadership standards, in English and French.
pub fn lesson_observation_xlsform() -> Vec<u8> {
    let row = |cells: &[&str]| cells.iter().map(|c| c.to_string()).collect::<Vec<String>>();
    let survey = vec![
        row(&[
            "type",
            "name",
            "label::English (en)",
            "label::French (fr)",
            "required",
            "constraint",
            "constraint_message::English (en)",
            "constraint_message::French (fr)",
            "relevant",
            "domain",
        ]),
        row(&[
            "date",
            "lesson_date",
            "Date of the lesson",
            "Date de la leçon",
            "yes",
            ". <= today()",
            "The lesson cannot be in the future",
            "La leçon ne peut pas être dans le futur",
            "",
            "",
        ]),
        row(&["select_one subject", "subject", "Subject", "Discipline", "yes", "", "", "", "", ""]),
        row(&[
            "integer",
            "learners_present",
            "Learners present",
            "Élèves présents",
            "yes",
            ". >= 0 and . <= 150",
            "Between 0 and 150",
            "Entre 0 et 150",
            "",
            "",
        ]),
        row(&[
            "integer",
            "girls_present",
            "Girls present",
            "Filles présentes",
            "",
            ". <= ${learners_present}",
            "Not more than the learners present",
            "Pas plus que les élèves présents",
            "",
            "",
        ]),
        row(&["begin group", "practice", "Teaching practice", "Pratique d'enseignement", "", "", "", "", "", ""]),
        row(&[
            "select_one rubric",
            "objectives_shared",
            "Lesson objectives are shared with learners",
            "Les objectifs de la leçon sont partagés avec les élèves",
            "yes",
            "",
            "",
            "",
            "",
            "Leading teaching",
        ]),
        row(&[
            "select_one rubric",
            "feedback",
            "Learners get feedback on their work",
            "Les élèves reçoivent un retour sur leur travail",
            "yes",
            "",
            "",
            "",
            "",
            "Leading teaching",
        ]),
        row(&[
            "select_one rubric",
            "learners_active",
            "Learners are active in their learning",
            "Les élèves sont actifs dans leurs apprentissages",
            "yes",
            "",
            "",
            "",
            "",
            "Leading learning",
        ]),
        row(&[
            "select_one rubric",
            "questioning",
            "Questions make learners think",
            "Les questions font réfléchir les élèves",
            "yes",
            "",
            "",
            "",
            "",
            "Leading learning",
        ]),
        row(&["end group", "", "", "", "", "", "", "", "", ""]),
        row(&[
            "note",
            "large_class",
            "A large class: note how the teacher reaches every learner.",
            "Classe nombreuse : notez comment l'enseignant atteint chaque élève.",
            "",
            "",
            "",
            "",
            "${learners_present} > 60",
            "",
        ]),
        row(&["text", "strengths", "Strengths seen", "Points forts observés", "", "", "", "", "", ""]),
        row(&[
            "text",
            "agreed_action",
            "Action agreed with the teacher",
            "Action convenue avec l'enseignant",
            "yes",
            "",
            "",
            "",
            "",
            "",
        ]),
        row(&[
            "date",
            "follow_up",
            "Follow-up visit",
            "Visite de suivi",
            "",
            ". > ${lesson_date}",
            "After the lesson",
            "Après la leçon",
            "",
            "",
        ]),
    ];
    let mut choices = vec![row(&["list_name", "name", "label::English (en)", "label::French (fr)", "score"])];
    for (name, en, fr, score) in [
        ("1", "Not yet", "Pas encore", "0"),
        ("2", "Emerging", "Émergent", "1"),
        ("3", "Established", "Établi", "2"),
        ("4", "Strong", "Solide", "3"),
    ] {
        choices.push(row(&["rubric", name, en, fr, score]));
    }
    for (name, en, fr) in [
        ("math", "Mathematics", "Mathématiques"),
        ("english", "English", "Anglais"),
        ("french", "French", "Français"),
        ("kinyarwanda", "Kinyarwanda", "Kinyarwanda"),
        ("science", "Science", "Sciences"),
    ] {
        choices.push(row(&["subject", name, en, fr, ""]));
    }
    let settings = vec![
        row(&["form_title", "form_id", "version", "default_language"]),
        row(&["Lesson observation", "lesson_observation", "2026-01", "English (en)"]),
    ];
    opencpd_transfer::write_workbook(&[("survey", survey), ("choices", choices), ("settings", settings)])
        .expect("an in-memory workbook")
}
