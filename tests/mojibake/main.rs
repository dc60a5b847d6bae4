//! mojibake-fix on real text and real names: the corpora, ftfy's cases, the modes, renames and undo.

mod corpus;
mod crash;
mod false_fixes;
mod ftfy_cases;
mod legacy;
mod modes;
mod names;
mod names_corpus;
mod safety;
mod text;
