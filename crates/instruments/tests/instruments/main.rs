//! Instruments on both backends: through the whole app on the small demo (`app`: publishing,
//! submissions, summaries, field sync and conflicts), and through the area alone with real
//! accounts and bearer tokens (`files`, `exports`): a form's attachments, the files of
//! submissions, and the row-level export with languages, repeats, choices, points and links.

mod app;
mod exports;
mod files;
mod triggers;
