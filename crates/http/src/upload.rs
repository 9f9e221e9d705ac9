//! Forms sent as `multipart/form-data` (a file and a few fields): read whole, CSRF token
//! checked, for every page that takes a file (registry imports, XLSForms, enrolment and
//! outreach files).

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
}

impl Upload {
    /// Reads every part of the form (the part named `file` as the file) and checks the
    /// `csrf` field against the session's token.
    pub async fn read(ctx: &Ctx, mut multipart: Multipart) -> Result<Upload> {
        let bad = |e: axum::extract::multipart::MultipartError| match e.status() {
            axum::http::StatusCode::PAYLOAD_TOO_LARGE => Error::TooLarge(0),
            _ => Problem::new("bad-request").arg("detail", e.body_text()).into(),
        };
        let mut upload = Upload { fields: HashMap::new(), file: None };
        while let Some(field) = multipart.next_field().await.map_err(bad)? {
            let name = field.name().unwrap_or("").to_string();
            if name == "file" {
                let file_name = field.file_name().unwrap_or("upload").to_string();
                upload.file = Some((file_name, field.bytes().await.map_err(bad)?));
            } else {
                upload.fields.insert(name, field.text().await.map_err(bad)?);
            }
        }
        ctx.check_csrf(upload.text("csrf"))?;
        Ok(upload)
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
