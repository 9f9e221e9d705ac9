//! CPD delivery: programmes and targets, courses, cohorts, enrolment, sessions and
//! attendance, grades and completion, certificates and CPD records (being written).
