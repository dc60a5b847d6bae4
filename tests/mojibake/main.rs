//! mojibake-fix on real text and real names: the corpora, ftfy's cases, the modes, renames and undo.

mod corpus;
mod false_fixes;
mod ftfy_cases;
mod modes;
mod names;
mod safety;
mod text;
