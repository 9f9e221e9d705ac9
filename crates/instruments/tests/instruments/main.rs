//! Instruments on both backends: through the whole app on the small demo (`app`: publishing,
//! submissions, summaries, field sync and conflicts), and through the area alone with real
//! accounts and bearer tokens (`files`): a
//! form's attachments, and the files of submissions.

mod app;
mod files;
