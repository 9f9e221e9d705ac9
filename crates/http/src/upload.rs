//! Forms sent as `multipart/form-data` (a file, a few fields, and other files where a form
//! takes them: an XLSForm's attachments): read whole, CSRF token checked, for every page
//! that takes a file (registry imports, XLSForms, enrolment and outreach files), and for
//! the API routes that take a form with files (no CSRF token: a bearer token's).

use crate::auth::Ctx;
use crate::error::{Error, Result};
use axum::body::Bytes;
use axum::extract::Multipart;
use opencpd_domain::Problem;
use std::collections::HashMap;

pub struct Upload {
    fields: HashMap<String, String>,
    /// The file's name as sent, and its bytes.
    file: Option<(String, Bytes)>,
    /// The files of other parts, in the order sent: the part's name, the file's name and
    /// its bytes (a file input left empty sends none).
    others: Vec<(String, String, Bytes)>,
}

impl Upload {
    /// Reads every part of the form (the part named `file` as the file) and checks the
    /// `csrf` field against the session's token.
    pub async fn read(ctx: &Ctx, multipart: Multipart) -> Result<Upload> {
        let upload = Upload::parts(multipart).await?;
        ctx.check_csrf(upload.text("csrf"))?;
        Ok(upload)
    }

    /// Reads every part of a form sent to the API (a bearer token's, with no CSRF token):
    /// the part named `file` as the file, the other parts with a file name as files, the
    /// rest as text fields.
    pub async fn parts(mut multipart: Multipart) -> Result<Upload> {
        let bad = |e: axum::extract::multipart::MultipartError| match e.status() {
            axum::http::StatusCode::PAYLOAD_TOO_LARGE => Error::TooLarge(0),
            _ => Problem::new("bad-request").arg("detail", e.body_text()).into(),
        };
        let mut upload = Upload { fields: HashMap::new(), file: None, others: Vec::new() };
        while let Some(field) = multipart.next_field().await.map_err(bad)? {
            let name = field.name().unwrap_or("").to_string();
            if name == "file" {
                let file_name = field.file_name().unwrap_or("upload").to_string();
                upload.file = Some((file_name, field.bytes().await.map_err(bad)?));
            } else if let Some(file_name) = field.file_name().map(str::to_string) {
                let bytes = field.bytes().await.map_err(bad)?;
                if !(file_name.is_empty() && bytes.is_empty()) {
                    upload.others.push((name, file_name, bytes));
                }
            } else {
                upload.fields.insert(name, field.text().await.map_err(bad)?);
            }
        }
        Ok(upload)
    }

    /// The files sent in the parts named `name`, each with its file's name, in order.
    pub fn files(&self, name: &str) -> Vec<(&str, &Bytes)> {
        self.others.iter().filter(|(part, ..)| part == name).map(|(_, file, bytes)| (file.as_str(), bytes)).collect()
    }

    /// A text field, empty when absent.
    pub fn text(&self, name: &str) -> &str {
        self.fields.get(name).map(String::as_str).unwrap_or("")
    }

    /// Whether a check box was ticked (sent at all).
    pub fn ticked(&self, name: &str) -> bool {
        self.fields.contains_key(name)
    }

    /// The file, which the form requires.
    pub fn file(&self) -> Result<(&str, &[u8])> {
        match &self.file {
            Some((name, bytes)) => Ok((name.as_str(), bytes.as_ref())),
            None => Err(Problem::new("required").in_column("file").into()),
        }
    }
}
