//! Instruments on both backends, through the app with real accounts and bearer tokens: a
//! form's attachments, and the files of submissions.

mod files;
