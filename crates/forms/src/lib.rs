//! Instruments for OpenCPD: observation rubrics, self-assessments and surveys written as
//! XLSForms.
//!
//! - [`xlsform`] reads a workbook into a [`Form`] or reports every problem in it;
//! - [`expr`] is the expression language (the XPath subset XLSForm uses);
//! - [`validate`] checks a submission (JSON answers) against a form;
//! - [`score`] turns a validated submission into scores per domain.
//!
//! Pure: no database, no network, no clock (the date of evaluation is passed in a
//! [`Context`]). Every error is an [`opencpd_domain::table::Problem`], whose message is in
//! the domain crate's Fluent catalogue under `problem-<code>`.

pub mod expr;
pub mod files;
pub mod model;
pub mod score;
pub mod validate;
pub mod xlsform;

pub use expr::{Context, Expr, ExprError, Value};
pub use model::{Choice, Condition, Form, Item, ItemKind, MediaKind, Texts};
pub use score::{DomainScore, score};
pub use validate::{Answer, Instance, Validated, validate};
pub use xlsform::parse_xlsform;
