// Package search is Groupdesk's own index of an app's groups, because
// Agora can list groups and read them by id but cannot find one by name.
//
// The index lives in the dashboard database (SQLite or PostgreSQL), in
// tables of its own with their own migrations, so it needs nothing but a
// *sql.DB. Search is by substring, case-insensitive, in Chinese as well as
// English: word tokenisers fail on CJK text, so SQLite uses FTS5's trigram
// tokenizer and PostgreSQL pg_trgm. Trigrams cannot find a query of one or
// two characters, so those scan the table; the benchmarks measure that.
//
// Sync fills the index from Agora with a full pass; callers that create,
// edit or delete a group through Groupdesk call Upsert or MarkGone at once.
package search
